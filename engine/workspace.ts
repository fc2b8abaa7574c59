/**
 * The one place that says how this project drives the Pulumi engine offline: which CLI, which
 * state backend (a local directory or Azure Blob Storage), which secrets provider, which environment. Used by the demo (`npm run demo`),
 * the real-engine tests and the benchmarks.
 *
 * Programs run the way `pulumi up` runs them: the CLI reads the work dir's Pulumi.yaml and starts the
 * Node.js language host, which runs `main` through Pulumi's own loader (here the stand-in host of
 * engine/language-host.ts, as the Go host cannot be built from the module proxy). An inline program
 * (the Automation API runs it in this process, ignoring `main`) is only for tests of the provider
 * with programs of their own.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { parseDocument } from "yaml";

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

/**
 * Where a stack's state lives. `file`: a directory (the default for development, under `.tbn/`).
 * `azblob`: an Azure Blob Storage container, as pipelines keep it (`pulumi login azblob://…`); the
 * CLI's DIY backend locks each stack there while a command runs (`.pulumi/locks/`).
 */
export type StateBackend = FileBackend | AzureBlobBackend;

/** State in a local directory (`file://<dir>`). */
export interface FileBackend {
  kind: "file";
  dir: string;
}

/** State in an Azure Blob Storage container (`azblob://<container>`), created beforehand. */
export interface AzureBlobBackend {
  kind: "azblob";
  container: string;
  /** Storage account name (AZURE_STORAGE_ACCOUNT). */
  account: string;
  /** Account key (AZURE_STORAGE_KEY). Without a key or SAS the CLI signs in with DefaultAzureCredential. */
  key?: string;
  /** SAS token (AZURE_STORAGE_SAS_TOKEN), used when there is no key; e.g. read + list for previews. */
  sasToken?: string;
  /** `host:port` of a local emulator (Azurite), reached over http. Omit for Azure. */
  emulatorHost?: string;
}

/**
 * The backend URL the CLI logs in to. For an emulator the storage driver (gocloud.dev azureblob)
 * takes the endpoint from the query: `domain=<host:port>`, `protocol=http`, `localemu=true`
 * (path-style `http://<host:port>/<account>/<container>`).
 */
export function backendUrl(b: StateBackend): string {
  if (b.kind === "file") return `file://${b.dir}`;
  const emulator = b.emulatorHost ? `?domain=${b.emulatorHost}&protocol=http&localemu=true` : "";
  return `azblob://${b.container}${emulator}`;
}

/** Environment the storage driver reads for the backend's credentials (never the URL or argv). */
export function backendEnv(b: StateBackend): Record<string, string> {
  if (b.kind === "file") return {};
  return {
    AZURE_STORAGE_ACCOUNT: b.account,
    ...(b.key ? { AZURE_STORAGE_KEY: b.key } : {}),
    ...(b.sasToken ? { AZURE_STORAGE_SAS_TOKEN: b.sasToken } : {}),
  };
}

/**
 * Reads a backend URL as `pulumi login` takes it: `file://<dir>`, or `azblob://<container>` with the
 * optional emulator query above, the account from AZURE_STORAGE_ACCOUNT and the credential from
 * AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN (neither: DefaultAzureCredential).
 */
export function parseBackendUrl(url: string, env: NodeJS.ProcessEnv = process.env): StateBackend {
  if (url.startsWith("file://")) return { kind: "file", dir: path.resolve(url.slice("file://".length)) };
  const u = URL.canParse(url) ? new URL(url) : undefined;
  if (u?.protocol !== "azblob:" || !u.hostname || (u.pathname !== "" && u.pathname !== "/"))
    throw new Error(
      `backend URL "${url}": expected file://<dir> or azblob://<container>[?domain=<host:port>&protocol=http&localemu=true]`,
    );
  const account = env.AZURE_STORAGE_ACCOUNT;
  if (!account)
    throw new Error(`backend URL "${url}": AZURE_STORAGE_ACCOUNT is not set: set it to the storage account's name`);
  const domain = u.searchParams.get("domain");
  const emulator = u.searchParams.get("localemu") === "true" || u.searchParams.get("protocol") === "http";
  if (emulator && !domain)
    throw new Error(`backend URL "${url}": an emulator (localemu/protocol=http) needs domain=<host:port>`);
  return {
    kind: "azblob",
    container: u.hostname,
    account,
    ...(env.AZURE_STORAGE_KEY ? { key: env.AZURE_STORAGE_KEY } : {}),
    ...(env.AZURE_STORAGE_SAS_TOKEN ? { sasToken: env.AZURE_STORAGE_SAS_TOKEN } : {}),
    ...(emulator && domain ? { emulatorHost: domain } : {}),
  };
}

/** Offline engine environment: no update check, no plugin downloads, the state backend, isolated home. */
export function offlineEnv(opts: { backend: StateBackend; pulumiHome: string }): Record<string, string> {
  const b = opts.backend;
  if (b.kind === "file") fs.mkdirSync(b.dir, { recursive: true });
  if (
    b.kind === "azblob" &&
    !b.emulatorHost &&
    !process.env.PULUMI_CONFIG_PASSPHRASE &&
    !process.env.PULUMI_CONFIG_PASSPHRASE_FILE
  )
    throw new Error(
      `state in azblob://${b.container}: PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) is not set; a shared backend never uses the development passphrase: set the stack's passphrase`,
    );
  fs.mkdirSync(opts.pulumiHome, { recursive: true });
  return {
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_BACKEND_URL: backendUrl(b),
    ...backendEnv(b),
    PULUMI_HOME: opts.pulumiHome,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? DEV_PASSPHRASE,
    // The dynamic-provider launcher resolves @pulumi/pulumi and our dist/ from the work dir.
    TEAMS_BOT_NUMBERS_ROOT: REPO_ROOT,
  };
}

/** The V8 young-generation cap the provider processes get (MB per semi-space; Node's default is 16). */
export const PROVIDER_SEMI_SPACE_MB = 2;

/**
 * Memory settings for the processes the engine starts (the dynamic provider inherits the engine's
 * environment): a small V8 young generation and two glibc malloc arenas. Measured on a 200-bot
 * create at scale 0.1: provider peak RSS 242 MB → 187 MB at the same wall time (bench/results).
 * Flags the caller already set win: an own `--max-semi-space-size` in NODE_OPTIONS, an own MALLOC_ARENA_MAX.
 */
export function providerMemoryEnv(
  nodeOptions: string | undefined,
  mallocArenaMax: string | undefined,
): Record<string, string> {
  const flags = (nodeOptions ?? "").trim();
  return {
    NODE_OPTIONS: /--max-semi-space-size\b/.test(flags)
      ? flags
      : `${flags} --max-semi-space-size=${PROVIDER_SEMI_SPACE_MB}`.trim(),
    MALLOC_ARENA_MAX: mallocArenaMax || "2",
  };
}

/** Options for {@link openStack}. */
export interface OpenStackOptions {
  projectName: string;
  stackName: string;
  /**
   * An inline program run in this process (tests of the provider with programs of their own). Without
   * it the CLI runs the work dir's Pulumi.yaml `main`, as `pulumi up` does.
   */
  program?: PulumiFn;
  /** Work dir: @pulumi/pulumi must resolve from it (this repository, or a stack repository that installed this package). */
  workDir: string;
  backend: StateBackend;
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
  const hasProjectFile = fs.existsSync(path.join(o.workDir, "Pulumi.yaml"));
  if (!o.program && !hasProjectFile)
    throw new Error(`${o.workDir} has no Pulumi.yaml: the CLI runs the program its main names`);
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(pulumiCliDir()) });
  const ws = await LocalWorkspace.create({
    workDir: o.workDir,
    pulumiHome: o.pulumiHome,
    pulumiCommand,
    program: o.program,
    secretsProvider: "passphrase",
    // A work dir with its own Pulumi.yaml (the repository root for the dev stack) keeps it;
    // otherwise the workspace writes one for the inline program.
    projectSettings: hasProjectFile
      ? undefined
      : { name: o.projectName, runtime: "nodejs", backend: { url: backendUrl(o.backend) } },
    envVars: {
      ...offlineEnv(o),
      ...o.env,
      ...providerMemoryEnv(
        o.env?.NODE_OPTIONS ?? process.env.NODE_OPTIONS,
        o.env?.MALLOC_ARENA_MAX ?? process.env.MALLOC_ARENA_MAX,
      ),
    },
  });
  return Stack.createOrSelect(o.stackName, ws);
}

/**
 * Writes `dir/Pulumi.yaml` as this repository's (runtime, options), named `projectName`, with `main`
 * the stacks program of this checkout (absolute, since the file lives elsewhere): a stack directory
 * of its own that runs what `pulumi up` runs here.
 */
export function writeStacksProject(dir: string, projectName: string): void {
  const doc = parseDocument(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8"));
  doc.set("name", projectName);
  doc.set("main", path.resolve(REPO_ROOT, String(doc.get("main"))));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), doc.toString());
}

/** Key of a stack's checkpoint in any DIY backend: `.pulumi/stacks/<project>/<stack>.json`. */
export function stateKey(projectName: string, stackName: string): string {
  return `.pulumi/stacks/${projectName}/${stackName}.json`;
}

/** Path of a stack's checkpoint in a file backend. */
export function stateFilePath(backendDir: string, projectName: string, stackName: string): string {
  return path.join(backendDir, stateKey(projectName, stackName));
}
