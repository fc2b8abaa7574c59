/**
 * The licence operations the licences service is built on: the SKU by part number, the free-seat check, the usage location
 * a licence needs, assignLicense (add and remove in one call; refused for a usage location set
 * moments ago, it is retried within usageLocationLagWaitMs), and the provisioning wait.
 */
import { waitFor } from "../../consistency";
import { during, TenantError } from "../../errors";
import { waitOutLag } from "../../retry";
import { provisioningTimeoutMs, type Tuning } from "../../tuning";
import type { GraphLicences } from "../graph/licences";
import type { GraphUsers } from "../graph/users";
import type { LicenceDetail, SubscribedSku } from "../model";

/** Operations on licences of resource accounts. */
export interface LicenceOps {
  /**
   * The subscribed SKU with this part number, or (`servicePlanName` given) the one holding that
   * service plan: PAYG Calling Plan SKUs differ by country in part number, not in plan (SkuNotFound otherwise).
   */
  sku(partNumber: string, label: string, servicePlanName?: string): Promise<SubscribedSku>;
  /** Fails (NoFreeSeats) when the SKU has no free seat. */
  requireFreeSeat(sku: SubscribedSku, userId: string, label: string): void;
  /** Waits until the account is visible with a usage location (NoUsageLocation when it keeps none). */
  requireUsageLocation(userId: string, label: string): Promise<void>;
  /** The account's licences; undefined when the account does not exist. */
  held(userId: string): Promise<LicenceDetail[] | undefined>;
  /** Adds `skuId` and removes `removeSkuIds` in one call. */
  assign(userId: string, skuId: string, removeSkuIds: string[]): Promise<void>;
  /** Removes a licence. */
  remove(userId: string, skuId: string): Promise<void>;
  /** Waits until the voice plan is Success (bounded; ProvisioningError, WaitTimeout). */
  waitForProvisioning(
    request: { userId: string; skuId: string; skuPartNumber: string; timeoutMinutes: number; servicePlanName?: string },
    label: string,
  ): Promise<LicenceDetail | undefined>;
}

/** How long to wait for the account (and its usage location) to show in Graph. */
const USER_TIMEOUT_MS = 5 * 60_000;
/** Polls a visible account may go without a usage location before we stop waiting for a late PATCH. */
const USAGE_LOCATION_GRACE_POLLS = 10;
/** The voice plan of resource-account SKUs (MCOEV_VIRTUALUSER, MCOEV_VIRTUALUSER_GOV). */
const VOICE_PLAN = /^MCOEV_VIRTUALUSER/i;

/** The plan we wait for: `servicePlanName` when given, else the voice plan, else the first plan of the SKU. */
export function watchedPlan(
  sku: { servicePlans: { servicePlanName: string; provisioningStatus?: string }[] },
  servicePlanName?: string,
): { servicePlanName: string; provisioningStatus?: string } | undefined {
  if (servicePlanName) return sku.servicePlans.find((p) => p.servicePlanName.toUpperCase() === servicePlanName);
  return sku.servicePlans.find((p) => VOICE_PLAN.test(p.servicePlanName)) ?? sku.servicePlans[0];
}

/** Licence operations through Graph. */
export class TenantLicenceOps implements LicenceOps {
  constructor(
    private readonly licences: GraphLicences,
    private readonly users: GraphUsers,
    /** Read at each wait: tuning comes from the environment of the moment. */
    private readonly tuning: () => Tuning,
  ) {}

  async sku(partNumber: string, label: string, servicePlanName?: string): Promise<SubscribedSku> {
    const skus = await during(`looking up licence ${partNumber}`, label, () => this.licences.subscribedSkus());
    const sku = servicePlanName
      ? skus.find((s) => watchedPlan(s, servicePlanName))
      : skus.find((s) => s.skuPartNumber.toUpperCase() === partNumber);
    if (sku) return sku;
    throw new TenantError({
      operation: `looking up licence ${partNumber}`,
      resource: label,
      code: "SkuNotFound",
      reason: servicePlanName
        ? `the tenant has no subscription with service plan ${servicePlanName} (it has ${skus.map((s) => s.skuPartNumber).join(", ") || "none"})`
        : `the tenant has no subscription for ${partNumber} (it has ${skus.map((s) => s.skuPartNumber).join(", ") || "none"})`,
      hint: servicePlanName
        ? `Buy the Pay-As-You-Go Calling Plan licence (${servicePlanName}: zone 1 is MCOPSTN_PAYG_1, zone 2 MCOPSTN_PAYG_2) in the Microsoft 365 admin center, or remove outboundCalling.callingPlan.`
        : "Get the free Microsoft Teams Phone Resource Account licence in the Microsoft 365 admin center (Billing > Purchase services), or set skuPartNumber.",
    });
  }

  requireFreeSeat(sku: SubscribedSku, userId: string, label: string): void {
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

  /**
   * Waits until the account is visible in Graph (replication) and has a usage location (set by its
   * ApplicationInstance). A visible account that keeps having none fails fast, before assignLicense.
   */
  async requireUsageLocation(userId: string, label: string): Promise<void> {
    let withoutLocation = 0;
    const hint =
      "Licences need a usage location: set usageLocation on the ApplicationInstance (and make the licence depend on it), then rerun `pulumi up`.";
    await waitFor({
      what: `${userId} to be visible with a usage location`,
      resource: label,
      timeoutMs: USER_TIMEOUT_MS,
      intervalMs: this.tuning().pollIntervalMs,
      confirmations: 1,
      hint,
      check: async () => {
        const user = await during(`reading ${userId}`, label, () => this.users.get(userId));
        if (user && !user.usageLocation && ++withoutLocation >= USAGE_LOCATION_GRACE_POLLS) {
          throw new TenantError({
            operation: `assigning licence to ${user.userPrincipalName}`,
            resource: label,
            code: "NoUsageLocation",
            reason: "the account has no usage location",
            hint,
          });
        }
        const status = !user
          ? "account not visible yet"
          : user.usageLocation
            ? `usage location ${user.usageLocation}`
            : "no usage location";
        return { done: !!user?.usageLocation, status };
      },
    });
  }

  held(userId: string): Promise<LicenceDetail[] | undefined> {
    return this.licences.details(userId);
  }

  assign(userId: string, skuId: string, removeSkuIds: string[]): Promise<void> {
    const tuning = this.tuning();
    // requireUsageLocation saw the usage location: a refusal for it now is licensing lagging behind.
    return waitOutLag(() => this.licences.assign(userId, [{ skuId, disabledPlans: [] }], removeSkuIds), {
      condition: "usageLocationNotSeen",
      budgetMs: tuning.usageLocationLagWaitMs,
      baseMs: Math.min(tuning.pollIntervalMs, 2_000),
      resource: userId,
      what: `assigning licence ${skuId} to ${userId}`,
      why: "licensing does not see the usage location yet (it lags behind the directory)",
    });
  }

  /** Whether the directory shows the account's voice plan (MCOEV_VIRTUALUSER) provisioned. */
  async voicePlanProvisioned(userId: string): Promise<boolean> {
    const details = await this.licences.details(userId);
    return (details ?? []).some((d) => {
      const plan = watchedPlan(d);
      return !!plan && VOICE_PLAN.test(plan.servicePlanName) && plan.provisioningStatus === "Success";
    });
  }

  remove(userId: string, skuId: string): Promise<void> {
    return this.licences.assign(userId, [], [skuId]);
  }

  waitForProvisioning(
    r: { userId: string; skuId: string; skuPartNumber: string; timeoutMinutes: number; servicePlanName?: string },
    label: string,
  ): Promise<LicenceDetail | undefined> {
    return waitFor<LicenceDetail>({
      what: "the licence to be provisioned by Teams",
      resource: label,
      timeoutMs: provisioningTimeoutMs(r.timeoutMinutes, this.tuning()),
      intervalMs: this.tuning().pollIntervalMs,
      confirmations: 2,
      hint: `Provisioning can take hours: rerun \`pulumi up\` to keep waiting, or raise provisioningTimeoutMinutes (now ${r.timeoutMinutes}).`,
      check: async () => {
        const details = await during(`reading licences of ${r.userId}`, label, () => this.licences.details(r.userId));
        const licence = details?.find((d) => d.skuId === r.skuId);
        const plan = licence ? watchedPlan(licence, r.servicePlanName) : undefined;
        if (plan?.provisioningStatus === "Error") {
          throw new TenantError({
            operation: `provisioning ${r.skuPartNumber} on ${r.userId}`,
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
}
