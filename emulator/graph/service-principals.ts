/**
 * Graph service principals, read only: list (with the directory query rules of graph/directory.ts),
 * `/servicePrincipals/$count`, GET by id and by the `appId` alternate key. Every app registration
 * of the tenant (managed identities included) has one, and so has each of the fixture's other
 * applications (`servicePrincipals[]`, e.g. the bots' apps). Sources:
 * microsoft-graph-docs-contrib api-reference/v1.0/api/serviceprincipal-list.md (permissions,
 * `$search`/`$count`/`$filter`, ConsistencyLevel), api/serviceprincipal-get.md (id or appId;
 * "A service principal can retrieve its own … service principal details without being granted any
 * application permissions"), resources/serviceprincipal.md (properties, relationships).
 */
import { EmulatorContext } from "../context";
import { AccessClaims } from "../tokens";
import { countDirectory, DirectoryCollection, listDirectory, readDirectoryObject } from "./directory";
import { EntityProp, EntityType, fullView } from "./entity";
import { graphErrors } from "./errors";
import { directoryQuery } from "./query";
import { GraphRoute } from "./route";

const SP_READ = ["Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];

const p = (kind: EntityProp["kind"], extra: Partial<EntityProp> = {}): EntityProp => ({
  kind,
  byDefault: true,
  ...extra,
});

/** The servicePrincipal entity type (resources/serviceprincipal.md, v1.0). */
export const SERVICE_PRINCIPAL_TYPE: EntityType = {
  name: "microsoft.graph.servicePrincipal",
  resource: "ServicePrincipal",
  properties: {
    id: p("string"),
    deletedDateTime: p("dateTime"),
    accountEnabled: p("boolean"),
    addIns: p("objects"),
    alternativeNames: p("strings"),
    appDescription: p("string"),
    appDisplayName: p("string"),
    appId: p("string"),
    applicationTemplateId: p("string"),
    appOwnerOrganizationId: p("string"),
    appRoleAssignmentRequired: p("boolean"),
    appRoles: p("objects"),
    customSecurityAttributes: { kind: "object" },
    description: p("string"),
    disabledByMicrosoftStatus: p("string"),
    displayName: p("string"),
    homepage: p("string"),
    info: p("object"),
    keyCredentials: p("objects"),
    loginUrl: p("string"),
    logoutUrl: p("string"),
    notes: p("string"),
    notificationEmailAddresses: p("strings"),
    oauth2PermissionScopes: p("objects"),
    passwordCredentials: p("objects"),
    preferredSingleSignOnMode: p("string"),
    publisherName: p("string"),
    replyUrls: p("strings"),
    resourceSpecificApplicationPermissions: p("objects"),
    samlSingleSignOnSettings: p("object"),
    servicePrincipalNames: p("strings"),
    servicePrincipalType: p("string"),
    signInAudience: p("string"),
    tags: p("strings"),
    tokenEncryptionKeyId: p("string"),
    verifiedPublisher: p("object"),
  },
  filter: {
    eq: [
      "id",
      "appId",
      "displayName",
      "accountEnabled",
      "servicePrincipalType",
      "appOwnerOrganizationId",
      "publisherName",
      "appDisplayName",
      "preferredSingleSignOnMode",
    ],
    startswith: ["appId", "displayName", "servicePrincipalType", "publisherName"],
    endswith: [],
    collections: ["servicePrincipalNames", "tags", "alternativeNames", "notificationEmailAddresses"],
  },
  // aad-advanced-queries.md: `$orderby` on service principals is an advanced query (example `applications?$orderby=displayName&$count=true`).
  orderby: { byDefault: [], advanced: ["displayName"] },
  tokenized: ["displayName", "description"],
  relationships: {
    owners: "collection",
    ownedObjects: "collection",
    createdObjects: "collection",
    oauth2PermissionGrants: "collection",
    claimsMappingPolicies: "collection",
    homeRealmDiscoveryPolicies: "collection",
    tokenIssuancePolicies: "collection",
    tokenLifetimePolicies: "collection",
    // The directory roles and Graph app roles the emulator grants are not modelled as objects.
    memberOf: "notModelled",
    transitiveMemberOf: "notModelled",
    appRoleAssignments: "notModelled",
    appRoleAssignedTo: "notModelled",
  },
};

/** Every service principal of the tenant as its full Graph view. */
function servicePrincipals(ctx: EmulatorContext): Record<string, unknown>[] {
  const s = ctx.store.state;
  const own = s.apps.map((a) =>
    fullView(SERVICE_PRINCIPAL_TYPE, {
      id: a.servicePrincipalId,
      appId: a.clientId,
      displayName: a.displayName,
      appDisplayName: a.displayName,
      appOwnerOrganizationId: a.managedIdentity ? null : s.tenant.id,
      servicePrincipalType: a.managedIdentity ? "ManagedIdentity" : "Application",
      servicePrincipalNames: a.managedIdentityResourceId ? [a.clientId, a.managedIdentityResourceId] : [a.clientId],
      alternativeNames: a.managedIdentityResourceId ? [a.managedIdentityResourceId] : [],
      signInAudience: a.managedIdentity ? null : "AzureADMyOrg",
    }),
  );
  const others = (s.servicePrincipals ?? []).map((sp) =>
    fullView(SERVICE_PRINCIPAL_TYPE, {
      id: sp.id,
      appId: sp.appId,
      displayName: sp.displayName,
      appDisplayName: sp.displayName,
      servicePrincipalType: "Application",
      servicePrincipalNames: [sp.appId],
    }),
  );
  const defaults = {
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    info: { termsOfServiceUrl: null, supportUrl: null, privacyStatementUrl: null, marketingUrl: null, logoUrl: null },
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
  };
  return [...own, ...others].map((v) => ({ ...v, ...defaults }));
}

const collection = (ctx: EmulatorContext): DirectoryCollection => ({
  type: SERVICE_PRINCIPAL_TYPE,
  views: servicePrincipals(ctx),
  path: "servicePrincipals",
});

/** One service principal by id or appId, readable by a holder of SP_READ or by itself (serviceprincipal-get.md). */
function servicePrincipal(
  ctx: EmulatorContext,
  claims: AccessClaims,
  by: "id" | "appId",
  key: string,
): Record<string, unknown> {
  const sp = servicePrincipals(ctx).find((v) => String(v[by]).toLowerCase() === key.toLowerCase());
  const self = sp !== undefined && sp.id === claims.oid;
  if (!self && !SP_READ.some((r) => claims.roles.includes(r))) throw graphErrors.forbidden();
  if (!sp) throw graphErrors.objectNotFound(key);
  return sp;
}

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
const GET_QUERY = directoryQuery("$select", "$expand");

/** The service-principal routes. */
export const servicePrincipalRoutes: GraphRoute[] = [
  {
    method: "GET",
    path: "/servicePrincipals",
    roles: SP_READ,
    query: LIST_QUERY,
    handler: ({ ctx, query }) => listDirectory(ctx, query, collection(ctx)),
  },
  {
    method: "GET",
    path: "/servicePrincipals/$count",
    roles: SP_READ,
    query: directoryQuery("$filter", "$search"),
    handler: ({ ctx, query }) => countDirectory(query, collection(ctx)),
  },
  {
    method: "GET",
    path: "/servicePrincipals/{id}",
    // Permission checked by the handler: a service principal may read itself without one.
    roles: null,
    query: GET_QUERY,
    handler: ({ ctx, query, params, claims }) =>
      readDirectoryObject(
        ctx,
        query,
        SERVICE_PRINCIPAL_TYPE,
        servicePrincipal(ctx, claims, "id", params.id!),
        "servicePrincipals",
      ),
  },
  {
    method: "GET",
    path: "/servicePrincipals(appId={appId})",
    roles: null,
    query: GET_QUERY,
    handler: ({ ctx, query, params, claims }) =>
      readDirectoryObject(
        ctx,
        query,
        SERVICE_PRINCIPAL_TYPE,
        servicePrincipal(ctx, claims, "appId", params.appId!),
        "servicePrincipals",
      ),
  },
];
