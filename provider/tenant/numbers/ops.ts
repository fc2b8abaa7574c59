/**
 * The number operations the numbers service and the move coordinator are built on, through Graph
 * (default) or the Teams cmdlets (numberAssignment "powershell"): lookup, assign / unassign
 * repeated after an unclear end and waited for on the number's record, the emergency location.
 *
 * Direct Routing numbers enter the tenant's inventory when assigned (or uploaded) and may leave it
 * when unassigned: one the inventory does not list is assignable, and absent means unassigned.
 * Teams lags behind Entra: an assignment it refuses for a licence Graph already shows provisioned
 * is retried (bounded by numberLicenceLagWaitMs).
 */
import { waitFor } from "../../consistency";
import { during } from "../../errors";
import { progress } from "../../log";
import { backoffMs, retryUntilKnown, waitOutLag } from "../../retry";
import type { Tuning } from "../../tuning";
import type { AssignmentBlock, NumberAssignment, NumberOnAccount } from "../model";
import type { TeamsCmdlets } from "../powershell/index";

/** Operations on phone numbers of the tenant. */
export interface NumberOps {
  /** The tenant's record of the number, or undefined. */
  get(phoneNumber: string): Promise<NumberAssignment | undefined>;
  /** Assigns (unclear ends checked and repeated) and waits until the record shows it. */
  assign(request: NumberOnAccount, label: string): Promise<NumberAssignment | undefined>;
  /** Unassigns (unclear ends checked and repeated); `settle` also waits until the record shows it. */
  unassign(request: NumberOnAccount, label: string, settle?: boolean): Promise<void>;
  /** Sets (or clears, null) the emergency location. */
  setLocation(phoneNumber: string, locationId: string | null): Promise<void>;
  /**
   * The number's assignment block (null: none): the record's when its read tells it (the cmdlets),
   * else read through Get-CsPhoneNumberAssignment (Graph documents no such field); undefined when
   * nothing can tell.
   */
  assignmentBlock(
    phoneNumber: string,
    record: NumberAssignment | undefined,
  ): Promise<AssignmentBlock | null | undefined>;
}

/** How the numbers are reached: Graph's numberAssignments or the *-CsPhoneNumberAssignment cmdlets. */
export interface NumberTransport {
  get(phoneNumber: string): Promise<NumberAssignment | undefined>;
  assign(request: NumberOnAccount, label: string): Promise<void>;
  unassign(request: NumberOnAccount, label: string): Promise<void>;
  setLocation(phoneNumber: string, locationId: string | null): Promise<void>;
}

/** The cmdlets as a NumberTransport. */
export function cmdletNumbers(teams: TeamsCmdlets): NumberTransport {
  return {
    get: (n) => teams.getPhoneNumberAssignment(n),
    assign: (r) => teams.setPhoneNumberAssignment(r),
    unassign: (r) => teams.removePhoneNumberAssignment(r),
    setLocation: (n, l) => teams.setPhoneNumberLocation(n, l),
  };
}

/** How long the assignment may take to show on the number after the operation succeeded. */
const SETTLE_TIMEOUT_MS = 5 * 60_000;
/** Attempts of an assign / unassign whose outcome stays unknown (5xx, network failure, host crash). */
const NUMBER_CALL_ATTEMPTS = 4;

/** Number operations through one transport. */
export class TenantNumberOps implements NumberOps {
  constructor(
    private readonly transport: NumberTransport,
    /** Read at each wait: tuning comes from the environment of the moment. */
    private readonly tuning: () => Tuning,
    /** Whether the directory shows the account's voice licence provisioned (Teams may lag behind it). */
    private readonly licenceProvisioned: (instanceId: string) => Promise<boolean> = async () => false,
    /** Get-CsPhoneNumberAssignment, when the transport's reads do not show assignment blocks (Graph). */
    private readonly cmdletRead?: (phoneNumber: string) => Promise<NumberAssignment | undefined>,
  ) {}

  get(phoneNumber: string): Promise<NumberAssignment | undefined> {
    return this.transport.get(phoneNumber);
  }

  async assign(request: NumberOnAccount, label: string): Promise<NumberAssignment | undefined> {
    const what = `assigning number ${request.phoneNumber} to ${request.instanceId}`;
    const wanted = { ...request, locationId: request.locationId ?? null };
    const tuning = this.tuning();
    await during(what, label, () =>
      waitOutLag(() => this.untilKnown(request, true, what, label, () => this.transport.assign(wanted, label)), {
        condition: "licenceNotSeen",
        // Only a lag when the directory already shows the licence provisioned; otherwise fail now.
        lagging: () => this.licenceProvisioned(request.instanceId).catch(() => false),
        budgetMs: tuning.numberLicenceLagWaitMs,
        baseMs: tuning.pollIntervalMs,
        resource: label,
        what,
        why: "Teams does not see the licence yet (it lags behind Entra)",
      }),
    );
    return this.settle(request, true, label);
  }

  async unassign(request: NumberOnAccount, label: string, settle = false): Promise<void> {
    const what = `unassigning number ${request.phoneNumber} from ${request.instanceId}`;
    await during(what, label, async () => {
      try {
        await this.untilKnown(request, false, what, label, () => this.transport.unassign(request, label));
      } catch (e) {
        // Refused, but already off the account (a Direct Routing number may have left the inventory):
        // nothing to unassign. Still ours, or the lookup failed: the refusal stands.
        const seen = await this.get(request.phoneNumber).catch(() => null);
        if (seen === null || seen?.assignmentTargetId === request.instanceId) throw e;
        progress(
          label,
          `${request.phoneNumber} is ${seen ? "no longer on the account" : "no longer in the inventory"}: nothing to unassign`,
        );
      }
    });
    if (settle) await this.settle(request, false, label);
  }

  setLocation(phoneNumber: string, locationId: string | null): Promise<void> {
    return this.transport.setLocation(phoneNumber, locationId);
  }

  async assignmentBlock(
    phoneNumber: string,
    record: NumberAssignment | undefined,
  ): Promise<AssignmentBlock | null | undefined> {
    if (record?.assignmentBlock !== undefined) return record.assignmentBlock;
    if (!this.cmdletRead) return undefined;
    return (await this.cmdletRead(phoneNumber))?.assignmentBlock;
  }

  /** Runs an assign or unassign; an unclear end is checked on the number and repeated (bounded). */
  private untilKnown(
    r: NumberOnAccount,
    onAccount: boolean,
    what: string,
    label: string,
    call: () => Promise<void>,
  ): Promise<true> {
    return retryUntilKnown<true>({
      call: () => call().then(() => true as const),
      lookup: async () => {
        const seen = await this.get(r.phoneNumber).catch(() => null);
        // Absent: unassigned (a Direct Routing number leaves the inventory); null: the lookup failed.
        if (seen === undefined) return onAccount ? undefined : true;
        return seen && (seen.assignmentTargetId === r.instanceId) === onAccount ? true : undefined;
      },
      maxAttempts: NUMBER_CALL_ATTEMPTS,
      resource: label,
      done: (e) => `${what} ended with ${e.status ?? e.code}, but the tenant shows it done: continuing`,
      again: (e, next) =>
        `${what} ended with ${e.status ?? e.code} and did not happen: trying again (attempt ${next} of ${NUMBER_CALL_ATTEMPTS})`,
      pauseMs: (attempt) => backoffMs(attempt, 1_000),
    });
  }

  /** Waits until the number's record says it is (or is no longer) on the account. */
  private settle(r: NumberOnAccount, onAccount: boolean, label: string): Promise<NumberAssignment | undefined> {
    return waitFor<NumberAssignment>({
      what: `${r.phoneNumber} to show as ${onAccount ? "assigned to" : "unassigned from"} ${r.instanceId}`,
      resource: label,
      timeoutMs: SETTLE_TIMEOUT_MS,
      intervalMs: this.tuning().pollIntervalMs,
      confirmations: 1,
      check: async () => {
        const record = await this.get(r.phoneNumber);
        const ours = record?.assignmentTargetId === r.instanceId;
        const status = record
          ? `${record.assignmentStatus} to ${record.assignmentTargetId ?? "nobody"}`
          : "not in tenant";
        return { done: ours === onAccount, status, value: record };
      },
    });
  }
}
