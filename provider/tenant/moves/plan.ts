/**
 * Number moves as one plan (pure: no I/O). A bot that wants a number another account holds can
 * take it only after that account gives it up; when the holder is itself moving in this run (a
 * swap, a rotation, a chain) or is being removed by the stack, the moves belong together. Given
 * what the tenant shows and what each account wants, `chainFrom` finds the moves that must happen
 * together with one account's move, `stepsOf` orders them, and `rollbackOf` undoes the steps that
 * were done when one fails, so every account ends holding a number it held before.
 *
 * The order: a chain that ends in a free number (or a removed holder) runs from its free end, each
 * member taking its new number before it gives up its old one, so no member is without a number
 * before its own claim. Only the members of a real cycle (a swap, a rotation: no number is free
 * until one is given up) give up their numbers together first, then take the new ones together.
 */
import type { NumberType } from "../../formats";

/** A number on the tenant, as a move names it. */
export interface NumberRef {
  phoneNumber: string;
  numberType: NumberType;
}

/** Where a number should end: the number, its type and its emergency location. */
export interface Target extends NumberRef {
  locationId?: string | null;
}

/** One account's part of a plan: give up `from` (what it holds now, if anything), take `to` (if anything). */
export interface Member {
  instanceId: string;
  from?: NumberRef & { locationId?: string | null };
  to?: Target;
  /** Why this account is in the plan: it asked (`start`), it declared a move, or the stack removes it. */
  reason: "start" | "moving" | "removed";
}

/** What the tenant shows of one number (read before planning). */
export interface NumberState {
  /** The account holding it, or null when it is free. */
  holder: string | null;
  numberType: NumberType;
  locationId: string | null;
}

/** What the planner may ask while it follows a chain of holders. */
export interface PlanView {
  /** The tenant's record of the number: undefined = not read yet (the planner asks for it). */
  numberState(phoneNumber: string): NumberState | undefined;
  /**
   * What an account wants at the end of this run, when it is known to be moving (declared by the
   * stack's number plan, or announced by its own update): `{ to }`, with `to` undefined when it
   * ends with no number. Undefined when nothing is known about the account.
   */
  wantOf(instanceId: string): { to?: Target } | undefined;
  /** True when the stack removes this account in this run (its number may be taken from it). */
  removed(instanceId: string): boolean;
}

/** Result of following a chain from one account's move. */
export type Chain =
  /** Read this number first, then ask again. */
  | { kind: "need"; phoneNumber: string }
  /** The moves that belong together; the asking account first. */
  | { kind: "plan"; members: Member[] }
  /** `wantedBy` wants `phoneNumber`, held by `holder`, which is not giving it up in this run. */
  | { kind: "blocked"; phoneNumber: string; holder: string; wantedBy: string; holderKeeps: boolean };

/**
 * Follows the chain of holders from `start`: the holder of the number it wants must give it up, so
 * it joins the plan with its own move; then the holder of that account's new number, and so on,
 * until a free number, a removed holder, or the chain closing into a cycle.
 */
export function chainFrom(start: Omit<Member, "reason">, view: PlanView): Chain {
  const members: Member[] = [{ ...start, reason: "start" }];
  const byId = new Map(members.map((m) => [m.instanceId, m]));
  for (let current = members[0]!; current.to;) {
    const wanted = current.to.phoneNumber;
    const state = view.numberState(wanted);
    if (!state) return { kind: "need", phoneNumber: wanted };
    const holder = state.holder;
    if (holder === null || holder === current.instanceId) break;
    const member = byId.get(holder);
    if (member) {
      // The chain closed: a member already in the plan holds it and gives it up.
      if (member.from?.phoneNumber === wanted) break;
      return { kind: "blocked", phoneNumber: wanted, holder, wantedBy: current.instanceId, holderKeeps: true };
    }
    const from = { phoneNumber: wanted, numberType: state.numberType, locationId: state.locationId };
    const want = view.wantOf(holder);
    let next: Member;
    if (want && want.to?.phoneNumber !== wanted) next = { instanceId: holder, from, to: want.to, reason: "moving" };
    else if (!want && view.removed(holder)) next = { instanceId: holder, from, reason: "removed" };
    else return { kind: "blocked", phoneNumber: wanted, holder, wantedBy: current.instanceId, holderKeeps: !!want };
    members.push(next);
    byId.set(holder, next);
    current = next;
  }
  return { kind: "plan", members };
}

/** One tenant change of a plan. */
export interface Step {
  kind: "release" | "claim";
  instanceId: string;
  phoneNumber: string;
  numberType: NumberType;
  locationId?: string | null;
}

/** A plan's steps in phases: the steps of one phase run together, the phases one after another. */
export type Steps = Step[][];

/**
 * Orders a plan (see the module comment): the cycle the chain closes into, if any, gives up every
 * number and then takes the new ones; the other members follow from the chain's end backwards,
 * each taking its new number and then giving up its old one (which the member before it takes
 * next). A member gives up what it holds now only when the tenant still shows it there and it is
 * not the number it wants; it takes what it wants unless it holds it already.
 */
export function stepsOf(members: Member[], view: Pick<PlanView, "numberState">): Steps {
  const release = (m: Member): Step[] => {
    const from = m.from;
    return from && from.phoneNumber !== m.to?.phoneNumber && view.numberState(from.phoneNumber)?.holder === m.instanceId
      ? [{ kind: "release", instanceId: m.instanceId, ...from }]
      : [];
  };
  const claim = (m: Member): Step[] =>
    m.to && view.numberState(m.to.phoneNumber)?.holder !== m.instanceId
      ? [{ kind: "claim", instanceId: m.instanceId, ...m.to }]
      : [];
  // The chain closes into a cycle when its last member wants what a member gives up.
  const wanted = members[members.length - 1]?.to?.phoneNumber;
  const closesAt = wanted === undefined ? -1 : members.findIndex((m) => m.from?.phoneNumber === wanted);
  const cycle = closesAt >= 0 ? members.slice(closesAt) : [];
  const chain = closesAt >= 0 ? members.slice(0, closesAt) : members;
  const phases: Steps = [cycle.flatMap(release), cycle.flatMap(claim)];
  for (const m of [...chain].reverse()) phases.push(claim(m), release(m));
  return phases.filter((p) => p.length > 0);
}

/**
 * The steps that undo what was done (`done`: the phases run, each with the steps that succeeded),
 * newest first: a claim is given up again, a release taken back (with its previous emergency
 * location); the steps of one phase are undone together.
 */
export function rollbackOf(done: Steps): Steps {
  return [...done]
    .reverse()
    .map((phase) =>
      phase.map((s): Step =>
        s.kind === "claim"
          ? { kind: "release", instanceId: s.instanceId, phoneNumber: s.phoneNumber, numberType: s.numberType }
          : { ...s, kind: "claim" },
      ),
    );
}

/** "A: +1… → +1…, B: +1… → (none)" for messages; `name` turns an account id into a readable name. */
export function describeMembers(members: Member[], name: (instanceId: string) => string): string {
  return members
    .map((m) => `${name(m.instanceId)} ${m.from?.phoneNumber ?? "(no number)"} → ${m.to?.phoneNumber ?? "(no number)"}`)
    .join(", ");
}
