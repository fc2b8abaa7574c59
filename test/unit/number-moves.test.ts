/**
 * The move coordinator over an in-memory tenant (a fake for pure logic; the real engine and the
 * emulator prove the same in test/e2e/moves.test.ts): concurrent updates of a swap form one plan,
 * a member whose update has not arrived is moved by the plan and later gets its outcome, a failed
 * claim rolls every member back, a removed account's number is taken, a holder outside the plan
 * fails at once by name.
 */
import { TenantError } from "../../provider/errors";
import type { NumberAssignment } from "../../provider/tenant/model";
import { MoveRegistry, NumberMoves, type DeclaredBot, type MoveOps } from "../../provider/tenant/moves/index";

const id = (c: string): string => `${c.repeat(8)}-0000-4000-8000-000000000000`;
const [A, B, C, D, X] = ["a", "b", "c", "d", "e"].map(id) as [string, string, string, string, string];
const NAMES: Record<string, [string, string]> = {
  [A]: ["alpha@contoso.com", "Alpha"],
  [B]: ["beta@contoso.com", "Beta"],
  [C]: ["gamma@contoso.com", "Gamma"],
  [D]: ["delta@contoso.com", "Delta"],
  [X]: ["adele.vance@contoso.com", "Adele Vance"],
};
const N = (i: number): string => `+1425555010${i}`;
const to = (phoneNumber: string) => ({ phoneNumber, numberType: "CallingPlan" as const, locationId: null });

/** A tenant of numbers with an operation log; `failClaim` makes the next claim of a number fail. */
function fakeTenant(holders: Record<string, string | null>) {
  const log: string[] = [];
  const failClaim = new Set<string>();
  const blocked = new Set<string>();
  /** Numbers another account takes just before this run's claim (the tenant then refuses it as already assigned). */
  const takenBy = new Map<string, string>();
  const record = (n: string): NumberAssignment | undefined =>
    n in holders
      ? {
          telephoneNumber: n,
          numberType: "callingPlan",
          assignmentTargetId: holders[n] ?? null,
          assignmentStatus: holders[n] ? "voiceApplicationAssigned" : "unassigned",
          activationState: "activated",
          locationId: null,
          capabilities: ["voiceApplicationAssignment"],
        }
      : undefined;
  const tick = () => new Promise((r) => setTimeout(r, 1));
  const ops: MoveOps = {
    get: async (n) => (await tick(), record(n)),
    assign: async (r) => {
      await tick();
      const who = NAMES[r.instanceId]![0].split("@")[0];
      const taker = takenBy.get(r.phoneNumber);
      if (taker) {
        holders[r.phoneNumber] = taker;
        throw new Error(`BadRequest Telephone Number '${r.phoneNumber}' has already been assigned to another user`);
      }
      if (failClaim.delete(r.phoneNumber)) {
        log.push(`assign ${r.phoneNumber} ${who} failed`);
        throw new Error(`injected: assigning ${r.phoneNumber} failed`);
      }
      if (holders[r.phoneNumber]) throw new Error(`${r.phoneNumber} is held by ${holders[r.phoneNumber]}`);
      holders[r.phoneNumber] = r.instanceId;
      log.push(`assign ${r.phoneNumber} ${who}`);
      return record(r.phoneNumber);
    },
    unassign: async (r) => {
      await tick();
      holders[r.phoneNumber] = null;
      log.push(`unassign ${r.phoneNumber}`);
    },
    account: async (i) =>
      NAMES[i] ? { userPrincipalName: NAMES[i][0], displayName: NAMES[i][1], usageLocation: "US" } : undefined,
    assignmentBlock: async (n) => (blocked.has(n) ? { until: null } : null),
  };
  return { ops, log, holders, failClaim, blocked, takenBy, record };
}

const declaredBot = (instanceId: string, phoneNumber?: string): DeclaredBot => ({
  instanceId,
  userPrincipalName: NAMES[instanceId]![0],
  target: phoneNumber ? to(phoneNumber) : undefined,
});

function setup(holders: Record<string, string | null>, bots?: DeclaredBot[], removed: string[] = []) {
  const t = fakeTenant(holders);
  const registry = new MoveRegistry();
  if (bots)
    registry.declareStack({ bots, removed: removed.map((i) => ({ instanceId: i, userPrincipalName: NAMES[i]![0] })) });
  const moves = new NumberMoves(t.ops, () => ({ numberReleaseWaitMs: 200, pollIntervalMs: 20 }), registry);
  const move = (instanceId: string, from: string | undefined, wanted: string) =>
    moves.move({ instanceId, from: from ? to(from) : undefined, to: to(wanted), label: instanceId });
  return { ...t, registry, moves, move };
}

const releasesFirst = (log: string[]): void => {
  const lastRelease = Math.max(...log.map((l, i) => (l.startsWith("unassign") ? i : -1)));
  const firstClaim = log.findIndex((l) => l.startsWith("assign"));
  expect(lastRelease).toBeLessThan(firstClaim);
};

test("swap, both updates at once: one plan, releases before claims, both ok", async () => {
  const s = setup({ [N(0)]: A, [N(1)]: B }, [declaredBot(A, N(1)), declaredBot(B, N(0))]);
  const [a, b] = await Promise.all([s.move(A, N(0), N(1)), s.move(B, N(1), N(0))]);
  expect(a.ok && b.ok).toBe(true);
  expect(s.holders).toEqual({ [N(0)]: B, [N(1)]: A });
  expect(s.log).toHaveLength(4);
  releasesFirst(s.log);
});

test("rotation where only one update has arrived (--parallel 1): the plan moves all; the others get their outcome", async () => {
  const s = setup({ [N(0)]: A, [N(1)]: B, [N(2)]: C }, [
    declaredBot(A, N(1)),
    declaredBot(B, N(2)),
    declaredBot(C, N(0)),
  ]);
  const a = await s.move(A, N(0), N(1));
  expect(a.ok).toBe(true);
  expect(s.holders).toEqual({ [N(0)]: C, [N(1)]: A, [N(2)]: B });
  releasesFirst(s.log);
  const before = s.log.length;
  const [b, c] = await Promise.all([s.move(B, N(1), N(2)), s.move(C, N(2), N(0))]);
  expect(b).toMatchObject({ ok: true, record: { assignmentTargetId: B } });
  expect(c).toMatchObject({ ok: true, record: { assignmentTargetId: C } });
  expect(s.log).toHaveLength(before); // nothing more in the tenant
});

test("without a declared plan, announced moves (diffs) join the plan", async () => {
  const s = setup({ [N(0)]: A, [N(1)]: B });
  s.registry.announce(B, to(N(0)));
  const a = await s.move(A, N(0), N(1));
  expect(a.ok).toBe(true);
  expect(s.holders).toEqual({ [N(0)]: B, [N(1)]: A });
});

test("a failed claim rolls the whole plan back; every member is told, by name", async () => {
  const s = setup({ [N(0)]: A, [N(1)]: B, [N(2)]: C }, [
    declaredBot(A, N(1)),
    declaredBot(B, N(2)),
    declaredBot(C, N(0)),
  ]);
  s.failClaim.add(N(2));
  const [a, b, c] = await Promise.all([s.move(A, N(0), N(1)), s.move(B, N(1), N(2)), s.move(C, N(2), N(0))]);
  expect(s.holders).toEqual({ [N(0)]: A, [N(1)]: B, [N(2)]: C });
  for (const o of [a, b, c]) expect(o).toMatchObject({ ok: false, holds: "previous" });
  const text = (o: typeof a) => (o.ok ? "" : o.error.message);
  expect(text(b)).toContain(`assigning number ${N(2)} to beta@contoso.com: injected: assigning ${N(2)} failed`);
  // The whole plan once, in the failed member's error (issue 20: once per run, not once per bot)…
  expect([a, b, c].filter((o) => text(o).includes("was rolled back: "))).toEqual([b]);
  for (const [who, n] of [
    ["alpha", N(0)],
    ["beta", N(1)],
    ["gamma", N(2)],
  ])
    expect(text(b)).toContain(`${who}@contoso.com holds ${n} again`);
  // …the others say what they hold now and where the details are.
  expect(text(a)).toContain(
    `not moved: the plan was rolled back because assigning number ${N(2)} to beta@contoso.com failed (the error of beta@contoso.com has the details); it holds ${N(0)} again`,
  );
  expect(text(c)).toContain(`; it holds ${N(2)} again`);
  expect(
    s.log
      .filter((l) => l.startsWith("assign"))
      .slice(-3)
      .sort(),
  ).toEqual([`assign ${N(0)} alpha`, `assign ${N(1)} beta`, `assign ${N(2)} gamma`].sort());
});

test("a single move to a free number claims first: when the claim fails the account never gave its number up", async () => {
  const s = setup({ [N(0)]: A, [N(1)]: null }, [declaredBot(A, N(1))]);
  s.failClaim.add(N(1));
  const a = await s.move(A, N(0), N(1));
  expect(a).toMatchObject({ ok: false, holds: "previous" });
  expect(a.ok ? "" : a.error.reason).toBe(`injected: assigning ${N(1)} failed`);
  expect(s.holders[N(0)]).toBe(A);
  expect(s.log.filter((l) => l.startsWith("unassign"))).toEqual([]);
});

test("regress: a rotation whose target carries an assignment block is refused before anything is touched", async () => {
  const s = setup({ [N(0)]: A, [N(1)]: B, [N(2)]: C }, [
    declaredBot(A, N(1)),
    declaredBot(B, N(2)),
    declaredBot(C, N(0)),
  ]);
  s.blocked.add(N(2));
  const e = await s.move(A, N(0), N(1)).catch((x: TenantError) => x);
  expect(e).toBeInstanceOf(TenantError);
  expect((e as TenantError).code).toBe("NumberBlocked");
  expect((e as TenantError).message).toContain(
    `assigning number ${N(2)} to beta@contoso.com: ${N(2)} has an assignment block (until it is cleared)`,
  );
  expect(s.log).toEqual([]);
  expect(s.holders).toEqual({ [N(0)]: A, [N(1)]: B, [N(2)]: C });
});

test("regress: a claim refused as already assigned (taken meanwhile) names the holder by UPN and display name, not its id", async () => {
  const s = setup({ [N(0)]: A, [N(1)]: null }, [declaredBot(A, N(1))]);
  s.takenBy.set(N(1), X);
  const a = await s.move(A, N(0), N(1));
  expect(a).toMatchObject({ ok: false, holds: "previous" });
  const error = a.ok ? undefined : a.error;
  expect(error?.code).toBe("NumberAssignedElsewhere");
  expect(error?.message).toContain(
    `${N(1)} is assigned to adele.vance@contoso.com (Adele Vance): it took the number after this run read it as free`,
  );
  expect(error?.message).not.toContain(X);
  expect(s.holders[N(0)]).toBe(A);
});

test("a plan that names bots by UPN only (no account ids): a holder is matched by the UPN read from the tenant", async () => {
  const byUpn = (instanceId: string, phoneNumber: string): DeclaredBot => ({
    userPrincipalName: NAMES[instanceId]![0].toUpperCase(),
    target: to(phoneNumber),
  });
  const s = setup({ [N(0)]: A, [N(1)]: B }, [byUpn(A, N(1)), byUpn(B, N(0))]);
  const a = await s.move(A, N(0), N(1));
  expect(a.ok).toBe(true);
  expect(s.holders).toEqual({ [N(0)]: B, [N(1)]: A });
  expect(await s.move(B, N(1), N(0))).toMatchObject({ ok: true });
});

test("a new account takes the number of an account the stack removes", async () => {
  const s = setup({ [N(3)]: C }, [declaredBot(D, N(3))], [C]);
  const d = await s.move(D, undefined, N(3));
  expect(d.ok).toBe(true);
  expect(s.log).toEqual([`unassign ${N(3)}`, `assign ${N(3)} delta`]);
});

test("a holder outside the declared plan: fails at once, by UPN and display name, nothing touched", async () => {
  const s = setup({ [N(0)]: A, [N(1)]: X }, [declaredBot(A, N(1))]);
  const started = s.log.length;
  const e = await s.move(A, N(0), N(1)).catch((x: Error) => x);
  expect((e as Error).message).toBe(
    `assigning number ${N(1)} to alpha@contoso.com: ${N(1)} is assigned to adele.vance@contoso.com (Adele Vance), which is not giving it up in this update (NumberAssignedElsewhere). ` +
      "Unassign it from that account first (Teams admin center > Voice > Phone numbers), or choose another number.",
  );
  expect(s.log.length).toBe(started);
});

test("without a declared plan a holder gets the bounded wait, then the same error", async () => {
  const s = setup({ [N(0)]: A, [N(1)]: X });
  const e = await s.move(A, N(0), N(1)).catch((x: Error) => x);
  expect((e as Error).message).toContain(
    "is assigned to adele.vance@contoso.com (Adele Vance), which is not giving it up",
  );
  expect((e as Error).message).toContain("(waited for it to be released)");
  expect(s.log).toEqual([]);
});

test("regress-concurrent-plans: reads answered together (one $batch answers several moves' lookups) still make one plan", async () => {
  const s = setup({ [N(0)]: A, [N(1)]: B, [N(2)]: C }, [
    declaredBot(A, N(1)),
    declaredBot(B, N(2)),
    declaredBot(C, N(0)),
  ]);
  // Every lookup waits for the same window and all are answered in one go, as a $batch answers them.
  const waiting: (() => void)[] = [];
  s.ops.get = (n) =>
    new Promise((resolve) => {
      waiting.push(() => resolve(s.record(n)));
      if (waiting.length === 1) setTimeout(() => waiting.splice(0).forEach((answer) => answer()), 5);
    });
  const outcomes = await Promise.all([s.move(A, N(0), N(1)), s.move(B, N(1), N(2)), s.move(C, N(2), N(0))]);
  expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
  expect(s.holders).toEqual({ [N(0)]: C, [N(1)]: A, [N(2)]: B });
  expect(s.log).toHaveLength(6);
});
