/**
 * docs/configuration.md says which spellings of a bot's fields are accepted and what they become
 * (`gb` → `GB`, `callingplan` → `CallingPlan`): every such example in the Bot fields table is run
 * through the stack config parser, and must come out as the page says.
 */
import * as fs from "fs";
import * as path from "path";

import { REPO_ROOT } from "../../engine/workspace";
import { parseStackConfig } from "../../stacks/config";

/** `written` → `stored` examples per field of the Bot fields table. */
function examples(): Record<string, Array<[string, string]>> {
  const md = fs.readFileSync(path.join(REPO_ROOT, "docs", "configuration.md"), "utf8");
  const section = md.slice(md.indexOf("\n## Bot fields\n")).split(/\n## /)[1]!;
  const found: Record<string, Array<[string, string]>> = {};
  for (const row of section.split("\n").filter((l) => l.startsWith("| `"))) {
    const field = /^\| `([^`]+)`/.exec(row)![1]!;
    const pairs = [...row.matchAll(/`([^`]+)` → `([^`]+)`/g)].map((m) => [m[1]!, m[2]!] as [string, string]);
    if (pairs.length > 0) found[field] = pairs;
  }
  return found;
}

const bot = {
  name: "sales-bot",
  userPrincipalName: "sales-bot@contoso.com",
  displayName: "Sales Bot",
  appId: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
  usageLocation: "US",
  phoneNumber: "+14255550100",
  numberType: "CallingPlan",
};

describe("docs/configuration.md: accepted spellings of bot fields", () => {
  const documented = examples();

  test("the page gives examples for number types in any case and lower-case country codes", () => {
    expect(Object.keys(documented).sort()).toEqual(["numberType", "usageLocation"]);
    expect(documented.numberType!.map(([, stored]) => stored).sort()).toEqual([
      "CallingPlan",
      "DirectRouting",
      "OperatorConnect",
    ]);
  });

  test.each(Object.entries(documented).flatMap(([field, pairs]) => pairs.map(([w, s]) => [field, w, s])))(
    "%s: %j is accepted and stored as %j",
    (field, written, stored) => {
      const [parsed] = parseStackConfig({ bots: [{ ...bot, [field]: written }] }).bots;
      expect((parsed as unknown as Record<string, unknown>)[field]).toBe(stored);
    },
  );
});
