/**
 * The one place that says how this project drives the Pulumi engine offline: which CLI, which
 * state backend, which secrets provider, which environment. Used by the demo (`npm run demo`),
 * the real-engine tests and the benchmarks.
 *
 * Programs run through the Automation API's inline route (the CLI runs `preview/up/refresh/destroy`
 * and talks back to this Node process), because the Node.js language host cannot be built from
 * the Go module proxy here. Users with a normal Pulumi install can run `pulumi up` directly.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, PulumiFn, Stack } from "@pulumi/pulumi/automation";

/** Repository root (this file lives in engine/ or dist/engine/). */
export const REPO_ROOT = ((): string => {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "engine", "go.mod"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`cannot find the repository root above ${__dirname}`);
  }
})();

/** Local, git-ignored directory for state backends, Pulumi homes and emulator data. */
export const LOCAL_DIR = path.join(REPO_ROOT, ".tbn");

/** Passphrase for local development stacks only. Real stacks set PULUMI_CONFIG_PASSPHRASE themselves. */
export const DEV_PASSPHRASE = "teams-bot-numbers-dev-only";

/** Directory holding the `pulumi` CLI (built or found by scripts/engine.sh; cached per process). */
let cliDir: string | undefined;
export function pulumiCliDir(): string {
  if (!cliDir) {
    cliDir = execFileSync("bash", [path.join(REPO_ROOT, "scripts", "engine.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
  }
  return cliDir;
}

/** Offline engine environment: no update check, no plugin downloads, local state, isolated home. */
export function offlineEnv(opts: { backendDir: string; pulumiHome: string }): Record<string, string> {
  fs.mkdirSync(opts.backendDir, { recursive: true });
  fs.mkdirSync(opts.pulumiHome, { recursive: true });
  return {
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_BACKEND_URL: `file://${opts.backendDir}`,
    PULUMI_HOME: opts.pulumiHome,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? DEV_PASSPHRASE,
    // The dynamic-provider launcher resolves @pulumi/pulumi and our dist/ from the work dir.
    TEAMS_BOT_NUMBERS_ROOT: REPO_ROOT,
  };
}

/** Options for {@link openStack}. */
export interface OpenStackOptions {
  projectName: string;
  stackName: string;
  program: PulumiFn;
  /** Work dir: @pulumi/pulumi must resolve from it (this repository, or a stack repository that installed this package). */
  workDir: string;
  backendDir: string;
  pulumiHome: string;
  /** Extra environment for the CLI and the provider processes it starts. */
  env?: Record<string, string>;
}

/** Creates or selects a stack with the offline settings above. */
export async function openStack(o: OpenStackOptions): Promise<Stack> {
  fs.mkdirSync(o.workDir, { recursive: true });
  // The engine starts Pulumi's dynamic-provider plugin in the work dir, and that launcher finds
  // @pulumi/pulumi/cmd/dynamic-provider from there; when it cannot, the run ends in
  // "could not read plugin … EOF". Say so before the engine starts.
  try {
    require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [o.workDir] });
  } catch {
    throw new Error(
      `the stack's work dir ${o.workDir} cannot reach @pulumi/pulumi, which the engine's dynamic-provider plugin loads from there. ` +
        `Keep Pulumi.yaml in a directory whose node_modules hold teams-bot-numbers (npm install it there), or run from inside this repository.`,
    );
  }
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(pulumiCliDir()) });
  const ws = await LocalWorkspace.create({
    workDir: o.workDir,
    pulumiHome: o.pulumiHome,
    pulumiCommand,
    program: o.program,
    secretsProvider: "passphrase",
    // A work dir with its own Pulumi.yaml (the repository root for the dev stack) keeps it;
    // otherwise the workspace writes one for the inline program.
    projectSettings: fs.existsSync(path.join(o.workDir, "Pulumi.yaml"))
      ? undefined
      : { name: o.projectName, runtime: "nodejs", backend: { url: `file://${o.backendDir}` } },
    envVars: { ...offlineEnv(o), ...o.env },
  });
  return Stack.createOrSelect(o.stackName, ws);
}

/** Path of a stack's checkpoint in a file backend (`.pulumi/stacks/<project>/<stack>.json`). */
export function stateFilePath(backendDir: string, projectName: string, stackName: string): string {
  return path.join(backendDir, ".pulumi", "stacks", projectName, `${stackName}.json`);
}
