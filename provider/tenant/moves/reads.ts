/**
 * What one attempt at planning reads of the tenant: the number's record and state for each number
 * the chain of holders passes through, and the view the pure planner (plan.ts) asks.
 */
import { during } from "../../errors";
import type { NumberAssignment } from "../model";
import { numberTypeOf } from "./messages";
import type { AccountNames } from "./names";
import { chainFrom, type Chain, type Member, type NumberState, type PlanView } from "./plan";
import type { MoveRegistry } from "./registry";
import type { MoveOps } from "./types";

/** A chain that needs no more reads: the plan, or the holder that blocks it. */
export type ReadChain = Exclude<Chain, { kind: "need" }>;

/** Number records read for one plan (each number read once). */
export class PlanReads {
  readonly records = new Map<string, NumberAssignment | undefined>();
  private readonly states = new Map<string, NumberState>();
  /** What the planner sees: the numbers read so far and the run's declared or announced moves. */
  readonly view: PlanView;

  constructor(
    private readonly ops: MoveOps,
    private readonly registry: MoveRegistry,
    private readonly names: AccountNames,
    private readonly label: string,
  ) {
    this.view = {
      numberState: (n) => this.states.get(n),
      wantOf: (i) => registry.wantOf(i),
      removed: (i) => registry.isRemoved(i),
    };
  }

  /** Takes a record read elsewhere (no plan ended since) as this attempt's. */
  remember(phoneNumber: string, record: NumberAssignment | undefined): void {
    this.records.set(phoneNumber, record);
    this.states.set(phoneNumber, {
      holder: record?.assignmentTargetId?.toLowerCase() ?? null,
      numberType: numberTypeOf(record?.numberType) ?? "CallingPlan",
      locationId: record?.locationId ?? null,
    });
  }

  /**
   * Follows the chain of holders from `start`, reading each number it reaches, and each holder's
   * UPN the first time the plan must be asked about it (the plan names bots by UPN).
   */
  async chain(start: Omit<Member, "reason">): Promise<ReadChain> {
    for (;;) {
      const chain = chainFrom(start, this.view);
      if (chain.kind === "need") await this.read(chain.phoneNumber);
      else if (chain.kind !== "blocked" || !(await this.learn(chain.holder))) return chain;
    }
  }

  /** Reads the holder's UPN for the plan; true when it was not known before (ask again). */
  private async learn(holder: string): Promise<boolean> {
    if (!this.registry.hasPlan() || this.registry.knows(holder)) return false;
    const facts = await this.names.facts(holder);
    this.registry.learn(holder, facts?.userPrincipalName ?? null);
    return true;
  }

  /** Reads what each member holds now (it decides what it releases). */
  async held(members: Member[]): Promise<void> {
    for (const m of members) if (m.from && !this.states.has(m.from.phoneNumber)) await this.read(m.from.phoneNumber);
  }

  private async read(phoneNumber: string): Promise<void> {
    const record = await during(`looking up ${phoneNumber}`, this.label, () => this.ops.get(phoneNumber));
    this.remember(phoneNumber, record);
  }
}
