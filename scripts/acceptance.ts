/**
 * `npm run test:tenant`: acceptance against a REAL tenant. Runs only when the tenant variables are
 * set; otherwise prints why it skipped and exits 0.
 *
 *   AZURE_TENANT_ID, AZURE_CLIENT_ID            the deployer app (as for the provider)
 *   AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH
 *   TBN_ACCEPTANCE_UPN_DOMAIN                   a verified domain for one throwaway resource account
 *   TBN_ACCEPTANCE_CALLING_PLAN_NUMBER          optional: a free Calling Plan number it may use
 *   TBN_ACCEPTANCE_DIRECT_ROUTING_NUMBER        optional: a Direct Routing number it may use
 *   TBN_ACCEPTANCE_BOT_APP_ID                   optional: the throwaway bot's Entra app id (default AZURE_CLIENT_ID)
 *   TBN_ACCEPTANCE_OUT                          where to write the observations (default acceptance-observed.json)
 *   AZURE_AUTHORITY_HOST, TEAMS_GRAPH_URL, TEAMS_PWSH_PATH   as for the provider (tests point them at the emulator)
 *
 * It records what the tenant answered (status codes, error ids and texts, property names and types),
 * scrubbed of ids, tokens, numbers and addresses, for the emulator's tests to compare against.
 */
import { execFileSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";

import { LOCAL_DIR, openStack, writeStacksProject } from "../engine/workspace";
import { compareVersions, TEAMS_MODULE_FLOOR } from "../protocol/host-protocol";
import { TEAMS_ADMIN_SCOPE } from "../provider/access/index";
import { TenantError } from "../provider/errors";
import { resolveTenantSettings, type TenantSettings } from "../provider/settings";
import { tenantParts } from "../provider/tenant/index";
import type { BotConfig } from "../stacks/config";
import { runPreflight } from "./preflight";

/** The variables that must all be set for a run (besides one credential). */
export const REQUIRED_VARIABLES = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "TBN_ACCEPTANCE_UPN_DOMAIN"] as const;

/** Why the acceptance run cannot run with this environment, or undefined when it can. */
export function skipReason(env: NodeJS.ProcessEnv): string | undefined {
  const missing: string[] = REQUIRED_VARIABLES.filter((v) => !env[v]);
  if (!env.AZURE_CLIENT_SECRET && !env.AZURE_CLIENT_CERTIFICATE_PATH)
    missing.push("AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH");
  return missing.length ? `tenant variables not set: ${missing.join(", ")}` : undefined;
}

/** Removes ids, tokens, addresses and numbers from observed text. */
export function scrub(text: string): string {
  return text
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, "<token>")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<guid>")
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, "<upn>")
    .replace(/(tel:)?\+?\d[\d ()-]{6,}\d/g, "<number>");
}

/** One observation. */
export interface Observation {
  step: string;
  outcome: "ok" | "error" | "skipped";
  /** Scrubbed facts: status, error id and text, property names and types. */
  facts: Record<string, unknown>;
}

function errorFacts(e: unknown): Record<string, unknown> {
  if (e instanceof TenantError)
    return { status: e.status ?? null, code: e.code ? scrub(e.code) : null, reason: scrub(e.reason) };
  return { message: scrub(e instanceof Error ? e.message : String(e)) };
}

/** Property names and .NET types of Get-CsPhoneNumberAssignment output: a separate pwsh, fixed script text. */
function getMemberTypes(settings: TenantSettings, tokens: [string, string], number: string): Record<string, string> {
  const script =
    "Import-Module MicrosoftTeams; " +
    "Connect-MicrosoftTeams -AccessTokens @($env:TBN_GRAPH_TOKEN, $env:TBN_TEAMS_TOKEN) -LogLevel None | Out-Null; " +
    "Get-CsPhoneNumberAssignment -TelephoneNumber $env:TBN_NUMBER | Get-Member -MemberType Properties | " +
    "ForEach-Object { [pscustomobject]@{ Name = $_.Name; Type = ($_.Definition -split ' ')[0] } } | ConvertTo-Json -Compress";
  const out = execFileSync(settings.pwshPath, ["-NoLogo", "-NoProfile", "-NonInteractive", "-Command", script], {
    // tokens and the number travel in the child's environment, never in argv or the script text
    env: { ...process.env, TBN_GRAPH_TOKEN: tokens[0], TBN_TEAMS_TOKEN: tokens[1], TBN_NUMBER: number },
    encoding: "utf8",
    timeout: 300_000,
  });
  const rows = JSON.parse(out.slice(out.indexOf("["))) as Array<{ Name: string; Type: string }>;
  return Object.fromEntries(rows.map((r) => [r.Name, r.Type]));
}

/** up / up (expect no changes) / number change / destroy of one bot on an isolated local stack. */
async function engineSteps(
  env: NodeJS.ProcessEnv,
  settings: TenantSettings,
  bot: BotConfig,
  note: (o: Observation) => void,
): Promise<void> {
  const dr = env.TBN_ACCEPTANCE_DIRECT_ROUTING_NUMBER;
  const first: Record<string, unknown> = {
    name: bot.name,
    userPrincipalName: bot.userPrincipalName,
    displayName: bot.displayName,
    appId: env.TBN_ACCEPTANCE_BOT_APP_ID || settings.clientId,
    usageLocation: bot.usageLocation,
    ...(bot.phoneNumber
      ? { phoneNumber: bot.phoneNumber, numberType: bot.numberType }
      : dr
        ? { phoneNumber: dr, numberType: "DirectRouting" }
        : {}),
  };
  const second = bot.phoneNumber && dr ? { ...first, phoneNumber: dr, numberType: "DirectRouting" } : undefined;
  fs.mkdirSync(LOCAL_DIR, { recursive: true });
  const dir = fs.mkdtempSync(path.join(LOCAL_DIR, "acceptance-"));
  const passEnv: Record<string, string> = {};
  for (const k of ["AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "NODE_EXTRA_CA_CERTS"])
    if (env[k]) passEnv[k] = env[k]!;
  writeStacksProject(path.join(dir, "work"), "teams-bot-numbers");
  const stack = await openStack({
    projectName: "teams-bot-numbers",
    stackName: "acceptance",
    workDir: path.join(dir, "work"),
    backend: { kind: "file", dir: path.join(dir, "backend") },
    pulumiHome: path.join(dir, "home"),
    env: passEnv,
  });
  const configure = (bots: unknown[]) =>
    stack.setAllConfig({
      "teams-bot-numbers:tenantId": { value: settings.tenantId },
      "teams-bot-numbers:clientId": { value: settings.clientId },
      "teams-bot-numbers:authorityHost": { value: settings.authorityHost },
      "teams-bot-numbers:graphUrl": { value: settings.graphUrl },
      "teams-bot-numbers:numberAssignment": { value: settings.numberAssignment },
      "teams-bot-numbers:pwshPath": { value: settings.pwshPath },
      "teams-bot-numbers:bots": { value: JSON.stringify(bots) },
      // A throwaway bot, destroyed at the end of the run.
      "teams-bot-numbers:protect": { value: "false" },
    });
  const quiet = { onOutput: () => undefined, onError: () => undefined };
  const changes = (r: { summary: { resourceChanges?: Record<string, number> } }) => r.summary.resourceChanges ?? {};
  try {
    await configure([first]);
    const up = await stack.up(quiet);
    note({ step: "up (throwaway bot)", outcome: "ok", facts: { changes: changes(up) } });
    try {
      const again = await stack.up({ ...quiet, expectNoChanges: true });
      note({ step: "up again (expect no changes)", outcome: "ok", facts: { changes: changes(again) } });
    } catch (e) {
      note({ step: "up again (expect no changes)", outcome: "error", facts: errorFacts(e) });
    }
    if (second) {
      await configure([second]);
      const change = await stack.up(quiet);
      note({ step: "number change", outcome: "ok", facts: { changes: changes(change) } });
    } else {
      note({
        step: "number change",
        outcome: "skipped",
        facts: { why: "needs a Calling Plan and a Direct Routing number" },
      });
    }
  } catch (e) {
    note({ step: "up", outcome: "error", facts: errorFacts(e) });
  } finally {
    try {
      const down = await stack.destroy(quiet);
      note({ step: "destroy", outcome: "ok", facts: { changes: changes(down) } });
      fs.rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      // The local stack stays, so `destroy` can be repeated on it (its path is printed).
      process.stderr.write(`test:tenant: destroy failed; the stack's state is kept in ${dir}\n`);
      note({ step: "destroy", outcome: "error", facts: errorFacts(e) });
    }
  }
}

/** Runs the acceptance steps; returns the observations (also written to `outFile`). */
export async function runAcceptance(env: NodeJS.ProcessEnv, outFile: string): Promise<Observation[]> {
  const settings = resolveTenantSettings(() => undefined, env);
  const observations: Observation[] = [];
  const note = (o: Observation): void => {
    observations.push(o);
    process.stdout.write(`${o.outcome === "ok" ? "✓" : o.outcome === "skipped" ? "–" : "✗"} ${o.step}\n`);
  };
  const suffix = randomBytes(4).toString("hex");
  const cp = env.TBN_ACCEPTANCE_CALLING_PLAN_NUMBER;
  const bot: BotConfig = {
    name: "acceptance-bot",
    userPrincipalName: `tbn-acceptance-${suffix}@${env.TBN_ACCEPTANCE_UPN_DOMAIN}`,
    displayName: `tbn acceptance ${suffix}`,
    appId: settings.clientId,
    usageLocation: "US",
    ...(cp ? { phoneNumber: cp, numberType: "CallingPlan" as const } : {}),
  };

  // 1. Preflight with the throwaway bot.
  const pre = await runPreflight({ stackName: "acceptance", settings, bots: [bot] });
  note({
    step: "preflight",
    outcome: pre.ok ? "ok" : "error",
    facts: {
      checks: pre.checks.map((c) => ({
        status: c.status,
        title: scrub(c.title),
        detail: c.detail ? scrub(c.detail) : undefined,
      })),
    },
  });

  // 2. The host: PowerShell and module version; app-only Get-CsOnlineApplicationInstance for an unknown identity.
  const { host, tokens } = tenantParts(settings);
  try {
    try {
      await host.invoke("Get-CsOnlineApplicationInstance", {
        Identity: `tbn-unknown-${suffix}@${env.TBN_ACCEPTANCE_UPN_DOMAIN}`,
      });
      note({ step: "Get-CsOnlineApplicationInstance (unknown identity)", outcome: "ok", facts: { raised: false } });
    } catch (e) {
      // The expected answer: an error whose id and text are what we record.
      note({
        step: "Get-CsOnlineApplicationInstance (unknown identity)",
        outcome: "ok",
        facts: { raised: true, ...errorFacts(e) },
      });
    }
    const ready = host.ready;
    note({
      step: "host ready",
      outcome:
        ready && ready.teamsModuleVersion && compareVersions(ready.teamsModuleVersion, TEAMS_MODULE_FLOOR) >= 0
          ? "ok"
          : "error",
      facts: {
        psVersion: ready?.psVersion ?? null,
        teamsModuleVersion: ready?.teamsModuleVersion ?? null,
        floor: TEAMS_MODULE_FLOOR,
      },
    });

    // 3. Get-CsPhoneNumberAssignment: property names through the protocol, .NET types through Get-Member.
    if (cp) {
      try {
        const out = await host.invoke("Get-CsPhoneNumberAssignment", { TelephoneNumber: cp });
        note({
          step: "Get-CsPhoneNumberAssignment (protocol)",
          outcome: "ok",
          facts: {
            properties: Object.fromEntries(
              Object.entries(out[0] ?? {}).map(([k, v]) => [k, Array.isArray(v) ? "array" : typeof v]),
            ),
          },
        });
      } catch (e) {
        note({ step: "Get-CsPhoneNumberAssignment (protocol)", outcome: "error", facts: errorFacts(e) });
      }
      if (
        /^\d/.test(ready?.psVersion ?? "") &&
        settings.pwshPath.endsWith("pwsh") &&
        !settings.pwshPath.includes("emulator")
      ) {
        try {
          const [graph, teams] = await Promise.all([tokens.graphToken(), tokens.token(TEAMS_ADMIN_SCOPE)]);
          note({
            step: "Get-CsPhoneNumberAssignment | Get-Member",
            outcome: "ok",
            facts: { types: getMemberTypes(settings, [graph.accessToken, teams.accessToken], cp) },
          });
        } catch (e) {
          note({ step: "Get-CsPhoneNumberAssignment | Get-Member", outcome: "error", facts: errorFacts(e) });
        }
      } else {
        note({
          step: "Get-CsPhoneNumberAssignment | Get-Member",
          outcome: "skipped",
          facts: { why: "needs real pwsh" },
        });
      }
    } else {
      note({
        step: "Get-CsPhoneNumberAssignment",
        outcome: "skipped",
        facts: { why: "TBN_ACCEPTANCE_CALLING_PLAN_NUMBER not set" },
      });
    }
  } finally {
    await host.stop();
  }

  // 4. The real engine on the throwaway bot: up, up again (no changes, locationId included), a
  //    number change (with two numbers), destroy (always) - leaving the tenant as it was found.
  await engineSteps(env, settings, bot, note);

  fs.writeFileSync(outFile, JSON.stringify({ floor: TEAMS_MODULE_FLOOR, observations }, null, 2) + "\n");
  return observations;
}

if (require.main === module) {
  const reason = skipReason(process.env);
  if (reason) {
    process.stdout.write(
      `test:tenant skipped: ${reason}. See docs/real-tenant.md#acceptance-against-a-real-tenant-npm-run-testtenant.\n`,
    );
    process.exit(0);
  }
  runAcceptance(process.env, process.env.TBN_ACCEPTANCE_OUT || "acceptance-observed.json").then(
    (obs) => process.exit(obs.some((o) => o.outcome === "error") ? 1 : 0),
    (e: unknown) => {
      process.stderr.write(`test:tenant: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
