/**
 * docs/configuration.md is the reference of every setting, checked against the code: the stack
 * config schema (stacks/config.ts: the keys the program reads and a bot's fields) and the settings
 * table (provider/settings.ts: tenant settings with their environment variables and defaults, the
 * tuning knobs with theirs). Every key is documented and no documented key is missing from the
 * code; and every `teams-bot-numbers:…` key, `TEAMS_…` or `TBN_…` variable any page mentions exists.
 */
import * as fs from "fs";
import * as path from "path";

import { REPO_ROOT } from "../../engine/workspace";
import { DEFAULTS, NAMESPACE, SETTING_SOURCES } from "../../provider/settings";
import { KNOBS } from "../../provider/tuning";
import { botShape, configShape } from "../../stacks/config";
import { docFiles, repoFiles } from "../helpers/markdown";

const REFERENCE = "docs/configuration.md";

/** The rows of the first table under the `## heading` of a Markdown file, as cells. */
function tableUnder(file: string, heading: string): string[][] {
  const md = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
  const start = md.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`${file} has no section "## ${heading}"`);
  const section = md.slice(start + 1).split(/\n## /)[0]!;
  const rows = section
    .split("\n")
    .filter((l) => l.startsWith("|"))
    .map((l) =>
      l
        .slice(1, -1)
        .split("|")
        .map((c) => c.trim()),
    );
  return rows.slice(2); // header and separator
}

/** The code spans of a table cell. */
const spans = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** Stack config keys: what the program reads plus the provider's tenant settings. */
const stackKeys = [...Object.keys(configShape.shape), ...Object.values(SETTING_SOURCES).map((s) => s.config)].sort();

describe("docs/configuration.md against the code", () => {
  test("Stack settings: exactly the schema's keys and the settings table's, each with its environment variables and default", () => {
    const rows = tableUnder(REFERENCE, "Stack settings");
    const documented = rows.map((r) => spans(r[0]!)[0]);
    expect([...documented].sort()).toEqual(stackKeys);
    for (const row of rows) {
      const key = spans(row[0]!)[0]!;
      const source = Object.values(SETTING_SOURCES).find((s) => s.config === key);
      const env = source ? [source.env, ...(source.alsoEnv ? [source.alsoEnv] : [])] : [];
      expect({ key, env: spans(row[1]!).sort() }).toEqual({ key, env: env.sort() });
      const fallback = (DEFAULTS as Record<string, string>)[key];
      if (fallback !== undefined) expect({ key, default: row[2] }).toEqual({ key, default: `\`${fallback}\`` });
    }
  });

  test("Bot fields: exactly the fields of a bot entry", () => {
    const documented = tableUnder(REFERENCE, "Bot fields").map((r) => spans(r[0]!)[0]);
    expect([...documented].sort()).toEqual(Object.keys(botShape.shape).sort());
  });

  test("Tuning: exactly the tuning knobs, each with its default", () => {
    const rows = tableUnder(REFERENCE, "Tuning");
    const documented = rows.map((r) => ({ env: spans(r[0]!)[0], default: Number(r[1]!.split(" ")[0]) }));
    const knobs = Object.values(KNOBS).map((k) => ({ env: k.env, default: k.default }));
    const byEnv = (a: { env?: string }, b: { env?: string }): number => a.env!.localeCompare(b.env!);
    expect(documented.sort(byEnv)).toEqual(knobs.sort(byEnv));
  });

  test("every teams-bot-numbers:… key a page mentions is a real key", () => {
    const unknown: string[] = [];
    for (const file of docFiles()) {
      const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
      for (const m of text.matchAll(new RegExp(`\\b${NAMESPACE}:([A-Za-z]+)`, "g")))
        if (!stackKeys.includes(m[1]!)) unknown.push(`${file}: ${m[0]}`);
    }
    expect(unknown).toEqual([]);
  });

  test("every TEAMS_… and TBN_… variable a page mentions is read somewhere in the code", () => {
    const code = repoFiles(/\.(ts|sh|ps1)$/)
      .filter((f) => !f.startsWith("test/"))
      .map((f) => fs.readFileSync(path.join(REPO_ROOT, f), "utf8"))
      .join("\n");
    const unknown: string[] = [];
    for (const file of docFiles()) {
      const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
      for (const m of text.matchAll(/\b(TEAMS|TBN)_[A-Z0-9_]*[A-Z0-9]\b/g))
        if (!code.includes(m[0])) unknown.push(`${file}: ${m[0]}`);
    }
    expect(unknown).toEqual([]);
  });
});
