/**
 * BotPhoneNumber: a phone number assigned to a bot's resource account.
 *
 * create: assigned through Graph or Set-CsPhoneNumberAssignment (numberAssignment "powershell")
 * as a move of the numbers service: checked first (in the tenant, of the declared type); a number
 * on another account is taken only when that account gives it up in this run (a swap, a rotation,
 * a bot the stack removes), else refused at once naming the holder. One already on this account
 * (the stack's account) is recorded — what an interrupted run leaves — and its declared location
 * set; with `adopt: true` nothing is written and a differing location is refused.
 * read: the number's assignment; unassigned or moved to another account reads as gone, so
 * `pulumi refresh` shows the drift (and `pulumi up` then refuses to take it back silently).
 * update: a number or type change = a move: release the old, then claim the new, together with
 * every move of this run it depends on; if a step fails the whole plan is rolled back and each
 * account's error says what it holds again. A locationId-only change = location update, no
 * unassign. replace: instanceId (delete first: a number is held once).
 * A Direct Routing number may be absent from the inventory: it enters it when assigned, and may
 * leave it when unassigned (absent reads as unassigned). Adopting never writes: a declared
 * locationId other than the tenant's is refused.
 * locationId is managed only when declared; the tenant's emergency location is the read-only
 * output tenantLocationId (null for none; the cmdlets' zero GUID means none). The location the
 * number had when the stack claimed it is the output originalLocationId (null for none; absent in
 * state from before it was recorded): a removed locationId, a number change and delete hand it back
 * (provider/tenant/numbers/locations.ts); removing one a Calling Plan number cannot lose is refused
 * in diff, so at preview.
 * delete: unassign (Direct Routing too); a number that moved to another account is left alone.
 * diff announces a number change to the other updates of the run (programs without a NumberPlan).
 * The orchestration lives in the numbers service (provider/tenant/numbers.ts, moves/). */
import * as pulumi from "@pulumi/pulumi";

import { during, withPartialState, type TenantError } from "../errors";
import { fromWireEnum, type NumberType } from "../formats";
import { botPhoneNumberId } from "../ids";
import { progress } from "../log";
import { RESOURCE_MODULES, TYPE_MODULE } from "../registry";
import { shim } from "../shim";
import {
  announceMove,
  configureSession,
  emergencyLocation,
  locationRemovalRefusal,
  rememberedOriginal,
  rememberOriginal,
  tenant,
  type MoveOutcome,
  type NumberAssignment,
  type OriginalLocation,
} from "../tenant";
import {
  normalizeBoolean,
  normalizeGuid,
  normalizeLabel,
  normalizeLocationId,
  normalizeNumberType,
  normalizePhoneNumber,
} from "../validate";
import { changedKeys, checkWith, diffByRules, namedBy, type BotLabel, type Hooks } from "./common";

/** Inputs of a BotPhoneNumber. */
export interface BotPhoneNumberArgs {
  /** Object id of the resource account (ApplicationInstance.objectId). */
  instanceId: pulumi.Input<string>;
  /** The number, E.164 (`tel:`, spaces and dashes are accepted and normalised), e.g. +14255550100. */
  phoneNumber: pulumi.Input<string>;
  /** CallingPlan | DirectRouting | OperatorConnect. */
  numberType: pulumi.Input<string>;
  /**
   * Emergency location id (GUID), managed only when given: left out, the number keeps whatever
   * location the tenant gives it (see the tenantLocationId output).
   */
  locationId?: pulumi.Input<string>;
  /** Take over the number when it is already assigned to this very account. */
  adopt?: pulumi.Input<boolean>; /** How the stack config names the bot (e.g. `bots[2] (survey-bot, survey-bot@contoso.com)`), for messages. */
  bot?: pulumi.Input<string>;
}

/** Normalised inputs as check() returns them. */
interface Inputs extends BotLabel {
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
  /** The emergency location the tenant gives the number (read-only), null for none. */
  tenantLocationId: string | null;
  /** The location the number had when the stack claimed it (handed back), null for none; absent: not recorded. */
  originalLocationId?: OriginalLocation;
}

/** A phone number on a bot's resource account: `pulumi-nodejs:dynamic/teams:BotPhoneNumber`. */
export class BotPhoneNumber extends pulumi.dynamic.Resource {
  declare readonly instanceId: pulumi.Output<string>;
  declare readonly phoneNumber: pulumi.Output<string>;
  declare readonly numberType: pulumi.Output<string>;
  declare readonly locationId: pulumi.Output<string | undefined>;
  declare readonly assignmentStatus: pulumi.Output<string>;
  declare readonly activationState: pulumi.Output<string>;
  declare readonly tenantLocationId: pulumi.Output<string | null>;
  declare readonly originalLocationId: pulumi.Output<string | null | undefined>;

  constructor(name: string, args: BotPhoneNumberArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      assignmentStatus: undefined,
      activationState: undefined,
      tenantLocationId: undefined,
      originalLocationId: undefined,
      adopt: false,
      ...args,
    };
    super(shim("botPhoneNumber"), name, props, opts, TYPE_MODULE, RESOURCE_MODULES.botPhoneNumber.type);
  }
}

const labelOf = (i: Pick<Inputs, "phoneNumber" | "instanceId">): string => botPhoneNumberId.label(i);

/**
 * The locationId the recorded outputs say was declared. State written before tenantLocationId
 * existed recorded the tenant's location as locationId, declared or not: it counts as undeclared,
 * so an upgrade never clears a location the program did not set.
 */
function declaredLocation(olds: Partial<BotPhoneNumberOutputs>): string | undefined {
  return "tenantLocationId" in olds ? olds.locationId : undefined;
}

/** The original location the recorded outputs hold: undefined when not recorded (older state). */
function originalOf(olds: Partial<BotPhoneNumberOutputs>): OriginalLocation | undefined {
  return "originalLocationId" in olds ? (olds.originalLocationId ?? null) : undefined;
}

function outputs(
  inputs: Inputs,
  record: NumberAssignment | undefined,
  original: OriginalLocation | undefined,
): BotPhoneNumberOutputs {
  const outs: BotPhoneNumberOutputs = {
    ...inputs,
    assignmentStatus: record?.assignmentStatus ?? "unknown",
    activationState: record?.activationState ?? "unknown",
    tenantLocationId: emergencyLocation(record) ?? null,
    ...(original === undefined ? {} : { originalLocationId: original }),
  };
  // Managed only when declared: the tenant's value never becomes the input.
  if (!inputs.locationId) delete outs.locationId;
  return outs;
}

/** The error to raise after a failed move, recording what the account holds now. */
function moveFailure(
  outcome: Extract<MoveOutcome, { ok: false }>,
  id: string,
  olds: BotPhoneNumberOutputs,
): TenantError {
  const held =
    outcome.holds === "previous"
      ? outputs(olds, outcome.record, originalOf(olds))
      : { ...outputs(olds, undefined, originalOf(olds)), assignmentStatus: "unassigned" };
  return withPartialState(outcome.error, id, held);
}

/** The number and account a recorded resource is about (an update may have moved it to another number). */
function recorded(id: string, props: Partial<BotPhoneNumberOutputs> | undefined) {
  const fromId = botPhoneNumberId.parse(id);
  const phoneNumber = props?.phoneNumber ?? fromId.phoneNumber;
  const instanceId = props?.instanceId ?? fromId.instanceId;
  return { phoneNumber, instanceId, label: labelOf({ phoneNumber, instanceId }) };
}

/**
 * Gives the number the location it had before the stack claimed it, when the stack declared one and
 * recorded the original (a warning names the bot and number where the tenant keeps the declared one).
 */
async function handBack(olds: Partial<BotPhoneNumberOutputs> & Pick<Inputs, "phoneNumber" | "instanceId">) {
  const original = originalOf(olds);
  if (!declaredLocation(olds) || original === undefined) return;
  const { phoneNumber, instanceId, bot } = olds;
  await tenant().locations.restore({ phoneNumber, instanceId, original, label: labelOf(olds), bot });
}

/**
 * A declared location removed from a Calling Plan number with nothing recorded to go back to: the
 * tenant refuses to clear it, so every `up` would fail. Refused here, in preview, with the way out.
 */
function refuseUnremovableLocation(olds: Partial<BotPhoneNumberOutputs>, news: Inputs): void {
  const declared = declaredLocation(olds);
  const original = originalOf(olds);
  if (!declared || news.locationId || original) return;
  if (olds.phoneNumber !== news.phoneNumber || olds.instanceId !== news.instanceId) return;
  if (news.numberType !== "CallingPlan") return;
  throw locationRemovalRefusal(news.phoneNumber, declared, original);
}

/** The implementation the shim loads at call time. */
export const provider: Hooks<Inputs, BotPhoneNumberOutputs> = namedBy({
  configure: configureSession,

  check: checkWith<Inputs>((c) => {
    c.dependency("instanceId", (v) => normalizeGuid(v, "an object id (ApplicationInstance.objectId)"));
    const numberType = c.required("numberType", normalizeNumberType);
    c.required("phoneNumber", (v) => normalizePhoneNumber(v, numberType));
    c.optional("locationId", normalizeLocationId);
    c.optional("adopt", normalizeBoolean, false);
    c.optional("bot", normalizeLabel);
  }),

  // A number can be on one account only: unassign from the old before assigning to the new.
  async diff(_id, olds, news) {
    // A number this bot gives up may be taken by another of the run: it takes the original along.
    const original = originalOf(olds);
    const givesUp = olds.phoneNumber !== news.phoneNumber || olds.instanceId !== news.instanceId;
    if (givesUp && original !== undefined && olds.phoneNumber) rememberOriginal(olds.phoneNumber, original);
    refuseUnremovableLocation(olds, news);
    const result = diffByRules<Inputs>({ ...olds, locationId: declaredLocation(olds) }, news, {
      compare: ["instanceId", "phoneNumber", "numberType", "locationId"],
      replaceOn: ["instanceId"],
      stables: ["instanceId"],
    });
    // Tell the other updates of this run that this account gives its number up (moves/registry.ts).
    if (result.replaces.length === 0 && olds.instanceId && changedKeys<Inputs>(olds, news, ["phoneNumber"]).length > 0)
      announceMove(olds.instanceId, news);
    return result;
  },

  async create(inputs) {
    const { instanceId, phoneNumber, numberType, locationId, adopt } = inputs;
    const label = labelOf(inputs);
    // Read before the claim: what the number carries before this stack takes it.
    const original = await tenant().locations.original(phoneNumber);
    const record = await tenant().numbers.claim({ instanceId, phoneNumber, numberType, locationId, adopt, label });
    return { id: botPhoneNumberId.format(inputs), outs: outputs(inputs, record, original) };
  },

  async read(id, props) {
    const { phoneNumber, instanceId, label } = recorded(id, props);
    const record = await during(`reading number ${phoneNumber}`, label, () => tenant().numbers.get(phoneNumber));
    if (!record || record.assignmentTargetId !== instanceId) {
      if (record?.assignmentTargetId) progress(label, `the number is now assigned to ${record.assignmentTargetId}`);
      return {};
    }
    const numberType = fromWireEnum(record.numberType) as NumberType;
    const inputs: Inputs = {
      instanceId,
      phoneNumber,
      numberType,
      adopt: props?.adopt ?? false,
      ...(props?.bot ? { bot: props.bot } : {}),
    };
    // A declared location reads as the tenant's, so a changed one shows as drift; an undeclared one stays out.
    const current = emergencyLocation(record);
    if (props && declaredLocation(props) && current) inputs.locationId = current;
    return { id, props: outputs(inputs, record, props ? originalOf(props) : undefined) };
  },

  async update(id, olds, news) {
    const { instanceId, phoneNumber, numberType, locationId } = news;
    const sameNumber = olds.phoneNumber === phoneNumber;
    const kept = originalOf(olds);
    // Another number: its original is what it carries before this stack takes it.
    const before = sameNumber ? kept : await tenant().locations.original(phoneNumber);
    const moved = await tenant().numbers.change({
      instanceId,
      from: { phoneNumber: olds.phoneNumber, numberType: olds.numberType, locationId: declaredLocation(olds) },
      // A removed locationId hands the original back (none: a clear), when it was recorded.
      to: { phoneNumber, numberType, locationId: locationId ?? (sameNumber ? (kept ?? undefined) : undefined) },
      label: labelOf(news),
    });
    if (!moved.ok) throw moveFailure(moved, id, olds);
    if (!sameNumber) await handBack(olds);
    // Taken from another bot of the run: the original that bot recorded (its diff has run by now).
    const original = sameNumber ? kept : (rememberedOriginal(phoneNumber) ?? before);
    return { outs: outputs(news, moved.record, original) };
  },

  async delete(id, props) {
    const { phoneNumber, instanceId, label } = recorded(id, props);
    // Before the unassign: a Direct Routing number may leave the inventory once unassigned.
    if (props) await handBack({ ...props, phoneNumber, instanceId });
    await tenant().numbers.release({ instanceId, phoneNumber, numberType: props?.numberType, label });
  },
});
