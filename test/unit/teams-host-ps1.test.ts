/**
 * The real PowerShell host script cannot run here (no pwsh, no MicrosoftTeams module), so it is
 * parsed with the tree-sitter PowerShell grammar: any ERROR or MISSING node fails the test.
 */
import { readdirSync, readFileSync } from "fs";
import * as path from "path";
import { Language, Parser, type Node } from "web-tree-sitter";

import {
  ALLOWED_CMDLETS,
  encodeFrame,
  findFrame,
  FRAME_MARKER,
  moduleTooOldMessage,
  TEAMS_MODULE_FLOOR,
} from "../../protocol/host-protocol";
import { hostScriptPath } from "../../provider/tenant/powershell";

const SCRIPT = path.join(__dirname, "../../protocol/teams-host.ps1");
const source = readFileSync(SCRIPT, "utf8");

async function parse(text: string): Promise<Node> {
  await Parser.init();
  // Bytes, not a path: loading by path needs a dynamic import that Jest's VM does not allow.
  const language = await Language.load(
    readFileSync(require.resolve("tree-sitter-powershell/tree-sitter-powershell.wasm")),
  );
  const parser = new Parser();
  parser.setLanguage(language);
  const tree = parser.parse(text);
  if (!tree) throw new Error("tree-sitter returned no tree");
  return tree.rootNode;
}

function problems(node: Node, found: string[] = []): string[] {
  if (node.isError || node.isMissing) {
    found.push(
      `${node.isMissing ? "MISSING" : "ERROR"} ${node.type} at ${node.startPosition.row + 1}:${node.startPosition.column + 1}: ${node.text.slice(0, 60)}`,
    );
  }
  for (const child of node.children) if (child) problems(child, found);
  return found;
}

describe("teams-host.ps1", () => {
  test("parses without ERROR or MISSING nodes", async () => {
    const root = await parse(source);
    expect(problems(root)).toEqual([]);
    expect(root.hasError).toBe(false);
  });

  test("regress-parser-catches-syntax-errors", async () => {
    // The check above must be able to fail: a broken copy has to produce problems.
    const broken = source.replace("function Write-Line {", "function Write-Line {{ (");
    expect(problems(await parse(broken)).length).toBeGreaterThan(0);
  });

  test("never evaluates text as code", async () => {
    const root = await parse(source);
    const commands = root.descendantsOfType("command_name").map((n) => n?.text.toLowerCase());
    expect(commands).toContain("connect-microsoftteams");
    expect(commands).not.toContain("invoke-expression");
    expect(commands).not.toContain("iex");
    const code = root.descendantsOfType("comment").reduce((text, c) => text.replace(c!.text, ""), source);
    expect(code).not.toMatch(/Invoke-Expression|\biex\b|\[scriptblock\]::Create|NewScriptBlock|AddScript/i);
    expect(code).toMatch(/& \$cmdlet @p -ErrorAction Stop/);
  });

  test("allow-list equals ALLOWED_CMDLETS in protocol.ts", () => {
    const block = /\$AllowedCmdlets = @\(([\s\S]*?)\)/.exec(source);
    expect(block).not.toBeNull();
    const listed = [...block![1].matchAll(/'([A-Za-z-]+)'/g)].map((m) => m[1]);
    expect(listed).toEqual([...ALLOWED_CMDLETS]);
  });

  test("is strict and prints HostReady before reading", () => {
    expect(source).toMatch(/^Set-StrictMode -Version Latest$/m);
    expect(source).toMatch(/^\$ErrorActionPreference = 'Stop'$/m);
    const ready = source.search(/type\s*=\s*'ready'/);
    expect(ready).toBeGreaterThan(0);
    expect(ready).toBeLessThan(source.indexOf("[Console]::In.ReadLine()"));
  });

  test("is found from the source tree and from dist/provider/tenant", () => {
    expect(hostScriptPath(path.join(__dirname, "../../provider/tenant"))).toBe(SCRIPT);
    expect(hostScriptPath(path.join(__dirname, "../../dist/provider/tenant"))).toBe(SCRIPT);
  });

  // --- issue 11, items 3, 5, 7, 8, 10: static checks of what only real PowerShell would show ---

  /** The script without its comments (help text mentions names the code must not rely on). */
  async function code(): Promise<string> {
    const root = await parse(source);
    return root.descendantsOfType("comment").reduce((text, c) => text.replace(c!.text, ""), source);
  }

  /** The text of one function definition. */
  async function fn(name: string): Promise<string> {
    const root = await parse(source);
    const def = root
      .descendantsOfType("function_statement")
      .find((f) => f!.text.toLowerCase().startsWith(`function ${name.toLowerCase()}`));
    if (!def) throw new Error(`function ${name} not found`);
    return def.text;
  }

  test("item 5: preference variables are set globally, so the module's functions see them", async () => {
    const text = await code();
    for (const pref of ["ProgressPreference", "WarningPreference", "InformationPreference", "VerbosePreference"]) {
      expect(text).toMatch(new RegExp(`^\\$global:${pref} = 'SilentlyContinue'$`, "m"));
      // never only at script scope (that does not reach a script module's functions)
      expect(text).not.toMatch(new RegExp(`^\\$(script:)?${pref} =`, "m"));
    }
  });

  test("item 5: every stdout write is one frame: newline + FRAME_MARKER + JSON + newline in one call", async () => {
    const text = await code();
    const writes = [...text.matchAll(/\[Console\]::Out\.(\w+)\(/g)].map((m) => m[1]);
    expect(writes.filter((w) => w !== "Flush")).toEqual(["Write"]);
    expect(await fn("Write-Frame")).toMatch(
      /\[Console\]::Out\.Write\("`n" \+ \$FrameMarker \+ \$Json\.Substring\(1\) \+ "`n"\)/,
    );
    expect(/\$FrameMarker = '([^']+)'/.exec(text)?.[1]).toBe(FRAME_MARKER);
    // no Write-Output / Write-Host / implicit output to stdout from the host itself
    const root = await parse(source);
    const commands = root.descendantsOfType("command_name").map((n) => n!.text.toLowerCase());
    expect(commands).not.toContain("write-host");
    expect(commands).not.toContain("write-output");
  });

  test("item 5: the framing survives stray text before the frame (findFrame) and old line readers still parse frames", () => {
    const frame = encodeFrame({ id: 7, ok: true, output: [{ Name: `has ${FRAME_MARKER} inside` }] });
    expect(frame.startsWith("\n" + FRAME_MARKER)).toBe(true);
    const line = frame.trim();
    // a whole-line JSON reader (provider/tenant/powershell/lines.ts today) still reads it
    expect(JSON.parse(line)).toMatchObject({ tbnHost: 1, id: 7, ok: true });
    // noise sharing the line: only the marker search finds it
    const noisy = "WARNING: progress 50%" + line;
    expect(() => JSON.parse(noisy)).toThrow();
    expect(findFrame(noisy)).toMatchObject({ id: 7, ok: true, output: [{ Name: `has ${FRAME_MARKER} inside` }] });
    expect(findFrame("VERBOSE: nothing here")).toBeUndefined();
  });

  test("item 3: the module floor equals TEAMS_MODULE_FLOOR and an older module is refused naming it", async () => {
    const text = await code();
    expect(/\$TeamsModuleFloor = \[version\]'([\d.]+)'/.exec(text)?.[1]).toBe(TEAMS_MODULE_FLOOR);
    expect(text).not.toMatch(/-MinimumVersion 6\.0\.0/);
    // the refusal text is the protocol's, with the script's variables in place of the values
    const expected = moduleTooOldMessage("$teamsModuleVersion").replaceAll(TEAMS_MODULE_FLOOR, "$TeamsModuleFloor");
    expect(text).toContain(expected);
    for (const name of ["Connect-Teams", "Invoke-AllowedCmdlet"]) {
      expect(await fn(name)).toMatch(/if \(Test-ModuleFloor -Id \$id\) \{ return \}/);
    }
    expect(await fn("Test-ModuleFloor")).toContain("'ModuleTooOld'");
    expect(text).toMatch(/teamsModuleFloor\s*=\s*\$TeamsModuleFloor\.ToString\(\)/);
  });

  test("item 3: the example pipelines pin exactly the floor version of the module", () => {
    const dir = path.join(__dirname, "../../examples/github-actions");
    const files = readdirSync(dir).filter((f) => f.endsWith(".yml"));
    const installing = files.filter((f) =>
      /Install-Module MicrosoftTeams/.test(readFileSync(path.join(dir, f), "utf8")),
    );
    expect(installing.length).toBeGreaterThanOrEqual(3);
    for (const f of installing) {
      const yml = readFileSync(path.join(dir, f), "utf8");
      for (const m of yml.matchAll(/Install-Module MicrosoftTeams[^\n]*/g)) {
        expect(`${f}: ${m[0]}`).toContain(`-RequiredVersion ${TEAMS_MODULE_FLOOR}`);
      }
    }
  });

  test("item 7: error paths accept $null ids and empty messages (no Mandatory) and fall back to the record's text", async () => {
    for (const name of ["Write-Failure", "Write-ErrorRecord"]) {
      const body = await fn(name);
      const params = body.slice(body.indexOf("param("), body.indexOf(")\n") + 1);
      expect(`${name}: ${params}`).not.toMatch(/Mandatory/);
      expect(body).toMatch(/AllowNull/);
    }
    const record = await fn("Write-ErrorRecord");
    expect(record).toMatch(/IsNullOrWhiteSpace\(\$text\)\) \{ \$text = \[string\]\$Record \}/);
    expect(await fn("Write-Failure")).toMatch(/IsNullOrEmpty\(\$Message\)/);
  });

  test("item 8: every ConvertTo-Json writes enums as names, and the provider's fields are projected as strings", async () => {
    const text = await code();
    const calls = [...text.matchAll(/ConvertTo-Json [^\n]*/g)].map((m) => m[0]);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const c of calls) expect(c).toContain("-EnumsAsStrings");
    // every property provider/tenant/powershell/cmdlets.ts reads with text(o, "X") is in $StringProperties
    const provider = readFileSync(path.join(__dirname, "../../provider/tenant/powershell/cmdlets.ts"), "utf8");
    const read = [...provider.matchAll(/text\(o, "(\w+)"\)/g)].map((m) => m[1]);
    expect(read.length).toBeGreaterThan(5);
    const listed = /\$StringProperties = @\(([\s\S]*?)\)/.exec(text)?.[1] ?? "";
    for (const name of read) expect(`${name}: ${listed}`).toContain(`'${name}'`);
    // Capability (read with field()) and the other list properties become lists of strings
    const lists = /\$ListProperties = @\(([^)]*)\)/.exec(text)?.[1] ?? "";
    for (const name of ["Capability", "OnlinePstnUsages", "FeatureTypes"]) expect(lists).toContain(`'${name}'`);
    expect(await fn("ConvertTo-PlainObject")).toMatch(/\$ListProperties -contains \$name\)[\s\S]*?\[string\[\]\]/);
  });

  test("item 10: UTF-8 console encoding and Connect-MicrosoftTeams -LogLevel None", async () => {
    const text = await code();
    expect(text).toMatch(/\[System\.Text\.UTF8Encoding\]::new\(\$false\)/);
    expect(text).toMatch(/\[Console\]::OutputEncoding = \$utf8/);
    expect(text).toMatch(/\[Console\]::InputEncoding = \$utf8/);
    expect(text).toMatch(/\$global:OutputEncoding = \$utf8/);
    // encodings are set before the first read or write
    expect(text.indexOf("[Console]::OutputEncoding")).toBeLessThan(text.indexOf("[Console]::In.ReadLine()"));
    const root = await parse(source);
    const connects = root
      .descendantsOfType("command")
      .filter((c) => c!.text.toLowerCase().startsWith("connect-microsoftteams"));
    expect(connects.length).toBe(1);
    expect(connects[0]!.text).toMatch(/-LogLevel None\b/);
  });
});
