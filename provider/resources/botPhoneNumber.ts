/**
 * BotPhoneNumber: a phone number assigned to a bot's resource account.
 *
 * create: the number is checked (in the tenant, of the declared type; one on another account is
 * waited for, bounded, then refused) and assigned through Graph or Set-CsPhoneNumberAssignment
 * (numberAssignment "powershell"); one already on this account is refused unless `adopt: true`.
 * read: the number's assignment; unassigned or moved to another account reads as gone, so
 * `pulumi refresh` shows the drift (and `pulumi up` then refuses to take it back silently).
 * update: a number or type change = unassign the old, then assign the new; if the new one fails,
 * the old one is assigned back and both outcomes are reported. A locationId-only change =
 * location update, no unassign. replace: instanceId (delete first: a number is held once).
 * delete: unassign (Direct Routing too); a number that moved to another account is left alone.
 * The orchestration lives in the numbers service (provider/tenant/numbers.ts).
 */
import * as pulumi from "@pulumi/pulumi";

import { asTenantError, during, TenantError, withPartialState } from "../errors";
import { fromWireEnum, type NumberType } from "../formats";
import { botPhoneNumberId } from "../ids";
import { progress } from "../log";
import { RESOURCE_MODULES, TYPE_MODULE } from "../registry";
import { shim } from "../shim";
import { tenant, type NumberAssignment, type Numbers } from "../tenant";
import { configureSession } from "../tenant/session";
import {
  normalizeBoolean,
  normalizeGuid,
  normalizeLocationId,
  normalizeNumberType,
  normalizePhoneNumber,
} from "../validate";
import { changedKeys, checkWith, diffByRules, type Hooks } from "./common";

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
    const props = { assignmentStatus: undefined, activationState: undefined, adopt: false, ...args };
    super(shim("botPhoneNumber"), name, props, opts, TYPE_MODULE, RESOURCE_MODULES.botPhoneNumber.type);
  }
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

/** The error to raise after a failed move: both outcomes, and what the account holds now. */
function moveFailure(
  failure: TenantError,
  restoreError: unknown,
  restored: NumberAssignment | undefined,
  id: string,
  olds: BotPhoneNumberOutputs,
): TenantError {
  if (restoreError === undefined) {
    const reason = `${failure.reason}; the previous number ${olds.phoneNumber} was assigned back`;
    return withPartialState(new TenantError({ ...failure.details(), reason }), id, outputs(olds, restored));
  }
  const second = asTenantError(restoreError, `assigning ${olds.phoneNumber} back`, labelOf(olds));
  const error = new TenantError({
    ...failure.details(),
    reason: `${failure.reason}; assigning the previous number ${olds.phoneNumber} back also failed: ${second.reason}`,
    hint: `The account has no number now: fix the cause and rerun \`pulumi up\`. ${failure.hint ?? ""}`.trim(),
  });
  return withPartialState(error, id, { ...outputs(olds, undefined), assignmentStatus: "unassigned" });
}

/**
 * The number and account a recorded resource is about, and what the tenant says of that number now.
 * An update may have moved the resource to another number: the recorded outputs know which.
 */
async function recordedNumber(id: string, props: Partial<BotPhoneNumberOutputs> | undefined) {
  const numbers: Numbers = tenant().numbers;
  const fromId = botPhoneNumberId.parse(id);
  const phoneNumber = props?.phoneNumber ?? fromId.phoneNumber;
  const instanceId = props?.instanceId ?? fromId.instanceId;
  const label = labelOf({ phoneNumber, instanceId });
  const record = await during(`reading number ${phoneNumber}`, label, () => numbers.get(phoneNumber));
  const ours = !!record && record.assignmentTargetId === instanceId;
  return { numbers, phoneNumber, instanceId, label, record, ours };
}

/** The implementation the shim loads at call time. */
export const provider: Hooks<Inputs, BotPhoneNumberOutputs> = {
  configure: configureSession,

  check: checkWith<Inputs>((c) => {
    c.dependency("instanceId", (v) => normalizeGuid(v, "an object id (ApplicationInstance.objectId)"));
    const numberType = c.required("numberType", normalizeNumberType);
    c.required("phoneNumber", (v) => normalizePhoneNumber(v, numberType));
    c.optional("locationId", normalizeLocationId);
    c.optional("adopt", normalizeBoolean, false);
  }),

  // A number can be on one account only: unassign from the old before assigning to the new.
  diff: async (_id, olds, news) =>
    diffByRules<Inputs>(olds, news, {
      compare: ["instanceId", "phoneNumber", "numberType", "locationId"],
      replaceOn: ["instanceId"],
      stables: ["instanceId"],
    }),

  async create(inputs) {
    const { numbers } = tenant();
    const label = labelOf(inputs);
    const operation = `assigning number ${inputs.phoneNumber} to ${inputs.instanceId}`;
    const id = botPhoneNumberId.format(inputs);
    const { record, alreadyOurs } = await numbers.inspect(inputs, operation, label);
    if (!alreadyOurs) {
      const settled = await numbers.assign(inputs, label).catch((e) => {
        throw asTenantError(e, operation, label);
      });
      return { id, outs: outputs(inputs, settled) };
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
    if (!wanted || (record.locationId ?? "").toLowerCase() === wanted) return { id, outs: outputs(inputs, record) };
    await during(`setting the emergency location of ${inputs.phoneNumber}`, label, () =>
      numbers.setLocation(inputs.phoneNumber, wanted),
    );
    return { id, outs: outputs(inputs, { ...record, locationId: wanted }) };
  },

  async read(id, props) {
    const { phoneNumber, instanceId, label, record, ours } = await recordedNumber(id, props);
    if (!record || !ours) {
      if (record?.assignmentTargetId) progress(label, `the number is now assigned to ${record.assignmentTargetId}`);
      return {};
    }
    const numberType = fromWireEnum(record.numberType) as NumberType;
    const inputs: Inputs = { instanceId, phoneNumber, numberType, adopt: props?.adopt ?? false };
    return { id, props: outputs(inputs, record) };
  },

  async update(id, olds, news) {
    const { numbers } = tenant();
    const label = labelOf(news);
    if (changedKeys<Inputs>(olds, news, ["phoneNumber", "numberType"]).length === 0) {
      if (changedKeys<Inputs>(olds, news, ["locationId"]).length > 0) {
        await during(`setting the emergency location of ${news.phoneNumber}`, label, () =>
          numbers.setLocation(news.phoneNumber, news.locationId ?? null),
        );
      }
      const record = await during(`reading number ${news.phoneNumber}`, label, () => numbers.get(news.phoneNumber));
      return { outs: outputs(news, record) };
    }
    // Check the new number before touching the old one: most failures stop here.
    const operation = `assigning number ${news.phoneNumber} to ${news.instanceId}`;
    const { record, alreadyOurs } = await numbers.inspect(news, operation, label);
    // Same number, and the tenant already calls it the new type: nothing to move.
    if (olds.phoneNumber === news.phoneNumber) return { outs: outputs(news, record) };
    if (alreadyOurs) {
      await numbers.unassign(olds, labelOf(olds));
      return { outs: outputs(news, record) };
    }
    const moved = await numbers.move(olds, news, { from: labelOf(olds), to: label });
    if (moved.ok) return { outs: outputs(news, moved.record) };
    throw moveFailure(asTenantError(moved.error, operation, label), moved.restoreError, moved.record, id, olds);
  },

  async delete(id, props) {
    const { numbers, phoneNumber, instanceId, label, record, ours } = await recordedNumber(id, props);
    if (!record || !ours) {
      // Unassigned already, or moved to another account: not ours to unassign.
      const now = record?.assignmentTargetId;
      progress(label, now ? `left alone: now assigned to ${now}` : "already unassigned");
      return;
    }
    const numberType = (props?.numberType ?? record.numberType) as NumberType;
    await numbers.unassign({ phoneNumber, instanceId, numberType }, label, true);
  },
};
