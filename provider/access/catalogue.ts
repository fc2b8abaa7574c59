/**
 * The one catalogue of what the provider's identities hold: Microsoft Graph application permissions
 * and Entra directory roles — which call names which permission, what the deploy and the read-only
 * preview identity are granted, and what the write guard accepts for each kind of change. Read by
 * the Graph families (the permission a call names, for a 403's hint), the write guard
 * (write-access.ts), the fix hints (hints.ts), the PowerShell host and the preflight
 * (scripts/preflight.ts). Data only: which role an identity needs is an edit here.
 */

/** Microsoft Graph application permissions (Microsoft Graph permissions reference). */
export const GRAPH = {
  usersRead: "User.Read.All",
  usersWrite: "User.ReadWrite.All",
  directoryRead: "Directory.Read.All",
  directoryWrite: "Directory.ReadWrite.All",
  licenceAssignment: "LicenseAssignment.ReadWrite.All",
  organizationRead: "Organization.Read.All",
  organizationWrite: "Organization.ReadWrite.All",
  numbersRead: "TeamsTelephoneNumber.Read.All",
  numbersWrite: "TeamsTelephoneNumber.ReadWrite.All",
  applicationRead: "Application.Read.All",
  applicationWrite: "Application.ReadWrite.All",
  appRoleAssignmentWrite: "AppRoleAssignment.ReadWrite.All",
} as const;

/**
 * Graph application permissions a calling bot's own app needs, granted as app roles (admin consent)
 * when the stack creates the app (teams-docs registering-calling-bot.md, "Application permissions for calls").
 */
export const CALLING_BOT_PERMISSIONS = [
  "Calls.AccessMedia.All",
  "Calls.Initiate.All",
  "Calls.JoinGroupCall.All",
  "Calls.JoinGroupCallAsGuest.All",
] as const;

/** Also granted with `createApp.groupCalls`: outbound group calls and adding participants to meetings. */
export const GROUP_CALL_PERMISSION = "Calls.InitiateGroupCall.All";

/** An Entra built-in directory role: its template id (the `wids` claim holds it) and its name. */
export interface DirectoryRole {
  id: string;
  name: string;
}

/** Entra built-in directory roles (Microsoft Entra built-in roles page: name and template id). */
export const ROLES = {
  teamsAdministrator: { id: "69091246-20e8-4a56-aa4d-066075b2a7a8", name: "Teams Administrator" },
  globalAdministrator: { id: "62e90394-69f5-4237-9190-012177145e10", name: "Global Administrator" },
  teamsCommunicationsAdministrator: {
    id: "baf37b3a-610e-45da-9e62-d9d1e5e8914b",
    name: "Teams Communications Administrator",
  },
  teamsTelephonyAdministrator: { id: "aa38014f-0993-46e9-9b45-30501a20909d", name: "Teams Telephony Administrator" },
  globalReader: { id: "f2ef992c-3afb-46b9-b7cf-a126ee74c451", name: "Global Reader" },
  teamsReader: { id: "1076ac91-f3d9-41a7-a339-dcdf5f480acc", name: "Teams Reader" },
} as const satisfies Record<string, DirectoryRole>;

/** What a Teams cmdlet's refusal names as missing: the directory role, not a Graph permission. */
export const TEAMS_ADMIN_ROLE = `${ROLES.teamsAdministrator.name} directory role`;

/** The permission each Graph call names (a 403's hint asks for it). */
export const CALL_PERMISSIONS = {
  users: GRAPH.usersWrite,
  subscribedSkus: GRAPH.organizationRead,
  licenceDetails: GRAPH.usersWrite,
  assignLicense: `${GRAPH.usersWrite} (or ${GRAPH.licenceAssignment})`,
  numbers: GRAPH.numbersWrite,
  servicePrincipals: GRAPH.applicationRead,
} as const;

/** What an identity is granted: Graph application permissions and directory roles. */
export interface IdentityGrants {
  graph: string[];
  roles: DirectoryRole[];
}

/**
 * A directory role that may run the Teams cmdlets that change resource accounts and numbers, and
 * how far Microsoft documents it: `all` Teams changes, or phone `numbers` only (creating a resource
 * account app-only with it is undocumented: an assumption; docs/credentials-and-pipelines.md).
 */
export interface WriteRole extends DirectoryRole {
  documented: "all" | "numbers";
}

/** The identity `pulumi up` runs with (docs/real-tenant.md, steps 2 and 3). */
export const DEPLOY: IdentityGrants & { createAppGraph: string[]; roles: WriteRole[] } = {
  /** Graph application permissions a run needs. */
  graph: [GRAPH.usersWrite, GRAPH.organizationRead, GRAPH.numbersWrite],
  /** Extra permissions for bots with createApp. */
  createAppGraph: [GRAPH.applicationWrite, GRAPH.appRoleAssignmentWrite],
  /**
   * The directory roles that may write (any of them), shared by the preflight and the write guard;
   * the first is the one asked for. Entra built-in roles: Teams Administrator "manage all resources
   * in Teams", Global Administrator everything; Teams Communications and Teams Telephony
   * Administrator "manage voice including calling policies and phone number inventory and assignment".
   */
  roles: [
    { ...ROLES.teamsAdministrator, documented: "all" },
    { ...ROLES.teamsCommunicationsAdministrator, documented: "numbers" },
    { ...ROLES.teamsTelephonyAdministrator, documented: "numbers" },
    { ...ROLES.globalAdministrator, documented: "all" },
  ],
};

/** The read-only preview identity (docs/credentials-and-pipelines.md): a pull request's code runs with it. */
export const PREVIEW: IdentityGrants & { forbiddenGraph: string[] } = {
  /** Graph permissions it needs, each also satisfied by its ReadWrite form. */
  graph: [GRAPH.usersRead, GRAPH.organizationRead, GRAPH.numbersRead],
  /**
   * Directory roles it needs (any of them): Global Reader "can read everything that a Global
   * Administrator can, but not update anything"; Teams Reader "read everything in the Teams admin
   * center, but not update anything" (Entra built-in roles; Microsoft365DSC's
   * TeamsApplicationInstance names it as its read role).
   */
  roles: [ROLES.globalReader, ROLES.teamsReader],
  /** Graph permissions it must NOT hold. */
  forbiddenGraph: [
    GRAPH.usersWrite,
    GRAPH.directoryWrite,
    GRAPH.licenceAssignment,
    GRAPH.numbersWrite,
    GRAPH.organizationWrite,
    GRAPH.applicationWrite,
    GRAPH.appRoleAssignmentWrite,
  ],
};

/** Graph application permissions that can read service principals (serviceprincipal-list.md). */
export const SERVICE_PRINCIPAL_READERS: string[] = [
  GRAPH.applicationRead,
  GRAPH.applicationWrite,
  GRAPH.directoryRead,
  GRAPH.directoryWrite,
];

/** What a change writes: users (usage location, display name, delete), licences, numbers, Teams cmdlets. */
export type WriteNeed = "users" | "licences" | "numbers" | "teams";

/** How the write guard judges one need: on which token's claim, granted by any of `anyOf`, named `name`. */
export interface Requirement {
  name: string;
  token: "graph" | "teams";
  claim: "roles" | "wids";
  anyOf: readonly string[];
}

/** What the write guard asks for each need (numbers: through Graph, or the cmdlets' `teams`). */
export const WRITE_REQUIREMENTS: Record<"users" | "licences" | "numbersGraph" | "teams", Requirement> = {
  users: { name: GRAPH.usersWrite, token: "graph", claim: "roles", anyOf: [GRAPH.usersWrite, GRAPH.directoryWrite] },
  licences: {
    name: CALL_PERMISSIONS.assignLicense,
    token: "graph",
    claim: "roles",
    anyOf: [GRAPH.usersWrite, GRAPH.licenceAssignment, GRAPH.directoryWrite],
  },
  numbersGraph: { name: GRAPH.numbersWrite, token: "graph", claim: "roles", anyOf: [GRAPH.numbersWrite] },
  teams: {
    name: `the ${TEAMS_ADMIN_ROLE}`,
    token: "teams",
    claim: "wids",
    anyOf: DEPLOY.roles.map((r) => r.id),
  },
};
