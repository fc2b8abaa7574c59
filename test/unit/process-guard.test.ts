/**
 * The provider-process guard: recognises the engine's provider process; an orphan exits; once the
 * engine is gone no tenant write starts except inside a critical section (a number move under way),
 * and the process exits when those have finished.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

import { isDynamicProviderProcess } from "../../provider/process-guard";

type Guard = typeof import("../../provider/process-guard");
/** A fresh copy of the module: its engine-gone state is process-wide. */
const freshGuard = (): Guard => {
  let guard!: Guard;
  jest.isolateModules(() => (guard = require("../../provider/process-guard")));
  return guard;
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts a fake provider under a `sh` launcher (without exec, as Pulumi's launcher does). */
async function fakeProvider(engine: string): Promise<{ launcher: ChildProcess; pid: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-guard-"));
  const script = path.join(dir, "cmd", "dynamic-provider", "index.js");
  fs.mkdirSync(path.dirname(script), { recursive: true });
  const guard = path.join(__dirname, "..", "..", "dist", "provider", "process-guard.js");
  fs.writeFileSync(
    script,
    `require(${JSON.stringify(guard)}).guardProviderProcess();\n` +
      `require("fs").writeFileSync(${JSON.stringify(path.join(dir, "pid"))}, String(process.pid));\n` +
      `setInterval(() => process.stderr.write("[teams] still waiting\\n"), 50);\n`,
  );
  const launcher = spawn("sh", ["-c", `node ${script} ${engine}`], { stdio: ["ignore", "pipe", "pipe"] });
  // The first stderr line comes after the pid file is written, however long node takes to start.
  await new Promise((resolve) => launcher.stderr!.once("data", resolve));
  launcher.stderr!.on("data", () => undefined);
  return { launcher, pid: Number(fs.readFileSync(path.join(dir, "pid"), "utf8")) };
}

/** Milliseconds until `pid` exits (or `limitMs`). */
async function exitWithin(pid: number, limitMs: number): Promise<number> {
  let waitedMs = 0;
  while (alive(pid) && waitedMs < limitMs) {
    await new Promise((r) => setTimeout(r, 100));
    waitedMs += 100;
  }
  if (alive(pid)) process.kill(pid, "SIGKILL");
  return waitedMs;
}

/** A listening TCP port standing in for the engine's gRPC address. */
async function fakeEngine(): Promise<{ address: string; close(): Promise<void> }> {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  return { address: `127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe("process guard", () => {
  test("only the dynamic-provider process is guarded", () => {
    expect(
      isDynamicProviderProcess([
        "/usr/bin/node",
        "/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js",
        "127.0.0.1:1",
      ]),
    ).toBe(true);
    expect(
      isDynamicProviderProcess(["/usr/bin/node", "/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider", "127.0.0.1:1"]),
    ).toBe(true);
    expect(isDynamicProviderProcess(["/usr/bin/node", "/p/node_modules/jest/bin/jest.js"])).toBe(false);
  });

  test("regress-orphaned-provider: a guarded process exits when its launcher dies, and ignores EPIPE", async () => {
    const engine = await fakeEngine();
    try {
      const { launcher, pid } = await fakeProvider(engine.address);
      // The engine answers: the process stays (more than the checks it takes to give up on an engine).
      await new Promise((r) => setTimeout(r, 3_500));
      expect(alive(pid)).toBe(true);
      launcher.kill("SIGKILL");
      launcher.stdout!.destroy();
      launcher.stderr!.destroy();
      expect(await exitWithin(pid, 10_000)).toBeLessThan(10_000);
    } finally {
      await engine.close();
    }
  });

  test("engine gone: the provider exits although its launcher lives on (the CLI was killed, not the launcher)", async () => {
    const engine = await fakeEngine();
    const { launcher, pid } = await fakeProvider(engine.address);
    try {
      await engine.close();
      expect(await exitWithin(pid, 10_000)).toBeLessThan(10_000);
      expect(launcher.exitCode === null || launcher.exitCode === 0).toBe(true);
    } finally {
      launcher.kill("SIGKILL");
    }
  });

  test("once the engine is gone: writes are refused outside a critical section, the one under way finishes, then exit", async () => {
    const g = freshGuard();
    expect(() => g.checkWrite("PATCH /users/x")).not.toThrow();
    let finishMove!: () => void;
    const writesInside: string[] = [];
    const move = g.critical(async () => {
      await new Promise<void>((r) => (finishMove = r));
      g.checkWrite("POST /assignNumber"); // allowed: the move under way completes
      writesInside.push("assign");
      return "moved";
    });
    const exit = jest.fn();
    const gone = g.engineGone(exit);
    const refused = (() => {
      try {
        g.checkWrite("PATCH /users/x", "bots[0] (a-bot, a-bot@contoso.com)");
        return undefined;
      } catch (e) {
        return e as { code?: string; message: string };
      }
    })();
    expect(refused?.code).toBe("EngineGone");
    expect(refused?.message).toMatch(/^PATCH \/users\/x: the Pulumi engine that started this provider is gone/);
    await expect(g.critical(async () => "another move")).rejects.toMatchObject({ code: "EngineGone" });
    await new Promise((r) => setTimeout(r, 50));
    expect(exit).not.toHaveBeenCalled();
    finishMove();
    await expect(move).resolves.toBe("moved");
    await gone;
    expect(writesInside).toEqual(["assign"]);
    expect(exit).toHaveBeenCalledTimes(1);
  });

  test("the transports ask the gate: a Graph change and a mutating cmdlet are refused before any call, reads are not", async () => {
    let guard!: Guard;
    let client!: typeof import("../../provider/tenant/graph/client");
    let cmdlets!: typeof import("../../provider/tenant/powershell/cmdlets");
    jest.isolateModules(() => {
      guard = require("../../provider/process-guard");
      client = require("../../provider/tenant/graph/client");
      cmdlets = require("../../provider/tenant/powershell/cmdlets");
    });
    await guard.engineGone(() => undefined);
    const tokens = { graphToken: jest.fn(async () => ({ accessToken: "x", expiresOn: new Date() })) };
    const graph = new client.GraphClient(
      {
        tenantId: "t",
        clientId: "c",
        graphUrl: "https://127.0.0.1:9",
        authorityHost: "https://127.0.0.1:9",
      } as never,
      tokens as never,
      0,
    );
    await expect(graph.request("PATCH", "/users/x", { permission: "User.ReadWrite.All" })).rejects.toMatchObject({
      code: "EngineGone",
    });
    expect(tokens.graphToken).not.toHaveBeenCalled();
    const invoked: string[] = [];
    const teams = new cmdlets.TeamsCmdlets({
      invoke: async (cmdlet: string) => {
        invoked.push(cmdlet);
        return [];
      },
    } as never);
    await expect(teams.syncApplicationInstance("o", "a")).rejects.toMatchObject({ code: "EngineGone" });
    await teams.listApplicationInstances();
    expect(invoked).toEqual(["Get-CsOnlineApplicationInstance"]);
  });
});
