/**
 * Every tuning knob of the provider (milliseconds, or a count), with its one parser and one
 * default: read from the environment at each wait, never captured in the serialized provider.
 */
import { SettingsError } from "./settings";

/** One tuning knob: its environment variable, default, the smallest value it accepts, and its unit. */
interface Knob {
  env: string;
  default: number;
  min: number;
  what: string;
  /** Milliseconds unless it counts something (whole numbers). */
  unit?: "count";
}

/**
 * Every tuning knob of the provider (milliseconds, or a count). One parser for all: unset or empty
 * means the default; anything else must be a number ≥ min (a whole number for counts), or the
 * first tenant call fails naming the variable.
 */
export const KNOBS = {
  /** Longest pause between polls of waits and long-running operations. */
  pollIntervalMs: { env: "TEAMS_POLL_INTERVAL_MS", default: 5_000, min: 1, what: "poll interval" },
  /**
   * Without a declared NumberPlan only: how long a number held by an account not known to move in
   * this run may take to be released (with a plan, such a holder fails the move at once).
   */
  numberReleaseWaitMs: {
    env: "TEAMS_NUMBER_RELEASE_WAIT_MS",
    default: 90_000,
    min: 0,
    what: "wait for a number's release",
  },
  /** Overrides provisioningTimeoutMinutes (tests cannot wait the 1-minute minimum); 0 = not set. */
  provisioningTimeoutMs: {
    env: "TEAMS_PROVISIONING_TIMEOUT_MS",
    default: 0,
    min: 0,
    what: "licence provisioning timeout override",
  },
  /** Quiet gap that closes the window coalescing concurrent Graph GETs into `$batch` (0 = off). */
  graphBatchWindowMs: { env: "TEAMS_GRAPH_BATCH_WINDOW_MS", default: 20, min: 0, what: "Graph batch window" },
  /**
   * How long a number assignment refused because Teams does not see the account's licence yet
   * (it lags behind Entra) is retried, once Graph shows the licence provisioned.
   */
  numberLicenceLagWaitMs: {
    env: "TEAMS_NUMBER_LICENCE_LAG_WAIT_MS",
    default: 15 * 60_000,
    min: 0,
    what: "wait for Teams to see the licence",
  },
  /** How long assignLicense refused for a usage location set moments ago is retried. */
  usageLocationLagWaitMs: {
    env: "TEAMS_USAGE_LOCATION_LAG_WAIT_MS",
    default: 60_000,
    min: 0,
    what: "wait for licensing to see the usage location",
  },
  /** Time one cmdlet may take before the PowerShell host is killed and restarted. */
  cmdletTimeoutMs: { env: "TEAMS_CMDLET_TIMEOUT_MS", default: 180_000, min: 1, what: "cmdlet timeout" },
  /** Time pwsh may take to import MicrosoftTeams and say it is ready. */
  hostStartTimeoutMs: { env: "TEAMS_HOST_START_TIMEOUT_MS", default: 120_000, min: 1, what: "host start timeout" },
  /** How long a Graph number assign/unassign operation may run. */
  numberOperationTimeoutMs: {
    env: "TEAMS_NUMBER_OPERATION_TIMEOUT_MS",
    default: 10 * 60_000,
    min: 1,
    what: "number operation timeout",
  },
  /**
   * Most PowerShell hosts one provider process runs at once (each starts and connects once, lazily).
   * 4: a create of 50 bots at scale 0.1 took 43.1 s with 4 against 49.2 s with 1, and 8 gained
   * nothing (bench/results/pool-size-scale0.1.md); every host is a pwsh process and a Teams session.
   */
  pwshHosts: { env: "TEAMS_PWSH_HOSTS", default: 4, min: 1, what: "PowerShell hosts at most", unit: "count" },
  /**
   * Another host starts only when more than this many cmdlets wait per started host: a start and
   * connect (~15 s) costs as much as ~8 cmdlets (~2 s each), so small runs keep one host.
   */
  pwshHostBacklog: {
    env: "TEAMS_PWSH_HOST_BACKLOG",
    default: 8,
    min: 1,
    what: "cmdlets waiting per host before another starts",
    unit: "count",
  },
} as const satisfies Record<string, Knob>;

/** The tuning of one provider process. */
export type Tuning = { -readonly [K in keyof typeof KNOBS]: number };

/** Reads every knob from the environment (one rule for all, see KNOBS). */
export function resolveTuning(env: NodeJS.ProcessEnv = process.env): Tuning {
  const tuning = {} as Tuning;
  for (const [name, knob] of Object.entries(KNOBS) as [keyof Tuning, Knob][]) {
    const raw = env[knob.env];
    if (raw === undefined || raw.trim() === "") {
      tuning[name] = knob.default;
      continue;
    }
    const value = Number(raw.trim());
    const count = knob.unit === "count";
    if (!Number.isFinite(value) || value < knob.min || (count && !Number.isInteger(value))) {
      throw new SettingsError(
        `${knob.env} (${knob.what}) must be ${count ? "a whole number" : "a number of milliseconds"} ≥ ${knob.min}, got "${raw}"; unset it for the default ${knob.default}.`,
      );
    }
    tuning[name] = value;
  }
  return tuning;
}

/** The licence provisioning timeout: `minutes` unless TEAMS_PROVISIONING_TIMEOUT_MS overrides it. */
export function provisioningTimeoutMs(minutes: number, tuning: Tuning): number {
  return tuning.provisioningTimeoutMs > 0 ? tuning.provisioningTimeoutMs : minutes * 60_000;
}
