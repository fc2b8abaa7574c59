/**
 * Number moves as one plan, inside the provider process. Pulumi runs every dynamic resource of a
 * stack in ONE provider process and calls it concurrently for independent updates, so this is
 * where the moves of one `pulumi up` meet:
 * - the stack's NumberPlan resource (stacks/program.ts) declares, before any number changes, which
 *   account should end with which number and which accounts the stack removes (`declareStack`);
 *   each BotPhoneNumber's diff announces its own move (`announce`), for programs without a plan;
 * - a BotPhoneNumber create or update asks for its move (`move`). The holder of the number it
 *   wants is looked up: free, or giving it up in this run (declared, announced, or removed by the
 *   stack), or not — then it fails at once, naming the holder by UPN and display name (without a
 *   declared plan it waits a bounded time for the holder to release or announce). The moves that
 *   belong together (move-plan.ts) run as one plan: every release, then every claim; when a step
 *   fails, every step done is undone so each account holds a number it held before.
 * - the first update of a plan runs it for all its members; a member's own update, arriving later
 *   (or waiting behind `--parallel`), gets the outcome. Only accounts already holding a number
 *   are moved on another's behalf (they are licensed); a new account's claim waits for its own create.
 */
import { asTenantError, during, TenantError } from "../errors";
import { fromWireEnum, NUMBER_TYPES, type NumberType } from "../formats";
import { progress } from "../log";
import { critical } from "../process-guard";
import { sleep } from "../retry";
import type { NumberAssignment } from "./model";
import {
  chainFrom,
  describeMembers,
  rollbackOf,
  stepsOf,
  type Member,
  type NumberRef,
  type NumberState,
  type PlanView,
  type Step,
  type Target,
} from "./move-plan";

/** What the coordinator needs from the number service (Graph or PowerShell, retries and settling included). */
export interface MoveOps {
  /** The tenant's record of the number, or undefined. */
  get(phoneNumber: string): Promise<NumberAssignment | undefined>;
  /** Assigns with the location (none = none: a location the number kept is cleared) and waits until the record shows it. */
  assign(request: Target & { instanceId: string }, label: string): Promise<NumberAssignment | undefined>;
  /** Unassigns and waits until the record shows it. */
  unassign(request: NumberRef & { instanceId: string }, label: string): Promise<void>;
  /** UPN and display name of an account (Graph user by id), or undefined when it cannot be read. */
  account(instanceId: string): Promise<{ userPrincipalName: string; displayName: string | null } | undefined>;
}

/** Waiting knobs, read at each move. */
export interface MoveTuning {
  /** Without a declared plan: how long a holder that is not known to move may take to release. */
  numberReleaseWaitMs: number;
  pollIntervalMs: number;
}

/** One bot of the stack as its NumberPlan declares it. */
export interface DeclaredBot {
  instanceId: string;
  userPrincipalName: string;
  displayName?: string;
  target?: Target;
}

/** What a stack's NumberPlan declares for this run. */
export interface DeclaredStack {
  bots: DeclaredBot[];
  /** Accounts the stack had and removes in this run (or removed before): their numbers may be taken. */
  removed: { instanceId: string; userPrincipalName: string }[];
  /** Accounts the stack no longer declares but protects (their delete will be refused): numbers kept. */
  kept?: { instanceId: string; userPrincipalName: string }[];
}

/** One account's move as its BotPhoneNumber asks for it. */
export interface MoveRequest {
  instanceId: string;
  /** What the account held (the recorded outputs); undefined for a create. */
  from?: NumberRef & { locationId?: string | null };
  to: Target;
  /** Resource label for progress lines. */
  label: string;
}

/** How a move ended for one account. */
export type MoveOutcome =
  | { ok: true; record: NumberAssignment | undefined }
  /**
   * `holds`: after the roll-back the account holds its previous number (`previous`, its record in
   * `record`) or none (`none`).
   */
  | { ok: false; error: TenantError; holds: "previous" | "none"; record?: NumberAssignment };

/**
 * What this provider process knows of the run: the declared stack and the announced moves. One
 * per process (all number resources of a stack share it), whatever tenant settings are in use.
 */
export class MoveRegistry {
  declared: Map<string, DeclaredBot> | undefined;
  removed = new Map<string, string>();
  kept = new Map<string, string>();
  announced = new Map<string, { to?: Target }>();

  declareStack(stack: DeclaredStack): void {
    this.declared = new Map(stack.bots.map((b) => [b.instanceId.toLowerCase(), b]));
    this.removed = new Map(stack.removed.map((r) => [r.instanceId.toLowerCase(), r.userPrincipalName]));
    this.kept = new Map((stack.kept ?? []).map((r) => [r.instanceId.toLowerCase(), r.userPrincipalName]));
  }

  announce(instanceId: string, to: Target | undefined): void {
    this.announced.set(instanceId.toLowerCase(), { to });
  }

  wantOf(instanceId: string): { to?: Target } | undefined {
    const id = instanceId.toLowerCase();
    const announced = this.announced.get(id);
    if (announced) return announced;
    const bot = this.declared?.get(id);
    return bot ? { to: bot.target } : undefined;
  }

  nameOf(instanceId: string): string | undefined {
    const id = instanceId.toLowerCase();
    return this.declared?.get(id)?.userPrincipalName ?? this.removed.get(id);
  }

  reset(): void {
    this.declared = undefined;
    this.removed.clear();
    this.kept.clear();
    this.announced.clear();
  }
}

/** The registry of this provider process. */
export const moveRegistry = new MoveRegistry();

/** A BotPhoneNumber's diff: this account moves to `to` (undefined: gives its number up) in this run. */
export function announceMove(instanceId: string, to: Target | undefined): void {
  moveRegistry.announce(instanceId, to);
}

/** The stack's NumberPlan: who should end with which number, and which accounts the stack removes. */
export function declareStack(stack: DeclaredStack): void {
  moveRegistry.declareStack(stack);
}

/** Forgets declarations and announcements (tests). */
export function resetMoves(): void {
  moveRegistry.reset();
}

const keyOf = (instanceId: string, to: Target | undefined): string =>
  `${instanceId.toLowerCase()}>${to?.phoneNumber ?? ""}`;

/** Runs moves as plans for one tenant. */
export class NumberMoves {
  /** Plans running now, by member account. */
  private readonly running = new Map<string, Promise<void>>();
  /** Outcomes of members moved by another member's update, until their own update asks. */
  private readonly outcomes = new Map<string, MoveOutcome>();
  /** Bumped when a plan ends: a plan built on reads taken before then is built again. */
  private generation = 0;
  private readonly names = new Map<string, string>();

  constructor(
    private readonly ops: MoveOps,
    private readonly tuning: () => MoveTuning,
    private readonly registry: MoveRegistry = moveRegistry,
  ) {}

  /** Moves one account to `request.to`, with every move that must happen together with it. */
  async move(request: MoveRequest): Promise<MoveOutcome> {
    const id = request.instanceId.toLowerCase();
    const start = { instanceId: id, from: request.from, to: request.to };
    const key = keyOf(id, request.to);
    const waitUntil = Date.now() + this.tuning().numberReleaseWaitMs;
    let announcedWait = false;
    for (;;) {
      const busy = this.running.get(id);
      if (busy) {
        await busy;
        continue;
      }
      const done = this.take(key);
      if (done) return done;
      const generation = this.generation;
      const states = new Map<string, NumberState>();
      const records = new Map<string, NumberAssignment | undefined>();
      const view: PlanView = {
        numberState: (n) => states.get(n),
        wantOf: (i) => this.registry.wantOf(i),
        removed: (i) => this.registry.removed.has(i.toLowerCase()),
      };
      const read = async (n: string): Promise<void> => {
        const record = await during(`looking up ${n}`, request.label, () => this.ops.get(n));
        records.set(n, record);
        states.set(n, {
          holder: record?.assignmentTargetId?.toLowerCase() ?? null,
          numberType: normaliseType(record?.numberType) ?? "CallingPlan",
          locationId: record?.locationId ?? null,
        });
      };
      let chain = chainFrom(start, view);
      while (chain.kind === "need") {
        await read(chain.phoneNumber);
        chain = chainFrom(start, view);
      }
      if (chain.kind === "blocked") {
        // Without a declared plan the holder may still announce (its diff comes later) or release.
        if (!this.registry.declared && Date.now() < waitUntil) {
          if (!announcedWait) {
            progress(
              request.label,
              `waiting for ${chain.phoneNumber} to be released by ${await this.name(chain.holder)} (another resource in this update may be moving it)`,
            );
            announcedWait = true;
          }
          await sleep(Math.min(this.tuning().pollIntervalMs, Math.max(0, waitUntil - Date.now())));
          continue;
        }
        throw await this.blocked(chain, request);
      }
      const members = chain.members;
      // What each member holds now decides what it releases.
      for (const m of members) if (m.from && !states.has(m.from.phoneNumber)) await read(m.from.phoneNumber);
      // Check every wanted number before anything is touched; name the members for messages.
      for (const m of members) if (m.to) await this.checkTarget(m, records.get(m.to.phoneNumber), request);
      for (const m of members) await this.name(m.instanceId);
      // A member is in another plan: wait for it, then look again (its outcome may be ours).
      const other = members.map((m) => this.running.get(m.instanceId)).find((p) => p !== undefined);
      if (other) {
        await other;
        continue;
      }
      // A plan ended while we read: what we read may be stale, read again.
      if (generation !== this.generation) continue;
      const steps = stepsOf(members, view);
      let finish!: () => void;
      const ran = new Promise<void>((resolve) => (finish = resolve));
      for (const m of members) this.running.set(m.instanceId, ran);
      try {
        // Once the first number is released the plan runs to its end (claims or roll-back), even if the engine goes away.
        const outcomes = await critical(() => this.run(members, steps, request.label));
        for (const m of members.slice(1)) if (m.to) this.outcomes.set(keyOf(m.instanceId, m.to), outcomes.get(m)!);
        return outcomes.get(members[0]!)!;
      } finally {
        for (const m of members) this.running.delete(m.instanceId);
        this.generation++;
        finish();
      }
    }
  }

  private take(key: string): MoveOutcome | undefined {
    const o = this.outcomes.get(key);
    if (o) this.outcomes.delete(key);
    return o;
  }

  /** Runs a plan's steps; on a failure undoes what was done. Returns each member's outcome. */
  private async run(members: Member[], steps: { releases: Step[]; claims: Step[] }, label: string) {
    const plan = describeMembers(members, (i) => this.label(i));
    if (members.length > 1) progress(label, `moving numbers as one plan: ${plan}`);
    const done: Step[] = [];
    const records = new Map<string, NumberAssignment | undefined>();
    let failed: { step: Step; error: TenantError } | undefined;
    for (const phase of [steps.releases, steps.claims]) {
      const results = await Promise.allSettled(phase.map((s) => this.apply(s, records)));
      results.forEach((r, i) => {
        if (r.status === "fulfilled") done.push(phase[i]!);
        else failed ??= { step: phase[i]!, error: asTenantError(r.reason, this.what(phase[i]!), label) };
      });
      if (failed) break;
    }
    const outcomes = new Map<Member, MoveOutcome>();
    if (!failed) {
      for (const m of members) {
        const record = m.to ? (records.get(m.to.phoneNumber) ?? (await this.ops.get(m.to.phoneNumber))) : undefined;
        outcomes.set(m, { ok: true, record });
      }
      return outcomes;
    }
    // Undo: give up what was claimed, then take back what was released.
    const undo = rollbackOf(done);
    const lost = new Map<string, string>();
    for (const phase of [undo.releases, undo.claims]) {
      const results = await Promise.allSettled(phase.map((s) => this.apply(s, records)));
      results.forEach((r, i) => {
        const s = phase[i]!;
        if (r.status === "rejected") {
          const e = asTenantError(r.reason, this.what(s), label);
          progress(label, `rolling back: ${this.what(s)} failed: ${e.reason}`);
          if (s.kind === "claim") lost.set(s.instanceId, e.reason);
        }
      });
    }
    const released = new Set(done.filter((s) => s.kind === "release").map((s) => s.instanceId));
    const cause = failed.error;
    let summary: string;
    if (members.length === 1) {
      const from = members[0]!.from?.phoneNumber;
      const again = lost.get(members[0]!.instanceId);
      summary =
        !from || !released.has(members[0]!.instanceId)
          ? ""
          : again
            ? `; assigning the previous number ${from} back also failed: ${again}`
            : `; the previous number ${from} was assigned back`;
    } else {
      const held = members
        .filter((m) => m.from)
        .map((m) => {
          const who = this.label(m.instanceId);
          if (!released.has(m.instanceId)) return `${who} keeps ${m.from!.phoneNumber}`;
          const again = lost.get(m.instanceId);
          return again
            ? `${who} has no number (assigning ${m.from!.phoneNumber} back failed: ${again})`
            : `${who} holds ${m.from!.phoneNumber} again`;
        });
      summary = `; the plan (${plan}) was rolled back: ${held.join(", ")}`;
    }
    const hint =
      lost.size > 0
        ? `The account has no number now: fix the cause and rerun \`pulumi up\`. ${cause.hint ?? ""}`.trim()
        : cause.hint;
    // The whole story once, in the failed member's error; the others say what they hold and point there.
    const failedBy = this.label(failed.step.instanceId);
    for (const m of members) {
      const own = m.instanceId === failed.step.instanceId;
      const who = this.label(m.instanceId);
      const now = !m.from
        ? "it had no number before"
        : !released.has(m.instanceId)
          ? `it keeps ${m.from.phoneNumber}`
          : lost.has(m.instanceId)
            ? `it has no number (assigning ${m.from.phoneNumber} back failed: ${lost.get(m.instanceId)})`
            : `it holds ${m.from.phoneNumber} again`;
      const error = new TenantError({
        ...cause.details(),
        operation: own ? cause.operation : `moving ${who} to ${m.to?.phoneNumber ?? "no number"}`,
        reason: own
          ? `${cause.reason}${summary}`
          : `not moved: the plan was rolled back because ${this.what(failed.step)} failed (the error of ${failedBy} has the details); ${now}`,
        hint: own ? hint : lost.has(m.instanceId) ? hint : "Fix the cause named there and rerun `pulumi up`.",
      });
      const holds = lost.has(m.instanceId) || !m.from ? "none" : "previous";
      const record = holds === "previous" ? await this.ops.get(m.from!.phoneNumber).catch(() => undefined) : undefined;
      outcomes.set(m, { ok: false, error, holds, record });
    }
    return outcomes;
  }

  private async apply(s: Step, records: Map<string, NumberAssignment | undefined>): Promise<void> {
    const label = `${s.phoneNumber} on ${this.label(s.instanceId)}`;
    if (s.kind === "release") {
      await this.ops.unassign(
        { instanceId: s.instanceId, phoneNumber: s.phoneNumber, numberType: s.numberType },
        label,
      );
      records.delete(s.phoneNumber);
    } else {
      records.set(s.phoneNumber, await this.ops.assign({ ...s }, label));
    }
  }

  private what(s: Step): string {
    return s.kind === "release"
      ? `unassigning number ${s.phoneNumber} from ${this.label(s.instanceId)}`
      : `assigning number ${s.phoneNumber} to ${this.label(s.instanceId)}`;
  }

  /** The wanted number exists, with the type the member declared. */
  private async checkTarget(m: Member, record: NumberAssignment | undefined, request: MoveRequest): Promise<void> {
    const to = m.to!;
    const operation = `assigning number ${to.phoneNumber} to ${await this.name(m.instanceId)}`;
    if (!record && to.numberType === "DirectRouting") {
      progress(
        request.label,
        `${to.phoneNumber} is not in the number inventory yet: Direct Routing numbers enter it when assigned`,
      );
      return;
    }
    if (!record) {
      throw new TenantError({
        operation,
        resource: request.label,
        code: "NumberNotFound",
        reason: `the tenant has no number ${to.phoneNumber}`,
        hint: "Acquire or port the number first (Teams admin center > Voice > Phone numbers), or fix phoneNumber.",
      });
    }
    const type = normaliseType(record.numberType);
    if (type && type !== to.numberType) {
      throw new TenantError({
        operation,
        resource: request.label,
        code: "NumberTypeMismatch",
        reason: `${to.phoneNumber} is a ${type} number, not ${to.numberType}`,
        hint: `Set numberType to ${type}.`,
      });
    }
  }

  /** The error for a number held by an account that is not giving it up in this run. */
  private async blocked(
    chain: { phoneNumber: string; holder: string; wantedBy: string; holderKeeps: boolean },
    request: MoveRequest,
  ): Promise<TenantError> {
    const holder = await this.name(chain.holder, true);
    const wantedBy = await this.name(chain.wantedBy);
    const waited = !this.registry.declared && this.tuning().numberReleaseWaitMs > 0;
    if (this.registry.kept.has(chain.holder.toLowerCase()))
      return new TenantError({
        operation: `assigning number ${chain.phoneNumber} to ${wantedBy}`,
        resource: request.label,
        code: "NumberAssignedElsewhere",
        reason: `${chain.phoneNumber} is assigned to ${holder}, a bot this stack no longer declares but still protects, so it keeps its number`,
        hint: "Remove a bot in two steps (README: Removing bots): set teams-bot-numbers:protect to false and run `pulumi up`, then remove it; its number can then go to another bot in the same run.",
      });
    return new TenantError({
      operation: `assigning number ${chain.phoneNumber} to ${wantedBy}`,
      resource: request.label,
      code: "NumberAssignedElsewhere",
      reason: chain.holderKeeps
        ? `${chain.phoneNumber} is assigned to ${holder}, which this stack also declares with that number`
        : `${chain.phoneNumber} is assigned to ${holder}, which is not giving it up in this update${waited ? " (waited for it to be released)" : ""}`,
      hint: chain.holderKeeps
        ? "A number can be on one account only: declare it on one bot."
        : "Unassign it from that account first (Teams admin center > Voice > Phone numbers), or choose another number.",
    });
  }

  /** A readable name: the declared UPN, else the Graph user's UPN (with the display name when `full`). */
  private async name(instanceId: string, full = false): Promise<string> {
    const id = instanceId.toLowerCase();
    const cached = this.names.get(id + (full ? "+" : ""));
    if (cached) return cached;
    const declared = this.registry.nameOf(id);
    let text = declared ?? id;
    if (full || !declared) {
      const account = await this.ops.account(id).catch(() => undefined);
      if (account)
        text =
          full && account.displayName
            ? `${account.userPrincipalName} (${account.displayName})`
            : account.userPrincipalName;
    }
    this.names.set(id + (full ? "+" : ""), text);
    if (!full) this.names.set(id, text);
    return text;
  }

  /** Synchronous name for plan descriptions (names resolved while planning, else declared, else id). */
  private label(instanceId: string): string {
    const id = instanceId.toLowerCase();
    return this.names.get(id) ?? this.registry.nameOf(id) ?? id;
  }
}

/** "callingPlan" / "CallingPlan" → "CallingPlan"; undefined for anything else. */
function normaliseType(t: string | undefined | null): NumberType | undefined {
  const v = fromWireEnum(t ?? "");
  return (NUMBER_TYPES as readonly string[]).includes(v) ? (v as NumberType) : undefined;
}
