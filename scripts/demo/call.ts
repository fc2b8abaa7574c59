/**
 * The demo's last step (issue 21): a call reaches a bot. After `up`, the first bot with a number gets
 * what `azureBot` declares on a real subscription — an Azure Bot with its app id and a Teams channel
 * with calling on — registered in the emulator's Azure Resource Manager (the `@pulumi/azure-native`
 * provider plugin cannot be downloaded here), pointing at a small HTTPS receiver on this machine. The
 * emulator then places a synthetic incoming call to the bot's number: it follows number → resource
 * account → app id → Azure Bot → Teams channel and POSTs Graph's incoming-call notification to the
 * webhook, which prints it. docs/calling-readiness.md, docs/emulator.md "The calling chain".
 *
 * Run by scripts/demo.ts in a process of its own, so that it trusts the emulator's CA
 * (NODE_EXTRA_CA_CERTS is read only at start-up); the deployer's secret comes in AZURE_CLIENT_SECRET:
 *   node dist/scripts/demo/call.js <url> <tenant id> <client id> <bot name> <app id> <number>
 */
import * as https from "https";
import { AddressInfo } from "net";
import * as path from "path";
import { ConfidentialClientApplication } from "@azure/msal-node";

import { issueServerCert, loadCa } from "../../emulator/certs";

/** Where the default fixture seeds the subscription and resource group the deployer may write. */
const SUBSCRIPTION = "7c0e4b2a-9d1f-4e3a-8b5c-6a7d8e9f0a31";
const RESOURCE_GROUP = "rg-teams-bots";
const ARM_API_VERSION = "2022-09-15";
/** The caller the synthetic call comes from. */
const CALLER = "+12065550123";

export interface DemoTenant {
  url: string;
  caPath: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface DemoBot {
  name: string;
  appId: string;
  phoneNumber: string;
}

interface Receiver {
  url: string;
  received: Promise<unknown>;
  close(): void;
}

/** An HTTPS receiver (certificate from the emulator's CA) that resolves with the first notification. */
async function receiver(caPath: string): Promise<Receiver> {
  const cert = issueServerCert(loadCa(path.dirname(caPath)));
  let deliver: (body: unknown) => void = () => undefined;
  const received = new Promise<unknown>((resolve) => (deliver = resolve));
  const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString("utf8")));
    req.on("end", () => {
      res.writeHead(202).end();
      deliver(JSON.parse(text));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `https://localhost:${(server.address() as AddressInfo).port}/api/calling/`,
    received,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
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

/** Registers the bot's Azure Bot and Teams calling channel over ARM, as the deployer. */
async function registerAzureBot(t: DemoTenant, bot: DemoBot, webhook: string): Promise<void> {
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: t.clientId,
      clientSecret: t.clientSecret,
      authority: `${t.url}/${t.tenantId}`,
      knownAuthorities: [new URL(t.url).host],
    },
  });
  const token = (await msal.acquireTokenByClientCredential({ scopes: ["https://management.azure.com/.default"] }))
    ?.accessToken;
  const id = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.BotService/botServices/${bot.name}`;
  const arm = (p: string, body: unknown): Promise<unknown> =>
    request(`${t.url}${p}?api-version=${ARM_API_VERSION}`, "PUT", body, token);
  await arm(id, {
    location: "global",
    kind: "azurebot",
    sku: { name: "F0" },
    properties: {
      displayName: bot.name,
      endpoint: `${webhook.replace(/calling\/$/, "messages")}`,
      msaAppId: bot.appId,
      msaAppType: "SingleTenant",
      msaAppTenantId: t.tenantId,
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
export async function demoCall(t: DemoTenant, bot: DemoBot, log: (line: string) => void = console.log): Promise<void> {
  const hook = await receiver(t.caPath);
  try {
    await registerAzureBot(t, bot, hook.url);
    log(`Azure Bot "${bot.name}" (msaAppId ${bot.appId}) with Teams calling → ${hook.url} (emulator ARM)`);
    const report = (await request(`${t.url}/_emulator/admin/incomingCall`, "POST", {
      telephoneNumber: bot.phoneNumber,
      from: CALLER,
    })) as { delivered: boolean; missing?: string; error?: string };
    if (!report.delivered)
      throw new Error(`the call to ${bot.phoneNumber} did not reach ${bot.name}: ${report.missing ?? report.error}`);
    const note = (await hook.received) as {
      value: { changeType: string; resourceUrl: string; resourceData: { state: string } }[];
    };
    const call = note.value[0]!;
    log(
      `call ${CALLER} → ${bot.phoneNumber} reached ${bot.name}'s webhook: ${call.changeType}, state ${call.resourceData.state} (${call.resourceUrl})`,
    );
  } finally {
    hook.close();
  }
}

if (require.main === module) {
  const [url, tenantId, clientId, name, appId, phoneNumber] = process.argv.slice(2) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const tenant = {
    url,
    tenantId,
    clientId,
    clientSecret: process.env.AZURE_CLIENT_SECRET ?? "",
    caPath: process.env.NODE_EXTRA_CA_CERTS ?? "",
  };
  demoCall(tenant, { name, appId, phoneNumber }).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
