/**
 * Runs the commands the docs show. Every `sh` block of README.md and docs/ that is not marked
 * `<!-- not run: reason -->` is claimed here by exactly one test file (DOC_CLAIMS, checked by
 * test/unit/docs-snippets.test.ts), and that file runs it in a sandbox: a copy of this repository
 * (sources and dist/, node_modules shared) in a temp directory, with its own `.tbn/` (state, Pulumi
 * home, emulator data), the Pulumi CLI on PATH and a file backend logged in, as a user's shell would
 * have it. The commands run as written; the few places where the sandbox must differ are declared
 * as substitutions, each with its reason, and a substitution that matches nothing fails the test.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { backendUrl, DEV_PASSPHRASE, pulumiCliDir, REPO_ROOT } from "../../engine/workspace";
import { CodeBlock, docBlocks } from "./markdown";

/** A block a test file runs: the doc it is in and its first line, exactly. */
export interface BlockRef {
  file: string;
  firstLine: string;
}

/** Which test file runs which block of the docs (every unmarked `sh` block exactly once). */
export const DOC_CLAIMS: Record<string, BlockRef[]> = {
  "test/e2e/docs-demo.test.ts": [
    {
      file: "README.md",
      firstLine: "npm run demo   # starts the embedded tenant emulator and runs `pulumi up` on the dev stack (3 bots)",
    },
    { file: "docs/getting-started.md", firstLine: "npm run demo" },
    { file: "docs/getting-started.md", firstLine: "npm run demo                # a second run reports no changes" },
    {
      file: "docs/getting-started.md",
      firstLine: "curl -s --cacert .tbn/emulator/ca.pem https://localhost:8443/_emulator/state",
    },
    {
      file: "docs/existing-tenant.md",
      firstLine: "npm run emulator -- start --port 8443 --fixture brownfield.json --reset",
    },
    {
      file: "docs/existing-tenant.md",
      firstLine:
        "export NODE_EXTRA_CA_CERTS=$PWD/.tbn/emulator/ca.pem        # trust the emulator (its start-up prints this line)",
    },
  ],
  "test/e2e/docs-development.test.ts": [
    { file: "docs/development.md", firstLine: "npm run build      # type-check and compile to dist/" },
    { file: "docs/emulator.md", firstLine: "npm run emulator -- start --data-dir .tbn/emulator-2" },
    { file: "docs/engine.md", firstLine: "npm run engine        # prints the directory holding the pulumi CLI" },
  ],
  "test/e2e/docs-prod-stack.test.ts": [
    { file: "docs/real-tenant.md", firstLine: "pulumi stack select prod --create" },
    { file: "docs/real-tenant.md", firstLine: "npm run preflight -- --stack prod" },
    { file: "docs/real-tenant.md", firstLine: "npm run preflight -- --stack prod --identity preview" },
    { file: "docs/real-tenant.md", firstLine: "npm ci && npm run build" },
    { file: "docs/real-tenant.md", firstLine: "node dist/scripts/stack.js up --stack prod" },
    { file: "docs/real-tenant.md", firstLine: "npm run test:tenant" },
    { file: "docs/drift.md", firstLine: "pulumi preview --stack prod --refresh --expect-no-changes" },
    {
      file: "docs/engine.md",
      firstLine: "NODE_OPTIONS=--max-semi-space-size=2 MALLOC_ARENA_MAX=2 pulumi up --stack prod",
    },
    { file: "docs/removing-bots.md", firstLine: "pulumi state unprotect --all --yes --stack prod" },
    {
      file: "docs/interrupted-runs.md",
      firstLine: "pulumi cancel --yes --stack prod      # deletes every lock of the stack",
    },
    { file: "docs/interrupted-runs.md", firstLine: "pulumi refresh --clear-pending-creates --stack prod" },
    {
      file: "docs/pull-request-plans.md",
      firstLine: "npm run plan -- --stack prod                          # runs the preview, prints the plan as text",
    },
  ],
  "test/e2e/docs-existing-tenant.test.ts": [
    {
      file: "docs/existing-tenant.md",
      firstLine: "npm run export -- --stack prod            # merges the tenant's bots into Pulumi.prod.yaml",
    },
    { file: "docs/existing-tenant.md", firstLine: "pulumi up --stack prod --continue-on-error" },
    { file: "docs/existing-tenant.md", firstLine: "node dist/scripts/stack.js up --stack prod --continue-on-error" },
    { file: "docs/existing-tenant.md", firstLine: "npm run export -- --stack prod --check" },
  ],
  "test/e2e/docs-stack-repository.test.ts": [
    {
      file: "docs/stack-repository.md",
      firstLine: "npm ci && npm pack          # writes teams-bot-numbers-<version>.tgz (prepack builds dist/)",
    },
    {
      file: "docs/stack-repository.md",
      firstLine:
        "npm install ../teams-bot-numbers/teams-bot-numbers-*.tgz   # or a release asset: https://…/teams-bot-numbers-<version>.tgz",
    },
    { file: "docs/stack-repository.md", firstLine: "npm install @pulumi/azuread@^6.9.1" },
    { file: "docs/stack-repository.md", firstLine: "npx teams-bot-numbers-stack preview --stack prod" },
  ],
};

/** The block a ref names (throws unless exactly one block of that doc starts with that line). */
export function findBlock(ref: BlockRef, blocks: CodeBlock[] = docBlocks()): CodeBlock {
  const found = blocks.filter((b) => b.file === ref.file && b.text.split("\n")[0] === ref.firstLine);
  if (found.length !== 1)
    throw new Error(
      `${ref.file}: expected one code block whose first line is ${JSON.stringify(ref.firstLine)}, found ${found.length}`,
    );
  return found[0]!;
}

/**
 * The blocks one test file claims, and a record of which it ran: `take` hands a block out (only one
 * this file claims), `unrun` lists the claimed blocks not taken yet (a file's last test expects none).
 */
export function claimsOf(testFile: string): { take(file: string, firstLine: string): CodeBlock; unrun(): string[] } {
  const rel = path.relative(REPO_ROOT, testFile);
  const refs = DOC_CLAIMS[rel];
  if (!refs) throw new Error(`${rel} claims no doc blocks in DOC_CLAIMS`);
  const taken = new Set<string>();
  const key = (r: BlockRef): string => `${r.file}: ${r.firstLine}`;
  return {
    take(file, firstLine) {
      const ref = refs.find((r) => r.file === file && r.firstLine === firstLine);
      if (!ref) throw new Error(`${rel} does not claim ${file}: ${firstLine}`);
      taken.add(key(ref));
      return findBlock(ref);
    },
    unrun: () => refs.filter((r) => !taken.has(key(r))).map(key),
  };
}

/** What running a block needs of it: its text and where it is (for messages). */
export type CodeBlockLike = Pick<CodeBlock, "text" | "file" | "line">;

/** A place where the sandbox must differ from the text, and why. */
export interface Substitution {
  from: RegExp;
  to: string;
  why: string;
}

/** One command of a block as it ran. */
export interface CommandRun {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A command's exit code must be `code`; otherwise fails with what the command printed. */
export function expectExit(r: CommandRun, code: number): void {
  if (r.exitCode !== code)
    throw new Error(`exit code ${r.exitCode}, expected ${code}:\n$ ${r.command}\n${r.stdout}\n${r.stderr}`);
}

/** The commands of a shell block: continuation lines joined, blank and comment-only lines dropped. */
export function commandsOf(text: string): string[] {
  return text
    .replace(/\\\n\s*/g, "")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
}

/** A running background command (a server the docs start in the foreground, "Ctrl-C stops it"). */
export interface Background {
  child: ChildProcess;
  output(): string;
  /** Ctrl-C: SIGINT to its process group; resolves when it has ended. */
  stop(): Promise<void>;
}

/** A copy of this repository in a temp directory, where the docs' commands run. */
export class DocSandbox {
  /** The copy of this repository (named as a clone would be). */
  readonly repo: string;
  /** Environment of every command: the user's, plus the Pulumi CLI on PATH and a logged-in file backend. */
  readonly env: NodeJS.ProcessEnv;
  private readonly used = new Set<Substitution>();

  private constructor(
    readonly dir: string,
    private readonly substitutions: Substitution[],
    trustCaDir: string | undefined,
  ) {
    this.repo = path.join(dir, "teams-bot-numbers");
    const env: NodeJS.ProcessEnv = { ...process.env };
    // Nothing of the test run's own configuration leaks into the user's shell.
    for (const k of Object.keys(env))
      if (
        /^(AZURE_|TEAMS_|PULUMI_|TBN_|ACTIONS_|SYSTEM_|IDENTITY_|JEST_)/.test(k) ||
        ["NODE_OPTIONS", "NODE_EXTRA_CA_CERTS"].includes(k)
      )
        delete env[k];
    // A tenant emulator of the test stands for a real tenant, whose certificate Node trusts anyway.
    if (trustCaDir) {
      env.NODE_EXTRA_CA_CERTS = path.join(trustCaDir, "ca.pem");
      env.TBN_CA_DIR = trustCaDir;
    }
    const local = path.join(this.repo, ".tbn");
    this.env = {
      ...env,
      PATH: `${pulumiCliDir()}${path.delimiter}${env.PATH ?? ""}`,
      // `pulumi login file://…` once, and the stack's passphrase, as a developer's shell would have them.
      PULUMI_BACKEND_URL: backendUrl({ kind: "file", dir: path.join(local, "state") }),
      PULUMI_HOME: path.join(local, "pulumi-home"),
      PULUMI_CONFIG_PASSPHRASE: DEV_PASSPHRASE,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      // No terminal to answer the CLI's "Do you want to perform this update?": the answer is yes.
      PULUMI_SKIP_CONFIRMATIONS: "true",
      NO_COLOR: "1",
    };
  }

  /**
   * Copies this checkout (tracked and new files, dist/), sharing node_modules. `trustCaDir`: the CA of a
   * test emulator standing for the tenant (NODE_EXTRA_CA_CERTS, TBN_CA_DIR), none by default.
   */
  static create(name: string, o: { substitutions?: Substitution[]; trustCaDir?: string } = {}): DocSandbox {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tbn-docs-${name}-`));
    const sb = new DocSandbox(dir, o.substitutions ?? [], o.trustCaDir);
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
    })
      .split("\0")
      .filter((f) => f !== "");
    for (const f of files) {
      const from = path.join(REPO_ROOT, f);
      if (!fs.existsSync(from)) continue; // deleted in the working tree
      fs.mkdirSync(path.dirname(path.join(sb.repo, f)), { recursive: true });
      fs.copyFileSync(from, path.join(sb.repo, f));
      fs.chmodSync(path.join(sb.repo, f), fs.statSync(from).mode);
    }
    fs.cpSync(path.join(REPO_ROOT, "dist"), path.join(sb.repo, "dist"), { recursive: true });
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(sb.repo, "node_modules"), "dir");
    fs.mkdirSync(path.join(sb.repo, ".tbn", "state"), { recursive: true });
    return sb;
  }

  /** The block's text with the sandbox's substitutions applied (each one used is recorded). */
  private substituted(text: string): string {
    let out = text;
    for (const s of this.substitutions) {
      if (s.from.test(out)) {
        this.used.add(s);
        out = out.replace(
          new RegExp(s.from.source, s.from.flags.includes("g") ? s.from.flags : `${s.from.flags}g`),
          s.to,
        );
      }
    }
    return out;
  }

  /** Substitutions that never matched a command (stale declarations). */
  unusedSubstitutions(): string[] {
    return this.substitutions.filter((s) => !this.used.has(s)).map((s) => `${s.from} (${s.why})`);
  }

  /**
   * Runs a block's commands one after another in one bash (so `export` carries to the next line),
   * each with its own output and exit code; a failing command does not stop the next.
   */
  async run(
    block: CodeBlockLike,
    o: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string[]; timeoutMs?: number } = {},
  ): Promise<CommandRun[]> {
    const commands = commandsOf(this.substituted(block.text));
    const io = fs.mkdtempSync(path.join(this.dir, "run-"));
    const script = [`cd ${JSON.stringify(o.cwd ?? this.repo)}`];
    commands.forEach((c, i) => {
      fs.writeFileSync(path.join(io, `${i}.in`), o.stdin?.[i] ?? "");
      script.push(`{\n${c}\n} >"${io}/${i}.out" 2>"${io}/${i}.err" <"${io}/${i}.in"`, `echo $? >"${io}/${i}.rc"`);
    });
    await new Promise<void>((resolve, reject) => {
      const child = spawn("bash", ["-c", script.join("\n")], { env: { ...this.env, ...o.env }, stdio: "ignore" });
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`${block.file}:${block.line}: still running after ${o.timeoutMs ?? 900_000} ms`));
      }, o.timeoutMs ?? 900_000);
      child.on("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.on("error", reject);
    });
    const read = (f: string): string =>
      fs.existsSync(path.join(io, f)) ? fs.readFileSync(path.join(io, f), "utf8") : "";
    return commands.map((command, i) => ({
      command,
      exitCode: Number(read(`${i}.rc`).trim() || "-1"),
      stdout: read(`${i}.out`),
      stderr: read(`${i}.err`),
    }));
  }

  /** Starts a one-command block that runs until stopped, and waits until its output matches `ready`. */
  async background(
    block: CodeBlockLike,
    ready: RegExp,
    o: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
  ): Promise<Background> {
    const commands = commandsOf(this.substituted(block.text));
    if (commands.length !== 1) throw new Error(`${block.file}:${block.line}: a background block holds one command`);
    // Its own process group, so Ctrl-C reaches npm, the shell and node as in a terminal.
    const child = spawn("bash", ["-c", commands[0]!], {
      cwd: o.cwd ?? this.repo,
      env: { ...this.env, ...o.env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    const running = (): boolean => child.exitCode === null && child.signalCode === null;
    const deadline = Date.now() + (o.timeoutMs ?? 180_000);
    while (!ready.test(output)) {
      if (!running() || Date.now() > deadline) {
        if (running()) process.kill(-child.pid!, "SIGKILL");
        throw new Error(`${block.file}:${block.line}: ${commands[0]} did not get ready:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return {
      child,
      output: () => output,
      stop: async () => {
        if (running()) process.kill(-child.pid!, "SIGINT");
        return exited;
      },
    };
  }

  /** Removes the sandbox (kept with TBN_KEEP_E2E). */
  dispose(): void {
    if (!process.env.TBN_KEEP_E2E) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const net = await import("net");
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
