/** The pure number-move planner: chains, cycles, removed holders, blocked holders, step order, roll-back. */
import {
  chainFrom,
  describeMembers,
  rollbackOf,
  stepsOf,
  type Member,
  type NumberState,
  type PlanView,
  type Target,
} from "../../provider/tenant/moves/plan";

const [A, B, C, D, X] = ["a", "b", "c", "d", "x"].map((c) => `${c.repeat(8)}-0000-4000-8000-000000000000`) as [
  string,
  string,
  string,
  string,
  string,
];
const N = (i: number): string => `+1425555010${i}`;
const cp = (phoneNumber: string, locationId?: string): Target => ({
  phoneNumber,
  numberType: "CallingPlan",
  locationId,
});

/** A view over a fixed tenant (number → holder) and fixed wants; records which numbers it was asked for. */
function view(
  holders: Record<string, string | null>,
  wants: Record<string, { to?: Target }> = {},
  removed: string[] = [],
): PlanView & { asked: string[]; read: Set<string> } {
  const read = new Set<string>();
  const asked: string[] = [];
  return {
    asked,
    read,
    numberState(n): NumberState | undefined {
      if (!read.has(n)) return undefined;
      return { holder: holders[n] ?? null, numberType: "CallingPlan", locationId: null };
    },
    wantOf: (id) => wants[id],
    removed: (id) => removed.includes(id),
  };
}

/** Runs chainFrom, "reading" each number it asks for, as the service does. */
function chain(v: ReturnType<typeof view>, start: Omit<Member, "reason">) {
  for (;;) {
    const r = chainFrom(start, v);
    if (r.kind !== "need") return r;
    expect(v.read.has(r.phoneNumber)).toBe(false); // never asks twice
    v.asked.push(r.phoneNumber);
    v.read.add(r.phoneNumber);
  }
}

const ids = (members: Member[]): string[] => members.map((m) => `${m.instanceId[0]}:${m.reason}`);
const brief = (s: { kind: string; instanceId: string; phoneNumber: string }) =>
  `${s.kind} ${s.phoneNumber} ${s.instanceId[0]}`;

describe("chainFrom", () => {
  test("a free number: the move is a plan of its own", () => {
    const v = view({ [N(0)]: A, [N(1)]: null });
    const r = chain(v, { instanceId: A, from: cp(N(0)), to: cp(N(1)) });
    expect(r).toEqual({ kind: "plan", members: [{ instanceId: A, from: cp(N(0)), to: cp(N(1)), reason: "start" }] });
    expect(v.asked).toEqual([N(1)]);
  });

  test("swap: the holder joins with its own move and the chain closes", () => {
    const v = view({ [N(0)]: A, [N(1)]: B }, { [B]: { to: cp(N(0)) } });
    const r = chain(v, { instanceId: A, from: cp(N(0)), to: cp(N(1)) });
    expect(r.kind).toBe("plan");
    const members = (r as { members: Member[] }).members;
    expect(ids(members)).toEqual(["a:start", "b:moving"]);
    expect(members[1]).toMatchObject({ from: { phoneNumber: N(1) }, to: { phoneNumber: N(0) } });
  });

  test("rotation through three accounts", () => {
    const v = view({ [N(0)]: A, [N(1)]: B, [N(2)]: C }, { [B]: { to: cp(N(2)) }, [C]: { to: cp(N(0)) } });
    const r = chain(v, { instanceId: A, from: cp(N(0)), to: cp(N(1)) });
    expect(ids((r as { members: Member[] }).members)).toEqual(["a:start", "b:moving", "c:moving"]);
  });

  test("chain ending at a free number", () => {
    const v = view({ [N(0)]: A, [N(1)]: B, [N(2)]: null }, { [B]: { to: cp(N(2)) } });
    const r = chain(v, { instanceId: A, from: cp(N(0)), to: cp(N(1)) });
    expect(ids((r as { members: Member[] }).members)).toEqual(["a:start", "b:moving"]);
  });

  test("a new account takes the number of an account the stack removes", () => {
    const v = view({ [N(3)]: C }, {}, [C]);
    const r = chain(v, { instanceId: D, to: cp(N(3)) });
    expect(r).toEqual({
      kind: "plan",
      members: [
        { instanceId: D, to: cp(N(3)), reason: "start" },
        { instanceId: C, from: { ...cp(N(3)), locationId: null }, reason: "removed" },
      ],
    });
  });

  test("a holder that gives its number up and ends with none", () => {
    const v = view({ [N(0)]: A, [N(1)]: B }, { [B]: {} });
    const r = chain(v, { instanceId: A, from: cp(N(0)), to: cp(N(1)) });
    expect(ids((r as { members: Member[] }).members)).toEqual(["a:start", "b:moving"]);
  });

  test("blocked: an account outside the plan holds it", () => {
    const v = view({ [N(0)]: A, [N(1)]: X });
    expect(chain(v, { instanceId: A, from: cp(N(0)), to: cp(N(1)) })).toEqual({
      kind: "blocked",
      phoneNumber: N(1),
      holder: X,
      wantedBy: A,
      holderKeeps: false,
    });
  });

  test("blocked further down the chain names the member that wants it", () => {
    const v = view({ [N(0)]: A, [N(1)]: B, [N(2)]: X }, { [B]: { to: cp(N(2)) } });
    expect(chain(v, { instanceId: A, from: cp(N(0)), to: cp(N(1)) })).toMatchObject({
      kind: "blocked",
      holder: X,
      wantedBy: B,
    });
  });

  test("blocked: the holder is declared to keep the number", () => {
    const v = view({ [N(0)]: A, [N(1)]: B }, { [B]: { to: cp(N(1)) } });
    expect(chain(v, { instanceId: A, from: cp(N(0)), to: cp(N(1)) })).toMatchObject({
      kind: "blocked",
      holder: B,
      holderKeeps: true,
    });
  });

  test("already on the account: nothing to follow", () => {
    const v = view({ [N(0)]: null, [N(1)]: A });
    const r = chain(v, { instanceId: A, from: cp(N(0)), to: cp(N(1)) });
    expect(ids((r as { members: Member[] }).members)).toEqual(["a:start"]);
  });
});

/** Steps by phase, each as "release +1… a". */
const phases = (s: ReturnType<typeof stepsOf>): string[][] => s.map((p) => p.map(brief));

describe("stepsOf", () => {
  test("swap (a cycle): both releases together, then both claims together", () => {
    const v = view({ [N(0)]: A, [N(1)]: B }, { [B]: { to: cp(N(0)) } });
    const r = chain(v, { instanceId: A, from: cp(N(0)), to: cp(N(1), "loc") });
    const s = stepsOf((r as { members: Member[] }).members, v);
    expect(phases(s)).toEqual([
      [`release ${N(0)} a`, `release ${N(1)} b`],
      [`claim ${N(1)} a`, `claim ${N(0)} b`],
    ]);
    expect(s[1]![0]).toMatchObject({ locationId: "loc", numberType: "CallingPlan" });
  });

  test("regress: a chain ending in a free number runs from its free end, each member claiming before it releases", () => {
    // A 0 → 1 (B's), B 1 → 2 (C's), C 2 → 3 (free).
    const v = view({ [N(0)]: A, [N(1)]: B, [N(2)]: C, [N(3)]: null }, { [B]: { to: cp(N(2)) }, [C]: { to: cp(N(3)) } });
    const r = chain(v, { instanceId: A, from: cp(N(0)), to: cp(N(1)) });
    v.read.add(N(0)); // what each member holds is read before the steps (reads.held)
    expect(phases(stepsOf((r as { members: Member[] }).members, v))).toEqual([
      [`claim ${N(3)} c`],
      [`release ${N(2)} c`],
      [`claim ${N(2)} b`],
      [`release ${N(1)} b`],
      [`claim ${N(1)} a`],
      [`release ${N(0)} a`],
    ]);
  });

  test("a removed holder gives its number up first; the new holder then claims and releases its old one", () => {
    const v = view({ [N(0)]: A, [N(1)]: D }, {}, [D]);
    const r = chain(v, { instanceId: A, from: cp(N(0)), to: cp(N(1)) });
    v.read.add(N(0));
    expect(phases(stepsOf((r as { members: Member[] }).members, v))).toEqual([
      [`release ${N(1)} d`],
      [`claim ${N(1)} a`],
      [`release ${N(0)} a`],
    ]);
  });

  test("a 3-bot rotation is one cycle: three releases, then three claims", () => {
    const v = view({ [N(0)]: A, [N(1)]: B, [N(2)]: C }, { [B]: { to: cp(N(2)) }, [C]: { to: cp(N(0)) } });
    const r = chain(v, { instanceId: A, from: cp(N(0)), to: cp(N(1)) });
    expect(phases(stepsOf((r as { members: Member[] }).members, v))).toEqual([
      [`release ${N(0)} a`, `release ${N(1)} b`, `release ${N(2)} c`],
      [`claim ${N(1)} a`, `claim ${N(2)} b`, `claim ${N(0)} c`],
    ]);
  });

  test("only what the tenant shows is released; what is already there is not claimed", () => {
    // A's old number is gone already (drift); B already holds its new one.
    const v = view({ [N(0)]: null, [N(1)]: A, [N(2)]: B });
    v.read.add(N(0)).add(N(1)).add(N(2));
    const s = stepsOf(
      [
        { instanceId: A, from: cp(N(0)), to: cp(N(1)), reason: "start" },
        { instanceId: B, from: cp(N(3)), to: cp(N(2)), reason: "moving" },
      ],
      v,
    );
    expect(s).toEqual([]);
  });

  test("a type change on the same number is no release", () => {
    const v = view({ [N(0)]: A });
    v.read.add(N(0));
    const s = stepsOf([{ instanceId: A, from: cp(N(0)), to: cp(N(0)), reason: "start" }], v);
    expect(s).toEqual([]);
  });
});

describe("rollbackOf", () => {
  test("a cycle: gives up the claimed numbers first, then takes the released ones back together", () => {
    const done = [
      [
        { kind: "release" as const, instanceId: A, ...cp(N(0), "loc-a") },
        { kind: "release" as const, instanceId: B, ...cp(N(1)) },
      ],
      [{ kind: "claim" as const, instanceId: A, ...cp(N(1)) }],
    ];
    const r = rollbackOf(done);
    expect(phases(r)).toEqual([[`release ${N(1)} a`], [`claim ${N(0)} a`, `claim ${N(1)} b`]]);
    expect(r[1]![0]!.locationId).toBe("loc-a");
  });

  test("a chain: undone newest first, so each number is free when its holder takes it back", () => {
    const done = [
      [{ kind: "claim" as const, instanceId: B, ...cp(N(2)) }],
      [{ kind: "release" as const, instanceId: B, ...cp(N(1)) }],
    ];
    expect(phases(rollbackOf(done))).toEqual([[`claim ${N(1)} b`], [`release ${N(2)} b`]]);
  });

  test("nothing done, nothing to undo", () => {
    expect(rollbackOf([])).toEqual([]);
  });
});

test("describeMembers names accounts and numbers", () => {
  const text = describeMembers(
    [
      { instanceId: A, from: cp(N(0)), to: cp(N(1)), reason: "start" },
      { instanceId: C, from: cp(N(3)), reason: "removed" },
    ],
    (id) => (id === A ? "alpha@contoso.com" : "gamma@contoso.com"),
  );
  expect(text).toBe(`alpha@contoso.com ${N(0)} → ${N(1)}, gamma@contoso.com ${N(3)} → (no number)`);
});
