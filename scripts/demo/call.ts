/**
 * The demo's last step (issue 21): a call reaches a bot. After `up`, the first bot with a number gets
 * what `azureBot` declares on a real subscription — an Azure Bot with its app id and a Teams channel
 * with calling on — registered in the emulator's Azure Resource Manager (the `@pulumi/azure-native`
 * provider plugin cannot be downloaded here), pointing at a webhook receiver on this machine. The
 * emulator then places a synthetic incoming call to the bot's number: it follows number → resource
 * account → app id → Azure Bot → Teams channel and POSTs Graph's incoming-call notification to the
 * webhook, which prints it. docs/calling-readiness.md, docs/emulator.md "The calling chain".
 *
 * Run by scripts/demo.ts in a process of its own, so that it trusts the emulator's CA
 * (NODE_EXTRA_CA_CERTS is read only at start-up). It signs in as the dev stack does: Pulumi.dev.yaml's
 * settings, the deployer's secret in AZURE_CLIENT_SECRET:
 *   node dist/scripts/demo/call.js <emulator url> <bot name> <app id> <number>
 */
import * as path from "path";

import { loadFixture } from "../../emulator";
import { webhookReceiver } from "../../emulator/calling/webhook-receiver";
import { loadCa } from "../../emulator/certs";
import { resolveTenantSettings } from "../../provider/settings";
import { closeTenants, tenantParts } from "../../provider/tenant/index";
import { armScope, BOT_SERVICE_API_VERSION } from "../preflight/calling-tenant";
import { devStackSetting } from "./dev-stack";

/** The caller the synthetic call comes from. */
const CALLER = "+12065550123";

export interface DemoBot {
  name: string;
  appId: string;
  phoneNumber: string;
}

async function request(url: string, method: string, body: unknown, token?: string): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/** Registers the bot's Azure Bot and Teams calling channel over ARM, as the deployer, in the fixture's resource group. */
async function registerAzureBot(url: string, bot: DemoBot, webhook: string): Promise<void> {
  const settings = resolveTenantSettings(devStackSetting);
  const { accessToken } = await tenantParts(settings).tokens.token(armScope(url));
  const group = loadFixture().azure.resourceGroups[0]!;
  const id = `/subscriptions/${group.subscriptionId}/resourceGroups/${group.name}/providers/Microsoft.BotService/botServices/${bot.name}`;
  const arm = (p: string, body: unknown): Promise<unknown> =>
    request(`${url}${p}?api-version=${BOT_SERVICE_API_VERSION}`, "PUT", body, accessToken);
  await arm(id, {
    location: "global",
    kind: "azurebot",
    sku: { name: "F0" },
    properties: {
      displayName: bot.name,
      endpoint: webhook.replace(/calling\/$/, "messages"),
      msaAppId: bot.appId,
      msaAppType: "SingleTenant",
      msaAppTenantId: settings.tenantId,
    },
  });
  await arm(`${id}/channels/MsTeamsChannel`, {
    location: "global",
    properties: {
      channelName: "MsTeamsChannel",
      properties: { isEnabled: true, enableCalling: true, callingWebhook: webhook, acceptedTerms: true },
    },
  });
}

/** Registers the bot's calling chain, calls its number, prints what reached the webhook. */
export async function demoCall(
  url: string,
  caPath: string,
  bot: DemoBot,
  log: (line: string) => void = console.log,
): Promise<void> {
  const hook = await webhookReceiver(loadCa(path.dirname(caPath)));
  try {
    const webhook = `${hook.url}/`;
    await registerAzureBot(url, bot, webhook);
    log(`Azure Bot "${bot.name}" (msaAppId ${bot.appId}) with Teams calling → ${webhook} (emulator ARM)`);
    // The emulator answers once the webhook has: the notification is in hook.received by then.
    const report = (await request(`${url}/_emulator/admin/incomingCall`, "POST", {
      telephoneNumber: bot.phoneNumber,
      from: CALLER,
    })) as { delivered: boolean; missing?: string; error?: string };
    const call = hook.received[0]?.body?.value?.[0] as
      { changeType: string; resourceUrl: string; resourceData: { state: string } } | undefined;
    if (!report.delivered || !call)
      throw new Error(`the call to ${bot.phoneNumber} did not reach ${bot.name}: ${report.missing ?? report.error}`);
    log(
      `call ${CALLER} → ${bot.phoneNumber} reached ${bot.name}'s webhook: ${call.changeType}, state ${call.resourceData.state} (${call.resourceUrl})`,
    );
  } finally {
    await hook.close();
    await closeTenants();
  }
}

if (require.main === module) {
  const [url, name, appId, phoneNumber] = process.argv.slice(2) as [string, string, string, string];
  demoCall(url, process.env.NODE_EXTRA_CA_CERTS ?? "", { name, appId, phoneNumber }).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
