/** Graph users: GET (by id or UPN, $select), PATCH, DELETE. */
import { EmulatorContext } from "../context";
import { badRequest, GraphError, userNotFound } from "../errors";
import { deleteUser, isIsoAlpha2, planStatus, visibleToGraph } from "../rules";
import { UserRec } from "../state";
import { GraphRoute, objectBody, registerRoutes } from "./router";

const READ = ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];
const WRITE = ["User.ReadWrite.All", "Directory.ReadWrite.All"];

/** Properties Graph v1.0 returns when no $select is given (the real default projection). */
const DEFAULT_PROPS = [
  "businessPhones",
  "displayName",
  "givenName",
  "jobTitle",
  "mail",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "surname",
  "userPrincipalName",
  "id",
];

function serviceOf(planName: string): string {
  if (planName.startsWith("MCOEV")) return "MicrosoftCommunicationsOnline";
  if (planName.startsWith("TEAMS")) return "TeamspaceAPI";
  if (planName.startsWith("EXCHANGE")) return "exchange";
  return planName;
}

/** Full Graph view of a user (every property $select can ask for). */
export function userView(ctx: EmulatorContext, u: UserRec): Record<string, unknown> {
  const delay = ctx.faults.timings.licenceProvisioningDelayMs;
  const assignedPlans: unknown[] = [];
  for (const l of u.licenses) {
    for (const p of ctx.store.sku(l.skuId)?.servicePlans ?? []) {
      if (l.disabledPlans.includes(p.servicePlanId)) continue;
      assignedPlans.push({
        assignedDateTime: new Date(l.assignedAtMs || Date.parse(u.createdDateTime))
          .toISOString()
          .replace(/\.\d+Z$/, "Z"),
        capabilityStatus: "Enabled",
        service: serviceOf(p.servicePlanName),
        servicePlanId: p.servicePlanId,
      });
    }
  }
  const [given, ...rest] = u.displayName.split(" ");
  return {
    id: u.id,
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.applicationInstance ? null : (given ?? null),
    jobTitle: null,
    mail: null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: u.applicationInstance ? null : rest.join(" ") || null,
    userPrincipalName: u.userPrincipalName,
    accountEnabled: u.accountEnabled,
    department: u.department,
    usageLocation: u.usageLocation,
    createdDateTime: u.createdDateTime.replace(/\.\d+Z$/, "Z"),
    mailNickname: u.userPrincipalName.split("@")[0],
    userType: "Member",
    assignedLicenses: u.licenses.map((l) => ({ disabledPlans: [...l.disabledPlans], skuId: l.skuId })),
    assignedPlans,
    licenseAssignmentStates: u.licenses.map((l) => ({
      assignedByGroup: null,
      state: planStatus(l.assignedAtMs, false, delay) === "Success" ? "Active" : "ActiveWithError",
      error: "None",
      skuId: l.skuId,
      disabledPlans: [...l.disabledPlans],
      lastUpdatedDateTime: new Date(l.assignedAtMs || Date.parse(u.createdDateTime))
        .toISOString()
        .replace(/\.\d+Z$/, "Z"),
    })),
  };
}

/** Applies $select (or the default projection) to a full view. */
export function project(
  view: Record<string, unknown>,
  select: string | null,
  context: string,
): Record<string, unknown> {
  const names = select
    ? select
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : DEFAULT_PROPS;
  const out: Record<string, unknown> = { "@odata.context": context };
  const keys = Object.keys(view);
  for (const n of names) {
    const k = keys.find((x) => x.toLowerCase() === n.toLowerCase());
    if (!k)
      throw new GraphError(
        400,
        "Request_BadRequest",
        `Could not find a property named '${n}' on type 'microsoft.graph.user'.`,
      );
    out[k] = view[k];
  }
  return out;
}

/** Looks a user up as Graph sees it (404 while replicating or absent). */
export function graphUser(ctx: EmulatorContext, idOrUpn: string): UserRec {
  const u = ctx.store.findUser(idOrUpn);
  if (!u || !visibleToGraph(u)) throw userNotFound(idOrUpn);
  return u;
}

const PATCHABLE = new Set(["usageLocation", "displayName", "accountEnabled", "department"]);

const routes: GraphRoute[] = [
  {
    method: "GET",
    pattern: /^\/users\/([^/]+)$/,
    roles: READ,
    handler: ({ ctx, req, params }) => {
      const u = graphUser(ctx, params[0]!);
      const select = req.query.get("$select");
      const ctxUrl = `${ctx.baseUrl}/v1.0/$metadata#users${select ? `(${select})` : ""}/$entity`;
      return { status: 200, body: project(userView(ctx, u), select, ctxUrl) };
    },
  },
  {
    method: "PATCH",
    pattern: /^\/users\/([^/]+)$/,
    roles: WRITE,
    audit: "PATCH user",
    handler: ({ ctx, req, params }) => {
      const u = graphUser(ctx, params[0]!);
      const body = objectBody(req);
      for (const [k, v] of Object.entries(body)) {
        if (!PATCHABLE.has(k))
          throw badRequest(`Property '${k}' is read-only or not supported by the emulator's user resource.`);
        if (k === "usageLocation" && v !== null && (typeof v !== "string" || !isIsoAlpha2(v))) {
          throw badRequest("Invalid value specified for property 'usageLocation' of resource 'User'.");
        }
        if (k === "displayName" && (typeof v !== "string" || v.trim() === ""))
          throw badRequest("Invalid value specified for property 'displayName' of resource 'User'.");
        if (k === "accountEnabled" && typeof v !== "boolean")
          throw badRequest("Invalid value specified for property 'accountEnabled' of resource 'User'.");
        if (k === "department" && v !== null && typeof v !== "string")
          throw badRequest("Invalid value specified for property 'department' of resource 'User'.");
      }
      if ("usageLocation" in body) u.usageLocation = body.usageLocation as string | null;
      if ("displayName" in body) u.displayName = body.displayName as string;
      if ("accountEnabled" in body) u.accountEnabled = body.accountEnabled as boolean;
      if ("department" in body) u.department = body.department as string | null;
      ctx.store.save();
      return { status: 204, audit: { target: u.id, number: null } };
    },
  },
  {
    method: "DELETE",
    pattern: /^\/users\/([^/]+)$/,
    roles: WRITE,
    audit: "DELETE user",
    handler: ({ ctx, params }) => {
      const u = graphUser(ctx, params[0]!);
      deleteUser(ctx.store, u);
      ctx.store.save();
      return { status: 204, audit: { target: u.id, number: null } };
    },
  },
];

registerRoutes(routes);
