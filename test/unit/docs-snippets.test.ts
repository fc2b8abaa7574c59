/**
 * The inventory of every code block in README.md and docs/, so none escapes a test:
 *   - a `sh` or `powershell` block is either marked `<!-- not run: reason -->` on the line before it,
 *     or run by exactly one test file (DOC_CLAIMS in test/helpers/doc-snippets.ts, which that file
 *     checks it ran);
 *   - a `yaml` block names its file on its first line and is validated here as that file: a stack
 *     config (`# Pulumi.<stack>.yaml …`) through parseStackConfig and the settings table, merged over
 *     the dev stack's config as a complete file; a project file (`# Pulumi.yaml …`) as Pulumi reads it,
 *     its `main` shipped in the package (test/e2e/loader.test.ts and docs-stack-repository.test.ts also
 *     run it with the real CLI);
 *   - `text` and `markdown` blocks are output, trees and examples, never commands.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";

import { REPO_ROOT } from "../../engine/workspace";
import { NAMESPACE, resolveTenantSettings, SETTING_SOURCES } from "../../provider/settings";
import { configShape, parseStackConfig } from "../../stacks/config";
import { DOC_CLAIMS, findBlock } from "../helpers/doc-snippets";
import { CodeBlock, docBlocks, docFiles } from "../helpers/markdown";

const COMMAND_LANGS = ["sh", "powershell"];
const FILE_LANGS = ["yaml"];
const TEXT_LANGS = ["text", "markdown"];

const blocks = docBlocks();
const where = (b: CodeBlock): string => `${b.file}:${b.line}`;
const stackKeys = [...Object.keys(configShape.shape), ...Object.values(SETTING_SOURCES).map((s) => s.config)];

/** Validates a `# Pulumi.<stack>.yaml` snippet as a stack file; throws what is wrong. */
function validateStackFile(text: string): void {
  const config = (parseYaml(text) as { config?: Record<string, unknown> } | null)?.config;
  if (!config || Object.keys(config).length === 0) throw new Error("declares no config");
  const unknown = Object.keys(config).filter(
    (k) => !k.startsWith(`${NAMESPACE}:`) || !stackKeys.includes(k.slice(NAMESPACE.length + 1)),
  );
  if (unknown.length > 0) throw new Error(`unknown config keys: ${unknown.join(", ")}`);
  const dev = (parseYaml(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: object })
    .config;
  const merged: Record<string, unknown> = { ...dev, ...config };
  const get = (key: string): unknown => merged[`${NAMESPACE}:${key}`];
  parseStackConfig({ bots: get("bots"), protect: get("protect"), azureBots: get("azureBots") });
  resolveTenantSettings((k) => (get(k) === undefined ? undefined : String(get(k))), {
    AZURE_CLIENT_SECRET: "a secret from the environment",
  });
}

/** Validates a `# Pulumi.yaml` snippet as a project file whose program this package ships; throws what is wrong. */
function validateProjectFile(text: string): void {
  const project = parseYaml(text) as {
    name?: string;
    runtime?: string | { name?: string };
    main?: string;
    options?: { refresh?: string };
  };
  if (!project.name) throw new Error("no project name");
  const runtime = typeof project.runtime === "string" ? project.runtime : project.runtime?.name;
  if (runtime !== "nodejs") throw new Error(`runtime ${runtime}, not nodejs`);
  const main = project.main ?? "";
  const inPackage = main.replace(/^node_modules\/teams-bot-numbers\//, "");
  const files = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { files: string[] })
    .files;
  if (!fs.existsSync(path.join(REPO_ROOT, inPackage))) throw new Error(`main ${main}: ${inPackage} does not exist`);
  if (inPackage !== main && !files.some((f) => inPackage.startsWith(f)))
    throw new Error(`main ${main}: ${inPackage} is not in the package's files`);
  if (project.options?.refresh !== "always") throw new Error("options.refresh is not always (docs/drift.md)");
}

describe("the docs' code blocks", () => {
  test("the inventory reads README.md and every page of docs/", () => {
    expect(docFiles()).toEqual(expect.arrayContaining(["README.md", "docs/README.md", "docs/getting-started.md"]));
    expect(blocks.length).toBeGreaterThan(30);
  });

  test("every fence starts a line (an indented block, e.g. in a list, would escape the inventory)", () => {
    const indented = docFiles().flatMap((f) =>
      fs
        .readFileSync(path.join(REPO_ROOT, f), "utf8")
        .split("\n")
        .flatMap((l, i) => (/^\s+```/.test(l) ? [`${f}:${i + 1}`] : [])),
    );
    expect(indented).toEqual([]);
  });

  test("every block has a language the inventory knows", () => {
    const unknown = blocks
      .filter((b) => ![...COMMAND_LANGS, ...FILE_LANGS, ...TEXT_LANGS].includes(b.lang))
      .map((b) => `${where(b)} [${b.lang}]`);
    expect(unknown).toEqual([]);
  });

  test("a text block is output or a tree, not a command", () => {
    const commands = blocks
      .filter((b) => TEXT_LANGS.includes(b.lang) && b.lang !== "markdown")
      .filter((b) => /^\s*(\$ |npm |npx |node |pulumi |az |curl |export |git )/.test(b.text))
      .map(where);
    expect(commands).toEqual([]);
  });

  test("every unmarked command block is run by exactly one docs test; marked ones say why and are not", () => {
    const claims = Object.entries(DOC_CLAIMS).flatMap(([testFile, refs]) =>
      refs.map((ref) => ({ testFile, block: findBlock(ref, blocks) })),
    );
    const claimed = new Map<CodeBlock, string[]>();
    for (const c of claims) claimed.set(c.block, [...(claimed.get(c.block) ?? []), c.testFile]);
    const problems = blocks
      .filter((b) => COMMAND_LANGS.includes(b.lang))
      .flatMap((b) => {
        const by = claimed.get(b) ?? [];
        if (b.notRun !== undefined)
          return b.notRun.trim() === ""
            ? [`${where(b)}: "not run" without a reason`]
            : by.length > 0
              ? [`${where(b)}: marked not run but claimed by ${by.join(", ")}`]
              : [];
        return by.length === 1 ? [] : [`${where(b)}: run by ${by.length} test files (${by.join(", ")}), not 1`];
      });
    expect(problems).toEqual([]);
    for (const testFile of Object.keys(DOC_CLAIMS)) expect(fs.existsSync(path.join(REPO_ROOT, testFile))).toBe(true);
  });

  test.each(blocks.filter((b) => FILE_LANGS.includes(b.lang)).map((b) => [where(b), b] as const))(
    "%s: the YAML validates as the file its first line names",
    (_, b) => {
      const first = b.text.split("\n")[0]!;
      if (/^# Pulumi\.yaml\b/.test(first)) validateProjectFile(b.text);
      else if (/^# Pulumi\.[\w-]+\.yaml\b/.test(first)) validateStackFile(b.text);
      else throw new Error(`${where(b)}: the first line names no file (# Pulumi.yaml or # Pulumi.<stack>.yaml)`);
    },
  );

  test("the YAML validation refuses what is wrong (so the checks above can fail)", () => {
    expect(() => validateStackFile("config:\n  teams-bot-numbers:protectt: false\n")).toThrow(/unknown config keys/);
    expect(() =>
      validateStackFile(
        "config:\n  teams-bot-numbers:bots:\n    - name: a\n      userPrincipalName: a@contoso.com\n      displayName: A\n      appId: 6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10\n      usageLocation: US\n      phoneNumber: 425 555 0100\n      numberType: CallingPlan\n",
      ),
    ).toThrow(/bots\[0\]\.phoneNumber/);
    expect(() => validateStackFile("config:\n  teams-bot-numbers:numberAssignment: teams\n")).toThrow(
      /numberAssignment/,
    );
    expect(() =>
      validateProjectFile(
        "name: x\nruntime: nodejs\nmain: node_modules/teams-bot-numbers/\noptions:\n  refresh: always\n",
      ),
    ).toThrow(/not in the package's files/);
  });

  test("how many blocks are run, and how many are marked not run", () => {
    const commands = blocks.filter((b) => COMMAND_LANGS.includes(b.lang));
    const marked = commands.filter((b) => b.notRun !== undefined);
    const yaml = blocks.filter((b) => FILE_LANGS.includes(b.lang));
    console.log(
      `docs code blocks: ${commands.length - marked.length} command blocks run, ${yaml.length} YAML blocks validated, ` +
        `${marked.length} marked not run:\n${marked.map((b) => `  ${where(b)}: ${b.notRun}`).join("\n")}`,
    );
    expect(commands.length - marked.length).toBeGreaterThan(marked.length);
  });
});
