/**
 * What the tenant layer speaks: the tenant's objects as the provider sees them, and the requests
 * the services take. Nothing here says how the tenant is reached.
 */
import type { TenantError } from "../errors";
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
  /** ISO 3166-1 alpha-2 country of the number (upper case), or null (Direct Routing numbers often have none). */
  isoCountryCode?: string | null;
  /**
   * Its assignment block (Get-CsPhoneNumberAssignment AssignmentBlockedState): null when not blocked,
   * `until` null when blocked until cleared; undefined when the read does not tell (Graph's
   * numberAssignment documents no such field).
   */
  assignmentBlock?: AssignmentBlock | null;
}

/** An assignment block on a number: until it is cleared (`until` null) or until a date (ISO 8601). */
export interface AssignmentBlock {
  until: string | null;
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

/** How a change ended when the object may exist despite a failure: then `exists` is what the tenant holds. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: TenantError; exists: T };
