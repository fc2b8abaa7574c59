/**
 * ApplicationInstance: a Teams resource account (application instance) for a bot.
 *
 * create: New-CsOnlineApplicationInstance -ApplicationId -Force; Sync-CsOnlineApplicationInstance
 * only when the instance came out without its application mapping (zero-GUID reset on the
 * "same key" conflict); wait until Graph sees the user; PATCH its usage location.
 * read: Graph (user: name, UPN, usage location) + Teams (application id).
 * update: displayName and usageLocation through Graph `PATCH /users/{id}`.
 * replace: userPrincipalName (delete first: a UPN can be held once).
 * delete: Graph `DELETE /users/{id}` (there is no Teams cmdlet), then wait until it is gone.
 *
 * Decision — changing applicationId or displayName in place: Set-CsOnlineApplicationInstance is
 * not supported with app-only auth (the only auth a provider has), so it is never called.
 * - displayName: the instance *is* an Entra user and Teams shows that user's name, so it is
 *   updated through Graph, which app-only auth allows.
 * - applicationId: not changed in place. `update` fails before touching the tenant with a message
 *   naming the limitation and the two fixes: opt into replacement with the resource option
 *   `replaceOnChanges: ["applicationId"]` (a new account; its licence and number follow), or
 *   change it as a Teams admin in a delegated session and run `pulumi refresh`. Replacing
 *   silently would drop the bot's number for as long as the new licence takes to provision.
 *
 * Adopt: create refuses an existing account with the same UPN unless `adopt: true` and the
 * existing account is a resource account for the same applicationId; its display name and usage
 * location are then brought to the declared values.
 */
import * as pulumi from "@pulumi/pulumi";

import { waitFor } from "../consistency";
import { during, TenantError, withPartialState } from "../errors";
import { applicationInstanceId } from "../ids";
import { progress } from "../log";
import { shim } from "../shim";
import type { ApplicationInstance as TeamsInstance, TenantClient, TenantUser } from "../tenant/client";
import { configureSession, tenant } from "../tenant/session";
import {
  Checker,
  normalizeBoolean,
  normalizeDisplayName,
  normalizeGuid,
  normalizeUpn,
  normalizeUsageLocation,
} from "../validate";
import { changedKeys, pollIntervalMs } from "./common";

/** Inputs of an ApplicationInstance. */
export interface ApplicationInstanceArgs {
  /** The account's UPN (and SIP address), on a verified domain, e.g. incident-bot@contoso.com. */
  userPrincipalName: pulumi.Input<string>;
  /** Name shown in Teams. */
  displayName: pulumi.Input<string>;
  /** The bot's Entra app (client) id, or the auto attendant / call queue application id. */
  applicationId: pulumi.Input<string>;
  /** ISO 3166-1 alpha-2 country where the account is used (required before licensing), e.g. US. */
  usageLocation: pulumi.Input<string>;
  /** Take over an existing resource account with this UPN and applicationId instead of refusing. */
  adopt?: pulumi.Input<boolean>;
}

/** Normalised inputs as check() returns them. */
interface Inputs {
  userPrincipalName: string;
  displayName: string;
  applicationId: string;
  usageLocation: string;
  adopt: boolean;
}

/** Outputs recorded in state (never a secret). */
export interface ApplicationInstanceOutputs extends Inputs {
  /** Entra object id of the resource account (use it for the licence, the number and in call identities). */
  objectId: string;
  /** Directory (tenant) id. */
  tenantId: string;
}

/** A Teams resource account for a bot: `pulumi-nodejs:dynamic/teams:ApplicationInstance`. */
export class ApplicationInstance extends pulumi.dynamic.Resource {
  declare readonly objectId: pulumi.Output<string>;
  declare readonly tenantId: pulumi.Output<string>;
  declare readonly applicationId: pulumi.Output<string>;
  declare readonly displayName: pulumi.Output<string>;
  declare readonly userPrincipalName: pulumi.Output<string>;
  declare readonly usageLocation: pulumi.Output<string>;

  constructor(name: string, args: ApplicationInstanceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      shim("applicationInstance"),
      name,
      { objectId: undefined, tenantId: undefined, adopt: false, ...args },
      opts,
      "teams",
      "ApplicationInstance",
    );
  }
}

const MAPPING_CONFLICT = /same key has already been added/i;
const ZERO_GUID = "00000000-0000-0000-0000-000000000000";
/** How long a new account may take to show up in Graph. */
const REPLICATION_TIMEOUT_MS = 10 * 60_000;
/** How long a deleted account may take to disappear from Graph. */
const DELETION_TIMEOUT_MS = 5 * 60_000;

const hasMapping = (i: TeamsInstance): boolean => i.applicationId !== "" && i.applicationId !== ZERO_GUID;

function outputs(
  inputs: Inputs,
  objectId: string,
  tenantId: string,
  user: TenantUser | undefined,
  instance: TeamsInstance | undefined,
): ApplicationInstanceOutputs {
  return {
    ...inputs,
    objectId,
    tenantId,
    userPrincipalName: (
      user?.userPrincipalName ??
      instance?.userPrincipalName ??
      inputs.userPrincipalName
    ).toLowerCase(),
    displayName: user?.displayName ?? instance?.displayName ?? "",
    applicationId: instance?.applicationId ?? "",
    usageLocation: user?.usageLocation ?? "",
  };
}

/** Refuses (or accepts, with adopt) an account that already has the UPN. */
function adoptOrRefuse(
  inputs: Inputs,
  user: TenantUser | undefined,
  instance: TeamsInstance | undefined,
): TeamsInstance {
  const upn = inputs.userPrincipalName;
  const operation = `creating resource account ${upn}`;
  const objectId = instance?.objectId ?? user?.id ?? "";
  if (!instance) {
    throw new TenantError({
      operation,
      resource: upn,
      code: "NotAResourceAccount",
      reason: `a user that is not a Teams resource account already has this user principal name (object id ${objectId})`,
      hint: "Adopt only takes over resource accounts; choose another userPrincipalName or remove that user.",
    });
  }
  if (!inputs.adopt) {
    throw new TenantError({
      operation,
      resource: upn,
      code: "AlreadyExists",
      reason: `a resource account with this user principal name already exists (object id ${objectId}, application id ${instance.applicationId || "none"})`,
      hint: `To manage it with Pulumi, set adopt: true on this ApplicationInstance (it is adopted only if its application id is ${inputs.applicationId}); or choose another userPrincipalName.`,
    });
  }
  if (hasMapping(instance) && instance.applicationId !== inputs.applicationId) {
    throw new TenantError({
      operation: `adopting resource account ${upn}`,
      resource: upn,
      code: "AdoptMismatch",
      reason: `the existing account belongs to application ${instance.applicationId}, not ${inputs.applicationId}`,
      hint: "Set applicationId to the account's application id to adopt it, or choose another userPrincipalName.",
    });
  }
  progress(upn, `adopting existing resource account ${objectId}`);
  return instance;
}

/** Maps the instance to its application when it has no mapping (zero-GUID reset on the "same key" conflict). */
async function ensureMapping(
  t: TenantClient,
  instance: TeamsInstance,
  applicationId: string,
  upn: string,
): Promise<void> {
  if (hasMapping(instance)) return;
  const sync = () => t.syncApplicationInstance(instance.objectId, applicationId);
  await during(`mapping ${upn} to application ${applicationId} (Sync-CsOnlineApplicationInstance)`, upn, async () => {
    try {
      await sync();
    } catch (e) {
      if (!(e instanceof TenantError) || !MAPPING_CONFLICT.test(e.reason)) throw e;
      progress(upn, "application mapping conflict: resetting it with the zero GUID, then syncing again");
      await t.syncApplicationInstance(instance.objectId, ZERO_GUID);
      await sync();
    }
  });
}

/** Attempts of New-CsOnlineApplicationInstance when its outcome stays unknown. */
const CREATE_ATTEMPTS = 3;

/** A failure after which New-CsOnlineApplicationInstance may or may not have created the account. */
function outcomeUnknown(e: unknown): e is TenantError {
  return (
    e instanceof TenantError &&
    (e.code === "HostExited" || e.code === "HostTimeout" || (e.status !== undefined && e.status >= 500))
  );
}

/**
 * New-CsOnlineApplicationInstance, safe to repeat: create() has just seen that no account has the
 * UPN, so when the call ends without an answer (host crash or timeout, 5xx) an account that has
 * the UPN now was made by this call and is used; otherwise the call is made again. Never two
 * accounts, never a refusal of our own half-finished create.
 */
async function newInstance(t: TenantClient, inputs: Inputs): Promise<TeamsInstance> {
  const upn = inputs.userPrincipalName;
  for (let attempt = 1; ; attempt++) {
    try {
      return await t.newApplicationInstance({
        userPrincipalName: upn,
        displayName: inputs.displayName,
        applicationId: inputs.applicationId,
      });
    } catch (e) {
      if (!outcomeUnknown(e) || attempt >= CREATE_ATTEMPTS) throw e;
      const made = await t.getApplicationInstance(upn);
      if (made) {
        progress(
          upn,
          `New-CsOnlineApplicationInstance ended without an answer (${e.code ?? e.status}); the account exists now (object id ${made.objectId}): continuing with it`,
        );
        return made;
      }
      progress(
        upn,
        `New-CsOnlineApplicationInstance ended without an answer (${e.code ?? e.status}) and created nothing: trying again (attempt ${attempt + 1} of ${CREATE_ATTEMPTS})`,
      );
    }
  }
}

/** Waits until `check` holds for the Graph user (or its absence) several times in a row. */
function waitForUser(
  t: TenantClient,
  objectId: string,
  upn: string,
  present: boolean,
): Promise<TenantUser | undefined> {
  return waitFor<TenantUser>({
    what: present ? `${upn} to appear in Microsoft Graph (replication)` : `${upn} to disappear from Microsoft Graph`,
    resource: upn,
    timeoutMs: present ? REPLICATION_TIMEOUT_MS : DELETION_TIMEOUT_MS,
    intervalMs: pollIntervalMs(),
    confirmations: 2,
    check: async () => {
      const user = await t.getUser(objectId);
      return { done: present === !!user, status: user ? "visible" : "not visible", value: user };
    },
  });
}

/** Brings display name and usage location of the Graph user to the declared values. */
async function patchUser(t: TenantClient, user: TenantUser, inputs: Inputs): Promise<TenantUser> {
  const patch: { usageLocation?: string; displayName?: string } = {};
  if (user.usageLocation !== inputs.usageLocation) patch.usageLocation = inputs.usageLocation;
  if (user.displayName !== inputs.displayName) patch.displayName = inputs.displayName;
  if (Object.keys(patch).length === 0) return user;
  const what = Object.entries(patch)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  await during(`setting ${what} on ${inputs.userPrincipalName}`, inputs.userPrincipalName, () =>
    t.updateUser(user.id, patch),
  );
  return { ...user, ...patch };
}

/** The implementation the shim loads at call time. */
export const provider: pulumi.dynamic.ResourceProvider<Inputs, ApplicationInstanceOutputs> = {
  configure: configureSession,

  async check(_olds, news) {
    const c = new Checker(news as unknown as Record<string, unknown>);
    c.required("userPrincipalName", normalizeUpn);
    c.required("displayName", normalizeDisplayName);
    c.required("applicationId", (v) => normalizeGuid(v, "an application (client) id"));
    c.required("usageLocation", normalizeUsageLocation);
    c.optional("adopt", normalizeBoolean, false);
    const { inputs, failures } = c.result();
    return { inputs: inputs as unknown as Inputs, failures };
  },

  async diff(_id, olds, news) {
    const changed = changedKeys<Inputs>(olds, news, [
      "userPrincipalName",
      "displayName",
      "applicationId",
      "usageLocation",
    ]);
    const replaces = changed.filter((k) => k === "userPrincipalName");
    if (changed.includes("applicationId") && replaces.length === 0) {
      progress(
        news.userPrincipalName ?? olds.userPrincipalName,
        'applicationId cannot change in place with app-only auth: `pulumi up` will fail unless the resource has replaceOnChanges: ["applicationId"]',
      );
    }
    return {
      changes: changed.length > 0,
      replaces,
      // The UPN can be held by one account only: the old one must go first.
      deleteBeforeReplace: replaces.length > 0,
      stables: replaces.length > 0 ? [] : ["objectId", "tenantId", "userPrincipalName"],
    };
  },

  async create(inputs) {
    const t = tenant();
    const upn = inputs.userPrincipalName;
    const existingUser = await during(`looking up ${upn} in Microsoft Graph`, upn, () => t.getUser(upn));
    const existing = await during(`looking up ${upn} in Teams`, upn, () =>
      t.getApplicationInstance(existingUser?.id ?? upn),
    );
    const instance =
      existingUser || existing
        ? adoptOrRefuse(inputs, existingUser, existing)
        : await during(`creating resource account ${upn}`, upn, () => newInstance(t, inputs));
    const id = applicationInstanceId.format({ objectId: instance.objectId });
    const tenantId = instance.tenantId ?? t.settings.tenantId;
    try {
      await ensureMapping(t, instance, inputs.applicationId, upn);
      const seen = existingUser ?? (await waitForUser(t, instance.objectId, upn, true));
      const user = await patchUser(t, seen!, inputs);
      return {
        id,
        outs: outputs(inputs, instance.objectId, tenantId, user, { ...instance, applicationId: inputs.applicationId }),
      };
    } catch (e) {
      // The account exists: record it so the next `pulumi up` finishes the job instead of recreating it.
      throw withPartialState(e, id, outputs(inputs, instance.objectId, tenantId, existingUser, instance));
    }
  },

  async read(id, props) {
    const t = tenant();
    const { objectId } = applicationInstanceId.parse(id);
    const label = applicationInstanceId.label({ objectId }, props?.userPrincipalName);
    const user = await during(`reading resource account ${label}`, label, () => t.getUser(objectId));
    if (!user) return {};
    const instance = await during(`reading resource account ${label} in Teams`, label, () =>
      t.getApplicationInstance(objectId),
    );
    const inputs: Inputs = {
      userPrincipalName: props?.userPrincipalName ?? user.userPrincipalName.toLowerCase(),
      displayName: props?.displayName ?? user.displayName ?? "",
      applicationId: props?.applicationId ?? instance?.applicationId ?? "",
      usageLocation: props?.usageLocation ?? user.usageLocation ?? "",
      adopt: props?.adopt ?? false,
    };
    return {
      id,
      props: outputs(inputs, objectId, instance?.tenantId ?? props?.tenantId ?? t.settings.tenantId, user, instance),
    };
  },

  async update(id, olds, news) {
    const t = tenant();
    const { objectId } = applicationInstanceId.parse(id);
    const upn = news.userPrincipalName;
    if (changedKeys<Inputs>(olds, news, ["applicationId"]).length > 0) {
      throw new TenantError({
        operation: `changing the application id of ${upn} from ${olds.applicationId || "none"} to ${news.applicationId}`,
        resource: upn,
        code: "UnsupportedWithAppOnlyAuth",
        reason:
          "Set-CsOnlineApplicationInstance is not supported with app-only authentication, so the provider cannot change it in place",
        hint:
          'Add the resource option replaceOnChanges: ["applicationId"] to replace the account (its licence and number are re-created), ' +
          "or run Set-CsOnlineApplicationInstance -Identity <upn> -ApplicationId <id> as a Teams admin and then `pulumi refresh`.",
      });
    }
    const current = await during(`reading resource account ${upn}`, upn, () => t.getUser(objectId));
    if (!current) {
      throw new TenantError({
        operation: `updating resource account ${upn}`,
        resource: upn,
        code: "NotFound",
        reason: `the account ${objectId} no longer exists`,
        hint: "Run `pulumi refresh` and then `pulumi up` to create it again.",
      });
    }
    // A partial create leaves the mapping out: finish it here.
    const instance = await during(`reading resource account ${upn} in Teams`, upn, () =>
      t.getApplicationInstance(objectId),
    );
    if (instance) await ensureMapping(t, instance, news.applicationId, upn);
    const user = await patchUser(t, current, news);
    return {
      outs: outputs(
        news,
        objectId,
        olds.tenantId || t.settings.tenantId,
        user,
        instance ? { ...instance, applicationId: news.applicationId } : undefined,
      ),
    };
  },

  async delete(id, props) {
    const t = tenant();
    const { objectId } = applicationInstanceId.parse(id);
    const label = applicationInstanceId.label({ objectId }, props?.userPrincipalName);
    const deleted = await during(`deleting resource account ${label}`, label, () => t.deleteUser(objectId));
    if (!deleted) progress(label, "already gone");
    await waitForUser(t, objectId, label, false);
  },
};
