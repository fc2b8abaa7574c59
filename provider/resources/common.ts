/**
 * Small helpers the three resource modules share: diffing recorded outputs against new inputs,
 * and the one place that reads wait timings.
 */
import { currentTiming } from "../tenant/session";

/** The keys whose values differ between recorded outputs and new inputs (absent ≡ null ≡ ""). */
export function changedKeys<T extends object>(
  olds: Partial<T>,
  news: Partial<T>,
  keys: (keyof T & string)[],
): (keyof T & string)[] {
  const norm = (v: unknown): unknown => (v === undefined || v === null || v === "" ? null : v);
  return keys.filter((k) => JSON.stringify(norm(olds[k])) !== JSON.stringify(norm(news[k])));
}

/** Outputs that stay as they are when none of `volatile` changes. */
export function stablesUnless(changed: string[], volatile: string[], outputs: string[]): string[] {
  return changed.some((k) => volatile.includes(k)) ? [] : outputs;
}

/** Pause between polls of a wait (TEAMS_POLL_INTERVAL_MS, default 5 s). */
export function pollIntervalMs(): number {
  return currentTiming().pollIntervalMs;
}

/**
 * How long to wait for licence provisioning: `provisioningTimeoutMinutes`, unless
 * TEAMS_PROVISIONING_TIMEOUT_MS (milliseconds; for tests, which cannot wait the 1-minute minimum)
 * is set in the provider's environment.
 */
export function provisioningTimeoutMs(minutes: number, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.TEAMS_PROVISIONING_TIMEOUT_MS);
  return env.TEAMS_PROVISIONING_TIMEOUT_MS && Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : minutes * 60_000;
}
