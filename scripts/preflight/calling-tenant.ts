/**
 * Every read of the calling readiness, READS ONLY: Graph (users, licences, numbers, service
 * principals) and Teams cmdlets (Get-CsOnlineApplicationInstance, Get-CsOnlineUser) through the
 * provider's tenant layer, and the Azure Bots over Azure Resource Manager (botServices list and the
 * MsTeamsChannel GET of api-version 2022-09-15, azure-rest-api-specs specification/botservice).
 */
import type { TenantSettings } from "../../provider/settings";
import {
  closeTenants,
  tenantParts,
  type LicenceDetail,
  type NumberAssignment,
  type TeamsInstance,
  type TenantUser,
} from "../../provider/tenant/index";
import type { AzureBotsConfig } from "../../stacks/config";
import { preflightTenant } from "./tenant";

/** An Azure Bot as the readiness needs it. */
export interface AzureBotView {
  /** Its ARM id. */
  id: string;
  name: string;
  msaAppId: string;
}

/** The Teams channel's calling settings (`properties.properties` of the MsTeamsChannel). */
export interface TeamsChannelView {
  isEnabled?: boolean;
  enableCalling?: boolean;
  callingWebhook?: string;
}

/** What the readiness may ask of the tenant and of Azure. Nothing here changes either. */
export interface CallingTenant {
  getUser(upn: string): Promise<TenantUser | undefined>;
  getApplicationInstance(upn: string): Promise<TeamsInstance | undefined>;
  licenceDetails(userId: string): Promise<LicenceDetail[] | undefined>;
  getNumberAssignment(telephoneNumber: string): Promise<NumberAssignment | undefined>;
  hasServicePrincipal(appId: string): Promise<boolean>;
  getVoiceRoutingPolicyOf(identity: string): Promise<{ policyName: string | null } | undefined>;
  listAzureBots(where: AzureBotsConfig): Promise<AzureBotView[]>;
  /** The bot's MsTeamsChannel, undefined when it has none. */
  getTeamsChannel(botId: string): Promise<TeamsChannelView | undefined>;
  close(): Promise<void>;
}

/** The Bot Service api-version the readiness reads. */
export const BOT_SERVICE_API_VERSION = "2022-09-15";

/** ARM's token scope: Azure's public cloud's, unless armUrl is a sovereign cloud's own management host. */
export function armScope(armUrl: string): string {
  const host = new URL(armUrl).hostname;
  return /^management\.(usgovcloudapi\.net|chinacloudapi\.cn)$/.test(host)
    ? `https://${host}/.default`
    : "https://management.azure.com/.default";
}

/** The readiness reads for these settings; ARM at `armUrl`. */
export function callingTenant(settings: TenantSettings, armUrl: string): CallingTenant {
  const { tokens, graph, teams } = tenantParts(settings);
  const base = preflightTenant(settings);
  const arm = async <T>(path: string): Promise<T | undefined> => {
    const { accessToken } = await tokens.token(armScope(armUrl));
    const url = path.startsWith("https://") ? path : `${armUrl}${path}?api-version=${BOT_SERVICE_API_VERSION}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
    if (res.status === 404) return undefined;
    const text = await res.text();
    if (!res.ok) {
      const e = (JSON.parse(text || "{}") as { error?: { code?: string; message?: string } }).error;
      throw new Error(`GET ${url.split("?")[0]} answered ${res.status} ${e?.code ?? ""}: ${e?.message ?? text}`);
    }
    return JSON.parse(text) as T;
  };
  type BotPage = { value: { id: string; name: string; properties?: { msaAppId?: string } }[]; nextLink?: string };
  return {
    getUser: (upn) => graph.users.get(upn),
    getApplicationInstance: (upn) => teams.getApplicationInstance(upn),
    licenceDetails: (userId) => graph.licences.details(userId),
    getNumberAssignment: (n) => graph.numbers.get(n),
    hasServicePrincipal: (appId) => base.hasServicePrincipal(appId),
    getVoiceRoutingPolicyOf: (identity) => teams.getVoiceRoutingPolicyOf(identity),
    async listAzureBots(where) {
      const bots: AzureBotView[] = [];
      let next: string | undefined =
        `/subscriptions/${where.subscriptionId}/resourceGroups/${where.resourceGroupName}/providers/Microsoft.BotService/botServices`;
      while (next) {
        const page: BotPage | undefined = await arm<BotPage>(next);
        if (!page)
          throw new Error(
            `the resource group ${where.resourceGroupName} was not found in subscription ${where.subscriptionId}`,
          );
        for (const b of page.value) bots.push({ id: b.id, name: b.name, msaAppId: b.properties?.msaAppId ?? "" });
        next = page.nextLink;
      }
      return bots;
    },
    async getTeamsChannel(botId) {
      const c = await arm<{ properties?: { properties?: TeamsChannelView } }>(`${botId}/channels/MsTeamsChannel`);
      return c ? (c.properties?.properties ?? {}) : undefined;
    },
    close: () => closeTenants(),
  };
}
