/**
 * docs/existing-tenant.md on a brownfield tenant (a test emulator seeded with resource accounts made
 * by hand), in a copy of this repository whose Pulumi.prod.yaml holds only the tenant's settings:
 * the unmanaged check (everything unmanaged: exit 1), the export merging the accounts into the stack
 * file, `pulumi up --continue-on-error` adopting them with no write to the tenant, and the check
 * again (nothing unmanaged: exit 0).
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";

import { brownfieldFixture } from "../../scripts/export/brownfield-fixture";
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

  test("pulumi up --continue-on-error adopts every exported bot without a write; the check then passes", async () => {
    const up = claims.take("docs/existing-tenant.md", "pulumi up --stack prod --continue-on-error");
    const [r] = await sb.run(up);
    expectExit(r!, 0);
    expect(r!.stdout).toMatch(/\d+ created/);
    expect(await t.admin.audit()).toEqual([]);

    const check = claims.take("docs/existing-tenant.md", "npm run export -- --stack prod --check");
    const [again] = await sb.run(check);
    expectExit(again!, 0);
  });

  test("every block this file claims ran", () => {
    expect(claims.unrun()).toEqual([]);
  });
});
