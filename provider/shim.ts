import * as pulumi from "@pulumi/pulumi";

import type { ResourceModuleName } from "./registry";
import type { Hooks } from "./resources/common";
import { NAMESPACE } from "./settings";

export type { ResourceModuleName } from "./registry";

/** One shim per module in the program process, so Pulumi serializes each closure once (its cache is per object). */
const shims = new Map<ResourceModuleName, pulumi.dynamic.ResourceProvider>();

/**
 * The provider object Pulumi serializes into state: a thin shim that loads the implementation
 * (`dist/provider/resources/<name>.js` of this package, whose `provider` implements every hook) at
 * call time. It captures only the module name and the package name, so state holds no code and no
 * secret, and a package upgrade takes effect at the next run.
 *
 * Its text is stored twice in every resource's state (inputs and outputs), and the engine writes the
 * whole state after each step, so its size is paid per resource per step: keep it small (no comments
 * inside the closures: they would be stored too; test/unit/shim-serialize.test.ts bounds the size).
 * The implementation is located once per deserialized provider (`memo`; Pulumi deserializes each
 * provider text once per process). Lookup order: TEAMS_BOT_NUMBERS_ROOT, then the working directory
 * and its parents, each as the package itself or with the package under node_modules; the first with
 * the file and this package's package.json wins. The closures are parsed by TypeScript 3.8 where
 * the stack repository has no TypeScript of its own: keep their syntax within it (no `??=`).
 */
export function shim(name: ResourceModuleName): pulumi.dynamic.ResourceProvider {
  const known = shims.get(name);
  if (known) return known;
  const packageName: string = NAMESPACE;
  const memo: { impl?: Hooks<unknown, unknown> } = {};
  const load = (): Hooks<unknown, unknown> => {
    if (memo.impl) return memo.impl;
    const p = require("path") as typeof import("path");
    const fs = require("fs") as typeof import("fs");
    const roots = process.env.TEAMS_BOT_NUMBERS_ROOT ? [process.env.TEAMS_BOT_NUMBERS_ROOT] : [];
    for (let d = process.cwd(); ; d = p.dirname(d)) {
      roots.push(d, p.join(d, "node_modules", packageName));
      if (p.dirname(d) === d) break;
    }
    for (const r of roots) {
      const f = p.join(r, "dist", "provider", "resources", `${name}.js`);
      const j = p.join(r, "package.json");
      if (fs.existsSync(f) && fs.existsSync(j) && JSON.parse(fs.readFileSync(j, "utf8")).name === packageName)
        return (memo.impl = require(f).provider as Hooks<unknown, unknown>);
    }
    throw new Error(
      `${packageName}: cannot find dist/provider/resources/${name}.js from ${process.cwd()}. Run "npm run build" in the project, or set TEAMS_BOT_NUMBERS_ROOT to the package directory.`,
    );
  };
  const provider: Hooks<unknown, unknown> = {
    configure: async (q) => load().configure(q),
    check: async (o, n) => load().check(o, n),
    diff: async (i, o, n) => load().diff(i, o, n),
    create: async (n) => load().create(n),
    read: async (i, p) => load().read(i, p),
    update: async (i, o, n) => load().update(i, o, n),
    delete: async (i, p) => load().delete(i, p),
  };
  shims.set(name, provider);
  return provider;
}
