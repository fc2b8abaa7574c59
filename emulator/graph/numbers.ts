/** Graph Teams telephone number management: list, assignNumber, unassignNumber, updateNumber, operations. */
import { EmulatorContext } from "../context";
import { GraphError } from "../errors";
import { assignmentStatus, normaliseNumber, parseNumberType } from "../rules";
import { NumberRec, NumberType } from "../state";
import { parseFilter } from "./odata-filter";
import { createOperation, operationStatus } from "./operations";
import { GraphRoute, objectBody, registerRoutes } from "./router";

const ROOT = "/admin/teams/telephoneNumberManagement";
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
    assignmentCategory: n.assignmentCategory,
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
  if (v === undefined || v === null)
    throw new GraphError(400, "BadRequest", `The parameter '${name}' is required for the action '${action}'.`);
  if (typeof v !== "string") throw new GraphError(400, "BadRequest", `The parameter '${name}' must be a string.`);
  return v;
}

function numberParam(body: Record<string, unknown>, action: string): string {
  const raw = requiredString(body, "telephoneNumber", action);
  const p = normaliseNumber(raw);
  if (!p.ok) throw new GraphError(400, "BadRequest", `Telephone number '${raw}' is not a valid E.164 number.`);
  return p.number;
}

function numberTypeParam(body: Record<string, unknown>, action: string): NumberType {
  const raw = requiredString(body, "numberType", action);
  const t = parseNumberType(raw);
  // The wire enum is camelCase; PascalCase is a PowerShell spelling the OData deserializer rejects.
  if (!t || t !== raw)
    throw new GraphError(
      400,
      "BadRequest",
      `Cannot convert the literal '${raw}' to the expected type 'microsoft.graph.teamsAdministration.numberType'.`,
    );
  return t;
}

function checkKnownParams(body: Record<string, unknown>, known: string[], action: string): void {
  for (const k of Object.keys(body)) {
    if (!known.includes(k))
      throw new GraphError(
        400,
        "BadRequest",
        `The parameter '${k}' in the request payload is not a valid parameter for the operation '${action}'.`,
      );
  }
}

function operationLocation(ctx: EmulatorContext, id: string): string {
  return `${ctx.baseUrl}/v1.0${ROOT}/operations('${id}')`;
}

function intParam(q: URLSearchParams, name: string, dflt: number): number {
  const raw = q.get(name);
  if (raw === null) return dflt;
  if (!/^\d+$/.test(raw)) throw new GraphError(400, "BadRequest", `Invalid value '${raw}' for query option '${name}'.`);
  return Number(raw);
}

const routes: GraphRoute[] = [
  {
    method: "GET",
    pattern: new RegExp(`^${ROOT}/numberAssignments$`),
    roles: READ,
    handler: ({ ctx, req }) => {
      const top = intParam(req.query, "$top", 500);
      if (top > 1000)
        throw new GraphError(
          400,
          "BadRequest",
          `The limit of '1000' for Top query has been exceeded. The value from the incoming request is '${top}'.`,
        );
      const skip = intParam(req.query, "$skip", 0);
      const filter = req.query.get("$filter");
      let items = [...ctx.store.state.numbers]
        .sort((a, b) => (a.telephoneNumber < b.telephoneNumber ? -1 : a.telephoneNumber > b.telephoneNumber ? 1 : 0))
        .map((n) => numberView(ctx, n));
      if (filter) {
        const clauses = parseFilter(filter, FILTERABLE, ["capabilities", "supportedCustomerActions"]);
        items = items.filter((v) =>
          clauses.every((c) => {
            if (c.kind === "any") return (v[c.property] as string[]).includes(c.value);
            if (c.property === "telephoneNumber" && c.value !== null) {
              const p = normaliseNumber(c.value);
              return p.ok && p.number === v.telephoneNumber;
            }
            if (c.property === "assignmentTargetId" && c.value !== null)
              return String(v.assignmentTargetId ?? "").toLowerCase() === c.value.toLowerCase();
            return v[c.property] === c.value;
          }),
        );
      }
      const page = items.slice(skip, skip + top);
      const body: Record<string, unknown> = {
        "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#admin/teams/telephoneNumberManagement/numberAssignments`,
        value: page,
      };
      if (skip + top < items.length) {
        const q = new URLSearchParams();
        if (filter) q.set("$filter", filter);
        q.set("$top", String(top));
        q.set("$skip", String(skip + top));
        body["@odata.nextLink"] = `${ctx.baseUrl}/v1.0${ROOT}/numberAssignments?${q.toString().replace(/\+/g, "%20")}`;
      }
      return { status: 200, body };
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^${ROOT}/numberAssignments/([^/()]+)$`),
    roles: READ,
    handler: ({ ctx, params }) => {
      const n = ctx.store.state.numbers.find((x) => numberAssignmentId(ctx, x.telephoneNumber) === params[0]);
      if (!n) throw new GraphError(404, "NotFound", `The numberAssignment '${params[0]}' was not found.`);
      return { status: 200, body: numberView(ctx, n) };
    },
  },
  {
    method: "POST",
    pattern: new RegExp(`^${ROOT}/numberAssignments/assignNumber$`),
    roles: WRITE,
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
        throw new GraphError(
          400,
          "BadRequest",
          `Cannot convert the literal '${String(cat)}' to the expected type 'microsoft.graph.teamsAdministration.assignmentCategory'.`,
        );
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
    pattern: new RegExp(`^${ROOT}/numberAssignments/unassignNumber$`),
    roles: WRITE,
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
    pattern: new RegExp(`^${ROOT}/numberAssignments/updateNumber$`),
    roles: WRITE,
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
      if (!n)
        throw new GraphError(
          400,
          "BadRequest",
          `Telephone Number '${number}' is not found from tenant '${ctx.store.state.tenant.id}'`,
        );
      // "" clears a value; null or omitted keeps it (documented semantics).
      for (const k of ["locationId", "networkSiteId"] as const) {
        const v = body[k];
        if (v === undefined || v === null) continue;
        if (typeof v !== "string") throw new GraphError(400, "BadRequest", `The parameter '${k}' must be a string.`);
        n[k] = v === "" ? null : v;
      }
      const r = body.reverseNumberLookupOptions;
      if (r !== undefined && r !== null) {
        if (!Array.isArray(r) || r.some((x) => x !== "skipInternalVoip" && x !== "")) {
          throw new GraphError(
            400,
            "BadRequest",
            "Cannot convert the literal to the expected type 'microsoft.graph.teamsAdministration.reverseNumberLookupOptions'.",
          );
        }
        n.reverseNumberLookupOptions = (r as string[]).filter((x) => x !== "");
      }
      ctx.store.save();
      return { status: 200, body: numberView(ctx, n), audit: { target: n.assignmentTargetId, number } };
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^${ROOT}/operations(?:/|\\(')([^/()']+)(?:'\\))?$`),
    roles: READ,
    handler: ({ ctx, params }) => {
      const op = ctx.store.state.operations.find((o) => o.id === params[0]);
      if (!op) throw new GraphError(404, "NotFound", `The operation '${params[0]}' was not found.`);
      const status = operationStatus(op);
      const n = ctx.store.state.numbers.find((x) => x.telephoneNumber === op.telephoneNumber);
      return {
        status: 200,
        body: {
          "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#admin/teams/telephoneNumberManagement/operations/$entity`,
          id: op.id,
          createdDateTime: new Date(op.createdMs).toISOString(),
          status,
          numbers: [
            {
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

registerRoutes(routes);
