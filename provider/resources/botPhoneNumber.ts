/**
 * BotPhoneNumber: a phone number assigned to a bot's resource account.
 *
 * create: Graph assignNumber and poll its operation, or Set-CsPhoneNumberAssignment when the
 * provider is configured with numberAssignment "powershell". A number on another account is
 * waited for (bounded: within one update another resource may be moving it away), then refused;
 * one already on this account is refused unless `adopt: true` (and the number type matches).
 * read: the number's assignment; unassigned or moved to another account reads as gone, so
 * `pulumi refresh` shows the drift (and `pulumi up` then refuses to take it back silently).
 * update: a number or type change = unassign the old, then assign the new; if the new one fails,
 * the old one is assigned back and both outcomes are reported. A locationId-only change =
 * updateNumber, no unassign. replace: instanceId (delete first: a number is held once).
 * delete: unassign (Direct Routing too); a number that moved to another account is left alone.
 */
import * as pulumi from "@pulumi/pulumi";

import { waitFor } from "../consistency";
import { during, TenantError, withPartialState } from "../errors";
import { botPhoneNumberId } from "../ids";
import { progress } from "../log";
import { backoffMs, sleep } from "../retry";
import { shim } from "../shim";
import type { AssignNumberRequest, NumberAssignment, TenantClient, UnassignNumberRequest } from "../tenant/client";
import { announceMove, NumberMoves, type MoveOutcome } from "../tenant/number-moves";
import { configureSession, tenant } from "../tenant/session";
import {
  Checker,
  normalizeBoolean,
  normalizeGuid,
  normalizeLocationId,
  normalizeNumberType,
  normalizePhoneNumber,
  type NumberType,
} from "../validate";
import { changedKeys, pollIntervalMs } from "./common";

/** Inputs of a BotPhoneNumber. */
export interface BotPhoneNumberArgs {
  /** Object id of the resource account (ApplicationInstance.objectId). */
  instanceId: pulumi.Input<string>;
  /** The number, E.164 (`tel:`, spaces and dashes are accepted and normalised), e.g. +14255550100. */
  phoneNumber: pulumi.Input<string>;
  /** CallingPlan | DirectRouting | OperatorConnect. */
  numberType: pulumi.Input<string>;
  /** Emergency location id (GUID), when the number type needs or allows one. */
  locationId?: pulumi.Input<string>;
  /** Take over the number when it is already assigned to this very account. */
  adopt?: pulumi.Input<boolean>;
}

/** Normalised inputs as check() returns them. */
interface Inputs {
  instanceId: string;
  phoneNumber: string;
  numberType: NumberType;
  locationId?: string;
  adopt: boolean;
}

/** Outputs recorded in state. */
export interface BotPhoneNumberOutputs extends Inputs {
  /** camelCase assignment status, e.g. voiceApplicationAssigned. */
  assignmentStatus: string;
  /** camelCase activation state, e.g. activated. */
  activationState: string;
}

/** A phone number on a bot's resource account: `pulumi-nodejs:dynamic/teams:BotPhoneNumber`. */
export class BotPhoneNumber extends pulumi.dynamic.Resource {
  declare readonly instanceId: pulumi.Output<string>;
  declare readonly phoneNumber: pulumi.Output<string>;
  declare readonly numberType: pulumi.Output<string>;
  declare readonly locationId: pulumi.Output<string | undefined>;
  declare readonly assignmentStatus: pulumi.Output<string>;
  declare readonly activationState: pulumi.Output<string>;

  constructor(name: string, args: BotPhoneNumberArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      shim("botPhoneNumber"),
      name,
      { assignmentStatus: undefined, activationState: undefined, adopt: false, ...args },
      opts,
      "teams",
      "BotPhoneNumber",
    );
  }
}

/** How long the assignment may take to show on the number after the operation succeeded. */
const SETTLE_TIMEOUT_MS = 5 * 60_000;

/** The two ways to reach numbers: Graph (default) or the Teams cmdlets. */
interface Numbers {
  get(phoneNumber: string): Promise<NumberAssignment | undefined>;
  assign(request: AssignNumberRequest, label: string): Promise<void>;
  unassign(request: UnassignNumberRequest, label: string): Promise<void>;
  setLocation(phoneNumber: string, locationId: string | null): Promise<void>;
}

function numbers(t: TenantClient): Numbers {
  if (t.settings.numberAssignment === "powershell") {
    return {
      get: (n) => t.getPhoneNumberAssignment(n),
      assign: (r) => t.setPhoneNumberAssignment(r),
      unassign: (r) => t.removePhoneNumberAssignment(r),
      setLocation: (n, l) => t.setPhoneNumberLocation(n, l),
    };
  }
  return {
    get: (n) => t.getNumberAssignment(n),
    assign: (r, label) => t.assignNumber(r, label),
    unassign: (r, label) => t.unassignNumber(r, label),
    setLocation: (n, l) => t.updateNumber(n, l),
  };
}

/** The move coordinator of each tenant client (one per provider process and settings). */
const coordinators = new WeakMap<TenantClient, NumberMoves>();

function moves(t: TenantClient): NumberMoves {
  let m = coordinators.get(t);
  if (!m) {
    const n = numbers(t);
    m = new NumberMoves(
      {
        get: (phoneNumber) => n.get(phoneNumber),
        assign: async (r) => {
          const record = await assign(n, { ...r, locationId: r.locationId ?? undefined, adopt: false });
          // A number keeps its emergency location when it changes hands: none declared = none.
          if (r.locationId || !record?.locationId) return record;
          await during(`clearing the emergency location of ${r.phoneNumber}`, labelOf(r), () =>
            n.setLocation(r.phoneNumber, null),
          );
          return { ...record, locationId: null };
        },
        unassign: async (r) => {
          await unassign(n, r);
          await settle(n, r, false);
        },
        account: async (id) => {
          const u = await t.getUser(id);
          return u ? { userPrincipalName: u.userPrincipalName, displayName: u.displayName } : undefined;
        },
      },
      () => ({ numberReleaseWaitMs: releaseWaitMs(), pollIntervalMs: pollIntervalMs() }),
    );
    coordinators.set(t, m);
  }
  return m;
}

const labelOf = (i: Pick<Inputs, "phoneNumber" | "instanceId">): string => botPhoneNumberId.label(i);

function outputs(inputs: Inputs, record: NumberAssignment | undefined): BotPhoneNumberOutputs {
  const outs: BotPhoneNumberOutputs = {
    ...inputs,
    assignmentStatus: record?.assignmentStatus ?? "unknown",
    activationState: record?.activationState ?? "unknown",
  };
  const locationId = record ? record.locationId : inputs.locationId;
  if (locationId) outs.locationId = locationId.toLowerCase();
  else delete outs.locationId;
  return outs;
}

/**
 * How long a number held by another account may take to be released. Within one `pulumi up`
 * another resource may be moving it away right now (Pulumi runs independent updates in parallel),
 * so the holder is given this long before the number counts as taken.
 */
function releaseWaitMs(): number {
  const fromEnv = Number(process.env.TEAMS_NUMBER_RELEASE_WAIT_MS);
  return Number.isFinite(fromEnv) && fromEnv >= 0 ? fromEnv : 90_000;
}

/** Attempts of an assign / unassign whose outcome stays unknown (5xx, network failure, host crash). */
const NUMBER_CALL_ATTEMPTS = 4;

/** A failure after which the assign / unassign may or may not have happened. */
function outcomeUnknown(e: unknown): e is TenantError {
  if (!(e instanceof TenantError)) return false;
  if (e.status !== undefined) return e.status >= 500;
  return (
    e.code === "HostExited" ||
    e.code === "HostTimeout" ||
    /fetch failed|ECONNRESET|socket hang up|ETIMEDOUT/i.test(e.reason)
  );
}

/**
 * Runs an assign or unassign; when it ends without a clear answer, looks at the number: done
 * already means done, otherwise the call is made again (bounded). A 500 on the new number must not
 * leave a bot without one while the old number is put back the same way.
 */
async function untilKnown(
  n: Numbers,
  inputs: Pick<Inputs, "phoneNumber" | "instanceId">,
  onAccount: boolean,
  what: string,
  call: () => Promise<void>,
): Promise<void> {
  const label = labelOf(inputs);
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (!outcomeUnknown(e) || attempt >= NUMBER_CALL_ATTEMPTS) throw e;
      const seen = await n.get(inputs.phoneNumber).catch(() => undefined);
      const why = `${e.status ?? e.code}`;
      if (seen && (seen.assignmentTargetId === inputs.instanceId) === onAccount) {
        progress(label, `${what} ended with ${why}, but the tenant shows it done: continuing`);
        return;
      }
      progress(
        label,
        `${what} ended with ${why} and did not happen: trying again (attempt ${attempt + 1} of ${NUMBER_CALL_ATTEMPTS})`,
      );
      await sleep(backoffMs(attempt, 1_000));
    }
  }
}

/** Assigns and waits until the tenant's record shows the number on the account. */
async function assign(n: Numbers, inputs: Inputs): Promise<NumberAssignment | undefined> {
  const label = labelOf(inputs);
  const what = `assigning number ${inputs.phoneNumber} to ${inputs.instanceId}`;
  await during(what, label, () =>
    untilKnown(n, inputs, true, what, () =>
      n.assign(
        {
          telephoneNumber: inputs.phoneNumber,
          assignmentTargetId: inputs.instanceId,
          numberType: inputs.numberType,
          locationId: inputs.locationId ?? null,
        },
        label,
      ),
    ),
  );
  return settle(n, inputs, true);
}

/** Unassigns the number from the account. */
async function unassign(n: Numbers, inputs: Pick<Inputs, "phoneNumber" | "numberType" | "instanceId">): Promise<void> {
  const label = labelOf(inputs);
  const what = `unassigning number ${inputs.phoneNumber} from ${inputs.instanceId}`;
  await during(what, label, () =>
    untilKnown(n, inputs, false, what, () =>
      n.unassign(
        { telephoneNumber: inputs.phoneNumber, numberType: inputs.numberType, assignmentTargetId: inputs.instanceId },
        label,
      ),
    ),
  );
}

/** Waits until the number's record says it is (or is no longer) on the account. */
function settle(
  n: Numbers,
  inputs: Pick<Inputs, "phoneNumber" | "instanceId">,
  onAccount: boolean,
): Promise<NumberAssignment | undefined> {
  return waitFor<NumberAssignment>({
    what: `${inputs.phoneNumber} to show as ${onAccount ? "assigned to" : "unassigned from"} ${inputs.instanceId}`,
    resource: labelOf(inputs),
    timeoutMs: SETTLE_TIMEOUT_MS,
    intervalMs: pollIntervalMs(),
    confirmations: 1,
    check: async () => {
      const record = await n.get(inputs.phoneNumber);
      const ours = record?.assignmentTargetId === inputs.instanceId;
      return {
        done: ours === onAccount,
        status: record ? `${record.assignmentStatus} to ${record.assignmentTargetId ?? "nobody"}` : "not in tenant",
        value: record,
      };
    },
  });
}

/** The error to raise after a failed move, recording what the account holds now. */
function moveFailure(
  outcome: Extract<MoveOutcome, { ok: false }>,
  id: string,
  olds: BotPhoneNumberOutputs,
): TenantError {
  const held =
    outcome.holds === "previous"
      ? outputs(olds, outcome.record)
      : { ...outputs(olds, undefined), assignmentStatus: "unassigned" };
  return withPartialState(outcome.error, id, held);
}

/**
 * The number and account a recorded resource is about, and what the tenant says of that number now.
 * An update may have moved the resource to another number: the recorded outputs know which.
 */
async function recordedNumber(id: string, props: Partial<BotPhoneNumberOutputs> | undefined) {
  const n = numbers(tenant());
  const fromId = botPhoneNumberId.parse(id);
  const phoneNumber = props?.phoneNumber ?? fromId.phoneNumber;
  const instanceId = props?.instanceId ?? fromId.instanceId;
  const label = labelOf({ phoneNumber, instanceId });
  const record = await during(`reading number ${phoneNumber}`, label, () => n.get(phoneNumber));
  return { n, phoneNumber, instanceId, label, record };
}

/** The implementation the shim loads at call time. */
export const provider: pulumi.dynamic.ResourceProvider<Inputs, BotPhoneNumberOutputs> = {
  configure: configureSession,

  async check(_olds, news) {
    const c = new Checker(news as unknown as Record<string, unknown>);
    c.required("instanceId", (v) => normalizeGuid(v, "an object id (ApplicationInstance.objectId)"));
    const numberType = c.required("numberType", normalizeNumberType);
    c.required("phoneNumber", (v) => normalizePhoneNumber(v, numberType));
    c.optional("locationId", normalizeLocationId);
    c.optional("adopt", normalizeBoolean, false);
    const { inputs, failures } = c.result();
    return { inputs: inputs as unknown as Inputs, failures };
  },

  async diff(_id, olds, news) {
    const changed = changedKeys<Inputs>(olds, news, ["instanceId", "phoneNumber", "numberType", "locationId"]);
    // Tell the other updates of this run that this account gives its number up (see number-moves.ts).
    if (changed.includes("phoneNumber") && !changed.includes("instanceId") && olds.instanceId)
      announceMove(olds.instanceId, news);
    const replaces = changed.filter((k) => k === "instanceId");
    return {
      changes: changed.length > 0,
      replaces,
      // A number can be on one account only: unassign from the old before assigning to the new.
      deleteBeforeReplace: replaces.length > 0,
      stables: replaces.length > 0 ? [] : ["instanceId"],
    };
  },

  async create(inputs) {
    const t = tenant();
    const n = numbers(t);
    const label = labelOf(inputs);
    const operation = `assigning number ${inputs.phoneNumber} to ${inputs.instanceId}`;
    const id = botPhoneNumberId.format(inputs);
    const record = await during(`looking up ${inputs.phoneNumber}`, label, () => n.get(inputs.phoneNumber));
    if (record?.assignmentTargetId !== inputs.instanceId) {
      const moved = await moves(t).move({ instanceId: inputs.instanceId, to: inputs, label });
      if (!moved.ok) throw moved.error;
      return { id, outs: outputs(inputs, moved.record) };
    }
    if (!inputs.adopt) {
      throw new TenantError({
        operation,
        resource: label,
        code: "AlreadyAssigned",
        reason: "the number is already assigned to this account outside Pulumi",
        hint: "To manage the existing assignment with Pulumi, set adopt: true on this BotPhoneNumber.",
      });
    }
    progress(label, "adopting the existing assignment");
    const wanted = inputs.locationId ?? null;
    if (wanted && (record.locationId ?? "").toLowerCase() !== wanted) {
      await during(`setting the emergency location of ${inputs.phoneNumber}`, label, () =>
        n.setLocation(inputs.phoneNumber, wanted),
      );
      return { id, outs: outputs(inputs, { ...record, locationId: wanted }) };
    }
    return { id, outs: outputs(inputs, record) };
  },

  async read(id, props) {
    const { phoneNumber, instanceId, label, record } = await recordedNumber(id, props);
    if (!record || record.assignmentTargetId !== instanceId) {
      if (record?.assignmentTargetId) progress(label, `the number is now assigned to ${record.assignmentTargetId}`);
      return {};
    }
    const numberType = (String(record.numberType).charAt(0).toUpperCase() +
      String(record.numberType).slice(1)) as NumberType;
    const inputs: Inputs = { instanceId, phoneNumber, numberType, adopt: props?.adopt ?? false };
    return { id, props: outputs(inputs, record) };
  },

  async update(id, olds, news) {
    const t = tenant();
    const n = numbers(t);
    const label = labelOf(news);
    if (changedKeys<Inputs>(olds, news, ["phoneNumber", "numberType"]).length === 0) {
      if (changedKeys<Inputs>(olds, news, ["locationId"]).length > 0) {
        await during(`setting the emergency location of ${news.phoneNumber}`, label, () =>
          n.setLocation(news.phoneNumber, news.locationId ?? null),
        );
      }
      const record = await during(`reading number ${news.phoneNumber}`, label, () => n.get(news.phoneNumber));
      return { outs: outputs(news, record) };
    }
    // Same number, another type: nothing moves; the tenant must already call it the new type.
    if (olds.phoneNumber === news.phoneNumber) {
      const record = await during(`reading number ${news.phoneNumber}`, label, () => n.get(news.phoneNumber));
      const type = String(record?.numberType ?? "").toLowerCase();
      if (record && type !== news.numberType.toLowerCase()) {
        throw new TenantError({
          operation: `assigning number ${news.phoneNumber} to ${news.instanceId}`,
          resource: label,
          code: "NumberTypeMismatch",
          reason: `${news.phoneNumber} is a ${record.numberType} number, not ${news.numberType}`,
          hint: `Set numberType to ${record.numberType}.`,
        });
      }
      return { outs: outputs(news, record) };
    }
    // The move, with every move that must happen together with it (a swap, a rotation, a chain).
    const moved = await moves(t).move({
      instanceId: news.instanceId,
      from: { phoneNumber: olds.phoneNumber, numberType: olds.numberType, locationId: olds.locationId ?? null },
      to: news,
      label,
    });
    if (moved.ok) return { outs: outputs(news, moved.record) };
    throw moveFailure(moved, id, olds);
  },

  async delete(id, props) {
    const { n, phoneNumber, instanceId, label, record } = await recordedNumber(id, props);
    if (!record || record.assignmentTargetId !== instanceId) {
      // Unassigned already, or moved to another account: not ours to unassign.
      progress(
        label,
        record?.assignmentTargetId ? `left alone: now assigned to ${record.assignmentTargetId}` : "already unassigned",
      );
      return;
    }
    const numberType = (props?.numberType ?? record.numberType) as NumberType;
    await unassign(n, { phoneNumber, instanceId, numberType });
    await settle(n, { phoneNumber, instanceId }, false);
  },
};
