/** Graph Teams telephone number management: list, assignNumber, unassignNumber, updateNumber, operations. */
import { EmulatorContext } from "../context";
import { assignmentStatus, assignTexts, locationRemovable, normaliseNumber, parseNumberType } from "../rules";
import { NumberRec, NumberType } from "../state";
import { graphErrors } from "./errors";
import { FilterClause, matches, parseFilter } from "./odata-filter";
import { createOperation, operationStatus } from "./operations";
import { queryString, workloadQuery } from "./query";
import { GraphRoute, objectBody } from "./route";

const ROOT = "/admin/teams/telephoneNumberManagement";
const NUMBER_TYPE = "#microsoft.graph.teamsAdministration.numberAssignment";
const READ = ["TeamsTelephoneNumber.Read.All", "TeamsTelephoneNumber.ReadWrite.All"];
const WRITE = ["TeamsTelephoneNumber.ReadWrite.All"];
const FILTERABLE = [
  "telephoneNumber",
  "assignmentTargetId",
  "assignmentStatus",
  "numberType",
  "activationState",
  "isoCountryCode",
  "assignmentCategory",
  "locationId",
  "networkSiteId",
  "operatorId",
  "numberSource",
];

/** Graph numberAssignment id: base64url("<tenantId>|+E164"). */
export function numberAssignmentId(ctx: EmulatorContext, n: string): string {
  return Buffer.from(`${ctx.store.state.tenant.id}|${n}`).toString("base64url");
}

/** The Graph numberAssignment resource for a number. */
export function numberView(ctx: EmulatorContext, n: NumberRec): Record<string, unknown> {
  const pending = ctx.store.state.operations.some((o) => o.result === null && o.telephoneNumber === n.telephoneNumber);
  return {
    "@odata.type": NUMBER_TYPE,
    id: numberAssignmentId(ctx, n.telephoneNumber),
    telephoneNumber: n.telephoneNumber,
    operatorId: n.operatorId,
    numberType: n.numberType,
    activationState: pending ? (n.assignmentTargetId ? "updatePending" : "assignmentPending") : "activated",
    capabilities: [...n.capabilities],
    locationId: n.locationId,
    civicAddressId: null,
    networkSiteId: n.networkSiteId,
    assignmentTargetId: n.assignmentTargetId,
    // An unassigned number has no category (documented list example 2).
    assignmentCategory: n.assignmentTargetId ? n.assignmentCategory : null,
    portInStatus: "completed",
    assignmentStatus: assignmentStatus(ctx.store, n),
    isoCountryCode: n.isoCountryCode,
    city: n.city,
    numberSource: n.numberType === "directRouting" ? "onPremises" : "online",
    supportedCustomerActions:
      n.numberType === "callingPlan"
        ? ["locationUpdate", "release"]
        : n.numberType === "operatorConnect"
          ? ["locationUpdate"]
          : [],
    reverseNumberLookupOptions: [...n.reverseNumberLookupOptions],
  };
}

function requiredString(body: Record<string, unknown>, name: string, action: string): string {
  const v = body[name];
  if (v === undefined || v === null) throw graphErrors.missingParameter(name, action);
  if (typeof v !== "string") throw graphErrors.notAString(name);
  return v;
}

function numberParam(body: Record<string, unknown>, action: string): string {
  const raw = requiredString(body, "telephoneNumber", action);
  const p = normaliseNumber(raw);
  if (!p.ok) throw graphErrors.badNumber(raw);
  return p.number;
}

function numberTypeParam(body: Record<string, unknown>, action: string): NumberType {
  const raw = requiredString(body, "numberType", action);
  const t = parseNumberType(raw);
  // The wire enum is camelCase; PascalCase is a PowerShell spelling the OData deserializer rejects.
  if (!t || t !== raw) throw graphErrors.badEnum(raw, "numberType");
  return t;
}

function checkKnownParams(body: Record<string, unknown>, known: string[], action: string): void {
  for (const k of Object.keys(body)) {
    if (!known.includes(k)) throw graphErrors.unknownParameter(k, action);
  }
}

function operationLocation(ctx: EmulatorContext, id: string): string {
  return `${ctx.baseUrl}/v1.0${ROOT}/operations('${id}')`;
}

function numberMatches(v: Record<string, unknown>, c: FilterClause): boolean {
  if (c.kind === "eq" && c.property === "telephoneNumber" && typeof c.value === "string") {
    const p = normaliseNumber(c.value);
    return p.ok && p.number === v.telephoneNumber;
  }
  return matches(c, v, (a, b) => (c.property === "assignmentTargetId" ? a.toLowerCase() === b.toLowerCase() : a === b));
}

/** The telephone number routes. */
export const numberRoutes: GraphRoute[] = [
  {
    method: "GET",
    path: `${ROOT}/numberAssignments`,
    roles: READ,
    // The page documents `$filter`, `$top` (default 500, at most 1,000) and `$skip`, and no other option.
    query: workloadQuery("$filter", "$top", "$skip"),
    handler: ({ ctx, query }) => {
      const top = query.top(500, 1000, graphErrors.topTooLarge);
      const skip = query.skip();
      const filter = query.get("$filter");
      let items = [...ctx.store.state.numbers]
        .sort((a, b) => (a.telephoneNumber < b.telephoneNumber ? -1 : a.telephoneNumber > b.telephoneNumber ? 1 : 0))
        .map((n) => numberView(ctx, n));
      if (filter) {
        const clauses = parseFilter(filter, {
          properties: FILTERABLE,
          collections: ["capabilities", "supportedCustomerActions", "reverseNumberLookupOptions"],
        });
        items = items.filter((v) => clauses.every((c) => numberMatches(v, c)));
      }
      const body: Record<string, unknown> = {
        "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#admin/teams/telephoneNumberManagement/numberAssignments`,
        value: items.slice(skip, skip + top),
      };
      if (skip + top < items.length) {
        const next = [...query.raw].filter(([k]) => !["$top", "$skip"].includes(k.toLowerCase()));
        next.push(["$top", String(top)], ["$skip", String(skip + top)]);
        body["@odata.nextLink"] = `${ctx.baseUrl}/v1.0${ROOT}/numberAssignments?${queryString(next)}`;
      }
      return { status: 200, body };
    },
  },
  {
    method: "GET",
    path: `${ROOT}/numberAssignments/{id}`,
    roles: READ,
    query: workloadQuery(),
    handler: ({ ctx, params }) => {
      const n = ctx.store.state.numbers.find((x) => numberAssignmentId(ctx, x.telephoneNumber) === params.id);
      if (!n) throw graphErrors.numberAssignmentNotFound(params.id!);
      const context = `${ctx.baseUrl}/v1.0/$metadata#admin/teams/telephoneNumberManagement/numberAssignments/$entity`;
      return { status: 200, body: { "@odata.context": context, ...numberView(ctx, n) } };
    },
  },
  {
    method: "POST",
    path: `${ROOT}/numberAssignments/assignNumber`,
    roles: WRITE,
    query: workloadQuery(),
    audit: "assignNumber",
    handler: ({ ctx, req, claims }) => {
      const body = objectBody(req);
      checkKnownParams(
        body,
        ["telephoneNumber", "assignmentTargetId", "numberType", "assignmentCategory", "locationId"],
        "assignNumber",
      );
      const number = numberParam(body, "assignNumber");
      const targetId = requiredString(body, "assignmentTargetId", "assignNumber");
      const numberType = numberTypeParam(body, "assignNumber");
      const cat = body.assignmentCategory;
      if (cat !== undefined && cat !== null && !["primary", "private", "alternate"].includes(String(cat))) {
        throw graphErrors.badEnum(String(cat), "assignmentCategory");
      }
      const op = createOperation(ctx, {
        kind: "assign",
        telephoneNumber: number,
        numberType,
        assignmentTargetId: targetId,
        locationId: typeof body.locationId === "string" ? body.locationId : null,
        assignmentCategory: typeof cat === "string" ? cat : null,
        appId: claims.appid,
      });
      return { status: 202, headers: { location: operationLocation(ctx, op.id) }, audit: null };
    },
  },
  {
    method: "POST",
    path: `${ROOT}/numberAssignments/unassignNumber`,
    roles: WRITE,
    query: workloadQuery(),
    audit: "unassignNumber",
    handler: ({ ctx, req, claims }) => {
      const body = objectBody(req);
      checkKnownParams(body, ["telephoneNumber", "numberType"], "unassignNumber");
      const number = numberParam(body, "unassignNumber");
      const numberType = numberTypeParam(body, "unassignNumber");
      const op = createOperation(ctx, {
        kind: "unassign",
        telephoneNumber: number,
        numberType,
        assignmentTargetId: null,
        locationId: null,
        assignmentCategory: null,
        appId: claims.appid,
      });
      return { status: 202, headers: { location: operationLocation(ctx, op.id) }, audit: null };
    },
  },
  {
    method: "POST",
    path: `${ROOT}/numberAssignments/updateNumber`,
    roles: WRITE,
    query: workloadQuery(),
    audit: "updateNumber",
    handler: ({ ctx, req }) => {
      const body = objectBody(req);
      checkKnownParams(
        body,
        ["telephoneNumber", "locationId", "networkSiteId", "reverseNumberLookupOptions"],
        "updateNumber",
      );
      const number = numberParam(body, "updateNumber");
      const n = ctx.store.state.numbers.find((x) => x.telephoneNumber === number);
      if (!n) throw graphErrors.numberNotInTenant(assignTexts.numberNotFound(number, ctx.store.state.tenant.id));
      // "" clears a value; null or omitted keeps it (documented semantics).
      for (const k of ["locationId", "networkSiteId"] as const) {
        const v = body[k];
        if (v === undefined || v === null) continue;
        if (typeof v !== "string") throw graphErrors.notAString(k);
      }
      if (body.locationId === "" && n.locationId && !locationRemovable(n))
        throw graphErrors.numberNotInTenant(assignTexts.locationRemoval(n.telephoneNumber));
      for (const k of ["locationId", "networkSiteId"] as const) {
        const v = body[k];
        if (typeof v === "string") n[k] = v === "" ? null : v;
      }
      const r = body.reverseNumberLookupOptions;
      if (r !== undefined && r !== null) {
        if (!Array.isArray(r) || r.some((x) => x !== "skipInternalVoip" && x !== "")) {
          throw graphErrors.badEnum(JSON.stringify(r), "reverseNumberLookupOption");
        }
        n.reverseNumberLookupOptions = (r as string[]).filter((x) => x !== "");
      }
      ctx.store.changed();
      return { status: 200, body: numberView(ctx, n), audit: { target: n.assignmentTargetId, number } };
    },
  },
  {
    method: "GET",
    path: `${ROOT}/operations/{id}`,
    roles: READ,
    query: workloadQuery(),
    handler: ({ ctx, params }) => {
      const op = ctx.store.state.operations.find((o) => o.id === params.id);
      if (!op) throw graphErrors.operationNotFound(params.id!);
      const status = operationStatus(op);
      const n = ctx.store.state.numbers.find((x) => x.telephoneNumber === op.telephoneNumber);
      return {
        status: 200,
        body: {
          "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#admin/teams/telephoneNumberManagement/operations/$entity`,
          "@odata.type": "#microsoft.graph.teamsAdministration.telephoneNumberLongRunningOperation",
          id: op.id,
          createdDateTime: new Date(op.createdMs).toISOString().replace(/\.\d+Z$/, "Z"),
          status,
          numbers: [
            {
              "@odata.type": "#microsoft.graph.teamsAdministration.telephoneNumberLongRunningOperationDetails",
              resourceLocation: n
                ? `${ctx.baseUrl}/v1.0${ROOT}/numberAssignments/${numberAssignmentId(ctx, n.telephoneNumber)}`
                : null,
              status,
              statusDetail: op.result?.statusDetail ?? null,
            },
          ],
        },
      };
    },
  },
];
