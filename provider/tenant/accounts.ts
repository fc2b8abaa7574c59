/**
 * Resource accounts: New-CsOnlineApplicationInstance (safe to repeat after an unclear end), the
 * application mapping (Sync, with the zero-GUID reset on the "same key" conflict), the Graph user
 * behind the instance (replication wait, display name and usage location, delete).
 */
import { waitFor } from "../consistency";
import { during } from "../errors";
import { ZERO_GUID } from "../formats";
import { progress } from "../log";
import { retryUntilKnown } from "../retry";
import type { Tuning } from "../settings";
import type { GraphUsers } from "./graph/users";
import type { Accounts, NewAccountRequest, TeamsInstance, TenantUser } from "./model";
import { isMappingConflict, type TeamsCmdlets } from "./powershell";

/** How a new account may take to show up in Graph. */
const REPLICATION_TIMEOUT_MS = 10 * 60_000;
/** How long a deleted account may take to disappear from Graph. */
const DELETION_TIMEOUT_MS = 5 * 60_000;
/** Attempts of New-CsOnlineApplicationInstance when its outcome stays unknown. */
const CREATE_ATTEMPTS = 3;

/** True when the instance is mapped to an application. */
export const hasMapping = (i: TeamsInstance): boolean => i.applicationId !== "" && i.applicationId !== ZERO_GUID;

/** Accounts through the Teams cmdlets (instances) and Graph (users). */
export class AccountService implements Accounts {
  constructor(
    readonly tenantId: string,
    private readonly users: GraphUsers,
    private readonly teams: TeamsCmdlets,
    private readonly tuning: () => Tuning,
  ) {}

  user(idOrUpn: string): Promise<TenantUser | undefined> {
    return this.users.get(idOrUpn);
  }

  instance(identity: string): Promise<TeamsInstance | undefined> {
    return this.teams.getApplicationInstance(identity);
  }

  /**
   * The caller has just seen that no account has the UPN, so when the call ends without an answer
   * (host crash or timeout, 5xx) an account that has the UPN now was made by this call and is
   * used; otherwise the call is made again. Never two accounts, never a refusal of our own
   * half-finished create.
   */
  create(request: NewAccountRequest): Promise<TeamsInstance> {
    const cmdlet = "New-CsOnlineApplicationInstance";
    return retryUntilKnown({
      call: () => this.teams.newApplicationInstance(request),
      lookup: () => this.teams.getApplicationInstance(request.userPrincipalName),
      maxAttempts: CREATE_ATTEMPTS,
      resource: request.userPrincipalName,
      done: (e, made) =>
        `${cmdlet} ended without an answer (${e.code ?? e.status}); the account exists now (object id ${made.objectId}): continuing with it`,
      again: (e, next) =>
        `${cmdlet} ended without an answer (${e.code ?? e.status}) and created nothing: trying again (attempt ${next} of ${CREATE_ATTEMPTS})`,
    });
  }

  async ensureMapping(instance: TeamsInstance, applicationId: string, label: string): Promise<void> {
    if (hasMapping(instance)) return;
    const sync = () => this.teams.syncApplicationInstance(instance.objectId, applicationId);
    await during(
      `mapping ${label} to application ${applicationId} (Sync-CsOnlineApplicationInstance)`,
      label,
      async () => {
        try {
          await sync();
        } catch (e) {
          if (!isMappingConflict(e)) throw e;
          progress(label, "application mapping conflict: resetting it with the zero GUID, then syncing again");
          await this.teams.syncApplicationInstance(instance.objectId, ZERO_GUID);
          await sync();
        }
      },
    );
  }

  waitForUser(objectId: string, label: string, present: boolean): Promise<TenantUser | undefined> {
    return waitFor<TenantUser>({
      what: present
        ? `${label} to appear in Microsoft Graph (replication)`
        : `${label} to disappear from Microsoft Graph`,
      resource: label,
      timeoutMs: present ? REPLICATION_TIMEOUT_MS : DELETION_TIMEOUT_MS,
      intervalMs: this.tuning().pollIntervalMs,
      confirmations: 2,
      check: async () => {
        const user = await this.users.get(objectId);
        return { done: present === !!user, status: user ? "visible" : "not visible", value: user };
      },
    });
  }

  async patch(
    user: TenantUser,
    wanted: { displayName: string; usageLocation: string },
    label: string,
  ): Promise<TenantUser> {
    const patch: { usageLocation?: string; displayName?: string } = {};
    if (user.usageLocation !== wanted.usageLocation) patch.usageLocation = wanted.usageLocation;
    if (user.displayName !== wanted.displayName) patch.displayName = wanted.displayName;
    if (Object.keys(patch).length === 0) return user;
    const what = Object.entries(patch)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    await during(`setting ${what} on ${label}`, label, () => this.users.update(user.id, patch));
    return { ...user, ...patch };
  }

  delete(objectId: string): Promise<boolean> {
    return this.users.delete(objectId);
  }
}
