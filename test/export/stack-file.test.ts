/**
 * The export's merge into a stack file (pure): it finds its own bots and its "needs a decision"
 * block by parsing, in every form the Pulumi CLI leaves the file in (test/fixtures/stack-files:
 * re-indented by `pulumi stack init` and `pulumi config set`), so a re-export of an unchanged
 * tenant is byte-identical, a changed one has exactly one block, and nothing else moves.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

import type { Decision, ExportedBot } from "../../scripts/export/plan";
import {
  DECISION_HEADER,
  mergeIntoStackFile,
  pendingDecisions,
  readStackFile,
  type StackFile,
} from "../../scripts/export/stack-file";

const FIXTURES = path.join(__dirname, "..", "fixtures", "stack-files");
const FORMS = ["exported.yaml", "after-stack-init.yaml", "after-config-set.yaml"];

const bot = (n: number): ExportedBot => ({
  name: `bot-${n}`,
  userPrincipalName: `bot-${n}@contoso.com`,
  displayName: `Bot ${n}`,
  appId: `00000000-0000-4000-8000-00000000000${n}`,
  usageLocation: "US",
  phoneNumber: `+1425555010${n}`,
  numberType: "CallingPlan",
  adopt: true,
});
const decision = (n: number): Decision => ({
  userPrincipalName: `odd-${n}@contoso.com`,
  objectId: `11111111-0000-4000-8000-00000000000${n}`,
  reasons: ["no licence: uncomment to license it"],
  draft: { name: `odd-${n}`, userPrincipalName: `odd-${n}@contoso.com`, adopt: true },
});

/** A stack file from text, as the export reads it. */
function stackOf(text: string, name = "Pulumi.s.yaml"): StackFile {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tbn-stackfile-")), name);
  fs.writeFileSync(file, text);
  return readStackFile(file);
}
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), "utf8");
const count = (text: string, needle: string): number => text.split(needle).length - 1;
const botNames = (text: string): string[] =>
  ((parse(text) as { config: Record<string, { name: string }[]> }).config["teams-bot-numbers:bots"] ?? []).map(
    (b) => b.name,
  );

describe.each(FORMS)("a re-export into the stack file %s", (form) => {
  const text = fixture(form);

  test("of an unchanged tenant leaves the file byte-identical and still sees both pending decisions", () => {
    const stack = stackOf(text);
    expect(mergeIntoStackFile(stack, [], [decision(1), decision(2)])).toBe(text);
    expect([...pendingDecisions(stack)].sort()).toEqual(["odd-1@contoso.com", "odd-2@contoso.com"]);
  });

  test("after a decision was taken writes one block, without that account, and is then stable", () => {
    const merged = mergeIntoStackFile(stackOf(text), [], [decision(1)]);
    expect(count(merged, DECISION_HEADER)).toBe(1);
    expect(merged).toContain("needs a decision: odd-1@contoso.com");
    expect(merged).not.toContain("odd-2");
    expect(botNames(merged)).toEqual(["bot-1", "bot-2"]);
    // Only the block changed: every other line is still there.
    for (const line of text.split("\n").filter((l) => !l.trim().startsWith("#")))
      expect(merged.split("\n")).toContain(line);
    expect(merged.split("\n").filter((l) => l.trim() === "")).toEqual(text.split("\n").filter((l) => l.trim() === ""));
    expect(mergeIntoStackFile(stackOf(merged), [], [decision(1)])).toBe(merged);
  });

  test("with a new account appends the bot and moves the one block after it; a second run changes nothing", () => {
    const merged = mergeIntoStackFile(stackOf(text), [bot(3)], [decision(1), decision(2)]);
    expect(count(merged, DECISION_HEADER)).toBe(1);
    expect(botNames(merged)).toEqual(["bot-1", "bot-2", "bot-3"]);
    expect(merged.indexOf(DECISION_HEADER)).toBeGreaterThan(merged.indexOf("- name: bot-3"));
    expect(merged.indexOf("end of the accounts that need a decision")).toBeLessThan(
      merged.indexOf("encryptionsalt") < 0 ? Infinity : merged.indexOf("encryptionsalt"),
    );
    expect(mergeIntoStackFile(stackOf(merged), [], [decision(1), decision(2)])).toBe(merged);
  });

  test("once every decision is taken the block goes, and nothing else", () => {
    const merged = mergeIntoStackFile(stackOf(text), [], []);
    expect(merged).not.toContain(DECISION_HEADER);
    expect(merged).not.toContain("needs a decision");
    expect(botNames(merged)).toEqual(["bot-1", "bot-2"]);
    expect(pendingDecisions(stackOf(merged)).size).toBe(0);
  });
});

describe("the merge keeps the user's comments around the block", () => {
  test("comment lines after the block and the next key stay, in order, through a change and a re-export", () => {
    const text = [
      "config:",
      "  teams-bot-numbers:bots:",
      "    - name: bot-1",
      "      userPrincipalName: bot-1@contoso.com",
      "    # export: accounts that need a decision (uncomment an entry once decided)",
      "    # needs a decision: odd-1@contoso.com (object id 1)",
      "    # end of the accounts that need a decision",
      "  # mine: protect every bot",
      "  teams-bot-numbers:protect: true",
      "",
    ].join("\n");
    const merged = mergeIntoStackFile(stackOf(text), [], [decision(2)]);
    expect(count(merged, DECISION_HEADER)).toBe(1);
    expect(merged).toContain("odd-2@contoso.com");
    expect(merged).not.toContain("odd-1@contoso.com");
    expect(merged.indexOf("end of the accounts")).toBeLessThan(merged.indexOf("# mine: protect every bot"));
    expect(merged.indexOf("# mine: protect every bot")).toBeLessThan(merged.indexOf("teams-bot-numbers:protect"));
    expect(mergeIntoStackFile(stackOf(merged), [], [decision(2)])).toBe(merged);
  });

  test("a mark outside the export's block is not a pending decision", () => {
    const text = [
      "config:",
      "  # needs a decision: someone@contoso.com was discussed in review",
      "  teams-bot-numbers:bots: []",
      "",
    ].join("\n");
    expect(pendingDecisions(stackOf(text)).size).toBe(0);
  });
});
