/**
 * `npm run preflight -- --stack <name> --calling`: the calling readiness of each bot, READING ONLY,
 * after `pulumi up`: every link a call to the bot's number needs (docs/calling-readiness.md), in
 * the order a call follows them, each ✓ or ✗ with its fix (the pieces and fixes of
 * stacks/readiness.ts, the names the emulator's synthetic calls use). The Azure Bots are read over
 * Azure Resource Manager in the stack's `teams-bot-numbers:azureBots` resource group.
 */
import type { TenantSettings } from "../../provider/settings";
import type { LicenceDetail } from "../../provider/tenant/index";
import { PAYG_SERVICE_PLANS } from "../../provider/validate";
import type { AzureBotsConfig, BotConfig } from "../../stacks/config";
import { READINESS_PIECES, type ReadinessPiece } from "../../stacks/readiness";
import { callingTenant, type AzureBotView, type CallingTenant, type TeamsChannelView } from "./calling-tenant";

/** One line of the checklist (the preflight's Check: scripts/preflight.ts prints it). */
export interface Check {
  title: string;
  status: "pass" | "fail" | "skip" | "warn";
  detail?: string;
  fix?: string;
}

/** What the preflight hands over: the stack's settings, bots and where their Azure Bots are. */
export interface CallingStack {
  settings: TenantSettings;
  bots: BotConfig[];
  azureBots?: AzureBotsConfig | undefined;
  armUrl?: string | undefined;
}

/** What the readiness check reads. */
export interface CallingInput {
  bots: BotConfig[];
  azureBots?: AzureBotsConfig | undefined;
  tenant: CallingTenant;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The readiness checklist of the preflight's input (`--calling`), against the tenant and ARM. */
export async function callingChecklist(
  input: CallingStack,
  given?: CallingTenant,
): Promise<{ checks: Check[]; ok: boolean }> {
  const tenant = given ?? callingTenant(input.settings, input.armUrl ?? "https://management.azure.com");
  try {
    const checks = await runCallingReadiness({ bots: input.bots, azureBots: input.azureBots, tenant });
    return { checks, ok: checks.every((c) => c.status !== "fail") };
  } catch (e) {
    const checks: Check[] = [{ title: "Calling readiness", status: "fail", detail: message(e) }];
    return { checks, ok: false };
  } finally {
    if (!given) await tenant.close();
  }
}

/** The checks of every bot, in chain order; never writes. */
export async function runCallingReadiness(input: CallingInput): Promise<Check[]> {
  const checks: Check[] = [];
  const bots = await readAzureBots(input, checks);
  for (const bot of input.bots) await checkBot(input.tenant, bot, bots, (c) => checks.push(c));
  return checks;
}

/** The Azure Bots of the stack's resource group (undefined: not readable, one line says why). */
async function readAzureBots(input: CallingInput, checks: Check[]): Promise<AzureBotView[] | undefined> {
  const where = input.azureBots;
  if (!where) {
    checks.push({
      title: "Azure Bots (Microsoft.BotService)",
      status: "fail",
      detail: "teams-bot-numbers:azureBots is not set, so the readiness cannot find the bots' Azure Bot registrations",
      fix: "Set teams-bot-numbers:azureBots to { subscriptionId, resourceGroupName } of the resource group holding the Azure Bots (docs/configuration.md).",
    });
    return undefined;
  }
  try {
    const bots = await input.tenant.listAzureBots(where);
    checks.push({
      title: `Azure Bots in ${where.resourceGroupName} (subscription ${where.subscriptionId}): ${bots.length} read`,
      status: "pass",
    });
    return bots;
  } catch (e) {
    checks.push({
      title: `Azure Bots in ${where.resourceGroupName}`,
      status: "fail",
      detail: message(e),
      fix: "Give the identity Reader on the resource group (Microsoft.BotService/botServices/read), or check azureBots.subscriptionId and resourceGroupName.",
    });
    return undefined;
  }
}

type Add = (c: Check) => void;

/** A ✓ or ✗ line for one piece of one bot. */
function piece(add: Add, bot: BotConfig, p: ReadinessPiece, ok: boolean, detail?: string, fix?: string): boolean {
  const title = `${bot.name}: ${READINESS_PIECES[p].title}`;
  add(
    ok
      ? { title: detail ? `${title} (${detail})` : title, status: "pass" }
      : { title: `${title} [${p}]`, status: "fail", detail, fix: fix ?? READINESS_PIECES[p].fix },
  );
  return ok;
}

/** Lines for pieces that cannot be judged because an earlier one is missing. */
function blocked(add: Add, bot: BotConfig, pieces: ReadinessPiece[], because: string): void {
  for (const p of pieces)
    add({ title: `${bot.name}: ${READINESS_PIECES[p].title} [${p}]`, status: "skip", detail: `needs ${because}` });
}

/** One bot's chain, in the order a call follows it. */
async function checkBot(tenant: CallingTenant, bot: BotConfig, azureBots: AzureBotView[] | undefined, add: Add) {
  const user = await tenant.getUser(bot.userPrincipalName);
  const instance = user ? await tenant.getApplicationInstance(bot.userPrincipalName) : undefined;
  const accountOk = piece(
    add,
    bot,
    "resourceAccount",
    !!user && !!instance,
    user ? (instance ? undefined : "Teams does not list it as a resource account") : `no user ${bot.userPrincipalName}`,
  );
  const appId = (bot.appId ?? instance?.applicationId ?? "").toLowerCase();
  if (!accountOk) blocked(add, bot, ["applicationId", "licence", "number"], "the resource account");
  else {
    checkMapping(bot, instance!.applicationId.toLowerCase(), appId, add);
    checkLicence(bot, (await tenant.licenceDetails(user!.id)) ?? [], add);
    await checkNumber(tenant, bot, user!.id, add);
  }
  await checkApp(tenant, bot, appId, add);
  await checkRegistration(tenant, bot, appId, azureBots, add);
  if (accountOk) await checkOutbound(tenant, bot, user!.id, add);
  else if (bot.outboundCalling) blocked(add, bot, [outboundPiece(bot)], "the resource account");
  checkCredential(bot, add);
}

/** The resource account's application id: the bot's app id. */
function checkMapping(bot: BotConfig, mapped: string, appId: string, add: Add): void {
  const detail = !mapped
    ? "mapped to no app"
    : mapped === appId
      ? undefined
      : `mapped to ${mapped}, the bot's app id is ${appId}`;
  piece(add, bot, "applicationId", !!appId && mapped === appId, detail);
}

/** The resource account's voice plan (MCOEV_VIRTUALUSER…) provisioned. */
function checkLicence(bot: BotConfig, licences: LicenceDetail[], add: Add): void {
  const voice = licences.flatMap((l) => l.servicePlans).find((p) => /^MCOEV_VIRTUALUSER/i.test(p.servicePlanName));
  const ok = voice?.provisioningStatus === "Success";
  const found = voice ? `${voice.servicePlanName} ${voice.provisioningStatus ?? "status unknown"}` : undefined;
  piece(add, bot, "licence", ok, ok ? undefined : (found ?? "no resource account licence"));
}

async function checkNumber(tenant: CallingTenant, bot: BotConfig, userId: string, add: Add): Promise<void> {
  if (!bot.phoneNumber) {
    piece(add, bot, "number", false, "the bot declares no phoneNumber");
    return;
  }
  const n = await tenant.getNumberAssignment(bot.phoneNumber);
  const held = n?.assignmentTargetId?.toLowerCase() === userId.toLowerCase();
  piece(
    add,
    bot,
    "number",
    held,
    held
      ? bot.phoneNumber
      : n
        ? `${bot.phoneNumber} is ${n.assignmentTargetId ? `assigned to ${n.assignmentTargetId}` : "unassigned"}`
        : `${bot.phoneNumber} is not in the tenant's number inventory`,
  );
}

async function checkApp(tenant: CallingTenant, bot: BotConfig, appId: string, add: Add): Promise<void> {
  if (!appId) {
    blocked(add, bot, ["app"], "the bot's app id (appId, or the account's mapping)");
    return;
  }
  const found = await tenant.hasServicePrincipal(appId);
  piece(
    add,
    bot,
    "app",
    found,
    found ? `${appId}; its Calls.* consent is not read` : `app ${appId} has no service principal in this tenant`,
  );
}

/** The Azure Bot with the bot's app id, then its Teams channel: registration, channel, calling, webhook. */
async function checkRegistration(
  tenant: CallingTenant,
  bot: BotConfig,
  appId: string,
  azureBots: AzureBotView[] | undefined,
  add: Add,
): Promise<void> {
  const rest: ReadinessPiece[] = ["teamsChannel", "calling", "callingWebhook"];
  if (!azureBots || !appId) {
    blocked(add, bot, ["botRegistration", ...rest], !appId ? "the bot's app id" : "the Azure Bots (above)");
    return;
  }
  const registered = azureBots.find((b) => b.msaAppId.toLowerCase() === appId);
  const named = bot.azureBot
    ? azureBots.find((b) => b.name.toLowerCase() === bot.azureBot!.name.toLowerCase())
    : undefined;
  const detail = registered
    ? `${registered.name}, msaAppId ${appId}`
    : named
      ? `the Azure Bot ${named.name} has msaAppId ${named.msaAppId}, not the bot's app id ${appId} (Graph answers 7503 "Application is not registered in our store.")`
      : `no Azure Bot in the resource group has msaAppId ${appId}${others(azureBots)} (Graph answers 7503 "Application is not registered in our store.")`;
  if (!piece(add, bot, "botRegistration", !!registered, detail)) {
    blocked(add, bot, rest, "the Azure Bot registration");
    return;
  }
  const channel = await tenant.getTeamsChannel(registered!.id);
  checkChannel(bot, channel, add);
}

/** The resource group's Azure Bots and their app ids, for an app id mismatch. */
const others = (bots: AzureBotView[]): string =>
  bots.length === 0 ? "" : `; it has ${bots.map((b) => `${b.name} (msaAppId ${b.msaAppId})`).join(", ")}`;

function checkChannel(bot: BotConfig, channel: TeamsChannelView | undefined, add: Add): void {
  const enabled = !!channel && channel.isEnabled !== false;
  if (
    !piece(
      add,
      bot,
      "teamsChannel",
      enabled,
      channel
        ? enabled
          ? undefined
          : "the channel is disabled (isEnabled false)"
        : "the Azure Bot has no MsTeamsChannel",
    )
  ) {
    blocked(add, bot, ["calling", "callingWebhook"], "the Teams channel");
    return;
  }
  piece(
    add,
    bot,
    "calling",
    channel!.enableCalling === true,
    channel!.enableCalling ? undefined : "enableCalling is off",
  );
  const hook = channel!.callingWebhook ?? "";
  const https = /^https:\/\//i.test(hook);
  piece(
    add,
    bot,
    "callingWebhook",
    https,
    hook ? (https ? hook : `${hook} is not https (calls answer 480/10076 "Callee could not be reached.")`) : "none set",
  );
}

const outboundPiece = (bot: BotConfig): ReadinessPiece =>
  bot.outboundCalling?.callingPlan ? "paygLicence" : "voiceRoutingPolicy";

async function checkOutbound(tenant: CallingTenant, bot: BotConfig, userId: string, add: Add): Promise<void> {
  const o = bot.outboundCalling;
  if (!o) return;
  if (o.callingPlan) {
    const plans = ((await tenant.licenceDetails(userId)) ?? []).flatMap((l) => l.servicePlans);
    const plan = plans.find((p) => (PAYG_SERVICE_PLANS as readonly string[]).includes(p.servicePlanName.toUpperCase()));
    const ok =
      plan?.servicePlanName.toUpperCase() === o.callingPlan.toUpperCase() && plan.provisioningStatus === "Success";
    piece(
      add,
      bot,
      "paygLicence",
      ok,
      plan ? `${plan.servicePlanName} ${plan.provisioningStatus ?? "status unknown"}` : `no ${o.callingPlan} licence`,
      `Run pulumi up --refresh: the stack assigns ${o.callingPlan} again (it needs a free seat of the Pay-As-You-Go Calling Plan SKU); fund Communications Credits.`,
    );
    add(creditsWarning(bot));
    return;
  }
  const granted = await tenant.getVoiceRoutingPolicyOf(userId);
  const name = granted?.policyName ?? null;
  piece(
    add,
    bot,
    "voiceRoutingPolicy",
    !!name && name.toLowerCase() === o.voiceRoutingPolicy!.toLowerCase(),
    name ? name : "no policy granted (the Global one applies)",
    `Run pulumi up --refresh: the stack grants ${o.voiceRoutingPolicy} again (its PSTN usages must route the calls).`,
  );
}

/** A Pay-As-You-Go bot's ⚠: Communications Credits fund its calls, which nothing here can read or declare. */
function creditsWarning(bot: BotConfig): Check {
  return {
    title: `${bot.name}: Communications Credits fund the Pay-As-You-Go calls`,
    status: "warn",
    detail: "cannot be read or declared here: without funding outbound calls fail (Graph: Balance not found)",
    fix: "Microsoft 365 admin center → Billing → Purchase services → Communications Credits; set up auto-recharge.",
  };
}

/** The preflight's ⚠ for each bot with outboundCalling.callingPlan (before the first up). */
export function creditsWarnings(bots: BotConfig[]): Check[] {
  return bots.filter((b) => b.outboundCalling?.callingPlan).map(creditsWarning);
}

/** The credential of an app the stack creates: declared or not (the bot's own app is not read). */
function checkCredential(bot: BotConfig, add: Add): void {
  if (!bot.createApp) return;
  piece(
    add,
    bot,
    "credential",
    !!bot.createApp.credential,
    bot.createApp.credential ? `${bot.createApp.credential.kind}, stack output credential` : "createApp declares none",
  );
}

export type { AzureBotView, CallingTenant, TeamsChannelView };
