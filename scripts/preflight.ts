/**
 * `npm run preflight -- --stack <name>`: checks, READING ONLY, what a first `pulumi up` of the
 * stack needs from the tenant and this machine, and prints a checklist with ✓ / ✗ and the fix for
 * each ✗ (⚠: worth a look, does not fail). Exits 1 when anything would fail. All tenant access goes
 * through ./preflight/tenant.ts; the checklist is SECTIONS in order (./preflight/run.ts: what a
 * section gets; ./preflight/identity.ts: credential, permissions, role, Teams probe).
 *
 *   node dist/scripts/preflight.js --stack dev [--identity deploy|preview] [--calling] [--work-dir DIR] [--backend-dir DIR] [--pulumi-home DIR]
 *
 * `--calling` checks instead, after `pulumi up`, that a call can reach each bot: every link of the
 * calling chain (./preflight/calling.ts, docs/calling-readiness.md).
 *
 * `--identity preview` checks the read-only preview identity (docs/credentials-and-pipelines.md): read
 * permissions and Global Reader or Teams Reader, and that it holds no write permission or role.
 *
 * The stack's config comes from the Automation API (Pulumi.<stack>.yaml, secrets decrypted), tenant
 * settings from that config with the environment as fallback (provider/settings.ts), the bots from
 * stacks/config.ts's parser, so the preflight sees exactly what `up` would see.
 */
import { parsePhoneNumberFromString } from "libphonenumber-js";

import { GRAPH, SERVICE_PRINCIPAL_READERS } from "../provider/access/index";
import { resolveArmUrl, resolveTenantSettings, type TenantSettings } from "../provider/settings";
import { parseStackConfig, signInIdentities, type AzureBotsConfig, type BotConfig } from "../stacks/config";
import { callingChecklist, creditsWarnings } from "./preflight/calling";
import { checkDirectoryRoles, checkGraphPermissions, checkTeamsProbe, checkTokens } from "./preflight/identity";
import { message, type Check, type Run, type Section } from "./preflight/run";
import { preflightTenant, type PreflightTenant } from "./preflight/tenant";

export type { Check, Run, Section } from "./preflight/run";

/** The licence a resource account needs. */
export const VIRTUAL_USER_SKU = "PHONESYSTEM_VIRTUALUSER";

/** What the preflight checks. */
export interface PreflightInput {
  stackName: string;
  settings: TenantSettings;
  bots: BotConfig[];
  /** Tenant access (tests may hand in their own; default: preflightTenant(settings)). */
  tenant?: PreflightTenant;
  /** Which identity signs in: the deploy one (default) or the read-only preview one (docs/credentials-and-pipelines.md). */
  identity?: "deploy" | "preview";
  /** Where the stack's Azure Bots live, and ARM's URL (the calling readiness reads them). */
  azureBots?: AzureBotsConfig;
  armUrl?: string;
}

/** The checklist and whether everything passed. */
export interface PreflightResult {
  checks: Check[];
  ok: boolean;
}

/** The sections after the credential, in the order the checklist shows them. */
export const SECTIONS: Section[] = [
  checkGraphPermissions,
  checkServicePrincipals,
  checkDirectoryRoles,
  checkTeamsProbe,
  checkSeats,
  checkNumbers,
];

/** Runs every check; never writes to the tenant. */
export async function runPreflight(input: PreflightInput): Promise<PreflightResult> {
  const tenant = input.tenant ?? preflightTenant(input.settings);
  const checks: Check[] = [];
  const add = (c: Check): Check => (checks.push(c), c);
  const preview = input.identity === "preview";
  try {
    const claims = await checkTokens({ preview, tenant, add }, input.settings);
    if (!claims) return finish(checks);
    const run: Run = {
      bots: input.bots,
      settings: input.settings,
      preview,
      tenant,
      claims,
      add,
      // A read permission is also granted by its ReadWrite form (for the preview identity).
      has: (p) =>
        claims.graph.roles.includes(p) ||
        (preview && claims.graph.roles.includes(p.replace(/\.Read\.All$/, ".ReadWrite.All"))),
    };
    for (const section of SECTIONS) await section(run);
    for (const warning of creditsWarnings(run.bots)) run.add(warning);
    return finish(checks);
  } finally {
    if (!input.tenant) await tenant.close();
  }
}

/** 2b. Each bot's app id has a service principal in the tenant (only when the identity may read them). */
async function checkServicePrincipals(run: Run): Promise<void> {
  const declared = run.bots.filter((b) => b.appId !== undefined);
  if (declared.length > 0 && !SERVICE_PRINCIPAL_READERS.some(run.has)) {
    run.add({
      title: "Bot app ids have service principals in the tenant",
      status: "skip",
      detail: `the deploying app cannot read service principals (${GRAPH.applicationRead}); optional`,
    });
    return;
  }
  for (const bot of declared) {
    const found = await run.tenant.hasServicePrincipal(bot.appId!);
    run.add(
      found
        ? { title: `${bot.name}: app ${bot.appId} has a service principal in the tenant`, status: "pass" }
        : {
            title: `${bot.name}: app ${bot.appId} has no service principal in the tenant`,
            status: "warn",
            detail:
              "usually a wrong appId, or the bot's app is not consented in this tenant yet (the account is created either way)",
            fix: `Check bots[].appId of ${bot.name} (the bot's Microsoft App ID), or create its service principal: an admin consents to the app in this tenant (or New-MgServicePrincipal -AppId ${bot.appId}).`,
          },
    );
  }
}

/** 5. Free PHONESYSTEM_VIRTUALUSER seats for the bots that still need one. */
async function checkSeats(run: Run): Promise<void> {
  const usersRead = run.preview ? GRAPH.usersRead : GRAPH.usersWrite;
  if (!run.has(usersRead) || !run.has(GRAPH.organizationRead)) {
    run.add({
      title: `Free ${VIRTUAL_USER_SKU} seats`,
      status: "skip",
      detail: `needs ${usersRead} and ${GRAPH.organizationRead} (above)`,
    });
    return;
  }
  const needing: string[] = [];
  for (const bot of run.bots) {
    const user = await run.tenant.getUser(bot.userPrincipalName);
    const skus = user ? await run.tenant.listLicenseSkuPartNumbers(user.id) : undefined;
    if (!skus?.includes(VIRTUAL_USER_SKU)) needing.push(bot.name);
  }
  const sku = (await run.tenant.listSubscribedSkus()).find((s) => s.skuPartNumber === VIRTUAL_USER_SKU);
  const free = sku ? sku.prepaidUnits.enabled - sku.consumedUnits : 0;
  run.add(
    free >= needing.length
      ? { title: `Free ${VIRTUAL_USER_SKU} seats: ${free} for ${needing.length} bot(s) that need one`, status: "pass" }
      : {
          title: `Free ${VIRTUAL_USER_SKU} seats`,
          status: "fail",
          detail: `${needing.length} bot(s) need a seat (${needing.join(", ")}), ${sku ? `${free} free` : "the tenant has no Teams Phone Resource Account licence"}`,
          fix: `Add ${needing.length - Math.max(free, 0)} Microsoft Teams Phone Resource Account licence(s) (${VIRTUAL_USER_SKU}, free of charge) in the Microsoft 365 admin center, or free some.`,
        },
  );
}

/** 6. The declared numbers, bot by bot. */
async function checkNumbers(run: Run): Promise<void> {
  for (const bot of run.bots) await checkNumber(run, bot);
}

/**
 * A declared number: present with the declared type (Direct Routing may be absent), and a
 * Calling Plan number's country equals the bot's usage location.
 */
async function checkNumber(run: Run, bot: BotConfig): Promise<void> {
  if (!bot.phoneNumber || !bot.numberType) return;
  const title = `${bot.name}: ${bot.phoneNumber} (${bot.numberType})`;
  const numbersRead = run.preview ? GRAPH.numbersRead : GRAPH.numbersWrite;
  if (!run.has(numbersRead)) {
    run.add({ title, status: "skip", detail: `needs ${numbersRead} (above)` });
    return;
  }
  const found = await run.tenant.getNumberAssignment(bot.phoneNumber);
  if (!found) {
    run.add(
      bot.numberType === "DirectRouting"
        ? {
            title: `${title}: not in the inventory, allowed (Direct Routing numbers are assigned directly)`,
            status: "pass",
          }
        : {
            title,
            status: "fail",
            detail: "the tenant's telephone-number inventory does not have this number",
            fix: `Acquire or port the number (Teams admin center → Voice → Phone numbers), or correct bots[].phoneNumber of ${bot.name}.`,
          },
    );
  } else if (found.numberType.toLowerCase() !== bot.numberType.toLowerCase()) {
    run.add({
      title,
      status: "fail",
      detail: `the tenant has it as ${found.numberType}`,
      fix: `Set numberType of ${bot.name} to the tenant's type (${found.numberType}), or declare another number.`,
    });
  } else {
    run.add({ title: `${title}: in the tenant, ${found.assignmentStatus}`, status: "pass" });
  }
  if (bot.numberType === "CallingPlan") checkCountry(run, bot);
}

/** A Calling Plan number can only go to an account whose usage location is the number's country. */
function checkCountry(run: Run, bot: BotConfig): void {
  const country = parsePhoneNumberFromString(bot.phoneNumber!)?.country;
  run.add(
    !country || country === bot.usageLocation
      ? {
          title: `${bot.name}: usage location ${bot.usageLocation} matches the Calling Plan number's country`,
          status: "pass",
        }
      : {
          title: `${bot.name}: usage location vs Calling Plan number`,
          status: "fail",
          detail: `usageLocation ${bot.usageLocation}, the number is in ${country}`,
          fix: `A Calling Plan number can only go to an account whose usage location is the number's country: set usageLocation: ${country} for ${bot.name}, or use a number from ${bot.usageLocation}.`,
        },
  );
}

function finish(checks: Check[]): PreflightResult {
  return { checks, ok: checks.every((c) => c.status !== "fail") };
}

/** The checklist as printed. */
export function formatChecklist(stackName: string, result: PreflightResult, calling = false): string {
  const mark = { pass: "✓", fail: "✗", skip: "–", warn: "⚠" } as const;
  const what = calling ? "calling readiness" : "preflight";
  const lines = [`teams-bot-numbers ${what} for stack "${stackName}" (reads only, changes nothing)`];
  for (const c of result.checks) {
    lines.push(`${mark[c.status]} ${c.title}${c.status === "skip" ? ` (skipped: ${c.detail})` : ""}`);
    if (c.status === "fail" || c.status === "warn") {
      if (c.detail) lines.push(`    ${c.detail}`);
      if (c.fix) lines.push(`    fix: ${c.fix}`);
    }
  }
  const failed = result.checks.filter((c) => c.status === "fail").length;
  const before = calling ? "a call can reach the bots" : "`pulumi up`";
  lines.push(result.ok ? "All checks passed." : `${failed} check(s) failed: fix them before ${before}.`);
  return lines.join("\n");
}

/** Settings and bots from flat project config (`key` without the `teams-bot-numbers:` namespace). */
export function inputFromConfig(
  stackName: string,
  config: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): PreflightInput {
  const settings = resolveTenantSettings((k) => config[k], env);
  const rawBots = config.bots === undefined ? undefined : (JSON.parse(config.bots) as unknown);
  const rawAzure = config.azureBots === undefined ? undefined : (JSON.parse(config.azureBots) as unknown);
  const { bots, azureBots } = parseStackConfig(
    { bots: rawBots, azureBots: rawAzure },
    signInIdentities((k) => config[k], env),
  );
  const armUrl = resolveArmUrl((k) => config[k], env);
  return { stackName, settings, bots, ...(azureBots ? { azureBots } : {}), armUrl };
}

/** Runs the preflight for flat config, prints the checklist, returns the exit code. */
export async function preflightMain(
  stackName: string,
  config: Record<string, string>,
  out: (s: string) => void = (s) => process.stdout.write(s + "\n"),
  env: NodeJS.ProcessEnv = process.env,
  identity: "deploy" | "preview" = "deploy",
  calling = false,
): Promise<number> {
  let input: PreflightInput;
  try {
    input = { ...inputFromConfig(stackName, config, env), identity };
  } catch (e) {
    out(`✗ stack config of "${stackName}": ${message(e)}`);
    return 1;
  }
  const result = calling ? await callingChecklist(input) : await runPreflight(input);
  out(formatChecklist(stackName, result, calling));
  return result.ok ? 0 : 1;
}

function parseArgs(argv: string[]): {
  stackName: string;
  workDir?: string;
  backendDir?: string;
  pulumiHome?: string;
  identity?: "deploy" | "preview";
  calling?: boolean;
} {
  const o: {
    stackName: string;
    workDir?: string;
    backendDir?: string;
    pulumiHome?: string;
    identity?: "deploy" | "preview";
    calling?: boolean;
  } = { stackName: "" };
  for (let i = 0; i < argv.length; i++) {
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    if (argv[i] === "--stack") o.stackName = value();
    else if (argv[i] === "--calling") o.calling = true;
    else if (argv[i] === "--work-dir") o.workDir = value();
    else if (argv[i] === "--backend-dir") o.backendDir = value();
    else if (argv[i] === "--pulumi-home") o.pulumiHome = value();
    else if (argv[i] === "--identity") {
      const v = value();
      if (v !== "deploy" && v !== "preview") throw new Error(`--identity must be deploy or preview, got ${v}`);
      o.identity = v;
    } else throw new Error(`unknown option ${argv[i]} (usage: preflight --stack NAME)`);
  }
  if (!o.stackName) throw new Error("usage: npm run preflight -- --stack NAME");
  return o;
}

/** The stack's project config through the Automation API (secrets decrypted), without the namespace. */
export async function loadStackConfig(o: {
  stackName: string;
  workDir?: string;
  backendDir?: string;
  pulumiHome?: string;
}): Promise<Record<string, string>> {
  const { openProjectStack } = await import("./stack");
  const stack = await openProjectStack({ command: "preview", ...o });
  const all = await stack.getAllConfig();
  const flat: Record<string, string> = {};
  for (const [key, v] of Object.entries(all)) {
    if (key.startsWith("teams-bot-numbers:")) flat[key.slice("teams-bot-numbers:".length)] = v.value;
  }
  return flat;
}

if (require.main === module) {
  Promise.resolve()
    .then(async () => {
      const args = parseArgs(process.argv.slice(2));
      const config = await loadStackConfig(args);
      return preflightMain(args.stackName, config, undefined, process.env, args.identity, args.calling);
    })
    .then(
      (code) => process.exit(code),
      (e: unknown) => {
        process.stderr.write(`preflight: ${message(e)}\n`);
        process.exit(1);
      },
    );
}
