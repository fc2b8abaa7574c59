/**
 * Brings an existing tenant under management: reads every resource account, its Entra user, its
 * licence and its number, and writes them as the stack's `teams-bot-numbers:bots` with
 * `adopt: true`; or, with --check, lists what the tenant has that the stack does not declare.
 *
 *   npm run export -- --stack <name> [--out FILE|-] [--include-voice-apps] [--match GLOB] [--check] [--work-dir DIR]
 *
 * Reads only (scripts/export/read-tenant.ts). Without --out the bots are merged into
 * `Pulumi.<stack>.yaml` (other keys and comments untouched); `--out -` prints the merged file.
 * Exit codes: 0 done (check: nothing unmanaged), 1 check found unmanaged accounts or numbers,
 * 2 bad arguments, settings or stack file (before any tenant call), 3 the tenant could not be read.
 */
import * as fs from "fs";
import * as path from "path";

import { redact } from "../provider/errors";
import { SettingsError } from "../provider/settings";
import { parseStackConfig, StackConfigError, type BotConfig } from "../stacks/config";
import { checkAdvice, checkTenant, hasUnmanaged, type CheckReport } from "./export/check";
import { planExport, type ExportPlan } from "./export/plan";
import { openTenantReader, readTenant, type TenantReader, type TenantSnapshot } from "./export/read-tenant";
import {
  declaredBots,
  mergeIntoStackFile,
  pendingDecisions,
  readStackFile,
  tenantSettingsOf,
  type StackFile,
} from "./export/stack-file";

/** Parsed command line. */
export interface ExportOptions {
  stack: string;
  workDir: string;
  /** File to write the merged stack file to; "-" = stdout; undefined = Pulumi.<stack>.yaml in place. */
  out?: string;
  includeVoiceApps: boolean;
  match?: string;
  check: boolean;
}

/** Where the command writes, and what it may read (tests pass their own). */
export interface ExportIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** The tenant reader for these settings (default: the provider's tenant layer). */
  openReader?: typeof openTenantReader;
}

/** What a run did (for tests and the bench). */
export interface ExportResult {
  exitCode: number;
  plan?: ExportPlan;
  report?: CheckReport;
  snapshot?: TenantSnapshot;
  /** The stack file text written (export). */
  written?: string;
}

const USAGE =
  "usage: npm run export -- --stack <name> [--out FILE|-] [--include-voice-apps] [--match GLOB] [--check] [--work-dir DIR]";

/** A usage problem (exit 2). */
class UsageError extends Error {}

/** Parses the arguments (after `--`). */
export function parseExportArgs(argv: string[], cwd = process.cwd()): ExportOptions {
  const o: ExportOptions = { stack: "", workDir: cwd, includeVoiceApps: false, check: false };
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
      case "--out":
        o.out = value();
        break;
      case "--work-dir":
        o.workDir = path.resolve(cwd, value());
        break;
      case "--match":
        o.match = value();
        break;
      case "--include-voice-apps":
        o.includeVoiceApps = true;
        break;
      case "--check":
        o.check = true;
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  if (!o.stack) throw new UsageError("--stack <name> is required");
  if (!/^[A-Za-z0-9._-]+$/.test(o.stack)) throw new UsageError(`--stack "${o.stack}" is not a stack name`);
  if (o.check && o.out) throw new UsageError("--out has no meaning with --check (it writes nothing)");
  return o;
}

/** A plain-text table with aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n") + "\n";
}

/** The summary of an export: counts, then every account not exported with why (exported ones too when few). */
export function exportSummary(plan: ExportPlan): string {
  const reasons = new Map<string, number>();
  for (const s of plan.skipped) {
    const key = `skipped: ${s.reason.replace(/ \(.*\)$/, "").replace(/^outside --match .*/, "outside --match")}`;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  const counts: string[][] = [
    ["exported (adopt: true)", String(plan.bots.length)],
    ["needs a decision (written as a comment)", String(plan.decisions.length)],
    ...[...reasons].map(([k, v]) => [k, String(v)]),
  ];
  const rows: string[][] = [];
  if (plan.bots.length <= 100)
    for (const b of plan.bots)
      rows.push([
        "exported",
        b.userPrincipalName,
        `${b.name}${b.phoneNumber ? ` ${b.phoneNumber} ${b.numberType}` : ""}`,
      ]);
  for (const d of plan.decisions) rows.push(["needs a decision", d.userPrincipalName, d.reasons.join("; ")]);
  for (const s of plan.skipped) rows.push(["skipped", s.userPrincipalName, s.reason]);
  return `\nexport summary\n${table(["result", "accounts"], counts)}\n${table(["status", "account", "bot / why"], rows)}`;
}

/** The report of a check. */
export function checkSummary(report: CheckReport, stackFile: string, stack: string): string {
  const rows: string[][] = [
    ...report.unmanagedAccounts.map((a) => [
      "unmanaged account",
      a.userPrincipalName,
      `app ${a.applicationId || "none"}`,
    ]),
    ...report.unmanagedNumbers.map((n) => [
      "unmanaged number",
      n.telephoneNumber,
      `${n.numberType} on ${n.userPrincipalName}`,
    ]),
    ...report.awaitingDecision.map((a) => [
      "awaiting a decision",
      a.userPrincipalName,
      `see the comment in ${stackFile}`,
    ]),
    ...report.missing.map((m) => ["declared, not in tenant", m.bot, m.what]),
  ];
  const verdict = hasUnmanaged(report)
    ? `${report.unmanagedAccounts.length} unmanaged account(s), ${report.unmanagedNumbers.length} unmanaged number(s): see what to do above.`
    : "nothing unmanaged.";
  const tableText = rows.length > 0 ? table(["finding", "what", "detail"], rows) : "";
  const advice = checkAdvice(report, stackFile, stack);
  const adviceText = advice.length > 0 ? `\nwhat to do:\n${advice.map((a) => `  - ${a}\n`).join("")}\n` : "";
  return `${tableText}${adviceText}${report.outOfScope > 0 ? `(${report.outOfScope} account(s) out of scope: voice apps or outside --match)\n` : ""}check: ${verdict}\n`;
}

/** Declared bots, validated the way the stack program validates them (none declared = empty). */
function validatedBots(stack: StackFile): BotConfig[] {
  const raw = declaredBots(stack);
  return raw.length === 0 ? [] : parseStackConfig({ bots: raw }).bots;
}

/** Runs the command; returns its exit code and what it found. */
export async function runExport(options: ExportOptions, io: ExportIo): Promise<ExportResult> {
  const started = Date.now();
  const progress = (line: string): void =>
    io.stderr(`[export ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
  const stackPath = path.join(options.workDir, `Pulumi.${options.stack}.yaml`);
  let stack: StackFile;
  let reader: TenantReader;
  let declared: BotConfig[] = [];
  try {
    stack = readStackFile(stackPath);
    const settings = tenantSettingsOf(stack, io.env);
    if (options.check) declared = validatedBots(stack);
    reader = (io.openReader ?? openTenantReader)(settings);
  } catch (e) {
    if (e instanceof SettingsError || e instanceof StackConfigError) {
      const absent = fs.existsSync(stackPath)
        ? ""
        : `\n(${stackPath} does not exist: the settings came from the environment only)`;
      io.stderr(`export: ${e.message}${absent}\n`);
      return { exitCode: 2 };
    }
    throw e;
  }

  let snapshot: TenantSnapshot;
  try {
    snapshot = await readTenant(reader, progress);
  } catch (e) {
    io.stderr(`export: reading the tenant failed: ${redact(e instanceof Error ? e.message : String(e))}\n`);
    return { exitCode: 3 };
  } finally {
    await reader.close();
  }
  progress("read done");

  if (options.check) {
    const report = checkTenant(snapshot, declared, {
      includeVoiceApps: options.includeVoiceApps,
      match: options.match,
      pendingDecisions: pendingDecisions(stack),
    });
    io.stdout(checkSummary(report, path.basename(stackPath), options.stack));
    return { exitCode: hasUnmanaged(report) ? 1 : 0, report, snapshot };
  }

  const plan = planExport(snapshot, {
    includeVoiceApps: options.includeVoiceApps,
    match: options.match,
    existing: declaredBots(stack),
  });
  const text = mergeIntoStackFile(stack, plan.bots, plan.decisions);
  if (options.out === "-") io.stdout(text);
  else {
    const target = options.out ? path.resolve(options.workDir, options.out) : stackPath;
    fs.writeFileSync(target, text);
    progress(`wrote ${plan.bots.length} bot(s) to ${target}`);
  }
  io.stderr(exportSummary(plan));
  return { exitCode: 0, plan, snapshot, written: text };
}

if (require.main === module) {
  const io: ExportIo = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
  };
  let options: ExportOptions;
  try {
    options = parseExportArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`export: ${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  runExport(options, io).then(
    (r) => process.exit(r.exitCode),
    (e: unknown) => {
      process.stderr.write(`export: ${redact(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`);
      process.exit(3);
    },
  );
}
