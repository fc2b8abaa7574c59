/**
 * The benchmark's latency profile: what each tenant step costs in a real Microsoft 365 tenant,
 * scaled by ONE factor so a run stays short, and the floor (critical path of dependent calls)
 * of every scenario under that profile. Every contender of a run uses the same profile.
 *
 * Real-world values (milliseconds, mean + uniform jitter), and where they come from:
 * | step | real | basis |
 * |---|---|---|
 * | Entra token request | 150 + 100 | client-credentials round trip to login.microsoftonline.com |
 * | Graph call | 200 + 150 | typical Graph v1.0 user/licence/number calls, one round trip |
 * | PowerShell start | 6000 + 2000 | `pwsh` start (~1 s) + `Import-Module MicrosoftTeams` (~5 s) |
 * | Connect-MicrosoftTeams | 8000 + 4000 | `-AccessTokens` connect: module init + tenant config fetch |
 * | one Teams cmdlet | 1500 + 1000 | ConfigAPI round trips of New/Get/Set-Cs* cmdlets |
 * | replication | 30000 | new resource account visible in Graph (TeamsFunctions polls up to 30 s) |
 * | licence provisioning | 240000 | MCOEV_VIRTUALUSER PendingProvisioning → Success ("minutes", TeamsFunctions waits up to 600 s) |
 * | number operation | 20000 | Graph assignNumber / unassignNumber operation until `succeeded` |
 * | Teams licence lag | 120000 | Teams refuses the number after Graph shows MCOEV_VIRTUALUSER Success ("minutes"; assumption) |
 * | usage location lag | 10000 | assignLicense still sees no usage location after the PATCH (assumption) |
 */
import type { ProfileInput } from "../emulator";

/** Real-world latencies in milliseconds (see the table above). */
export const REAL_PROFILE_MS = {
  token: { latencyMs: 150, jitterMs: 100 },
  graph: { latencyMs: 200, jitterMs: 150 },
  pwshStart: { latencyMs: 6000, jitterMs: 2000 },
  connect: { latencyMs: 8000, jitterMs: 4000 },
  cmdlet: { latencyMs: 1500, jitterMs: 1000 },
  replicationDelayMs: 30_000,
  licenceProvisioningDelayMs: 240_000,
  operationDurationMs: 20_000,
  teamsLicenceLagMs: 120_000,
  usageLocationLagMs: 10_000,
} as const;

/**
 * Default scale (the headline): 1 real second becomes 100 ms. At 0.01 the engine's own unscaled
 * overhead (seconds) outweighs the scaled floor, so ratios to the floor measure the engine.
 */
export const DEFAULT_SCALE = 0.1;
/** Quick runs (`--quick`): 1 real second becomes 10 ms. */
export const QUICK_SCALE = 0.01;

/** The emulator profile for a scale (family latencies scaled by latencyScale; delays pre-scaled). */
export function benchProfile(scale: number): ProfileInput {
  const r = REAL_PROFILE_MS;
  return {
    seed: 6,
    latencyScale: scale,
    families: {
      entra: { ...r.token },
      graph: { ...r.graph },
      teams: { ...r.cmdlet },
      pwshStart: { ...r.pwshStart },
      connect: { ...r.connect },
    },
    replicationDelayMs: Math.round(r.replicationDelayMs * scale),
    licenceProvisioningDelayMs: Math.round(r.licenceProvisioningDelayMs * scale),
    operationDurationMs: Math.round(r.operationDurationMs * scale),
    // The realistic profile: Teams and licensing lag behind the directory (issue 11 item 4).
    teamsLicenceLagMs: Math.round(r.teamsLicenceLagMs * scale),
    usageLocationLagMs: Math.round(r.usageLocationLagMs * scale),
  };
}

/** Mean scaled cost of each step in milliseconds. */
export function scaledStepsMs(
  scale: number,
): Record<
  | "token"
  | "graph"
  | "pwshStart"
  | "connect"
  | "cmdlet"
  | "replication"
  | "provisioning"
  | "operation"
  | "teamsLag"
  | "usageLocationLag",
  number
> {
  const r = REAL_PROFILE_MS;
  const mean = (f: { latencyMs: number; jitterMs: number }): number => (f.latencyMs + f.jitterMs / 2) * scale;
  return {
    token: mean(r.token),
    graph: mean(r.graph),
    pwshStart: mean(r.pwshStart),
    connect: mean(r.connect),
    cmdlet: mean(r.cmdlet),
    replication: r.replicationDelayMs * scale,
    provisioning: r.licenceProvisioningDelayMs * scale,
    operation: r.operationDurationMs * scale,
    teamsLag: r.teamsLicenceLagMs * scale,
    usageLocationLag: r.usageLocationLagMs * scale,
  };
}

/** Benchmark scenarios. */
export const SCENARIOS = ["create", "refresh", "change10", "destroy"] as const;
/** One scenario. */
export type Scenario = (typeof SCENARIOS)[number];

/** The floor of a scenario: unbounded parallelism across bots, and with one serial PowerShell session. */
export interface Floor {
  /** Longest chain of dependent calls of one bot (every bot in parallel). */
  parallelMs: number;
  /** Same, but every cmdlet of the run through ONE PowerShell session (cmdlets serialised). */
  onePowerShellMs: number;
  /** The chain, step by step, for the record. */
  chain: string[];
}

/**
 * The floor of a scenario for N bots under the profile: the critical path of calls that depend on
 * each other, each at its mean cost, with one observation read after each wait (a client cannot
 * know a wait is over without looking). Polling granularity, engine and process overheads excluded.
 */
export function floorOf(scenario: Scenario, n: number, scale: number): Floor {
  const s = scaledStepsMs(scale);
  const sum = (steps: [string, number][]): number => steps.reduce((a, [, ms]) => a + ms, 0);
  const names = (steps: [string, number][]): string[] => steps.map(([k]) => k);
  let chain: [string, number][];
  let cmdletsInRun = 0;
  switch (scenario) {
    case "create":
      chain = [
        ["token", s.token],
        ["pwshStart", s.pwshStart],
        ["connect", s.connect],
        ["New-CsOnlineApplicationInstance", s.cmdlet],
        ["replication", s.replication],
        ["GET user (observe)", s.graph],
        ["PATCH usageLocation", s.graph],
        ["usage location lag", s.usageLocationLag],
        ["POST assignLicense", s.graph],
        ["provisioning", s.provisioning],
        ["GET licenseDetails (observe)", s.graph],
        ["Teams licence lag", s.teamsLag],
        ["POST assignNumber", s.graph],
        ["operation", s.operation],
        ["GET operation (observe)", s.graph],
      ];
      cmdletsInRun = n;
      break;
    case "refresh":
      // Graph reads run beside the PowerShell path; the PowerShell path is the longer one.
      chain = [
        ["token", s.token],
        ["pwshStart", s.pwshStart],
        ["connect", s.connect],
        ["Get-CsOnlineApplicationInstance", s.cmdlet],
      ];
      cmdletsInRun = n;
      break;
    case "change10":
      chain = [
        ["token", s.token],
        ["GET number (inspect)", s.graph],
        ["POST unassignNumber", s.graph],
        ["operation", s.operation],
        ["POST assignNumber", s.graph],
        ["operation", s.operation],
        ["GET operation (observe)", s.graph],
      ];
      break;
    case "destroy":
      chain = [
        ["token", s.token],
        ["GET number", s.graph],
        ["POST unassignNumber", s.graph],
        ["operation", s.operation],
        ["GET number (observe)", s.graph],
        ["GET licenseDetails", s.graph],
        ["POST assignLicense (remove)", s.graph],
        ["DELETE user", s.graph],
        ["GET user (observe gone)", s.graph],
      ];
      break;
  }
  const parallelMs = sum(chain);
  return { parallelMs, onePowerShellMs: parallelMs + Math.max(0, cmdletsInRun - 1) * s.cmdlet, chain: names(chain) };
}
