import * as pulumi from "@pulumi/pulumi";

import type { ResourceModuleName } from "./registry";
import { NAMESPACE } from "./settings";

export type { ResourceModuleName } from "./registry";

/** One shim per module in the program process, so Pulumi serializes each closure once (its cache is per object). */
const shims = new Map<ResourceModuleName, pulumi.dynamic.ResourceProvider>();

/**
 * The provider object Pulumi serializes into state: a thin shim that loads the implementation
 * (`dist/provider/resources/<name>.js` of this package) at call time. It captures only the module
 * name (and the package name, a string), so state stays small, holds no code and no secret, and a
 * package upgrade takes effect at the next run. The implementation is located once per provider
 * process and module (memoized on the process's global object, not in the closure), not on every
 * hook call. Closures here are parsed by TypeScript 3.8 where the stack repository has no TypeScript
 * of its own: keep their syntax within it (test/unit/shim-serialize.test.ts).
 */
export function shim(name: ResourceModuleName): pulumi.dynamic.ResourceProvider {
  const known = shims.get(name);
  if (known) return known;
  // Captured as a plain string (not the settings module), like `name`.
  const packageName: string = NAMESPACE;
  // Everything below runs inside the engine's dynamic-provider process; only `name` and `packageName` are captured.
  const load = (): pulumi.dynamic.ResourceProvider => {
    // Keyed by where the lookup starts too, so a process that moves (tests) finds the right root.
    const key = `${packageName}/${name}|${process.env.TEAMS_BOT_NUMBERS_ROOT ?? ""}|${process.cwd()}`;
    // No `??=` here: a repository without TypeScript parses this closure with Pulumi's vendored 3.8.
    const g = globalThis as { __teamsBotNumbersProviders?: Record<string, pulumi.dynamic.ResourceProvider> };
    const memo = g.__teamsBotNumbersProviders || (g.__teamsBotNumbersProviders = {});
    const found = memo[key];
    if (found) return found;
    const nodePath = require("path") as typeof import("path");
    const fs = require("fs") as typeof import("fs");
    const candidates: string[] = [];
    if (process.env.TEAMS_BOT_NUMBERS_ROOT) candidates.push(process.env.TEAMS_BOT_NUMBERS_ROOT);
    // The project itself (cwd or a parent) or this package installed under node_modules.
    for (let dir = process.cwd(); ; dir = nodePath.dirname(dir)) {
      candidates.push(dir, nodePath.join(dir, "node_modules", packageName));
      if (nodePath.dirname(dir) === dir) break;
    }
    for (const root of candidates) {
      const file = nodePath.join(root, "dist", "provider", "resources", `${name}.js`);
      const pkg = nodePath.join(root, "package.json");
      if (fs.existsSync(file) && fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, "utf8")).name === packageName) {
        return (memo[key] = require(file).provider as pulumi.dynamic.ResourceProvider);
      }
    }
    throw new Error(
      `${packageName}: cannot find dist/provider/resources/${name}.js from ${process.cwd()}. ` +
        `Run "npm run build" in the project, or set TEAMS_BOT_NUMBERS_ROOT to the package directory.`,
    );
  };
  // Optional hooks fall back to what Pulumi does when a provider omits them.
  const provider: pulumi.dynamic.ResourceProvider = {
    configure: async (req) => load().configure?.(req),
    check: async (olds, news) => {
      const impl = load();
      return impl.check ? impl.check(olds, news) : { inputs: news };
    },
    diff: async (id, olds, news) => {
      const impl = load();
      return impl.diff ? impl.diff(id, olds, news) : {};
    },
    create: (inputs) => load().create(inputs),
    read: async (id, props) => {
      const impl = load();
      return impl.read ? impl.read(id, props) : { id, props };
    },
    update: async (id, olds, news) => {
      const impl = load();
      return impl.update ? impl.update(id, olds, news) : {};
    },
    delete: async (id, props) => load().delete?.(id, props),
  };
  shims.set(name, provider);
  return provider;
}
