/** Graph licensing: subscribedSkus, assignLicense, licenseDetails. */
import { GUID_RE } from "../constants";
import { EmulatorContext } from "../context";
import { planStatus } from "../rules";
import { LicenceRec, UserRec } from "../state";
import { EntityType, project, selectedProps } from "./entity";
import { graphErrors } from "./errors";
import { directoryQuery, Query } from "./query";
import { GraphRoute, objectBody } from "./route";
import { graphUser, userView } from "./users";

/** A read-only type whose every property is in the default projection (for `$select`). */
const selectable = (name: string, props: string[]): EntityType => ({
  name,
  resource: name.split(".").pop()!,
  properties: Object.fromEntries(props.map((k) => [k, { kind: "string", byDefault: true }])),
  filter: { eq: [], startswith: [], endswith: [], collections: [] },
  orderby: { byDefault: [], advanced: [] },
  tokenized: [],
  relationships: {},
});
/** resources/subscribedsku.md. */
const SKU_TYPE = selectable("microsoft.graph.subscribedSku", [
  "accountId",
  "accountName",
  "appliesTo",
  "capabilityStatus",
  "consumedUnits",
  "id",
  "prepaidUnits",
  "servicePlans",
  "skuId",
  "skuPartNumber",
  "subscriptionIds",
]);
/** resources/licensedetails.md. */
const DETAILS_TYPE = selectable("microsoft.graph.licenseDetails", ["id", "servicePlans", "skuId", "skuPartNumber"]);

/** Items projected onto a `$select` (validated against the type), with the context's select suffix. */
function selectItems(
  type: EntityType,
  q: Query,
  items: Record<string, unknown>[],
): { value: unknown[]; suffix: string } {
  const names = selectedProps(type, q.selectNames(), true);
  return { value: items.map((v) => project(v, names)), suffix: q.has("$select") ? `(${names.join(",")})` : "" };
}

const SKU_READ = [
  "LicenseAssignment.Read.All",
  "LicenseAssignment.ReadWrite.All",
  "Organization.Read.All",
  "Organization.ReadWrite.All",
  "Directory.Read.All",
  "Directory.ReadWrite.All",
];
const ASSIGN = ["LicenseAssignment.ReadWrite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"];
const DETAILS_READ = [
  "LicenseAssignment.Read.All",
  "LicenseAssignment.ReadWrite.All",
  "User.Read.All",
  "User.ReadWrite.All",
  "Directory.Read.All",
  "Directory.ReadWrite.All",
];

function skuView(ctx: EmulatorContext, skuId: string): Record<string, unknown> {
  const s = ctx.store.sku(skuId)!;
  const t = ctx.store.state.tenant;
  return {
    accountId: t.id,
    accountName: t.displayName,
    appliesTo: s.appliesTo,
    capabilityStatus: s.capabilityStatus,
    consumedUnits: ctx.store.consumedUnits(s.skuId),
    id: `${t.id}_${s.skuId}`,
    skuId: s.skuId,
    skuPartNumber: s.skuPartNumber,
    subscriptionIds: [...s.subscriptionIds],
    prepaidUnits: { ...s.prepaidUnits },
    servicePlans: s.servicePlans.map((p) => ({
      servicePlanId: p.servicePlanId,
      servicePlanName: p.servicePlanName,
      provisioningStatus: "Success",
      appliesTo: p.appliesTo,
    })),
  };
}

/** licenseDetails entries of a user, with time-based provisioning status. */
export function licenceDetails(ctx: EmulatorContext, u: UserRec): Record<string, unknown>[] {
  const delay = ctx.faults.timings.licenceProvisioningDelayMs;
  return u.licenses.map((l) => {
    const s = ctx.store.sku(l.skuId);
    return {
      id: Buffer.from(`${u.id}|${l.skuId}`).toString("base64url"),
      skuId: l.skuId,
      skuPartNumber: s?.skuPartNumber ?? null,
      servicePlans: (s?.servicePlans ?? []).map((p) => ({
        servicePlanId: p.servicePlanId,
        servicePlanName: p.servicePlanName,
        provisioningStatus: planStatus(l.assignedAtMs, l.disabledPlans.includes(p.servicePlanId), delay),
        appliesTo: p.appliesTo,
      })),
    };
  });
}

const invalidProp = graphErrors.invalidUserValue;

/** The licensing routes. */
export const licenceRoutes: GraphRoute[] = [
  {
    method: "GET",
    path: "/subscribedSkus",
    roles: SKU_READ,
    // subscribedsku-list.md: "supports only the $select OData query parameter … It does not support $filter."
    query: directoryQuery("$select"),
    handler: ({ ctx, query }) => {
      const { value, suffix } = selectItems(
        SKU_TYPE,
        query,
        ctx.store.state.skus.map((s) => skuView(ctx, s.skuId)),
      );
      return {
        status: 200,
        body: { "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#subscribedSkus${suffix}`, value },
      };
    },
  },
  {
    method: "GET",
    path: "/subscribedSkus/{id}",
    roles: SKU_READ,
    // subscribedsku-get.md: "does not support the OData Query Parameters".
    query: directoryQuery(),
    handler: ({ ctx, params }) => {
      const s = ctx.store.state.skus.find(
        (x) => `${ctx.store.state.tenant.id}_${x.skuId}` === params.id!.toLowerCase(),
      );
      if (!s) throw graphErrors.objectNotFound(params.id!);
      return {
        status: 200,
        body: { "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#subscribedSkus/$entity`, ...skuView(ctx, s.skuId) },
      };
    },
  },
  {
    method: "GET",
    path: "/users/{id}/licenseDetails",
    roles: DETAILS_READ,
    // user-list-licensedetails.md: "supports the $select query parameter".
    query: directoryQuery("$select"),
    handler: ({ ctx, params, query }) => {
      const u = graphUser(ctx, params.id!);
      const { value, suffix } = selectItems(DETAILS_TYPE, query, licenceDetails(ctx, u));
      return {
        status: 200,
        body: { "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#users('${u.id}')/licenseDetails${suffix}`, value },
      };
    },
  },
  {
    method: "POST",
    path: "/users/{id}/assignLicense",
    roles: ASSIGN,
    query: directoryQuery(),
    audit: "assignLicense",
    handler: ({ ctx, req, params }) => {
      const u = graphUser(ctx, params.id!);
      const body = objectBody(req);
      // Both collections are non-nullable in the CSDL: the service rejects a body missing either.
      if (!Array.isArray(body.addLicenses)) throw invalidProp("addLicenses");
      if (!Array.isArray(body.removeLicenses)) throw invalidProp("removeLicenses");
      const adds: { skuId: string; disabledPlans: string[] }[] = [];
      for (const a of body.addLicenses as unknown[]) {
        const o = a as { skuId?: unknown; disabledPlans?: unknown };
        if (!o || typeof o !== "object" || typeof o.skuId !== "string" || !GUID_RE.test(o.skuId))
          throw invalidProp("skuId");
        const dp = o.disabledPlans === undefined || o.disabledPlans === null ? [] : o.disabledPlans;
        if (!Array.isArray(dp) || dp.some((x) => typeof x !== "string")) throw invalidProp("disabledPlans");
        adds.push({ skuId: o.skuId.toLowerCase(), disabledPlans: (dp as string[]).map((x) => x.toLowerCase()) });
      }
      const removes = (body.removeLicenses as unknown[]).map((r) => {
        if (typeof r !== "string" || !GUID_RE.test(r)) throw invalidProp("removeLicenses");
        return r.toLowerCase();
      });
      for (const a of adds) {
        if (!ctx.store.sku(a.skuId)) throw graphErrors.invalidLicense(a.skuId);
      }
      for (const r of removes) {
        if (!ctx.store.sku(r)) throw graphErrors.invalidLicense(r);
        if (!u.licenses.some((l) => l.skuId === r)) throw graphErrors.noSuchUserLicense();
      }
      // Licensing lags behind a just-set usage location (profile usageLocationLagMs).
      const locationSeen =
        !!u.usageLocation && Date.now() >= (u.usageLocationSetAtMs ?? 0) + ctx.faults.timings.usageLocationLagMs;
      if (adds.length > 0 && !locationSeen) throw graphErrors.invalidUsageLocation();
      for (const a of adds) {
        if (u.licenses.some((l) => l.skuId === a.skuId) || removes.includes(a.skuId)) continue;
        const s = ctx.store.sku(a.skuId)!;
        if (ctx.store.consumedUnits(a.skuId) + 1 > s.prepaidUnits.enabled) throw graphErrors.noSeatsLeft(a.skuId);
      }
      // Apply removal and addition in one step, as the service does (licence swaps).
      const now = Date.now();
      const kept: LicenceRec[] = u.licenses.filter((l) => !removes.includes(l.skuId));
      for (const a of adds) {
        const existing = kept.find((l) => l.skuId === a.skuId);
        if (existing) existing.disabledPlans = a.disabledPlans;
        else kept.push({ skuId: a.skuId, disabledPlans: a.disabledPlans, assignedAtMs: now });
      }
      u.licenses = kept;
      // The documented response is the user with its licences (assignedLicenses, assignedPlans, …).
      return {
        status: 200,
        body: { "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#users/$entity`, ...userView(ctx, u) },
        audit: { target: u.id, number: null },
      };
    },
  },
];
