/**
 * The number plan of a change: which bot gets which number, who is without a number and in what
 * order numbers come back, what licence seats it takes, and what `pulumi up` would refuse — from
 * the engine's own preview plus the stack config, with read-only tenant reads when the identity may.
 *
 *   npm run plan -- --stack prod [--preview-json FILE|-] [--format text|markdown] [--flavor github|azure-devops]
 *                   [--markdown FILE] [--no-tenant] [--max-chars N] [--work-dir DIR] [--backend URL] [--pulumi-home DIR]
 *
 * With --preview-json it renders a saved `pulumi preview --json` (stdout only); without it, it runs
 * the preview itself (the engine's display goes to stderr) and renders its events. The plan goes
 * to stdout in --format (text by default); --markdown FILE also writes the Markdown for a PR comment.
 * Tenant settings come from the preview's stack config and the environment, as the provider reads
 * them; without them (or with --no-tenant) the plan is a config-only plan and says so.
 * Exit codes: 0 rendered, nothing stops `pulumi up`; 1 rendered, and `pulumi up` would stop (the
 * preview failed, or a move would be refused); 2 bad arguments or an unreadable preview file;
 * 3 the preview could not be run.
 */
import * as fs from "fs";
import * as path from "path";
import type { EngineEvent } from "@pulumi/pulumi/automation";

import { cleanOutput, engineColor } from "../engine/output";
import { parseBackendUrl, type StateBackend } from "../engine/workspace";
import { redact } from "../provider/errors";
import { resolveTenantSettings, SettingsError, type TenantSettings } from "../provider/settings";
import { PROJECT } from "../stacks/program";
import { buildPlan, tenantNeeds, withTenant, type NumberPlanReport } from "./plan/plan";
import { fromEngineEvents, fromPreviewJson, PreviewFormatError, type EnginePreview } from "./plan/preview";
import { renderPlan, type Flavor, type Format } from "./plan/render";
import { stackAccountsOf } from "./plan/steps";
import { openPlanReader, readTenantFacts, type PlanReader } from "./plan/tenant";
import { openProjectStack } from "./stack";

/** Parsed command line. */
export interface PlanOptions {
  stack: string;
  previewJson?: string;
  format: Format;
  flavor: Flavor;
  markdownFile?: string;
  tenant: boolean;
  maxChars?: number;
  workDir?: string;
  backend?: StateBackend;
  pulumiHome?: string;
}

/** Where the command writes and what it may read (tests pass their own). */
export interface PlanIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Reads stdin (for `--preview-json -`). */
  stdin?: () => string;
  /** The tenant reader for these settings (default: Graph through the provider's client). */
  openReader?: (settings: TenantSettings) => PlanReader;
  /** Tenant settings for the reads (default: the preview's stack config, then `env`, as the provider resolves them). */
  tenantSettings?: (preview: EnginePreview) => TenantSettings;
}

/** What a run produced (for tests). */
export interface PlanResult {
  exitCode: number;
  plan?: NumberPlanReport;
  output?: string;
}

export const USAGE =
  "usage: npm run plan -- --stack <name> [--preview-json FILE|-] [--format text|markdown] [--flavor github|azure-devops] " +
  "[--markdown FILE] [--no-tenant] [--max-chars N] [--work-dir DIR] [--backend URL] [--pulumi-home DIR]";

/** A usage problem (exit 2). */
export class UsageError extends Error {}

/** Parses the arguments (after `--`). */
export function parsePlanArgs(argv: string[], cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): PlanOptions {
  const o: PlanOptions = { stack: "", format: "text", flavor: "github", tenant: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || (v.startsWith("--") && v !== "-")) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case "--stack":
        o.stack = value();
        break;
      case "--preview-json":
        o.previewJson = value();
        break;
      case "--format": {
        const f = value();
        if (f !== "text" && f !== "markdown") throw new UsageError(`--format must be text or markdown, got "${f}"`);
        o.format = f;
        break;
      }
      case "--flavor": {
        const f = value();
        if (f !== "github" && f !== "azure-devops")
          throw new UsageError(`--flavor must be github or azure-devops, got "${f}"`);
        o.flavor = f;
        break;
      }
      case "--markdown":
        o.markdownFile = path.resolve(cwd, value());
        break;
      case "--no-tenant":
        o.tenant = false;
        break;
      case "--max-chars": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 2000)
          throw new UsageError("--max-chars must be a whole number of 2000 or more");
        o.maxChars = n;
        break;
      }
      case "--work-dir":
        o.workDir = path.resolve(cwd, value());
        break;
      case "--backend":
        try {
          o.backend = parseBackendUrl(value(), env);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        break;
      case "--pulumi-home":
        o.pulumiHome = path.resolve(cwd, value());
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  if (!o.stack) throw new UsageError("--stack <name> is required");
  if (!/^[A-Za-z0-9._-]+$/.test(o.stack)) throw new UsageError(`--stack "${o.stack}" is not a stack name`);
  if (o.previewJson && (o.backend || o.pulumiHome))
    throw new UsageError("--backend and --pulumi-home run a preview: they have no meaning with --preview-json");
  return o;
}

/** The engine masks secret config values in a preview: those come from the environment instead. */
const MASKED = "[secret]";

/** Tenant settings as the provider resolves them: the stack's config keys, then the environment. */
export function settingsFromPreview(preview: EnginePreview, env: NodeJS.ProcessEnv): TenantSettings {
  return resolveTenantSettings((key) => {
    const v = preview.config[`${PROJECT}:${key}`];
    return v === undefined || v === MASKED ? undefined : v;
  }, env);
}

/** Runs `pulumi preview` on the stack through the Automation API and collects its events. */
async function runPreview(o: PlanOptions, io: PlanIo): Promise<EnginePreview> {
  const stack = await openProjectStack({
    command: "preview",
    stackName: o.stack,
    workDir: o.workDir,
    backend: o.backend,
    pulumiHome: o.pulumiHome,
    // The engine and the provider inherit this process's environment; another `env` (tests) is passed on.
    env:
      io.env === process.env
        ? undefined
        : Object.fromEntries(Object.entries(io.env).filter((e): e is [string, string] => typeof e[1] === "string")),
  });
  const events: EngineEvent[] = [];
  const out = cleanOutput(io.stderr);
  let failed = false;
  try {
    await stack.preview({
      onEvent: (e) => events.push(e),
      onOutput: out.write,
      onError: out.write,
      color: engineColor(),
    });
  } catch (e) {
    if (!(e as { commandResult?: unknown }).commandResult) throw e;
    failed = true;
  } finally {
    out.flush();
  }
  const preview = fromEngineEvents(events);
  return { ...preview, failed: preview.failed || failed };
}

/** Reads the tenant for the plan, or says why not (the plan is then config-only). */
async function withTenantReads(
  plan: NumberPlanReport,
  preview: EnginePreview,
  o: PlanOptions,
  io: PlanIo,
): Promise<NumberPlanReport> {
  if (!o.tenant) return { ...plan, tenant: { read: false, detail: "--no-tenant", gaps: [] } };
  let settings: TenantSettings;
  try {
    settings = io.tenantSettings ? io.tenantSettings(preview) : settingsFromPreview(preview, io.env);
  } catch (e) {
    if (!(e instanceof SettingsError)) throw e;
    // The first problem, without its how-to (docs/pull-request-plans.md says how to give access).
    const first = (e.message.split("\n  - ")[1] ?? e.message).split(": ")[0]!.replace(/\.$/, "");
    return { ...plan, tenant: { read: false, detail: `no tenant settings: ${first}`, gaps: [] } };
  }
  const reader = (io.openReader ?? openPlanReader)(settings);
  try {
    const needs = tenantNeeds(plan);
    const facts = await readTenantFacts(reader, needs);
    const asked = (needs.numbers.length ? 1 : 0) + (needs.skus.length ? 1 : 0) + (needs.accounts.length ? 1 : 0);
    if (asked > 0 && facts.gaps.length >= asked)
      return { ...plan, tenant: { read: false, detail: `every read failed: ${facts.gaps.join("; ")}`, gaps: [] } };
    return withTenant(plan, facts, stackAccountsOf(preview));
  } finally {
    await reader.close();
  }
}

/** Runs the command. */
export async function runPlan(o: PlanOptions, io: PlanIo): Promise<PlanResult> {
  let preview: EnginePreview;
  if (o.previewJson) {
    try {
      const text =
        o.previewJson === "-"
          ? (io.stdin ?? (() => fs.readFileSync(0, "utf8")))()
          : fs.readFileSync(path.resolve(io.cwd, o.previewJson), "utf8");
      preview = fromPreviewJson(text, o.previewJson === "-" ? "stdin" : o.previewJson);
    } catch (e) {
      if (e instanceof PreviewFormatError || (e as NodeJS.ErrnoException).code === "ENOENT") {
        io.stderr(`plan: ${(e as Error).message}\n`);
        return { exitCode: 2 };
      }
      throw e;
    }
  } else {
    try {
      preview = await runPreview(o, io);
    } catch (e) {
      io.stderr(`plan: the preview could not run: ${redact(e instanceof Error ? e.message : String(e))}\n`);
      return { exitCode: 3 };
    }
  }
  const plan = await withTenantReads(buildPlan(o.stack, preview), preview, o, io);
  const output = renderPlan(plan, { format: o.format, flavor: o.flavor, maxChars: o.maxChars });
  io.stdout(output);
  if (o.markdownFile)
    fs.writeFileSync(
      o.markdownFile,
      o.format === "markdown"
        ? output
        : renderPlan(plan, { format: "markdown", flavor: o.flavor, maxChars: o.maxChars }),
    );
  const stops = plan.previewFailed || plan.bots.some((r) => r.refused !== undefined);
  return { exitCode: stops ? 1 : 0, plan, output };
}

if (require.main === module) {
  const io: PlanIo = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
  };
  let options: PlanOptions;
  try {
    options = parsePlanArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`plan: ${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  runPlan(options, io).then(
    (r) => process.exit(r.exitCode),
    (e: unknown) => {
      process.stderr.write(`plan: ${redact(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`);
      process.exit(3);
    },
  );
}
