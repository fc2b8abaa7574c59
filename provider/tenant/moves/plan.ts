/**
 * Number moves as one plan (pure: no I/O). A bot that wants a number another account holds can
 * take it only after that account gives it up; when the holder is itself moving in this run (a
 * swap, a rotation, a chain) or is being removed by the stack, the moves belong together. Given
 * what the tenant shows and what each account wants, `chainFrom` finds the moves that must happen
 * together with one account's move, `stepsOf` orders them (every release before any claim, so a
 * cycle can close), and `rollbackOf` undoes the steps that were done when one fails, so every
 * account ends holding a number it held before.
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

/** A plan's steps: every release (run together), then every claim (run together). */
export interface Steps {
  releases: Step[];
  claims: Step[];
}

/**
 * Orders a plan: each member gives up what it holds now (if the tenant still shows it there and it
 * is not the number it wants), then each member takes what it wants (unless it holds it already).
 * Releasing everything first is what lets a cycle close; in a chain it costs each member only its
 * own move's time without a number.
 */
export function stepsOf(members: Member[], view: Pick<PlanView, "numberState">): Steps {
  const releases: Step[] = [];
  const claims: Step[] = [];
  for (const m of members) {
    const from = m.from;
    if (from && from.phoneNumber !== m.to?.phoneNumber && view.numberState(from.phoneNumber)?.holder === m.instanceId)
      releases.push({ kind: "release", instanceId: m.instanceId, ...from });
    const to = m.to;
    if (to && view.numberState(to.phoneNumber)?.holder !== m.instanceId)
      claims.push({ kind: "claim", instanceId: m.instanceId, ...to });
  }
  return { releases, claims };
}

/**
 * The steps that undo what was done, in order: first give up every number claimed (so the old
 * numbers are free again; a cycle's olds are each other's news), then take every released number
 * back (with its previous emergency location).
 */
export function rollbackOf(done: Step[]): Steps {
  const releases = done
    .filter((s) => s.kind === "claim")
    .map((s): Step => ({
      kind: "release",
      instanceId: s.instanceId,
      phoneNumber: s.phoneNumber,
      numberType: s.numberType,
    }));
  const claims = done.filter((s) => s.kind === "release").map((s): Step => ({ ...s, kind: "claim" }));
  return { releases, claims };
}

/** "A: +1… → +1…, B: +1… → (none)" for messages; `name` turns an account id into a readable name. */
export function describeMembers(members: Member[], name: (instanceId: string) => string): string {
  return members
    .map((m) => `${name(m.instanceId)} ${m.from?.phoneNumber ?? "(no number)"} → ${m.to?.phoneNumber ?? "(no number)"}`)
    .join(", ");
}
