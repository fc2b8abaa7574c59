/**
 * Retry: one small loop plus named strategies. Used only where nothing else retries: PowerShell
 * cmdlets, operation polling, and Graph failures the Graph client's RetryHandler leaves alone
 * (it already retries 429/503/504 honouring Retry-After; we never wrap that twice).
 */
import { TenantError } from "./errors";
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

const THROTTLED_TEXT = /\b429\b|TooManyRequests|throttl|rate limit/i;
const TRANSIENT_TEXT =
  /\b(500|502|503|504)\b|ServiceUnavailable|GatewayTimeout|BadGateway|InternalServerError|temporarily unavailable|timed? ?out|ECONNRESET|ECONNREFUSED|EPIPE|socket hang up|fetch failed/i;

function statusOf(e: unknown): number | undefined {
  return e instanceof TenantError ? e.status : undefined;
}

function textOf(e: unknown): string {
  if (e instanceof TenantError) return `${e.code ?? ""} ${e.reason}`;
  return e instanceof Error ? `${(e as { code?: string }).code ?? ""} ${e.message}` : String(e);
}

/** 429 / "throttled": wait what Retry-After says, else back off exponentially. */
export function throttling(baseMs = 1_000): RetryStrategy {
  return {
    name: "throttled",
    delayMs(e, attempt) {
      // Words count only when there is no status: identities in messages may contain anything.
      const status = statusOf(e);
      const throttled = status === 429 || (status === undefined && THROTTLED_TEXT.test(textOf(e)));
      if (!throttled) return undefined;
      const after = e instanceof TenantError ? e.retryAfterMs : undefined;
      return after !== undefined ? after : backoffMs(attempt, baseMs);
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
      const status = statusOf(e);
      if (status !== undefined && status > 0) return statuses.includes(status) ? backoffMs(attempt, baseMs) : undefined;
      return TRANSIENT_TEXT.test(textOf(e)) ? backoffMs(attempt, baseMs) : undefined;
    },
  };
}

/** Parses a Retry-After header (seconds or HTTP date) into milliseconds. */
export function parseRetryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
