/* eslint-disable @typescript-eslint/no-explicit-any -- contract tests assert on untyped JSON wire bodies */
/** Emulator lifecycle: persistence across restarts, reset, emulator.json, loopback-only binding, the CLI, admin drift endpoints. */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";

import { startEmulator } from "../../emulator";
import { REPO_ROOT, startTestEmulator, testCaDir } from "../helpers/emulator";
import {
  cmdlet,
  GRAPH_SCOPE,
  graphClient,
  graphFailure,
  msalApp,
  newResourceAccount,
  token,
} from "../helpers/tenant-clients";

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "tbn-life-"));

test("state persists across a restart on the same data dir (and tokens stay valid)", async () => {
  const dir = tmp();
  const a = await startTestEmulator(undefined, { dataDir: dir });
  const id = await newResourceAccount(a, "persist@contoso.com", "eeeeeeee-1111-4222-8333-444444444444");
  await graphClient(a).api(`/users/${id}`).patch({ usageLocation: "DE" });
  const oldToken = await token(msalApp(a), GRAPH_SCOPE);
  const info = JSON.parse(fs.readFileSync(path.join(dir, "emulator.json"), "utf8"));
  expect(info).toMatchObject({
    url: a.url,
    port: a.port,
    pid: process.pid,
    tenantId: a.tenantId,
    caPath: path.join(testCaDir(), "ca.pem"),
  });
  await a.stop();
  expect(fs.existsSync(path.join(dir, "emulator.json"))).toBe(false);
  const raw = fs.readFileSync(path.join(dir, "state.json"), "utf8");
  expect(raw).not.toContain(a.clientSecret);

  const b = await startTestEmulator(undefined, { dataDir: dir });
  try {
    expect(
      (
        await graphClient(b, async () => oldToken)
          .api(`/users/${id}`)
          .select("usageLocation")
          .get()
      ).usageLocation,
    ).toBe("DE");
    expect(
      (await cmdlet(b, "Get-CsOnlineApplicationInstance", { Identity: "persist@contoso.com" })).output![0]!
        .ApplicationId,
    ).toBe("eeeeeeee-1111-4222-8333-444444444444");
  } finally {
    await b.stop();
  }
  // reset: true re-seeds even though state exists.
  const c = await startEmulator({ dataDir: dir, caDir: testCaDir(), reset: true });
  try {
    const state = (await (await fetch(`${c.url}/_emulator/state`)).json()) as any;
    expect(state.users.some((u: any) => u.id === id)).toBe(false);
  } finally {
    await c.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("POST /_emulator/reset re-seeds and the admin endpoints simulate out-of-band drift", async () => {
  const t = await startTestEmulator();
  try {
    const id = await newResourceAccount(t, "drift@contoso.com");
    await t.admin.post("/admin/assignNumber", { telephoneNumber: "14255550104", targetId: id });
    expect((await cmdlet(t, "Get-CsOnlineApplicationInstance", { Identity: id })).output![0]!.PhoneNumber).toBe(
      "tel:+14255550104",
    );
    await t.admin.post("/admin/unassignNumber", { telephoneNumber: "+14255550104" });
    expect((await cmdlet(t, "Get-CsOnlineApplicationInstance", { Identity: id })).output![0]!.PhoneNumber).toBeNull();
    await t.admin.post("/admin/deleteUser", { id });
    expect((await graphFailure(graphClient(t).api(`/users/${id}`).get())).statusCode).toBe(404);
    const audit = ((await t.admin.get<any>("/audit")).entries as any[]).map(
      (e) => `${e.family}:${e.operation}:${e.outcome}`,
    );
    expect(audit).toEqual([
      "teams:New-CsOnlineApplicationInstance:ok",
      "admin:assignNumber:ok",
      "admin:unassignNumber:ok",
      "admin:DELETE user:ok",
    ]);
    await newResourceAccount(t, "before-reset@contoso.com");
    await t.admin.post("/reset");
    const state = await t.admin.get<any>("/state");
    expect(state.users.map((u: any) => u.userPrincipalName)).not.toContain("before-reset@contoso.com");
    expect(state.audit).toEqual([]);
  } finally {
    await t.stop();
  }
});

test("a non-loopback bind is refused unless explicitly allowed", async () => {
  await expect(startEmulator({ dataDir: tmp(), caDir: testCaDir(), host: "0.0.0.0" })).rejects.toThrow(
    /refusing to bind non-loopback address 0.0.0.0/,
  );
});

test("CLI: start prints URL, tenant, client id and the CA export; SIGTERM stops cleanly", async () => {
  const dir = tmp();
  const proc = spawn(
    process.execPath,
    [path.join(REPO_ROOT, "dist", "emulator", "cli.js"), "start", "--data-dir", dir, "--ca-dir", testCaDir()],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const lines: string[] = [];
  const rl = readline.createInterface({ input: proc.stdout });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`CLI did not start: ${lines.join("\n")}`)), 10_000);
    rl.on("line", (l) => {
      lines.push(l);
      if (l.startsWith("export NODE_EXTRA_CA_CERTS=")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const out = lines.join("\n");
  expect(out).toMatch(/listening on https:\/\/localhost:\d+/);
  expect(out).toContain("5f1c8e2a-3b7d-4c9e-a1f0-2d6b8e4c7a91");
  expect(out).toContain("3f1c2b7e-6a59-4d0e-9b8a-5c4d3e2f1a07");
  expect(out).toContain(`export NODE_EXTRA_CA_CERTS=${path.join(testCaDir(), "ca.pem")}`);
  const info = JSON.parse(fs.readFileSync(path.join(dir, "emulator.json"), "utf8"));
  expect(info.pid).toBe(proc.pid);
  expect((await fetch(`${info.url}/_emulator/stats`)).status).toBe(200);
  const exited = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
  proc.kill("SIGTERM");
  expect(await exited).toBe(0);
  expect(fs.existsSync(path.join(dir, "emulator.json"))).toBe(false);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("CLI refuses a non-loopback host without --allow-non-loopback", async () => {
  const proc = spawn(
    process.execPath,
    [
      path.join(REPO_ROOT, "dist", "emulator", "cli.js"),
      "start",
      "--data-dir",
      tmp(),
      "--ca-dir",
      testCaDir(),
      "--host",
      "0.0.0.0",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let err = "";
  proc.stderr.on("data", (d) => (err += String(d)));
  const code = await new Promise<number | null>((r) => proc.on("exit", (c) => r(c)));
  expect(code).toBe(1);
  expect(err).toContain("refusing to bind non-loopback address");
});
