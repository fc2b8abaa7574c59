/**
 * A recording resource monitor: Pulumi's ResourceMonitor and Engine gRPC services (the SDK's own
 * protocol definitions) that record what a program registers instead of deploying it. With
 * {@link runProgram}, a program runs exactly as the Node.js language host runs it (Pulumi's loader
 * `@pulumi/pulumi/cmd/run`, the host's argv and environment: engine/language-host.ts), so a test can
 * assert which resources a Pulumi.yaml `main` declares, with which inputs, without the engine or any
 * provider plugin (e.g. `@pulumi/azuread`'s, which cannot be downloaded here).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type * as grpcTypes from "@grpc/grpc-js";

import { loaderInvocation, locateLoader } from "../../engine/language-host";

/** One RegisterResource call. */
export interface Registration {
  type: string;
  name: string;
  urn: string;
  parent: string;
  custom: boolean;
  protect: boolean;
  inputs: Record<string, unknown>;
}

/** What a program run declared and logged. */
export interface ProgramRecord {
  exitCode: number | null;
  /** The program's own stdout and stderr. */
  output: string;
  registrations: Registration[];
  invokes: Array<{ token: string; args: Record<string, unknown> }>;
  /** Engine log messages (severity and text): errors the program reported go here. */
  logs: Array<{ severity: number; message: string }>;
  /** Stack outputs (RegisterResourceOutputs of the root stack resource). */
  stackOutputs: Record<string, unknown> | undefined;
}

/** A program to run: its Pulumi.yaml `main` already resolved into directory and entry point, as the CLI does. */
export interface ProgramRun {
  project: string;
  stack: string;
  rootDirectory: string;
  programDirectory: string;
  /** A file name in programDirectory, or "." for the directory. */
  entryPoint: string;
  /** Stack config as the CLI passes it: `<namespace>:<key>` → value (objects as JSON text). */
  config: Record<string, string>;
  /** Pulumi.yaml `runtime.options`. */
  options?: Record<string, unknown>;
  /** Answers to invokes (data sources) by token; default: an empty object. */
  invoke?: (token: string, args: Record<string, unknown>) => Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

function sdk(): {
  grpc: typeof grpcTypes;
  resourceGrpc: typeof import("@pulumi/pulumi/proto/resource_grpc_pb");
  resource: typeof import("@pulumi/pulumi/proto/resource_pb");
  engineGrpc: typeof import("@pulumi/pulumi/proto/engine_grpc_pb");
  engine: typeof import("@pulumi/pulumi/proto/engine_pb");
  provider: typeof import("@pulumi/pulumi/proto/provider_pb");
  Struct: typeof import("google-protobuf/google/protobuf/struct_pb").Struct;
  Empty: typeof import("google-protobuf/google/protobuf/empty_pb").Empty;
} {
  const root = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  const fromSdk = (id: string): string => require.resolve(id, { paths: [root] });
  return {
    grpc: require(fromSdk("@grpc/grpc-js")),
    resourceGrpc: require("@pulumi/pulumi/proto/resource_grpc_pb"),
    resource: require("@pulumi/pulumi/proto/resource_pb"),
    engineGrpc: require("@pulumi/pulumi/proto/engine_grpc_pb"),
    engine: require("@pulumi/pulumi/proto/engine_pb"),
    provider: require("@pulumi/pulumi/proto/provider_pb"),
    Struct: require(fromSdk("google-protobuf/google/protobuf/struct_pb")).Struct,
    Empty: require(fromSdk("google-protobuf/google/protobuf/empty_pb")).Empty,
  };
}

/**
 * The program directory and entry point the CLI gives the language host for Pulumi.yaml's `main`
 * (`getPwdMain`, pkg/engine/project.go at v3.248.0): a directory → itself and "."; a file → its
 * directory and its name; none → the project root and ".".
 */
export function programLocation(
  root: string,
  main: string | undefined,
): { programDirectory: string; entryPoint: string } {
  if (!main) return { programDirectory: root, entryPoint: "." };
  const abs = path.resolve(root, main);
  return fs.statSync(abs).isDirectory()
    ? { programDirectory: abs, entryPoint: "." }
    : { programDirectory: path.dirname(abs), entryPoint: path.basename(abs) };
}

/** Runs the program through Pulumi's loader against a recording monitor (a preview: `--dry-run`). */
export async function runProgram(run: ProgramRun): Promise<ProgramRecord> {
  const { grpc, resourceGrpc, resource, engineGrpc, engine, provider, Struct, Empty } = sdk();
  const record: ProgramRecord = {
    exitCode: null,
    output: "",
    registrations: [],
    invokes: [],
    logs: [],
    stackOutputs: undefined,
  };
  let rootUrn = "";
  const ok =
    <Req>(f: (req: Req) => unknown): grpcTypes.handleUnaryCall<Req, unknown> =>
    (call, cb) => {
      try {
        cb(null, f(call.request));
      } catch (e) {
        cb({ code: grpc.status.INTERNAL, details: String(e) } as grpcTypes.ServiceError, null);
      }
    };
  const urnOf = (type: string, name: string): string => `urn:pulumi:${run.stack}::${run.project}::${type}::${name}`;

  const server = new grpc.Server();
  const service = (s: unknown): grpcTypes.ServiceDefinition => s as grpcTypes.ServiceDefinition;
  server.addService(service(resourceGrpc.ResourceMonitorService), {
    supportsFeature: ok(() => new resource.SupportsFeatureResponse().setHassupport(false)),
    registerResource: ok((req: InstanceType<typeof resource.RegisterResourceRequest>) => {
      const inputs = (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
      const urn = urnOf(req.getType(), req.getName());
      record.registrations.push({
        type: req.getType(),
        name: req.getName(),
        urn,
        parent: req.getParent(),
        custom: req.getCustom(),
        protect: req.getProtect() === true,
        inputs,
      });
      // Outputs left out are unknown in a preview, as the engine answers for resources not yet created.
      return new resource.RegisterResourceResponse().setUrn(urn).setObject(Struct.fromJavaScript({}));
    }),
    registerResourceOutputs: ok((req: InstanceType<typeof resource.RegisterResourceOutputsRequest>) => {
      if (req.getUrn() === rootUrn)
        record.stackOutputs = (req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>;
      return new Empty();
    }),
    invoke: ok((req: InstanceType<typeof resource.ResourceInvokeRequest>) => {
      const args = (req.getArgs()?.toJavaScript() ?? {}) as Record<string, unknown>;
      record.invokes.push({ token: req.getTok(), args });
      return new provider.InvokeResponse().setReturn(
        Struct.fromJavaScript((run.invoke?.(req.getTok(), args) ?? {}) as never),
      );
    }),
    signalAndWaitForShutdown: ok(() => new Empty()),
  });
  server.addService(service(engineGrpc.EngineService), {
    log: ok((req: InstanceType<typeof engine.LogRequest>) => {
      record.logs.push({ severity: req.getSeverity(), message: req.getMessage() });
      return new Empty();
    }),
    getRootResource: ok(() => new engine.GetRootResourceResponse().setUrn(rootUrn)),
    setRootResource: ok((req: InstanceType<typeof engine.SetRootResourceRequest>) => {
      rootUrn = req.getUrn();
      return new engine.SetRootResourceResponse();
    }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const address = `127.0.0.1:${port}`;
  try {
    const { args, env } = loaderInvocation(
      {
        monitorAddress: address,
        engineAddress: address,
        project: run.project,
        stack: run.stack,
        dryRun: true,
        parallel: 4,
        entryPoint: run.entryPoint,
        rootDirectory: run.rootDirectory,
        programDirectory: run.programDirectory,
        args: [],
        config: run.config,
        configSecretKeys: [],
        options: run.options ?? {},
      },
      locateLoader(run.programDirectory),
      { ...process.env, ...run.env },
    );
    record.exitCode = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        cwd: run.programDirectory,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.setEncoding("utf8").on("data", (s: string) => (record.output += s));
      child.stderr.setEncoding("utf8").on("data", (s: string) => (record.output += s));
      child.on("error", reject);
      child.on("close", (code) => resolve(code));
    });
  } finally {
    server.forceShutdown();
  }
  return record;
}
