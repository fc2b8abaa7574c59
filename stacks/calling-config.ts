/**
 * The calling fields of a bot (stack config): its Azure Bot registration with Teams calling
 * (`azureBot`, with the stack's `teams-bot-numbers:azureBots`), outbound PSTN calling
 * (`outboundCalling`) and the credential of an app the stack creates (`createApp.credential`).
 * Shapes here, used by the one bot schema (config.ts); rules checked purely, each problem naming
 * its path, before anything is declared.
 */
import { z } from "zod";

import { TOKEN_EXCHANGE_AUDIENCE } from "../provider/access/index";
import { normalizeGuid, normalizePaygServicePlan, normalizePolicyName, type NumberType } from "../provider/validate";

/** A bot's Azure Bot registration with Teams calling (declared with @pulumi/azure-native). */
export const azureBotShape = z
  .object({
    /** Where Teams posts incoming calls: https (registering-calling-bot.md), stored as written. */
    callingWebhook: z.string(),
    /** The Bot Framework messaging endpoint (the Azure Bot's required `endpoint`). */
    messagingEndpoint: z.string(),
    /** The Azure Bot's resource name (a bot handle, unique across Azure); default the bot's name. */
    name: z.string().optional(),
  })
  .strict();

/** Outbound PSTN calls: the Pay-As-You-Go licence (Calling Plan numbers) or the voice routing policy (Direct Routing). */
export const outboundCallingShape = z
  .object({ callingPlan: z.string().optional(), voiceRoutingPolicy: z.string().optional() })
  .strict();

/** How the bot's code signs in as the app createApp makes: one credential, chosen by `kind`. */
export const appCredentialShape = z
  .object({
    kind: z.enum(["federated", "certificate", "password"]),
    /** federated: the issuer and subject of the identity the bot runs under (e.g. its managed identity). */
    issuer: z.string().optional(),
    subject: z.string().optional(),
    audiences: z.array(z.string()).optional(),
    /** certificate: a PEM file with the public certificate. */
    certificateFile: z.string().optional(),
    /** certificate or password: when it expires (RFC 3339). */
    endDate: z.string().optional(),
  })
  .strict();

type AzureBot = z.infer<typeof azureBotShape>;
type Outbound = z.infer<typeof outboundCallingShape>;
type AppCredential = z.infer<typeof appCredentialShape>;
type CreateApp = { displayName?: string; credential?: AppCredential; groupCalls?: boolean };

/** What a bot entry holds of calling, as the schema read it. */
interface CallingEntry {
  name: string;
  phoneNumber?: string;
  createApp?: boolean | CreateApp;
  azureBot?: AzureBot;
  outboundCalling?: Outbound;
}

/** The calling fields after validation. */
export interface CallingFields {
  createApp: CreateApp | undefined;
  azureBot: (AzureBot & { name: string }) | undefined;
  outboundCalling: Outbound | undefined;
}

/** The problem with a URL that must be https (undefined when it is one). */
function httpsProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return `"${raw}" is not a URL; write an https:// URL`;
  }
  if (url.protocol !== "https:") return `"${raw}" is ${url.protocol.slice(0, -1)}; Teams calls https webhooks only`;
  if (url.username || url.password || url.hash) return `"${raw}" must carry no user name, password or #fragment`;
  return undefined;
}

const BOT_HANDLE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,63}$/;

function checkAzureBot(b: CallingEntry, at: (f?: string) => string, problems: string[]): CallingFields["azureBot"] {
  const a = b.azureBot;
  if (!a) return undefined;
  for (const field of ["callingWebhook", "messagingEndpoint"] as const) {
    const problem = httpsProblem(a[field]);
    if (problem) problems.push(`${at(`azureBot.${field}`)}: ${problem}`);
  }
  const name = a.name ?? b.name;
  if (!BOT_HANDLE.test(name))
    problems.push(
      `${at("azureBot.name")}: "${name}" is not an Azure Bot name (2 to 64 letters, digits, _, . and -, starting with a letter or digit)`,
    );
  return { callingWebhook: a.callingWebhook.trim(), messagingEndpoint: a.messagingEndpoint.trim(), name };
}

function checkOutbound(
  b: CallingEntry,
  numberType: NumberType | undefined,
  at: (f?: string) => string,
  problems: string[],
): Outbound | undefined {
  const o = b.outboundCalling;
  if (!o) return undefined;
  const where = at("outboundCalling");
  if ((o.callingPlan === undefined) === (o.voiceRoutingPolicy === undefined)) {
    problems.push(
      `${where}: give exactly one of callingPlan (Calling Plan numbers: MCOPSTN_PAYG_1 or MCOPSTN_PAYG_2) and voiceRoutingPolicy (Direct Routing numbers)`,
    );
    return undefined;
  }
  if (!b.phoneNumber) problems.push(`${where}: needs phoneNumber (outbound calls leave from the bot's number)`);
  if (o.callingPlan !== undefined) {
    const plan = normalizePaygServicePlan(o.callingPlan);
    if (!plan.ok) problems.push(`${where}.callingPlan: ${plan.reason}`);
    if (numberType && numberType !== "CallingPlan")
      problems.push(
        `${where}.callingPlan: a Pay-As-You-Go Calling Plan licence is for Calling Plan numbers; this bot's number is ${numberType}` +
          (numberType === "DirectRouting"
            ? " (use voiceRoutingPolicy)"
            : " (the operator routes its calls: remove outboundCalling)"),
      );
    return plan.ok ? { callingPlan: plan.value } : undefined;
  }
  const policy = normalizePolicyName(o.voiceRoutingPolicy);
  if (!policy.ok) problems.push(`${where}.voiceRoutingPolicy: ${policy.reason}`);
  if (numberType && numberType !== "DirectRouting")
    problems.push(
      `${where}.voiceRoutingPolicy: a voice routing policy routes Direct Routing numbers; this bot's number is ${numberType}` +
        (numberType === "CallingPlan"
          ? " (use callingPlan)"
          : " (the operator routes its calls: remove outboundCalling)"),
    );
  return policy.ok ? { voiceRoutingPolicy: policy.value } : undefined;
}

function checkCredential(c: AppCredential, at: (f?: string) => string, problems: string[]): AppCredential {
  const where = at("createApp.credential");
  const allowed = {
    federated: ["issuer", "subject", "audiences"],
    certificate: ["certificateFile", "endDate"],
    password: ["endDate"],
  }[c.kind];
  const extra = Object.keys(c).filter((k) => k !== "kind" && !allowed.includes(k));
  if (extra.length > 0) problems.push(`${where}: ${extra.join(", ")} do(es) not apply to kind ${c.kind}`);
  if (c.kind === "federated") {
    if (!c.issuer || httpsProblem(c.issuer))
      problems.push(`${where}.issuer: the https issuer of the bot's hosting identity is required`);
    if (!c.subject?.trim()) problems.push(`${where}.subject: the subject of the bot's hosting identity is required`);
    return { ...c, audiences: c.audiences ?? [TOKEN_EXCHANGE_AUDIENCE] };
  }
  if (c.kind === "certificate" && !c.certificateFile?.trim())
    problems.push(`${where}.certificateFile: a PEM file with the public certificate is required`);
  if (c.endDate !== undefined && Number.isNaN(Date.parse(c.endDate)))
    problems.push(`${where}.endDate: "${c.endDate}" is not an RFC 3339 date (e.g. 2027-01-01T00:00:00Z)`);
  return c;
}

/** The calling fields of one bot entry, checked (problems pushed, each naming `bots[i].<field>`). */
export function parseCalling(
  b: CallingEntry,
  numberType: NumberType | undefined,
  at: (field?: string) => string,
  problems: string[],
): CallingFields {
  const app = b.createApp === undefined || b.createApp === false ? undefined : b.createApp === true ? {} : b.createApp;
  const createApp = app?.credential ? { ...app, credential: checkCredential(app.credential, at, problems) } : app;
  return {
    createApp,
    azureBot: checkAzureBot(b, at, problems),
    outboundCalling: checkOutbound(b, numberType, at, problems),
  };
}

/** The stack's Azure Bot settings, as the schema read them. */
interface AzureBotsEntry {
  subscriptionId: string;
  resourceGroupName: string;
  location?: string;
}

/** What the stack-wide check needs of each bot. */
interface BotForAzure {
  name: string;
  appId?: string;
  azureBot?: { name: string; callingWebhook: string; messagingEndpoint: string };
}

/**
 * `teams-bot-numbers:azureBots`: required when a bot declares azureBot. Bots sharing an appId share
 * one Azure Bot (an app id registers one bot), so their azureBot blocks must agree; names are unique.
 */
export function parseAzureBots(
  raw: AzureBotsEntry | undefined,
  bots: { bot: BotForAzure; index: number }[],
  problems: string[],
): { subscriptionId: string; resourceGroupName: string; location: string } | undefined {
  const declaring = bots.filter((b) => b.bot.azureBot);
  const seen = new Map<string, { index: number; key: string }>();
  for (const { bot, index } of declaring) {
    const a = bot.azureBot!;
    const key = JSON.stringify([a.name, a.callingWebhook, a.messagingEndpoint]);
    const byApp = bot.appId ? seen.get(`app:${bot.appId}`) : undefined;
    if (byApp && byApp.key !== key)
      problems.push(
        `bots[${index}].azureBot: shares appId ${bot.appId} with bots[${byApp.index}], so they share one Azure Bot: give both the same azureBot`,
      );
    const byName = seen.get(`name:${a.name.toLowerCase()}`);
    if (byName && !byApp)
      problems.push(`bots[${index}].azureBot.name: "${a.name}" is already the Azure Bot of bots[${byName.index}]`);
    if (bot.appId && !byApp) seen.set(`app:${bot.appId}`, { index, key });
    if (!byName) seen.set(`name:${a.name.toLowerCase()}`, { index, key });
  }
  if (!raw) {
    if (declaring.length > 0)
      problems.push(
        `azureBots: is required when a bot declares azureBot (bots[${declaring.map((b) => b.index).join("], bots[")}]): set teams-bot-numbers:azureBots to { subscriptionId, resourceGroupName, location }`,
      );
    return undefined;
  }
  const sub = normalizeGuid(raw.subscriptionId, "an Azure subscription id (GUID)");
  if (!sub.ok) problems.push(`azureBots.subscriptionId: ${sub.reason}`);
  if (!/^[-\w._()]{1,90}$/.test(raw.resourceGroupName) || raw.resourceGroupName.endsWith("."))
    problems.push(`azureBots.resourceGroupName: "${raw.resourceGroupName}" is not a resource group name`);
  const location = (raw.location ?? "global").trim().toLowerCase();
  if (!/^[a-z0-9]+$/.test(location))
    problems.push(
      `azureBots.location: "${raw.location}" is not an Azure location (global, westeurope, centralindia …)`,
    );
  return sub.ok ? { subscriptionId: sub.value, resourceGroupName: raw.resourceGroupName, location } : undefined;
}
