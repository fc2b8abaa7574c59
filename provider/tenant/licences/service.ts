/**
 * The licences service: what the VirtualUserLicense resource asks for — the licence on the account
 * (assigned when missing, after the seat and usage-location checks, waited for until Teams can use
 * it), swapped for another SKU in one call, removed — each a whole change, its write need declared
 * in LICENCE_WRITES and checked before any tenant call.
 */
import { during, type TenantError } from "../../errors";
import { progress } from "../../log";
import type { LicenceDetail, Outcome, SubscribedSku } from "../model";
import { guardWrites, type WriteGuard, type WriteTable } from "../writes";
import { watchedPlan, type LicenceOps } from "./ops";

/** The licence a resource declares on an account (`label` names the resource in messages). */
export interface LicenceRequest {
  userId: string;
  /** The SKU's part number; with `servicePlanName`, only how messages name the licence. */
  skuPartNumber: string;
  /** Find the SKU by this service plan and wait for it (Pay-As-You-Go Calling Plans: MCOPSTN_PAYG_1/_2). */
  servicePlanName?: string;
  waitForProvisioning: boolean;
  provisioningTimeoutMinutes: number;
  label: string;
}

/** A licence on the account as the tenant shows it: the SKU and the voice plan waited for. */
export interface LicenceState {
  skuId: string;
  /** The voice service plan (MCOEV_VIRTUALUSER), else the SKU's first; "" when unknown. */
  servicePlanName: string;
  /** Its provisioningStatus, e.g. Success or PendingProvisioning; "Unknown" when not shown. */
  servicePlanStatus: string;
}

/** A licence the account holds, with its part number. */
export type HeldLicence = LicenceState & { skuPartNumber: string };

/** What a change of SKU or of waiting starts from: the recorded licence. */
export interface LicenceChange {
  from: LicenceState & { skuPartNumber: string };
  to: LicenceRequest;
}

/** The changes of the licences service. */
export interface LicenceWrites {
  /**
   * The licence on the account: one it holds already is taken as is (and waited for); otherwise a
   * free seat and a usage location are required, then it is assigned and waited for. A failure
   * after it is on the account comes with what the account holds (`exists`).
   */
  ensure(request: LicenceRequest): Promise<Outcome<LicenceState>>;
  /**
   * Another SKU: swapped in ONE assignLicense call (add + remove), so the account is never without
   * a licence. Same SKU: a licence left pending is waited for again; undefined when nothing is to do.
   */
  change(request: LicenceChange): Promise<Outcome<LicenceState> | undefined>;
  /** Removes the licence (nothing when it is gone already). */
  remove(request: { userId: string; skuId: string; skuPartNumber?: string; label: string }): Promise<void>;
}

/** Licences of resource accounts: the read, and the changes of LicenceWrites. */
export interface Licences extends LicenceWrites {
  /** The licence of this SKU the account holds; undefined when it (or the account) does not exist. */
  find(userId: string, skuId: string, label: string, servicePlanName?: string): Promise<HeldLicence | undefined>;
}

/** What each change writes, and how a refusal names it. */
export const LICENCE_WRITES: WriteTable<LicenceWrites> = {
  ensure: {
    needs: ["licences"],
    names: (r) => ({ operation: `assigning licence ${r.skuPartNumber} to ${r.userId}`, resource: r.label }),
  },
  change: {
    needs: ["licences"],
    names: (r) => ({ operation: `changing licence ${r.from.skuPartNumber} of ${r.to.userId}`, resource: r.to.label }),
  },
  remove: {
    needs: ["licences"],
    names: (r) => ({ operation: `removing licence ${r.skuPartNumber ?? r.skuId} from ${r.userId}`, resource: r.label }),
  },
};

/** The licence state of `licence` (the SKU's plan name when the licence is not shown yet). */
function stateOf(
  skuId: string,
  licence: LicenceDetail | undefined,
  fallbackPlan?: string,
  servicePlanName?: string,
): LicenceState {
  const plan = licence ? watchedPlan(licence, servicePlanName) : undefined;
  return {
    skuId,
    servicePlanName: plan?.servicePlanName ?? fallbackPlan ?? "",
    servicePlanStatus: plan?.provisioningStatus ?? "Unknown",
  };
}

/** The licences service over these operations; every change checked by `guard`. */
export function licenceService(ops: LicenceOps, guard: WriteGuard): Licences {
  const work = new LicenceWork(ops);
  return {
    find: (userId, skuId, label, plan) => work.find(userId, skuId, label, plan),
    ...guardWrites(guard, LICENCE_WRITES, {
      ensure: (r) => work.ensure(r),
      change: (r) => work.change(r),
      remove: (r) => work.remove(r),
    }),
  };
}

/** What the service does, unguarded (only `licenceService` reaches it, through the guard). */
class LicenceWork {
  constructor(private readonly ops: LicenceOps) {}

  async find(userId: string, skuId: string, label: string, plan?: string): Promise<HeldLicence | undefined> {
    const licence = (await this.held(userId, label))?.find((d) => d.skuId === skuId);
    return licence && { ...stateOf(licence.skuId, licence, undefined, plan), skuPartNumber: licence.skuPartNumber };
  }

  async ensure(r: LicenceRequest): Promise<Outcome<LicenceState>> {
    const sku = await this.ops.sku(r.skuPartNumber, r.label, r.servicePlanName);
    const licence = (await this.held(r.userId, r.label))?.find((d) => d.skuId === sku.skuId);
    if (!licence) {
      this.ops.requireFreeSeat(sku, r.userId, r.label);
      await this.ops.requireUsageLocation(r.userId, r.label);
      return this.assignAndWait(r, sku, []);
    }
    progress(r.label, "the account already has this licence");
    const plan = r.servicePlanName;
    if (!r.waitForProvisioning) return { ok: true, value: stateOf(sku.skuId, licence, undefined, plan) };
    try {
      return { ok: true, value: stateOf(sku.skuId, await this.provisioned(r, sku.skuId), undefined, plan) };
    } catch (e) {
      return { ok: false, error: e as TenantError, exists: stateOf(sku.skuId, licence, undefined, plan) };
    }
  }

  async change({ from, to }: LicenceChange): Promise<Outcome<LicenceState> | undefined> {
    if (from.skuPartNumber === to.skuPartNumber) {
      // Only how we wait changed; a licence left pending by a timed-out create is waited for again.
      if (!to.waitForProvisioning || from.servicePlanStatus === "Success") return undefined;
      const plan = to.servicePlanName;
      return { ok: true, value: stateOf(from.skuId, await this.provisioned(to, from.skuId), undefined, plan) };
    }
    const sku = await this.ops.sku(to.skuPartNumber, to.label, to.servicePlanName);
    this.ops.requireFreeSeat(sku, to.userId, to.label);
    // One call adds the new and removes the old: the account is never without a licence.
    return this.assignAndWait(to, sku, [from.skuId]);
  }

  async remove(r: { userId: string; skuId: string; skuPartNumber?: string; label: string }): Promise<void> {
    if (!(await this.held(r.userId, r.label))?.some((d) => d.skuId === r.skuId)) {
      progress(r.label, "licence already gone");
      return;
    }
    const what = `removing licence ${r.skuPartNumber ?? r.skuId} from ${r.userId}`;
    await during(what, r.label, () => this.ops.remove(r.userId, r.skuId));
  }

  /** Assigns (and removes) in one call, then waits for provisioning when asked; pending on a failure. */
  private async assignAndWait(
    r: LicenceRequest,
    sku: SubscribedSku,
    removeSkuIds: string[],
  ): Promise<Outcome<LicenceState>> {
    const what = removeSkuIds.length
      ? `swapping licence ${removeSkuIds.join(", ")} for ${r.skuPartNumber} on ${r.userId}`
      : `assigning licence ${r.skuPartNumber} to ${r.userId}`;
    await during(what, r.label, () => this.ops.assign(r.userId, sku.skuId, removeSkuIds));
    const plan = watchedPlan(sku, r.servicePlanName)?.servicePlanName;
    try {
      const licence = r.waitForProvisioning
        ? await this.provisioned(r, sku.skuId)
        : (await this.ops.held(r.userId))?.find((d) => d.skuId === sku.skuId);
      return { ok: true, value: stateOf(sku.skuId, licence, plan, r.servicePlanName) };
    } catch (e) {
      const exists = { ...stateOf(sku.skuId, undefined, plan), servicePlanStatus: "PendingProvisioning" };
      return { ok: false, error: e as TenantError, exists };
    }
  }

  private held(userId: string, label: string): Promise<LicenceDetail[] | undefined> {
    return during(`reading licences of ${userId}`, label, () => this.ops.held(userId));
  }

  private provisioned(r: LicenceRequest, skuId: string): Promise<LicenceDetail | undefined> {
    const { userId, skuPartNumber, provisioningTimeoutMinutes: timeoutMinutes, servicePlanName } = r;
    return this.ops.waitForProvisioning({ userId, skuId, skuPartNumber, timeoutMinutes, servicePlanName }, r.label);
  }
}
