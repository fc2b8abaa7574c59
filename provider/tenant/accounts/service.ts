/**
 * The accounts service: what the ApplicationInstance resource asks for — an account created (or
 * found in place, or adopted) and brought to its declaration, updated, removed — each a whole
 * change, its write need declared in ACCOUNT_WRITES and checked before any tenant call.
 */
import { during, TenantError } from "../../errors";
import { progress } from "../../log";
import type { Outcome, TeamsInstance, TenantUser } from "../model";
import { guardWrites, type WriteGuard, type WriteTable } from "../writes";
import type { AccountDeclaration } from "./adopt";
import type { AccountOps } from "./ops";

/** The account as the tenant shows it after a change (`user`: undefined when Graph does not show it yet). */
export interface AccountState {
  instance: TeamsInstance;
  user: TenantUser | undefined;
  /** The directory id (the instance's, else the tenant's). */
  tenantId: string;
}

/** What an update brings the account to (`applicationId` cannot change in place). */
export interface AccountUpdate {
  objectId: string;
  /** The application id recorded. */
  fromApplicationId: string;
  to: Omit<AccountDeclaration, "adopt">;
}

/** The changes of the accounts service. */
export interface AccountWrites {
  /**
   * Finds or creates the account (never two; an existing one only as AccountOps.findOrCreate
   * allows), maps it to its application, waits for Graph, brings display name and usage location
   * to the declaration. A failure after the account exists comes with it (`exists`).
   */
  create(request: AccountDeclaration): Promise<Outcome<AccountState>>;
  /**
   * Brings display name and usage location to the declaration and finishes a mapping a partial
   * create left out. Refused before any call: another application id (UnsupportedWithAppOnlyAuth).
   */
  update(request: AccountUpdate): Promise<{ user: TenantUser; instance: TeamsInstance | undefined }>;
  /** Deletes the account and waits until Graph no longer shows it. */
  remove(objectId: string, label: string): Promise<void>;
}

/** Resource accounts: reads, and the changes of AccountWrites. */
export interface Accounts extends AccountWrites {
  /** The directory (tenant) id of this tenant. */
  readonly tenantId: string;
  /** The Graph user, or undefined when Graph does not (yet / any more) know it. */
  user(idOrUpn: string): Promise<TenantUser | undefined>;
  /** The Teams application instance, or undefined. */
  instance(identity: string): Promise<TeamsInstance | undefined>;
}

/** What each change writes, and how a refusal names it. */
export const ACCOUNT_WRITES: WriteTable<AccountWrites> = {
  create: {
    needs: ["teams", "users"],
    names: (r) => ({ operation: `creating resource account ${r.userPrincipalName}`, resource: r.userPrincipalName }),
  },
  update: {
    needs: ["users"],
    names: (r) => ({
      operation: `updating resource account ${r.to.userPrincipalName}`,
      resource: r.to.userPrincipalName,
    }),
  },
  remove: {
    needs: ["users"],
    names: (_id, label) => ({ operation: `deleting resource account ${label}`, resource: label }),
  },
};

/** The accounts service over these operations; every change checked by `guard`. */
export function accountService(ops: AccountOps, guard: WriteGuard): Accounts {
  return {
    tenantId: ops.tenantId,
    user: (idOrUpn) => ops.user(idOrUpn),
    instance: (identity) => ops.instance(identity),
    ...guardWrites(guard, ACCOUNT_WRITES, {
      create: (request) => create(ops, request),
      update: (request) => update(ops, request),
      remove: (objectId, label) => remove(ops, objectId, label),
    }),
  };
}

async function create(ops: AccountOps, request: AccountDeclaration): Promise<Outcome<AccountState>> {
  const upn = request.userPrincipalName;
  const { instance, existingUser } = await ops.findOrCreate(request);
  const tenantId = instance.tenantId ?? ops.tenantId;
  try {
    await ops.ensureMapping(instance, request.applicationId, upn);
    const seen = existingUser ?? (await ops.waitForUser(instance.objectId, upn, true));
    const user = await ops.patch(seen!, request, upn);
    return { ok: true, value: { instance: { ...instance, applicationId: request.applicationId }, user, tenantId } };
  } catch (e) {
    // The account exists: the caller records it so the next `pulumi up` finishes the job instead of recreating it.
    return { ok: false, error: e as TenantError, exists: { instance, user: existingUser, tenantId } };
  }
}

async function update(
  ops: AccountOps,
  r: AccountUpdate,
): Promise<{ user: TenantUser; instance: TeamsInstance | undefined }> {
  const upn = r.to.userPrincipalName;
  if ((r.fromApplicationId || "") !== r.to.applicationId) {
    throw new TenantError({
      operation: `changing the application id of ${upn} from ${r.fromApplicationId || "none"} to ${r.to.applicationId}`,
      resource: upn,
      code: "UnsupportedWithAppOnlyAuth",
      reason:
        "Set-CsOnlineApplicationInstance is not supported with app-only authentication, so the provider cannot change it in place",
      hint:
        "In the stack config, give the bot a new userPrincipalName together with the new appId (a new account is created; its licence and number follow; a protected stack needs teams-bot-numbers:protect: false for that run), " +
        "or put the appId back; or run Set-CsOnlineApplicationInstance -Identity <upn> -ApplicationId <id> as a Teams admin and then `pulumi refresh`. " +
        'A program of your own can add the resource option replaceOnChanges: ["applicationId"] instead.',
    });
  }
  const current = await during(`reading resource account ${upn}`, upn, () => ops.user(r.objectId));
  if (!current) {
    throw new TenantError({
      operation: `updating resource account ${upn}`,
      resource: upn,
      code: "NotFound",
      reason: `the account ${r.objectId} no longer exists`,
      hint: "Run `pulumi refresh` and then `pulumi up` to create it again.",
    });
  }
  // A partial create leaves the mapping out: finish it here.
  const instance = await during(`reading resource account ${upn} in Teams`, upn, () => ops.instance(r.objectId));
  if (instance) await ops.ensureMapping(instance, r.to.applicationId, upn);
  const user = await ops.patch(current, r.to, upn);
  return { user, instance: instance ? { ...instance, applicationId: r.to.applicationId } : undefined };
}

async function remove(ops: AccountOps, objectId: string, label: string): Promise<void> {
  const deleted = await during(`deleting resource account ${label}`, label, () => ops.delete(objectId));
  if (!deleted) progress(label, "already gone");
  await ops.waitForUser(objectId, label, false);
}
