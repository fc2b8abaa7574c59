/**
 * The move coordinator of one tenant: a BotPhoneNumber create or update asks for its move
 * (`move`). The holder of the number it wants is looked up: free, or giving it up in this run
 * (registry.ts: declared, announced, or removed by the stack), or not — then the move fails at once
 * naming the holder by UPN and display name (without a declared plan it first waits a bounded
 * time for the holder to release or announce). The moves that belong together (plan.ts) run as
 * one plan (apply.ts): a chain claims before it releases, a cycle releases together and then
 * claims (plan.ts); when a step fails every step done is undone. The first update of a plan runs
 * it for all its members; a member's own update, arriving later (or waiting behind `--parallel`),
 * gets the outcome. Only accounts already holding a number are moved on another's behalf (they
 * are licensed); a new account's claim waits for its own create.
 *
 * One move, step by step: wait while the account is in a running plan → take an outcome a plan
 * left for it → plan (read along the chain of holders, order the steps, check every wanted number
 * before anything is touched: checks.ts) → unless a member is in another plan or a plan ended
 * meanwhile, run as one (registered without an await between the check and the registration, so
 * two moves never plan for the same member at once).
 */
import { during } from "../../errors";
import { progress } from "../../log";
import { critical } from "../../process-guard";
import { sleep } from "../../retry";
import { PlanRun } from "./apply";
import { checkTargets } from "./checks";
import { assignedElsewhere } from "./messages";
import { AccountNames } from "./names";
import { stepsOf, type Member, type Steps, type Target } from "./plan";
import { PlanReads, type ReadChain } from "./reads";
import { moveRegistry, type MoveRegistry } from "./registry";
import type { MoveOps, MoveOutcome, MoveRequest, MoveTuning, SeenNumber } from "./types";

/** The key of an outcome left for a member: its account and the number it wants. */
const keyOf = (instanceId: string, to: Target | undefined): string =>
  `${instanceId.toLowerCase()}>${to?.phoneNumber ?? ""}`;

/** How long a move may wait for a holder to release (without a declared plan), and whether it said so. */
interface ReleaseWait {
  untilMs: number;
  announced: boolean;
}

/** Runs moves as plans for one tenant. */
export class NumberMoves {
  /** Plans running now, by member account. */
  private readonly running = new Map<string, Promise<void>>();
  /** Outcomes of members moved by another member's update, until their own update asks. */
  private readonly outcomes = new Map<string, MoveOutcome>();
  /** Bumped when a plan ends: a plan built on reads taken before then is built again. */
  private generation = 0;
  private readonly names: AccountNames;

  constructor(
    private readonly ops: MoveOps,
    private readonly tuning: () => MoveTuning,
    private readonly registry: MoveRegistry = moveRegistry,
  ) {
    this.names = new AccountNames(ops.account, registry);
  }

  /** Reads a number for a caller that decides on it first; hand it to `move` as `seen` so it is not read again. */
  async read(phoneNumber: string, label: string): Promise<SeenNumber> {
    const generation = this.generation;
    const record = await during(`looking up ${phoneNumber}`, label, () => this.ops.get(phoneNumber));
    return { phoneNumber, record, generation };
  }

  /** Moves one account to `request.to`, with every move that must happen together with it. */
  async move(request: MoveRequest): Promise<MoveOutcome> {
    const id = request.instanceId.toLowerCase();
    const start = { instanceId: id, from: request.from, to: request.to };
    const wait: ReleaseWait = { untilMs: Date.now() + this.tuning().numberReleaseWaitMs, announced: false };
    let seen = request.seen;
    for (;;) {
      const busy = this.running.get(id);
      if (busy) {
        await busy;
        continue;
      }
      const left = this.outcomes.get(keyOf(id, request.to));
      if (left) {
        this.outcomes.delete(keyOf(id, request.to));
        return left;
      }
      const generation = this.generation;
      const planned = await this.plan(
        start,
        request.label,
        wait,
        seen && { ...seen, fresh: seen.generation === generation },
      );
      seen = undefined;
      if (planned === "again") continue;
      // From here until the plan is registered as running nothing awaits, so no other move plans
      // for these members meanwhile. A member already in another plan: wait, then look again (its
      // outcome may be ours). A plan ended while we read: what we read may be stale, read again.
      const other = planned.members.map((m) => this.running.get(m.instanceId)).find((p) => p !== undefined);
      if (other) {
        await other;
        continue;
      }
      if (generation !== this.generation) continue;
      return this.runAsOne(planned.members, planned.steps, request.label);
    }
  }

  /**
   * Plans the move with every move it depends on, checking the wanted numbers before anything is
   * touched; `seen` is taken as read when `fresh` (no plan ended since it was read). "again": look
   * again (a holder may still release).
   */
  private async plan(
    start: Omit<Member, "reason">,
    label: string,
    wait: ReleaseWait,
    seen: (SeenNumber & { fresh: boolean }) | undefined,
  ): Promise<{ members: Member[]; steps: Steps } | "again"> {
    const reads = new PlanReads(this.ops, this.registry, this.names, label);
    if (seen?.fresh) reads.remember(seen.phoneNumber, seen.record);
    const chain = await reads.chain(start);
    if (chain.kind === "blocked") {
      if (await this.waitForRelease(chain, label, wait)) return "again";
      throw await this.blocked(chain, label);
    }
    const members = chain.members;
    await reads.held(members);
    const steps = stepsOf(members, reads.view);
    await checkTargets(members, steps, { records: reads.records, ops: this.ops, names: this.names, label });
    for (const m of members) await this.names.resolve(m.instanceId);
    return { members, steps };
  }

  /** Runs a plan as one, to its end even if the engine goes away (a critical section); leaves the other members their outcomes. */
  private async runAsOne(members: Member[], steps: Steps, label: string): Promise<MoveOutcome> {
    let finish!: () => void;
    const ran = new Promise<void>((resolve) => (finish = resolve));
    for (const m of members) this.running.set(m.instanceId, ran);
    try {
      // Once the first number is released the plan runs to its end (claims or roll-back), even if the engine goes away.
      const outcomes = await critical(() => new PlanRun(this.ops, this.names, label).run(members, steps));
      for (const m of members.slice(1)) if (m.to) this.outcomes.set(keyOf(m.instanceId, m.to), outcomes.get(m)!);
      return outcomes.get(members[0]!)!;
    } finally {
      for (const m of members) this.running.delete(m.instanceId);
      this.generation++;
      finish();
    }
  }

  /** Without a declared plan the holder may still announce (its diff comes later) or release: true to look again. */
  private async waitForRelease(
    chain: Extract<ReadChain, { kind: "blocked" }>,
    label: string,
    wait: ReleaseWait,
  ): Promise<boolean> {
    if (this.registry.hasPlan() || Date.now() >= wait.untilMs) return false;
    if (!wait.announced) {
      progress(
        label,
        `waiting for ${chain.phoneNumber} to be released by ${await this.names.resolve(chain.holder)} (another resource in this update may be moving it)`,
      );
      wait.announced = true;
    }
    await sleep(Math.min(this.tuning().pollIntervalMs, Math.max(0, wait.untilMs - Date.now())));
    return true;
  }

  /** The error for a number held by an account that is not giving it up in this run. */
  private async blocked(chain: Extract<ReadChain, { kind: "blocked" }>, label: string) {
    const holder = await this.names.resolve(chain.holder, true);
    const wantedBy = await this.names.resolve(chain.wantedBy);
    const waited = !this.registry.hasPlan() && this.tuning().numberReleaseWaitMs > 0;
    return assignedElsewhere(
      { operation: `assigning number ${chain.phoneNumber} to ${wantedBy}`, resource: label },
      {
        phoneNumber: chain.phoneNumber,
        holder,
        holderKeeps: chain.holderKeeps,
        waited,
        protectedHolder: this.registry.isKept(chain.holder),
      },
    );
  }
}
