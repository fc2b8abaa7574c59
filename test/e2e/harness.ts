/**
 * Real-engine harness: runs the Pulumi CLI (preview/up/refresh/destroy) with an isolated PULUMI_HOME
 * and a file backend (or the backend given, e.g. Azure Blob Storage in Azurite), and returns the
 * engine's output, exit code and state file. The stacks program runs the way `pulumi up` runs it:
 * from a Pulumi.yaml like this repository's (its runtime and options, `main` = the stacks program),
 * through the language host and Pulumi's own loader. Tests of the provider with programs of their
 * own pass an inline program instead.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PulumiFn, Stack } from "@pulumi/pulumi/automation";

import { cleanOutput, engineColor } from "../../engine/output";
import {
  backendEnv,
  backendUrl,
  LOCAL_DIR,
  offlineEnv,
  openStack,
  pulumiCliDir,
  REPO_ROOT,
  StateBackend,
  stateFilePath,
  writeStacksProject,
} from "../../engine/workspace";

/** What one engine command produced. */
export interface EngineRun {
  command: string;
  exitCode: number;
  /** Engine stdout (the preview/update display). */
  stdout: string;
  stderr: string;
  /** Resource change counts reported by the engine on success (e.g. { create: 2 }). */
  changes: Record<string, number>;
}

/** Options shared by the engine commands. */
export interface RunOptions {
  refresh?: boolean;
  expectNoChanges?: boolean;
  /** Extra CLI log verbosity (e.g. 9 with logToStdErr to hunt leaks). */
  logVerbosity?: number;
  /** Engine logs to stderr (EngineRun.stderr) instead of files. */
  logToStdErr?: boolean;
}

/** Output and change counts of a finished up / refresh / destroy. */
function updateResult(r: {
  stdout: string;
  stderr: string;
  summary: { resourceChanges?: Record<string, number> };
}): Omit<EngineRun, "command" | "exitCode"> {
  return { stdout: r.stdout, stderr: r.stderr, changes: r.summary.resourceChanges ?? {} };
}

/** One isolated project + stack on the real engine. */
export class EngineHarness {
  private constructor(
    readonly stack: Stack,
    readonly dir: string,
    readonly backend: StateBackend,
    readonly projectName: string,
    readonly stackName: string,
    private readonly env: Record<string, string>,
  ) {}

  /** Creates a fresh isolated stack; `env` reaches the CLI and the provider processes. */
  static async create(o: {
    name: string;
    /** An inline program; default: the stacks program, run from Pulumi.yaml by the CLI. */
    program?: PulumiFn;
    projectName?: string;
    stackName?: string;
    env?: Record<string, string>;
    config?: Record<string, { value: string; secret?: boolean }>;
    /** State backend; default: a file backend in the harness's temp directory. */
    backend?: StateBackend;
  }): Promise<EngineHarness> {
    fs.mkdirSync(path.join(LOCAL_DIR, "e2e"), { recursive: true });
    const dir = fs.mkdtempSync(path.join(LOCAL_DIR, "e2e", `${o.name}-`));
    const projectName = o.projectName ?? "teams-bot-numbers";
    const stackName = o.stackName ?? "test";
    const backend = o.backend ?? { kind: "file", dir: path.join(dir, "backend") };
    if (!o.program) writeStacksProject(path.join(dir, "work"), projectName);
    const stack = await openStack({
      projectName,
      stackName,
      program: o.program,
      workDir: path.join(dir, "work"),
      backend,
      pulumiHome: path.join(dir, "home"),
      env: o.env,
    });
    // Test stacks are throwaway: unprotected unless the test says otherwise.
    await stack.setAllConfig({ "teams-bot-numbers:protect": { value: "false" }, ...o.config });
    return new EngineHarness(stack, dir, backend, projectName, stackName, o.env ?? {});
  }

  /** Directory of the file backend (throws for other backends). */
  get backendDir(): string {
    if (this.backend.kind !== "file") throw new Error(`the ${this.backend.kind} backend has no directory`);
    return this.backend.dir;
  }

  /** `pulumi preview`. */
  preview(o: RunOptions = {}): Promise<EngineRun> {
    return this.run("preview", (streams) =>
      this.stack
        .preview({ ...streams, diff: true, ...o })
        .then((r) => ({ stdout: r.stdout, stderr: r.stderr, changes: r.changeSummary as Record<string, number> })),
    );
  }

  /** `pulumi up`. */
  up(o: RunOptions = {}): Promise<EngineRun> {
    return this.run("up", (streams) => this.stack.up({ ...streams, diff: true, ...o }).then(updateResult));
  }

  /** `pulumi refresh`. */
  refresh(o: RunOptions = {}): Promise<EngineRun> {
    const { refresh: _ignored, ...rest } = o;
    return this.run("refresh", (streams) => this.stack.refresh({ ...streams, ...rest }).then(updateResult));
  }

  /** `pulumi destroy`. */
  destroy(o: RunOptions = {}): Promise<EngineRun> {
    const { expectNoChanges: _e, ...rest } = o;
    return this.run("destroy", (streams) => this.stack.destroy({ ...streams, ...rest }).then(updateResult));
  }

  /** The environment the CLI gets for this stack from the Automation API (to run `pulumi` directly). */
  cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...offlineEnv({ backend: this.backend, pulumiHome: path.join(this.dir, "home") }),
      ...this.env,
      ...extra,
      PATH: `${pulumiCliDir()}${path.delimiter}${process.env.PATH}`,
    };
  }

  /** `pulumi <args> --stack <this stack>` in the stack's work dir, as a user types it. */
  cli(args: string[], extra: Record<string, string> = {}): ChildProcess {
    return spawn(path.join(pulumiCliDir(), "pulumi"), [...args, "--stack", this.stackName, "--non-interactive"], {
      cwd: path.join(this.dir, "work"),
      env: this.cliEnv(extra),
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  /** Raw checkpoint file of the stack, as the backend stores it. */
  stateText(): string {
    return fs.readFileSync(stateFilePath(this.backendDir, this.projectName, this.stackName), "utf8");
  }

  /** Resources recorded in the checkpoint. */
  resources(): Array<{
    urn: string;
    type: string;
    id?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
  }> {
    return JSON.parse(this.stateText()).checkpoint.latest?.resources ?? [];
  }

  /** Removes the stack and its temp directory. */
  async dispose(): Promise<void> {
    await this.stack.workspace.removeStack(this.stackName, { force: true }).catch(() => undefined);
    if (!process.env.TBN_KEEP_E2E) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Runs one engine command with the output path users get from scripts/stack.ts (engine/output.ts:
   * colour by terminal and NO_COLOR, raw colour markup removed) and returns what that path printed.
   * Every run is checked for raw colour markup.
   */
  private async run(
    command: string,
    fn: (streams: {
      onOutput: (s: string) => void;
      onError: (s: string) => void;
      color: "always" | "never";
    }) => Promise<{ stdout: string; stderr: string; changes: Record<string, number> }>,
  ): Promise<EngineRun> {
    let stdout = "";
    let stderr = "";
    const out = cleanOutput((s) => {
      stdout += s;
      if (process.env.TBN_E2E_ECHO) process.stdout.write(s);
    });
    const err = cleanOutput((s) => {
      stderr += s;
    });
    let result: EngineRun;
    try {
      const r = await fn({ onOutput: out.write, onError: err.write, color: engineColor() });
      out.flush();
      err.flush();
      result = { command, exitCode: 0, stdout, stderr, changes: r.changes };
    } catch (e) {
      out.flush();
      err.flush();
      // CommandError carries the CLI's result; anything else is a harness failure.
      const failed = (e as { commandResult?: { code: number; stdout: string; stderr: string } }).commandResult;
      if (!failed) throw e;
      result = { command, exitCode: failed.code, stdout, stderr, changes: {} };
    }
    return assertNoColorMarkup(result);
  }

  /**
   * Runs a command on this stack with the stacks program in a separate process
   * (`scripts/stack.ts`), as a pipeline would. Use it where the program is expected to fail:
   * @pulumi/pulumi's inline host leaves the program's rejection unobserved in its own process,
   * which jest would report against the test file.
   */
  runStackProgram(
    command: "preview" | "up",
    o: RunOptions & { env?: Record<string, string>; args?: string[] } = {},
  ): Promise<EngineRun> {
    const { args, env } = this.stackProgram(command, o);
    return runCommand(command, process.execPath, args, { env });
  }

  /** Node argv and environment that run `scripts/stack.ts` on this stack (work dir, backend, home). */
  stackProgram(
    command: "preview" | "up" | "refresh" | "destroy",
    o: RunOptions & { env?: Record<string, string>; args?: string[] } = {},
  ): { args: string[]; env: NodeJS.ProcessEnv } {
    const args = [
      path.join(REPO_ROOT, "dist", "scripts", "stack.js"),
      command,
      "--stack",
      this.stackName,
      "--work-dir",
      path.join(this.dir, "work"),
      "--backend",
      backendUrl(this.backend),
      "--pulumi-home",
      path.join(this.dir, "home"),
    ];
    if (o.refresh) args.push("--refresh");
    if (o.expectNoChanges) args.push("--expect-no-changes");
    args.push(...(o.args ?? []));
    return { args, env: { ...process.env, ...backendEnv(this.backend), ...this.env, ...o.env } };
  }
}

/**
 * Runs a command to its end without blocking this process (the emulator may live here) and
 * returns its output, checked for raw colour markup.
 */
export function runCommand(
  command: string,
  file: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv },
): Promise<EngineRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.on("error", reject);
    child.on("close", (code) => {
      try {
        resolve(assertNoColorMarkup({ command, exitCode: code ?? -1, stdout, stderr, changes: {} }));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Fails the run's caller when Pulumi's raw colour markup (`<{%fg 1%}>`) reached captured output. */
export function assertNoColorMarkup(run: EngineRun): EngineRun {
  for (const [stream, text] of [
    ["stdout", run.stdout],
    ["stderr", run.stderr],
  ] as const) {
    const at = text.indexOf("<{%");
    if (at >= 0)
      throw new Error(
        `${run.command}: raw colour markup in ${stream}: ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 60))}`,
      );
  }
  return run;
}

/** A temp file path under the OS temp dir. */
export function tempFile(name: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tbn-")), name);
}
