/** The provider-process guard: recognises the engine's provider process; an orphan exits. */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { isDynamicProviderProcess } from "../../provider/process-guard";

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
    // Mimic the launcher: sh starts node (without exec) under a fake dynamic-provider path; node
    // loads the guard, then keeps writing to stderr. Killing sh orphans node and closes its pipes.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-guard-"));
    const fakeProvider = path.join(dir, "cmd", "dynamic-provider", "index.js");
    fs.mkdirSync(path.dirname(fakeProvider), { recursive: true });
    const guard = path.join(__dirname, "..", "..", "dist", "provider", "process-guard.js");
    fs.writeFileSync(
      fakeProvider,
      `require(${JSON.stringify(guard)}).guardProviderProcess();\n` +
        `require("fs").writeFileSync(${JSON.stringify(path.join(dir, "pid"))}, String(process.pid));\n` +
        `setInterval(() => process.stderr.write("[teams] still waiting\\n"), 50);\n`,
    );
    const launcher = spawn("sh", ["-c", `node ${fakeProvider} 127.0.0.1:1`], { stdio: ["ignore", "pipe", "pipe"] });
    const pidFile = path.join(dir, "pid");
    // The first stderr line comes after the pid file is written, however long node takes to start.
    await new Promise((resolve) => launcher.stderr!.once("data", resolve));
    const providerPid = Number(fs.readFileSync(pidFile, "utf8"));
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive(providerPid)).toBe(true);
    launcher.kill("SIGKILL");
    launcher.stdout!.destroy();
    launcher.stderr!.destroy();
    let waitedMs = 0;
    while (alive(providerPid) && waitedMs < 10_000) {
      await new Promise((r) => setTimeout(r, 100));
      waitedMs += 100;
    }
    if (alive(providerPid)) process.kill(providerPid, "SIGKILL");
    expect(waitedMs).toBeLessThan(10_000);
  });
});
