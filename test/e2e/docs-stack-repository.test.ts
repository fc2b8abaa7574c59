/**
 * docs/stack-repository.md as written: `npm pack` in a copy of this repository, a stack repository
 * beside it that installs the tarball (and @pulumi/azuread), the page's Pulumi.yaml as its project
 * file and the README's Pulumi.prod.yaml pointed at a test emulator, then the installed stack
 * runner's preview and up on the real engine.
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";

import { claimsOf, DocSandbox, expectExit } from "../helpers/doc-snippets";
import { startTestEmulator, testCaDir, TestEmulator } from "../helpers/emulator";
import { snippet } from "../helpers/markdown";

const claims = claimsOf(__filename);

describe("docs: your own stack repository", () => {
  let t: TestEmulator;
  let sb: DocSandbox;
  let stackRepo: string;

  beforeAll(async () => {
    t = await startTestEmulator();
    sb = DocSandbox.create("stack-repository", {
      trustCaDir: testCaDir(),
      substitutions: [
        {
          from: /\bnpm ci\b/,
          to: "true",
          why: "the sandbox shares this checkout's node_modules, which npm ci installed; npm ci would replace them under the running tests",
        },
      ],
    });
    // A stack repository of one's own: an infrastructure repository beside this one.
    stackRepo = path.join(sb.dir, "bots-infra");
    fs.mkdirSync(stackRepo);
    fs.writeFileSync(path.join(stackRepo, "package.json"), JSON.stringify({ name: "bots-infra", private: true }));
    fs.writeFileSync(
      path.join(stackRepo, "Pulumi.yaml"),
      snippet("docs/stack-repository.md", "# Pulumi.yaml of your stack repository"),
    );
    const stack = parseDocument(snippet("README.md", "# Pulumi.prod.yaml"));
    stack.setIn(["config", "teams-bot-numbers:tenantId"], t.tenantId);
    stack.setIn(["config", "teams-bot-numbers:authorityHost"], t.authorityHost);
    stack.setIn(["config", "teams-bot-numbers:graphUrl"], t.graphUrl);
    stack.setIn(["config", "teams-bot-numbers:pwshPath"], path.join(sb.repo, "emulator", "bin", "pwsh"));
    fs.writeFileSync(path.join(stackRepo, "Pulumi.prod.yaml"), stack.toString());
    sb.env.AZURE_CLIENT_ID = t.clientId;
    sb.env.AZURE_CLIENT_SECRET = t.clientSecret;
    sb.env.TEAMS_POLL_INTERVAL_MS = "100";
    // npm as a CI would configure it: from its cache when it can, no audit or funding messages.
    sb.env.npm_config_prefer_offline = "true";
    sb.env.npm_config_audit = "false";
    sb.env.npm_config_fund = "false";
  });
  afterAll(async () => {
    sb?.dispose();
    await t?.stop();
  });

  test("npm pack in this repository builds dist/ and writes the tarball", async () => {
    const block = claims.take(
      "docs/stack-repository.md",
      "npm ci && npm pack          # writes teams-bot-numbers-<version>.tgz (prepack builds dist/)",
    );
    const [pack] = await sb.run(block);
    expectExit(pack!, 0);
    expect(fs.readdirSync(sb.repo).filter((f) => /^teams-bot-numbers-.*\.tgz$/.test(f))).toHaveLength(1);
  });

  test("the stack repository installs the tarball and @pulumi/azuread", async () => {
    const install = claims.take(
      "docs/stack-repository.md",
      "npm install ../teams-bot-numbers/teams-bot-numbers-*.tgz   # or a release asset: https://…/teams-bot-numbers-<version>.tgz",
    );
    expectExit((await sb.run(install, { cwd: stackRepo }))[0]!, 0);
    const installed = path.join(stackRepo, "node_modules", "teams-bot-numbers");
    expect(fs.existsSync(path.join(installed, "dist", "stacks", "index.js"))).toBe(true);
    expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false);

    const azuread = claims.take("docs/stack-repository.md", "npm install @pulumi/azuread@^6.9.1");
    expectExit((await sb.run(azuread, { cwd: stackRepo }))[0]!, 0);
    expect(fs.existsSync(path.join(stackRepo, "node_modules", "@pulumi", "azuread", "package.json"))).toBe(true);
  });

  test("the installed stack runner previews and creates the bot from the stack repository", async () => {
    const block = claims.take("docs/stack-repository.md", "npx teams-bot-numbers-stack preview --stack prod");
    const [preview, up] = await sb.run(block, { cwd: stackRepo });
    expectExit(preview!, 0);
    expect(preview!.stdout).toMatch(/\+ 6 to create/);
    expectExit(up!, 0);
    expect(up!.stdout).toMatch(/\+ 6 created/);
    const state = await t.admin.get<{
      users: Array<{ id: string; userPrincipalName: string }>;
      numbers: Array<{ telephoneNumber: string; assignmentTargetId: string | null }>;
    }>("/state");
    const bot = state.users.find((u) => u.userPrincipalName === "incident-bot@contoso.com");
    expect(state.numbers.find((n) => n.telephoneNumber === "+14255550100")?.assignmentTargetId).toBe(bot?.id);
    expect(fs.existsSync(path.join(stackRepo, ".tbn", "state", ".pulumi", "stacks", "bots-infra", "prod.json"))).toBe(
      true,
    );
  });

  test("every block this file claims ran; every substitution was needed", () => {
    expect(claims.unrun()).toEqual([]);
    expect(sb.unusedSubstitutions()).toEqual([]);
  });
});
