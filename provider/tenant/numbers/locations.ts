/**
 * Emergency locations handed back. The location a number had when the stack first claimed it (its
 * "original", null for none) is what the BotPhoneNumber records; when the stack lets go of a
 * location it had declared (destroy, a number change, a removed `locationId`) the number gets its
 * original again where the tenant allows:
 * - Set-CsPhoneNumberAssignment -LocationId (Graph updateNumber) works on assigned and unassigned
 *   numbers alike ("You can set the location on both assigned and unassigned phone numbers");
 * - removing a location (to go back to none) is supported only for Direct Routing numbers and
 *   Operator Connect numbers not managed by the Service Desk: a Calling Plan number keeps the
 *   declared location, with a warning naming the bot and the number.
 * A declared location that cannot go (Calling Plan, nothing of its own to go back to) is refused
 * at preview (`locationRemovalRefusal`, called from the resource's diff).
 *
 * The originals of the run's numbers meet in the provider process (`rememberOriginal`, from every
 * BotPhoneNumber's diff), so a number taken from another bot of the stack (a swap, a rotation)
 * carries the original the giver recorded, not the location the giver declared.
 */
import { during, TenantError } from "../../errors";
import type { NumberType } from "../../formats";
import { progress } from "../../log";
import { numberTypeOf } from "../moves/index";
import { guardWrites, type WriteGuard, type WriteTable } from "../writes";
import type { NumberOps } from "./ops";
import { emergencyLocation } from "./service";

/** A number's original emergency location: a location id (lower case), or null for none. */
export type OriginalLocation = string | null;

/** A location the stack declared and now lets go of: the number gets `original` back. */
export interface LocationRestore {
  phoneNumber: string;
  /** The account the number is on (left alone when another account holds it now). */
  instanceId: string;
  original: OriginalLocation;
  label: string;
  /** How the stack config names the bot (`bots[i] (name, upn)`), for the warning. */
  bot?: string;
}

/** The changes of the locations service. */
export interface LocationWrites {
  /**
   * Gives the number its original location back unless another account holds it now; where the
   * tenant refuses (a Calling Plan number cannot lose its location), the declared one stays and a
   * warning names the bot and the number. Never fails for a refusal: the rest of the run goes on.
   */
  restore(request: LocationRestore): Promise<void>;
}

/** Emergency locations of numbers: the original of a number, and handing it back. */
export interface Locations extends LocationWrites {
  /** The location the number has before this stack takes it (another bot's recorded original first). */
  original(phoneNumber: string): Promise<OriginalLocation>;
}

export const LOCATION_WRITES: WriteTable<LocationWrites> = {
  restore: {
    needs: ["numbers"],
    names: (r) => ({ operation: `restoring the emergency location of ${r.phoneNumber}`, resource: r.label }),
  },
};

/** Whether the tenant lets a number of this type lose its location (Set-CsPhoneNumberAssignment -LocationId). */
export function locationRemovable(numberType: NumberType): boolean {
  // Service-desk-managed Operator Connect numbers cannot either; which ones are is not readable here.
  return numberType !== "CallingPlan";
}

/** The originals the run's BotPhoneNumbers recorded, by number (one provider process per run). */
const recorded = new Map<string, OriginalLocation>();

/** A BotPhoneNumber's diff: the stack recorded `original` for this number. */
export function rememberOriginal(phoneNumber: string, original: OriginalLocation): void {
  recorded.set(phoneNumber, original);
}

/**
 * The original another BotPhoneNumber of the run recorded for this number, if any. Read after a move:
 * the giver's diff may run after the taker's update started (a swap runs both updates at once), but
 * always before the giver releases the number the taker claims.
 */
export function rememberedOriginal(phoneNumber: string): OriginalLocation | undefined {
  return recorded.get(phoneNumber);
}

/** Forgets the remembered originals (tests). */
export function resetOriginals(): void {
  recorded.clear();
}

/** The locations service over the number operations; every change checked by `guard`. */
export function locationService(ops: NumberOps, guard: WriteGuard): Locations {
  return {
    original: async (phoneNumber) => {
      const known = recorded.get(phoneNumber);
      if (known !== undefined) return known;
      const record = await during(`reading number ${phoneNumber}`, undefined, () => ops.get(phoneNumber));
      return emergencyLocation(record) ?? null;
    },
    ...guardWrites(guard, LOCATION_WRITES, { restore: (r) => restore(ops, r) }),
  };
}

async function restore(ops: NumberOps, r: LocationRestore): Promise<void> {
  const record = await during(`reading number ${r.phoneNumber}`, r.label, () => ops.get(r.phoneNumber));
  // Gone from the inventory, or another account's now (its holder decides): nothing to hand back.
  if (!record || (record.assignmentTargetId && record.assignmentTargetId !== r.instanceId)) return;
  const current = emergencyLocation(record) ?? null;
  if (current === r.original) return;
  const numberType = numberTypeOf(record.numberType);
  if (r.original === null && numberType && !locationRemovable(numberType)) {
    progress(r.bot ?? r.label, keptWarning(r, current, "Microsoft keeps a location on every Calling Plan number"));
    return;
  }
  try {
    await during(`restoring the emergency location of ${r.phoneNumber}`, r.label, () =>
      ops.setLocation(r.phoneNumber, r.original),
    );
    progress(r.label, `emergency location of ${r.phoneNumber} handed back: ${r.original ?? "none"}`);
  } catch (e) {
    if (!(e instanceof TenantError) || e.kind !== "permanent") throw e;
    progress(r.bot ?? r.label, keptWarning(r, current, `the tenant refused: ${e.reason}`));
  }
}

/** The warning when the declared location stays: names the number (the caller prefixes the bot). */
function keptWarning(r: LocationRestore, current: string | null, why: string): string {
  const before =
    r.original === null ? "it had none before and" : `setting its location from before (${r.original}) failed:`;
  return (
    `warning: ${r.phoneNumber} keeps the emergency location the stack set (${current ?? "none"}): ${before} ` +
    `${why}. Set the location it should have with Set-CsPhoneNumberAssignment -PhoneNumber ` +
    `${r.phoneNumber} -LocationId <id> (Get-CsOnlineLisLocation lists them)`
  );
}

/**
 * The preview's refusal of a removed `locationId` the tenant cannot clear: a Calling Plan number
 * whose original is none, or not recorded (state from before originals were recorded).
 */
export function locationRemovalRefusal(
  phoneNumber: string,
  declared: string,
  original: OriginalLocation | undefined,
): TenantError {
  const before =
    original === undefined
      ? "the stack has not recorded the location it had before (state written by an earlier version)"
      : "it had no location before the stack set one";
  return new TenantError({
    operation: `removing locationId of ${phoneNumber}`,
    code: "LocationNotRemovable",
    reason:
      `${phoneNumber} is a Calling Plan number: Microsoft supports removing a location only for Direct Routing ` +
      `and Operator Connect numbers, and ${before}`,
    hint:
      `Keep locationId in the bot's config: ${declared} (the location it has now), or the emergency location ` +
      "the number should have (Get-CsOnlineLisLocation lists them); a new one is set in the next `pulumi up`.",
  });
}
