/**
 * What the three resource modules share: the diff of recorded outputs against new inputs, the
 * typed check() through a Checker, and the resource class's registration under the registry's type.
 */
import type * as pulumi from "@pulumi/pulumi";

import { isTenantError } from "../errors";
import { Checker, type CheckFailure } from "../validate";

/** The keys whose values differ between recorded outputs and new inputs (absent ≡ null ≡ ""). */
export function changedKeys<T extends object>(
  olds: Partial<T>,
  news: Partial<T>,
  keys: (keyof T & string)[],
): (keyof T & string)[] {
  const norm = (v: unknown): unknown => (v === undefined || v === null || v === "" ? null : v);
  return keys.filter((k) => JSON.stringify(norm(olds[k])) !== JSON.stringify(norm(news[k])));
}

/** How a resource diffs: the inputs compared, those that replace, the outputs that stay otherwise. */
export interface DiffRules<I extends object> {
  /** Inputs compared (anything else never causes a change). */
  compare: (keyof I & string)[];
  /** Inputs whose change replaces the resource; the old one is deleted first (it holds something unique). */
  replaceOn: (keyof I & string)[];
  /** Outputs that stay the same on an in-place update… */
  stables: string[];
  /** …unless one of these inputs changed. */
  unstableOn?: (keyof I & string)[];
}

/** A dynamic-provider diff following `rules`. */
export function diffByRules<I extends object>(
  olds: Partial<I>,
  news: Partial<I>,
  rules: DiffRules<I>,
): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean; stables: string[] } {
  const changed = changedKeys<I>(olds, news, rules.compare);
  const replaces = changed.filter((k) => rules.replaceOn.includes(k));
  const unstable = replaces.length > 0 || changed.some((k) => rules.unstableOn?.includes(k));
  return {
    changes: changed.length > 0,
    replaces,
    deleteBeforeReplace: replaces.length > 0,
    stables: unstable ? [] : rules.stables,
  };
}

/** A check() hook: `declare` normalises the inputs through a typed Checker. */
export function checkWith<I extends object>(
  declare: (c: Checker<I>) => void,
): (olds: I, news: I) => Promise<{ inputs: I; failures: CheckFailure[] }> {
  return async (_olds, news) => {
    const c = new Checker<I>(news as unknown as Record<string, unknown>);
    declare(c);
    return c.result();
  };
}

/** The provider object of a resource module: every hook (the shim calls each without a fallback), typed by inputs and outputs. */
export type Hooks<I, O> = Required<pulumi.dynamic.ResourceProvider<I, O>>;

/** The inputs every resource of a bot takes for messages: how the stack config names the bot. */
export interface BotLabel {
  /** E.g. `bots[2] (survey-bot, survey-bot@contoso.com)`: prefixed to every error, never compared. */
  bot?: string;
}

/**
 * Puts the bot's label in front of every error a hook raises (its message and, for init failures, its
 * reasons). The error is copied, not changed: one error can reach several resources' hooks (a token
 * failure shared by concurrent Graph calls), and each must carry its own bot's name.
 */
export function namedBy<I extends BotLabel, O extends BotLabel>(hooks: Hooks<I, O>): Hooks<I, O> {
  const named = async <T>(label: string | undefined, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (e) {
      if (!label || !(e instanceof Error)) throw e;
      const copy = Object.create(Object.getPrototypeOf(e), Object.getOwnPropertyDescriptors(e)) as Error & {
        reasons?: string[];
      };
      copy.message = `${label}: ${e.message}`;
      if (copy.reasons) copy.reasons = copy.reasons.map((r) => `${label}: ${r}`);
      throw copy;
    }
  };
  return {
    ...hooks,
    diff: (id, olds, news) => named(news.bot, () => hooks.diff(id, olds, news)).catch(withoutTrace),
    create: (inputs) => named(inputs.bot, () => hooks.create(inputs)),
    read: (id, props) => named(props?.bot, () => hooks.read(id, props)),
    update: (id, olds, news) => named(news.bot, () => hooks.update(id, olds, news)),
    delete: (id, props) => named(props.bot, () => hooks.delete(id, props)),
  };
}

/**
 * A refusal of ours in diff is the preview's answer, not a crash: Pulumi's dynamic provider prints a
 * failed diff with its stack to stderr, so the refusal goes without one (the message says it all).
 */
function withoutTrace(e: unknown): never {
  if (isTenantError(e) && e.errorCode) e.stack = "";
  throw e;
}
