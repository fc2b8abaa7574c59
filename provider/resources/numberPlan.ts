/**
 * NumberPlan: the stack's declaration of who should hold which number, so number moves can run as
 * one plan in one `pulumi up` (provider/tenant/moves/registry.ts; README "How number moves work").
 * It changes nothing in the tenant. Every BotPhoneNumber of the stack depends on it, so before any
 * number changes, the provider process knows each bot's UPN and wanted number (a swap, a rotation,
 * a chain: the holder of a wanted number is moving too) and which accounts the stack removes in
 * this run (Pulumi deletes removed resources last, so their numbers are taken from them by the plan
 * instead of waited for). It takes plain values only and so depends on no account: an account
 * refused under --continue-on-error costs its own bot's number, not every bot's.
 *
 * check: every entry normalised; a number declared on two bots is refused. diff: declares the plan
 * to the provider process (preview too: nothing moves in a preview); a change of any bot's number
 * shows here. create / update: record the bots and the accounts removed (kept, so a run that
 * failed before its deletes still knows them). read: what is recorded. delete: nothing to do.
 */
import * as pulumi from "@pulumi/pulumi";

import { RESOURCE_MODULES, TYPE_MODULE } from "../registry";
import { shim } from "../shim";
import { configureSession, declareStack, type DeclaredStack } from "../tenant";
import {
  normalizeBoolean,
  normalizeLocationId,
  normalizeNumberType,
  normalizePhoneNumber,
  normalizeUpn,
  type CheckFailure,
  type Normalized,
  type NumberType,
} from "../validate";
import type { Hooks } from "./common";

/**
 * One bot as the plan declares it: plain values of the stack config. No account id (an output of
 * the account): a plan that took one would depend on every account, and one refused account would
 * skip every bot's number under --continue-on-error. The provider matches holders by UPN.
 */
export interface NumberPlanBotArgs {
  userPrincipalName: pulumi.Input<string>;
  /** The number the bot should hold after this run; absent = none. */
  phoneNumber?: pulumi.Input<string>;
  numberType?: pulumi.Input<string>;
  locationId?: pulumi.Input<string>;
}

/** Inputs of a NumberPlan. */
export interface NumberPlanArgs {
  /** Every bot of the stack. */
  bots: pulumi.Input<pulumi.Input<NumberPlanBotArgs>[]>;
  /**
   * The stack protects its bots (Pulumi `protect`): a bot removed from the stack keeps its number
   * (its delete will be refused), so no other bot may take it in this run.
   */
  protect?: pulumi.Input<boolean>;
}

interface PlanBot {
  userPrincipalName: string;
  phoneNumber?: string;
  numberType?: NumberType;
  locationId?: string;
}

interface Inputs {
  bots: PlanBot[];
  protect?: boolean;
}

/** An account the stack removed: its number may be taken by a bot of the stack (its id: recorded by earlier versions). */
interface Removed {
  instanceId?: string;
  userPrincipalName: string;
}

/** Outputs recorded in state. */
export interface NumberPlanOutputs extends Inputs {
  removed: Removed[];
}

/** The stack's number plan: `pulumi-nodejs:dynamic/teams:NumberPlan`. */
export class NumberPlan extends pulumi.dynamic.Resource {
  declare readonly bots: pulumi.Output<PlanBot[]>;
  declare readonly removed: pulumi.Output<Removed[]>;

  constructor(name: string, args: NumberPlanArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      shim("numberPlan"),
      name,
      { removed: undefined, ...args },
      opts,
      TYPE_MODULE,
      RESOURCE_MODULES.numberPlan.type,
    );
  }
}

/** Removed accounts kept at most (oldest dropped): enough for any run that failed before its deletes. */
const REMOVED_KEPT = 200;

/** Accounts in the previous plan (or removed before) that this one no longer has. */
function removedOf(olds: Partial<NumberPlanOutputs> | undefined, news: Inputs): Removed[] {
  const keep = new Set(news.bots.map((b) => b.userPrincipalName.toLowerCase()));
  const seen = new Set<string>();
  const out: Removed[] = [];
  const earlier: Removed[] = [...(olds?.bots ?? []), ...(olds?.removed ?? [])];
  for (const r of earlier) {
    const upn = r.userPrincipalName.toLowerCase();
    if (keep.has(upn) || seen.has(upn)) continue;
    seen.add(upn);
    out.push({ ...(r.instanceId ? { instanceId: r.instanceId } : {}), userPrincipalName: r.userPrincipalName });
  }
  return out.slice(0, REMOVED_KEPT);
}

function declared(news: Inputs, removed: Removed[]): DeclaredStack {
  return {
    // Protected bots are not deleted in this run: their numbers are not given away either.
    ...(news.protect ? { removed: [], kept: removed } : { removed }),
    bots: news.bots.map((b) => ({
      userPrincipalName: b.userPrincipalName,
      target:
        b.phoneNumber && b.numberType
          ? { phoneNumber: b.phoneNumber, numberType: b.numberType, locationId: b.locationId ?? null }
          : undefined,
    })),
  };
}

/** Normalises the entries; failures keyed `bots[i].<key>`; a number declared twice is refused. */
function checkBots(raw: unknown): { inputs: Inputs; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  if (!Array.isArray(raw))
    return { inputs: { bots: [] }, failures: [{ property: "bots", reason: "a list of bots is required" }] };
  const take = <T>(property: string, r: Normalized<T>): T | undefined => {
    if (r.ok) return r.value;
    failures.push({ property, reason: r.reason });
    return undefined;
  };
  const owner = new Map<string, number>();
  const bots = raw.map((b: Record<string, unknown>, i): PlanBot => {
    const at = (k: string): string => `bots[${i}].${k}`;
    const bot: PlanBot = {
      userPrincipalName: take(at("userPrincipalName"), normalizeUpn(b?.userPrincipalName)) ?? "",
    };
    if (b?.phoneNumber !== undefined) {
      const numberType = take(at("numberType"), normalizeNumberType(b.numberType));
      bot.phoneNumber = take(at("phoneNumber"), normalizePhoneNumber(b.phoneNumber, numberType));
      bot.numberType = numberType;
      if (b.locationId !== undefined) bot.locationId = take(at("locationId"), normalizeLocationId(b.locationId));
      const first = bot.phoneNumber === undefined ? undefined : owner.get(bot.phoneNumber);
      if (first !== undefined)
        failures.push({
          property: at("phoneNumber"),
          reason: `${bot.phoneNumber} is also declared on bots[${first}]: a number can be on one account only`,
        });
      else if (bot.phoneNumber) owner.set(bot.phoneNumber, i);
    }
    return bot;
  });
  return { inputs: { bots }, failures };
}

/** The implementation the shim loads at call time. */
export const provider: Hooks<Inputs, NumberPlanOutputs> = {
  configure: configureSession,

  check: async (_olds, news) => {
    const raw = news as unknown as { bots?: unknown; protect?: unknown };
    const checked = checkBots(raw.bots);
    const protect = normalizeBoolean(raw.protect ?? false);
    if (protect.ok) checked.inputs.protect = protect.value;
    else checked.failures.push({ property: "protect", reason: protect.reason });
    return checked;
  },

  async diff(_id, olds, news) {
    const removed = removedOf(olds, news);
    declareStack(declared(news, removed));
    const changes =
      JSON.stringify(olds.bots ?? []) !== JSON.stringify(news.bots) ||
      JSON.stringify(olds.removed ?? []) !== JSON.stringify(removed) ||
      !!olds.protect !== !!news.protect;
    return { changes, replaces: [], deleteBeforeReplace: false };
  },

  async create(inputs) {
    declareStack(declared(inputs, []));
    return { id: "number-plan", outs: { bots: inputs.bots, protect: inputs.protect, removed: [] } };
  },

  async read(id, props) {
    return { id, props };
  },

  async update(_id, olds, news) {
    const removed = removedOf(olds, news);
    declareStack(declared(news, removed));
    return { outs: { bots: news.bots, protect: news.protect, removed } };
  },

  async delete() {
    // Nothing in the tenant.
  },
};
