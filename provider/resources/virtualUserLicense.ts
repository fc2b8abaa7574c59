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
 */
import * as pulumi from "@pulumi/pulumi";

import { waitFor } from "../consistency";
import { during, TenantError, withPartialState } from "../errors";
import { virtualUserLicenseId } from "../ids";
import { progress } from "../log";
import { shim } from "../shim";
import type { LicenseDetail, SubscribedSku, TenantClient } from "../tenant/client";
import { configureSession, tenant } from "../tenant/session";
import { Checker, normalizeBoolean, normalizeGuid, normalizeMinutes, normalizeSkuPartNumber } from "../validate";
import { changedKeys, pollIntervalMs, provisioningTimeoutMs } from "./common";

/** Inputs of a VirtualUserLicense. */
export interface VirtualUserLicenseArgs {
  /** Object id of the resource account (ApplicationInstance.objectId). */
  userId: pulumi.Input<string>;
  /** SKU part number; default PHONESYSTEM_VIRTUALUSER ("Microsoft Teams Phone Resource Account"). */
  skuPartNumber?: pulumi.Input<string>;
  /** Wait until the voice service plan is provisioned (default true). */
  waitForProvisioning?: pulumi.Input<boolean>;
  /** How long to wait for provisioning, in minutes (default 30). */
  provisioningTimeoutMinutes?: pulumi.Input<number>;
}

/** Normalised inputs as check() returns them. */
interface Inputs {
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
    super(
      shim("virtualUserLicense"),
      name,
      { skuId: undefined, servicePlanName: undefined, servicePlanStatus: undefined, ...args },
      opts,
      "teams",
      "VirtualUserLicense",
    );
  }
}

/** The default SKU: Microsoft Teams Phone Resource Account. */
export const DEFAULT_SKU_PART_NUMBER = "PHONESYSTEM_VIRTUALUSER";
const DEFAULT_TIMEOUT_MINUTES = 30;
/** How long to wait for the account (and its usage location) to show in Graph. */
const USER_TIMEOUT_MS = 5 * 60_000;
/** The voice plan of resource-account SKUs (MCOEV_VIRTUALUSER, MCOEV_VIRTUALUSER_GOV). */
const VOICE_PLAN = /^MCOEV_VIRTUALUSER/i;

/** The plan we wait for: the voice plan, else the first plan of the SKU. */
function watchedPlan(sku: {
  servicePlans: { servicePlanName: string; provisioningStatus?: string }[];
}): { servicePlanName: string; provisioningStatus?: string } | undefined {
  return sku.servicePlans.find((p) => VOICE_PLAN.test(p.servicePlanName)) ?? sku.servicePlans[0];
}

async function resolveSku(t: TenantClient, partNumber: string, label: string): Promise<SubscribedSku> {
  const skus = await during(`looking up licence ${partNumber}`, label, () => t.listSubscribedSkus());
  const sku = skus.find((s) => s.skuPartNumber.toUpperCase() === partNumber);
  if (!sku) {
    throw new TenantError({
      operation: `looking up licence ${partNumber}`,
      resource: label,
      code: "SkuNotFound",
      reason: `the tenant has no subscription for ${partNumber} (it has ${skus.map((s) => s.skuPartNumber).join(", ") || "none"})`,
      hint: "Get the free Microsoft Teams Phone Resource Account licence in the Microsoft 365 admin center (Billing > Purchase services), or set skuPartNumber.",
    });
  }
  return sku;
}

/** Fails before calling assignLicense when no seat is free, with the count. */
function requireFreeSeat(sku: SubscribedSku, userId: string, label: string): void {
  const total = sku.prepaidUnits?.enabled ?? 0;
  const free = total - sku.consumedUnits;
  if (free > 0) return;
  throw new TenantError({
    operation: `assigning licence ${sku.skuPartNumber} to ${userId}`,
    resource: label,
    code: "NoFreeSeats",
    reason: `${Math.max(0, free)} of ${total} ${sku.skuPartNumber} seats free (${sku.consumedUnits} in use)`,
    hint: "Remove the licence from an account that no longer needs it or add seats in the Microsoft 365 admin center, then rerun `pulumi up`.",
  });
}

/** Polls a visible account may go without a usage location before we stop waiting for a late PATCH. */
const USAGE_LOCATION_GRACE_POLLS = 10;

/**
 * Waits until the account is visible in Graph (replication) and has a usage location (set by its
 * ApplicationInstance). A visible account that keeps having none fails fast, before assignLicense.
 */
async function requireUsageLocation(t: TenantClient, userId: string, label: string): Promise<void> {
  let withoutLocation = 0;
  const hint =
    "Licences need a usage location: set usageLocation on the ApplicationInstance (and make the licence depend on it), then rerun `pulumi up`.";
  await waitFor({
    what: `${userId} to be visible with a usage location`,
    resource: label,
    timeoutMs: USER_TIMEOUT_MS,
    intervalMs: pollIntervalMs(),
    confirmations: 1,
    hint,
    check: async () => {
      const user = await during(`reading ${userId}`, label, () => t.getUser(userId));
      if (user && !user.usageLocation && ++withoutLocation >= USAGE_LOCATION_GRACE_POLLS) {
        throw new TenantError({
          operation: `assigning licence to ${user.userPrincipalName}`,
          resource: label,
          code: "NoUsageLocation",
          reason: "the account has no usage location",
          hint,
        });
      }
      return {
        done: !!user?.usageLocation,
        status: !user
          ? "account not visible yet"
          : user.usageLocation
            ? `usage location ${user.usageLocation}`
            : "no usage location",
      };
    },
  });
}

/** Waits until the voice plan of the licence is Success (bounded, with progress lines). */
async function waitForProvisioning(
  t: TenantClient,
  inputs: Inputs,
  skuId: string,
  label: string,
): Promise<LicenseDetail | undefined> {
  return waitFor<LicenseDetail>({
    what: "the licence to be provisioned by Teams",
    resource: label,
    timeoutMs: provisioningTimeoutMs(inputs.provisioningTimeoutMinutes),
    intervalMs: pollIntervalMs(),
    confirmations: 2,
    hint: `Provisioning can take hours: rerun \`pulumi up\` to keep waiting, or raise provisioningTimeoutMinutes (now ${inputs.provisioningTimeoutMinutes}).`,
    check: async () => {
      const details = await during(`reading licences of ${inputs.userId}`, label, () =>
        t.listLicenseDetails(inputs.userId),
      );
      const licence = details?.find((d) => d.skuId === skuId);
      const plan = licence ? watchedPlan(licence) : undefined;
      if (plan?.provisioningStatus === "Error") {
        throw new TenantError({
          operation: `provisioning ${inputs.skuPartNumber} on ${inputs.userId}`,
          resource: label,
          code: "ProvisioningError",
          reason: `service plan ${plan.servicePlanName} reports provisioningStatus Error`,
          hint: "Check the account's licence in the Microsoft 365 admin center; remove and re-add it (delete this resource and run `pulumi up`).",
        });
      }
      return {
        done: plan?.provisioningStatus === "Success",
        status: plan ? `${plan.servicePlanName} ${plan.provisioningStatus ?? "unknown"}` : "licence not visible yet",
        value: licence,
      };
    },
  });
}

function outputs(
  inputs: Inputs,
  skuId: string,
  licence: LicenseDetail | undefined,
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

/** Assigns (and removes) in one call, then waits for provisioning when asked; partial state on failure. */
async function assignAndWait(
  t: TenantClient,
  inputs: Inputs,
  sku: SubscribedSku,
  removeSkuIds: string[],
  label: string,
): Promise<VirtualUserLicenseOutputs> {
  const what = removeSkuIds.length
    ? `swapping licence ${removeSkuIds.join(", ")} for ${inputs.skuPartNumber} on ${inputs.userId}`
    : `assigning licence ${inputs.skuPartNumber} to ${inputs.userId}`;
  await during(what, label, () =>
    t.assignLicense(inputs.userId, [{ skuId: sku.skuId, disabledPlans: [] }], removeSkuIds),
  );
  const id = virtualUserLicenseId.format({ userId: inputs.userId, skuId: sku.skuId });
  try {
    const licence = inputs.waitForProvisioning
      ? await waitForProvisioning(t, inputs, sku.skuId, label)
      : (await t.listLicenseDetails(inputs.userId))?.find((d) => d.skuId === sku.skuId);
    return outputs(inputs, sku.skuId, licence, watchedPlan(sku)?.servicePlanName);
  } catch (e) {
    throw withPartialState(e, id, {
      ...outputs(inputs, sku.skuId, undefined, watchedPlan(sku)?.servicePlanName),
      servicePlanStatus: "PendingProvisioning",
    });
  }
}

/** The implementation the shim loads at call time. */
export const provider: pulumi.dynamic.ResourceProvider<Inputs, VirtualUserLicenseOutputs> = {
  configure: configureSession,

  async check(_olds, news) {
    const c = new Checker(news as unknown as Record<string, unknown>);
    c.required("userId", (v) => normalizeGuid(v, "an object id (ApplicationInstance.objectId)"));
    c.optional("skuPartNumber", normalizeSkuPartNumber, DEFAULT_SKU_PART_NUMBER);
    c.optional("waitForProvisioning", normalizeBoolean, true);
    c.optional("provisioningTimeoutMinutes", (v) => normalizeMinutes(v, 1, 7 * 24 * 60), DEFAULT_TIMEOUT_MINUTES);
    const { inputs, failures } = c.result();
    return { inputs: inputs as unknown as Inputs, failures };
  },

  async diff(_id, olds, news) {
    const changed = changedKeys<Inputs>(olds, news, [
      "userId",
      "skuPartNumber",
      "waitForProvisioning",
      "provisioningTimeoutMinutes",
    ]);
    const replaces = changed.filter((k) => k === "userId");
    const skuChanges = changed.includes("skuPartNumber");
    return {
      changes: changed.length > 0,
      replaces,
      // Free the seat before taking one for the new account: seats are few (25 by default).
      deleteBeforeReplace: replaces.length > 0,
      stables: replaces.length > 0 || skuChanges ? [] : ["skuId", "servicePlanName"],
    };
  },

  async create(inputs) {
    const t = tenant();
    const label = `${inputs.skuPartNumber} on ${inputs.userId}`;
    const sku = await resolveSku(t, inputs.skuPartNumber, label);
    const held = (
      await during(`reading licences of ${inputs.userId}`, label, () => t.listLicenseDetails(inputs.userId))
    )?.find((d) => d.skuId === sku.skuId);
    const id = virtualUserLicenseId.format({ userId: inputs.userId, skuId: sku.skuId });
    if (held) {
      progress(label, "the account already has this licence");
      if (!inputs.waitForProvisioning) return { id, outs: outputs(inputs, sku.skuId, held) };
      try {
        return { id, outs: outputs(inputs, sku.skuId, await waitForProvisioning(t, inputs, sku.skuId, label)) };
      } catch (e) {
        throw withPartialState(e, id, outputs(inputs, sku.skuId, held));
      }
    }
    requireFreeSeat(sku, inputs.userId, label);
    await requireUsageLocation(t, inputs.userId, label);
    return { id, outs: await assignAndWait(t, inputs, sku, [], label) };
  },

  async read(id, props) {
    const t = tenant();
    const { userId, skuId } = virtualUserLicenseId.parse(id);
    const label = virtualUserLicenseId.label({ userId, skuId }, props?.skuPartNumber);
    const details = await during(`reading licences of ${userId}`, label, () => t.listLicenseDetails(userId));
    const licence = details?.find((d) => d.skuId === (props?.skuId || skuId));
    if (!licence) return {};
    const inputs: Inputs = {
      userId,
      skuPartNumber: licence.skuPartNumber,
      waitForProvisioning: props?.waitForProvisioning ?? true,
      provisioningTimeoutMinutes: props?.provisioningTimeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES,
    };
    return { id, props: outputs(inputs, licence.skuId, licence) };
  },

  async update(_id, olds, news) {
    const t = tenant();
    const label = `${news.skuPartNumber} on ${news.userId}`;
    if (changedKeys<Inputs>(olds, news, ["skuPartNumber"]).length === 0) {
      // Only how we wait changed; a licence left pending by a timed-out create is waited for again.
      if (!news.waitForProvisioning || olds.servicePlanStatus === "Success") return { outs: { ...olds, ...news } };
      return { outs: outputs(news, olds.skuId, await waitForProvisioning(t, news, olds.skuId, label)) };
    }
    const sku = await resolveSku(t, news.skuPartNumber, label);
    requireFreeSeat(sku, news.userId, label);
    // One call adds the new and removes the old: the account is never without a licence.
    return { outs: await assignAndWait(t, news, sku, [olds.skuId], label) };
  },

  async delete(id, props) {
    const t = tenant();
    const { userId, skuId } = virtualUserLicenseId.parse(id);
    const current = props?.skuId || skuId;
    const label = virtualUserLicenseId.label({ userId, skuId: current }, props?.skuPartNumber);
    const details = await during(`reading licences of ${userId}`, label, () => t.listLicenseDetails(userId));
    if (!details?.some((d) => d.skuId === current)) {
      progress(label, "licence already gone");
      return;
    }
    await during(`removing licence ${props?.skuPartNumber ?? current} from ${userId}`, label, () =>
      t.assignLicense(userId, [], [current]),
    );
  },
};
