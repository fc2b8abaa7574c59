/**
 * Benchmark of `npm run export` on a brownfield tenant (scripts/export/brownfield-fixture.ts) of N
 * resource accounts, under the bench latency profile (bench/profile.ts) at one or more scales:
 * wall time of the whole command (read, plan, write) and the tenant requests by family.
 *
 *   node dist/bench/export.js [--accounts 500] [--scales 0.01,1] [--out bench/results]
 *
 * Writes export.json and export.md into the output directory.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { startEmulator } from "../emulator";
import { LOCAL_DIR, REPO_ROOT } from "../engine/workspace";
import { parseExportArgs, runExport } from "../scripts/export";
import { brownfieldFixture } from "../scripts/export/brownfield-fixture";
import { CallCounts, callsBetween, countLines, readStats, writesSince } from "./measure";
import { benchProfile, REAL_PROFILE_MS } from "./profile";
import { machineInfo } from "./run";

/** One measured export. */
export interface ExportBenchResult {
  accounts: number;
  scale: number;
  ok: boolean;
  wallMs: number;
  calls: CallCounts;
  /** Mutating tenant operations (must be none). */
  writes: Record<string, number>;
  pwshProcesses: number;
  /** Progress lines about the users (stderr) while reading. */
  userProgressLines: string[];
  exported: number;
  decisions: number;
  skipped: number;
}

/** Runs one export of `accounts` accounts at `scale`. */
export async function benchExport(accounts: number, scale: number, runDir: string): Promise<ExportBenchResult> {
  const caDir = process.env.TBN_CA_DIR ?? path.join(LOCAL_DIR, "ca");
  const fixture = brownfieldFixture(accounts);
  const emulator = await startEmulator({
    dataDir: path.join(runDir, `emulator-${accounts}-${scale}`),
    caDir,
    port: 0,
    fixture,
    reset: true,
    profile: benchProfile(scale),
  });
  const startsFile = path.join(runDir, `pwsh-starts-${accounts}-${scale}.log`);
  const workDir = path.join(runDir, `work-${accounts}-${scale}`);
  fs.mkdirSync(workDir, { recursive: true });
  const deployer = fixture.apps[0]!;
  fs.writeFileSync(
    path.join(workDir, "Pulumi.bench.yaml"),
    [
      "config:",
      `  teams-bot-numbers:tenantId: ${emulator.tenantId}`,
      `  teams-bot-numbers:clientId: ${deployer.clientId}`,
      `  teams-bot-numbers:authorityHost: ${emulator.url}`,
      `  teams-bot-numbers:graphUrl: ${emulator.url}`,
      `  teams-bot-numbers:pwshPath: ${path.join(REPO_ROOT, "bench", "bin", "pwsh")}`,
      "",
    ].join("\n"),
  );
  try {
    // The PowerShell host inherits this process's environment: the bench wrapper logs each start there.
    process.env.TBN_BENCH_PWSH_STARTS = startsFile;
    const before = await readStats(emulator.url);
    const auditFrom = (await writesSince(emulator.url, 0)).next;
    const started = process.hrtime.bigint();
    const userProgressLines: string[] = [];
    const result = await runExport(parseExportArgs(["--stack", "bench", "--work-dir", workDir]), {
      stdout: () => undefined,
      stderr: (text) => userProgressLines.push(...text.split("\n").filter((l) => / users \d+\/\d+$/.test(l))),
      env: { ...process.env, AZURE_CLIENT_SECRET: deployer.secrets![0]! },
    });
    const wallMs = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
    const after = await readStats(emulator.url);
    return {
      accounts,
      scale,
      ok: result.exitCode === 0,
      wallMs,
      calls: callsBetween(before, after),
      writes: (await writesSince(emulator.url, auditFrom)).byOperation,
      pwshProcesses: countLines(startsFile),
      userProgressLines,
      exported: result.plan?.bots.length ?? 0,
      decisions: result.plan?.decisions.length ?? 0,
      skipped: result.plan?.skipped.length ?? 0,
    };
  } finally {
    await emulator.stop();
  }
}

function toMarkdown(
  startedAt: string,
  machine: Record<string, string | number>,
  rs: ExportBenchResult[],
  loadAverage: number,
): string {
  const lines = [
    "# Export benchmark",
    "",
    `Run ${startedAt} · ${machine.nproc} × ${machine.cpu}, ${machine.memoryGb} GB · Node ${machine.node}. ` +
      "`npm run export` on a brownfield tenant (scripts/export/brownfield-fixture.ts) under the bench latency " +
      "profile (bench/profile.ts: token 150 ms, Graph call 200 ms, PowerShell start 6 s, Connect 8 s, cmdlet 1.5 s, " +
      "each + jitter) times the scale. Wall time = the whole command in-process: read, plan, merge, write. " +
      `1-minute load average at the start: ${loadAverage.toFixed(1)} (${machine.nproc} cores).`,
    "",
    "| accounts | scale | wall s | Graph HTTP ($batch) | Graph reads | cmdlets | pwsh / connects | token requests | writes | exported / decisions / skipped |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rs.map(
      (r) =>
        `| ${r.accounts} | ${r.scale} | ${(r.wallMs / 1000).toFixed(2)} | ${r.calls.graphHttp} (${r.calls.graphBatches}) | ${r.calls.graphReads} | ${r.calls.cmdletReads + r.calls.cmdletWrites} | ${r.pwshProcesses} / ${r.calls.connects} | ${r.calls.tokenRequests} | ${Object.values(r.writes).reduce((a, b) => a + b, 0)} | ${r.exported} / ${r.decisions} / ${r.skipped} |`,
    ),
    "",
  ];
  return lines.join("\n");
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const option = (name: string, dflt: string): string => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
  };
  const accounts = Number(option("--accounts", "500"));
  const scales = option("--scales", "0.01,1").split(",").map(Number);
  const out = path.resolve(option("--out", path.join(REPO_ROOT, "bench", "results")));
  if (!Number.isInteger(accounts) || accounts < 1 || scales.some((s) => !(s > 0))) {
    process.stderr.write("usage: bench/export.js [--accounts 500] [--scales 0.01,1] [--out DIR]\n");
    process.exit(2);
  }
  void (async () => {
    fs.mkdirSync(path.join(LOCAL_DIR, "bench"), { recursive: true });
    const runDir = fs.mkdtempSync(path.join(LOCAL_DIR, "bench", "export-"));
    const startedAt = new Date().toISOString();
    const loadAverage = os.loadavg()[0]!;
    const results: ExportBenchResult[] = [];
    for (const scale of scales) {
      const r = await benchExport(accounts, scale, runDir);
      results.push(r);
      process.stderr.write(
        `[bench] export ${accounts} accounts at scale ${scale}: ${r.ok ? "ok" : "FAILED"} in ${r.wallMs} ms; graph http ${r.calls.graphHttp} (${r.calls.graphBatches} $batch), cmdlets ${r.calls.cmdletReads + r.calls.cmdletWrites}, connects ${r.calls.connects}, writes ${JSON.stringify(r.writes)}\n`,
      );
    }
    const machine = machineInfo();
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(
      path.join(out, "export.json"),
      JSON.stringify({ startedAt, loadAverage, machine, realProfileMs: REAL_PROFILE_MS, results }, null, 2) + "\n",
    );
    fs.writeFileSync(path.join(out, "export.md"), toMarkdown(startedAt, machine, results, loadAverage));
    fs.rmSync(runDir, { recursive: true, force: true });
    process.exit(results.every((r) => r.ok) ? 0 : 1);
  })();
}
