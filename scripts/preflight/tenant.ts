/**
 * Every tenant access of the preflight, in one place, READS ONLY: tokens, Graph lookups through
 * the provider's tenant layer (`tenantParts`: Graph users, licences, numbers) and one
 * Get-CsOnlineApplicationInstance listing through the provider's Teams cmdlets.
 */
import type { HostReady } from "../../protocol/host-protocol";
import { CALL_PERMISSIONS, TEAMS_ADMIN_SCOPE } from "../../provider/access/index";
import type { TenantSettings } from "../../provider/settings";
import {
  closeTenants,
  odataString,
  tenantParts,
  type NumberAssignment,
  type SubscribedSku,
  type TenantUser,
} from "../../provider/tenant/index";

/** The claims of an access token the preflight reads (never the signature: the service checks that). */
export interface TokenClaims {
  /** Application permissions; none when the claim is absent (it is present only when it has a value). */
  roles: string[];
  /**
   * Directory role template ids; undefined when the token has no `wids` claim, which Microsoft
   * allows ("an application shouldn't take a dependency on a claim being present"): then the
   * token says nothing about the roles.
   */
  wids: string[] | undefined;
}

/** What the preflight may ask of a tenant. Nothing here changes the tenant. */
export interface PreflightTenant {
  graphClaims(): Promise<TokenClaims>;
  teamsClaims(): Promise<TokenClaims>;
  getUser(upn: string): Promise<TenantUser | undefined>;
  listLicenseSkuPartNumbers(userId: string): Promise<string[] | undefined>;
  listSubscribedSkus(): Promise<SubscribedSku[]>;
  getNumberAssignment(telephoneNumber: string): Promise<NumberAssignment | undefined>;
  /** True when the tenant has a service principal for this app id (GET /servicePrincipals?$filter=appId eq '…'). */
  hasServicePrincipal(appId: string): Promise<boolean>;
  /**
   * Starts the PowerShell host and lists the tenant's resource accounts (Get-CsOnlineApplicationInstance
   * without -Identity, app-only: its example 4 "returns the details of all application instances").
   * A listing has no "not found": on a first run, when no bot's account exists yet, it answers all
   * the same; `instances` is how many it listed.
   */
  probeTeams(): Promise<{ ready: HostReady | undefined; instances?: number; error?: unknown }>;
  close(): Promise<void>;
}

/** Decodes the payload of a JWT access token (claims only). */
export function claimsOf(accessToken: string): TokenClaims {
  const part = accessToken.split(".")[1];
  if (!part) return { roles: [], wids: undefined };
  const payload = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as { roles?: unknown; wids?: unknown };
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  return { roles: list(payload.roles), wids: Array.isArray(payload.wids) ? list(payload.wids) : undefined };
}

/** The preflight's tenant access for these settings. */
export function preflightTenant(settings: TenantSettings): PreflightTenant {
  const { tokens, graph, host, teams } = tenantParts(settings);
  return {
    graphClaims: async () => claimsOf((await tokens.graphToken()).accessToken),
    teamsClaims: async () => claimsOf((await tokens.token(TEAMS_ADMIN_SCOPE)).accessToken),
    getUser: (upn) => graph.users.get(upn),
    listLicenseSkuPartNumbers: async (userId) => (await graph.licences.details(userId))?.map((l) => l.skuPartNumber),
    listSubscribedSkus: () => graph.licences.subscribedSkus(),
    getNumberAssignment: (n) => graph.numbers.get(n),
    hasServicePrincipal: async (appId) =>
      (
        await graph.client.list<{ appId?: string }>("/servicePrincipals", {
          permission: CALL_PERMISSIONS.servicePrincipals,
          filter: `appId eq ${odataString(appId)}`,
          maxPages: 1,
        })
      ).length > 0,
    async probeTeams() {
      try {
        const instances = await teams.listApplicationInstances();
        return { ready: host.ready, instances: instances.length };
      } catch (error) {
        return { ready: host.ready, error };
      }
    },
    async close() {
      await closeTenants();
    },
  };
}
