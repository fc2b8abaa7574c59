/**
 * An interrupted run recovers by itself (issue 20), on the real engine against the emulator: the CLI
 * is killed (SIGKILL, as a lost runner) in the middle of a number swap. The orphaned provider
 * finishes the move it had started (no bot left without a number) and exits instead of writing on;
 * then `pulumi cancel` and a plain `pulumi up` (its refresh included) converge with no config edit:
 * what the killed run did is found in place and recorded, nothing is assigned twice.
 */
import * as fs from "fs";
import * as path from "path";

import type { AuditEntry } from "../../emulator/state";
import { pulumiCliDir } from "../../engine/workspace";
import type { BotEntry } from "../../stacks/config";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";
import { secretEnv, stackConfigFor } from "../helpers/emulator-settings";
import { EngineHarness, runCommand } from "./harness";

interface TenantDump {
  users: Array<{ id: string; userPrincipalName: string }>;
  numbers: Array<{ telephoneNumber: string; assignmentTargetId: string | null }>;
}

const X = "+14255550100";
const Y = "+14255550101";
const bot = (name: string, appId: string, phoneNumber: string): BotEntry => ({
  name: `${name}-bot`,
  userPrincipalName: `${name}-bot@contoso.com`,
  displayName: `${name} bot`,
  appId,
  usageLocation: "US",
  phoneNumber,
  numberType: "CallingPlan",
});
const ALPHA = "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10";
const BETA = "8b2e4c6a-1d3f-4a5b-8c7d-9e0f1a2b3c20";

/** Processes whose environment carries `marker` (the CLI's children inherit it). */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/environ`, "utf8").includes(marker)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

const until = async (what: string, ok: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number> => {
  const start = Date.now();
  while (!(await ok())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - start;
};

describe("an up killed in the middle of a swap (real engine)", () => {
  let t: TestEmulator;
  let h: EngineHarness;
  const dump = (): Promise<TenantDump> => t.admin.get<TenantDump>("/state");
  const holders = async (): Promise<Record<string, string | null>> => {
    const d = await dump();
    const name = (id: string | null): string | null =>
      id === null ? null : (d.users.find((u) => u.id === id)?.userPrincipalName ?? id);
    return Object.fromEntries(
      [X, Y].map((n) => [n, name(d.numbers.find((x) => x.telephoneNumber === n)!.assignmentTargetId)]),
    );
  };
  const setBots = (bots: unknown[]): Promise<void> => h.stack.setConfig("bots", { value: JSON.stringify(bots) });

  beforeAll(async () => {
    t = await startTestEmulator();
    h = await EngineHarness.create({
      name: "interrupted",
      env: secretEnv(t),
      config: stackConfigFor(t),
    });
    await setBots([bot("alpha", ALPHA, X), bot("beta", BETA, Y)]);
    expect((await h.up()).exitCode).toBe(0);
    expect(await holders()).toEqual({ [X]: "alpha-bot@contoso.com", [Y]: "beta-bot@contoso.com" });
  });
  afterAll(async () => {
    await h?.dispose();
    await t?.stop();
  });

  test("SIGKILL mid-swap, pulumi cancel, plain pulumi up: converges with no config edit", async () => {
    await setBots([bot("alpha", ALPHA, Y), bot("beta", BETA, X)]);
    const marker = `TBN_INTERRUPTED_RUN=${process.pid}-${Date.now()}`;
    const from = (await t.admin.audit()).length;
    const cli = h.cli(["up", "--yes", "--skip-preview"], { [marker.split("=")[0]!]: marker.split("=")[1]! });
    let output = "";
    cli.stdout!.on("data", (s: Buffer) => (output += s.toString()));
    cli.stderr!.on("data", (s: Buffer) => (output += s.toString()));
    const released = async (): Promise<boolean> =>
      (await t.admin.audit())
        .slice(from)
        .some((e: AuditEntry) => /unassign|Remove-CsPhoneNumberAssignment/i.test(e.operation));
    await until("the swap's first release", released, 120_000);
    cli.kill("SIGKILL");
    const killedAt = Date.now();

    // The orphaned provider finishes the move it started, then exits.
    const exitMs = await until("the orphaned provider to exit", () => processesWith(marker).length === 0, 60_000);
    const afterExit = (await t.admin.audit()).slice(from);
    expect(await holders()).toEqual({ [X]: "beta-bot@contoso.com", [Y]: "alpha-bot@contoso.com" });
    console.log(
      `provider exited ${Date.now() - killedAt} ms after the kill (${exitMs} ms of waiting); writes of the killed run: ${afterExit.map((e) => e.operation).join(", ")}`,
    );

    const cancel = await runCommand(
      "cancel",
      path.join(pulumiCliDir(), "pulumi"),
      ["cancel", "--yes", "--stack", h.stackName, "--non-interactive"],
      {
        cwd: path.join(h.dir, "work"),
        env: h.cliEnv(),
      },
    );
    expect(cancel.exitCode).toBe(0);
    const afterCancel = (await t.admin.audit()).length;
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await t.admin.audit()).length).toBe(afterCancel);

    const up = await h.up();
    if (up.exitCode !== 0) console.log(up.stdout, up.stderr, output);
    expect(up.exitCode).toBe(0);
    // Found in place and recorded: no number assigned or unassigned again.
    expect((await t.admin.audit()).slice(afterCancel).map((e) => e.operation)).toEqual([]);
    expect(await holders()).toEqual({ [X]: "beta-bot@contoso.com", [Y]: "alpha-bot@contoso.com" });
    const again = await h.up();
    expect(again.exitCode).toBe(0);
    expect(again.changes).not.toHaveProperty("update");
    expect(again.changes).not.toHaveProperty("create");
  }, 300_000);
});
