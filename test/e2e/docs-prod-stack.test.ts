/**
 * A production stack the way docs/real-tenant.md, drift.md, removing-bots.md, interrupted-runs.md and
 * engine.md tell it, in a copy of this repository: Pulumi.prod.yaml is the README's example plus the
 * tenant's connection settings (a test emulator stands for the tenant), the deploy identity's client
 * id and secret in the environment as a pipeline would set them. The preflight for both identities,
 * the stack created and the secret stored, `pulumi preview` / `up` with the real CLI, the stack runner,
 * the drift check (clean, then failing on a number unassigned by hand), the repairing `up`, unprotect,
 * cancel + up, clearing pending creates, and the acceptance run's skip without a tenant.
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";

import { loadFixture } from "../../emulator";
import { stateFilePath } from "../../engine/workspace";
import { claimsOf, DocSandbox, expectExit } from "../helpers/doc-snippets";
import { startTestEmulator, testCaDir, TestEmulator } from "../helpers/emulator";
import { snippet } from "../helpers/markdown";

const claims = claimsOf(__filename);

interface Checkpoint {
  checkpoint: { latest: { resources: Array<{ urn: string; protect?: boolean }> } };
}

describe("docs: a production stack, from the preflight to interrupted runs", () => {
  let t: TestEmulator;
  let sb: DocSandbox;
  let stackFile: string;
  const preview = loadFixture().apps.find((a) => a.displayName.includes("preview"))!;

  const holder = async (number: string): Promise<string | null | undefined> =>
    (
      await t.admin.get<{ numbers: Array<{ telephoneNumber: string; assignmentTargetId: string | null }> }>("/state")
    ).numbers.find((n) => n.telephoneNumber === number)?.assignmentTargetId;
  const incidentBotId = async (): Promise<string | undefined> =>
    (await t.admin.get<{ users: Array<{ id: string; userPrincipalName: string }> }>("/state")).users.find(
      (u) => u.userPrincipalName === "incident-bot@contoso.com",
    )?.id;
  const protectedResources = (): number =>
    (
      JSON.parse(
        fs.readFileSync(stateFilePath(path.join(sb.repo, ".tbn", "state"), "teams-bot-numbers", "prod"), "utf8"),
      ) as Checkpoint
    ).checkpoint.latest.resources.filter((r) => r.protect).length;

  beforeAll(async () => {
    t = await startTestEmulator();
    sb = DocSandbox.create("prod", {
      trustCaDir: testCaDir(),
      substitutions: [
        {
          from: /\bnpm ci\b/,
          to: "true",
          why: "the sandbox shares this checkout's node_modules, which npm ci installed; npm ci would replace them under the running tests",
        },
      ],
    });
    // The README's Pulumi.prod.yaml, with the tenant it is meant for.
    const doc = parseDocument(snippet("README.md", "# Pulumi.prod.yaml"));
    doc.setIn(["config", "teams-bot-numbers:tenantId"], t.tenantId);
    doc.setIn(["config", "teams-bot-numbers:authorityHost"], t.authorityHost);
    doc.setIn(["config", "teams-bot-numbers:graphUrl"], t.graphUrl);
    doc.setIn(["config", "teams-bot-numbers:pwshPath"], "emulator/bin/pwsh");
    stackFile = path.join(sb.repo, "Pulumi.prod.yaml");
    fs.writeFileSync(stackFile, doc.toString());
    // The pipeline's job environment: the deploy identity (client id per job, docs/credentials-and-pipelines.md).
    sb.env.AZURE_CLIENT_ID = t.clientId;
    sb.env.TEAMS_POLL_INTERVAL_MS = "100";
  });
  afterAll(async () => {
    sb?.dispose();
    await t?.stop();
  });

  test("the preflight passes for the deploy identity and for the read-only preview identity", async () => {
    const deploy = claims.take("docs/real-tenant.md", "npm run preflight -- --stack prod");
    const [d] = await sb.run(deploy, { env: { AZURE_CLIENT_SECRET: t.clientSecret } });
    expectExit(d!, 0);
    expect(d!.stdout).toContain('teams-bot-numbers preflight for stack "prod"');
    expect(d!.stdout).toContain("All checks passed.");

    const read = claims.take("docs/real-tenant.md", "npm run preflight -- --stack prod --identity preview");
    const [p] = await sb.run(read, {
      env: { AZURE_CLIENT_ID: preview.clientId, AZURE_CLIENT_SECRET: preview.secrets[0]! },
    });
    expectExit(p!, 0);
    expect(p!.stdout).toContain("(preview identity, a client secret)");
    expect(p!.stdout).toContain("All checks passed.");
    expect(await t.admin.audit()).toEqual([]);
  });

  test("the stack is created and the client secret stored encrypted, typed at the prompt", async () => {
    const block = claims.take("docs/real-tenant.md", "pulumi stack select prod --create");
    const [select, set] = await sb.run(block, { stdin: ["", `${t.clientSecret}\n`] });
    expectExit(select!, 0);
    expectExit(set!, 0);
    const text = fs.readFileSync(stackFile, "utf8");
    expect(text).toMatch(/teams-bot-numbers:clientSecret:\n\s+secure: v1:/);
    expect(text).not.toContain(t.clientSecret);
  });

  test("build, pulumi preview and pulumi up create the README's bot (the secret from the stack config)", async () => {
    const block = claims.take("docs/real-tenant.md", "npm ci && npm run build");
    const [build, previewRun, up] = await sb.run(block);
    for (const r of [build!, previewRun!, up!]) expectExit(r, 0);
    expect(previewRun!.stdout).toMatch(/\+ 6 to create/);
    expect(up!.stdout).toMatch(/\+ 6 created/);
    expect(await holder("+14255550100")).toBe(await incidentBotId());
  });

  test("the stack runner runs the same program: up changes nothing, preview --refresh --expect-no-changes passes", async () => {
    const block = claims.take("docs/real-tenant.md", "node dist/scripts/stack.js up --stack prod");
    const [up, check] = await sb.run(block);
    expectExit(up!, 0);
    expect(up!.stdout).toMatch(/6 unchanged/);
    expectExit(check!, 0);
  });

  test("the drift check passes, then fails on a number unassigned by hand; a plain up (with the memory settings) repairs it", async () => {
    const drift = claims.take("docs/drift.md", "pulumi preview --stack prod --refresh --expect-no-changes");
    const [clean] = await sb.run(drift);
    expectExit(clean!, 0);

    await t.admin.post("/admin/unassignNumber", { telephoneNumber: "+14255550100" });
    const [drifted] = await sb.run(drift);
    expect(drifted!.exitCode).not.toBe(0);
    expect(drifted!.stdout + drifted!.stderr).toMatch(/incident-bot-number/);

    const up = claims.take(
      "docs/engine.md",
      "NODE_OPTIONS=--max-semi-space-size=2 MALLOC_ARENA_MAX=2 pulumi up --stack prod",
    );
    const [repair] = await sb.run(up);
    expectExit(repair!, 0);
    expect(await holder("+14255550100")).toBe(await incidentBotId());
  });

  test("pulumi state unprotect drops the protection; cancel and up put it back", async () => {
    expect(protectedResources()).toBeGreaterThan(0);
    const unprotect = claims.take("docs/removing-bots.md", "pulumi state unprotect --all --yes --stack prod");
    const [u] = await sb.run(unprotect);
    expectExit(u!, 0);
    expect(protectedResources()).toBe(0);

    const recover = claims.take(
      "docs/interrupted-runs.md",
      "pulumi cancel --yes --stack prod      # deletes every lock of the stack",
    );
    const [cancel, up] = await sb.run(recover);
    expectExit(cancel!, 0);
    expectExit(up!, 0);
    expect(protectedResources()).toBeGreaterThan(0);

    const clear = claims.take("docs/interrupted-runs.md", "pulumi refresh --clear-pending-creates --stack prod");
    const [refresh] = await sb.run(clear);
    expectExit(refresh!, 0);
  });

  test("npm run test:tenant without a tenant's variables says why it skipped and passes", async () => {
    const block = claims.take("docs/real-tenant.md", "npm run test:tenant");
    const [r] = await sb.run(block);
    expectExit(r!, 0);
    expect(r!.stdout).toMatch(/test:tenant skipped: tenant variables not set: AZURE_TENANT_ID/);
  });

  test("every block this file claims ran; every substitution was needed", () => {
    expect(claims.unrun()).toEqual([]);
    expect(sb.unusedSubstitutions()).toEqual([]);
  });
});
