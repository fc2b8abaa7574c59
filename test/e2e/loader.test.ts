/**
 * The path users take (issue 20): `pulumi preview` with the real CLI, which reads Pulumi.yaml, resolves
 * `main` and has the Node.js language host run it through Pulumi's own loader (`@pulumi/pulumi/cmd/run`);
 * the host is the stand-in of engine/language-host.ts, everything else is Pulumi's. For every layout our
 * docs show, the bots' resources must be declared with the stack config's inputs:
 *   - this repository's Pulumi.yaml and Pulumi.dev.yaml;
 *   - a stack repository made from the packed tarball, with the Pulumi.yaml read from docs/stack-repository.md
 *     (so the docs cannot drift from what is tested), with and without its own @pulumi/pulumi, and the
 *     directory form of `main` the README showed before (its users upgrade into it);
 *   - the Pulumi.prod.example.yaml shape (a createApp bot: @pulumi/azuread resources, whose provider
 *     plugin cannot be downloaded here) through the same loader against a recording resource monitor.
 * No tenant is involved: a preview of new resources calls only `check`.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDocument, parse as parseYaml } from "yaml";

import { offlineEnv, pulumiCliDir, REPO_ROOT } from "../../engine/workspace";
import { parseStackConfig, StackConfig } from "../../stacks/config";
import { CALLING_BOT_PERMISSIONS } from "../../stacks/program";
import { snippet } from "../helpers/markdown";
import { programLocation, runProgram } from "../helpers/recording-monitor";
import { runCommand } from "./harness";

const TYPE = {
  bot: "teams:index:Bot",
  account: "pulumi-nodejs:dynamic/teams:ApplicationInstance",
  licence: "pulumi-nodejs:dynamic/teams:VirtualUserLicense",
  number: "pulumi-nodejs:dynamic/teams:BotPhoneNumber",
  plan: "pulumi-nodejs:dynamic/teams:NumberPlan",
};

/** What a declared resource looks like to the test: type, name and its inputs. */
interface Declared {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  protect?: boolean;
}

/** Checks that every bot of the config is declared with its inputs, and nothing else of ours is. */
function expectBotsDeclared(declared: Declared[], config: StackConfig): void {
  const ours = declared.filter((d) => Object.values(TYPE).includes(d.type));
  const withNumber = config.bots.filter((b) => b.phoneNumber !== undefined);
  expect(ours).toHaveLength(config.bots.length * 3 + withNumber.length + 1);
  for (const b of config.bots) {
    const account = ours.find((d) => d.type === TYPE.account && d.name === b.name);
    expect(account?.inputs).toMatchObject({
      userPrincipalName: b.userPrincipalName,
      displayName: b.displayName,
      usageLocation: b.usageLocation,
      ...(b.appId ? { applicationId: b.appId } : {}),
    });
    expect(ours.find((d) => d.type === TYPE.licence && d.name === `${b.name}-licence`)).toBeDefined();
    expect(ours.find((d) => d.type === TYPE.bot && d.name === b.name)?.protect).toBe(config.protect);
    if (b.phoneNumber)
      expect(ours.find((d) => d.type === TYPE.number && d.name === `${b.name}-number`)?.inputs).toMatchObject({
        phoneNumber: b.phoneNumber,
        numberType: b.numberType,
      });
  }
  const plan = ours.find((d) => d.type === TYPE.plan);
  expect((plan?.inputs.bots as Array<{ userPrincipalName: string }>).map((p) => p.userPrincipalName)).toEqual(
    config.bots.map((b) => b.userPrincipalName),
  );
}

/** The stack config of a Pulumi.<stack>.yaml, validated as the program does. */
function stackConfigOf(file: string): StackConfig {
  const config = (parseYaml(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config;
  return parseStackConfig({ bots: config["teams-bot-numbers:bots"], protect: config["teams-bot-numbers:protect"] });
}

/** `pulumi preview --json` with the real CLI in `cwd` (an isolated backend and Pulumi home). */
async function cliPreview(cwd: string, stack: string, env: NodeJS.ProcessEnv = {}): Promise<Declared[]> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-loader-"));
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    ...offlineEnv({ backend: { kind: "file", dir: path.join(home, "backend") }, pulumiHome: path.join(home, "home") }),
    PATH: `${pulumiCliDir()}${path.delimiter}${process.env.PATH}`,
    ...env,
  };
  // Nothing may point back at this checkout: the stand-in host and the shim find the package from `cwd`.
  delete base.TEAMS_BOT_NUMBERS_ROOT;
  try {
    const pulumi = path.join(pulumiCliDir(), "pulumi");
    const init = await runCommand("stack init", pulumi, ["stack", "select", "--create", stack, "--non-interactive"], {
      cwd,
      env: base,
    });
    expect(init.exitCode).toBe(0);
    const r = await runCommand("preview", pulumi, ["preview", "--json", "--stack", stack, "--non-interactive"], {
      cwd,
      env: base,
    });
    if (r.exitCode !== 0) throw new Error(`preview failed (${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
    const steps = (JSON.parse(r.stdout) as { steps: Array<{ op: string; newState?: Declared & { urn: string } }> })
      .steps;
    return steps
      .filter((s) => s.op === "create" && s.newState)
      .map((s) => ({
        type: s.newState!.type,
        name: s.newState!.urn.split("::").pop()!,
        inputs: s.newState!.inputs,
        protect: s.newState!.protect ?? false,
      }));
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

describe("the program Pulumi runs from Pulumi.yaml's main (real CLI, Pulumi's loader)", () => {
  test("this repository: pulumi preview --stack dev declares the dev stack's bots", async () => {
    const declared = await cliPreview(REPO_ROOT, "dev");
    expectBotsDeclared(declared, stackConfigOf(path.join(REPO_ROOT, "Pulumi.dev.yaml")));
  });

  describe("a stack repository made from the packed tarball", () => {
    let tmp: string;
    let tarball: string;
    const stackFile = [
      "config:",
      "  teams-bot-numbers:tenantId: 5f1c8e2a-3b7d-4c9e-a1f0-2d6b8e4c7a91",
      "  teams-bot-numbers:bots:",
      "    - name: incident-bot",
      "      userPrincipalName: incident-bot@contoso.com",
      "      displayName: Incident Bot",
      "      appId: 6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
      "      usageLocation: US",
      '      phoneNumber: "+1 425 555 0100"',
      "      numberType: CallingPlan",
      "    - name: helpdesk-bot",
      "      userPrincipalName: helpdesk-bot@contoso.com",
      "      displayName: Helpdesk Bot",
      "      appId: 8b2e4c6a-1d3f-4a5b-8c7d-9e0f1a2b3c20",
      "      usageLocation: US",
      "",
    ].join("\n");

    /** A stack repository with the given Pulumi.yaml and package.json dependencies besides ours. */
    const stackRepo = (name: string, pulumiYaml: string, own: Record<string, string> = {}): string => {
      const repo = path.join(tmp, name);
      fs.mkdirSync(repo);
      fs.writeFileSync(
        path.join(repo, "package.json"),
        JSON.stringify({ name, private: true, dependencies: { ...own, "teams-bot-numbers": `file:${tarball}` } }),
      );
      fs.writeFileSync(path.join(repo, "Pulumi.yaml"), pulumiYaml);
      fs.writeFileSync(path.join(repo, "Pulumi.test.yaml"), stackFile);
      execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], {
        cwd: repo,
        stdio: "ignore",
      });
      return repo;
    };
    const docsPulumiYaml = (): string => snippet("docs/stack-repository.md", "# Pulumi.yaml of your stack repository");

    beforeAll(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-loader-repos-"));
      // dist/ is built by scripts/setup.sh before the tests; `npm pack` would rebuild it (prepack).
      const packed = JSON.parse(
        execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], {
          cwd: REPO_ROOT,
          encoding: "utf8",
        }),
      ) as Array<{ filename: string }>;
      tarball = path.join(tmp, packed[0]!.filename);
    }, 120_000);
    afterAll(() => {
      if (tmp && !process.env.TBN_KEEP_E2E) fs.rmSync(tmp, { recursive: true, force: true });
    });

    test("the documented Pulumi.yaml, no @pulumi/pulumi of its own: the stack's bots are declared", async () => {
      const repo = stackRepo("bots-infra", docsPulumiYaml());
      const declared = await cliPreview(repo, "test");
      expectBotsDeclared(declared, stackConfigOf(path.join(repo, "Pulumi.test.yaml")));
    }, 300_000);

    test("a repository with its own @pulumi/pulumi range: one copy installed, the bots declared", async () => {
      const repo = stackRepo("own-pulumi", docsPulumiYaml(), { "@pulumi/pulumi": "^3.200.0" });
      expect(fs.existsSync(path.join(repo, "node_modules", "teams-bot-numbers", "node_modules", "@pulumi"))).toBe(
        false,
      );
      const declared = await cliPreview(repo, "test");
      expectBotsDeclared(declared, stackConfigOf(path.join(repo, "Pulumi.test.yaml")));
    }, 300_000);

    test("the directory form of main (the README before the fix) runs the stacks program too", async () => {
      const doc = parseDocument(docsPulumiYaml());
      doc.set("main", "node_modules/teams-bot-numbers/dist/stacks/");
      const repo = stackRepo("directory-main", doc.toString());
      const declared = await cliPreview(repo, "test");
      expectBotsDeclared(declared, stackConfigOf(path.join(repo, "Pulumi.test.yaml")));
    }, 300_000);
  });

  test("main pointing at the package itself (`main: .` here): the library entry refuses to run, nothing declared", async () => {
    const record = await runProgram({
      project: "teams-bot-numbers",
      stack: "dev",
      rootDirectory: REPO_ROOT,
      ...programLocation(REPO_ROOT, "."),
      config: {},
      options: { typescript: false },
    });
    expect(record.exitCode).not.toBe(0);
    expect(record.registrations.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
    expect(record.logs.map((l) => l.message).join("\n")).toContain(
      "Pulumi.yaml's main points at the teams-bot-numbers package, whose entry is a library that declares no resources",
    );
  });

  test("the Pulumi.prod.example.yaml shape (createApp): declared through the loader, protected by default", async () => {
    // The example's placeholders are refused by design; a real stack has real ids in their place.
    const example = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.prod.example.yaml"), "utf8");
    const ids = ["5f1c8e2a-3b7d-4c9e-a1f0-2d6b8e4c7a91", "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10"];
    const filled = example.replace(/00000000-0000-0000-0000-000000000000/g, () => ids.shift()!);
    const config = (parseYaml(filled) as { config: Record<string, unknown> }).config;
    const project = parseYaml(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as {
      main?: string;
      runtime: { options?: Record<string, unknown> };
    };
    const record = await runProgram({
      project: "teams-bot-numbers",
      stack: "prod",
      rootDirectory: REPO_ROOT,
      ...programLocation(REPO_ROOT, project.main),
      config: Object.fromEntries(
        Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
      ),
      options: project.runtime.options,
      invoke: (token) =>
        token === "azuread:index/getServicePrincipal:getServicePrincipal"
          ? {
              objectId: "graph-service-principal",
              appRoleIds: Object.fromEntries(CALLING_BOT_PERMISSIONS.map((p, i) => [p, `role-${i}`])),
            }
          : {},
    });
    expect(record.logs.filter((l) => l.severity >= 3)).toEqual([]);
    expect(record.exitCode).toBe(0);
    const parsed = parseStackConfig({ bots: config["teams-bot-numbers:bots"] });
    expect(parsed.protect).toBe(true);
    expectBotsDeclared(record.registrations, parsed);
    const app = parsed.bots.find((b) => b.createApp)!;
    const azuread = record.registrations.filter((r) => r.type.startsWith("azuread:"));
    expect(azuread.map((r) => r.type).sort()).toEqual(
      [
        "azuread:index/application:Application",
        "azuread:index/servicePrincipal:ServicePrincipal",
        ...CALLING_BOT_PERMISSIONS.map(() => "azuread:index/appRoleAssignment:AppRoleAssignment"),
      ].sort(),
    );
    expect(azuread.find((r) => r.type.endsWith("Application"))?.inputs).toMatchObject({ displayName: app.displayName });
    expect(azuread.every((r) => r.protect)).toBe(true);
  }, 120_000);
});
