/**
 * What the tenant layer speaks: the tenant's objects as the provider sees them, and the three
 * services resources use (accounts, licences, numbers). Nothing here says how the tenant is reached.
 */
import type { NumberType } from "../formats";

/** The Entra user behind a resource account, as Graph returns it. */
export interface TenantUser {
  id: string;
  userPrincipalName: string;
  displayName: string | null;
  usageLocation: string | null;
  accountEnabled?: boolean | null;
  department?: string | null;
  assignedLicenses?: { skuId: string; disabledPlans: string[] }[];
}

/** One service plan inside a SKU or a user's licence. */
export interface ServicePlan {
  servicePlanId: string;
  servicePlanName: string;
  provisioningStatus?: string;
  appliesTo?: string;
}

/** A SKU the tenant subscribes to (`/subscribedSkus`). */
export interface SubscribedSku {
  skuId: string;
  skuPartNumber: string;
  consumedUnits: number;
  prepaidUnits: { enabled: number; suspended?: number; warning?: number; lockedOut?: number };
  capabilityStatus?: string;
  servicePlans: ServicePlan[];
}

/** One licence of a user (`/users/{id}/licenseDetails`). */
export interface LicenceDetail {
  id?: string;
  skuId: string;
  skuPartNumber: string;
  servicePlans: ServicePlan[];
}

/** A telephone number of the tenant and where it is assigned (Graph numberAssignment, or Get-CsPhoneNumberAssignment). */
export interface NumberAssignment {
  telephoneNumber: string;
  numberType: NumberType | string;
  /** Object id of the user / resource account holding it, or null. */
  assignmentTargetId: string | null;
  /** camelCase, e.g. "unassigned", "voiceApplicationAssigned". */
  assignmentStatus: string;
  /** camelCase, e.g. "activated", "assignmentPending". */
  activationState: string;
  locationId: string | null;
  capabilities: string[];
}

/** A Teams application instance (resource account) as Get-CsOnlineApplicationInstance shows it. */
export interface TeamsInstance {
  objectId: string;
  tenantId: string | null;
  userPrincipalName: string;
  /** Empty when the instance has no application mapping. */
  applicationId: string;
  displayName: string | null;
  /** E.164 without `tel:`, or null. */
  phoneNumber: string | null;
}

/** Creating a resource account. */
export interface NewAccountRequest {
  userPrincipalName: string;
  displayName: string;
  applicationId: string;
}

/** A number on an account (assigning: locationId optional). */
export interface NumberOnAccount {
  phoneNumber: string;
  instanceId: string;
  numberType: NumberType;
  locationId?: string | null;
}

/** Resource accounts: the Teams instance and the Entra user behind it. */
export interface Accounts {
  /** The directory (tenant) id of this tenant. */
  readonly tenantId: string;
  /** The Graph user, or undefined when Graph does not (yet / any more) know it. */
  user(idOrUpn: string): Promise<TenantUser | undefined>;
  /** The Teams application instance, or undefined. */
  instance(identity: string): Promise<TeamsInstance | undefined>;
  /**
   * The account with this UPN: created when none has it (an unclear end is checked and repeated,
   * never two accounts); an existing one only with `adopt`, and only a resource account of the
   * same application (AlreadyExists, NotAResourceAccount, AdoptMismatch otherwise).
   */
  findOrCreate(
    request: NewAccountRequest & { adopt: boolean },
  ): Promise<{ instance: TeamsInstance; existingUser: TenantUser | undefined }>;
  /** Maps the instance to its application when it has none (zero-GUID reset on conflict). */
  ensureMapping(instance: TeamsInstance, applicationId: string, label: string): Promise<void>;
  /** Waits until Graph sees the user (present) or no longer sees it (bounded). */
  waitForUser(objectId: string, label: string, present: boolean): Promise<TenantUser | undefined>;
  /** Brings display name and usage location to these values (one PATCH, none when equal). */
  patch(user: TenantUser, wanted: { displayName: string; usageLocation: string }, label: string): Promise<TenantUser>;
  /** Deletes the account; false when it was already gone. */
  delete(objectId: string): Promise<boolean>;
}

/** Licences of resource accounts. */
export interface Licences {
  /** The subscribed SKU with this part number (SkuNotFound otherwise). */
  sku(partNumber: string, label: string): Promise<SubscribedSku>;
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
    request: { userId: string; skuId: string; skuPartNumber: string; timeoutMinutes: number },
    label: string,
  ): Promise<LicenceDetail | undefined>;
}

/** How a failed number move ended. */
export type MoveResult =
  | { ok: true; record: NumberAssignment | undefined }
  /** The new number failed (`error`); the old one is back (`record`), or putting it back failed too (`restoreError`). */
  | { ok: false; error: unknown; restoreError?: unknown; record: NumberAssignment | undefined };

/** Phone numbers on resource accounts. */
export interface Numbers {
  /** The tenant's record of the number, or undefined. */
  get(phoneNumber: string): Promise<NumberAssignment | undefined>;
  /**
   * Checks the number can go on the account (in the tenant, of this type, not held elsewhere after
   * a bounded wait for a holder releasing it). Returns its record and whether it is already ours.
   */
  inspect(
    request: NumberOnAccount,
    operation: string,
    label: string,
  ): Promise<{ record: NumberAssignment; alreadyOurs: boolean }>;
  /** Assigns (unclear ends checked and repeated) and waits until the record shows it. */
  assign(request: NumberOnAccount, label: string): Promise<NumberAssignment | undefined>;
  /** Unassigns (unclear ends checked and repeated); `settle` also waits until the record shows it. */
  unassign(request: NumberOnAccount, label: string, settle?: boolean): Promise<void>;
  /** Unassigns `from`, assigns `to`; when `to` fails, assigns `from` back (labels: each side's resource label). */
  move(from: NumberOnAccount, to: NumberOnAccount, labels: { from: string; to: string }): Promise<MoveResult>;
  /** Sets (or clears, null) the emergency location. */
  setLocation(phoneNumber: string, locationId: string | null): Promise<void>;
}

/** Everything a resource may ask of the tenant. */
export interface Tenant {
  accounts: Accounts;
  licences: Licences;
  numbers: Numbers;
  /** Stops what holds resources (the PowerShell host). */
  close(): Promise<void>;
}
