/**
 * Number moves as one plan, on the real engine against the emulator: a swap and a rotation converge
 * in one `up` (every release before any claim), a failed claim rolls the whole plan back, moves
 * combine with type and location changes, a removed bot's number goes to a new bot in one `up`, and
 * a number held outside the stack fails at once naming the holder. The audit log proves the order.
 */
import type { AuditEntry as Audit } from "../../emulator/state";
import type { BotEntry } from "../../stacks/config";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";
import { secretEnv, stackConfigFor } from "../helpers/emulator-settings";
import { EngineHarness, EngineRun } from "./harness";

interface TenantDump {
  users: Array<{ id: string; userPrincipalName: string }>;
  numbers: Array<{ telephoneNumber: string; assignmentTargetId: string | null; locationId: string | null }>;
}

const APP = {
  alpha: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
  beta: "8b2e4c6a-1d3f-4a5b-8c7d-9e0f1a2b3c20",
  gamma: "1f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e30",
  delta: "2a8f7e6d-5c4b-4a39-8d1e-0f9a8b7c6d40",
};
const LOCATION = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
/** Calling Plan service numbers of the default fixture. */
const N = { a: "+14255550100", b: "+14255550101", c: "+14255550102", d: "+14255550103", e: "+14255550104" };
/** A Direct Routing service number. */
const DR = "+14255550200";
/** A number of the fixture assigned to Adele Vance, a user outside the stack. */
const ADELES = "+14255550151";

type Name = keyof typeof APP;
const bot = (name: Name, phoneNumber?: string, extra: Partial<BotEntry> = {}): BotEntry => ({
  name: `${name}-bot`,
  userPrincipalName: `${name}-bot@contoso.com`,
  displayName: `${name[0]!.toUpperCase()}${name.slice(1)} Bot`,
  appId: APP[name],
  usageLocation: "US",
  ...(phoneNumber ? { phoneNumber, numberType: "CallingPlan" } : {}),
  ...extra,
});

describe("number moves as one plan (real engine)", () => {
  let t: TestEmulator;
  let h: EngineHarness;
  let seed: TenantDump;

  const audit = (): Promise<Audit[]> => t.admin.audit();
  const dump = (): Promise<TenantDump> => t.admin.get<TenantDump>("/state");
  const setBots = (bots: unknown[]): Promise<void> => h.stack.setConfig("bots", { value: JSON.stringify(bots) });
  const idOf = async (name: Name): Promise<string | undefined> =>
    (await dump()).users.find((u) => u.userPrincipalName === `${name}-bot@contoso.com`)?.id;
  /** Holder of each number, as bot names (or the raw id for accounts outside the stack). */
  const holders = async (...numbers: string[]): Promise<Record<string, string | null>> => {
    const d = await dump();
    const names = new Map(d.users.map((u) => [u.id, u.userPrincipalName.replace(/-bot@contoso\.com$/, "")]));
    return Object.fromEntries(
      numbers.map((n) => {
        const id = d.numbers.find((x) => x.telephoneNumber === n)!.assignmentTargetId;
        return [n, id === null ? null : (names.get(id) ?? id)];
      }),
    );
  };
  /** Number operations that completed in the tenant since `from`, as "unassign +1…" / "assign +1…". */
  const numberOps = (entries: Audit[]): string[] =>
    entries
      .filter((e) => /^(unassignNumber|assignNumber)$/.test(e.operation) && e.family === "graph")
      .map((e) => `${e.operation === "assignNumber" ? "assign" : "unassign"} ${e.number} ${e.outcome}`);
  const up = async (): Promise<EngineRun> => {
    const r = await h.up();
    if (r.exitCode !== 0 && !process.env.TBN_QUIET_E2E) console.log(r.stdout, r.stderr);
    return r;
  };
  const expectNoChanges = async (): Promise<void> => {
    const before = (await audit()).length;
    const again = await h.up();
    expect(again.exitCode).toBe(0);
    if (Object.keys(again.changes).length !== 1) console.log(again.stdout);
    expect(Object.keys(again.changes)).toEqual(["same"]);
    expect(numberOps((await audit()).slice(before))).toEqual([]);
  };
  /** Every release of `released` comes before any claim of `claimed` (and each happened once, ok). */
  const releasesBeforeClaims = (ops: string[], released: string[], claimed: string[]): void => {
    const at = (op: string): number => {
      const i = ops.indexOf(`${op} ok`);
      expect(i).toBeGreaterThanOrEqual(0);
      return i;
    };
    const lastRelease = Math.max(...released.map((n) => at(`unassign ${n}`)));
    const firstClaim = Math.min(...claimed.map((n) => at(`assign ${n}`)));
    expect(lastRelease).toBeLessThan(firstClaim);
  };

  beforeAll(async () => {
    t = await startTestEmulator();
    seed = await dump();
    h = await EngineHarness.create({
      name: "moves",
      env: { ...secretEnv(t), TEAMS_POLL_INTERVAL_MS: "200" },
      config: stackConfigFor(t),
    });
    await setBots([bot("alpha", N.a), bot("beta", N.b), bot("gamma", N.c)]);
    const r = await up();
    expect(r.exitCode).toBe(0);
  });
  afterAll(async () => {
    await h?.dispose();
    await t?.stop();
  });

  test("swap: two bots trade numbers in one up, both releases before both claims; a second up changes nothing", async () => {
    await setBots([bot("alpha", N.b), bot("beta", N.a), bot("gamma", N.c)]);
    const before = (await audit()).length;
    const r = await up();
    expect(r.exitCode).toBe(0);
    expect(await holders(N.a, N.b, N.c)).toEqual({ [N.a]: "beta", [N.b]: "alpha", [N.c]: "gamma" });
    const ops = numberOps((await audit()).slice(before));
    expect(ops).toHaveLength(4);
    releasesBeforeClaims(ops, [N.a, N.b], [N.a, N.b]);
    expect(r.stdout).not.toContain("NumberAssignedElsewhere");
    await expectNoChanges();
  });

  test("rotation through three bots in one up; a second up changes nothing", async () => {
    // alpha b → c, beta a → b, gamma c → a
    await setBots([bot("alpha", N.c), bot("beta", N.b), bot("gamma", N.a)]);
    const before = (await audit()).length;
    const r = await up();
    expect(r.exitCode).toBe(0);
    expect(await holders(N.a, N.b, N.c)).toEqual({ [N.a]: "gamma", [N.b]: "beta", [N.c]: "alpha" });
    const ops = numberOps((await audit()).slice(before));
    expect(ops).toHaveLength(6);
    releasesBeforeClaims(ops, [N.a, N.b, N.c], [N.a, N.b, N.c]);
    await expectNoChanges();
  });

  test("a failed claim rolls the whole rotation back: every bot holds the number it held before, and the error says so", async () => {
    const held = await holders(N.a, N.b, N.c); // a: gamma, b: beta, c: alpha
    // alpha c → a, beta b → c, gamma a → b; the claim of N.b (by gamma) fails once.
    await t.admin.put("/faults", { failAssign: { [N.b]: 1 } });
    await setBots([bot("alpha", N.a), bot("beta", N.c), bot("gamma", N.b)]);
    const before = (await audit()).length;
    const r = await h.up();
    expect(r.exitCode).not.toBe(0);
    expect(await holders(N.a, N.b, N.c)).toEqual(held);
    const out = r.stdout + r.stderr;
    expect(out).toContain(`Injected fault: assigning telephone number '${N.b}' failed`);
    expect(out).toContain("rolled back");
    for (const [n, name] of Object.entries(held)) expect(out).toContain(`${name}-bot@contoso.com holds ${n} again`);
    const ops = numberOps((await audit()).slice(before));
    expect(ops).toContain(`assign ${N.b} error: injected`);
    // The faulty claim happened after every release of the plan.
    releasesBeforeClaims(
      ops.filter((o) => !o.endsWith("error: injected")),
      [N.a, N.b, N.c],
      [N.a, N.c],
    );
    // Without the fault the same change converges in one up.
    const again = await up();
    expect(again.exitCode).toBe(0);
    expect(await holders(N.a, N.b, N.c)).toEqual({ [N.a]: "alpha", [N.b]: "gamma", [N.c]: "beta" });
    await expectNoChanges();
  });

  test("moves combined with a type change and an emergency location", async () => {
    // alpha a → Direct Routing DR with a location; beta c → a (alpha's); gamma keeps b and gets a location.
    await setBots([
      bot("alpha", DR, { numberType: "DirectRouting", locationId: LOCATION }),
      bot("beta", N.a),
      bot("gamma", N.b, { locationId: LOCATION }),
    ]);
    const before = (await audit()).length;
    const r = await up();
    expect(r.exitCode).toBe(0);
    expect(await holders(N.a, N.b, N.c, DR)).toEqual({ [N.a]: "beta", [N.b]: "gamma", [N.c]: null, [DR]: "alpha" });
    const d = await dump();
    const location = (n: string): string | null => d.numbers.find((x) => x.telephoneNumber === n)!.locationId;
    expect(location(DR)).toBe(LOCATION);
    expect(location(N.b)).toBe(LOCATION);
    const ops = numberOps((await audit()).slice(before));
    releasesBeforeClaims(ops, [N.a], [N.a]);
    await expectNoChanges();
  });

  test("a removed bot's number goes to a new bot in one up", async () => {
    const gamma = await idOf("gamma");
    // gamma (holding N.b) is removed; the new delta takes N.b.
    await setBots([
      bot("alpha", DR, { numberType: "DirectRouting", locationId: LOCATION }),
      bot("beta", N.a),
      bot("delta", N.b),
    ]);
    const before = (await audit()).length;
    const r = await up();
    expect(r.exitCode).toBe(0);
    expect(await holders(N.b)).toEqual({ [N.b]: "delta" });
    expect(await idOf("gamma")).toBeUndefined();
    const entries = (await audit()).slice(before);
    const released = entries.findIndex(
      (e) => e.operation === "unassignNumber" && e.number === N.b && e.target === gamma && e.outcome === "ok",
    );
    const claimed = entries.findIndex((e) => e.operation === "assignNumber" && e.number === N.b && e.outcome === "ok");
    expect(released).toBeGreaterThanOrEqual(0);
    expect(released).toBeLessThan(claimed);
    expect(r.stdout).not.toContain("run `pulumi up` again");
    await expectNoChanges();
  });

  test("a number held outside the stack fails at once, naming the holder by UPN and display name", async () => {
    await setBots([
      bot("alpha", DR, { numberType: "DirectRouting", locationId: LOCATION }),
      bot("beta", ADELES),
      bot("delta", N.b),
    ]);
    const before = (await audit()).length;
    const r = await h.up();
    expect(r.exitCode).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain(`${ADELES} is assigned to adele.vance@contoso.com (Adele Vance)`);
    expect(out).not.toMatch(/waiting for \S+ to be released/);
    expect(out).not.toContain("1d7a2b3c-8e5f-4a91-8b24-6c3d9e0f1a22");
    // Nothing was touched: beta keeps its number.
    expect(numberOps((await audit()).slice(before))).toEqual([]);
    expect(await holders(N.a, ADELES)).toEqual({ [N.a]: "beta", [ADELES]: "adele.vance@contoso.com" });
  });

  test("destroy returns the tenant to its seed", async () => {
    const r = await h.destroy();
    expect(r.exitCode).toBe(0);
    const numbers = (d: TenantDump): string[] =>
      d.numbers.map((n) => `${n.telephoneNumber}=${n.assignmentTargetId}`).sort();
    expect(numbers(await dump())).toEqual(numbers(seed));
  });
});
