/**
 * Summarises V8 CPU profiles (`.cpuprofile`, e.g. of the provider processes written by
 * `npm run bench -- --cpu-prof DIR`): self time by owner (ours, Pulumi's SDK, gRPC, other
 * packages, Node internals, idle/GC) and the functions that cost most.
 * `node dist/bench/cpuprofile.js FILE.cpuprofile [more…]`.
 */
import * as fs from "fs";
import * as path from "path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Who a frame belongs to. */
export function ownerOf(url: string, functionName: string): string {
  if (!url) return ["(idle)", "(garbage collector)", "(program)"].includes(functionName) ? functionName : "(native)";
  if (/node_modules\/@pulumi\//.test(url)) return "@pulumi/pulumi";
  if (/node_modules\/@grpc\//.test(url) || /node_modules\/google-protobuf/.test(url)) return "grpc / protobuf";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg === "teams-bot-numbers" ? "ours" : pkg;
  if (url.startsWith("node:") || !url.includes("/")) return "node internals";
  if (/\/dist\/(provider|protocol|stacks)\//.test(url)) return "ours";
  if (/\/dist\/(bench|emulator)\//.test(url)) return "bench harness / emulator";
  return "other";
}

/** Self time (ms) by owner and by function of one profile. */
export function summarise(p: CpuProfile): {
  totalMs: number;
  byOwner: Record<string, number>;
  top: { fn: string; owner: string; ms: number }[];
} {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfMs = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!;
    selfMs.set(id, (selfMs.get(id) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0) / 1000);
  }
  const byOwner: Record<string, number> = {};
  const byFn = new Map<string, { fn: string; owner: string; ms: number }>();
  for (const [id, ms] of selfMs) {
    const n = byId.get(id)!;
    const owner = ownerOf(n.callFrame.url, n.callFrame.functionName);
    byOwner[owner] = (byOwner[owner] ?? 0) + ms;
    const fn = `${n.callFrame.functionName || "(anonymous)"} ${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    const e = byFn.get(fn) ?? { fn, owner, ms: 0 };
    e.ms += ms;
    byFn.set(fn, e);
  }
  return {
    totalMs: (p.endTime - p.startTime) / 1000,
    byOwner,
    top: [...byFn.values()].sort((a, b) => b.ms - a.ms).slice(0, 15),
  };
}

if (require.main === module) {
  for (const file of process.argv.slice(2)) {
    const s = summarise(JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile);
    const busy = Object.entries(s.byOwner).filter(([k]) => k !== "(idle)");
    const busyMs = busy.reduce((a, [, v]) => a + v, 0);
    process.stdout.write(`${path.basename(file)}: ${s.totalMs.toFixed(0)} ms profiled, ${busyMs.toFixed(0)} ms busy\n`);
    for (const [owner, ms] of busy.sort((a, b) => b[1] - a[1]))
      process.stdout.write(
        `  ${owner.padEnd(28)} ${ms.toFixed(0).padStart(7)} ms  ${((100 * ms) / busyMs).toFixed(1)} %\n`,
      );
    process.stdout.write("  top functions (self):\n");
    for (const t of s.top)
      process.stdout.write(`    ${t.ms.toFixed(0).padStart(6)} ms  ${t.owner.padEnd(20)} ${t.fn}\n`);
  }
}
