/**
 * The order in which a run moves numbers, told for a reviewer (pure). A bot that wants a number
 * another bot of the stack holds can take it only after that bot gives it up, so such bots move
 * together: one group per set of bots linked that way (a swap, a rotation, a chain, a removed bot's
 * number going to a new bot). The order within a group is the one provider/tenant/moves/plan.ts
 * runs: a cycle (swap, rotation) gives up every number and then takes the new ones (that is what
 * lets it close), so each member is without a number from the releases to the claims; a chain runs
 * from its free end, each member taking its new number before giving up its old one, so no member
 * is without a number. Groups are independent of each other.
 */

/** One bot's number before and after the run (phone numbers only: type and location do not move anything). */
export interface NumberChange {
  bot: string;
  before?: string;
  after?: string;
  /** The bot's account is created in this run: its claim waits for the account and its licence. */
  newAccount: boolean;
}

/** One tenant change of a group. */
export interface MoveStep {
  bot: string;
  phoneNumber: string;
}

/** One tenant change in the order the run makes it. */
export interface OrderedStep extends MoveStep {
  kind: "release" | "claim";
}

/** Bots that move together, and how. */
export interface MoveGroup {
  /**
   * swap: two bots trade numbers; rotation: three or more pass numbers round a cycle; chain: a bot
   * takes a number another member gives up, without a cycle; single: one bot, on its own.
   */
  kind: "swap" | "rotation" | "chain" | "single";
  /** True when the numbers go round (every member gives up a number another member takes). */
  cycle: boolean;
  members: string[];
  releases: MoveStep[];
  claims: MoveStep[];
  /** The steps in phases, in run order (the steps of one phase run together). */
  phases: OrderedStep[][];
  /** Members whose new account must exist (and be licensed) before the group's claims run. */
  waitsFor: string[];
  /** Numbers that pass from one member to another, in the order of the members taking them. */
  handoffs: { phoneNumber: string; from: string; to: string }[];
}

/** The groups of a run, in the order of their first member in `changes`. */
export function moveGroups(changes: NumberChange[]): MoveGroup[] {
  const moving = changes.filter((c) => c.before !== c.after);
  const holder = new Map<string, string>();
  for (const c of changes) if (c.before) holder.set(c.before, c.bot);
  // Union-find over "wants the number that bot holds".
  const parent = new Map(moving.map((c) => [c.bot, c.bot]));
  const root = (b: string): string => {
    let r = b;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(b, r);
    return r;
  };
  for (const c of moving) {
    const from = c.after ? holder.get(c.after) : undefined;
    if (from && from !== c.bot && parent.has(from)) parent.set(root(c.bot), root(from));
  }
  const byRoot = new Map<string, NumberChange[]>();
  for (const c of moving) {
    const r = root(c.bot);
    byRoot.set(r, [...(byRoot.get(r) ?? []), c]);
  }
  return [...byRoot.values()].map((members) => {
    const released = new Set(members.flatMap((m) => (m.before ? [m.before] : [])));
    const claimed = new Set(members.flatMap((m) => (m.after ? [m.after] : [])));
    const cycle =
      members.length > 1 &&
      members.every((m) => m.before && m.after) &&
      [...claimed].every((n) => released.has(n)) &&
      released.size === claimed.size;
    const kind = members.length === 1 ? "single" : cycle ? (members.length === 2 ? "swap" : "rotation") : "chain";
    const releases = members.flatMap((m) => (m.before ? [{ bot: m.bot, phoneNumber: m.before }] : []));
    const claims = members.flatMap((m) => (m.after ? [{ bot: m.bot, phoneNumber: m.after }] : []));
    const step = (k: OrderedStep["kind"]) => (s: MoveStep) => ({ kind: k, ...s });
    const phases = cycle
      ? [releases.map(step("release")), claims.map(step("claim"))]
      : fromFreeEnd(members).flatMap((m) => [
          ...(m.after ? [[{ kind: "claim" as const, bot: m.bot, phoneNumber: m.after }]] : []),
          ...(m.before ? [[{ kind: "release" as const, bot: m.bot, phoneNumber: m.before }]] : []),
        ]);
    return {
      kind,
      cycle,
      members: members.map((m) => m.bot),
      releases,
      claims,
      phases,
      waitsFor: members.filter((m) => m.newAccount && m.after).map((m) => m.bot),
      handoffs: members.flatMap((m) => {
        const from = m.after ? holder.get(m.after) : undefined;
        return from && from !== m.bot ? [{ phoneNumber: m.after!, from, to: m.bot }] : [];
      }),
    };
  });
}

/**
 * A chain's members from its free end: first the member whose new number no member gives up (or
 * that ends with none), then the member that wants the number it gives up, and so on.
 */
function fromFreeEnd(members: NumberChange[]): NumberChange[] {
  const released = new Set(members.flatMap((m) => (m.before ? [m.before] : [])));
  const wanting = new Map(members.flatMap((m) => (m.after ? [[m.after, m] as const] : [])));
  const ordered: NumberChange[] = [];
  let m = members.find((x) => !x.after || !released.has(x.after));
  while (m && !ordered.includes(m)) {
    ordered.push(m);
    m = m.before ? wanting.get(m.before) : undefined;
  }
  // Not a single path (not expected): the rest in their own order.
  return [...ordered, ...members.filter((x) => !ordered.includes(x))];
}
