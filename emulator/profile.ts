/** Latency and fault profile: the knobs, their defaults, and how partial overrides merge. */

/** API families that get their own latency and fault stream. */
export const FAMILIES = ["entra", "graph", "teams", "pwshStart", "connect"] as const;
/** One API family. */
export type Family = (typeof FAMILIES)[number];

/** Latency and fault settings of one family. */
export interface FamilyProfile {
  /** Fixed latency added to every request. */
  latencyMs: number;
  /** Extra uniformly random latency in [0, jitterMs). */
  jitterMs: number;
  /** Probability (0..1) that a request is answered 429. */
  throttleRate: number;
  /** The next N requests are answered 429 regardless of the rate (counts down). */
  throttleNext: number;
  /** Retry-After value sent with a 429. */
  retryAfterSeconds: number;
  /** Probability (0..1) that a request is answered with a 5xx. */
  errorRate: number;
  /** The next N requests are answered with a 5xx regardless of the rate (counts down). */
  errorNext: number;
  /** Status used for injected server errors. */
  errorStatus: 500 | 503;
}

/** Crash of the PowerShell stand-in after a number of cmdlet calls. */
export interface PwshCrash {
  /** Crash on the Nth cmdlet call counted from when this was configured; null = never. Fires once. */
  afterCalls: number | null;
  /** "before": exit without executing the Nth call; "after": execute it, then exit without answering. */
  mode: "before" | "after";
}

/** The whole profile. */
export interface LatencyAndFaults {
  /** Seed of the per-family PRNGs: same seed, same fault sequence. */
  seed: number;
  /** Multiplies every latency (0 = no latency at all). */
  latencyScale: number;
  families: Record<Family, FamilyProfile>;
  /** A user created by New-CsOnlineApplicationInstance stays invisible to Graph for this long. */
  replicationDelayMs: number;
  /** MCOEV_VIRTUALUSER stays PendingProvisioning this long after the licence is assigned. */
  licenceProvisioningDelayMs: number;
  /** Graph number operations take this long to finish (notStarted for the first quarter). */
  operationDurationMs: number;
  /**
   * Teams lags behind Entra: after MCOEV_VIRTUALUSER shows Success in licenseDetails, number
   * assignments to the account are still refused ("lacks appropriate licenses") for this long.
   */
  teamsLicenceLagMs: number;
  /** assignLicense still sees no usage location for this long after a PATCH set it. */
  usageLocationLagMs: number;
  /**
   * A Direct Routing number that entered the inventory by being assigned stays there after it is
   * unassigned (true), or leaves it again (false); uploaded numbers always stay. See FIDELITY.md.
   */
  directRoutingAssignUploads: boolean;
  pwshCrash: PwshCrash;
  /**
   * The next N assignments of a number (key: E.164 with `+`) fail, counting down: the Graph
   * operation ends `failed`, Set-CsPhoneNumberAssignment answers 400. Tests inject a failing claim.
   */
  failAssign: Record<string, number>;
}

/** A partial profile: any subset of fields, families included. */
export type ProfileInput = Partial<Omit<LatencyAndFaults, "families" | "pwshCrash">> & {
  families?: Partial<Record<Family, Partial<FamilyProfile>>>;
  pwshCrash?: Partial<PwshCrash>;
};

function family(latencyMs: number, jitterMs: number): FamilyProfile {
  return {
    latencyMs,
    jitterMs,
    throttleRate: 0,
    throttleNext: 0,
    retryAfterSeconds: 1,
    errorRate: 0,
    errorNext: 0,
    errorStatus: 503,
  };
}

/** Defaults: a few milliseconds everywhere so tests stay fast. */
export function defaultProfile(): LatencyAndFaults {
  return {
    seed: 1,
    latencyScale: 1,
    families: {
      entra: family(2, 3),
      graph: family(2, 3),
      teams: family(3, 5),
      pwshStart: family(20, 10),
      connect: family(10, 5),
    },
    replicationDelayMs: 0,
    licenceProvisioningDelayMs: 1500,
    operationDurationMs: 300,
    // Off by default: tests that need the lags turn them on (the benchmark's profile does).
    teamsLicenceLagMs: 0,
    usageLocationLagMs: 0,
    directRoutingAssignUploads: false,
    pwshCrash: { afterCalls: null, mode: "before" },
    failAssign: {},
  };
}

/** Applies a partial profile on top of a full one (returns a new object). */
export function mergeProfile(base: LatencyAndFaults, over: ProfileInput | undefined): LatencyAndFaults {
  if (!over) return structuredClone(base);
  const out = structuredClone(base);
  const { families, pwshCrash, ...scalars } = over;
  Object.assign(out, stripUndefined(scalars));
  if (families) {
    for (const f of Object.keys(families) as Family[]) {
      if (!(FAMILIES as readonly string[]).includes(f))
        throw new Error(`unknown API family "${f}" (known: ${FAMILIES.join(", ")})`);
      Object.assign(out.families[f], stripUndefined(families[f] ?? {}));
    }
  }
  if (pwshCrash) Object.assign(out.pwshCrash, stripUndefined(pwshCrash));
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Reads TBN_EMULATOR_PROFILE (JSON) if set. */
export function profileFromEnv(env: NodeJS.ProcessEnv = process.env): ProfileInput | undefined {
  const raw = env.TBN_EMULATOR_PROFILE;
  if (!raw || raw.trim() === "") return undefined;
  try {
    return JSON.parse(raw) as ProfileInput;
  } catch (e) {
    throw new Error(`TBN_EMULATOR_PROFILE is not valid JSON: ${(e as Error).message}`);
  }
}
