/**
 * Graph service principals, read only: GET /servicePrincipals with `$filter` on appId / id /
 * displayName (eq). Enough for the preflight's "does the bot's app id have a service principal in
 * this tenant". Source: microsoft-graph-docs-contrib api-reference/v1.0/api/serviceprincipal-list.md
 * (permissions: Application.Read.All, Application.ReadWrite.All, Directory.Read.All; response
 * `value` of servicePrincipal objects), serviceprincipal-get.md.
 */
import { EmulatorContext } from "../context";
import { matches, parseFilter } from "./odata-filter";
import { GraphRoute } from "./route";

const SP_READ = ["Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];

/** Every service principal of the tenant: the registered apps' and the fixture's other ones. */
function servicePrincipals(ctx: EmulatorContext): Record<string, unknown>[] {
  const s = ctx.store.state;
  const own = s.apps.map((a) => ({ id: a.servicePrincipalId, appId: a.clientId, displayName: a.displayName }));
  return [...own, ...(s.servicePrincipals ?? [])].map((sp) => ({
    id: sp.id,
    accountEnabled: true,
    appId: sp.appId,
    appDisplayName: sp.displayName,
    displayName: sp.displayName,
    servicePrincipalType: "Application",
  }));
}

/** The service-principal routes. */
export const servicePrincipalRoutes: GraphRoute[] = [
  {
    method: "GET",
    path: "/servicePrincipals",
    roles: SP_READ,
    handler: ({ ctx, req }) => {
      const filter = req.query.get("$filter");
      const clauses = filter ? parseFilter(filter, { properties: ["appId", "id", "displayName"] }) : [];
      const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
      const value = servicePrincipals(ctx).filter((v) => clauses.every((c) => matches(c, v, same)));
      return {
        status: 200,
        body: { "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#servicePrincipals`, value },
      };
    },
  },
];
