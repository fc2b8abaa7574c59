/**
 * A plan's targets, checked before anything is touched (a refusal found at claim time would come
 * after the plan's members gave their numbers up): each wanted number exists (a Direct Routing one
 * may not yet: it enters the inventory when assigned) with the declared type, carries the
 * VoiceApplicationAssignment capability a number on a resource account needs
 * (Get-CsPhoneNumberAssignment `Capability`, Graph `capabilities`), has no assignment block
 * (`AssignmentBlockedState`: read through the cmdlet when the plan releases a number, since Graph
 * shows none), and, for a Calling Plan number, is of the account's usage-location country.
 */
import { progress } from "../../log";
import type { NumberAssignment } from "../model";
import {
  assignmentBlocked,
  countryMismatch,
  lacksCapability,
  numberNotFound,
  numberTypeMismatch,
  numberTypeOf,
} from "./messages";
import type { AccountNames } from "./names";
import type { Member, Steps, Target } from "./plan";
import type { MoveOps } from "./types";

/** What the checks read with: the records the plan read, the tenant, the account names. */
export interface TargetChecks {
  records: Map<string, NumberAssignment | undefined>;
  ops: MoveOps;
  names: AccountNames;
  label: string;
}

/** Checks every member's target; throws the first refusal (naming the member by UPN and the number). */
export async function checkTargets(members: Member[], steps: Steps, c: TargetChecks): Promise<void> {
  // Only when the plan gives a number up does a late refusal cost a member its number.
  const releases = steps.some((phase) => phase.some((s) => s.kind === "release"));
  for (const m of members) if (m.to) await checkTarget(m.instanceId, m.to, releases, c);
}

async function checkTarget(instanceId: string, to: Target, releases: boolean, c: TargetChecks): Promise<void> {
  const record = c.records.get(to.phoneNumber);
  const at = {
    operation: `assigning number ${to.phoneNumber} to ${await c.names.resolve(instanceId)}`,
    resource: c.label,
  };
  if (!record && to.numberType === "DirectRouting") {
    progress(
      c.label,
      `${to.phoneNumber} is not in the number inventory yet: Direct Routing numbers enter it when assigned`,
    );
    return;
  }
  if (!record) throw numberNotFound(at, to.phoneNumber);
  const mismatch = numberTypeMismatch(at, to, record);
  if (mismatch) throw mismatch;
  if (record.assignmentTargetId === instanceId) return;
  if (!record.capabilities.some((k) => k.toLowerCase() === "voiceapplicationassignment"))
    throw lacksCapability(at, to.phoneNumber);
  const block = releases || record.assignmentBlock !== undefined ? await readBlock(to.phoneNumber, record, c) : null;
  if (block) throw assignmentBlocked(at, to.phoneNumber, block.until);
  if (numberTypeOf(record.numberType) !== "CallingPlan" || !record.isoCountryCode) return;
  const usageLocation = (await c.names.facts(instanceId, true))?.usageLocation?.toUpperCase();
  if (usageLocation && usageLocation !== record.isoCountryCode.toUpperCase())
    throw countryMismatch(at, to.phoneNumber, record.isoCountryCode.toUpperCase(), usageLocation);
}

/** The block, or null when none (or when nothing can tell: the claim will say). */
async function readBlock(phoneNumber: string, record: NumberAssignment, c: TargetChecks) {
  const block = await c.ops.assignmentBlock(phoneNumber, record).catch((e: unknown) => {
    progress(
      c.label,
      `could not read the assignment block of ${phoneNumber} (${(e as Error).message}): the claim will tell`,
    );
    return undefined;
  });
  return block ?? null;
}
