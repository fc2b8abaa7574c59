/** Graph users: list (with $filter, $select, $top, $orderby, $count), GET by id or UPN, PATCH, DELETE, and /me. */
import { EmulatorContext } from "../context";
import { deleteUser, isIsoAlpha2, planStatus, visibleToGraph } from "../rules";
import { UserRec } from "../state";
import { graphErrors } from "./errors";
import { matches, parseFilter } from "./odata-filter";
import { GraphRequest, GraphRoute, HandlerResult, header, objectBody } from "./route";
import { DEFAULT_USER_PROPS, hasKind, USER_PROPERTIES, userPropName } from "./user-properties";

const READ = ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];
const WRITE = ["User.ReadWrite.All", "Directory.ReadWrite.All"];
const USER_TYPE = "microsoft.graph.user";
const PAGE_DEFAULT = 100;
const PAGE_MAX = 999;

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
  const view: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(USER_PROPERTIES))
    if (!p.writeOnly) view[k] = p.kind === "strings" || p.kind === "objects" ? [] : null;
  Object.assign(view, {
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

/** The names a $select asks for (exact spelling), or the default projection; 400 for an unknown one. */
function selected(select: string | null): string[] {
  if (!select) return DEFAULT_USER_PROPS;
  return select
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean)
    .map((n) => {
      const k = userPropName(n);
      if (!k || USER_PROPERTIES[k]!.writeOnly) throw graphErrors.unknownProperty(n, USER_TYPE);
      return k;
    });
}

/** Projects a full view onto $select (or the default properties), with its @odata.context. */
export function project(
  view: Record<string, unknown>,
  select: string | null,
  context: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = { "@odata.context": context };
  for (const k of selected(select)) out[k] = view[k];
  return out;
}

/** Looks a user up as Graph sees it (404 while replicating or absent). */
export function graphUser(ctx: EmulatorContext, idOrUpn: string): UserRec {
  const u = ctx.store.findUser(idOrUpn);
  if (!u || !visibleToGraph(u)) throw graphErrors.userNotFound(idOrUpn);
  return u;
}

const eventual = (req: GraphRequest): boolean => header(req, "consistencylevel")?.toLowerCase() === "eventual";

function listUsers(ctx: EmulatorContext, req: GraphRequest): HandlerResult {
  const q = req.query;
  const count = q.get("$count");
  if (count !== null && count !== "true" && count !== "false") throw graphErrors.badQueryOption("$count", count);
  const advanced = count === "true" && eventual(req);
  if (count === "true" && !advanced) throw graphErrors.countNeedsEventual();
  const topRaw = q.get("$top");
  if (topRaw !== null && !/^\d+$/.test(topRaw)) throw graphErrors.badQueryOption("$top", topRaw);
  const top = topRaw === null ? PAGE_DEFAULT : Number(topRaw);
  if (top < 1 || top > PAGE_MAX) throw graphErrors.badQueryOption("$top", topRaw ?? "");
  const select = q.get("$select");
  const names = selected(select);
  const single = names.find((n) => USER_PROPERTIES[n]!.singleOnly);
  if (single) throw graphErrors.notImplemented(`The property '${single}' cannot be selected on a collection of users.`);
  const skipRaw = q.get("$skiptoken");
  const skip = skipRaw === null ? 0 : Number(Buffer.from(skipRaw, "base64url").toString("utf8"));
  if (!Number.isInteger(skip) || skip < 0) throw graphErrors.badQueryOption("$skiptoken", skipRaw ?? "");

  const filter = q.get("$filter");
  const props = Object.keys(USER_PROPERTIES).filter((k) => !USER_PROPERTIES[k]!.kind.startsWith("object"));
  const clauses = filter
    ? parseFilter(filter, {
        advanced: true,
        properties: props,
        collections: ["businessPhones", "otherMails", "proxyAddresses", "imAddresses", "assignedLicenses"],
      })
    : [];
  // ne and endswith are advanced queries: ConsistencyLevel: eventual and $count=true.
  if (clauses.some((c) => c.kind === "ne" || c.kind === "endswith") && !advanced)
    throw graphErrors.unsupportedQuery(
      "Unsupported Query. 'ne' and 'endswith' need ConsistencyLevel: eventual and $count=true.",
    );
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
  let views = ctx.store.state.users.filter((u) => visibleToGraph(u)).map((u) => userView(ctx, u));
  views = views.filter((v) => clauses.every((c) => matches(c, v, same)));
  const orderby = q.get("$orderby");
  if (orderby) {
    const m = /^\s*(displayName|userPrincipalName)(?:\s+(asc|desc))?\s*$/i.exec(orderby);
    if (!m) throw graphErrors.unsupportedQuery(`Sorting by '${orderby}' is not supported.`);
    const k = userPropName(m[1]!)!;
    const dir = m[2]?.toLowerCase() === "desc" ? -1 : 1;
    views.sort((a, b) => dir * String(a[k] ?? "").localeCompare(String(b[k] ?? "")));
  }
  const body: Record<string, unknown> = {
    "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#users${select ? `(${names.join(",")})` : ""}`,
  };
  if (advanced) body["@odata.count"] = views.length;
  if (skip + top < views.length) {
    const next = new URLSearchParams(q);
    next.set("$skiptoken", Buffer.from(String(skip + top)).toString("base64url"));
    body["@odata.nextLink"] = `${ctx.baseUrl}/v1.0/users?${next.toString().replace(/\+/g, "%20")}`;
  }
  body.value = views.slice(skip, skip + top).map((v) => {
    const o: Record<string, unknown> = {};
    for (const k of names) o[k] = v[k];
    return o;
  });
  return { status: 200, body };
}

/** Validates a PATCH body against the documented properties and applies it. */
function patchUser(ctx: EmulatorContext, u: UserRec, body: Record<string, unknown>): void {
  const changes: [string, unknown][] = [];
  for (const [given, v] of Object.entries(body)) {
    if (given.startsWith("@odata.")) continue;
    const k = userPropName(given);
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
    if (k === "userPrincipalName") {
      const domain = (v as string).split("@")[1]?.toLowerCase() ?? "";
      if (!ctx.store.state.tenant.verifiedDomains.includes(domain)) throw graphErrors.invalidUserValue(k);
      const other = ctx.store.findUser(v as string);
      if (other && other.id !== u.id)
        throw graphErrors.directoryBadRequest(
          "Another object with the same value for property userPrincipalName already exists.",
        );
    }
    changes.push([k, v]);
  }
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
  ctx.store.changed();
}

const meRoutes: GraphRoute[] = ["GET", "PATCH", "POST", "DELETE"].flatMap((method) =>
  ["/me", "/me/{segment}", "/me/{segment}/{action}"].map((path) => ({
    method,
    path,
    roles: null,
    handler: () => {
      throw graphErrors.meNeedsDelegated();
    },
  })),
);

/** The user routes. */
export const userRoutes: GraphRoute[] = [
  { method: "GET", path: "/users", roles: READ, handler: ({ ctx, req }) => listUsers(ctx, req) },
  {
    method: "GET",
    path: "/users/$count",
    roles: READ,
    handler: ({ ctx, req }) => {
      if (!eventual(req)) throw graphErrors.countNeedsEventual();
      const n = ctx.store.state.users.filter((u) => visibleToGraph(u)).length;
      return { status: 200, headers: { "content-type": "text/plain" }, body: n };
    },
  },
  {
    method: "GET",
    path: "/users/{id}",
    roles: READ,
    handler: ({ ctx, req, params }) => {
      const u = graphUser(ctx, params.id!);
      const select = req.query.get("$select");
      const names = select ? `(${selected(select).join(",")})` : "";
      return {
        status: 200,
        body: project(userView(ctx, u), select, `${ctx.baseUrl}/v1.0/$metadata#users${names}/$entity`),
      };
    },
  },
  {
    method: "PATCH",
    path: "/users/{id}",
    roles: WRITE,
    audit: "PATCH user",
    handler: ({ ctx, req, params }) => {
      const u = graphUser(ctx, params.id!);
      patchUser(ctx, u, objectBody(req));
      return { status: 204, audit: { target: u.id, number: null } };
    },
  },
  {
    method: "DELETE",
    path: "/users/{id}",
    roles: WRITE,
    audit: "DELETE user",
    handler: ({ ctx, params }) => {
      const u = graphUser(ctx, params.id!);
      deleteUser(ctx.store, u);
      return { status: 204, audit: { target: u.id, number: null } };
    },
  },
  ...meRoutes,
];
