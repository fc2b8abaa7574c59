/**
 * A stack repository outside this one: `npm pack` this package, `npm install` the tarball in a new
 * directory under the OS temp dir that holds only package.json, Pulumi.yaml and a stack config,
 * then preview, up and destroy with the installed stack runner (`npx teams-bot-numbers-stack`) on
 * the real engine against the emulator. Proves the installed dist/ is what runs (not this checkout).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { REPO_ROOT } from "../../engine/workspace";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";
import { secretEnv, stackConfigYaml } from "../helpers/emulator-settings";
import { snippet } from "../helpers/markdown";
import { EngineRun, runCommand } from "./harness";

interface TenantDump {
  users: Array<{ id: string; userPrincipalName: string }>;
  numbers: Array<{ telephoneNumber: string; assignmentTargetId: string | null }>;
}

describe("a stack repository that depends on this package", () => {
  let t: TestEmulator;
  let tmp: string;
  let repo: string;
  let tarball: string;
  const files: string[] = [];

  /** Runs the installed stack runner in the stack repository, as a pipeline would. */
  const stackRun = (command: string): Promise<EngineRun> => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...secretEnv(t) };
    // Nothing may point back at this checkout.
    delete env.TEAMS_BOT_NUMBERS_ROOT;
    return runCommand(command, "npx", ["--no-install", "teams-bot-numbers-stack", command, "--stack", "test"], {
      cwd: repo,
      env,
    });
  };
  const dump = (): Promise<TenantDump> => t.admin.get<TenantDump>("/state");

  beforeAll(async () => {
    t = await startTestEmulator();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-consumer-"));
    repo = path.join(tmp, "bots-infra");
    fs.mkdirSync(repo);
    // dist/ is built by scripts/setup.sh before the tests; `npm pack` would rebuild it (prepack).
    const packed = JSON.parse(
      execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], {
        cwd: REPO_ROOT,
        encoding: "utf8",
      }),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(tmp, packed[0]!.filename);
    files.push(...packed[0]!.files.map((f) => f.path));
    fs.writeFileSync(
      path.join(repo, "package.json"),
      JSON.stringify({ name: "bots-infra", private: true, dependencies: { "teams-bot-numbers": `file:${tarball}` } }),
    );
    // The Pulumi.yaml docs/stack-repository.md tells users to write.
    fs.writeFileSync(
      path.join(repo, "Pulumi.yaml"),
      snippet("docs/stack-repository.md", "# Pulumi.yaml of your stack repository"),
    );
    fs.writeFileSync(
      path.join(repo, "Pulumi.test.yaml"),
      [
        "config:",
        ...stackConfigYaml(t),
        "  teams-bot-numbers:bots:",
        "    - name: incident-bot",
        "      userPrincipalName: incident-bot@contoso.com",
        "      displayName: Incident Bot",
        "      appId: 6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
        "      usageLocation: US",
        '      phoneNumber: "+1 425 555 0100"',
        "      numberType: CallingPlan",
        "",
      ].join("\n"),
    );
    execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: repo,
      stdio: "ignore",
    });
  }, 300_000);

  afterAll(async () => {
    await t?.stop();
    if (tmp && !process.env.TBN_KEEP_E2E) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("the tarball ships the compiled package, not tests, the emulator or sources", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "dist/index.js",
        "dist/index.d.ts",
        "dist/scripts/stack.js",
        "dist/provider/resources/botPhoneNumber.js",
        "protocol/teams-host.ps1",
        "scripts/engine.sh",
      ]),
    );
    expect(
      files.filter((f) => /^(dist\/)?(test|emulator|bench)\//.test(f) || /^(provider|stacks)\/.*\.ts$/.test(f)),
    ).toEqual([]);
  });

  test("require('teams-bot-numbers') gives the resources and the stacks program", () => {
    const out = execFileSync(
      process.execPath,
      [
        "-e",
        "const p = require('teams-bot-numbers'); console.log([p.ApplicationInstance, p.VirtualUserLicense, p.BotPhoneNumber, p.botNumbersProgram, p.parseStackConfig].map((x) => typeof x).join(' '), require.resolve('teams-bot-numbers'))",
      ],
      { cwd: repo, encoding: "utf8" },
    );
    expect(out.trim()).toBe(
      `function function function function function ${fs.realpathSync(repo)}/node_modules/teams-bot-numbers/dist/index.js`,
    );
  });

  test("preview lists the bot's chain and calls nothing mutating", async () => {
    const r = await stackRun("preview");
    if (r.exitCode !== 0) console.log(r.stdout, r.stderr);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/\+ 6 to create/); // stack, component, account, licence, number, number plan
    expect((await t.admin.get<{ entries: unknown[] }>("/audit")).entries).toEqual([]);
  });

  test("up creates the account, licence and number; state stays in the stack repository", async () => {
    const r = await stackRun("up");
    if (r.exitCode !== 0) console.log(r.stdout, r.stderr);
    expect(r.exitCode).toBe(0);
    const state = await dump();
    const user = state.users.find((u) => u.userPrincipalName === "incident-bot@contoso.com");
    expect(user).toBeDefined();
    expect(state.numbers.find((n) => n.telephoneNumber === "+14255550100")?.assignmentTargetId).toBe(user!.id);
    expect(fs.existsSync(path.join(repo, ".tbn", "state", ".pulumi", "stacks", "bots-infra", "test.json"))).toBe(true);
    expect(fs.existsSync(path.join(repo, "node_modules", "teams-bot-numbers", ".tbn"))).toBe(false);
    const second = await stackRun("up");
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/6 unchanged/);
  });

  test("drift: a number unassigned by hand is put back by a plain up (Pulumi.yaml refresh: always)", async () => {
    await t.admin.post("/admin/unassignNumber", { telephoneNumber: "+14255550100" });
    const holder = async (): Promise<string | null | undefined> =>
      (await dump()).numbers.find((n) => n.telephoneNumber === "+14255550100")?.assignmentTargetId;
    expect(await holder()).toBeNull();
    const r = await stackRun("up");
    if (r.exitCode !== 0) console.log(r.stdout, r.stderr);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/incident-bot-number/);
    const id = (await dump()).users.find((u) => u.userPrincipalName === "incident-bot@contoso.com")!.id;
    expect(await holder()).toBe(id);
  });

  test("destroy is refused while the stack protects its bots; the documented way (protect: false, up, destroy) removes the bot", async () => {
    const refused = await stackRun("destroy");
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/cannot be deleted\s+because it is protected/);
    const stackFile = path.join(repo, "Pulumi.test.yaml");
    fs.writeFileSync(
      stackFile,
      fs.readFileSync(stackFile, "utf8").replace("config:\n", "config:\n  teams-bot-numbers:protect: false\n"),
    );
    const unprotect = await stackRun("up");
    expect(unprotect.exitCode).toBe(0);
    const r = await stackRun("destroy");
    if (r.exitCode !== 0) console.log(r.stdout, r.stderr);
    expect(r.exitCode).toBe(0);
    const state = await dump();
    expect(state.users.find((u) => u.userPrincipalName === "incident-bot@contoso.com")).toBeUndefined();
    expect(state.numbers.find((n) => n.telephoneNumber === "+14255550100")?.assignmentTargetId).toBeNull();
  });
});
