/**
 * What a call needs beyond the account, licence and number, declared per bot: the bot's Entra app
 * with its calling permissions and a credential (`createApp`, @pulumi/azuread), its Azure Bot with
 * the Teams channel's calling on (`azureBot`, @pulumi/azure-native), outbound calling (`outboundCalling`:
 * the Pay-As-You-Go Calling Plan licence or the voice routing policy), and the `callingReady` output
 * that says which piece is still missing. Both Pulumi packages are optional peer dependencies,
 * loaded only by stacks that use them.
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";

import { CallingPlanLicence, VoiceRoutingPolicyAssignment } from "../provider";
import { CALLING_BOT_PERMISSIONS, GROUP_CALL_PERMISSION } from "../provider/access/index";
import type { AzureBotsConfig, BotConfig } from "./config";

/** Microsoft Graph's well-known application id. */
const MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

/** An optional peer dependency, or a RunError naming the bot, the field and the install command. */
function loadPeer<T>(pkg: string, version: string, bot: BotConfig, field: string): T {
  try {
    return require(pkg) as T;
  } catch (e) {
    if ((e as { code?: string }).code !== "MODULE_NOT_FOUND") throw e;
    throw new pulumi.RunError(
      `${bot.name}: ${field} is declared with ${pkg}, which this stack repository does not have: ` +
        `run npm install ${pkg}@${version} (or remove ${field} from the bot). Nothing was changed.`,
    );
  }
}

type Azuread = typeof import("@pulumi/azuread");
type AzureNative = typeof import("@pulumi/azure-native");

/** What the stack exports of a created app's credential (a secret output). */
export interface AppCredentialOutput {
  kind: "federated" | "certificate" | "password";
  clientId: string;
  /** federated: what the hosting identity's token must carry. */
  issuer?: string;
  subject?: string;
  /** certificate: the key id Entra gave it; password: the secret itself. */
  keyId?: string;
  clientSecret?: string;
}

/** The app createApp makes: its client id, and its credential when one is asked for. */
export interface CreatedApp {
  clientId: pulumi.Output<string>;
  credential?: pulumi.Output<AppCredentialOutput>;
}

/**
 * Creates the bot's Entra app, its service principal, the Graph app-role assignments a calling bot
 * needs (with `groupCalls`, Calls.InitiateGroupCall.All too) and the credential chosen in config.
 */
export function createBotApp(bot: BotConfig, parent: pulumi.Resource): CreatedApp {
  const azuread = loadPeer<Azuread>("@pulumi/azuread", "^6.9.1", bot, "createApp");
  const opts = { parent };
  const app = new azuread.Application(
    `${bot.name}-app`,
    { displayName: bot.createApp?.displayName ?? bot.displayName },
    opts,
  );
  const principal = new azuread.ServicePrincipal(`${bot.name}-sp`, { clientId: app.clientId }, opts);
  const graph = azuread.getServicePrincipalOutput({ clientId: MICROSOFT_GRAPH_APP_ID }, opts);
  const permissions = [...CALLING_BOT_PERMISSIONS, ...(bot.createApp?.groupCalls ? [GROUP_CALL_PERMISSION] : [])];
  for (const permission of permissions) {
    new azuread.AppRoleAssignment(
      `${bot.name}-${permission.toLowerCase().replace(/\./g, "-")}`,
      {
        appRoleId: graph.appRoleIds[permission]!,
        principalObjectId: principal.objectId,
        resourceObjectId: graph.objectId,
      },
      opts,
    );
  }
  return { clientId: app.clientId, credential: appCredential(azuread, bot, app, opts) };
}

/** The credential the bot's code signs in with, as config chose it; a secret output. */
function appCredential(
  azuread: Azuread,
  bot: BotConfig,
  app: import("@pulumi/azuread").Application,
  opts: pulumi.CustomResourceOptions,
): pulumi.Output<AppCredentialOutput> | undefined {
  const c = bot.createApp?.credential;
  if (!c) return undefined;
  if (c.kind === "federated") {
    new azuread.ApplicationFederatedIdentityCredential(
      `${bot.name}-federated`,
      {
        applicationId: app.id,
        displayName: `${bot.name}-hosting-identity`,
        description: "The identity the bot's code runs under (teams-bot-numbers createApp.credential)",
        issuer: c.issuer!,
        subject: c.subject!,
        audiences: c.audiences!,
      },
      opts,
    );
    return pulumi.secret(
      app.clientId.apply((clientId) => ({ kind: c.kind, clientId, issuer: c.issuer!, subject: c.subject! })),
    );
  }
  if (c.kind === "certificate") {
    let pem: string;
    try {
      pem = fs.readFileSync(c.certificateFile!, "utf8");
    } catch (e) {
      throw new pulumi.RunError(
        `${bot.name}: createApp.credential.certificateFile ${c.certificateFile} cannot be read (${(e as Error).message}). Nothing was changed.`,
      );
    }
    const cert = new azuread.ApplicationCertificate(
      `${bot.name}-certificate`,
      { applicationId: app.id, type: "AsymmetricX509Cert", encoding: "pem", value: pem, endDate: c.endDate },
      opts,
    );
    return pulumi.secret(
      pulumi.all([app.clientId, cert.keyId]).apply(([clientId, keyId]) => ({ kind: c.kind, clientId, keyId })),
    );
  }
  const password = new azuread.ApplicationPassword(
    `${bot.name}-password`,
    { applicationId: app.id, displayName: `${bot.name} calling bot`, endDate: c.endDate },
    opts,
  );
  return pulumi.secret(
    pulumi
      .all([app.clientId, password.keyId, password.value])
      .apply(([clientId, keyId, clientSecret]) => ({ kind: c.kind, clientId, keyId, clientSecret })),
  );
}

/** The Azure Bots of a stack: one per app id (bots sharing an app share it), under one explicit provider. */
export class AzureBots {
  private azure: AzureNative | undefined;
  private provider: pulumi.ProviderResource | undefined;
  private readonly declared = new Map<string, pulumi.Output<string>>();

  constructor(
    private readonly config: AzureBotsConfig | undefined,
    /** The directory the bots' apps live in (msaAppTenantId: single-tenant bots). */
    private readonly tenantId: string | undefined,
  ) {}

  /** Declares the bot's Azure Bot and its Teams channel with calling on (once per Azure Bot name). */
  declare(bot: BotConfig, appId: pulumi.Input<string>, parent: pulumi.Resource): void {
    const a = bot.azureBot;
    if (!a || !this.config || this.declared.has(a.name)) return;
    if (!this.tenantId)
      throw new pulumi.RunError(
        `${bot.name}: azureBot registers a single-tenant Azure Bot, which needs the tenant id: set teams-bot-numbers:tenantId (or AZURE_TENANT_ID). Nothing was changed.`,
      );
    const azure = (this.azure ??= loadPeer<AzureNative>("@pulumi/azure-native", "^3.28.0", bot, "azureBot"));
    this.provider ??= new azure.Provider("azure-bots", { subscriptionId: this.config.subscriptionId });
    const opts = { parent, provider: this.provider };
    const { resourceGroupName, location } = this.config;
    const registration = new azure.botservice.Bot(
      `${bot.name}-azure-bot`,
      {
        resourceGroupName,
        resourceName: a.name,
        location,
        kind: "azurebot",
        sku: { name: "F0" },
        properties: {
          displayName: bot.displayName,
          endpoint: a.messagingEndpoint,
          msaAppId: appId,
          msaAppType: "SingleTenant",
          msaAppTenantId: this.tenantId,
        },
      },
      opts,
    );
    const channel = new azure.botservice.Channel(
      `${bot.name}-teams-channel`,
      {
        resourceGroupName,
        resourceName: a.name,
        channelName: "MsTeamsChannel",
        location,
        properties: {
          channelName: "MsTeamsChannel",
          properties: { isEnabled: true, enableCalling: true, callingWebhook: a.callingWebhook, acceptedTerms: true },
        },
      },
      { ...opts, dependsOn: [registration] },
    );
    this.declared.set(a.name, channel.id);
  }
}

/** Declares what outbound calls from the bot's number need (after the account's licence). */
export function declareOutbound(
  bot: BotConfig,
  label: string,
  instanceId: pulumi.Output<string>,
  opts: pulumi.CustomResourceOptions,
): CallingPlanLicence | VoiceRoutingPolicyAssignment | undefined {
  const o = bot.outboundCalling;
  if (o?.callingPlan)
    return new CallingPlanLicence(
      `${bot.name}-calling-plan`,
      {
        userId: instanceId,
        servicePlanName: o.callingPlan,
        provisioningTimeoutMinutes: bot.provisioningTimeoutMinutes,
        bot: label,
      },
      opts,
    );
  if (o?.voiceRoutingPolicy)
    return new VoiceRoutingPolicyAssignment(
      `${bot.name}-voice-routing`,
      { instanceId, policyName: o.voiceRoutingPolicy, bot: label },
      opts,
    );
  return undefined;
}
