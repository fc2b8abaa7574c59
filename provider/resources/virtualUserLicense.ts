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
 * The orchestration lives in the licences service (provider/tenant/licences/service.ts).
 */
import * as pulumi from "@pulumi/pulumi";

import { withPartialState } from "../errors";
import { virtualUserLicenseId } from "../ids";
import { RESOURCE_MODULES, TYPE_MODULE } from "../registry";
import { shim } from "../shim";
import { configureSession, tenant, type LicenceRequest, type LicenceState, type Outcome } from "../tenant";
import {
  normalizeBoolean,
  normalizeGuid,
  normalizeLabel,
  normalizeProvisioningMinutes,
  normalizeSkuPartNumber,
} from "../validate";
import { checkWith, diffByRules, namedBy, type BotLabel, type Hooks } from "./common";

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

function outputs(inputs: Inputs, state: LicenceState): VirtualUserLicenseOutputs {
  return { ...inputs, ...state };
}

/** The service's request for these inputs; `label` names the resource in messages. */
function request(inputs: Inputs): LicenceRequest {
  const { userId, skuPartNumber, waitForProvisioning, provisioningTimeoutMinutes } = inputs;
  return {
    userId,
    skuPartNumber,
    waitForProvisioning,
    provisioningTimeoutMinutes,
    label: `${skuPartNumber} on ${userId}`,
  };
}

/** The outputs of a change, or the error with what the account holds now (the engine records it). */
function settled(inputs: Inputs, outcome: Outcome<LicenceState>): VirtualUserLicenseOutputs {
  if (outcome.ok) return outputs(inputs, outcome.value);
  const id = virtualUserLicenseId.format({ userId: inputs.userId, skuId: outcome.exists.skuId });
  throw withPartialState(outcome.error, id, outputs(inputs, outcome.exists));
}

/** The implementation the shim loads at call time. */
export const provider: Hooks<Inputs, VirtualUserLicenseOutputs> = namedBy({
  configure: configureSession,

  check: checkWith<Inputs>((c) => {
    c.dependency("userId", (v) => normalizeGuid(v, "an object id (ApplicationInstance.objectId)"));
    c.optional("skuPartNumber", normalizeSkuPartNumber, DEFAULT_SKU_PART_NUMBER);
    c.optional("waitForProvisioning", normalizeBoolean, true);
    c.optional("provisioningTimeoutMinutes", normalizeProvisioningMinutes, DEFAULT_TIMEOUT_MINUTES);
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
    const outs = settled(inputs, await tenant().licences.ensure(request(inputs)));
    return { id: virtualUserLicenseId.format({ userId: inputs.userId, skuId: outs.skuId }), outs };
  },

  async read(id, props) {
    const { userId, skuId } = virtualUserLicenseId.parse(id);
    const label = virtualUserLicenseId.label({ userId, skuId }, props?.skuPartNumber);
    const licence = await tenant().licences.find(userId, props?.skuId || skuId, label);
    if (!licence) return {};
    const { skuPartNumber, ...state } = licence;
    const inputs: Inputs = {
      userId,
      skuPartNumber,
      waitForProvisioning: props?.waitForProvisioning ?? true,
      provisioningTimeoutMinutes: props?.provisioningTimeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES,
      ...(props?.bot ? { bot: props.bot } : {}),
    };
    return { id, props: outputs(inputs, state) };
  },

  async update(_id, olds, news) {
    const changed = await tenant().licences.change({ from: olds, to: request(news) });
    return { outs: changed ? settled(news, changed) : { ...olds, ...news } };
  },

  async delete(id, props) {
    const { userId, skuId } = virtualUserLicenseId.parse(id);
    const current = props?.skuId || skuId;
    const label = virtualUserLicenseId.label({ userId, skuId: current }, props?.skuPartNumber);
    await tenant().licences.remove({ userId, skuId: current, skuPartNumber: props?.skuPartNumber, label });
  },
});
