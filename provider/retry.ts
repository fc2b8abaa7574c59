/**
 * Retry: one small loop plus named strategies. Used only where nothing else retries: PowerShell
 * cmdlets, operation polling, and Graph failures the Graph client's RetryHandler leaves alone
 * (it already retries 429/503/504 honouring Retry-After; we never wrap that twice).
 */
import { isTenantError, type ServiceCondition, type TenantError } from "./errors";
import { progress } from "./log";

/** Decides whether (and after how long) to retry a failure; undefined = not mine. */
export interface RetryStrategy {
  /** Name shown in progress lines, e.g. "throttled". */
  name: string;
  /** Delay before attempt `attempt + 1` (attempt counts from 1), or undefined to pass. */
  delayMs(error: unknown, attempt: number): number | undefined;
}

/** Options of one retried call. */
export interface RetryOptions {
  /** Strategies asked in order; the first that returns a delay wins. */
  strategies: RetryStrategy[];
  /** Attempts in total, including the first (default 5). */
  maxAttempts?: number;
  /** Resource label for progress lines. */
  resource: string;
  /** What is being retried, for progress lines, e.g. "New-CsOnlineApplicationInstance". */
  what: string;
  /** Injectable sleep (tests). */
  sleep?: (ms: number) => Promise<void>;
}

/** Upper bound of any single wait between attempts. */
export const MAX_RETRY_DELAY_MS = 60_000;

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `call`, retrying as the strategies say, at most `maxAttempts` times. */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 5;
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (attempt >= maxAttempts) throw e;
      const chosen = firstDelay(options.strategies, e, attempt);
      if (!chosen) throw e;
      progress(
        options.resource,
        `${options.what}: ${chosen.name}, retrying in ${seconds(chosen.delayMs)} (attempt ${attempt + 1} of ${maxAttempts})`,
      );
      await wait(chosen.delayMs);
    }
  }
}

function firstDelay(
  strategies: RetryStrategy[],
  e: unknown,
  attempt: number,
): { name: string; delayMs: number } | undefined {
  for (const s of strategies) {
    const d = s.delayMs(e, attempt);
    if (d !== undefined) return { name: s.name, delayMs: Math.min(Math.max(0, d), MAX_RETRY_DELAY_MS) };
  }
  return undefined;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
}

/** Exponential backoff with full jitter: random in [base·2^(n-1)/2, base·2^(n-1)], capped. */
export function backoffMs(attempt: number, baseMs: number, capMs = 30_000, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** 429 (or a cmdlet's "throttled"): wait what Retry-After says, else back off exponentially. */
export function throttling(baseMs = 1_000): RetryStrategy {
  return {
    name: "throttled",
    delayMs(e, attempt) {
      if (!isTenantError(e) || e.kind !== "throttled") return undefined;
      return e.retryAfterMs !== undefined ? e.retryAfterMs : backoffMs(attempt, baseMs);
    },
  };
}

/**
 * 5xx and network failures: exponential backoff with jitter. `statuses` limits which HTTP
 * statuses count (Graph calls pass 500/502 only, since the Graph client retries 503/504).
 */
export function transient(baseMs = 500, statuses: number[] = [500, 502, 503, 504]): RetryStrategy {
  return {
    name: "transient failure",
    delayMs(e, attempt) {
      if (!isTenantError(e) || e.kind !== "transient") return undefined;
      if (e.status !== undefined && e.status > 0 && !statuses.includes(e.status)) return undefined;
      return backoffMs(attempt, baseMs);
    },
  };
}

/** A read whose host crashed or timed out is repeated once (the next call starts a new host). */
export function hostRestarted(): RetryStrategy {
  return {
    name: "host restarted",
    delayMs: (e, attempt) => (attempt === 1 && isTenantError(e) && e.kind === "outcomeUnknown" ? 0 : undefined),
  };
}

/** Options of `retryUntilKnown`. */
export interface UntilKnownOptions<T> {
  /** The change (assign, create …): may end without a clear answer. */
  call: () => Promise<T>;
  /** After an unclear end: the result when the change took effect after all, else undefined. */
  lookup: () => Promise<T | undefined>;
  /** Attempts of `call` in total. */
  maxAttempts: number;
  /** Resource label for progress lines. */
  resource: string;
  /** Progress line when the lookup found the change done. */
  done: (e: TenantError, found: T) => string;
  /** Progress line before the next attempt. */
  again: (e: TenantError, next: number) => string;
  /** Pause before attempt `attempt + 1` (default none). */
  pauseMs?: (attempt: number) => number;
}

/**
 * Runs a change that is not safe to repeat blindly. When it ends without a clear answer
 * (kind transient or outcomeUnknown: 5xx, network failure, host crash or timeout), looks whether it
 * happened: done means done, otherwise the call is made again (bounded). Never twice, never lost.
 */
export async function retryUntilKnown<T>(o: UntilKnownOptions<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await o.call();
    } catch (e) {
      if (!isTenantError(e) || (e.kind !== "outcomeUnknown" && e.kind !== "transient") || attempt >= o.maxAttempts)
        throw e;
      const found = await o.lookup();
      if (found !== undefined) {
        progress(o.resource, o.done(e, found));
        return found;
      }
      progress(o.resource, o.again(e, attempt + 1));
      const pause = o.pauseMs?.(attempt) ?? 0;
      if (pause > 0) await sleep(pause);
    }
  }
}

/** Options of `waitOutLag`. */
export interface LagOptions {
  /** The refusal that may only mean the service has not caught up yet. */
  condition: ServiceCondition;
  /** Before each retry: true when the refusal is a lag (what it waits for already shows elsewhere). */
  lagging?: (e: TenantError) => Promise<boolean>;
  /** Longest time spent retrying, from the first refusal (0 = never retry). */
  budgetMs: number;
  /** First pause; doubled each time (with jitter), capped at MAX_RETRY_DELAY_MS. */
  baseMs: number;
  resource: string;
  /** What is retried, e.g. "assigning number +14255550100". */
  what: string;
  /** Why, for progress lines, e.g. "Teams does not see the licence yet (it lags behind Entra)". */
  why: string;
  /** Injectable sleep (tests). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Repeats `call` while it is refused with `condition` and `lagging` agrees, with backoff, for at
 * most `budgetMs` from the first refusal; then the last refusal is thrown. Prints a progress line
 * before each retry.
 */
export async function waitOutLag<T>(call: () => Promise<T>, o: LagOptions): Promise<T> {
  const wait = o.sleep ?? sleep;
  let firstMs: number | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (!isTenantError(e) || e.condition !== o.condition) throw e;
      firstMs ??= Date.now();
      const waitedMs = Date.now() - firstMs;
      const pauseMs = Math.min(backoffMs(attempt, o.baseMs, MAX_RETRY_DELAY_MS), o.budgetMs - waitedMs);
      if (pauseMs <= 0 || (o.lagging && !(await o.lagging(e)))) throw e;
      progress(
        o.resource,
        `${o.what}: ${o.why}: retrying in ${seconds(pauseMs)} (waited ${seconds(waitedMs)} of at most ${seconds(o.budgetMs)})`,
      );
      await wait(pauseMs);
    }
  }
}

/** Parses a Retry-After header (seconds or HTTP date) into milliseconds. */
export function parseRetryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
