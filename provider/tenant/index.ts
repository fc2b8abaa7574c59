/**
 * The tenant layer's front door: `openTenant(settings)` gives the services resources use
 * (`accounts`, `licences`, `numbers`, `locations`, `close`; services.ts), ONE per provider process and settings,
 * so each PowerShell host of its pool starts and connects once however many resources use it.
 * `tenant()` is the one for the configured settings. Below the services: the operations
 * (accounts/ops.ts, licences/ops.ts, numbers/ops.ts) over the transports (graph/, powershell/).
 */
import { createHash } from "crypto";

import { currentSettings } from "../access/session";
import { TokenSource } from "../access/tokens";
import { WriteAccess } from "../access/write-access";
import type { TenantSettings } from "../settings";
import { resolveTuning, type Tuning } from "../tuning";
import { TenantAccountOps } from "./accounts/ops";
// "./graph/index", not "./graph": a dist/ built before this layout still holds graph.js, which would win.
import { createGraph, type Graph } from "./graph/index";
import { TenantLicenceOps } from "./licences/ops";
import { cmdletNumbers, TenantNumberOps } from "./numbers/ops";
import { cmdletPolicies } from "./policies/ops";
import { HostPool, TeamsCmdlets } from "./powershell/index";
import { servicesOver, type TenantServices } from "./services";

export type * from "./model";
export type { AccountOps } from "./accounts/ops";
export type { Accounts, AccountState } from "./accounts/service";
export type { LicenceOps } from "./licences/ops";
export type { LicenceRequest, Licences, LicenceState } from "./licences/service";
export { announceMove, declareStack, type DeclaredStack, type MoveOutcome } from "./moves/index";
export type { NumberOps } from "./numbers/ops";
export { emergencyLocation, type Numbers } from "./numbers/service";
export {
  locationRemovalRefusal,
  rememberedOriginal,
  rememberOriginal,
  type Locations,
  type OriginalLocation,
} from "./numbers/locations";
export type { PolicyOps } from "./policies/ops";
export type { Policies, PolicyRequest } from "./policies/service";
export { servicesOver, type TenantOps, type TenantServices } from "./services";
export type { WriteGuard } from "./writes";
export type { WriteNeed } from "../access/catalogue";
export { odataString } from "./graph/index";
export { configureSession } from "../access/session";

/**
 * Everything a resource may ask of the tenant: the services by intent (each change checks the
 * signed-in identity's write access before any tenant call: writes.ts).
 */
export interface Tenant extends TenantServices {
  /** Stops what holds resources (the PowerShell host). */
  close(): Promise<void>;
}

/** What a Tenant is built on: the transports (for tests and scripts that read the tenant directly). */
export interface TenantParts {
  tokens: TokenSource;
  graph: Graph;
  /** The PowerShell hosts (one or a few, started lazily). */
  host: HostPool;
  teams: TeamsCmdlets;
}

const opened = new Map<string, { tenant: Tenant; parts: TenantParts }>();
let override: Tenant | undefined;

/** A key for the settings that holds no secret in clear (only its hash). */
function keyOf(settings: TenantSettings): string {
  return createHash("sha256").update(JSON.stringify(settings)).digest("hex");
}

function build(settings: TenantSettings, tuning: () => Tuning): { tenant: Tenant; parts: TenantParts } {
  const now = tuning();
  const tokens = new TokenSource(settings);
  const graph = createGraph(settings, tokens, {
    pollIntervalMs: now.pollIntervalMs,
    batchWindowMs: now.graphBatchWindowMs,
    numberOperationTimeoutMs: now.numberOperationTimeoutMs,
  });
  const host = new HostPool(settings, tokens, { callMs: now.cmdletTimeoutMs, startMs: now.hostStartTimeoutMs }, () => {
    const t = tuning();
    return { maxHosts: t.pwshHosts, backlogPerHost: t.pwshHostBacklog };
  });
  const teams = new TeamsCmdlets(host, now.graphBatchWindowMs);
  // The one place that chooses how numbers are reached.
  const numberTransport = settings.numberAssignment === "powershell" ? cmdletNumbers(teams) : graph.numbers;
  const accounts = new TenantAccountOps(settings.tenantId, graph.users, teams, tuning);
  const licences = new TenantLicenceOps(graph.licences, graph.users, tuning);
  // Graph's numberAssignment shows no assignment block: the cmdlet's read does (moves check it first).
  const blockRead =
    settings.numberAssignment === "powershell" ? undefined : (n: string) => teams.getPhoneNumberAssignment(n);
  const numbers = new TenantNumberOps(numberTransport, tuning, (id) => licences.voicePlanProvisioned(id), blockRead);
  const tenant: Tenant = {
    ...servicesOver(
      { accounts, licences, numbers, policies: cmdletPolicies(teams) },
      new WriteAccess(settings, tokens),
      {
        tuning,
      },
    ),
    close: () => host.stop(),
  };
  return { tenant, parts: { tokens, graph, host, teams } };
}

function entry(settings: TenantSettings, tuning: () => Tuning): { tenant: Tenant; parts: TenantParts } {
  const key = keyOf(settings);
  let found = opened.get(key);
  if (!found) {
    found = build(settings, tuning);
    opened.set(key, found);
  }
  return found;
}

/** The services for these settings (cached per process). Tuning is read from the environment at each wait. */
export function openTenant(settings: TenantSettings, tuning: () => Tuning = () => resolveTuning()): Tenant {
  return entry(settings, tuning).tenant;
}

/** The transports under `openTenant(settings)`: Graph families, the PowerShell host and cmdlets. */
export function tenantParts(settings: TenantSettings): TenantParts {
  return entry(settings, () => resolveTuning()).parts;
}

/** The tenant of this provider process for the configured settings (or the one `useTenant` set). */
export function tenant(): Tenant {
  return override ?? openTenant(currentSettings());
}

/** Makes `tenant()` answer with `t` (a fake, in fast hook tests); undefined restores the real one. */
export function useTenant(t: Tenant | undefined): void {
  override = t;
}

/** Closes and forgets every opened tenant (tests, and process shutdown). */
export async function closeTenants(): Promise<void> {
  const all = [...opened.values()];
  opened.clear();
  await Promise.all(all.map((e) => e.tenant.close()));
}
