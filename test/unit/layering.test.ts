/**
 * The codebase's shape, checked on the source (type-only imports count too):
 * - no import cycle anywhere (provider, stacks, scripts, bench, engine, protocol, emulator, test);
 * - the provider is the library: it imports nothing of the programs and tools around it;
 * - inside the provider, layers point down: resources → tenant (its front door only) → access;
 *   resources never reach Graph, PowerShell, the operations, the settings or the credentials;
 * - the emulator is independent of the provider (a witness, not a copy): it imports only itself
 *   and the shared host protocol;
 * - stacks and scripts reach the provider only through its public pieces (PUBLIC below).
 */
import { readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const PROVIDER = path.join(ROOT, "provider");
const AREAS = ["provider", "stacks", "scripts", "bench", "engine", "protocol", "emulator", "test"];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === "node_modules" || name === "dist") return [];
    return statSync(full).isDirectory() ? files(full) : full.endsWith(".ts") ? [full] : [];
  });
}

/** Relative imports and re-exports of a file (static and `import("…")`), resolved to files. */
function importsOf(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const specs = [
    ...[...source.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/g)].map((m) => m[1]!),
    ...[...source.matchAll(/(?:import|require)\("(\.[^"]+)"\)/g)].map((m) => m[1]!),
  ];
  return specs.flatMap((spec) => {
    const base = path.resolve(path.dirname(file), spec);
    const found = [`${base}.ts`, path.join(base, "index.ts")].find((f) => {
      try {
        return statSync(f).isFile();
      } catch {
        return false;
      }
    });
    return found ? [found] : [];
  });
}

/** The cycles (as node lists) among `nodes`, following `edges`. */
function cycles(nodes: string[], edges: (node: string) => string[] = importsOf): string[][] {
  const inside = new Set(nodes);
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, "open");
    stack.push(f);
    for (const next of edges(f).filter((n) => n && inside.has(n))) {
      if (state.get(next) === "open") found.push(stack.slice(stack.indexOf(next)).concat(next));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(f, "done");
  };
  nodes.forEach((f) => state.has(f) || visit(f));
  return found;
}

const rel = (f: string): string => path.relative(ROOT, f);

/** Every import edge "from → to" of the files under `dir` (relative to the repository). */
const edgesFrom = (dir: string): string[] =>
  files(path.join(ROOT, dir)).flatMap((f) => importsOf(f).map((i) => `${rel(f)} → ${rel(i)}`));

/** What stacks and scripts may import of the provider: its public pieces. */
const PUBLIC = [
  "provider/index.ts", // the resources and their Args
  "provider/errors.ts", // TenantError, to tell the provider's failures
  "provider/settings.ts", // resolving the tenant settings from stack config
  "provider/validate.ts", // the normalisers the stack config shares with check()
  "provider/access/index.ts", // the permission catalogue, scopes, credential words
  "provider/tenant/index.ts", // the tenant's front door (tenantParts for read-only tools)
];

describe("layering", () => {
  test("no import cycle anywhere", () => {
    const all = [path.join(ROOT, "index.ts"), ...AREAS.flatMap((a) => files(path.join(ROOT, a)))];
    expect(cycles(all).map((c) => c.map(rel))).toEqual([]);
  });

  test("the checks work (self-test on a made-up graph; imports read, dynamic ones too)", () => {
    const edges: Record<string, string[]> = { client: ["graph"], graph: ["client", "errors"], errors: [] };
    expect(cycles(Object.keys(edges), (n) => edges[n]!)).toEqual([["client", "graph", "client"]]);
    expect(importsOf(path.join(PROVIDER, "tenant", "index.ts")).map(rel)).toEqual(
      expect.arrayContaining([
        "provider/tenant/accounts/ops.ts",
        "provider/tenant/graph/index.ts",
        "provider/tenant/services.ts",
      ]),
    );
    expect(importsOf(path.join(ROOT, "scripts", "preflight.ts")).map(rel)).toContain("scripts/stack.ts");
  });

  test("the provider imports nothing of the programs and tools around it", () => {
    const outside = edgesFrom("provider").filter((e) => !/→ (provider|protocol)\//.test(e));
    expect(outside).toEqual([]);
  });

  test("resources use the tenant's front door only: no Graph, PowerShell, operations, settings or credentials", () => {
    const reached = edgesFrom("provider/resources").filter(
      (e) => /→ provider\/(tenant|access)\//.test(e) || /→ provider\/(settings|tuning)\.ts/.test(e),
    );
    expect(reached.filter((e) => !e.endsWith("→ provider/tenant/index.ts"))).toEqual([]);
  });

  test("layers point down: access knows no tenant, the tenant no resource", () => {
    const up = [
      ...edgesFrom("provider/access").filter((e) => /→ provider\/(tenant|resources)\//.test(e)),
      ...edgesFrom("provider/tenant").filter((e) => /→ provider\/resources\//.test(e)),
    ];
    expect(up).toEqual([]);
  });

  test("the emulator is independent of the provider: only itself and the host protocol", () => {
    const outside = edgesFrom("emulator").filter((e) => !/→ (emulator\/|protocol\/host-protocol\.ts)/.test(e));
    expect(outside).toEqual([]);
  });

  test("stacks and scripts reach the provider only through its public pieces", () => {
    const inner = [...edgesFrom("stacks"), ...edgesFrom("scripts")].filter(
      (e) => / → provider\//.test(e) && !PUBLIC.some((p) => e.endsWith(`→ ${p}`)),
    );
    expect(inner).toEqual([]);
  });
});
