/**
 * Pulumi state in Azure Blob Storage, as pipelines keep it: the real CLI's azblob backend pointed at
 * Azurite (Microsoft's storage emulator) on loopback, the stacks program against the tenant
 * emulator. preview / up / refresh / destroy through the container; what the container holds and
 * that no secret is in it; two concurrent `up`s on one stack (the engine's lock refuses the second,
 * the first converges, nothing lost); a killed run's lock cleared with `pulumi cancel`; previews
 * write nothing and are not blocked by the lock.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

import { backendUrl, stateKey } from "../../engine/workspace";
import { Audit, Bot, bot, convergence, FAST_ENV, TenantDump } from "../hardening/support";
import { Azurite, startAzurite } from "../helpers/azurite";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";
import { stackConfigFor } from "../helpers/emulator-settings";
import { alive, descendants } from "../helpers/processes";
import { EngineHarness, runCommand } from "./harness";

const CONTAINER = "pulumi-state";
/** The DIY backend's refusal while another run holds the stack (pkg/backend/diy/lock.go, v3.248.0). */
const LOCK_MESSAGE =
  "the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.";
const LOCKS = ".pulumi/locks/";

/** A `scripts/stack.ts` run in its own process group, as a pipeline job runs it. */
interface StackProcess {
  child: ChildProcess;
  output: () => string;
  /** Exit code, or -1 when killed by a signal. */
  exited: Promise<number>;
}

interface Checkpoint {
  checkpoint: {
    latest?: {
      secrets_providers?: { type: string };
      resources?: Array<{ urn: string; type: string }>;
      pending_operations?: Array<{ type: string; resource: { urn: string } }>;
    };
  };
}

describe("state in Azure Blob Storage (Azurite) on the real engine", () => {
  let t: TestEmulator;
  let az: Azurite;
  let h: EngineHarness;
  let seed: TenantDump;
  let declared: Bot[] = [];
  const spawned: ChildProcess[] = [];

  const audit = (): Promise<Audit[]> => t.admin.audit();
  const dump = (): Promise<TenantDump> => t.admin.get<TenantDump>("/state");
  const declare = async (bots: Bot[]): Promise<void> => {
    declared = bots;
    await h.stack.setConfig("bots", { value: JSON.stringify(bots) });
  };
  const blobs = (prefix?: string): Promise<string[]> => az.listBlobs(CONTAINER, prefix);
  const checkpoint = async (): Promise<Checkpoint> =>
    JSON.parse(await az.getBlob(CONTAINER, stateKey(h.projectName, h.stackName))) as Checkpoint;
  const teamsResources = async (): Promise<string[]> =>
    ((await checkpoint()).checkpoint.latest?.resources ?? [])
      .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/teams:"))
      .map((r) => r.urn.split("::").pop()!)
      .sort();
  const expectConverged = async (): Promise<void> =>
    expect(convergence(await dump(), seed, declared)).toEqual({
      problems: [],
      orphanAccounts: [],
      orphanLicences: [],
      orphanNumbers: [],
    });
  /** Resource names the declaration implies (account `<bot>`, `<bot>-licence`, `<bot>-number`). */
  const expectedResources = (): string[] =>
    [
      "number-plan",
      ...declared.flatMap((b) => [b.name, `${b.name}-licence`, ...(b.phoneNumber ? [`${b.name}-number`] : [])]),
    ].sort();

  const startStackProcess = (command: "up"): StackProcess => {
    const { args, env } = h.stackProgram(command);
    const child = spawn(process.execPath, args, { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    spawned.push(child);
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number>((res) => child.on("exit", (code, signal) => res(signal ? -1 : (code ?? -1))));
    return { child, output: () => out, exited };
  };
  /** Polls until `check` returns a value (not undefined), or fails naming what it waited for. */
  const waitFor = async <T>(what: string, check: () => Promise<T | undefined>, p?: StackProcess): Promise<T> => {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const v = await check();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${p?.output() ?? ""}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  };
  /** The `pulumi` CLI process under a stack process (the lock's owner). */
  const cliPid = (p: StackProcess): number | undefined =>
    descendants(p.child.pid!).find((pid) => {
      try {
        return path.basename(fs.readlinkSync(`/proc/${pid}/exe`)) === "pulumi";
      } catch {
        return false;
      }
    });

  beforeAll(async () => {
    t = await startTestEmulator({ latencyScale: 0.2 });
    seed = await dump();
    az = await startAzurite();
    await az.createContainer(CONTAINER);
    h = await EngineHarness.create({
      name: "azblob",
      backend: { kind: "azblob", container: CONTAINER, account: az.account, key: az.key, emulatorHost: az.host },
      env: FAST_ENV,
      // The deployer's secret as a Pulumi config secret, encrypted with the stack's passphrase.
      config: { ...stackConfigFor(t), clientSecret: { value: t.clientSecret, secret: true } },
    });
  });
  afterAll(async () => {
    for (const c of spawned)
      for (const pid of c.pid ? descendants(c.pid) : []) if (alive(pid)) process.kill(pid, "SIGKILL");
    await h?.dispose();
    const pid = az?.pid;
    await az?.stop();
    if (pid) expect(alive(pid)).toBe(false);
    await t?.stop();
  });

  test("login: the backend URL carries the emulator endpoint, the account and key travel in the environment", () => {
    expect(backendUrl(h.backend)).toBe(`azblob://${CONTAINER}?domain=${az.host}&protocol=http&localemu=true`);
    expect(backendUrl(h.backend)).not.toContain(az.key);
  });

  test("preview through azblob: the creates listed, nothing sent to the tenant, nothing written to the container", async () => {
    await declare([bot("alpha-bot", 0, "+14255550100"), bot("beta-bot", 1, "+14255550200", "DirectRouting")]);
    const before = await blobs();
    const stateBefore = await az.getBlob(CONTAINER, stateKey(h.projectName, h.stackName));
    const r = await h.preview();
    expect(r.exitCode).toBe(0);
    // stack + 2 × (component, account, licence, number) + the number plan
    expect(r.changes.create).toBe(10);
    expect(await audit()).toEqual([]);
    expect(before).toContain(stateKey(h.projectName, h.stackName));
    expect(await blobs()).toEqual(before);
    expect(await az.getBlob(CONTAINER, stateKey(h.projectName, h.stackName))).toBe(stateBefore);
  });

  test("up through azblob: converges; the container holds the checkpoint, its backup and history; no lock left", async () => {
    const r = await h.up();
    if (r.exitCode !== 0) console.log(r.stdout, r.stderr);
    expect(r.exitCode).toBe(0);
    expect(r.changes.create).toBe(10);
    await expectConverged();
    const names = await blobs();
    console.log(`blobs in ${CONTAINER} after up:\n  ${names.join("\n  ")}`);
    const stack = `${h.projectName}/${h.stackName}`;
    expect(names).toContain(".pulumi/meta.yaml");
    expect(names).toContain(`.pulumi/stacks/${stack}.json`);
    expect(names).toContain(`.pulumi/stacks/${stack}.json.bak`);
    expect(names.filter((n) => n.startsWith(`.pulumi/history/${stack}/`)).length).toBeGreaterThanOrEqual(2);
    expect(names.filter((n) => n.startsWith(LOCKS))).toEqual([]);
    const cp = await checkpoint();
    expect(cp.checkpoint.latest?.secrets_providers?.type).toBe("passphrase");
    expect(await teamsResources()).toEqual(expectedResources());
  });

  test("no secret in the container or in Azurite's files: deployer secret 0, storage key 0; the config secret is ciphertext", async () => {
    const names = await blobs();
    const texts = await Promise.all(names.map((n) => az.getBlob(CONTAINER, n)));
    const files = filesUnder(az.location);
    const raw = files.map((f) => fs.readFileSync(f).toString("latin1"));
    const count = (needle: string, in_: string[]): number => in_.reduce((n, s) => n + s.split(needle).length - 1, 0);
    console.log(
      `secret scan: ${names.length} blobs (${texts.reduce((n, s) => n + s.length, 0)} bytes), ${files.length} Azurite files (${raw.reduce((n, s) => n + s.length, 0)} bytes): deployer secret ${count(t.clientSecret, texts) + count(t.clientSecret, raw)}, storage key ${count(az.key, texts) + count(az.key, raw)}`,
    );
    expect(raw.some((s) => s.includes(`"${h.projectName}"`) || s.includes("pulumi-nodejs:dynamic/teams:"))).toBe(true);
    expect(count(t.clientSecret, texts)).toBe(0);
    expect(count(t.clientSecret, raw)).toBe(0);
    expect(count(az.key, texts)).toBe(0);
    expect(count(az.key, raw)).toBe(0);
    const stackYaml = fs.readFileSync(path.join(h.dir, "work", `Pulumi.${h.stackName}.yaml`), "utf8");
    expect(stackYaml).toMatch(/clientSecret:\s*\n\s*secure: v1:/);
    expect(stackYaml).not.toContain(t.clientSecret);
  });

  test("refresh through azblob: the tenant matches the state, nothing changes", async () => {
    const before = (await audit()).length;
    const r = await h.refresh({ expectNoChanges: true });
    expect(r.exitCode).toBe(0);
    expect(Object.keys(r.changes)).toEqual(["same"]);
    expect((await audit()).length).toBe(before);
    expect(await blobs(LOCKS)).toEqual([]);
  });

  test("a read-only SAS (read, list) can preview; up is refused by storage at the lock, nothing written, no tenant call", async () => {
    const readOnly = {
      AZURE_STORAGE_KEY: "",
      AZURE_STORAGE_SAS_TOKEN: az.accountSas("rl", new Date(Date.now() + 3600_000)),
    };
    const names = await blobs();
    const state = await az.getBlob(CONTAINER, stateKey(h.projectName, h.stackName));
    const before = (await audit()).length;
    // Not spawnSync: the preview reads the tenant (Pulumi.yaml refresh: always), and the emulator
    // answers from this process.
    const run = async (command: "preview" | "up"): Promise<{ status: number | null; out: string }> => {
      const { args, env } = h.stackProgram(command, { env: readOnly });
      const r = await runCommand(command, process.execPath, args, { env });
      return { status: r.exitCode, out: r.stdout + r.stderr };
    };
    const preview = await run("preview");
    if (preview.status !== 0) console.log(preview.out);
    expect(preview.status).toBe(0);
    const up = await run("up");
    console.log(
      `up with a read-only SAS:\n${up.out
        .split("\n")
        .filter((l) => /error:|ERROR CODE|RESPONSE 403|PUT /.test(l))
        .join("\n")}`,
    );
    expect(up.status).not.toBe(0);
    expect(up.out).toContain("AuthorizationPermissionMismatch");
    expect(up.out).toContain(".pulumi/locks/");
    expect(up.out).not.toContain(new URLSearchParams(readOnly.AZURE_STORAGE_SAS_TOKEN).get("sig")!);
    expect((await audit()).length).toBe(before);
    expect(await blobs()).toEqual(names);
    expect(await az.getBlob(CONTAINER, stateKey(h.projectName, h.stackName))).toBe(state);
  });

  test("two concurrent ups on one stack: the second is refused by the lock, the first converges, state intact", async () => {
    await t.admin.put("/faults", { licenceProvisioningDelayMs: 4_000 });
    const gamma = bot("gamma-bot", 2, "+14255550300", "OperatorConnect");
    await declare([...declared, gamma]);
    const from = (await audit()).length;
    const first = startStackProcess("up");
    // The first run holds the stack's lock in the container while it works.
    const [lock] = await waitFor(
      "the first run's lock",
      async () => {
        const l = await blobs(LOCKS);
        return l.length ? l : undefined;
      },
      first,
    );
    const owner = JSON.parse(await az.getBlob(CONTAINER, lock!)) as { pid: number };
    expect(owner.pid).toBe(cliPid(first));
    const second = await h.up();
    console.log(`second up refused with:\n${second.stderr.trim()}`);
    expect(second.exitCode).not.toBe(0);
    expect(second.stderr).toContain(LOCK_MESSAGE);
    expect(second.stderr).toContain(`(pid ${owner.pid})`);
    expect(second.stderr).toContain(`azblob://${CONTAINER}`);
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/\+ 4 created/);
    await expectConverged();
    // One create of each kind for gamma: the refused run sent nothing.
    const gammaId = (await dump()).users.find((u) => u.userPrincipalName === gamma.userPrincipalName)!.id;
    expect(
      (await audit())
        .slice(from)
        .filter((e) => e.target === gammaId && e.outcome === "ok")
        .map((e) => e.operation),
    ).toEqual(["New-CsOnlineApplicationInstance", "PATCH user", "assignLicense", "assignNumber"]);
    expect(await blobs(LOCKS)).toEqual([]);
    expect(await teamsResources()).toEqual(expectedResources());
    const again = await h.preview({ expectNoChanges: true });
    expect(again.exitCode).toBe(0);
  });

  test("a killed up leaves its lock; pulumi cancel clears it; refresh --clear-pending-creates and up converge", async () => {
    await t.admin.put("/faults", { licenceProvisioningDelayMs: 15_000 });
    const delta = bot("delta-bot", 3, "+14255550301", "OperatorConnect");
    await declare([...declared, delta]);
    const from = (await audit()).length;
    const run = startStackProcess("up");
    // Kill once delta's licence is assigned and its provisioning is being waited for.
    const deltaId = await waitFor(
      "delta's licence assignment",
      async () => {
        const id = (await dump()).users.find((u) => u.userPrincipalName === delta.userPrincipalName)?.id;
        const entries = (await audit()).slice(from);
        return id && entries.some((e) => e.operation === "assignLicense" && e.target === id && e.outcome === "ok")
          ? id
          : undefined;
      },
      run,
    );
    const cli = cliPid(run);
    expect(cli).toBeDefined();
    // Everything the run started dies at once (node, CLI, provider, pwsh), as when a runner is lost.
    const group = descendants(run.child.pid!);
    for (const pid of group) process.kill(pid, "SIGKILL");
    expect(await run.exited).toBe(-1);
    await new Promise((res) => setTimeout(res, 300));
    expect(group.filter(alive)).toEqual([]);
    // The dead run's lock stays in the container and names the killed CLI.
    const locks = await blobs(LOCKS);
    expect(locks).toHaveLength(1);
    expect((JSON.parse(await az.getBlob(CONTAINER, locks[0]!)) as { pid: number }).pid).toBe(cli);
    const pending = async (): Promise<string[]> =>
      ((await checkpoint()).checkpoint.latest?.pending_operations ?? []).map(
        (o) => `${o.type} ${o.resource.urn.split("::").pop()}`,
      );
    expect(await pending()).toEqual(["creating delta-bot-licence"]);
    // Previews neither take nor honour the lock (DIY backend, CLI 3.248.0): this one runs.
    const preview = await h.preview();
    expect(preview.exitCode).toBe(0);
    expect(await blobs(LOCKS)).toEqual(locks);
    const locked = await h.up();
    expect(locked.exitCode).not.toBe(0);
    expect(locked.stderr).toContain(LOCK_MESSAGE);
    expect(locked.stderr).toContain(`(pid ${cli})`);
    // pulumi cancel removes the stack's locks from the container.
    await h.stack.cancel();
    expect(await blobs(LOCKS)).toEqual([]);
    const refreshed = await h.stack.refresh({ clearPendingCreates: true });
    expect(refreshed.summary.result).toBe("succeeded");
    expect(await pending()).toEqual([]);
    await t.admin.put("/faults", { licenceProvisioningDelayMs: 0 });
    const r = await h.up();
    if (r.exitCode !== 0) console.log(r.stdout, r.stderr);
    expect(r.exitCode).toBe(0);
    await expectConverged();
    expect(
      (await audit())
        .slice(from)
        .filter((e) => e.target === deltaId && e.outcome === "ok")
        .map((e) => e.operation),
    ).toEqual(["New-CsOnlineApplicationInstance", "PATCH user", "assignLicense", "assignNumber"]);
    expect(await teamsResources()).toEqual(expectedResources());
    expect(await blobs(LOCKS)).toEqual([]);
  });

  test("destroy through azblob: the tenant is back to its seed, the checkpoint holds no resource", async () => {
    const r = await h.destroy();
    expect(r.exitCode).toBe(0);
    declared = [];
    await expectConverged();
    expect((await checkpoint()).checkpoint.latest?.resources ?? []).toEqual([]);
    expect(await blobs(LOCKS)).toEqual([]);
  });
});

/** Every regular file under `dir`. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? filesUnder(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : [],
    );
}
