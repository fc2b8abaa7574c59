/**
 * VirtualUserLicense: the Teams Phone Resource Account licence (PHONESYSTEM_VIRTUALUSER) on a
 * resource account, assigned by SKU part number, waited for until Teams can use it.
 *
 * create: resolve the SKU by part number in /subscribedSkus; fail before calling when no seat is
 * free ("0 of 25 PHONESYSTEM_VIRTUALUSER seats free …"); make sure the account has a usage
 * location; assignLicense (both arrays, always); wait until MCOEV_VIRTUALUSER is Success.
 * read: licenseDetails. update: a SKU change swaps in ONE assignLicense call (add + remove), so
 * the account is never without a licence. replace: userId. delete: remove the licence.
 * A licence the account already has is taken as is (nothing to take over: no adopt needed).
 * The orchestration lives in the licences service (provider/tenant/licences.ts).
 */
import * as pulumi from "@pulumi/pulumi";

import { during, withPartialState } from "../errors";
import { virtualUserLicenseId } from "../ids";
import { progress } from "../log";
import { RESOURCE_MODULES, TYPE_MODULE } from "../registry";
import { shim } from "../shim";
import { configureSession, tenant, type LicenceDetail, type SubscribedSku } from "../tenant";
import { watchedPlan } from "../tenant/licences";
import { normalizeBoolean, normalizeGuid, normalizeLabel, normalizeMinutes, normalizeSkuPartNumber } from "../validate";
import { changedKeys, checkWith, diffByRules, namedBy, type BotLabel, type Hooks } from "./common";

/** Inputs of a VirtualUserLicense. */
export interface VirtualUserLicenseArgs {
  /** Object id of the resource account (ApplicationInstance.objectId). */
  userId: pulumi.Input<string>;
  /** SKU part number; default PHONESYSTEM_VIRTUALUSER ("Microsoft Teams Phone Resource Account"). */
  skuPartNumber?: pulumi.Input<string>;
  /** Wait until the voice service plan is provisioned (default true). */
  waitForProvisioning?: pulumi.Input<boolean>;
  /** How long to wait for provisioning, in minutes (default 30). */
  provisioningTimeoutMinutes?: pulumi.Input<number>; /** How the stack config names the bot (e.g. `bots[2] (survey-bot, survey-bot@contoso.com)`), for messages. */
  bot?: pulumi.Input<string>;
}

/** Normalised inputs as check() returns them. */
interface Inputs extends BotLabel {
  userId: string;
  skuPartNumber: string;
  waitForProvisioning: boolean;
  provisioningTimeoutMinutes: number;
}

/** Outputs recorded in state. */
export interface VirtualUserLicenseOutputs extends Inputs {
  /** The SKU's id, e.g. 440eaaa8-b3e0-484b-a8be-62870b9ba70a. */
  skuId: string;
  /** The voice service plan waited for, e.g. MCOEV_VIRTUALUSER. */
  servicePlanName: string;
  /** Its provisioningStatus, e.g. Success or PendingProvisioning. */
  servicePlanStatus: string;
}

/** The licence of a resource account: `pulumi-nodejs:dynamic/teams:VirtualUserLicense`. */
export class VirtualUserLicense extends pulumi.dynamic.Resource {
  declare readonly userId: pulumi.Output<string>;
  declare readonly skuPartNumber: pulumi.Output<string>;
  declare readonly skuId: pulumi.Output<string>;
  declare readonly servicePlanName: pulumi.Output<string>;
  declare readonly servicePlanStatus: pulumi.Output<string>;

  constructor(name: string, args: VirtualUserLicenseArgs, opts?: pulumi.CustomResourceOptions) {
    const props = { skuId: undefined, servicePlanName: undefined, servicePlanStatus: undefined, ...args };
    super(shim("virtualUserLicense"), name, props, opts, TYPE_MODULE, RESOURCE_MODULES.virtualUserLicense.type);
  }
}

/** The default SKU: Microsoft Teams Phone Resource Account. */
export const DEFAULT_SKU_PART_NUMBER = "PHONESYSTEM_VIRTUALUSER";
const DEFAULT_TIMEOUT_MINUTES = 30;

function outputs(
  inputs: Inputs,
  skuId: string,
  licence: LicenceDetail | undefined,
  fallbackPlan?: string,
): VirtualUserLicenseOutputs {
  const plan = licence ? watchedPlan(licence) : undefined;
  return {
    ...inputs,
    skuId,
    servicePlanName: plan?.servicePlanName ?? fallbackPlan ?? "",
    servicePlanStatus: plan?.provisioningStatus ?? "Unknown",
  };
}

/** Waits for provisioning of `skuId` on the account, with the resource's timeout. */
function provisioned(inputs: Inputs, skuId: string, label: string): Promise<LicenceDetail | undefined> {
  const { userId, skuPartNumber, provisioningTimeoutMinutes: timeoutMinutes } = inputs;
  return tenant().licences.waitForProvisioning({ userId, skuId, skuPartNumber, timeoutMinutes }, label);
}

/** Assigns (and removes) in one call, then waits for provisioning when asked; partial state on failure. */
async function assignAndWait(
  inputs: Inputs,
  sku: SubscribedSku,
  removeSkuIds: string[],
  label: string,
): Promise<VirtualUserLicenseOutputs> {
  const { licences } = tenant();
  const what = removeSkuIds.length
    ? `swapping licence ${removeSkuIds.join(", ")} for ${inputs.skuPartNumber} on ${inputs.userId}`
    : `assigning licence ${inputs.skuPartNumber} to ${inputs.userId}`;
  await during(what, label, () => licences.assign(inputs.userId, sku.skuId, removeSkuIds));
  const id = virtualUserLicenseId.format({ userId: inputs.userId, skuId: sku.skuId });
  const plan = watchedPlan(sku)?.servicePlanName;
  try {
    const licence = inputs.waitForProvisioning
      ? await provisioned(inputs, sku.skuId, label)
      : (await licences.held(inputs.userId))?.find((d) => d.skuId === sku.skuId);
    return outputs(inputs, sku.skuId, licence, plan);
  } catch (e) {
    throw withPartialState(e, id, {
      ...outputs(inputs, sku.skuId, undefined, plan),
      servicePlanStatus: "PendingProvisioning",
    });
  }
}

/** The licences the account holds. */
function heldBy(userId: string, label: string): Promise<LicenceDetail[] | undefined> {
  return during(`reading licences of ${userId}`, label, () => tenant().licences.held(userId));
}

/** The implementation the shim loads at call time. */
export const provider: Hooks<Inputs, VirtualUserLicenseOutputs> = namedBy({
  configure: configureSession,

  check: checkWith<Inputs>((c) => {
    c.dependency("userId", (v) => normalizeGuid(v, "an object id (ApplicationInstance.objectId)"));
    c.optional("skuPartNumber", normalizeSkuPartNumber, DEFAULT_SKU_PART_NUMBER);
    c.optional("waitForProvisioning", normalizeBoolean, true);
    c.optional("provisioningTimeoutMinutes", (v) => normalizeMinutes(v, 1, 7 * 24 * 60), DEFAULT_TIMEOUT_MINUTES);
    c.optional("bot", normalizeLabel);
  }),

  // Free the seat before taking one for the new account: seats are few (25 by default).
  diff: async (_id, olds, news) =>
    diffByRules<Inputs>(olds, news, {
      compare: ["userId", "skuPartNumber", "waitForProvisioning", "provisioningTimeoutMinutes"],
      replaceOn: ["userId"],
      stables: ["skuId", "servicePlanName"],
      unstableOn: ["skuPartNumber"],
    }),

  async create(inputs) {
    const { licences, requireWrite } = tenant();
    const label = `${inputs.skuPartNumber} on ${inputs.userId}`;
    await requireWrite(["licences"], `assigning licence ${inputs.skuPartNumber} to ${inputs.userId}`, label);
    const sku = await licences.sku(inputs.skuPartNumber, label);
    const held = (await heldBy(inputs.userId, label))?.find((d) => d.skuId === sku.skuId);
    const id = virtualUserLicenseId.format({ userId: inputs.userId, skuId: sku.skuId });
    if (held) {
      progress(label, "the account already has this licence");
      if (!inputs.waitForProvisioning) return { id, outs: outputs(inputs, sku.skuId, held) };
      try {
        return { id, outs: outputs(inputs, sku.skuId, await provisioned(inputs, sku.skuId, label)) };
      } catch (e) {
        throw withPartialState(e, id, outputs(inputs, sku.skuId, held));
      }
    }
    licences.requireFreeSeat(sku, inputs.userId, label);
    await licences.requireUsageLocation(inputs.userId, label);
    return { id, outs: await assignAndWait(inputs, sku, [], label) };
  },

  async read(id, props) {
    const { userId, skuId } = virtualUserLicenseId.parse(id);
    const label = virtualUserLicenseId.label({ userId, skuId }, props?.skuPartNumber);
    const licence = (await heldBy(userId, label))?.find((d) => d.skuId === (props?.skuId || skuId));
    if (!licence) return {};
    const inputs: Inputs = {
      userId,
      skuPartNumber: licence.skuPartNumber,
      waitForProvisioning: props?.waitForProvisioning ?? true,
      provisioningTimeoutMinutes: props?.provisioningTimeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES,
      ...(props?.bot ? { bot: props.bot } : {}),
    };
    return { id, props: outputs(inputs, licence.skuId, licence) };
  },

  async update(_id, olds, news) {
    const { licences, requireWrite } = tenant();
    const label = `${news.skuPartNumber} on ${news.userId}`;
    await requireWrite(["licences"], `changing licence ${olds.skuPartNumber} of ${news.userId}`, label);
    if (changedKeys<Inputs>(olds, news, ["skuPartNumber"]).length === 0) {
      // Only how we wait changed; a licence left pending by a timed-out create is waited for again.
      if (!news.waitForProvisioning || olds.servicePlanStatus === "Success") return { outs: { ...olds, ...news } };
      return { outs: outputs(news, olds.skuId, await provisioned(news, olds.skuId, label)) };
    }
    const sku = await licences.sku(news.skuPartNumber, label);
    licences.requireFreeSeat(sku, news.userId, label);
    // One call adds the new and removes the old: the account is never without a licence.
    return { outs: await assignAndWait(news, sku, [olds.skuId], label) };
  },

  async delete(id, props) {
    const { userId, skuId } = virtualUserLicenseId.parse(id);
    const current = props?.skuId || skuId;
    const label = virtualUserLicenseId.label({ userId, skuId: current }, props?.skuPartNumber);
    await tenant().requireWrite(
      ["licences"],
      `removing licence ${props?.skuPartNumber ?? current} from ${userId}`,
      label,
    );
    if (!(await heldBy(userId, label))?.some((d) => d.skuId === current)) {
      progress(label, "licence already gone");
      return;
    }
    await during(`removing licence ${props?.skuPartNumber ?? current} from ${userId}`, label, () =>
      tenant().licences.remove(userId, current),
    );
  },
});
