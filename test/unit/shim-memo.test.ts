/**
 * The serialized shim locates its implementation once per provider process and module, not on
 * every hook call (file-system lookups and a package.json parse each time before), and the program
 * hands Pulumi one shim object per module (Pulumi serializes each provider object once).
 */
import * as path from "path";

import { shim } from "../../provider/shim";

// The module object the shim's own `require("fs")` returns (an ES namespace import cannot be spied on).
const fs = require("fs") as typeof import("fs");
const fixtureRoot = path.join(__dirname, "..", "fixtures", "shim-root");

describe("shim", () => {
  const saved = process.env.TEAMS_BOT_NUMBERS_ROOT;
  beforeEach(() => {
    process.env.TEAMS_BOT_NUMBERS_ROOT = fixtureRoot;
    delete (globalThis as { __teamsBotNumbersProviders?: unknown }).__teamsBotNumbersProviders;
  });
  afterEach(() => {
    jest.restoreAllMocks();
    if (saved === undefined) delete process.env.TEAMS_BOT_NUMBERS_ROOT;
    else process.env.TEAMS_BOT_NUMBERS_ROOT = saved;
  });

  test("regress-shim-lookup-once: many hook calls locate the implementation once", async () => {
    const reads = jest.spyOn(fs, "readFileSync");
    const exists = jest.spyOn(fs, "existsSync");
    const p = shim("botPhoneNumber");
    for (let i = 0; i < 5; i++)
      await expect(p.read!(`id-${i}`, { a: i })).resolves.toEqual({ id: `id-${i}`, props: { a: i } });
    // Other hooks go through the same memo.
    await expect(p.check!({}, { b: 1 })).resolves.toEqual({ inputs: { b: 1 } });
    await expect(p.diff!("id", {}, {})).resolves.toEqual({});
    const packageJsonReads = reads.mock.calls.filter(([f]) => String(f).endsWith("package.json"));
    expect(packageJsonReads).toHaveLength(1);
    expect(exists.mock.calls.length).toBe(2); // the implementation file and package.json, once
  });

  test("one shim object per module in the program (serialized once)", () => {
    expect(shim("botPhoneNumber")).toBe(shim("botPhoneNumber"));
    expect(shim("applicationInstance")).not.toBe(shim("botPhoneNumber"));
  });

  test("a missing implementation still says how to fix it", async () => {
    process.env.TEAMS_BOT_NUMBERS_ROOT = path.join(fixtureRoot, "nowhere");
    const cwd = process.cwd();
    process.chdir("/");
    try {
      await expect(shim("virtualUserLicense").check!({}, {})).rejects.toThrow(
        /cannot find dist\/provider\/resources\/virtualUserLicense\.js .*npm run build/,
      );
    } finally {
      process.chdir(cwd);
    }
  });
});
