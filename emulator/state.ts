/** The tenant's state: one store for Entra, Graph and Teams, persisted atomically after each mutation. */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

import { writeAtomic } from "./atomic-file";
import { thumbprints } from "./certs";
import { Fixture } from "./fixture";
import { ProfileInput } from "./profile";

/** Wire enum of number types (Graph spelling). */
export type NumberType = "callingPlan" | "directRouting" | "operatorConnect";

/** One licence held by a user. */
export interface LicenceRec {
  skuId: string;
  disabledPlans: string[];
  assignedAtMs: number;
}

/** An Entra user (a resource account is one with `applicationInstance`). */
export interface UserRec {
  id: string;
  userPrincipalName: string;
  displayName: string;
  accountEnabled: boolean;
  department: string | null;
  usageLocation: string | null;
  createdDateTime: string;
  /** Graph cannot see the user before this time (replication delay). */
  visibleFromMs: number;
  /** When a PATCH last set usageLocation (assignLicense lags behind it, profile usageLocationLagMs). */
  usageLocationSetAtMs?: number;
  licenses: LicenceRec[];
  /** Present for application instances; applicationId as Get-CsOnlineApplicationInstance shows it. */
  applicationInstance?: { applicationId: string | null };
  /** Other documented user properties set through PATCH (absent = the property's default). */
  profile?: Record<string, unknown>;
  /** Per-user online voice routing policy (Grant-CsOnlineVoiceRoutingPolicy), by policy name; absent = none (the Global one applies). */
  onlineVoiceRoutingPolicy?: string;
}

/** A phone number in the tenant's inventory. */
export interface NumberRec {
  telephoneNumber: string;
  numberType: NumberType;
  capabilities: string[];
  isoCountryCode: string | null;
  city: string | null;
  operatorId: string | null;
  assignmentTargetId: string | null;
  assignmentCategory: "primary" | "private" | "alternate";
  locationId: string | null;
  networkSiteId: string | null;
  reverseNumberLookupOptions: string[];
  /** Tags (Get-CsPhoneNumberAssignment `Tag`); absent in older state files. */
  tags?: string[];
  /**
   * False for a Direct Routing number that entered the inventory only by being assigned (it leaves
   * again when unassigned); true or absent for acquired, ported and uploaded numbers.
   */
  uploaded?: boolean;
  /**
   * An assignment block (Set-CsPhoneNumberAssignmentBlock, Remove-CsPhoneNumberAssignment
   * -AssignmentBlocked*): `untilMs` null blocks until cleared; absent = not blocked.
   */
  assignmentBlock?: { untilMs: number | null };
}

/** A SKU the tenant subscribes to. */
export interface SkuRec {
  skuId: string;
  skuPartNumber: string;
  appliesTo: string;
  capabilityStatus: string;
  prepaidUnits: { enabled: number; lockedOut: number; suspended: number; warning: number };
  subscriptionIds: string[];
  servicePlans: { servicePlanId: string; servicePlanName: string; appliesTo: string }[];
}

/** An online voice routing policy (Get-CsOnlineVoiceRoutingPolicy). */
export interface VoiceRoutingPolicyRec {
  /** `Global` or `Tag:<name>`. */
  identity: string;
  description: string | null;
  onlinePstnUsages: string[];
}

/** A channel of an Azure Bot (ARM `Microsoft.BotService/botServices/channels`). */
export interface ChannelRec {
  /** The ChannelName enum value, e.g. `MsTeamsChannel`. */
  channelName: string;
  location: string;
  etag: string;
  /** The channel type's own properties (`properties.properties` on the wire). */
  properties: Record<string, unknown>;
}

/** An Azure Bot (ARM `Microsoft.BotService/botServices`). */
export interface BotRec {
  subscriptionId: string;
  /** As the creating request spelled it (ARM keeps the resource group name's case). */
  resourceGroup: string;
  name: string;
  location: string;
  kind: string | null;
  sku: { name: string } | null;
  etag: string;
  tags: Record<string, string>;
  /** BotProperties as written (write-only secrets are kept but never returned). */
  properties: Record<string, unknown>;
  channels: ChannelRec[];
}

/** A role assignment: a service principal (object id) holds a built-in role at a scope. */
export interface RoleAssignmentRec {
  principalId: string;
  role: "Owner" | "Contributor" | "Reader";
  /** `/subscriptions/<id>` or `/subscriptions/<id>/resourceGroups/<name>`. */
  scope: string;
}

/** The Azure side of the emulated world: subscriptions, resource groups, RBAC, Azure Bots. */
export interface AzureState {
  subscriptions: { subscriptionId: string; displayName: string }[];
  resourceGroups: { subscriptionId: string; name: string; location: string }[];
  roleAssignments: RoleAssignmentRec[];
  bots: BotRec[];
}

/** A federated identity credential of an app registration (Graph `federatedIdentityCredential`). */
export interface FederatedCredentialRec {
  /** Graph `id` (absent in older state files: derived from the app and the name). */
  id?: string;
  name: string;
  /** Issuer URL; a path ("/oidc/github") names an issuer of this emulator. */
  issuer: string;
  subject: string;
  audiences: string[];
  description: string | null;
}

/** A registered client application (secrets stored as SHA-256 only). */
export interface AppRec {
  clientId: string;
  displayName: string;
  /** The application object's id (Graph `/applications/{id}`); absent in older state files (see `appObjectId`). */
  objectId?: string;
  servicePrincipalId: string;
  secretSha256: string[];
  certificates: { certificatePem: string; sha1: string; sha256: string }[];
  graphRoles: string[];
  directoryRoles: string[];
  /** False when its access tokens carry no `wids` claim (absent in older state files: they do). */
  widsClaim?: boolean;
  /** Trusted external tokens (workload identity federation). */
  federatedIdentityCredentials?: FederatedCredentialRec[];
  /** Set when this service principal is the managed identity of the emulated host. */
  managedIdentity?: "systemAssigned" | "userAssigned";
  /** A user-assigned identity's Azure resource id (`mi_res_id` / `msi_res_id` of the managed-identity endpoints). */
  managedIdentityResourceId?: string;
}

/** The application object id of an app registration (derived when an older state file has none). */
export function appObjectId(a: AppRec): string {
  return a.objectId ?? uuidFrom(`app:${a.clientId}`);
}

/** A new federated identity credential id. */
export function newFicId(): string {
  return crypto.randomUUID();
}

/** The Graph id of a federated identity credential (derived when an older state file has none). */
export function ficId(a: AppRec, f: FederatedCredentialRec): string {
  return f.id ?? uuidFrom(`fic:${a.clientId}:${f.name}`);
}

/** A Graph telephone-number long-running operation. */
export interface OperationRec {
  id: string;
  kind: "assign" | "unassign";
  createdMs: number;
  completeMs: number;
  telephoneNumber: string;
  numberType: NumberType;
  assignmentTargetId: string | null;
  locationId: string | null;
  assignmentCategory: string | null;
  appId: string;
  /** Set when settled. */
  result: { status: "succeeded" | "failed"; statusDetail: string | null } | null;
}

/** One entry of the audit log of mutating calls. */
export interface AuditEntry {
  seq: number;
  time: string;
  family: "graph" | "teams" | "admin" | "arm";
  operation: string;
  target: string | null;
  number: string | null;
  appId: string | null;
  outcome: string;
}

/** Everything persisted in state.json. */
export interface TenantState {
  version: 1;
  tenant: { id: string; displayName: string; verifiedDomains: string[] };
  settings: { allowSetApplicationInstanceAppOnly: boolean; profile: ProfileInput | undefined };
  users: UserRec[];
  /** Agent Provisioning Service mappings: instance objectId → applicationId. */
  aps: Record<string, string>;
  skus: SkuRec[];
  numbers: NumberRec[];
  apps: AppRec[];
  /** Service principals of apps not registered here (the `apps` have their own); absent in older state files. */
  servicePrincipals?: { id: string; appId: string; displayName: string }[];
  operations: OperationRec[];
  audit: AuditEntry[];
  auditSeq: number;
  /** Teams voice policies; absent in older state files. */
  teamsPolicies?: { onlineVoiceRoutingPolicies: VoiceRoutingPolicyRec[] };
  /** Subscriptions, resource groups, role assignments and Azure Bots; absent in older state files. */
  azure?: AzureState;
}

/** SHA-256 (hex) of a client secret. */
export function secretHash(secret: string): string {
  return crypto.createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Builds a fresh state from a fixture. */
export function seedState(f: Fixture, nowMs = Date.now()): TenantState {
  const created = new Date(nowMs).toISOString();
  const aps: Record<string, string> = {};
  const policyOf = (u: { id: string; userPrincipalName: string }): string | undefined => {
    const a = f.teams.voiceRoutingPolicyAssignments;
    return a[u.id] ?? a[u.id.toLowerCase()] ?? a[u.userPrincipalName] ?? a[u.userPrincipalName.toLowerCase()];
  };
  const users: UserRec[] = f.users.map((u) => {
    if (u.applicationInstance?.applicationId) aps[u.id] = u.applicationInstance.applicationId;
    const policy = policyOf(u);
    return {
      id: u.id,
      userPrincipalName: u.userPrincipalName,
      displayName: u.displayName,
      accountEnabled: u.accountEnabled,
      department: u.department,
      usageLocation: u.usageLocation,
      createdDateTime: created,
      visibleFromMs: 0,
      licenses: u.licenses.map((skuId) => ({ skuId, disabledPlans: [], assignedAtMs: 0 })),
      ...(u.applicationInstance ? { applicationInstance: { applicationId: u.applicationInstance.applicationId } } : {}),
      ...(policy ? { onlineVoiceRoutingPolicy: policy } : {}),
    };
  });
  // A role assignment names an app by client id; its principal is that app's service principal.
  const spIdOf = (clientId: string): string =>
    uuidFrom(`sp:${f.apps.find((a) => a.clientId.toLowerCase() === clientId.toLowerCase())?.clientId ?? clientId}`);
  return {
    version: 1,
    tenant: {
      id: f.tenantId.toLowerCase(),
      displayName: f.tenantDisplayName,
      verifiedDomains: f.verifiedDomains.map((d) => d.toLowerCase()),
    },
    settings: {
      allowSetApplicationInstanceAppOnly: f.teams.allowSetApplicationInstanceAppOnly,
      profile: f.profile as ProfileInput | undefined,
    },
    users,
    aps,
    skus: f.skus.map((s) => structuredClone(s)),
    numbers: f.numbers.map((n) => ({
      telephoneNumber: n.telephoneNumber,
      numberType: n.numberType,
      capabilities: [...n.capabilities],
      isoCountryCode: n.isoCountryCode,
      city: n.city,
      operatorId: n.operatorId,
      assignmentTargetId: n.assignmentTargetId,
      assignmentCategory: "primary",
      locationId: n.locationId,
      networkSiteId: null,
      reverseNumberLookupOptions: [...n.reverseNumberLookupOptions],
      tags: [...n.tags],
      uploaded: true,
      ...(n.assignmentBlockedUntil !== undefined
        ? {
            assignmentBlock: {
              untilMs: n.assignmentBlockedUntil === null ? null : Date.parse(n.assignmentBlockedUntil),
            },
          }
        : {}),
    })),
    apps: f.apps.map((a) => ({
      clientId: a.clientId.toLowerCase(),
      displayName: a.displayName,
      objectId: (a.objectId ?? uuidFrom(`app:${a.clientId.toLowerCase()}`)).toLowerCase(),
      servicePrincipalId: uuidFrom(`sp:${a.clientId}`),
      secretSha256: a.secrets.map(secretHash),
      certificates: a.certificates.map((c) => ({ certificatePem: c.certificatePem, ...thumbprints(c.certificatePem) })),
      graphRoles: [...a.graphRoles],
      directoryRoles: [...a.directoryRoles],
      ...(a.widsClaim ? {} : { widsClaim: false }),
      federatedIdentityCredentials: a.federatedIdentityCredentials.map((f) => ({
        id: (f.id ?? uuidFrom(`fic:${a.clientId.toLowerCase()}:${f.name}`)).toLowerCase(),
        name: f.name,
        issuer: f.issuer,
        subject: f.subject,
        audiences: [...f.audiences],
        description: f.description ?? null,
      })),
      ...(a.managedIdentity ? { managedIdentity: a.managedIdentity } : {}),
      ...(a.managedIdentityResourceId ? { managedIdentityResourceId: a.managedIdentityResourceId } : {}),
    })),
    servicePrincipals: f.servicePrincipals.map((sp) => ({
      id: (sp.id ?? uuidFrom(`sp:${sp.appId}`)).toLowerCase(),
      appId: sp.appId.toLowerCase(),
      displayName: sp.displayName,
    })),
    operations: [],
    audit: [],
    auditSeq: 0,
    teamsPolicies: {
      onlineVoiceRoutingPolicies: f.teams.onlineVoiceRoutingPolicies.map((p) => ({
        identity: p.identity,
        description: p.description,
        onlinePstnUsages: [...p.onlinePstnUsages],
      })),
    },
    azure: {
      subscriptions: f.azure.subscriptions.map((x) => ({ ...x, subscriptionId: x.subscriptionId.toLowerCase() })),
      resourceGroups: f.azure.resourceGroups.map((x) => ({ ...x, subscriptionId: x.subscriptionId.toLowerCase() })),
      roleAssignments: f.azure.roleAssignments.map((r) => ({
        principalId: spIdOf(r.clientId),
        role: r.role,
        scope: r.scope,
      })),
      bots: [],
    },
  };
}

/** A stable GUID derived from a string (for ids that must not change across re-seeds). */
export function uuidFrom(s: string): string {
  const h = crypto.createHash("sha256").update(s).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Owns the state object and its file. Changes mark the store dirty (`changed()`, `audit()`); each
 * request's pipeline calls `commit()` once at its end, which writes state.json only if dirty.
 */
export class Store {
  readonly file: string;
  state: TenantState;
  private dirty = false;

  private constructor(file: string, state: TenantState) {
    this.file = file;
    this.state = state;
  }

  /** Opens `<dataDir>/state.json`, seeding from the fixture when absent or when reset is asked. */
  static open(dataDir: string, fixture: () => Fixture, reset: boolean): Store {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, "state.json");
    if (!reset && fs.existsSync(file)) {
      const state = JSON.parse(fs.readFileSync(file, "utf8")) as TenantState;
      if (state.version !== 1)
        throw new Error(`${file}: unsupported state version ${String(state.version)}; start with --reset`);
      return new Store(file, state);
    }
    const s = new Store(file, seedState(fixture()));
    s.write();
    return s;
  }

  /** Persists the state (temp file, fsync, rename). */
  private write(): void {
    writeAtomic(this.file, JSON.stringify(this.state, null, 1), 0o600);
    this.dirty = false;
  }

  /** Marks the state as changed; the request's `commit()` writes it. */
  changed(): void {
    this.dirty = true;
  }

  /** Writes state.json if anything changed since the last commit (once per request). */
  commit(): void {
    if (this.dirty) this.write();
  }

  /** Replaces the whole state with a fresh seed (written at once). */
  reseed(f: Fixture): void {
    this.state = seedState(f);
    this.write();
  }

  /** Appends an audit entry (never pass a secret in here); every audited change is a change. */
  audit(e: Omit<AuditEntry, "seq" | "time">): void {
    this.state.auditSeq += 1;
    this.state.audit.push({ seq: this.state.auditSeq, time: new Date().toISOString(), ...e });
    this.dirty = true;
  }

  /** Finds a user by object id or UPN (case-insensitive), regardless of replication. */
  findUser(idOrUpn: string): UserRec | undefined {
    const k = idOrUpn.toLowerCase();
    return this.state.users.find((u) => u.id === k || u.userPrincipalName.toLowerCase() === k);
  }

  /** The SKU record for an id. */
  sku(skuId: string): SkuRec | undefined {
    return this.state.skus.find((s) => s.skuId === skuId.toLowerCase());
  }

  /** Seats in use for a SKU (derived from the users, so it can never drift). */
  consumedUnits(skuId: string): number {
    return this.state.users.filter((u) => u.licenses.some((l) => l.skuId === skuId)).length;
  }

  /** The Azure side (empty for older state files). */
  azure(): AzureState {
    return (this.state.azure ??= { subscriptions: [], resourceGroups: [], roleAssignments: [], bots: [] });
  }

  /** The online voice routing policies (none for older state files). */
  voiceRoutingPolicies(): VoiceRoutingPolicyRec[] {
    return (this.state.teamsPolicies ??= { onlineVoiceRoutingPolicies: [] }).onlineVoiceRoutingPolicies;
  }

  /** The app registration for a client id. */
  app(clientId: string): AppRec | undefined {
    return this.state.apps.find((a) => a.clientId === clientId.toLowerCase());
  }
}
