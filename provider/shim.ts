import * as pulumi from "@pulumi/pulumi";

import type { ResourceModuleName } from "./registry";
import { NAMESPACE } from "./settings";

export type { ResourceModuleName } from "./registry";

/**
 * The provider object Pulumi serializes into state: a thin shim that loads the implementation
 * (`dist/provider/resources/<name>.js` of this package) at call time. It captures only the module
 * name, so state stays small, holds no code and no secret, and a package upgrade takes effect at
 * the next run.
 */
export function shim(name: ResourceModuleName): pulumi.dynamic.ResourceProvider {
  // Captured as a plain string (not the settings module), like `name`.
  const packageName: string = NAMESPACE;
  // Everything below runs inside the engine's dynamic-provider process; only `name` and `packageName` are captured.
  const load = (): pulumi.dynamic.ResourceProvider => {
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
        return require(file).provider;
      }
    }
    throw new Error(
      `${packageName}: cannot find dist/provider/resources/${name}.js from ${process.cwd()}. ` +
        `Run "npm run build" in the project, or set TEAMS_BOT_NUMBERS_ROOT to the package directory.`,
    );
  };
  // Optional hooks fall back to what Pulumi does when a provider omits them.
  return {
    configure: async (req) => load().configure?.(req),
    check: async (olds, news) => (load().check ? load().check!(olds, news) : { inputs: news }),
    diff: async (id, olds, news) => (load().diff ? load().diff!(id, olds, news) : {}),
    create: (inputs) => load().create(inputs),
    read: async (id, props) => (load().read ? load().read!(id, props) : { id, props }),
    update: async (id, olds, news) => (load().update ? load().update!(id, olds, news) : {}),
    delete: async (id, props) => load().delete?.(id, props),
  };
}
