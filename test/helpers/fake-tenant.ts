/**
 * An in-memory tenant for fast tests of the resource hooks: in-memory tenant operations (the
 * contracts of provider/tenant/{accounts,licences,numbers}/ops.ts, no Graph, no PowerShell, no waiting) under the REAL
 * services (servicesOver), so a hook test runs what a resource asks of the services and what they
 * ask of the tenant; `calls` lists the operations in order. Its identity may write what `grants`
 * holds (everything by default): a change needing anything else is refused like the real write
 * guard refuses it (ReadOnlyIdentity), before any operation. The emulator tests prove the
 * operations themselves.
 */
import type { WriteNeed } from "../../provider/access/catalogue";
import { TenantError } from "../../provider/errors";
import {
  servicesOver,
  type AccountOps,
  type Accounts,
  type LicenceDetail,
  type LicenceOps,
  type Licences,
  type Locations,
  type NumberAssignment,
  type NumberOnAccount,
  type NumberOps,
  type Numbers,
  type Policies,
  type PolicyOps,
  type SubscribedSku,
  type TeamsInstance,
  type Tenant,
  type TenantUser,
  type WriteGuard,
} from "../../provider/tenant";
import { MoveRegistry } from "../../provider/tenant/moves/index";

export const FAKE_TENANT_ID = "5f1c8e2a-3b7d-4c9e-a1f0-2d6b8e4c7a91";
export const VIRTUAL_USER_SKU = "440eaaa8-b3e0-484b-a8be-62870b9ba70a";

/** An in-memory Tenant; `calls` lists the operations in order ("accounts.patch displayName"). */
export class FakeTenant implements Tenant {
  readonly calls: string[] = [];
  /** What the signed-in identity may write (all by default); `refused` lists the changes it refused. */
  readonly grants = new Set<WriteNeed>(["users", "licences", "numbers", "teams"]);
  readonly refused: string[] = [];
  readonly users = new Map<string, TenantUser>();
  readonly instances = new Map<string, TeamsInstance>();
  readonly held = new Map<string, LicenceDetail[]>();
  readonly records = new Map<string, NumberAssignment>();
  readonly skus: SubscribedSku[] = [
    {
      skuId: VIRTUAL_USER_SKU,
      skuPartNumber: "PHONESYSTEM_VIRTUALUSER",
      consumedUnits: 0,
      prepaidUnits: { enabled: 25 },
      servicePlans: [{ servicePlanId: "p1", servicePlanName: "MCOEV_VIRTUALUSER", provisioningStatus: "Success" }],
    },
  ];
  /** Numbers whose assignment fails (permanently). */
  readonly failingNumbers = new Set<string>();
  private nextId = 1;

  private log(call: string): void {
    this.calls.push(call);
  }

  /** Adds a resource account (as if made outside Pulumi, or by an earlier create). */
  addAccount(upn: string, applicationId: string, usageLocation: string | null = "US"): string {
    const objectId = `00000000-0000-4000-8000-${String(this.nextId++).padStart(12, "0")}`;
    this.users.set(objectId, { id: objectId, userPrincipalName: upn, displayName: upn, usageLocation });
    this.instances.set(objectId, {
      objectId,
      tenantId: FAKE_TENANT_ID,
      userPrincipalName: upn,
      applicationId,
      displayName: upn,
      phoneNumber: null,
    });
    return objectId;
  }

  /** Adds a number of the tenant, optionally on an account, optionally with an emergency location. */
  addNumber(
    phoneNumber: string,
    numberType = "CallingPlan",
    on: string | null = null,
    locationId: string | null = null,
  ): void {
    this.records.set(phoneNumber, {
      telephoneNumber: phoneNumber,
      numberType,
      assignmentTargetId: on,
      assignmentStatus: on ? "voiceApplicationAssigned" : "unassigned",
      activationState: "activated",
      locationId,
      capabilities: ["voiceApplicationAssignment"],
    });
  }

  private byUpnOrId(idOrUpn: string): TenantUser | undefined {
    return this.users.get(idOrUpn) ?? [...this.users.values()].find((u) => u.userPrincipalName === idOrUpn);
  }

  readonly accountOps: AccountOps = {
    tenantId: FAKE_TENANT_ID,
    user: async (idOrUpn) => this.byUpnOrId(idOrUpn),
    instance: async (identity) =>
      this.instances.get(identity) ?? [...this.instances.values()].find((i) => i.userPrincipalName === identity),
    findOrCreate: async (request) => {
      this.log(`accounts.findOrCreate ${request.userPrincipalName}`);
      const user = this.byUpnOrId(request.userPrincipalName);
      if (user) {
        if (!request.adopt)
          throw new TenantError({ operation: "creating", code: "AlreadyExists", reason: "the account exists" });
        return { instance: this.instances.get(user.id)!, existingUser: user };
      }
      const objectId = this.addAccount(request.userPrincipalName, request.applicationId, null);
      return { instance: this.instances.get(objectId)!, existingUser: undefined };
    },
    ensureMapping: async (instance, applicationId) => {
      this.log(`accounts.ensureMapping ${applicationId}`);
      this.instances.set(instance.objectId, { ...instance, applicationId });
    },
    waitForUser: async (objectId, _label, present) => {
      this.log(`accounts.waitForUser ${present ? "present" : "gone"}`);
      return this.users.get(objectId);
    },
    patch: async (user, wanted) => {
      const changed = (["displayName", "usageLocation"] as const).filter((k) => user[k] !== wanted[k]);
      this.log(`accounts.patch ${changed.join(",") || "nothing"}`);
      const patched = { ...user, ...wanted };
      this.users.set(user.id, patched);
      return patched;
    },
    delete: async (objectId) => {
      this.log("accounts.delete");
      this.instances.delete(objectId);
      return this.users.delete(objectId);
    },
  };

  readonly licenceOps: LicenceOps = {
    sku: async (partNumber, _label, plan) => {
      const sku = this.skus.find((s) =>
        plan ? s.servicePlans.some((p) => p.servicePlanName === plan) : s.skuPartNumber === partNumber,
      );
      if (!sku) throw new TenantError({ operation: "looking up", code: "SkuNotFound", reason: partNumber });
      return sku;
    },
    requireFreeSeat: (sku) => {
      if (sku.prepaidUnits.enabled - sku.consumedUnits <= 0)
        throw new TenantError({ operation: "assigning", code: "NoFreeSeats", reason: "0 seats free" });
    },
    requireUsageLocation: async (userId) => {
      this.log("licences.requireUsageLocation");
      if (!this.users.get(userId)?.usageLocation)
        throw new TenantError({ operation: "assigning", code: "NoUsageLocation", reason: "no usage location" });
    },
    held: async (userId) => (this.users.has(userId) ? (this.held.get(userId) ?? []) : undefined),
    assign: async (userId, skuId, removeSkuIds) => {
      this.log(`licences.assign ${skuId}${removeSkuIds.length ? ` -${removeSkuIds.join(",")}` : ""}`);
      const sku = this.skus.find((s) => s.skuId === skuId)!;
      const kept = (this.held.get(userId) ?? []).filter((d) => !removeSkuIds.includes(d.skuId));
      this.held.set(userId, [...kept, { skuId, skuPartNumber: sku.skuPartNumber, servicePlans: sku.servicePlans }]);
    },
    remove: async (userId, skuId) => {
      this.log(`licences.remove ${skuId}`);
      this.held.set(
        userId,
        (this.held.get(userId) ?? []).filter((d) => d.skuId !== skuId),
      );
    },
    waitForProvisioning: async (r) => {
      this.log("licences.waitForProvisioning");
      return this.held.get(r.userId)?.find((d) => d.skuId === r.skuId);
    },
  };

  private put(r: NumberOnAccount, on: boolean): NumberAssignment {
    const record = this.records.get(r.phoneNumber)!;
    const next = {
      ...record,
      assignmentTargetId: on ? r.instanceId : null,
      assignmentStatus: on ? "voiceApplicationAssigned" : "unassigned",
      // Unassigning keeps the location (Set-CsPhoneNumberAssignment example 8: unassigned numbers have one).
      locationId: on && r.locationId ? r.locationId : record.locationId,
    };
    this.records.set(r.phoneNumber, next);
    return next;
  }

  readonly numberOps: NumberOps = {
    get: async (phoneNumber) => this.records.get(phoneNumber),
    assign: async (request) => {
      this.log(`numbers.assign ${request.phoneNumber}`);
      if (this.failingNumbers.has(request.phoneNumber))
        throw new TenantError({ operation: "assigning", status: 400, serviceCode: "BadRequest", reason: "refused" });
      return this.put(request, true);
    },
    unassign: async (request) => {
      this.log(`numbers.unassign ${request.phoneNumber}`);
      this.put(request, false);
    },
    setLocation: async (phoneNumber, locationId) => {
      this.log(`numbers.setLocation ${locationId}`);
      const record = this.records.get(phoneNumber)!;
      // Removing a location: Direct Routing and Operator Connect only (Set-CsPhoneNumberAssignment -LocationId).
      if (locationId === null && record.locationId && record.numberType.toLowerCase() === "callingplan")
        throw new TenantError({ operation: "setting", status: 400, serviceCode: "BadRequest", reason: "no removal" });
      this.records.set(phoneNumber, { ...this.records.get(phoneNumber)!, locationId });
    },
    assignmentBlock: async (phoneNumber) => this.records.get(phoneNumber)?.assignmentBlock ?? null,
  };

  /** The write guard of the fake identity: refuses a change needing what `grants` lacks. */
  private readonly guard: WriteGuard = {
    require: async (needs, operation, resource) => {
      const missing = needs.filter((n) => !this.grants.has(n));
      if (missing.length === 0) return;
      this.refused.push(operation);
      throw new TenantError({
        operation,
        resource,
        code: "ReadOnlyIdentity",
        reason: `the signed-in identity (fake) may not write ${missing.join(" and ")}. Nothing was changed`,
      });
    },
  };

  /** The tenant's voice routing policies and the one each account holds. */
  readonly policyNames = ["US-DirectRouting", "International"];
  readonly granted = new Map<string, string>();

  readonly policyOps: PolicyOps = {
    policies: async () => [...this.policyNames],
    policyOf: async (id) => (this.users.has(id) ? { policyName: this.granted.get(id) ?? null } : undefined),
    grant: async (id, policyName) => {
      this.log(`policies.grant ${policyName}`);
      if (policyName === null) this.granted.delete(id);
      else this.granted.set(id, policyName);
    },
  };

  // The real services over this fake's operations (their own move registry: no plan declared, no wait).
  private readonly services = servicesOver(
    { accounts: this.accountOps, licences: this.licenceOps, numbers: this.numberOps, policies: this.policyOps },
    this.guard,
    { tuning: () => ({ numberReleaseWaitMs: 0, pollIntervalMs: 1 }), registry: new MoveRegistry() },
  );
  readonly accounts: Accounts = this.services.accounts;
  readonly licences: Licences = this.services.licences;
  readonly numbers: Numbers = this.services.numbers;
  readonly locations: Locations = this.services.locations;
  readonly policies: Policies = this.services.policies;

  async close(): Promise<void> {}
}
