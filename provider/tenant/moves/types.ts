/** What the number-move coordinator speaks: its requests, outcomes, declarations and what it asks of the tenant. */
import type { TenantError } from "../../errors";
import type { AssignmentBlock, NumberAssignment } from "../model";
import type { NumberRef, Target } from "./plan";

/** What the coordinator needs from the number service (Graph or PowerShell, retries and settling included). */
export interface MoveOps {
  /** The tenant's record of the number, or undefined. */
  get(phoneNumber: string): Promise<NumberAssignment | undefined>;
  /** Assigns with the location (none = none: a location the number kept is cleared) and waits until the record shows it. */
  assign(request: Target & { instanceId: string }, label: string): Promise<NumberAssignment | undefined>;
  /** Unassigns and waits until the record shows it. */
  unassign(request: NumberRef & { instanceId: string }, label: string): Promise<void>;
  /** UPN, display name and usage location of an account (Graph user by id), or undefined when it cannot be read. */
  account(instanceId: string): Promise<AccountFacts | undefined>;
  /** The number's assignment block (null: none; undefined: nothing can tell). */
  assignmentBlock(
    phoneNumber: string,
    record: NumberAssignment | undefined,
  ): Promise<AssignmentBlock | null | undefined>;
}

/** What a move needs to know of an account. */
export interface AccountFacts {
  userPrincipalName: string;
  displayName: string | null;
  usageLocation?: string | null;
}

/** Waiting knobs, read at each move. */
export interface MoveTuning {
  /** Without a declared plan: how long a holder that is not known to move may take to release. */
  numberReleaseWaitMs: number;
  pollIntervalMs: number;
}

/** One bot of the stack as its NumberPlan declares it. */
export interface DeclaredBot {
  /** The account id when known (a removed account's, recorded by an earlier plan); else matched by UPN. */
  instanceId?: string;
  userPrincipalName: string;
  displayName?: string;
  target?: Target;
}

/** What a stack's NumberPlan declares for this run. */
export interface DeclaredStack {
  bots: DeclaredBot[];
  /** Accounts the stack had and removes in this run (or removed before): their numbers may be taken. */
  removed: { instanceId?: string; userPrincipalName: string }[];
  /** Accounts the stack no longer declares but protects (their delete will be refused): numbers kept. */
  kept?: { instanceId?: string; userPrincipalName: string }[];
}

/**
 * The tenant's record of a number as a caller read it, handed to `move` so it is not read again;
 * `generation` (the coordinator's, at the read) tells whether a plan ended since, making it stale.
 */
export interface SeenNumber {
  phoneNumber: string;
  record: NumberAssignment | undefined;
  generation: number;
}

/** One account's move as its BotPhoneNumber asks for it. */
export interface MoveRequest {
  instanceId: string;
  /** What the account held (the recorded outputs); undefined for a create. */
  from?: NumberRef & { locationId?: string | null };
  to: Target;
  /** Resource label for progress lines. */
  label: string;
  /** The record of `to.phoneNumber` the caller already read (NumberMoves.read), if any. */
  seen?: SeenNumber;
}

/** How a move ended for one account. */
export type MoveOutcome =
  | { ok: true; record: NumberAssignment | undefined }
  /**
   * `holds`: after the roll-back the account holds its previous number (`previous`, its record in
   * `record`) or none (`none`).
   */
  | { ok: false; error: TenantError; holds: "previous" | "none"; record?: NumberAssignment };
