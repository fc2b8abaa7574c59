/**
 * Stand-in for Pulumi's Node.js language host (`pulumi-language-nodejs`, a Go program the Go module
 * proxy here does not serve), so that the real `pulumi` CLI runs programs the way it does for every
 * user: it reads `Pulumi.yaml`, resolves `main` (the CLI's own `getPwdMain`), starts this host as its
 * `nodejs` language plugin and asks it to `Run` the program; this host then starts Pulumi's own program
 * loader, `@pulumi/pulumi/cmd/run`, resolved from the program's directory, which picks the entry point
 * (a file, or for a directory the nearest package.json's `exports`/`main`) and runs it against the
 * engine's resource monitor.
 *
 * What it reproduces of the Go host, and from where (engine/LANGUAGE-HOST.md has the details):
 * the plugin handshake (port on stdout, engine address as the last argument), the loader's flags
 * (`cmd/run/index.js` usage), PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS (`runtime/config.js`), the
 * runtime options `typescript`, `tsconfig` and `nodeargs` (Pulumi's Node.js runtime options), exit
 * code 32 as "the program already reported its error" (`cmd/run/index.js`), and the packages with a
 * resource plugin found in node_modules. Used only where no real `pulumi-language-nodejs` exists
 * (engine/workspace.ts decides); never a route of its own around the loader.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

import { refused } from "../provider/process-guard";

/** Exit code of `cmd/run` after it printed a user-actionable message itself (cmd/run/index.js). */
export const EXIT_AFTER_REPORTED_ERROR = 32;

/** What the engine's RunRequest carries that the loader needs. */
export interface RunRequestInfo {
  monitorAddress: string;
  engineAddress?: string;
  organization?: string;
  project: string;
  stack: string;
  dryRun: boolean;
  parallel: number;
  /** `ProgramInfo.entryPoint`: a file name in the program directory, or "." for the directory itself. */
  entryPoint: string;
  rootDirectory: string;
  programDirectory: string;
  args: string[];
  config: Record<string, string>;
  configSecretKeys: string[];
  /** `runtime.options` of Pulumi.yaml. */
  options: Record<string, unknown>;
}

/** The loader's command line and environment for one RunRequest. */
export function loaderInvocation(
  req: RunRequestInfo,
  runPath: string,
  baseEnv: NodeJS.ProcessEnv,
): { args: string[]; env: NodeJS.ProcessEnv } {
  const flag = (name: string, value: string | undefined): string[] => (value ? [`--${name}`, value] : []);
  const nodeArgs = typeof req.options.nodeargs === "string" ? req.options.nodeargs.split(/\s+/).filter(Boolean) : [];
  const args = [
    ...nodeArgs,
    runPath,
    ...flag("monitor", req.monitorAddress),
    ...flag("engine", req.engineAddress),
    ...flag("organization", req.organization),
    ...flag("project", req.project),
    ...flag("root-directory", req.rootDirectory),
    ...flag("stack", req.stack),
    ...flag("pwd", req.programDirectory),
    ...(req.dryRun ? ["--dry-run"] : []),
    ...flag("parallel", String(req.parallel)),
    req.entryPoint || ".",
    ...req.args,
  ];
  // Config keys in the form older SDKs read (`<namespace>:config:<name>`; the SDK reads both).
  const config = Object.fromEntries(
    Object.entries(req.config).map(([key, value]) => {
      const at = key.indexOf(":");
      return [at < 0 ? key : `${key.slice(0, at)}:config:${key.slice(at + 1)}`, value];
    }),
  );
  const env: NodeJS.ProcessEnv = {
    ...baseEnv,
    PULUMI_CONFIG: JSON.stringify(config),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(req.configSecretKeys),
  };
  // Pulumi's Node.js runtime option `typescript` defaults to true; set only when on.
  if (req.options.typescript !== false) env.PULUMI_NODEJS_TYPESCRIPT = "true";
  if (typeof req.options.tsconfig === "string") env.PULUMI_NODEJS_TSCONFIG_PATH = req.options.tsconfig;
  return { args, env };
}

/** The loader script, resolved from the program's directory as the Go host does. */
export function locateLoader(programDirectory: string): string {
  const override = process.env.PULUMI_LANGUAGE_NODEJS_RUN_PATH;
  return require.resolve(override || "@pulumi/pulumi/cmd/run", { paths: [programDirectory] });
}

/**
 * The packages with a resource plugin the program needs: every `package.json` inside a
 * `node_modules` directory below the program directory (searched downwards, symlinks followed once)
 * that declares `"pulumi": { "resource": true }`; third-party packages must name their plugin.
 */
export function resourcePlugins(programDirectory: string): Array<{ name: string; version: string; server?: string }> {
  const found: Array<{ name: string; version: string; server?: string }> = [];
  const visited = new Set<string>();
  const visit = (dir: string, inNodeModules: boolean): void => {
    let real: string;
    try {
      real = fs.realpathSync(dir);
    } catch {
      return;
    }
    if (visited.has(real)) return;
    visited.add(real);
    for (const entry of fs.readdirSync(real, { withFileTypes: true })) {
      const full = path.join(real, entry.name);
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) isDir = fs.statSync(full, { throwIfNoEntry: false })?.isDirectory() ?? false;
      if (isDir) visit(full, inNodeModules || path.basename(real) === "node_modules");
      else if (inNodeModules && entry.name === "package.json") {
        const pkg = JSON.parse(fs.readFileSync(full, "utf8")) as {
          name?: string;
          version?: string;
          pulumi?: { resource?: boolean; name?: string; version?: string; server?: string };
        };
        if (!pkg.pulumi?.resource) continue;
        const name = pkg.pulumi.name ?? (pkg.name?.startsWith("@pulumi/") ? pkg.name.slice("@pulumi/".length) : "");
        const version = pkg.pulumi.version ?? pkg.version ?? "";
        if (!name || !version) continue;
        found.push({
          name,
          version: version.startsWith("v") ? version : `v${version}`,
          ...(pkg.pulumi.server ? { server: pkg.pulumi.server } : {}),
        });
      }
    }
  };
  visit(programDirectory, false);
  return found;
}

/** Loads grpc-js and the language protocol from the @pulumi/pulumi this host runs beside. */
function protocol(): {
  grpc: typeof import("@grpc/grpc-js");
  services: typeof import("@pulumi/pulumi/proto/language_grpc_pb");
  lang: typeof import("@pulumi/pulumi/proto/language_pb");
  plugin: typeof import("@pulumi/pulumi/proto/plugin_pb");
  empty: () => unknown;
} {
  const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  const fromSdk = (id: string): string => require.resolve(id, { paths: [sdk] });
  const { Empty } = require(fromSdk("google-protobuf/google/protobuf/empty_pb"));
  return {
    grpc: require(fromSdk("@grpc/grpc-js")),
    services: require("@pulumi/pulumi/proto/language_grpc_pb"),
    lang: require("@pulumi/pulumi/proto/language_pb"),
    plugin: require("@pulumi/pulumi/proto/plugin_pb"),
    empty: () => new Empty(),
  };
}

/** Starts the host: serves the LanguageRuntime service and prints its port, as plugins do. */
export async function serve(argv: string[]): Promise<void> {
  const { grpc, services, lang, plugin, empty } = protocol();
  // The engine passes its own flags (-v=…, --logtostderr, --tracing …) first, its address last.
  const engineAddress = argv.filter((a) => !a.startsWith("-")).pop();
  const running = new Set<ChildProcess>();
  const unimplemented = (_call: unknown, cb: (e: unknown) => void): void =>
    cb({ code: grpc.status.UNIMPLEMENTED, details: "not implemented by the stand-in language host" });

  const handlers: Record<string, unknown> = {
    handshake: (_call: unknown, cb: (e: null, r: unknown) => void) => cb(null, new lang.LanguageHandshakeResponse()),
    getPluginInfo: (_call: unknown, cb: (e: null, r: unknown) => void) =>
      cb(null, new plugin.PluginInfo().setVersion(require("@pulumi/pulumi/package.json").version)),
    getRequiredPackages: (
      call: { request: InstanceType<typeof lang.GetRequiredPackagesRequest> },
      cb: (e: null, r: unknown) => void,
    ) => {
      const dir = call.request.getInfo()?.getProgramDirectory() || process.cwd();
      const deps = resourcePlugins(dir).map((p) => {
        const d = new plugin.PackageDependency().setName(p.name).setKind("resource").setVersion(p.version);
        return p.server ? d.setServer(p.server) : d;
      });
      cb(null, new lang.GetRequiredPackagesResponse().setPackagesList(deps));
    },
    run: (call: { request: InstanceType<typeof lang.RunRequest> }, cb: (e: unknown, r?: unknown) => void) => {
      const r = call.request;
      const info = r.getInfo();
      const req: RunRequestInfo = {
        monitorAddress: r.getMonitorAddress(),
        engineAddress,
        organization: r.getOrganization(),
        project: r.getProject(),
        stack: r.getStack(),
        dryRun: r.getDryrun(),
        parallel: r.getParallel(),
        entryPoint: info?.getEntryPoint() || r.getProgram() || ".",
        rootDirectory: info?.getRootDirectory() || r.getPwd(),
        programDirectory: info?.getProgramDirectory() || r.getPwd(),
        args: r.getArgsList(),
        config: Object.fromEntries(r.getConfigMap().entries()),
        configSecretKeys: r.getConfigsecretkeysList(),
        options: (info?.getOptions()?.toJavaScript() ?? {}) as Record<string, unknown>,
      };
      let runPath: string;
      try {
        runPath = locateLoader(req.programDirectory);
      } catch {
        cb(
          null,
          new lang.RunResponse().setError(
            "It looks like the Pulumi SDK has not been installed. Have you run npm install or yarn install?",
          ),
        );
        return;
      }
      const { args, env } = loaderInvocation(req, runPath, process.env);
      const child = spawn(process.execPath, args, { cwd: req.programDirectory, env, stdio: "inherit" });
      running.add(child);
      child.on("error", (e) => {
        running.delete(child);
        cb(null, new lang.RunResponse().setError(`Problem executing program (could not run language executor): ${e}`));
      });
      child.on("exit", (code, signal) => {
        running.delete(child);
        const resp = new lang.RunResponse();
        if (code === EXIT_AFTER_REPORTED_ERROR) resp.setBail(true);
        else if (code !== 0) resp.setError(`Program exited with non-zero exit code: ${code ?? signal}`);
        cb(null, resp);
      });
    },
    cancel: (_call: unknown, cb: (e: null, r: unknown) => void) => {
      for (const child of running) child.kill("SIGINT");
      cb(null, empty());
    },
  };
  const server = new grpc.Server();
  const service = services.LanguageRuntimeService as unknown as import("@grpc/grpc-js").ServiceDefinition;
  const impl: Record<string, unknown> = {};
  for (const method of Object.keys(service)) impl[method] = handlers[method] ?? unimplemented;
  server.addService(service, impl as import("@grpc/grpc-js").UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  process.stdout.write(`${port}\n`);
  // The engine owns this process: when it is gone (killed), stop the program it asked for and exit,
  // as plugins do, instead of lingering as an orphan.
  if (engineAddress) {
    const [host, portText] = [engineAddress.slice(0, engineAddress.lastIndexOf(":")), engineAddress.split(":").pop()];
    setInterval(() => {
      void refused({ host, port: Number(portText) }).then((gone) => {
        if (!gone) return;
        for (const child of running) child.kill("SIGTERM");
        process.exit(0);
      });
    }, 1_000).unref();
  }
}

if (require.main === module) {
  serve(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`pulumi-language-nodejs (stand-in): ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
