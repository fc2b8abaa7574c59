#!/usr/bin/env node
/**
 * Runs `preview | up | refresh | destroy` on a stack with the offline settings of engine/workspace.ts
 * (state under .tbn/ unless a backend is given, an isolated Pulumi home, no plugin downloads): the
 * CLI runs the work dir's Pulumi.yaml `main` as `pulumi up` does. It checks the stack config first,
 * so a config error is one message with no engine output around it.
 *
 *   node dist/scripts/stack.js up --stack prod [--refresh] [--expect-no-changes] [--continue-on-error]
 *     [--target URN]... [--diff] [--work-dir DIR] [--backend URL | --backend-dir DIR] [--pulumi-home DIR]
 *   npx teams-bot-numbers-stack up --stack prod      (in a stack repository depending on this package)
 *
 * `--backend` takes what `pulumi login` takes: `file://DIR`, or `azblob://CONTAINER` with the
 * storage account in AZURE_STORAGE_ACCOUNT (and AZURE_STORAGE_KEY, or DefaultAzureCredential);
 * an emulator adds `?domain=HOST:PORT&protocol=http&localemu=true`. Defaults: the current
 * directory as work dir when it holds a Pulumi.yaml, else this repository; the local file backend
 * and Pulumi home under the work dir's .tbn/. The engine flags users pass to `pulumi` pass through
 * (USAGE). Exits with the CLI's exit code.
 */
import * as fs from "fs";
import * as path from "path";
import { OutputMap, Stack } from "@pulumi/pulumi/automation";

import { cleanOutput, engineColor } from "../engine/output";
import { LOCAL_DIR, openStack, parseBackendUrl, REPO_ROOT, StateBackend } from "../engine/workspace";
import { parseStackConfig, signInIdentities } from "../stacks/config";
import { PROJECT } from "../stacks/program";

/** Engine commands this runner offers. */
export const COMMANDS = ["preview", "up", "refresh", "destroy"] as const;
/** One of COMMANDS. */
export type StackCommand = (typeof COMMANDS)[number];

/** The runner's help (`--help`, and after a usage error). */
export const USAGE = `usage: teams-bot-numbers-stack ${COMMANDS.join("|")} --stack NAME [options]
  (in this repository: node dist/scripts/stack.js …)

  --stack NAME           the stack (its settings and bots in Pulumi.NAME.yaml of the work dir)
  --refresh              read the tenant back before the run (preview, up)
  --expect-no-changes    fail when the run would change anything
  --continue-on-error    keep going past a failed resource and fail at the end (up, destroy),
                         as \`pulumi up --continue-on-error\`: one refused bot does not stop the others
  --target URN           only this resource (repeatable), as \`pulumi up --target\`
  --diff                 the per-property diff: preview and up always print it, destroy with this flag
  --work-dir DIR         the directory with Pulumi.yaml (default: the current one when it has one)
  --backend URL          state backend as \`pulumi login\` takes it (file://DIR, azblob://CONTAINER)
  --backend-dir DIR      the file backend in DIR (default: .tbn/state of the work dir)
  --pulumi-home DIR      Pulumi home (default: .tbn/pulumi-home of the work dir)
  --help                 this text`;

/** A command-line problem: the message, then the usage. */
export class UsageError extends Error {}

/** Options of one run. */
export interface StackRun {
  command: StackCommand;
  stackName: string;
  workDir?: string;
  /** State backend; default: the file backend under the work dir's .tbn/state. */
  backend?: StateBackend;
  pulumiHome?: string;
  refresh?: boolean;
  expectNoChanges?: boolean;
  /** `--continue-on-error` (up, destroy): keep going past a failed resource, fail at the end. */
  continueOnError?: boolean;
  /** `--target URN` (repeatable): only these resources. */
  targets?: string[];
  /** `--diff`: the per-property diff; preview and up always show it, destroy on request. */
  diff?: boolean;
  /** Extra environment for the CLI and the provider processes. */
  env?: Record<string, string>;
}

/**
 * The default work dir: the current directory when it holds a Pulumi.yaml (a stack repository
 * that depends on this package, or this repository), else this repository.
 */
export function defaultWorkDir(cwd = process.cwd()): string {
  return fs.existsSync(path.join(cwd, "Pulumi.yaml")) ? cwd : REPO_ROOT;
}

/** Opens the stack of the work dir's Pulumi.yaml with the offline settings. */
export function openProjectStack(o: StackRun): Promise<Stack> {
  const workDir = o.workDir ?? defaultWorkDir();
  // Local state and Pulumi home belong to the stack repository, never inside node_modules.
  const localDir = workDir === REPO_ROOT ? LOCAL_DIR : path.join(workDir, ".tbn");
  return openStack({
    projectName: PROJECT,
    stackName: o.stackName,
    workDir,
    backend: o.backend ?? { kind: "file", dir: path.join(localDir, "state") },
    pulumiHome: o.pulumiHome ?? path.join(localDir, "pulumi-home"),
    env: o.env,
  });
}

/**
 * Validates the stack's `teams-bot-numbers:bots` before the engine starts, so a config error is
 * one message (StackConfigError) with no engine output around it: no stack trace, no preview
 * summary, nothing sent to the tenant. The program validates again (plain `pulumi up`).
 */
export async function checkStackConfig(stack: Stack, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = await stack.getAllConfig();
  let bots: unknown = config[`${PROJECT}:bots`]?.value;
  if (typeof bots === "string") {
    try {
      bots = JSON.parse(bots);
    } catch {
      // Not JSON: parseStackConfig reports the wrong shape.
    }
  }
  parseStackConfig(
    { bots, protect: config[`${PROJECT}:protect`]?.value },
    signInIdentities((key) => config[`${PROJECT}:${key}`]?.value, env),
  );
}

/** Runs the command, streaming the engine's output; returns the stack outputs after `up`. */
export async function runStack(o: StackRun): Promise<OutputMap | undefined> {
  const stack = await openProjectStack(o);
  if (o.command === "preview" || o.command === "up") await checkStackConfig(stack, { ...process.env, ...o.env });
  const out = cleanOutput((s) => process.stdout.write(s));
  const err = cleanOutput((s) => process.stderr.write(s));
  const common = { onOutput: out.write, onError: err.write, color: engineColor(), target: o.targets };
  const planned = { ...common, diff: true, refresh: o.refresh, expectNoChanges: o.expectNoChanges };
  try {
    switch (o.command) {
      case "preview":
        await stack.preview(planned);
        return undefined;
      case "up":
        return (await stack.up({ ...planned, continueOnError: o.continueOnError })).outputs;
      case "refresh":
        await stack.refresh({ ...common, expectNoChanges: o.expectNoChanges });
        return undefined;
      case "destroy":
        await stack.destroy({ ...common, diff: o.diff, continueOnError: o.continueOnError });
        return undefined;
    }
  } finally {
    out.flush();
    err.flush();
  }
}

/** Exit code for a failed run: the CLI's own, or 1. */
export function exitCodeOf(err: unknown): number {
  const code = (err as { commandResult?: { code?: number } }).commandResult?.code;
  return typeof code === "number" && code > 0 ? code : 1;
}

/** Options each command takes beyond the common ones (the engine's own option sets). */
const ONLY_FOR: Record<string, readonly StackCommand[]> = {
  "--refresh": ["preview", "up"],
  "--continue-on-error": ["up", "destroy"],
  "--diff": ["preview", "up", "destroy"],
};

/** Parses the command line (after `node stack.js`); a problem throws UsageError. */
export function parseArgs(argv: string[]): StackRun | "help" {
  if (argv.includes("--help") || argv.includes("-h")) return "help";
  const [command, ...rest] = argv;
  if (!COMMANDS.includes(command as StackCommand))
    throw new UsageError(
      command === undefined ? "a command is required" : `unknown command ${command} (one of ${COMMANDS.join(", ")})`,
    );
  const run: StackRun = { command: command as StackCommand, stackName: "" };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    const allowed = ONLY_FOR[flag];
    if (allowed && !allowed.includes(run.command))
      throw new UsageError(
        `${flag} applies to ${allowed.slice(0, -1).join(", ")} and ${allowed[allowed.length - 1]}, not ${run.command}`,
      );
    switch (flag) {
      case "--stack":
        run.stackName = value();
        break;
      case "--work-dir":
        run.workDir = path.resolve(value());
        break;
      case "--backend":
        run.backend = parseBackendUrl(value());
        break;
      case "--backend-dir":
        run.backend = { kind: "file", dir: path.resolve(value()) };
        break;
      case "--pulumi-home":
        run.pulumiHome = path.resolve(value());
        break;
      case "--refresh":
        run.refresh = true;
        break;
      case "--expect-no-changes":
        run.expectNoChanges = true;
        break;
      case "--continue-on-error":
        run.continueOnError = true;
        break;
      case "--target":
        run.targets = [...(run.targets ?? []), value()];
        break;
      case "--diff":
        run.diff = true;
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  if (!run.stackName) throw new UsageError("--stack NAME is required");
  return run;
}

if (require.main === module) {
  Promise.resolve()
    .then(() => {
      const run = parseArgs(process.argv.slice(2));
      if (run === "help") return void console.log(USAGE);
      return runStack(run);
    })
    .then(
      () => process.exit(0),
      (err: unknown) => {
        // The engine already printed the details of a failed command.
        if (err instanceof UsageError) {
          console.error(`stack: ${err.message}\n${USAGE}`);
          process.exit(2);
        }
        if (!(err as { commandResult?: unknown }).commandResult)
          console.error(err instanceof Error ? err.message : String(err));
        process.exit(exitCodeOf(err));
      },
    );
}
