/**
 * docs/existing-tenant.md on a brownfield tenant (a test emulator seeded with resource accounts made
 * by hand), in a copy of this repository whose Pulumi.prod.yaml holds only the tenant's settings:
 * the unmanaged check (everything unmanaged: exit 1), the export merging the accounts into the stack
 * file, step 3's `pulumi up --continue-on-error` with one display name edited in review (that bot
 * refused with the message the page quotes, the others adopted, no write), the stack runner's form of
 * step 3 after the fix adopting the rest with no write, and the check again (nothing unmanaged: exit 0).
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument, parse as parseYaml } from "yaml";

import { stateFilePath } from "../../engine/workspace";
import { brownfieldFixture } from "../../scripts/export/brownfield-fixture";
import { PROJECT } from "../../stacks/program";
import { claimsOf, CodeBlockLike, DocSandbox, expectExit } from "../helpers/doc-snippets";
import { startTestEmulator, testCaDir, TestEmulator } from "../helpers/emulator";

const claims = claimsOf(__filename);

describe("docs: bringing an existing tenant under management", () => {
  let t: TestEmulator;
  let sb: DocSandbox;
  let stackFile: string;

  beforeAll(async () => {
    t = await startTestEmulator(undefined, { fixture: brownfieldFixture(16) });
    sb = DocSandbox.create("existing-tenant", { trustCaDir: testCaDir() });
    stackFile = path.join(sb.repo, "Pulumi.prod.yaml");
    fs.writeFileSync(
      stackFile,
      [
        "# The production stack: its tenant; the export adds the bots.",
        "config:",
        `  teams-bot-numbers:tenantId: ${t.tenantId}`,
        `  teams-bot-numbers:authorityHost: ${t.authorityHost}`,
        `  teams-bot-numbers:graphUrl: ${t.graphUrl}`,
        "  teams-bot-numbers:pwshPath: emulator/bin/pwsh",
        "",
      ].join("\n"),
    );
    // The deploy identity in the job's environment (the export cannot read a Pulumi secret).
    sb.env.AZURE_CLIENT_ID = t.clientId;
    sb.env.AZURE_CLIENT_SECRET = t.clientSecret;
    sb.env.TEAMS_POLL_INTERVAL_MS = "100";
    // The stack exists already (docs/real-tenant.md, step 5).
    const setup: CodeBlockLike = { text: "pulumi stack select prod --create\n", file: "(setup)", line: 0 };
    expectExit((await sb.run(setup))[0]!, 0);
  });
  afterAll(async () => {
    sb?.dispose();
    await t?.stop();
  });

  test("before the export, the unmanaged check lists the tenant's accounts and exits 1", async () => {
    const check = claims.take("docs/existing-tenant.md", "npm run export -- --stack prod --check");
    const [r] = await sb.run(check);
    expectExit(r!, 1);
    expect(r!.stdout + r!.stderr).toMatch(/calling-plan-bot-\d+@contoso\.com/);
    expect(await t.admin.audit()).toEqual([]);
  });

  test("the export merges the accounts into Pulumi.prod.yaml (adopt: true), the undecidable ones commented", async () => {
    const exp = claims.take(
      "docs/existing-tenant.md",
      "npm run export -- --stack prod            # merges the tenant's bots into Pulumi.prod.yaml",
    );
    const [r] = await sb.run(exp);
    expectExit(r!, 0);
    const text = fs.readFileSync(stackFile, "utf8");
    expect(text).toContain("# The production stack: its tenant; the export adds the bots.");
    expect(text).toMatch(/# needs a decision: /);
    const bots = (parseYaml(text) as { config: Record<string, Array<{ adopt?: boolean }>> }).config[
      "teams-bot-numbers:bots"
    ]!;
    expect(bots.length).toBeGreaterThan(4);
    expect(bots.every((b) => b.adopt === true)).toBe(true);
    expect(await t.admin.audit()).toEqual([]);
  });

  /** The refusal the page quotes for a differing displayName, as a pattern ("…" stands for a value). */
  const quotedRefusal = (): RegExp => {
    const page = fs.readFileSync(path.join(sb.repo, "docs", "existing-tenant.md"), "utf8").replace(/\s+/g, " ");
    const quote =
      /`(the existing account differs from the declaration: displayName is "…" in the tenant, "…" declared)`/.exec(
        page,
      );
    expect(quote).not.toBeNull();
    return new RegExp(
      quote![1]!
        .split("…")
        .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join(".+"),
    );
  };

  test("step 3 as written: a display name edited in review is refused as the page says, with no write; the other bots are adopted", async () => {
    const doc = parseDocument(fs.readFileSync(stackFile, "utf8"));
    const bots = (doc.toJS() as { config: Record<string, Array<{ name: string; displayName: string }>> }).config[
      "teams-bot-numbers:bots"
    ]!;
    const edited = bots.findIndex((b) => b.name.startsWith("no-number-bot"));
    const original = bots[edited]!.displayName;
    doc.setIn(["config", "teams-bot-numbers:bots", edited, "displayName"], "Renamed In Review");
    fs.writeFileSync(stackFile, doc.toString());

    const up = claims.take("docs/existing-tenant.md", "pulumi up --stack prod --continue-on-error");
    const [r] = await sb.run(up);
    expect(r!.exitCode).not.toBe(0);
    const output = r!.stdout + r!.stderr;
    expect(output).toMatch(quotedRefusal());
    expect(output).toContain(`displayName is "${original}" in the tenant, "Renamed In Review" declared`);
    // Only the refused bot's account is missing: --continue-on-error adopted the others.
    const state = JSON.parse(
      fs.readFileSync(stateFilePath(path.join(sb.repo, ".tbn", "state"), PROJECT, "prod"), "utf8"),
    );
    const accounts = (state.checkpoint.latest.resources as Array<{ type: string; urn: string }>).filter(
      (x) => x.type === "pulumi-nodejs:dynamic/teams:ApplicationInstance",
    );
    expect(accounts).toHaveLength(bots.length - 1);
    expect(accounts.some((x) => x.urn.endsWith(`::${bots[edited]!.name}`))).toBe(false);
    expect(await t.admin.audit()).toEqual([]);

    // Fixed as the message says (the tenant's value declared), the runner's form of step 3 adopts the rest.
    doc.setIn(["config", "teams-bot-numbers:bots", edited, "displayName"], original);
    fs.writeFileSync(stackFile, doc.toString());
    const runner = claims.take(
      "docs/existing-tenant.md",
      "node dist/scripts/stack.js up --stack prod --continue-on-error",
    );
    const [again] = await sb.run(runner);
    expectExit(again!, 0);
    expect(again!.stdout).toMatch(/\d+ created/);
    expect(await t.admin.audit()).toEqual([]);
  });

  test("after adoption the unmanaged check passes, and a re-export after `pulumi config set` rewrote the file changes no byte", async () => {
    const check = claims.take("docs/existing-tenant.md", "npm run export -- --stack prod --check");
    const [again] = await sb.run(check);
    expectExit(again!, 0);

    const set: CodeBlockLike = {
      text: "pulumi config set teams-bot-numbers:protect true --stack prod\n",
      file: "(a later change)",
      line: 0,
    };
    expectExit((await sb.run(set))[0]!, 0);
    const rewritten = fs.readFileSync(stackFile, "utf8");
    const exp = claims.take(
      "docs/existing-tenant.md",
      "npm run export -- --stack prod            # merges the tenant's bots into Pulumi.prod.yaml",
    );
    expectExit((await sb.run(exp))[0]!, 0);
    expect(fs.readFileSync(stackFile, "utf8")).toBe(rewritten);
    expect(rewritten.split("export: accounts that need a decision")).toHaveLength(2);
  });

  test("every block this file claims ran", () => {
    expect(claims.unrun()).toEqual([]);
  });
});
