/**
 * What number moves tell the user: a number that is not there or of another type, a holder that
 * keeps its number, and a rolled-back plan — told in full once, in the failed member's error, while
 * every other member says what it holds now and points there.
 */
import { TenantError } from "../../errors";
import { fromWireEnum, NUMBER_TYPES, type NumberType } from "../../formats";
import type { NumberAssignment } from "../model";
import type { Member, Step } from "./plan";

/** "callingPlan" / "CallingPlan" → "CallingPlan"; undefined for anything else. */
export function numberTypeOf(t: string | undefined | null): NumberType | undefined {
  const v = fromWireEnum(t ?? "");
  return (NUMBER_TYPES as readonly string[]).includes(v) ? (v as NumberType) : undefined;
}

/** Where a message is raised: what we were doing, for which resource. */
export interface Raised {
  operation: string;
  resource: string;
}

/** The tenant calls the number another (known) type than declared: NumberTypeMismatch, else undefined. */
export function numberTypeMismatch(
  at: Raised,
  declared: { phoneNumber: string; numberType: NumberType },
  record: Pick<NumberAssignment, "numberType">,
): TenantError | undefined {
  const type = numberTypeOf(record.numberType);
  if (!type || type === declared.numberType) return undefined;
  return new TenantError({
    ...at,
    code: "NumberTypeMismatch",
    reason: `${declared.phoneNumber} is a ${type} number, not ${declared.numberType}`,
    hint: `Set numberType to ${type}.`,
  });
}

/** The tenant has no such number (a Direct Routing one may be absent: the caller decides). */
export function numberNotFound(at: Raised, phoneNumber: string): TenantError {
  return new TenantError({
    ...at,
    code: "NumberNotFound",
    reason: `the tenant has no number ${phoneNumber}`,
    hint: "Acquire or port the number first (Teams admin center > Voice > Phone numbers), or fix phoneNumber.",
  });
}

/** The number lacks VoiceApplicationAssignment, which a number on a resource account needs. */
export function lacksCapability(at: Raised, phoneNumber: string): TenantError {
  return new TenantError({
    ...at,
    code: "NumberLacksCapability",
    reason: `${phoneNumber} lacks the VoiceApplicationAssignment capability, which a number on a resource account needs`,
    hint: "Choose a service number that has it (Get-CsPhoneNumberAssignment -CapabilitiesContain VoiceApplicationAssignment -PstnAssignmentStatus Unassigned), or change the number's usage to voice app (Teams admin center > Voice > Phone numbers > Change usage).",
  });
}

/** The number carries an assignment block (until cleared, or until a date). */
export function assignmentBlocked(at: Raised, phoneNumber: string, until: string | null): TenantError {
  return new TenantError({
    ...at,
    code: "NumberBlocked",
    reason: `${phoneNumber} has an assignment block (${until ? `until ${until}` : "until it is cleared"})`,
    hint: `Remove the block (Remove-CsPhoneNumberAssignmentBlock -TelephoneNumber ${phoneNumber})${until ? ", wait until it ends," : ""} or choose another number; nothing was changed.`,
  });
}

/** A Calling Plan number of another country than the account's usage location. */
export function countryMismatch(at: Raised, phoneNumber: string, country: string, usageLocation: string): TenantError {
  return new TenantError({
    ...at,
    code: "NumberCountryMismatch",
    reason: `${phoneNumber} is a Calling Plan number of ${country}, and the account's usage location is ${usageLocation}`,
    hint: `A Calling Plan number goes to an account of its own country: set the bot's usageLocation to ${country}, or choose a Calling Plan number of ${usageLocation}; nothing was changed.`,
  });
}

/**
 * A number held by an account that is not giving it up in this run (`holderKeeps`: the stack
 * declares it there too; `protectedHolder`: a bot the stack removed but still protects).
 */
export function assignedElsewhere(
  at: Raised,
  blocked: { phoneNumber: string; holder: string; holderKeeps: boolean; waited: boolean; protectedHolder: boolean },
): TenantError {
  const { phoneNumber, holder } = blocked;
  if (blocked.protectedHolder)
    return new TenantError({
      ...at,
      code: "NumberAssignedElsewhere",
      reason: `${phoneNumber} is assigned to ${holder}, a bot this stack no longer declares but still protects, so it keeps its number`,
      hint: "Remove a bot in two steps (README: Removing bots): set teams-bot-numbers:protect to false and run `pulumi up`, then remove it; its number can then go to another bot in the same run.",
    });
  return new TenantError({
    ...at,
    code: "NumberAssignedElsewhere",
    reason: blocked.holderKeeps
      ? `${phoneNumber} is assigned to ${holder}, which this stack also declares with that number`
      : `${phoneNumber} is assigned to ${holder}, which is not giving it up in this update${blocked.waited ? " (waited for it to be released)" : ""}`,
    hint: blocked.holderKeeps
      ? "A number can be on one account only: declare it on one bot."
      : "Unassign it from that account first (Teams admin center > Voice > Phone numbers), or choose another number.",
  });
}

/** The tenant's "already assigned" refusal (any transport), as the error it became shows it. */
export function isAlreadyAssigned(e: TenantError): boolean {
  return /already (been )?assigned|assigned to another/i.test(`${e.code ?? ""} ${e.reason}`);
}

/**
 * A claim refused because another account took the number after the plan read it: the tenant's
 * text names no one, this names the holder (by UPN and display name).
 */
export function takenMeanwhile(e: TenantError, phoneNumber: string, holder: string): TenantError {
  return new TenantError({
    ...e.details(),
    code: "NumberAssignedElsewhere",
    reason: `${phoneNumber} is assigned to ${holder}: it took the number after this run read it as free`,
    hint: "Unassign it from that account first (Teams admin center > Voice > Phone numbers), or choose another number, then rerun `pulumi up`.",
  });
}

/** "assigning number +1… to bot@contoso.com" / "unassigning number +1… from …": one step, in words. */
export function stepText(s: Step, name: (instanceId: string) => string): string {
  return s.kind === "release"
    ? `unassigning number ${s.phoneNumber} from ${name(s.instanceId)}`
    : `assigning number ${s.phoneNumber} to ${name(s.instanceId)}`;
}

/** How a plan ended after its roll-back: the step that failed, and what each member holds now. */
export interface RolledBack {
  members: Member[];
  failed: { step: Step; error: TenantError };
  /** Members whose previous number was released (and so was taken back, or lost). */
  released: Set<string>;
  /** Members whose previous number could not be taken back, with why. */
  lost: Map<string, string>;
  /** The plan in words (describeMembers). */
  plan: string;
  name: (instanceId: string) => string;
}

/** Each member's error: the whole story in the failed member's, a pointer to it in the others'. */
export function rolledBackErrors(r: RolledBack): Map<Member, TenantError> {
  const cause = r.failed.error;
  const hint =
    r.lost.size > 0
      ? `The account has no number now: fix the cause and rerun \`pulumi up\`. ${cause.hint ?? ""}`.trim()
      : cause.hint;
  const failedBy = r.name(r.failed.step.instanceId);
  const errors = new Map<Member, TenantError>();
  for (const m of r.members) {
    const own = m.instanceId === r.failed.step.instanceId;
    const lost = r.lost.has(m.instanceId);
    errors.set(
      m,
      new TenantError({
        ...cause.details(),
        operation: own ? cause.operation : `moving ${r.name(m.instanceId)} to ${m.to?.phoneNumber ?? "no number"}`,
        reason: own
          ? `${cause.reason}${summary(r)}`
          : `not moved: the plan was rolled back because ${stepText(r.failed.step, r.name)} failed (the error of ${failedBy} has the details); ${holdsNow(r, m)}`,
        hint: own || lost ? hint : "Fix the cause named there and rerun `pulumi up`.",
      }),
    );
  }
  return errors;
}

/** "it holds +1… again" (or keeps it, lost it, had none) — what a member holds after the roll-back. */
function holdsNow(r: RolledBack, m: Member): string {
  if (!m.from) return "it had no number before";
  if (!r.released.has(m.instanceId)) return `it keeps ${m.from.phoneNumber}`;
  const again = r.lost.get(m.instanceId);
  return again
    ? `it has no number (assigning ${m.from.phoneNumber} back failed: ${again})`
    : `it holds ${m.from.phoneNumber} again`;
}

/** What the failed member's reason adds: its previous number back (one member), or the whole plan's roll-back. */
function summary(r: RolledBack): string {
  if (r.members.length === 1) {
    const only = r.members[0]!;
    const from = only.from?.phoneNumber;
    if (!from || !r.released.has(only.instanceId)) return "";
    const again = r.lost.get(only.instanceId);
    return again
      ? `; assigning the previous number ${from} back also failed: ${again}`
      : `; the previous number ${from} was assigned back`;
  }
  const held = r.members
    .filter((m) => m.from)
    .map((m) => {
      const who = r.name(m.instanceId);
      if (!r.released.has(m.instanceId)) return `${who} keeps ${m.from!.phoneNumber}`;
      const again = r.lost.get(m.instanceId);
      return again
        ? `${who} has no number (assigning ${m.from!.phoneNumber} back failed: ${again})`
        : `${who} holds ${m.from!.phoneNumber} again`;
    });
  return `; the plan (${r.plan}) was rolled back: ${held.join(", ")}`;
}
