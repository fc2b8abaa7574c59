/**
 * Benchmark harness: for each N, starts the emulator with the bench fixture and the scaled
 * profile, runs our contender (the real Pulumi CLI on the stacks program, Automation API inline
 * route) and the baseline (bench/baseline.ts) through create / refresh / change 10 % / destroy,
 * and records wall time, tenant calls by family, PowerShell processes and connects, provider peak
 * RSS and the floor. `npm run bench [-- --n 10,50,200 --scale 0.01 --out bench/results]`.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";

import { startEmulator } from "../emulator";
import { LOCAL_DIR, openStack, pulumiCliDir, REPO_ROOT } from "../engine/workspace";
import { botNumbersProgram } from "../stacks/program";
import { BaselineScript } from "./baseline";
import { BenchBot, benchBots, changeTenPercent } from "./bots";
import {
  CallCounts,
  callsBetween,
  countLines,
  killTree,
  readStats,
  RUN_MARKER_ENV,
  runProviderPids,
  sampleProviderRss,
  writesSince,
} from "./measure";
import { minimalProgram } from "./minimal";
import { benchProfile, DEFAULT_SCALE, Floor, floorOf, QUICK_SCALE, REAL_PROFILE_MS, Scenario } from "./profile";

/** The two contenders, and the engine-overhead reference (bench/minimal.ts: same shape, trivial provider). */
export type Contender = "ours" | "baseline" | "minimal";

/** What one scenario of one contender cost. */
export interface ScenarioResult {
  contender: Contender;
  scenario: Scenario | "noopUp";
  n: number;
  ok: boolean;
  error?: string;
  wallMs: number;
  floor?: Floor;
  calls: CallCounts;
  /** Mutating tenant operations (audit log) by "family operation". */
  writes: Record<string, number>;
  /** PowerShell processes started. */
  pwshProcesses: number;
  /** Provider peak RSS (MB, VmHWM) — ours only. */
  peakRssMb?: number | null;
  providerProcesses?: number;
  /** Provider processes still running 1 s after the engine command returned (then killed) — ours only. */
  providerProcessesLeftRunning?: number;
  /** Engine's resource change summary — ours only. */
  changes?: Record<string, number>;
  /** When the measurement started (ISO). */
  measuredAt?: string;
  /** os.loadavg() (1, 5, 15 min) when the measurement started and when it ended: the machine may be shared. */
  loadAvg?: { before: number[]; after: number[] };
  /** Repetition of a cell measured more than once (no-op `up` pairs), from 1. */
  repeat?: number;
  /** Set when the cell was not measured in this run but taken from a kept earlier run (file, its start). */
  keptFrom?: string;
}

/** Options of a run. */
export interface BenchOptions {
  ns: number[];
  scale: number;
  contenders: Contender[];
  /** Engine parallelism passed to up/refresh/destroy (default: enough for every resource). */
  parallel?: (n: number) => number;
  /** Largest N the (slow, sequential) baseline runs for; default every N. */
  baselineMaxN?: number;
  /** V8 old-space limit (MB) for the provider processes (NODE_OPTIONS); default: Node's own. */
  providerHeapMb?: number;
  /**
   * No-op `up` pairs (ours, then the minimal reference stack of the same shape, back to back) per
   * N; default 3. 0 skips the reference.
   */
  noopPairs?: number;
  /** Directory for V8 CPU profiles of the provider processes (NODE_OPTIONS --cpu-prof); off by default. */
  cpuProfDir?: string;
  /**
   * Directory for heap snapshots of the provider processes, taken `heapSnapshotAfterMs` into ours'
   * create (NODE_OPTIONS --heapsnapshot-signal=SIGUSR2); off by default. Writing one pauses the
   * provider: do not read times of such a run.
   */
  heapSnapshotDir?: string;
  heapSnapshotAfterMs?: number;
  /** Ours' scenarios after create to run (default all: noopUp, refresh, change10, destroy); for investigations. */
  scenarios?: string[];
  /** Progress lines. */
  log?: (line: string) => void;
}

/** The whole result of a run. */
export interface BenchResults {
  startedAt: string;
  scale: number;
  realProfileMs: typeof REAL_PROFILE_MS;
  machine: Record<string, string | number>;
  /** V8 old-space limit given to the provider processes, if any. */
  providerHeapMb?: number;
  results: ScenarioResult[];
}

/** Where and on what the benchmark ran. */
export function machineInfo(): Record<string, string | number> {
  let pulumi = "unknown";
  try {
    pulumi = execFileSync(path.join(pulumiCliDir(), "pulumi"), ["version"], { encoding: "utf8" }).trim();
  } catch {
    /* keep unknown */
  }
  return {
    nproc: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? "unknown",
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    pulumi,
    os: `${os.type()} ${os.release()}`,
  };
}

/** os.loadavg() rounded to 0.1. */
export const loadAverage = (): number[] => os.loadavg().map((l) => Math.round(l * 10) / 10);

const stackConfigOf = (bots: BenchBot[]): string => JSON.stringify(bots);
/** Marks this run's provider processes, so measuring and cleaning up never touch anyone else's. */
const runMarker = `${process.pid}-${Date.now()}`;

/** Runs the benchmark for every N; one emulator per N, reset between contenders. */
export async function runBench(o: BenchOptions): Promise<BenchResults> {
  const log = o.log ?? ((l: string) => process.stderr.write(`[bench] ${l}\n`));
  const caDir = process.env.TBN_CA_DIR ?? path.join(LOCAL_DIR, "ca");
  if (!process.env.NODE_EXTRA_CA_CERTS)
    throw new Error(`set NODE_EXTRA_CA_CERTS=${path.join(caDir, "ca.pem")} (the emulator's CA) before starting`);
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    scale: o.scale,
    realProfileMs: REAL_PROFILE_MS,
    machine: machineInfo(),
    ...(o.providerHeapMb ? { providerHeapMb: o.providerHeapMb } : {}),
    results: [],
  };
  fs.mkdirSync(path.join(LOCAL_DIR, "bench"), { recursive: true });
  const runDir = fs.mkdtempSync(path.join(LOCAL_DIR, "bench", "run-"));
  const fixture = path.join(REPO_ROOT, "bench", "fixtures", "bench-tenant.json");
  const pwshPath = path.join(REPO_ROOT, "bench", "bin", "pwsh");
  const profile = benchProfile(o.scale);
  try {
    for (const n of o.ns) {
      const emulator = await startEmulator({
        dataDir: path.join(runDir, `emulator-${n}`),
        caDir,
        port: 0,
        fixture,
        reset: true,
        profile,
      });
      const deployer = JSON.parse(fs.readFileSync(fixture, "utf8")).apps[0] as { clientId: string; secrets: string[] };
      const startsFile = path.join(runDir, `pwsh-starts-${n}.log`);
      const common = {
        url: emulator.url,
        tenantId: emulator.tenantId,
        clientId: deployer.clientId,
        clientSecret: deployer.secrets[0]!,
      };
      /** Runs one scenario and records what it cost. */
      const measure = async (
        contender: Contender,
        scenario: ScenarioResult["scenario"],
        fn: () => Promise<Record<string, number> | void>,
        rss = false,
        repeat?: number,
      ): Promise<ScenarioResult> => {
        const before = await readStats(emulator.url);
        const auditFrom = (await writesSince(emulator.url, 0)).next;
        const startsBefore = countLines(startsFile);
        const sampler = rss ? sampleProviderRss(runMarker) : undefined;
        const measuredAt = new Date().toISOString();
        const loadBefore = loadAverage();
        const started = process.hrtime.bigint();
        let ok = true;
        let error: string | undefined;
        let changes: Record<string, number> | undefined;
        try {
          changes = (await fn()) ?? undefined;
        } catch (e) {
          ok = false;
          error = (e instanceof Error ? e.message : String(e)).slice(0, 2000);
        }
        const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
        const loadAfter = loadAverage();
        const memory = await sampler?.stop();
        // A provider the engine left behind would skew the next scenario: record it, then end it.
        for (const pid of memory?.stillAlive ?? []) killTree(pid);
        const after = await readStats(emulator.url);
        const r: ScenarioResult = {
          contender,
          scenario,
          n,
          ok,
          ...(error ? { error } : {}),
          wallMs: Math.round(wallMs),
          ...(scenario !== "noopUp" ? { floor: floorOf(scenario, n, o.scale) } : {}),
          calls: callsBetween(before, after),
          writes: (await writesSince(emulator.url, auditFrom)).byOperation,
          pwshProcesses: countLines(startsFile) - startsBefore,
          ...(memory
            ? {
                peakRssMb: memory.peakRssMb,
                providerProcesses: memory.providerProcesses,
                providerProcessesLeftRunning: memory.stillAlive.length,
              }
            : {}),
          ...(changes ? { changes } : {}),
          measuredAt,
          loadAvg: { before: loadBefore, after: loadAfter },
          ...(repeat ? { repeat } : {}),
        };
        results.results.push(r);
        log(
          `N=${n} ${contender} ${scenario}${repeat ? ` #${repeat}` : ""}: ${ok ? "ok" : `FAILED (${error})`} in ${r.wallMs} ms; graph http ${r.calls.graphHttp}, cmdlets ${r.calls.cmdletReads + r.calls.cmdletWrites}, pwsh ${r.pwshProcesses}, connects ${r.calls.connects}, load ${loadBefore[0]}→${loadAfter[0]}${memory ? `, provider RSS ${memory.peakRssMb} MB${memory.stillAlive.length ? `, ${memory.stillAlive.length} provider process(es) left running (killed)` : ""}` : ""}`,
        );
        return r;
      };
      const env = { TBN_BENCH_PWSH_STARTS: startsFile };
      try {
        const bots = benchBots(n);
        const change = changeTenPercent(bots);
        if (o.contenders.includes("ours")) {
          const parallel = o.parallel?.(n) ?? Math.max(64, 4 * n);
          const nodeOptions = [
            o.providerHeapMb ? `--max-old-space-size=${o.providerHeapMb}` : "",
            o.heapSnapshotDir ? `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${o.heapSnapshotDir}` : "",
          ]
            .filter(Boolean)
            .join(" ");
          // --cpu-prof is refused in NODE_OPTIONS: the launcher's `node` is a wrapper that adds it.
          const profBin = o.cpuProfDir ? path.join(runDir, "cpuprof-bin") : undefined;
          if (profBin) {
            fs.mkdirSync(profBin, { recursive: true });
            fs.writeFileSync(
              path.join(profBin, "node"),
              `#!/bin/sh\nexec "${process.execPath}" --cpu-prof --cpu-prof-dir="${o.cpuProfDir}" "$@"\n`,
              { mode: 0o755 },
            );
          }
          const stackEnv = {
            ...env,
            ...(profBin ? { PATH: `${profBin}${path.delimiter}${process.env.PATH ?? ""}` } : {}),
            [RUN_MARKER_ENV]: runMarker,
            ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
          };
          const summary = (r: { summary: { resourceChanges?: Record<string, number> } }): Record<string, number> =>
            (r.summary.resourceChanges ?? {}) as Record<string, number>;
          const pairs = o.scenarios && !o.scenarios.includes("noopUp") ? 0 : (o.noopPairs ?? 3);
          // The reference stack (same shape, trivial provider) is created first, untimed.
          const reference =
            pairs > 0
              ? await openStack({
                  projectName: "teams-bot-numbers",
                  stackName: `minimal${n}`,
                  program: minimalProgram(bots),
                  workDir: path.join(runDir, `minimal-${n}`, "work"),
                  backend: { kind: "file", dir: path.join(runDir, `minimal-${n}`, "backend") },
                  pulumiHome: path.join(runDir, `minimal-${n}`, "home"),
                  env: stackEnv,
                })
              : undefined;
          await reference?.up({ parallel });
          const stack: Stack = await openStack({
            projectName: "teams-bot-numbers",
            stackName: `bench${n}`,
            program: botNumbersProgram,
            workDir: path.join(runDir, `ours-${n}`, "work"),
            backend: { kind: "file", dir: path.join(runDir, `ours-${n}`, "backend") },
            pulumiHome: path.join(runDir, `ours-${n}`, "home"),
            env: {
              ...stackEnv,
              AZURE_CLIENT_SECRET: common.clientSecret,
              // Waits poll at the provider's real pace (5 s), scaled like the tenant.
              TEAMS_POLL_INTERVAL_MS: String(Math.max(10, Math.round(5_000 * o.scale))),
            },
          });
          await stack.setAllConfig({
            tenantId: { value: common.tenantId },
            clientId: { value: common.clientId },
            authorityHost: { value: emulator.url },
            graphUrl: { value: emulator.url },
            pwshPath: { value: pwshPath },
            bots: { value: stackConfigOf(bots) },
            // Throwaway stacks: destroyed at the end of each run.
            protect: { value: "false" },
          });
          await measure(
            "ours",
            "create",
            async () => {
              const timer = o.heapSnapshotDir
                ? setTimeout(() => {
                    for (const pid of runProviderPids(runMarker)) process.kill(pid, "SIGUSR2");
                    log(`N=${n} ours create: heap snapshot requested (${o.heapSnapshotDir})`);
                  }, o.heapSnapshotAfterMs ?? 10_000)
                : undefined;
              try {
                return summary(await stack.up({ parallel }));
              } finally {
                clearTimeout(timer);
              }
            },
            true,
          );
          // Engine overhead: no-op `up` of ours and of the reference, back to back, `pairs` times.
          for (let i = 1; i <= (o.scenarios && pairs === 0 ? 0 : Math.max(1, pairs)); i++) {
            await measure(
              "ours",
              "noopUp",
              async () => summary(await stack.up({ parallel })),
              true,
              pairs > 1 ? i : undefined,
            );
            if (reference)
              await measure(
                "minimal",
                "noopUp",
                async () => summary(await reference.up({ parallel })),
                true,
                pairs > 1 ? i : undefined,
              );
          }
          const wanted = (s: string): boolean => !o.scenarios || o.scenarios.includes(s);
          if (wanted("refresh"))
            await measure("ours", "refresh", async () => summary(await stack.refresh({ parallel })), true);
          if (wanted("change10")) {
            await stack.setConfig("bots", { value: stackConfigOf(change.bots) });
            await measure("ours", "change10", async () => summary(await stack.up({ parallel })), true);
          }
          if (wanted("destroy")) {
            await measure("ours", "destroy", async () => summary(await stack.destroy({ parallel })), true);
            // The engine's own share of a destroy (it rewrites the whole checkpoint after every step).
            if (reference)
              await measure("minimal", "destroy", async () => summary(await reference.destroy({ parallel })), true);
          }
          await stack.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
        }
        if (o.contenders.includes("baseline") && n <= (o.baselineMaxN ?? Infinity)) {
          await fetch(`${emulator.url}/_emulator/reset`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: "{}",
          });
          const script = new BaselineScript({
            ...common,
            pwshPath,
            env: { ...process.env, ...env },
            replicationWaitMs: Math.ceil(REAL_PROFILE_MS.replicationDelayMs * o.scale * 1.1),
            provisioningWaitMs: Math.ceil(REAL_PROFILE_MS.licenceProvisioningDelayMs * o.scale * 1.1),
            usageLocationWaitMs: Math.ceil(REAL_PROFILE_MS.usageLocationLagMs * o.scale * 1.1),
            teamsLicenceWaitMs: Math.ceil(REAL_PROFILE_MS.teamsLicenceLagMs * o.scale * 1.1),
          });
          let ids = new Map<string, string>();
          await measure("baseline", "create", async () => void (ids = await script.create(bots)));
          await measure("baseline", "refresh", () => script.check(bots, ids));
          await measure("baseline", "change10", () => script.changeNumbers(change.changes, ids));
          await measure("baseline", "destroy", () => script.destroy(change.bots, ids));
        }
      } finally {
        await emulator.stop();
      }
    }
  } finally {
    if (!process.env.TBN_KEEP_BENCH) fs.rmSync(runDir, { recursive: true, force: true });
  }
  return results;
}

/**
 * Fills the baseline cells of `r` from a kept earlier run at the same scale (the slow baseline is
 * run once): each taken cell says where it came from. Cells this run measured stay.
 */
export function withKeptBaseline(r: BenchResults, kept: BenchResults, file: string): BenchResults {
  if (kept.scale !== r.scale) throw new Error(`${file} was measured at scale ${kept.scale}, this run at ${r.scale}`);
  const have = new Set(r.results.map((x) => `${x.contender} ${x.scenario} ${x.n}`));
  const taken = kept.results
    .filter((x) => x.contender === "baseline" && !have.has(`${x.contender} ${x.scenario} ${x.n}`))
    .map((x) => ({ ...x, keptFrom: x.keptFrom ?? `${file} (run ${kept.startedAt})` }));
  return { ...r, results: [...r.results, ...taken] };
}

const fmtS = (ms: number | undefined): string => (ms === undefined ? "–" : (ms / 1000).toFixed(2));
const ratio = (a: number, b: number | undefined): string => (b && b > 0 ? `${(a / b).toFixed(1)}×` : "–");

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const load1 = (x: ScenarioResult | undefined): string =>
  x?.loadAvg ? `${x.loadAvg.before[0]}→${x.loadAvg.after[0]}` : "–";

/** The engine-overhead figures of one N: no-op `up` of ours and of the minimal reference, pair by pair. */
export function engineOverhead(
  r: BenchResults,
  n: number,
): { ours: number[]; minimal: number[]; pairRatios: number[]; ratioOfMedians: number } | undefined {
  const noop = (c: Contender): ScenarioResult[] =>
    r.results.filter((x) => x.n === n && x.scenario === "noopUp" && x.contender === c && x.ok);
  const ours = noop("ours");
  const minimal = noop("minimal");
  if (!ours.length || !minimal.length) return undefined;
  const pairRatios = ours
    .map((o, i) => (minimal[i] ? o.wallMs / minimal[i]!.wallMs : NaN))
    .filter((x) => Number.isFinite(x));
  return {
    ours: ours.map((x) => x.wallMs),
    minimal: minimal.map((x) => x.wallMs),
    pairRatios,
    ratioOfMedians: median(ours.map((x) => x.wallMs)) / median(minimal.map((x) => x.wallMs)),
  };
}

/** The markdown tables of a run: one row per N × scenario, ours beside the baseline; then the engine overhead. */
export function toMarkdown(r: BenchResults): string {
  const m = r.machine;
  const loads = r.results.flatMap((x) => (x.loadAvg && !x.keptFrom ? [x.loadAvg.before[0]!, x.loadAvg.after[0]!] : []));
  const kept = [...new Set(r.results.flatMap((x) => (x.keptFrom ? [x.keptFrom] : [])))];
  const lines = [
    `Run ${r.startedAt} · scale ${r.scale} (1 real second = ${1000 * r.scale} ms) · ${m.nproc} × ${m.cpu}, ${m.memoryGb} GB · Node ${m.node} · Pulumi ${m.pulumi}${r.providerHeapMb ? ` · provider heap limit ${r.providerHeapMb} MB` : ""}`,
    "",
    loads.length
      ? `1-minute load average during this run's measurements: ${Math.min(...loads)}–${Math.max(...loads)} on ${m.nproc} cores` +
        (Math.max(...loads) > Number(m.nproc)
          ? " — the machine was shared: absolute times were taken under load; compare ratios measured back to back."
          : ".")
      : "",
    ...kept.map((k) => `† baseline cell not measured in this run: kept from ${k}.`),
    "",
    "| N | scenario | ours s | baseline s | baseline ÷ ours | floor s (1 PS session) | ours ÷ floor | ours Graph HTTP ($batch) | ours Graph ops | ours cmdlets | ours pwsh / connects | baseline Graph HTTP | baseline cmdlets | baseline pwsh / connects | provider peak RSS MB | load 1 min (ours · baseline) |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  const ns = [...new Set(r.results.map((x) => x.n))].sort((a, b) => a - b);
  for (const n of ns) {
    for (const scenario of ["create", "refresh", "change10", "destroy", "noopUp"] as const) {
      const ours = r.results.find((x) => x.n === n && x.scenario === scenario && x.contender === "ours");
      const base = r.results.find((x) => x.n === n && x.scenario === scenario && x.contender === "baseline");
      if (!ours && !base) continue;
      const floor = (ours ?? base)!.floor;
      const cell = (x: ScenarioResult | undefined, f: (x: ScenarioResult) => string): string =>
        x ? (x.ok ? f(x) : `FAILED`) : "–";
      lines.push(
        [
          n,
          scenario === "change10" ? "change 10 %" : scenario === "noopUp" ? "no-op up (engine overhead)" : scenario,
          cell(ours, (x) => fmtS(x.wallMs)),
          cell(base, (x) => fmtS(x.wallMs) + (x.keptFrom ? " †" : "")),
          ours?.ok && base?.ok ? ratio(base.wallMs, ours.wallMs) : "–",
          floor ? `${fmtS(floor.parallelMs)} (${fmtS(floor.onePowerShellMs)})` : "–",
          ours?.ok && floor ? ratio(ours.wallMs, floor.parallelMs) : "–",
          cell(ours, (x) => `${x.calls.graphHttp} (${x.calls.graphBatches})`),
          cell(ours, (x) => String(x.calls.graphReads + x.calls.graphWrites)),
          cell(ours, (x) => String(x.calls.cmdletReads + x.calls.cmdletWrites)),
          cell(ours, (x) => `${x.pwshProcesses} / ${x.calls.connects}`),
          cell(base, (x) => String(x.calls.graphHttp)),
          cell(base, (x) => String(x.calls.cmdletReads + x.calls.cmdletWrites)),
          cell(base, (x) => `${x.pwshProcesses} / ${x.calls.connects}`),
          ours?.peakRssMb != null ? String(ours.peakRssMb) : "–",
          `${load1(ours)} · ${load1(base)}`,
        ]
          .join(" | ")
          .replace(/^/, "| ")
          .replace(/$/, " |"),
      );
    }
  }
  const overhead = ns.flatMap((n) => {
    const o = engineOverhead(r, n);
    if (!o) return [];
    const rss = (c: Contender): string =>
      String(
        Math.max(
          ...r.results
            .filter((x) => x.n === n && x.scenario === "noopUp" && x.contender === c)
            .map((x) => x.peakRssMb ?? 0),
        ),
      );
    const loadsN = r.results
      .filter((x) => x.n === n && x.scenario === "noopUp")
      .flatMap((x) => (x.loadAvg ? [x.loadAvg.before[0]!] : []));
    return [
      `| ${n} | ${o.ours.map(fmtS).join(", ")} | ${o.minimal.map(fmtS).join(", ")} | **${o.ratioOfMedians.toFixed(2)}×** | ${o.pairRatios.map((x) => x.toFixed(2)).join(", ")} | ${rss("ours")} · ${rss("minimal")} | ${Math.min(...loadsN)}–${Math.max(...loadsN)} |`,
    ];
  });
  const destroys = ns.flatMap((n) => {
    const of = (c: Contender): ScenarioResult | undefined =>
      r.results.find((x) => x.n === n && x.scenario === "destroy" && x.contender === c && x.ok);
    const [ours, minimal] = [of("ours"), of("minimal")];
    if (!ours || !minimal) return [];
    return [
      `| ${n} | ${fmtS(ours.wallMs)} | ${fmtS(minimal.wallMs)} | **${(ours.wallMs / minimal.wallMs).toFixed(2)}×** | ${ours.loadAvg?.before[0] ?? "–"} · ${minimal.loadAvg?.before[0] ?? "–"} |`,
    ];
  });
  if (destroys.length) {
    lines.push(
      "",
      "Destroy against the same reference: the engine rewrites the whole checkpoint after every step (DIY " +
        "backends have no journaling), so a large stack's destroy is mostly the engine's; the reference " +
        "deletes the same shape with a provider that does nothing.",
      "",
      "| N | ours destroy s | minimal destroy s | ours ÷ minimal | load 1 min (ours · minimal) |",
      "|---|---|---|---|---|",
      ...destroys,
    );
  }
  if (overhead.length) {
    lines.push(
      "",
      "Engine overhead: no-op `up` of ours against a no-op `up` of the same shape of minimal dynamic resources " +
        "(bench/minimal.ts: per bot a component and three dynamic resources whose provider does nothing), " +
        "measured in back-to-back pairs (ours, then the reference).",
      "",
      "| N | ours no-op up s (each) | minimal no-op up s (each) | ours ÷ minimal (medians) | ours ÷ minimal (each pair) | peak RSS MB (ours · minimal) | load 1 min |",
      "|---|---|---|---|---|---|---|",
      ...overhead,
    );
  }
  return lines.join("\n") + "\n";
}

/** Command-line options of `npm run bench`. */
interface CliArgs {
  ns: number[];
  scale: number;
  out: string;
  /** Base name of the result files in `out` (`<name>.json`, `<name>.md`). */
  name: string;
  contenders: Contender[];
  providerHeapMb?: number;
  baselineMaxN?: number;
  /** An earlier run whose baseline cells fill the table (the slow baseline is run once and kept). */
  baselineFrom?: string;
  noopPairs?: number;
  cpuProfDir?: string;
  heapSnapshotDir?: string;
  heapSnapshotAfterMs?: number;
  scenarios?: string[];
}

const USAGE =
  "usage: bench/run.js [--n 10,50,200] [--scale 0.1 | --quick] [--out DIR] [--name results] [--only ours|baseline] " +
  "[--baseline-max-n N] [--baseline-from FILE.json] [--noop-pairs 3] [--cpu-prof DIR] [--heap-snapshot DIR [--heap-snapshot-after-ms 10000]] [--scenarios noopUp,refresh,change10,destroy] [--provider-heap-mb MB]";

function parseArgs(argv: string[]): CliArgs {
  const o: CliArgs = {
    ns: [10, 50, 200],
    scale: DEFAULT_SCALE,
    out: path.join(REPO_ROOT, "bench", "results"),
    name: "results",
    contenders: ["ours", "baseline"],
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1] ?? "";
    switch (argv[i]) {
      case "--n":
        o.ns = v.split(",").map(Number);
        i++;
        break;
      case "--scale":
        o.scale = Number(v);
        i++;
        break;
      case "--quick":
        o.scale = QUICK_SCALE;
        break;
      case "--out":
        o.out = path.resolve(v);
        i++;
        break;
      case "--name":
        o.name = v;
        i++;
        break;
      case "--only":
        o.contenders = [v as Contender];
        i++;
        break;
      case "--provider-heap-mb":
        o.providerHeapMb = Number(v);
        i++;
        break;
      case "--baseline-max-n":
        o.baselineMaxN = Number(v);
        i++;
        break;
      case "--noop-pairs":
        o.noopPairs = Number(v);
        i++;
        break;
      case "--scenarios":
        o.scenarios = v.split(",");
        i++;
        break;
      case "--heap-snapshot":
        o.heapSnapshotDir = path.resolve(v);
        i++;
        break;
      case "--heap-snapshot-after-ms":
        o.heapSnapshotAfterMs = Number(v);
        i++;
        break;
      case "--cpu-prof":
        o.cpuProfDir = path.resolve(v);
        i++;
        break;
      case "--baseline-from":
        o.baselineFrom = path.resolve(v);
        i++;
        break;
      default:
        throw new Error(`${USAGE} (unknown ${argv[i]})`);
    }
  }
  if (o.ns.some((n) => !Number.isInteger(n) || n < 1 || n > 200) || !(o.scale > 0))
    throw new Error("--n takes integers 1..200, --scale a positive number");
  if (!/^[\w.-]+$/.test(o.name))
    throw new Error(`--name takes a file base name (letters, digits, . _ -), got "${o.name}"`);
  return o;
}

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2));
  runBench({
    ns: args.ns,
    scale: args.scale,
    contenders: args.contenders,
    providerHeapMb: args.providerHeapMb,
    baselineMaxN: args.baselineMaxN,
    noopPairs: args.noopPairs,
    cpuProfDir: args.cpuProfDir,
    heapSnapshotDir: args.heapSnapshotDir,
    heapSnapshotAfterMs: args.heapSnapshotAfterMs,
    scenarios: args.scenarios,
  })
    .then((r) => {
      if (args.baselineFrom)
        r = withKeptBaseline(
          r,
          JSON.parse(fs.readFileSync(args.baselineFrom, "utf8")) as BenchResults,
          path.relative(REPO_ROOT, args.baselineFrom),
        );
      fs.mkdirSync(args.out, { recursive: true });
      fs.writeFileSync(path.join(args.out, `${args.name}.json`), JSON.stringify(r, null, 2) + "\n");
      fs.writeFileSync(path.join(args.out, `${args.name}.md`), toMarkdown(r));
      process.stdout.write(toMarkdown(r));
      process.exit(0);
    })
    .catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
}
