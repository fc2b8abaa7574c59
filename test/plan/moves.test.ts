/** The move groups of a run (pure): which bots move together, and in what order (a cycle releases first, a chain claims first). */
import { moveGroups, type NumberChange } from "../../scripts/plan/moves";

const change = (bot: string, before?: string, after?: string, newAccount = false): NumberChange => ({
  bot,
  before,
  after,
  newAccount,
});

describe("move groups", () => {
  test("swap: two bots trading numbers are one cycle, both releases then both claims", () => {
    const [g, ...rest] = moveGroups([change("a", "+1", "+2"), change("b", "+2", "+1"), change("c", "+3", "+3")]);
    expect(rest).toEqual([]);
    expect(g).toEqual({
      kind: "swap",
      cycle: true,
      members: ["a", "b"],
      releases: [
        { bot: "a", phoneNumber: "+1" },
        { bot: "b", phoneNumber: "+2" },
      ],
      claims: [
        { bot: "a", phoneNumber: "+2" },
        { bot: "b", phoneNumber: "+1" },
      ],
      phases: [
        [
          { kind: "release", bot: "a", phoneNumber: "+1" },
          { kind: "release", bot: "b", phoneNumber: "+2" },
        ],
        [
          { kind: "claim", bot: "a", phoneNumber: "+2" },
          { kind: "claim", bot: "b", phoneNumber: "+1" },
        ],
      ],
      waitsFor: [],
      handoffs: [
        { phoneNumber: "+2", from: "b", to: "a" },
        { phoneNumber: "+1", from: "a", to: "b" },
      ],
    });
  });

  test("rotation through three bots is one cycle", () => {
    const groups = moveGroups([change("a", "+1", "+2"), change("b", "+2", "+3"), change("c", "+3", "+1")]);
    expect(groups.map((g) => [g.kind, g.cycle, g.members])).toEqual([["rotation", true, ["a", "b", "c"]]]);
  });

  test("chain: a takes b's number, b moves to a free one; not a cycle", () => {
    const groups = moveGroups([change("a", "+1", "+2"), change("b", "+2", "+9")]);
    expect(groups.map((g) => [g.kind, g.cycle, g.members])).toEqual([["chain", false, ["a", "b"]]]);
    expect(groups[0]!.handoffs).toEqual([{ phoneNumber: "+2", from: "b", to: "a" }]);
  });

  test("regress: a chain runs from its free end, each bot taking its new number before giving up its old one", () => {
    const [g] = moveGroups([change("a", "+1", "+2"), change("b", "+2", "+3"), change("c", "+3", "+9")]);
    expect(g!.phases.map((p) => p.map((s) => `${s.kind} ${s.bot} ${s.phoneNumber}`))).toEqual([
      ["claim c +9"],
      ["release c +3"],
      ["claim b +3"],
      ["release b +2"],
      ["claim a +2"],
      ["release a +1"],
    ]);
  });

  test("a removed bot's number to a new bot: one group that waits for the new account", () => {
    const groups = moveGroups([change("new", undefined, "+5", true), change("gone", "+5", undefined)]);
    expect(groups).toEqual([
      expect.objectContaining({
        kind: "chain",
        members: ["new", "gone"],
        releases: [{ bot: "gone", phoneNumber: "+5" }],
        claims: [{ bot: "new", phoneNumber: "+5" }],
        phases: [
          [{ kind: "release", bot: "gone", phoneNumber: "+5" }],
          [{ kind: "claim", bot: "new", phoneNumber: "+5" }],
        ],
        waitsFor: ["new"],
      }),
    ]);
  });

  test("independent changes are groups of their own, in the order of the bots", () => {
    const groups = moveGroups([
      change("x", "+1", "+7"),
      change("y", undefined, "+8", true),
      change("z", "+3", undefined),
      change("w", "+4", "+4"),
    ]);
    expect(groups.map((g) => [g.kind, g.members, g.releases.length, g.claims.length])).toEqual([
      ["single", ["x"], 1, 1],
      ["single", ["y"], 0, 1],
      ["single", ["z"], 1, 0],
    ]);
  });
});
