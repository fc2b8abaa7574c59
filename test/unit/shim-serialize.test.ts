/**
 * A stack repository that depends on this package has no `typescript` installed (an optional peer of
 * @pulumi/pulumi), so Pulumi parses the closures it serializes with its vendored TypeScript 3.8.3.
 * Every shim must serialize there: syntax newer than 3.8 in a shim closure (`??=`, `||=`) fails to
 * parse, and a stack runner outside this repository then hangs in `preview` (seen with the first
 * memoized shim). Run here as a consumer would: `require("typescript")` fails in this module registry.
 */
import * as pulumi from "@pulumi/pulumi";

import { RESOURCE_MODULE_NAMES } from "../../provider/registry";
import { shim } from "../../provider/shim";

jest.mock("typescript", () => {
  throw Object.assign(new Error("Cannot find module 'typescript'"), { code: "MODULE_NOT_FOUND" });
});

describe("the serialized shim in a repository without TypeScript", () => {
  test("Pulumi falls back to its vendored TypeScript 3.8 here (the setting the test claims)", () => {
    const ts = require("@pulumi/pulumi/typescript-shim") as { version: string };
    expect(ts.version).toBe("3.8.3");
  });

  test.each(RESOURCE_MODULE_NAMES)("regress-shim-old-parser: %s serializes", async (name) => {
    const provider = shim(name);
    // What pulumi.dynamic.Resource does with a provider object.
    const closure = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    expect(closure.text).toContain(`"${name}"`);
    expect(closure.text).not.toMatch(/secret|token/i);
    // Stored twice in every resource's state and rewritten with the whole state after each engine
    // step: 3.6–3.7 KB before the hooks lost their fallbacks and comments, about 3.2 KB since.
    expect(closure.text.length).toBeLessThanOrEqual(3300);
  });
});
