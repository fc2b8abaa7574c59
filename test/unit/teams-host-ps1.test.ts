/**
 * The real PowerShell host script cannot run here (no pwsh, no MicrosoftTeams module), so it is
 * parsed with the tree-sitter PowerShell grammar: any ERROR or MISSING node fails the test.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { Language, Parser, type Node } from "web-tree-sitter";

import { ALLOWED_CMDLETS } from "../../protocol/host-protocol";
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
    expect(source.indexOf("type = 'ready'")).toBeLessThan(source.indexOf("[Console]::In.ReadLine()"));
  });

  test("is found from the source tree and from dist/provider/tenant", () => {
    expect(hostScriptPath(path.join(__dirname, "../../provider/tenant"))).toBe(SCRIPT);
    expect(hostScriptPath(path.join(__dirname, "../../dist/provider/tenant"))).toBe(SCRIPT);
  });
});
