/**
 * Fault matrix on the real engine: the stacks program against the emulator under 429 storms,
 * 5xx, replication delay, licence provisioning slower than the timeout, a PowerShell host crash
 * mid-call and `pulumi up` killed with SIGKILL. After every case the tenant matches the
 * declaration with no orphaned account, licence or number, and no bot went without its number
 * for longer than one update (audit order: its unassign is directly followed by its assign).
 */
import { spawn } from "child_process";
import * as path from "path";

import { REPO_ROOT } from "../../engine/workspace";
import { secretEnv } from "../helpers/emulator-settings";
import { alive, descendants } from "../helpers/processes";
import { Bot, bot, convergence, FAST_ENV, numberGaps, recordResults, ResultRow, StackRig, startRig } from "./support";

const rows: ResultRow[] = [];

describe("fault matrix on the real engine", () => {
  let r: StackRig;
  let declared: Bot[] = [];

  const declare = async (bots: Bot[]): Promise<void> => {
    declared = bots;
    await r.setBots(bots);
  };

  /** Asserts convergence, no orphans and no number gap in the audit entries from `from`; records a row. */
  const expectConverged = async (check: string, from: number, detail: string): Promise<void> => {
    const d = await r.dump();
    const c = convergence(d, r.seed, declared);
    const gaps = numberGaps((await r.audit()).slice(from), d);
    expect(c).toEqual({ problems: [], orphanAccounts: [], orphanLicences: [], orphanNumbers: [] });
    expect(gaps).toEqual([]);
    rows.push({
      area: "fault",
      check,
      cases: 1,
      passed: 1,
      detail: `${detail}; converged: ${declared.length} bots, 0 orphaned accounts / licences / numbers, 0 number gaps`,
    });
  };

  const up = async (): Promise<{ exitCode: number; out: string }> => {
    const res = await r.h.up();
    const out = res.stdout + res.stderr;
    if (res.exitCode !== 0) console.log(out);
    return { exitCode: res.exitCode, out };
  };

  /** Faults the emulator injected since the case set its profile. */
  const injectedFaults = async (): Promise<{ throttled: number; errors: number; text: string }> => {
    const { injected } = await r.t.admin.get<{
      injected: { throttled: Record<string, number>; errors: Record<string, number> };
    }>("/stats");
    const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);
    const text = (["throttled", "errors"] as const)
      .map((k) =>
        Object.entries(injected[k])
          .map(([f, n]) => `${f} ${n}`)
          .join(", "),
      )
      .filter(Boolean)
      .join("; ");
    return { throttled: sum(injected.throttled), errors: sum(injected.errors), text };
  };

  beforeAll(async () => {
    r = await startRig("faults", { licenceProvisioningDelayMs: 800, operationDurationMs: 200 });
  });
  afterAll(async () => {
    recordResults("faults", rows);
    await r?.dispose();
  });

  test("429 storm: 30 % of Entra, Graph, Teams and connect calls throttled with Retry-After", async () => {
    // 30 % everywhere, and the first Teams cmdlet and connect surely throttled (few cmdlet calls: the rate alone may miss them).
    const storm = { throttleRate: 0.3, retryAfterSeconds: 1 };
    await r.faults({
      families: {
        entra: storm,
        graph: storm,
        teams: { ...storm, throttleNext: 2 },
        connect: { ...storm, throttleNext: 1 },
      },
    });
    await declare([bot("alpha-bot", 0, "+14255550100"), bot("beta-bot", 1, "+14255550200", "DirectRouting")]);
    const from = (await r.audit()).length;
    const res = await up();
    expect(res.exitCode).toBe(0);
    // A number change under the same storm: unassign, then assign, nothing in between.
    await declare([bot("alpha-bot", 0, "+14255550101"), bot("beta-bot", 1, "+14255550200", "DirectRouting")]);
    expect((await up()).exitCode).toBe(0);
    const injected = await injectedFaults();
    expect(injected.throttled).toBeGreaterThanOrEqual(10);
    expect(injected.text).toMatch(/teams [2-9]/);
    expect(injected.text).toMatch(/connect [1-9]/);
    await expectConverged(
      "429 with Retry-After (30 %)",
      from,
      `2 updates (create 2 bots, move a number); ${injected.throttled} requests answered 429 (${injected.text})`,
    );
  });

  test("5xx: 5 % of Entra, Graph and Teams calls fail with 500/503", async () => {
    // 5 % everywhere, and the first token request and the first cmdlet surely fail (the rate alone may miss them).
    await r.faults(
      {
        families: {
          entra: { errorRate: 0.05, errorStatus: 503, errorNext: 1 },
          graph: { errorRate: 0.05, errorStatus: 500 },
          teams: { errorRate: 0.05, errorStatus: 503, errorNext: 1 },
        },
      },
      true,
    );
    await declare([
      bot("alpha-bot", 0, "+14255550101"),
      bot("beta-bot", 1, "+14255550201", "DirectRouting"),
      bot("gamma-bot", 2, "+14255550300", "OperatorConnect"),
    ]);
    const from = (await r.audit()).length;
    expect((await up()).exitCode).toBe(0);
    const injected = await injectedFaults();
    expect(injected.text).toMatch(/entra [1-9]/);
    expect(injected.text).toMatch(/teams [1-9]/);
    await expectConverged(
      "5xx (5 %)",
      from,
      `1 update (add a bot, move a number); ${injected.errors} requests answered 5xx (${injected.text})`,
    );
  });

  test("replication delay: a new account stays invisible to Graph for 3 s", async () => {
    await r.faults({ replicationDelayMs: 3_000 }, true);
    await declare([...declared, bot("delta-bot", 3, "+14255550102")]);
    const from = (await r.audit()).length;
    expect((await up()).exitCode).toBe(0);
    await expectConverged(
      "replication delay (3 s)",
      from,
      "account created, waited for Graph, then usage location, licence, number",
    );
  });

  test("licence provisioning slower than the timeout: clear error, and the rerun continues", async () => {
    await r.faults({ licenceProvisioningDelayMs: 6_000 }, true);
    const epsilon = bot("epsilon-bot", 4, "+14255550103");
    await declare([...declared, epsilon]);
    const from = (await r.audit()).length;
    const env = (r.h.stack.workspace as unknown as { envVars: Record<string, string> }).envVars;
    // Test-only override of the 1-minute minimum of provisioningTimeoutMinutes (docs/configuration.md, Tuning).
    env.TEAMS_PROVISIONING_TIMEOUT_MS = "1500";
    const first = await r.h.up();
    delete env.TEAMS_PROVISIONING_TIMEOUT_MS;
    const out = first.stdout + first.stderr;
    expect(first.exitCode).not.toBe(0);
    expect(out).toMatch(
      /waiting for the licence to be provisioned by Teams: still not there after [\d.]+ ?m?s \(last seen: MCOEV_VIRTUALUSER PendingProvisioning\)/,
    );
    expect(out).toContain(
      "Provisioning can take hours: rerun `pulumi up` to keep waiting, or raise provisioningTimeoutMinutes (now 30).",
    );
    // The licence is recorded (pending), the number not yet: the bot has no number, and no other bot lost one.
    const licence = r.h.resources().find((x) => x.urn.endsWith("::epsilon-bot-licence"));
    expect(licence?.outputs?.servicePlanStatus).toBe("PendingProvisioning");
    expect(r.h.resources().some((x) => x.urn.endsWith("::epsilon-bot-number"))).toBe(false);
    await new Promise((res) => setTimeout(res, 5_000));
    const before = (await r.audit()).length;
    expect((await up()).exitCode).toBe(0);
    const rerun = (await r.audit()).slice(before);
    // The rerun continues: no second account, no second licence assignment, just the number.
    expect(rerun.map((e) => e.operation)).toEqual(["assignNumber"]);
    await expectConverged(
      "licence provisioning slower than the timeout",
      from,
      "1st up: WaitTimeout naming the plan, the wait and what to do (exit != 0); rerun: only assignNumber",
    );
  });

  for (const mode of ["after", "before"] as const) {
    test(`PowerShell host crash ${mode} running New-CsOnlineApplicationInstance: restart, one account`, async () => {
      const b = mode === "after" ? bot("zeta-bot", 5, "+14255550104") : bot("eta-bot", 6, "+14255550105");
      await declare([...declared, b]);
      // Call 1 is the refresh's one listing of the accounts (Pulumi.yaml refresh: always); Graph then says
      // the UPN is free, so Teams is not asked first: call 2 is the New, the stand-in dies on it.
      await r.faults({ pwshCrash: { afterCalls: 2, mode } }, true);
      const from = (await r.audit()).length;
      const res = await up();
      if (!/ended without an answer/.test(res.out)) console.log(res.out);
      expect(res.exitCode).toBe(0);
      expect(res.out).toMatch(/New-CsOnlineApplicationInstance ended without an answer \(HostExited\)/);
      const news = (await r.audit()).slice(from).filter((e) => e.operation === "New-CsOnlineApplicationInstance");
      expect(news.map((e) => e.outcome)).toEqual(mode === "after" ? ["ok"] : ["ok"]);
      const accounts = (await r.dump()).users.filter((u) => u.userPrincipalName === b.userPrincipalName);
      expect(accounts).toHaveLength(1);
      await expectConverged(
        `PowerShell host crash ${mode} the cmdlet ran`,
        from,
        `stand-in exited ${mode === "after" ? "after creating the account, without answering" : "before running the cmdlet"}; host restarted; 1 account`,
      );
    });
  }

  test("pulumi up killed with SIGKILL mid-update, then cancel, refresh --clear-pending-creates and up", async () => {
    await r.faults({ licenceProvisioningDelayMs: 15_000 }, true);
    const theta = bot("theta-bot", 7, "+14255550301", "OperatorConnect");
    await declare([...declared, theta]);
    const from = (await r.audit()).length;
    const h = r.h;
    // The stacks program in its own process group, as a pipeline runs it: node → pulumi CLI → provider → pwsh.
    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, "dist", "scripts", "stack.js"),
        "up",
        "--stack",
        h.stackName,
        "--work-dir",
        path.join(h.dir, "work"),
        "--backend-dir",
        h.backendDir,
        "--pulumi-home",
        path.join(h.dir, "home"),
      ],
      {
        env: { ...process.env, ...FAST_ENV, ...secretEnv(r.t) },
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((res) => child.on("exit", (code, signal) => res(signal ? -1 : code)));
    // Kill once theta's licence is assigned and its provisioning is being waited for.
    const deadline = Date.now() + 60_000;
    let thetaId: string | undefined;
    for (;;) {
      thetaId = (await r.dump()).users.find((u) => u.userPrincipalName === theta.userPrincipalName)?.id;
      const entries = (await r.audit()).slice(from);
      if (thetaId && entries.some((e) => e.operation === "assignLicense" && e.target === thetaId && e.outcome === "ok"))
        break;
      if (Date.now() > deadline) throw new Error(`the update never reached the licence wait:\n${output}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    // Everything the run started dies at once, as when a runner is lost: the plugins run in process
    // groups of their own, so each process is killed by id, not only the group.
    const group = descendants(child.pid!);
    for (const pid of group) process.kill(pid, "SIGKILL");
    expect(await exited).toBe(-1);
    await new Promise((res) => setTimeout(res, 300));
    expect(group.filter(alive)).toEqual([]);
    const pending = (): string[] =>
      (JSON.parse(h.stateText()).checkpoint.latest.pending_operations ?? []).map(
        (o: { type: string; resource: { urn: string } }) => `${o.type} ${o.resource.urn.split("::").pop()}`,
      );
    expect(pending()).toEqual(["creating theta-bot-licence"]);
    // 1. The dead run's lock blocks every command until `pulumi cancel` removes it.
    const locked = await h.up();
    expect(locked.exitCode).not.toBe(0);
    expect(locked.stderr).toContain(
      "the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.",
    );
    await h.stack.cancel();
    // 2. `pulumi refresh` alone keeps pending creates when not interactive; --clear-pending-creates drops them.
    const refreshed = await h.stack.refresh({ clearPendingCreates: true });
    expect(refreshed.summary.result).toBe("succeeded");
    expect(pending()).toEqual([]);
    // 3. `pulumi up` continues: the licence the killed run assigned is taken as it is.
    const res = await up();
    expect(res.exitCode).toBe(0);
    expect(res.out).toContain("the account already has this licence");
    const ops = (await r.audit())
      .slice(from)
      .filter((e) => e.target === thetaId && e.outcome === "ok")
      .map((e) => e.operation);
    expect(ops).toEqual(["New-CsOnlineApplicationInstance", "PATCH user", "assignLicense", "assignNumber"]);
    expect(pending()).toEqual([]);
    await expectConverged(
      "`pulumi up` killed with SIGKILL (node, CLI, provider, pwsh)",
      from,
      "killed during the licence wait; `pulumi cancel`, `pulumi refresh --clear-pending-creates`, `pulumi up`: each call once",
    );
  });
});
