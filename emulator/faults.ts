/** The one place where latency and faults are decided: seeded, per family, reproducible. */
import { FAMILIES, Family, LatencyAndFaults, mergeProfile, ProfileInput } from "./profile";

/** mulberry32: tiny, fast, good enough for reproducible fault sequences. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function familySeed(seed: number, fam: Family, stream: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const ch of `${fam}/${stream}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

/** What to do with one request. */
export type FaultDecision =
  { kind: "none" } | { kind: "throttle"; retryAfterSeconds: number } | { kind: "error"; status: 500 | 503 };

/** Holds the active profile and the PRNG streams; decisions are consumed in request order. */
export class Faults {
  private profileValue: LatencyAndFaults;
  private faultRng = new Map<Family, () => number>();
  private jitterRng = new Map<Family, () => number>();
  private cmdletCalls = 0;
  /** Faults injected per family since the profile was last set (GET /_emulator/stats → injected). */
  injected: { throttled: Partial<Record<Family, number>>; errors: Partial<Record<Family, number>> } = {
    throttled: {},
    errors: {},
  };

  constructor(profile: LatencyAndFaults) {
    this.profileValue = profile;
    this.reseed();
  }

  /** The active profile (a copy). */
  get profile(): LatencyAndFaults {
    return structuredClone(this.profileValue);
  }

  /** Timing knobs read by the rules (no randomness involved). */
  get timings(): Pick<
    LatencyAndFaults,
    | "replicationDelayMs"
    | "licenceProvisioningDelayMs"
    | "operationDurationMs"
    | "teamsLicenceLagMs"
    | "usageLocationLagMs"
    | "directRoutingAssignUploads"
  > {
    const p = this.profileValue;
    return {
      replicationDelayMs: p.replicationDelayMs,
      licenceProvisioningDelayMs: p.licenceProvisioningDelayMs,
      operationDurationMs: p.operationDurationMs,
      teamsLicenceLagMs: p.teamsLicenceLagMs,
      usageLocationLagMs: p.usageLocationLagMs,
      directRoutingAssignUploads: p.directRoutingAssignUploads,
    };
  }

  /** Applies a partial profile at runtime; restarts the PRNG streams and the crash counter. */
  update(over: ProfileInput, replace = false, base?: LatencyAndFaults): void {
    this.profileValue = mergeProfile(replace && base ? base : this.profileValue, over);
    this.reseed();
  }

  private reseed(): void {
    for (const f of FAMILIES) {
      this.faultRng.set(f, mulberry32(familySeed(this.profileValue.seed, f, 1)));
      this.jitterRng.set(f, mulberry32(familySeed(this.profileValue.seed, f, 2)));
    }
    this.cmdletCalls = 0;
    this.injected = { throttled: {}, errors: {} };
  }

  /** Latency for one request of a family (fixed + jitter, scaled). */
  latencyMs(fam: Family): number {
    const f = this.profileValue.families[fam];
    const jitter = f.jitterMs > 0 ? this.jitterRng.get(fam)!() * f.jitterMs : 0;
    return Math.max(0, Math.round((f.latencyMs + jitter) * this.profileValue.latencyScale));
  }

  /** Sleeps the family's latency. */
  async delay(fam: Family): Promise<void> {
    const ms = this.latencyMs(fam);
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }

  /** Decides whether this request of a family is throttled, fails, or goes through. */
  decide(fam: Family): FaultDecision {
    const d = this.draw(fam);
    if (d.kind === "throttle") this.injected.throttled[fam] = (this.injected.throttled[fam] ?? 0) + 1;
    if (d.kind === "error") this.injected.errors[fam] = (this.injected.errors[fam] ?? 0) + 1;
    return d;
  }

  private draw(fam: Family): FaultDecision {
    const f = this.profileValue.families[fam];
    // Always draw once so the sequence depends only on the seed and the request count.
    const roll = this.faultRng.get(fam)!();
    if (f.throttleNext > 0) {
      f.throttleNext -= 1;
      return { kind: "throttle", retryAfterSeconds: f.retryAfterSeconds };
    }
    if (f.errorNext > 0) {
      f.errorNext -= 1;
      return { kind: "error", status: f.errorStatus };
    }
    if (roll < f.throttleRate) return { kind: "throttle", retryAfterSeconds: f.retryAfterSeconds };
    if (roll < f.throttleRate + f.errorRate) return { kind: "error", status: f.errorStatus };
    return { kind: "none" };
  }

  /** Says whether this assignment of `telephoneNumber` must fail (profile `failAssign`, counts down). */
  assignFault(telephoneNumber: string): string | null {
    const left = this.profileValue.failAssign[telephoneNumber] ?? 0;
    if (left <= 0) return null;
    this.profileValue.failAssign[telephoneNumber] = left - 1;
    return `Injected fault: assigning telephone number '${telephoneNumber}' failed`;
  }

  /** Counts one cmdlet call and says whether the stand-in must crash on it. */
  nextCmdletCrash(): "before" | "after" | null {
    this.cmdletCalls += 1;
    const c = this.profileValue.pwshCrash;
    if (c.afterCalls === null || this.cmdletCalls !== c.afterCalls) return null;
    const mode = c.mode;
    c.afterCalls = null; // fires once, so the provider's restart can succeed
    return mode;
  }
}
