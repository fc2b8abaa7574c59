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
 * Existing account with the UPN: taken without `adopt` when it is the account this declaration
 * creates (same applicationId or none mapped yet, same display name: what an interrupted run
 * leaves), and the create goes on (mapping, usage location). Otherwise refused unless `adopt: true`
 * and it is a resource account for the same applicationId whose display name and usage location
 * equal the declared ones: adopting writes nothing (only a missing application mapping is synced),
 * and a difference is refused naming the field, the tenant's and the declared value. The
 * orchestration lives in the accounts service (provider/tenant/accounts/service.ts). check()
 * refuses a placeholder applicationId (nil GUID, repeated digits: normalizeAppId).
 */
import * as pulumi from "@pulumi/pulumi";

import { during, withPartialState } from "../errors";
import { applicationInstanceId } from "../ids";
import { progress } from "../log";
import { RESOURCE_MODULES, TYPE_MODULE } from "../registry";
import { shim } from "../shim";
import { configureSession, tenant, type TeamsInstance, type TenantUser } from "../tenant";
import {
  normalizeAppId,
  normalizeBoolean,
  normalizeDisplayName,
  normalizeLabel,
  normalizeUpn,
  normalizeUsageLocation,
} from "../validate";
import { changedKeys, checkWith, diffByRules, namedBy, type BotLabel, type Hooks } from "./common";

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
  adopt?: pulumi.Input<boolean>; /** How the stack config names the bot (e.g. `bots[2] (survey-bot, survey-bot@contoso.com)`), for messages. */
  bot?: pulumi.Input<string>;
}

/** Normalised inputs as check() returns them. */
interface Inputs extends BotLabel {
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
    const props = { objectId: undefined, tenantId: undefined, adopt: false, ...args };
    super(shim("applicationInstance"), name, props, opts, TYPE_MODULE, RESOURCE_MODULES.applicationInstance.type);
  }
}

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

/** The implementation the shim loads at call time. */
export const provider: Hooks<Inputs, ApplicationInstanceOutputs> = namedBy({
  configure: configureSession,

  check: checkWith<Inputs>((c) => {
    c.required("userPrincipalName", normalizeUpn);
    c.required("displayName", normalizeDisplayName);
    c.required("applicationId", (v) => normalizeAppId(v));
    c.required("usageLocation", normalizeUsageLocation);
    c.optional("adopt", normalizeBoolean, false);
    c.optional("bot", normalizeLabel);
  }),

  async diff(_id, olds, news) {
    const changed = changedKeys<Inputs>(olds, news, ["applicationId", "userPrincipalName"]);
    if (changed.includes("applicationId") && !changed.includes("userPrincipalName")) {
      progress(
        news.userPrincipalName ?? olds.userPrincipalName,
        'applicationId cannot change in place with app-only auth: `pulumi up` will fail unless the bot also gets a new userPrincipalName (or the resource has replaceOnChanges: ["applicationId"])',
      );
    }
    // The UPN can be held by one account only: the old one must go first.
    return diffByRules<Inputs>(olds, news, {
      compare: ["userPrincipalName", "displayName", "applicationId", "usageLocation"],
      replaceOn: ["userPrincipalName"],
      stables: ["objectId", "tenantId", "userPrincipalName"],
    });
  },

  async create(inputs) {
    const created = await tenant().accounts.create(inputs);
    const state = created.ok ? created.value : created.exists;
    const id = applicationInstanceId.format({ objectId: state.instance.objectId });
    const outs = outputs(inputs, state.instance.objectId, state.tenantId, state.user, state.instance);
    // The account exists: record it so the next `pulumi up` finishes the job instead of recreating it.
    if (!created.ok) throw withPartialState(created.error, id, outs);
    return { id, outs };
  },

  async read(id, props) {
    const { accounts } = tenant();
    const { objectId } = applicationInstanceId.parse(id);
    const label = applicationInstanceId.label({ objectId }, props?.userPrincipalName);
    const user = await during(`reading resource account ${label}`, label, () => accounts.user(objectId));
    if (!user) return {};
    const instance = await during(`reading resource account ${label} in Teams`, label, () =>
      accounts.instance(objectId),
    );
    const inputs: Inputs = {
      userPrincipalName: props?.userPrincipalName ?? user.userPrincipalName.toLowerCase(),
      displayName: props?.displayName ?? user.displayName ?? "",
      applicationId: props?.applicationId ?? instance?.applicationId ?? "",
      usageLocation: props?.usageLocation ?? user.usageLocation ?? "",
      adopt: props?.adopt ?? false,
      ...(props?.bot ? { bot: props.bot } : {}),
    };
    const tenantId = instance?.tenantId ?? props?.tenantId ?? accounts.tenantId;
    return { id, props: outputs(inputs, objectId, tenantId, user, instance) };
  },

  async update(id, olds, news) {
    const { accounts } = tenant();
    const { objectId } = applicationInstanceId.parse(id);
    const { user, instance } = await accounts.update({ objectId, fromApplicationId: olds.applicationId, to: news });
    return { outs: outputs(news, objectId, olds.tenantId || accounts.tenantId, user, instance) };
  },

  async delete(id, props) {
    const { objectId } = applicationInstanceId.parse(id);
    await tenant().accounts.remove(objectId, applicationInstanceId.label({ objectId }, props?.userPrincipalName));
  },
});
