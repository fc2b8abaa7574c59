/**
 * The tenant layer's shape, checked on the source: no import cycle in provider/tenant (type-only
 * imports count too), and resources reach the tenant only through its services (never Graph,
 * PowerShell or the settings).
 */
import { readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";

const PROVIDER = path.resolve(__dirname, "../../provider");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith(".ts") ? [full] : [];
  });
}

/** Relative imports and re-exports of a file, resolved to files. */
function importsOf(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const specs = [...source.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/g)].map((m) => m[1]!);
  return specs.map((spec) => {
    const base = path.resolve(path.dirname(file), spec);
    return [`${base}.ts`, path.join(base, "index.ts")].find((f) => {
      try {
        return statSync(f).isFile();
      } catch {
        return false;
      }
    })!;
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

describe("tenant layer", () => {
  test("no import cycle in provider/tenant", () => {
    const found = cycles(files(path.join(PROVIDER, "tenant")));
    expect(found.map((c) => c.map((f) => path.relative(PROVIDER, f)))).toEqual([]);
  });

  test("the cycle check finds cycles (self-test on a made-up graph) and reads imports", () => {
    const edges: Record<string, string[]> = { client: ["graph"], graph: ["client", "errors"], errors: [] };
    expect(cycles(Object.keys(edges), (n) => edges[n]!)).toEqual([["client", "graph", "client"]]);
    const imported = importsOf(path.join(PROVIDER, "tenant", "index.ts")).map((f) => path.relative(PROVIDER, f));
    expect(imported).toEqual(
      expect.arrayContaining(["tenant/accounts/ops.ts", "tenant/graph/index.ts", "tenant/services.ts"]),
    );
  });

  test("resources use the services only: no Graph, PowerShell or settings import", () => {
    const reached = files(path.join(PROVIDER, "resources")).flatMap((f) =>
      importsOf(f).map((i) => `${path.relative(PROVIDER, f)} → ${path.relative(PROVIDER, i)}`),
    );
    expect(
      reached.filter((r) =>
        /→ (tenant\/(graph|powershell|accounts\/ops|licences\/ops|numbers\/ops)|access|settings)/.test(r),
      ),
    ).toEqual([]);
  });
});
