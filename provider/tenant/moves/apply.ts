/**
 * Running a plan in the tenant: its phases in order (plan.ts: a chain claims before it releases, a
 * cycle releases together, then claims together); when a step fails, what was done is undone,
 * newest first — the claims given up, the released numbers taken back — so each account holds a
 * number it held before (or none, said so, when taking it back fails too).
 */
import { asTenantError, type TenantError } from "../../errors";
import { progress } from "../../log";
import type { NumberAssignment } from "../model";
import { isAlreadyAssigned, rolledBackErrors, stepText, takenMeanwhile } from "./messages";
import type { AccountNames } from "./names";
import { describeMembers, rollbackOf, type Member, type Step, type Steps } from "./plan";
import type { MoveOps, MoveOutcome } from "./types";

/** The records each claim returned (by number), so outcomes need not read them again. */
type Records = Map<string, NumberAssignment | undefined>;

/** Runs one plan's steps for the member whose update asked (`label` names it in progress lines). */
export class PlanRun {
  private readonly records: Records = new Map();
  private readonly name = (instanceId: string): string => this.names.label(instanceId);

  constructor(
    private readonly ops: MoveOps,
    private readonly names: AccountNames,
    private readonly label: string,
  ) {}

  /** Runs the steps; on a failure rolls back. Returns each member's outcome. */
  async run(members: Member[], steps: Steps): Promise<Map<Member, MoveOutcome>> {
    const plan = describeMembers(members, this.name);
    if (members.length > 1) progress(this.label, `moving numbers as one plan: ${plan}`);
    const { done, failed: raw } = await this.phases(steps);
    if (!raw) return this.succeeded(members);
    const failed = await this.holderNamed(raw);
    const lost = await this.rollBack(done);
    const released = new Set(
      done
        .flat()
        .filter((s) => s.kind === "release")
        .map((s) => s.instanceId),
    );
    const errors = rolledBackErrors({ members, failed, released, lost, plan, name: this.name });
    const outcomes = new Map<Member, MoveOutcome>();
    for (const m of members) {
      const holds = lost.has(m.instanceId) || !m.from ? "none" : "previous";
      const record = holds === "previous" ? await this.ops.get(m.from!.phoneNumber).catch(() => undefined) : undefined;
      outcomes.set(m, { ok: false, error: errors.get(m)!, holds, record });
    }
    return outcomes;
  }

  /** Runs phase after phase (the steps of one phase together); stops after the phase where a step failed. */
  private async phases(phases: Steps): Promise<{ done: Steps; failed?: { step: Step; error: TenantError } }> {
    const done: Steps = [];
    let failed: { step: Step; error: TenantError } | undefined;
    for (const phase of phases) {
      const results = await Promise.allSettled(phase.map((s) => this.apply(s)));
      done.push(phase.filter((_s, i) => results[i]!.status === "fulfilled"));
      results.forEach((r, i) => {
        if (r.status === "rejected")
          failed ??= { step: phase[i]!, error: asTenantError(r.reason, stepText(phase[i]!, this.name), this.label) };
      });
      if (failed) break;
    }
    return { done, failed };
  }

  /** A claim the tenant refused as already assigned (its text names no one): the holder, by UPN and display name. */
  private async holderNamed(failed: { step: Step; error: TenantError }): Promise<{ step: Step; error: TenantError }> {
    const { step, error } = failed;
    if (step.kind !== "claim" || !isAlreadyAssigned(error)) return failed;
    const holder = (await this.ops.get(step.phoneNumber).catch(() => undefined))?.assignmentTargetId;
    if (!holder || holder.toLowerCase() === step.instanceId.toLowerCase()) return failed;
    return { step, error: takenMeanwhile(error, step.phoneNumber, await this.names.resolve(holder, true)) };
  }

  /** Every member ends as planned: its record (from the claim, else read). */
  private async succeeded(members: Member[]): Promise<Map<Member, MoveOutcome>> {
    const outcomes = new Map<Member, MoveOutcome>();
    for (const m of members) {
      const record = m.to ? (this.records.get(m.to.phoneNumber) ?? (await this.ops.get(m.to.phoneNumber))) : undefined;
      outcomes.set(m, { ok: true, record });
    }
    return outcomes;
  }

  /** Undoes `done`, newest first: claims given up, releases taken back. Returns who lost their number, with why. */
  private async rollBack(done: Steps): Promise<Map<string, string>> {
    const lost = new Map<string, string>();
    for (const phase of rollbackOf(done)) {
      const results = await Promise.allSettled(phase.map((s) => this.apply(s)));
      results.forEach((r, i) => {
        const s = phase[i]!;
        if (r.status === "rejected") {
          const e = asTenantError(r.reason, stepText(s, this.name), this.label);
          progress(this.label, `rolling back: ${stepText(s, this.name)} failed: ${e.reason}`);
          if (s.kind === "claim") lost.set(s.instanceId, e.reason);
        }
      });
    }
    return lost;
  }

  /** One step in the tenant (settled on the number's record). */
  private async apply(s: Step): Promise<void> {
    const label = `${s.phoneNumber} on ${this.name(s.instanceId)}`;
    if (s.kind === "release") {
      await this.ops.unassign(
        { instanceId: s.instanceId, phoneNumber: s.phoneNumber, numberType: s.numberType },
        label,
      );
      this.records.delete(s.phoneNumber);
    } else {
      this.records.set(s.phoneNumber, await this.ops.assign({ ...s }, label));
    }
  }
}
