/**
 * The one interface resources use to reach a tenant, and the per-process cache of its
 * implementation: Graph (msal-node + Graph client) for users, licences and numbers, and the
 * long-lived Teams PowerShell host for application instances (and numbers when configured).
 */
import { createHash } from "crypto";

import type { TenantSettings } from "../config";
import type { NumberType } from "../validate";
import { TokenSource } from "./auth";
import { GraphTenant } from "./graph";
import { PowerShellHost, TeamsCmdlets } from "./powershell";

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
export interface LicenseDetail {
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
export interface ApplicationInstance {
  objectId: string;
  tenantId: string | null;
  userPrincipalName: string;
  /** Empty when the instance has no application mapping. */
  applicationId: string;
  displayName: string | null;
  /** E.164 without `tel:`, or null. */
  phoneNumber: string | null;
}

/** Assigning a number to an account. */
export interface AssignNumberRequest {
  telephoneNumber: string;
  assignmentTargetId: string;
  numberType: NumberType;
  locationId?: string | null;
}

/** Unassigning a number. */
export interface UnassignNumberRequest {
  telephoneNumber: string;
  numberType: NumberType;
  /** Account the number is on (PowerShell needs it; Graph does not). */
  assignmentTargetId: string;
}

/** Graph operations on users, licences and numbers. */
export interface GraphOperations {
  /** The user, or undefined when Graph does not (yet / any more) know it. */
  getUser(idOrUpn: string): Promise<TenantUser | undefined>;
  /** PATCH /users/{id}. */
  updateUser(id: string, patch: { usageLocation?: string; displayName?: string }): Promise<void>;
  /** DELETE /users/{id}; false when it was already gone. */
  deleteUser(id: string): Promise<boolean>;
  /** GET /subscribedSkus. */
  listSubscribedSkus(): Promise<SubscribedSku[]>;
  /** POST /users/{id}/assignLicense, always with both arrays. */
  assignLicense(
    userId: string,
    addLicenses: { skuId: string; disabledPlans?: string[] }[],
    removeLicenses: string[],
  ): Promise<void>;
  /** GET /users/{id}/licenseDetails; undefined when the user does not exist. */
  listLicenseDetails(userId: string): Promise<LicenseDetail[] | undefined>;
  /** Number assignments matching a filter (values are escaped, never pasted). */
  listNumberAssignments(filter: { telephoneNumber?: string; assignmentTargetId?: string }): Promise<NumberAssignment[]>;
  /** The tenant's record of one number, or undefined when the tenant does not have it. */
  getNumberAssignment(telephoneNumber: string): Promise<NumberAssignment | undefined>;
  /** assignNumber, then poll its operation until it succeeded (throws on failed / timeout). */
  assignNumber(request: AssignNumberRequest, resource: string): Promise<void>;
  /** unassignNumber, then poll its operation until it succeeded. */
  unassignNumber(request: UnassignNumberRequest, resource: string): Promise<void>;
  /** updateNumber (locationId only; null clears it). */
  updateNumber(telephoneNumber: string, locationId: string | null): Promise<void>;
}

/** Teams cmdlets run in the PowerShell host. */
export interface TeamsOperations {
  /** New-CsOnlineApplicationInstance -UserPrincipalName -ApplicationId -DisplayName -Force. */
  newApplicationInstance(request: {
    userPrincipalName: string;
    displayName: string;
    applicationId: string;
  }): Promise<ApplicationInstance>;
  /** Get-CsOnlineApplicationInstance -Identity; undefined when Teams does not know it. */
  getApplicationInstance(identity: string): Promise<ApplicationInstance | undefined>;
  /** Set-CsOnlineApplicationInstance (unsupported with app-only auth; kept for delegated hosts). */
  setApplicationInstance(identity: string, change: { displayName?: string; applicationId?: string }): Promise<void>;
  /** Sync-CsOnlineApplicationInstance -ObjectId -ApplicationId -Force. */
  syncApplicationInstance(objectId: string, applicationId: string): Promise<void>;
  /** Set-CsPhoneNumberAssignment -Identity -PhoneNumber -PhoneNumberType [-LocationId] (synchronous). */
  setPhoneNumberAssignment(request: AssignNumberRequest): Promise<void>;
  /** Set-CsPhoneNumberAssignment -PhoneNumber -LocationId (location update). */
  setPhoneNumberLocation(telephoneNumber: string, locationId: string | null): Promise<void>;
  /** Remove-CsPhoneNumberAssignment -Identity -PhoneNumber -PhoneNumberType. */
  removePhoneNumberAssignment(request: UnassignNumberRequest): Promise<void>;
  /** Get-CsPhoneNumberAssignment -TelephoneNumber; undefined when the tenant does not have it. */
  getPhoneNumberAssignment(telephoneNumber: string): Promise<NumberAssignment | undefined>;
}

/** Everything a resource may ask of the tenant. */
export interface TenantClient extends GraphOperations, TeamsOperations {
  /** The settings this client was made for (secrets included: never log or return them). */
  readonly settings: TenantSettings;
  /** Stops the PowerShell host (if started). */
  close(): Promise<void>;
}

/** How long to pause between polls of long-running operations and waits. */
export interface Timing {
  pollIntervalMs: number;
}

class Tenant implements TenantClient {
  private readonly graph: GraphTenant;
  private readonly teams: TeamsCmdlets;
  private readonly host: PowerShellHost;

  constructor(
    readonly settings: TenantSettings,
    timing: Timing,
  ) {
    const tokens = new TokenSource(settings);
    this.graph = new GraphTenant(settings, tokens, timing);
    this.host = new PowerShellHost(settings, tokens);
    this.teams = new TeamsCmdlets(this.host);
  }

  getUser = (idOrUpn: string) => this.graph.getUser(idOrUpn);
  updateUser = (id: string, patch: { usageLocation?: string; displayName?: string }) =>
    this.graph.updateUser(id, patch);
  deleteUser = (id: string) => this.graph.deleteUser(id);
  listSubscribedSkus = () => this.graph.listSubscribedSkus();
  assignLicense = (userId: string, add: { skuId: string; disabledPlans?: string[] }[], remove: string[]) =>
    this.graph.assignLicense(userId, add, remove);
  listLicenseDetails = (userId: string) => this.graph.listLicenseDetails(userId);
  listNumberAssignments = (filter: { telephoneNumber?: string; assignmentTargetId?: string }) =>
    this.graph.listNumberAssignments(filter);
  getNumberAssignment = (telephoneNumber: string) => this.graph.getNumberAssignment(telephoneNumber);
  assignNumber = (request: AssignNumberRequest, resource: string) => this.graph.assignNumber(request, resource);
  unassignNumber = (request: UnassignNumberRequest, resource: string) => this.graph.unassignNumber(request, resource);
  updateNumber = (telephoneNumber: string, locationId: string | null) =>
    this.graph.updateNumber(telephoneNumber, locationId);

  newApplicationInstance = (request: { userPrincipalName: string; displayName: string; applicationId: string }) =>
    this.teams.newApplicationInstance(request);
  getApplicationInstance = (identity: string) => this.teams.getApplicationInstance(identity);
  setApplicationInstance = (identity: string, change: { displayName?: string; applicationId?: string }) =>
    this.teams.setApplicationInstance(identity, change);
  syncApplicationInstance = (objectId: string, applicationId: string) =>
    this.teams.syncApplicationInstance(objectId, applicationId);
  setPhoneNumberAssignment = (request: AssignNumberRequest) => this.teams.setPhoneNumberAssignment(request);
  setPhoneNumberLocation = (telephoneNumber: string, locationId: string | null) =>
    this.teams.setPhoneNumberLocation(telephoneNumber, locationId);
  removePhoneNumberAssignment = (request: UnassignNumberRequest) => this.teams.removePhoneNumberAssignment(request);
  getPhoneNumberAssignment = (telephoneNumber: string) => this.teams.getPhoneNumberAssignment(telephoneNumber);

  close = () => this.host.stop();
}

const clients = new Map<string, TenantClient>();

/** A key for the settings that holds no secret in clear (only its hash). */
function keyOf(settings: TenantSettings, timing: Timing): string {
  return createHash("sha256")
    .update(JSON.stringify([settings, timing]))
    .digest("hex");
}

/**
 * The tenant client for these settings: ONE per provider process and settings, so the PowerShell
 * host starts and connects once however many resources use it.
 */
export function getTenantClient(settings: TenantSettings, timing: Timing = { pollIntervalMs: 2_000 }): TenantClient {
  const key = keyOf(settings, timing);
  let client = clients.get(key);
  if (!client) {
    client = new Tenant(settings, timing);
    clients.set(key, client);
  }
  return client;
}

/** Closes and forgets every cached client (tests, and process shutdown). */
export async function closeTenantClients(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((c) => c.close()));
}
