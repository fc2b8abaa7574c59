/**
 * The numbers service: what the BotPhoneNumber resource asks for — a number on an account
 * (claimed, taken from a holder that gives it up in this run, or found there already), changed
 * (a move with every move it depends on, or just its emergency location), released — each a whole
 * change, its write need declared in NUMBER_WRITES and checked before any tenant call. Moves run
 * as one plan through the coordinator (../moves/).
 */
import { during, TenantError } from "../../errors";
import { ZERO_GUID, type NumberType } from "../../formats";
import { progress } from "../../log";
import type { NumberAssignment, TenantUser } from "../model";
import {
  moveRegistry,
  NumberMoves,
  numberTypeMismatch,
  type MoveOutcome,
  type MoveRegistry,
  type MoveTuning,
  type Target,
} from "../moves/index";
import { guardWrites, type WriteGuard, type WriteTable } from "../writes";
import type { NumberOps } from "./ops";

/** A number a resource declares on an account (`label` names the resource in messages). */
export interface NumberClaim extends Target {
  instanceId: string;
  /** Take the number over without a write when it is already on this account. */
  adopt: boolean;
  label: string;
}

/** A number change: from what is recorded (`locationId` only when it was declared) to the declaration. */
export interface NumberChange {
  instanceId: string;
  from: { phoneNumber: string; numberType: NumberType; locationId?: string };
  to: Target;
  label: string;
}

/** The changes of the numbers service. */
export interface NumberWrites {
  /**
   * The number on the account: checked first (in the tenant, of the declared type); a number on
   * another account is taken only when that account gives it up in this run (a swap, a rotation,
   * a bot the stack removes), else refused at once naming the holder. One already on the account
   * is recorded (what an interrupted run leaves) and its declared location set; with `adopt`
   * nothing is written and a differing location is refused. Resolves to the number's record.
   */
  claim(request: NumberClaim): Promise<NumberAssignment | undefined>;
  /**
   * Another number or type: a move (release the old, claim the new, with every move of this run it
   * depends on; rolled back as a whole when a step fails). Only the location: set (or cleared, when
   * a declared one was removed), no unassign.
   */
  change(request: NumberChange): Promise<MoveOutcome>;
  /** Unassigns the number when it is still on the account (one that moved elsewhere is left alone). */
  release(request: { instanceId: string; phoneNumber: string; numberType?: NumberType; label: string }): Promise<void>;
}

/** Phone numbers on resource accounts: the read, and the changes of NumberWrites. */
export interface Numbers extends NumberWrites {
  /** The tenant's record of the number, or undefined. */
  get(phoneNumber: string): Promise<NumberAssignment | undefined>;
}

/** What each change writes, and how a refusal names it. */
export const NUMBER_WRITES: WriteTable<NumberWrites> = {
  claim: {
    needs: ["numbers"],
    names: (r) => ({ operation: `assigning number ${r.phoneNumber} to ${r.instanceId}`, resource: r.label }),
  },
  change: {
    needs: ["numbers"],
    names: (r) => ({ operation: `changing number ${r.from.phoneNumber} of ${r.instanceId}`, resource: r.label }),
  },
  release: {
    needs: ["numbers"],
    names: (r) => ({ operation: `unassigning number ${r.phoneNumber}`, resource: r.label }),
  },
};

/** The tenant's emergency location of a number, lower case; undefined for none (null, "", the zero GUID). */
export function emergencyLocation(record: NumberAssignment | undefined): string | undefined {
  const id = record?.locationId?.toLowerCase();
  return id && id !== ZERO_GUID ? id : undefined;
}

/** What the numbers service is built with besides the operations. */
export interface NumberServiceOptions {
  /** The user behind an account id, to name holders in messages. */
  userOf: (id: string) => Promise<TenantUser | undefined>;
  tuning: () => MoveTuning;
  /** The run's declared and announced moves (the provider process's, unless a test brings its own). */
  registry?: MoveRegistry;
}

/** The numbers service over these operations; every change checked by `guard`. */
export function numberService(ops: NumberOps, guard: WriteGuard, options: NumberServiceOptions): Numbers {
  const work = new NumberWork(ops, options);
  return {
    get: (phoneNumber) => ops.get(phoneNumber),
    ...guardWrites(guard, NUMBER_WRITES, {
      claim: (r) => work.claim(r),
      change: (r) => work.change(r),
      release: (r) => work.release(r),
    }),
  };
}

/** What the service does, unguarded (only `numberService` reaches it, through the guard). */
class NumberWork {
  private readonly moves: NumberMoves;

  constructor(
    private readonly ops: NumberOps,
    options: NumberServiceOptions,
  ) {
    const account = async (id: string) => {
      const u = await options.userOf(id);
      return u
        ? { userPrincipalName: u.userPrincipalName, displayName: u.displayName, usageLocation: u.usageLocation }
        : undefined;
    };
    this.moves = new NumberMoves(
      {
        get: (n) => ops.get(n),
        assign: (r, label) => ops.assign(r, label),
        unassign: (r, label) => ops.unassign(r, label, true),
        account,
        assignmentBlock: (n, record) => ops.assignmentBlock(n, record),
      },
      options.tuning,
      options.registry ?? moveRegistry,
    );
  }

  async claim(r: NumberClaim): Promise<NumberAssignment | undefined> {
    // Read once: the move takes this record as its first look at the number.
    const seen = await this.moves.read(r.phoneNumber, r.label);
    const record = seen.record;
    const to = { phoneNumber: r.phoneNumber, numberType: r.numberType, locationId: r.locationId };
    if (record?.assignmentTargetId !== r.instanceId) {
      const moved = await this.moves.move({ instanceId: r.instanceId, to, label: r.label, seen });
      if (!moved.ok) throw moved.error;
      return moved.record;
    }
    const at = { operation: `assigning number ${r.phoneNumber} to ${r.instanceId}`, resource: r.label };
    const mismatch = numberTypeMismatch(at, to, record);
    if (mismatch) throw mismatch;
    const current = emergencyLocation(record);
    if (!r.adopt) {
      // The account is this stack's, so the number on it is too: what an interrupted run (or an admin)
      // left in place is recorded, and a declared location is set as a create would.
      progress(r.label, "already on this account (as an interrupted run leaves it): recorded");
      if (!r.locationId || r.locationId === current) return record;
      await this.setLocation(r.phoneNumber, r.locationId, r.label);
      return this.ops.get(r.phoneNumber);
    }
    // Adopting writes nothing: a declared location must already be the tenant's.
    if (r.locationId && r.locationId !== current) throw adoptMismatch(at, r.locationId, current);
    progress(r.label, "adopting the existing assignment");
    return record;
  }

  async change(r: NumberChange): Promise<MoveOutcome> {
    const { from, to, label } = r;
    if (from.phoneNumber === to.phoneNumber) {
      if (from.numberType === to.numberType && (from.locationId || null) !== (to.locationId || null))
        // A clear (null) only when the program removed a locationId it had declared.
        await this.setLocation(to.phoneNumber, to.locationId ?? null, label);
      const record = await during(`reading number ${to.phoneNumber}`, label, () => this.ops.get(to.phoneNumber));
      // Same number, another type: nothing moves; the tenant must already call it the new type.
      const at = { operation: `assigning number ${to.phoneNumber} to ${r.instanceId}`, resource: label };
      const mismatch = record && from.numberType !== to.numberType && numberTypeMismatch(at, to, record);
      if (mismatch) throw mismatch;
      return { ok: true, record };
    }
    // The move, with every move that must happen together with it (a swap, a rotation, a chain).
    const previous = { ...from, locationId: from.locationId ?? null };
    return this.moves.move({ instanceId: r.instanceId, from: previous, to, label });
  }

  async release(r: { instanceId: string; phoneNumber: string; numberType?: NumberType; label: string }) {
    const record = await during(`reading number ${r.phoneNumber}`, r.label, () => this.ops.get(r.phoneNumber));
    if (!record || record.assignmentTargetId !== r.instanceId) {
      // Unassigned already, or moved to another account: not ours to unassign.
      const now = record?.assignmentTargetId;
      progress(r.label, now ? `left alone: now assigned to ${now}` : "already unassigned");
      return;
    }
    const numberType = (r.numberType ?? record.numberType) as NumberType;
    await this.ops.unassign({ phoneNumber: r.phoneNumber, instanceId: r.instanceId, numberType }, r.label, true);
  }

  private setLocation(phoneNumber: string, locationId: string | null, label: string): Promise<void> {
    return during(`setting the emergency location of ${phoneNumber}`, label, () =>
      this.ops.setLocation(phoneNumber, locationId),
    );
  }
}

/** Adopting would have to change the number's emergency location. */
function adoptMismatch(at: { operation: string; resource: string }, declared: string, current: string | undefined) {
  return new TenantError({
    ...at,
    code: "AdoptMismatch",
    reason: `the tenant gives the number ${current ? `emergency location ${current}` : "no emergency location"}, the program declares ${declared}`,
    hint: current
      ? `Adopting changes nothing in the tenant: set locationId to ${current} (or remove it) to adopt, then change it in a later \`pulumi up\`.`
      : "Adopting changes nothing in the tenant: remove locationId to adopt, then set it in a later `pulumi up`.",
  });
}
