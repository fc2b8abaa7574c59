/**
 * The account operations the accounts service is built on: New-CsOnlineApplicationInstance (safe to
 * repeat after an unclear end), the application mapping (Sync, with the zero-GUID reset on the
 * "same key" conflict), the Graph user behind the instance (replication wait, display name and
 * usage location, delete).
 */
import { waitFor } from "../../consistency";
import { during } from "../../errors";
import { ZERO_GUID } from "../../formats";
import { progress } from "../../log";
import { retryUntilKnown } from "../../retry";
import type { Tuning } from "../../tuning";
import type { GraphUsers } from "../graph/users";
import type { NewAccountRequest, TeamsInstance, TenantUser } from "../model";
import { isMappingConflict, type TeamsCmdlets } from "../powershell/index";
import { adoptOrRefuse, hasMapping } from "./adopt";

/** Operations on resource accounts: the Teams instance and the Entra user behind it. */
export interface AccountOps {
  /** The directory (tenant) id of this tenant. */
  readonly tenantId: string;
  /** The Graph user, or undefined when Graph does not (yet / any more) know it. */
  user(idOrUpn: string): Promise<TenantUser | undefined>;
  /** The Teams application instance, or undefined. */
  instance(identity: string): Promise<TeamsInstance | undefined>;
  /**
   * The account with this UPN: created when none has it (an unclear end is checked and repeated,
   * never two accounts); an existing one only with `adopt`, and only a resource account of the
   * same application with the declared display name and usage location, taken over without a
   * write (AlreadyExists, NotAResourceAccount, AdoptMismatch otherwise). Teams is asked only when
   * Graph has a user with the UPN.
   */
  findOrCreate(
    request: NewAccountRequest & { adopt: boolean; usageLocation: string },
  ): Promise<{ instance: TeamsInstance; existingUser: TenantUser | undefined }>;
  /** Maps the instance to its application when it has none (zero-GUID reset on conflict). */
  ensureMapping(instance: TeamsInstance, applicationId: string, label: string): Promise<void>;
  /** Waits until Graph sees the user (present) or no longer sees it (bounded). */
  waitForUser(objectId: string, label: string, present: boolean): Promise<TenantUser | undefined>;
  /** Brings display name and usage location to these values (one PATCH, none when equal). */
  patch(user: TenantUser, wanted: { displayName: string; usageLocation: string }, label: string): Promise<TenantUser>;
  /** Deletes the account; false when it was already gone. */
  delete(objectId: string): Promise<boolean>;
}

/** How long a new account may take to show up in Graph. */
const REPLICATION_TIMEOUT_MS = 10 * 60_000;
/** How long a deleted account may take to disappear from Graph. */
const DELETION_TIMEOUT_MS = 5 * 60_000;
/** Attempts of New-CsOnlineApplicationInstance when its outcome stays unknown. */
const CREATE_ATTEMPTS = 3;

/** Account operations through the Teams cmdlets (instances) and Graph (users). */
export class TenantAccountOps implements AccountOps {
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

  async findOrCreate(
    request: NewAccountRequest & { adopt: boolean; usageLocation: string },
  ): Promise<{ instance: TeamsInstance; existingUser: TenantUser | undefined }> {
    const upn = request.userPrincipalName;
    const existingUser = await during(`looking up ${upn} in Microsoft Graph`, upn, () => this.user(upn));
    // Graph knows every account Teams has (an instance is an Entra user): when Graph says no user
    // has the UPN, Teams is not asked, so its undocumented not-found text does not matter here.
    if (existingUser) {
      const existing = await during(`looking up ${upn} in Teams`, upn, () => this.instance(existingUser.id));
      return { instance: adoptOrRefuse(request, existingUser, existing), existingUser };
    }
    const instance = await during(`creating resource account ${upn}`, upn, () => this.create(request));
    return { instance, existingUser };
  }

  /**
   * findOrCreate has just seen that no account has the UPN, so when the call ends without an answer
   * (host crash or timeout, 5xx) an account that has the UPN now was made by this call and is
   * used; otherwise the call is made again. Never two accounts, never a refusal of our own
   * half-finished create.
   */
  private create(request: NewAccountRequest): Promise<TeamsInstance> {
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
