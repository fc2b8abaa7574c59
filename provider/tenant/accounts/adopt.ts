/**
 * An account that already has the UPN: taken without a write when it is the very account this
 * declaration creates (what an interrupted run leaves) or when `adopt` asks and it matches the
 * declaration; refused otherwise, naming what differs and how to adopt it.
 */
import { TenantError } from "../../errors";
import { ZERO_GUID } from "../../formats";
import { progress } from "../../log";
import type { NewAccountRequest, TeamsInstance, TenantUser } from "../model";

/** What a create declares about the account. */
export type AccountDeclaration = NewAccountRequest & { adopt: boolean; usageLocation: string };

/** True when the instance is mapped to an application. */
export const hasMapping = (i: TeamsInstance): boolean => i.applicationId !== "" && i.applicationId !== ZERO_GUID;

/**
 * Takes or refuses an account that already has the UPN. With `adopt` it is taken over without a
 * write when it matches. Without, it is taken only when it is what a run interrupted after
 * New-CsOnlineApplicationInstance leaves: the same application (or none mapped yet) and display
 * name, no licence, no number, and no usage location or the declared one — an account in use (a
 * brownfield bot, another stack's) is never taken silently. The create then goes on as usual.
 */
export function adoptOrRefuse(
  inputs: AccountDeclaration,
  user: TenantUser,
  instance: TeamsInstance | undefined,
): TeamsInstance {
  const upn = inputs.userPrincipalName;
  const objectId = instance?.objectId ?? user.id;
  if (!instance) {
    throw new TenantError({
      operation: `creating resource account ${upn}`,
      resource: upn,
      code: "NotAResourceAccount",
      reason: `a user that is not a Teams resource account already has this user principal name (object id ${objectId})`,
      hint: "Adopt only takes over resource accounts; choose another userPrincipalName or remove that user.",
    });
  }
  if (!inputs.adopt) return foundInPlace(inputs, user, instance);
  adoptable(inputs, user, instance);
  progress(upn, `adopting existing resource account ${objectId}`);
  return instance;
}

/** Without adopt: the account this declaration creates, found in place unused; anything else already exists. */
function foundInPlace(inputs: AccountDeclaration, user: TenantUser, instance: TeamsInstance): TeamsInstance {
  const upn = inputs.userPrincipalName;
  const sameApp = !hasMapping(instance) || instance.applicationId === inputs.applicationId;
  const sameName = (user.displayName ?? instance.displayName) === inputs.displayName;
  const unused =
    (user.assignedLicenses ?? []).length === 0 &&
    !instance.phoneNumber &&
    (!user.usageLocation || user.usageLocation === inputs.usageLocation);
  if (sameApp && sameName && unused) {
    progress(
      upn,
      `found in place (object id ${instance.objectId}), as an interrupted run leaves it: continuing with it`,
    );
    return instance;
  }
  throw new TenantError({
    operation: `creating resource account ${upn}`,
    resource: upn,
    code: "AlreadyExists",
    reason: `a resource account with this user principal name already exists (object id ${instance.objectId}, application id ${instance.applicationId || "none"}, display name "${user.displayName ?? instance.displayName ?? ""}")`,
    hint: `To manage it with Pulumi, set adopt: true on the bot in the stack config (it is adopted only if its application id is ${inputs.applicationId}); or choose another userPrincipalName.`,
  });
}

/** Adopt takes over what matches without a write, and refuses what differs (issue 14). */
function adoptable(inputs: AccountDeclaration, user: TenantUser, instance: TeamsInstance): void {
  const upn = inputs.userPrincipalName;
  if (hasMapping(instance) && instance.applicationId !== inputs.applicationId) {
    throw new TenantError({
      operation: `adopting resource account ${upn}`,
      resource: upn,
      code: "AdoptMismatch",
      reason: `the existing account belongs to application ${instance.applicationId}, not ${inputs.applicationId}`,
      hint: "Set applicationId to the account's application id to adopt it, or choose another userPrincipalName.",
    });
  }
  const differences = [
    { field: "displayName", tenant: user.displayName ?? instance.displayName, declared: inputs.displayName },
    { field: "usageLocation", tenant: user.usageLocation, declared: inputs.usageLocation },
  ].filter((d) => (d.tenant ?? "") !== d.declared);
  if (differences.length === 0) return;
  const said = differences.map(
    (d) => `${d.field} is ${d.tenant ? `"${d.tenant}"` : "not set"} in the tenant, "${d.declared}" declared`,
  );
  throw new TenantError({
    operation: `adopting resource account ${upn}`,
    resource: upn,
    code: "AdoptMismatch",
    reason: `the existing account differs from the declaration: ${said.join("; ")}`,
    hint: `Adopt changes nothing: declare the tenant's value${differences.length > 1 ? "s" : ""} (${differences.map((d) => d.field).join(", ")}) to adopt the account, then change ${differences.length > 1 ? "them" : "it"} in a later \`pulumi up\`; or change the account in the tenant.`,
  });
}
