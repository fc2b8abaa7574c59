/**
 * Waiting for the tenant to become consistent (replication after create, licence provisioning,
 * deletion): bounded, logged through progress(), and done only after several confirmations in a row.
 */
import { TenantError } from "./errors";
import { progress } from "./log";
import { sleep as realSleep } from "./retry";

/** What one look at the tenant found. */
export interface Observation<T> {
  /** True when the awaited state is there. */
  done: boolean;
  /** What we saw, for progress lines and the timeout message, e.g. "PendingProvisioning". */
  status: string;
  /** The observed value, returned when done. */
  value?: T;
}

/** Options of one wait. */
export interface WaitOptions<T> {
  /** What we wait for, e.g. "MCOEV_VIRTUALUSER to be Success on bot@contoso.com". */
  what: string;
  /** Resource label for progress lines. */
  resource: string;
  /** One look at the tenant. Errors it throws end the wait. */
  check: () => Promise<Observation<T>>;
  /** Give up after this long. */
  timeoutMs: number;
  /** Longest pause between looks (the first ones are shorter: 1 s, doubling). */
  intervalMs: number;
  /** Consecutive `done` observations needed (default 2); replicas may disagree for a while. */
  confirmations?: number;
  /** What to do after a timeout; default suggests rerunning `pulumi up`. */
  hint?: string;
  /** Injectable clock and sleep (tests). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Minimum gap between two "still waiting" progress lines. */
const PROGRESS_EVERY_MS = 10_000;
/** First pause; pauses double up to `intervalMs`, so quick changes are seen quickly and slow ones cost few calls. */
const FIRST_INTERVAL_MS = 1_000;

/** Polls `check` until it reports done `confirmations` times in a row, or throws a TenantError on timeout. */
export async function waitFor<T>(options: WaitOptions<T>): Promise<T | undefined> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const needed = Math.max(1, options.confirmations ?? 2);
  const started = now();
  let streak = 0;
  let lastStatus = "not checked yet";
  let lastLogAt = -Infinity;
  let announced = false;
  let pauseMs = Math.min(FIRST_INTERVAL_MS, options.intervalMs);
  for (;;) {
    const seen = await options.check();
    const elapsedMs = now() - started;
    streak = seen.done ? streak + 1 : 0;
    const changed = seen.status !== lastStatus;
    lastStatus = seen.status;
    if (streak >= needed) {
      if (announced) progress(options.resource, `${options.what}: done after ${formatDuration(elapsedMs)}`);
      return seen.value;
    }
    if (!seen.done && (changed || now() - lastLogAt >= PROGRESS_EVERY_MS)) {
      const budget = announced ? "" : ` (waiting up to ${formatDuration(options.timeoutMs)})`;
      progress(
        options.resource,
        `waiting for ${options.what}: ${seen.status}, ${formatDuration(elapsedMs)} so far${budget}`,
      );
      lastLogAt = now();
      announced = true;
    }
    if (elapsedMs >= options.timeoutMs) {
      throw new TenantError({
        operation: `waiting for ${options.what}`,
        resource: options.resource,
        code: "WaitTimeout",
        reason: `still not there after ${formatDuration(elapsedMs)} (last seen: ${lastStatus})`,
        hint: options.hint ?? "The tenant may just be slow: rerun `pulumi up` to keep waiting.",
      });
    }
    await sleep(Math.min(pauseMs, Math.max(0, options.timeoutMs - elapsedMs)));
    pauseMs = Math.min(pauseMs * 2, options.intervalMs);
  }
}

/** "850ms", "42s", "3m 5s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m}m ${s % 60}s` : `${m}m`;
}
