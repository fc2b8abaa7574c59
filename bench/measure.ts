/** Measuring tools of the benchmark: emulator counters before/after, PowerShell starts, provider peak RSS. */
import * as fs from "fs";

import type { Stats } from "../emulator/context";

/** The emulator's /_emulator/stats counters (its own type, so the two cannot drift apart). */
export type EmulatorStats = Stats;

/** Tenant calls of one scenario, by API family. */
export interface CallCounts {
  /** Entra token requests. */
  tokenRequests: number;
  /** Graph HTTP requests (a `$batch` counts once). */
  graphHttp: number;
  /** Of those, `$batch` requests. */
  graphBatches: number;
  /** Graph operations (inner requests of batches included): reads and writes. */
  graphReads: number;
  graphWrites: number;
  /** Teams cmdlets run (reads and writes). */
  cmdletReads: number;
  cmdletWrites: number;
  /** Connect-MicrosoftTeams requests. */
  connects: number;
}

/** Reads the emulator's counters. */
export async function readStats(url: string): Promise<EmulatorStats> {
  const res = await fetch(`${url}/_emulator/stats`);
  if (!res.ok) throw new Error(`/_emulator/stats: HTTP ${res.status}`);
  return (await res.json()) as EmulatorStats;
}

/** Mutating audit entries since `fromSeq`, counted by "family operation". */
export async function writesSince(
  url: string,
  fromIndex: number,
): Promise<{ next: number; byOperation: Record<string, number> }> {
  const res = await fetch(`${url}/_emulator/audit`);
  const entries = ((await res.json()) as { entries: { family: string; operation: string; outcome: string }[] }).entries;
  const byOperation: Record<string, number> = {};
  for (const e of entries.slice(fromIndex)) {
    const key = `${e.family} ${e.operation}${e.outcome === "ok" ? "" : ` (${e.outcome})`}`;
    byOperation[key] = (byOperation[key] ?? 0) + 1;
  }
  return { next: entries.length, byOperation };
}

/** The difference of two stats snapshots. */
export function callsBetween(a: EmulatorStats, b: EmulatorStats): CallCounts {
  return {
    tokenRequests: b.tokenRequests - a.tokenRequests,
    graphHttp: b.httpRequests.graph - a.httpRequests.graph,
    graphBatches: b.httpRequests.graphBatch - a.httpRequests.graphBatch,
    graphReads: b.readCount.graph - a.readCount.graph,
    graphWrites: b.writeCount.graph - a.writeCount.graph,
    cmdletReads: b.readCount.teams - a.readCount.teams,
    cmdletWrites: b.writeCount.teams - a.writeCount.teams,
    connects: b.httpRequests.connect - a.httpRequests.connect,
  };
}

/** Lines in the PowerShell start log written by bench/bin/pwsh (0 when absent). */
export function countLines(file: string): number {
  if (!fs.existsSync(file)) return 0;
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "").length;
}

/** Peak RSS of the dynamic-provider processes seen while sampling. */
export interface RssSampler {
  /**
   * Stops sampling; returns the highest VmHWM (MB) of the provider processes that started during
   * the sampling, how many there were, and the pids of those still alive `graceMs` later.
   */
  stop(graceMs?: number): Promise<{ peakRssMb: number | null; providerProcesses: number; stillAlive: number[] }>;
}

function vmHwmKb(pid: string): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Environment variable that marks the provider processes of one bench run (see sampleProviderRss). */
export const RUN_MARKER_ENV = "TBN_BENCH_RUN";

/** True when the process's environment carries `marker` (only our own processes are readable). */
function hasMarker(pid: string, marker: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`${RUN_MARKER_ENV}=${marker}`);
  } catch {
    return false;
  }
}

/**
 * Samples /proc every `intervalMs` for this run's dynamic-provider processes (node running
 * @pulumi/pulumi/cmd/dynamic-provider, started by pulumi-resource-pulumi-nodejs, with
 * `TBN_BENCH_RUN=<marker>` inherited from the engine) and keeps each one's VmHWM (the kernel's own
 * high-water mark of its resident set). Other processes on the machine are never touched.
 */
export function sampleProviderRss(marker: string, intervalMs = 50): RssSampler {
  const peaks = new Map<string, number>();
  // Provider processes alive before we started belong to an earlier scenario.
  const before = new Set(providerPids());
  const tick = (): void => {
    for (const pid of providerPids()) {
      if (before.has(pid) || !hasMarker(pid, marker)) continue;
      const kb = vmHwmKb(pid);
      if (kb !== undefined) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, kb));
    }
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return {
    async stop(graceMs = 1_000) {
      clearInterval(timer);
      tick();
      const max = Math.max(0, ...peaks.values());
      await new Promise((r) => setTimeout(r, graceMs));
      const alive = new Set(providerPids());
      const stillAlive = [...peaks.keys()].filter((pid) => alive.has(pid)).map(Number);
      return {
        peakRssMb: peaks.size ? Math.round((max / 1024) * 10) / 10 : null,
        providerProcesses: peaks.size,
        stillAlive,
      };
    },
  };
}

/** Pids of this run's running dynamic-provider processes (those carrying `marker`). */
export function runProviderPids(marker: string): number[] {
  return providerPids()
    .filter((pid) => hasMarker(pid, marker))
    .map(Number);
}

/** Pids of running dynamic-provider processes. */
export function providerPids(): string[] {
  return fs.readdirSync("/proc").filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("cmd/dynamic-provider");
    } catch {
      return false;
    }
  });
}

/** Kills a process and its direct children (a provider the engine left behind, with its PowerShell host). */
export function killTree(pid: number): void {
  for (const child of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const ppid = /PPid:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child}/status`, "utf8"))?.[1];
      if (Number(ppid) === pid) process.kill(Number(child), "SIGKILL");
    } catch {
      /* gone */
    }
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* gone */
  }
}
