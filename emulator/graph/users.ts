/**
 * Graph users: list and `/users/$count` (directory query rules, graph/directory.ts), GET by id or
 * UPN, POST (create), PATCH, DELETE, and /me. Sources: user-list.md, user-get.md,
 * user-post-users.md, user-update.md, user-delete.md.
 */
import { EmulatorContext } from "../context";
import { deleteUser, isIsoAlpha2, newId, planStatus, visibleToGraph } from "../rules";
import { UserRec } from "../state";
import { countDirectory, DirectoryCollection, listDirectory, readDirectoryObject } from "./directory";
import { fullView, hasKind, propName } from "./entity";
import { graphErrors } from "./errors";
import { directoryQuery, SYSTEM_OPTIONS } from "./query";
import { GraphRoute, objectBody } from "./route";
import { USER_PROPERTIES, USER_TYPE } from "./user-properties";

const READ = ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];
const WRITE = ["User.ReadWrite.All", "Directory.ReadWrite.All"];
/** user-list.md: `$count`, `$expand`, `$filter`, `$orderby`, `$search`, `$select`, `$top` (and the `$skiptoken` of its @odata.nextLink). */
const LIST_QUERY = directoryQuery(
  "$count",
  "$expand",
  "$filter",
  "$orderby",
  "$search",
  "$select",
  "$top",
  "$skiptoken",
);
/** user-get.md: `$select` and `$expand`. */
const GET_QUERY = directoryQuery("$select", "$expand");
/** `/users/$count` (user-list.md example 3) with the list's `$filter` / `$search`. */
const COUNT_QUERY = directoryQuery("$filter", "$search");
/** Writes take no query options. */
const NO_QUERY = directoryQuery();

function serviceOf(planName: string): string {
  if (planName.startsWith("MCOEV")) return "MicrosoftCommunicationsOnline";
  if (planName.startsWith("TEAMS")) return "TeamspaceAPI";
  if (planName.startsWith("EXCHANGE")) return "exchange";
  return planName;
}

const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

/** Full Graph view of a user: every documented property (those the emulator does not model are null or empty). */
export function userView(ctx: EmulatorContext, u: UserRec): Record<string, unknown> {
  const delay = ctx.faults.timings.licenceProvisioningDelayMs;
  const since = (l: { assignedAtMs: number }): number => l.assignedAtMs || Date.parse(u.createdDateTime);
  const assignedPlans: unknown[] = [];
  for (const l of u.licenses) {
    for (const p of ctx.store.sku(l.skuId)?.servicePlans ?? []) {
      if (l.disabledPlans.includes(p.servicePlanId)) continue;
      assignedPlans.push({
        assignedDateTime: isoSeconds(since(l)),
        capabilityStatus: "Enabled",
        service: serviceOf(p.servicePlanName),
        servicePlanId: p.servicePlanId,
      });
    }
  }
  const [given, ...rest] = u.displayName.split(" ");
  const view = fullView(USER_TYPE, {
    id: u.id,
    displayName: u.displayName,
    givenName: u.applicationInstance ? null : (given ?? null),
    surname: u.applicationInstance ? null : rest.join(" ") || null,
    userPrincipalName: u.userPrincipalName,
    accountEnabled: u.accountEnabled,
    department: u.department,
    usageLocation: u.usageLocation,
    createdDateTime: u.createdDateTime.replace(/\.\d+Z$/, "Z"),
    mailNickname: u.userPrincipalName.split("@")[0],
    userType: "Member",
    creationType: null,
    onPremisesSyncEnabled: null,
    identities: [
      {
        signInType: "userPrincipalName",
        issuer: u.userPrincipalName.split("@")[1] ?? "",
        issuerAssignedId: u.userPrincipalName,
      },
    ],
    assignedLicenses: u.licenses.map((l) => ({ disabledPlans: [...l.disabledPlans], skuId: l.skuId })),
    assignedPlans,
    licenseAssignmentStates: u.licenses.map((l) => ({
      assignedByGroup: null,
      state: planStatus(l.assignedAtMs, false, delay) === "Success" ? "Active" : "ActiveWithError",
      error: "None",
      skuId: l.skuId,
      disabledPlans: [...l.disabledPlans],
      lastUpdatedDateTime: isoSeconds(since(l)),
    })),
  });
  return { ...view, ...(u.profile ?? {}) };
}

/** Looks a user up as Graph sees it (404 while replicating or absent). */
export function graphUser(ctx: EmulatorContext, idOrUpn: string): UserRec {
  const u = ctx.store.findUser(idOrUpn);
  if (!u || !visibleToGraph(u)) throw graphErrors.objectNotFound(idOrUpn);
  return u;
}

/** The users Graph sees, as a directory collection. */
function users(ctx: EmulatorContext): DirectoryCollection {
  const views = ctx.store.state.users.filter((u) => visibleToGraph(u)).map((u) => userView(ctx, u));
  return { type: USER_TYPE, views, path: "users" };
}

/** Checks one property of a POST or PATCH body against the documented properties; returns its exact name. */
function checkProperty(ctx: EmulatorContext, given: string, v: unknown, self: UserRec | null): string {
  const k = propName(USER_TYPE, given);
  if (!k)
    throw graphErrors.directoryBadRequest(
      `Property '${given}' does not exist as a declared property or extension property.`,
    );
  const p = USER_PROPERTIES[k]!;
  if (!p.writable) throw graphErrors.readOnlyProperty(k);
  if (!hasKind(p.kind, v)) throw graphErrors.invalidUserValue(k);
  if (k === "usageLocation" && v !== null && !isIsoAlpha2(v as string)) throw graphErrors.invalidUserValue(k);
  if ((k === "displayName" || k === "userPrincipalName") && (v === null || (v as string).trim() === ""))
    throw graphErrors.invalidUserValue(k);
  if (k === "accountEnabled" && v === null) throw graphErrors.invalidUserValue(k);
  // "Although this is a string collection, only one number can be set for this property."
  if (k === "businessPhones" && (v as string[]).length > 1) throw graphErrors.invalidUserValue(k);
  if (k === "passwordProfile") {
    const pw = (v as { password?: unknown } | null)?.password;
    if (typeof pw !== "string" || pw === "") throw graphErrors.invalidUserValue(k);
  }
  if (k === "userPrincipalName") {
    const domain = (v as string).split("@")[1]?.toLowerCase() ?? "";
    if (!ctx.store.state.tenant.verifiedDomains.includes(domain)) throw graphErrors.invalidUserValue(k);
    const other = ctx.store.findUser(v as string);
    if (other && other.id !== self?.id)
      throw graphErrors.directoryBadRequest(
        "Another object with the same value for property userPrincipalName already exists.",
      );
  }
  return k;
}

/** Applies checked properties to a user (passwordProfile is write-only and not kept). */
function applyProperties(u: UserRec, changes: [string, unknown][]): void {
  for (const [k, v] of changes) {
    if (k === "usageLocation") {
      if (v !== u.usageLocation) u.usageLocationSetAtMs = Date.now();
      u.usageLocation = v as string | null;
    } else if (k === "displayName") u.displayName = v as string;
    else if (k === "accountEnabled") u.accountEnabled = v as boolean;
    else if (k === "department") u.department = v as string | null;
    else if (k === "userPrincipalName") u.userPrincipalName = v as string;
    else if (k !== "passwordProfile") u.profile = { ...(u.profile ?? {}), [k]: v };
  }
}

/** The checked properties of a body (`@odata.*` annotations skipped). */
function bodyChanges(ctx: EmulatorContext, body: Record<string, unknown>, self: UserRec | null): [string, unknown][] {
  return Object.entries(body)
    .filter(([given]) => !given.startsWith("@odata."))
    .map(([given, v]): [string, unknown] => [checkProperty(ctx, given, v, self), v]);
}

/** The properties user-post-users.md requires (without B2C identities). */
const REQUIRED_ON_CREATE = ["accountEnabled", "displayName", "mailNickname", "passwordProfile", "userPrincipalName"];

/** POST /users: a new member user from the documented writable properties. */
function createUser(ctx: EmulatorContext, body: Record<string, unknown>): UserRec {
  const changes = bodyChanges(ctx, body, null);
  for (const k of REQUIRED_ON_CREATE) if (!changes.some(([c]) => c === k)) throw graphErrors.invalidUserValue(k);
  const now = Date.now();
  const u: UserRec = {
    id: newId(),
    userPrincipalName: "",
    displayName: "",
    accountEnabled: false,
    department: null,
    usageLocation: null,
    createdDateTime: new Date(now).toISOString(),
    visibleFromMs: 0,
    licenses: [],
  };
  applyProperties(u, changes);
  ctx.store.state.users.push(u);
  ctx.store.changed();
  return u;
}

const meRoutes: GraphRoute[] = ["GET", "PATCH", "POST", "DELETE"].flatMap((method) =>
  ["/me", "/me/{segment}", "/me/{segment}/{action}"].map((path) => ({
    method,
    path,
    roles: null,
    query: directoryQuery(...SYSTEM_OPTIONS),
    handler: () => {
      throw graphErrors.meNeedsDelegated();
    },
  })),
);

/** The user routes. */
export const userRoutes: GraphRoute[] = [
  {
    method: "GET",
    path: "/users",
    roles: READ,
    query: LIST_QUERY,
    handler: ({ ctx, query }) => listDirectory(ctx, query, users(ctx)),
  },
  {
    method: "POST",
    path: "/users",
    roles: WRITE,
    query: NO_QUERY,
    audit: "POST user",
    handler: ({ ctx, req }) => {
      const u = createUser(ctx, objectBody(req));
      const view = userView(ctx, u);
      const body: Record<string, unknown> = { "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#users/$entity` };
      for (const k of Object.keys(USER_PROPERTIES)) if (USER_PROPERTIES[k]!.byDefault) body[k] = view[k];
      return { status: 201, body, audit: { target: u.id, number: null } };
    },
  },
  {
    method: "GET",
    path: "/users/$count",
    roles: READ,
    query: COUNT_QUERY,
    handler: ({ ctx, query }) => countDirectory(query, users(ctx)),
  },
  {
    method: "GET",
    path: "/users/{id}",
    roles: READ,
    query: GET_QUERY,
    handler: ({ ctx, query, params }) =>
      readDirectoryObject(ctx, query, USER_TYPE, userView(ctx, graphUser(ctx, params.id!)), "users"),
  },
  {
    method: "PATCH",
    path: "/users/{id}",
    roles: WRITE,
    query: NO_QUERY,
    audit: "PATCH user",
    handler: ({ ctx, req, params }) => {
      const u = graphUser(ctx, params.id!);
      applyProperties(u, bodyChanges(ctx, objectBody(req), u));
      ctx.store.changed();
      return { status: 204, audit: { target: u.id, number: null } };
    },
  },
  {
    method: "DELETE",
    path: "/users/{id}",
    roles: WRITE,
    query: NO_QUERY,
    audit: "DELETE user",
    handler: ({ ctx, params }) => {
      const u = graphUser(ctx, params.id!);
      deleteUser(ctx.store, u);
      return { status: 204, audit: { target: u.id, number: null } };
    },
  },
  ...meRoutes,
];
