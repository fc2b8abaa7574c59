/**
 * One home for every setting of the provider: the project namespace, where the tenant and the
 * credentials come from (stack config, then environment), and every tuning knob with its one
 * parser and one default. Read at call time, never captured in the serialized provider.
 */
import { GUID } from "./formats";

/** The package name and the stack-config namespace of our settings (`teams-bot-numbers:tenantId`). */
export const NAMESPACE = "teams-bot-numbers";

/** Stack config keys (in NAMESPACE) and their environment fallbacks. */
export const SETTING_SOURCES = {
  tenantId: { config: "tenantId", env: "AZURE_TENANT_ID" },
  clientId: { config: "clientId", env: "AZURE_CLIENT_ID" },
  clientSecret: { config: "clientSecret", env: "AZURE_CLIENT_SECRET" },
  /** PEM file holding the certificate and its private key (as `AZURE_CLIENT_CERTIFICATE_PATH`). */
  clientCertificatePath: { config: "clientCertificatePath", env: "AZURE_CLIENT_CERTIFICATE_PATH" },
  authorityHost: { config: "authorityHost", env: "AZURE_AUTHORITY_HOST" },
  graphUrl: { config: "graphUrl", env: "TEAMS_GRAPH_URL" },
  numberAssignment: { config: "numberAssignment", env: "TEAMS_NUMBER_ASSIGNMENT" },
  pwshPath: { config: "pwshPath", env: "TEAMS_PWSH_PATH" },
} as const;

/** Name of a tenant setting. */
export type SettingName = keyof typeof SETTING_SOURCES;

/** How the provider authenticates as its app registration. */
export type Credential = { kind: "secret"; clientSecret: string } | { kind: "certificate"; certificatePath: string };

/** Everything the provider needs to reach one tenant. */
export interface TenantSettings {
  tenantId: string;
  clientId: string;
  credential: Credential;
  /** Entra authority host, e.g. https://login.microsoftonline.com (or the emulator URL). */
  authorityHost: string;
  /** Graph base URL without version, e.g. https://graph.microsoft.com (or the emulator URL). */
  graphUrl: string;
  /** Number assignment through Graph (default) or `Set-CsPhoneNumberAssignment`. */
  numberAssignment: "graph" | "powershell";
  /** PowerShell 7 executable; tests point it at the emulator's stand-in. */
  pwshPath: string;
}

/** Defaults for a real (commercial cloud) tenant. */
export const DEFAULTS = {
  authorityHost: "https://login.microsoftonline.com",
  graphUrl: "https://graph.microsoft.com",
  numberAssignment: "graph",
  pwshPath: "pwsh",
} as const;

/** A problem with the settings, named by config key and environment variable. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

/** "teams-bot-numbers:clientSecret (or AZURE_CLIENT_SECRET)": how messages and hints name a setting. */
export function describeSetting(name: SettingName): string {
  const s = SETTING_SOURCES[name];
  return `${NAMESPACE}:${s.config} (or ${s.env})`;
}

/**
 * Resolves settings: stack config first (`getConfig(key)`), then the environment.
 * Throws one SettingsError listing every problem.
 */
export function resolveTenantSettings(
  getConfig: (key: string) => string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): TenantSettings {
  const read = (name: SettingName): string | undefined => {
    const s = SETTING_SOURCES[name];
    const v = getConfig(s.config) ?? env[s.env];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const describe = describeSetting;
  const problems: string[] = [];
  const tenantId = read("tenantId");
  const clientId = read("clientId");
  if (!tenantId) problems.push(`${describe("tenantId")} is not set: give the directory (tenant) id.`);
  else if (!GUID.test(tenantId)) problems.push(`${describe("tenantId")} must be a GUID, got "${tenantId}".`);
  if (!clientId) problems.push(`${describe("clientId")} is not set: give the app registration's client id.`);
  else if (!GUID.test(clientId)) problems.push(`${describe("clientId")} must be a GUID, got "${clientId}".`);

  const clientSecret = read("clientSecret");
  const certificatePath = read("clientCertificatePath");
  let credential: Credential | undefined;
  if (clientSecret && certificatePath) {
    problems.push(`set only one of ${describe("clientSecret")} and ${describe("clientCertificatePath")}.`);
  } else if (clientSecret) {
    credential = { kind: "secret", clientSecret };
  } else if (certificatePath) {
    credential = { kind: "certificate", certificatePath };
  } else {
    problems.push(
      `no credential: set ${describe("clientSecret")} as a secret (pulumi config set --secret clientSecret …) ` +
        `or ${describe("clientCertificatePath")}.`,
    );
  }

  const authorityHost = (read("authorityHost") ?? DEFAULTS.authorityHost).replace(/\/+$/, "");
  const graphUrl = (read("graphUrl") ?? DEFAULTS.graphUrl).replace(/\/+$/, "");
  for (const [name, url] of [
    ["authorityHost", authorityHost],
    ["graphUrl", graphUrl],
  ] as const) {
    if (!/^https:\/\/[^/\s]+(\/.*)?$/.test(url))
      problems.push(`${describe(name)} must be an https:// URL, got "${url}".`);
  }
  const numberAssignment = read("numberAssignment") ?? DEFAULTS.numberAssignment;
  if (numberAssignment !== "graph" && numberAssignment !== "powershell") {
    problems.push(`${describe("numberAssignment")} must be "graph" or "powershell", got "${numberAssignment}".`);
  }
  const pwshPath = read("pwshPath") ?? DEFAULTS.pwshPath;
  if (problems.length === 0) problems.push(...cloudProblems(authorityHost, graphUrl, numberAssignment));

  if (problems.length > 0 || !tenantId || !clientId || !credential) {
    throw new SettingsError(`tenant settings are incomplete:\n  - ${problems.join("\n  - ")}`);
  }
  return {
    tenantId: tenantId.toLowerCase(),
    clientId: clientId.toLowerCase(),
    credential,
    authorityHost,
    graphUrl,
    numberAssignment: numberAssignment as TenantSettings["numberAssignment"],
    pwshPath,
  };
}

/** One tuning knob: its environment variable, default, and the smallest value it accepts. */
interface Knob {
  env: string;
  defaultMs: number;
  min: number;
  what: string;
}

/**
 * Every tuning knob of the provider (milliseconds). One parser for all: unset or empty means the
 * default; anything else must be a number ≥ min, or the first tenant call fails naming the variable.
 */
export const KNOBS = {
  /** Longest pause between polls of waits and long-running operations. */
  pollIntervalMs: { env: "TEAMS_POLL_INTERVAL_MS", defaultMs: 5_000, min: 1, what: "poll interval" },
  /** How long a number held by another account may take to be released within one update. */
  numberReleaseWaitMs: {
    env: "TEAMS_NUMBER_RELEASE_WAIT_MS",
    defaultMs: 90_000,
    min: 0,
    what: "wait for a number's release",
  },
  /** Overrides provisioningTimeoutMinutes (tests cannot wait the 1-minute minimum); 0 = not set. */
  provisioningTimeoutMs: {
    env: "TEAMS_PROVISIONING_TIMEOUT_MS",
    defaultMs: 0,
    min: 0,
    what: "licence provisioning timeout override",
  },
  /** Quiet gap that closes the window coalescing concurrent Graph GETs into `$batch` (0 = off). */
  graphBatchWindowMs: { env: "TEAMS_GRAPH_BATCH_WINDOW_MS", defaultMs: 20, min: 0, what: "Graph batch window" },
  /** Time one cmdlet may take before the PowerShell host is killed and restarted. */
  cmdletTimeoutMs: { env: "TEAMS_CMDLET_TIMEOUT_MS", defaultMs: 180_000, min: 1, what: "cmdlet timeout" },
  /** Time pwsh may take to import MicrosoftTeams and say it is ready. */
  hostStartTimeoutMs: { env: "TEAMS_HOST_START_TIMEOUT_MS", defaultMs: 120_000, min: 1, what: "host start timeout" },
  /** How long a Graph number assign/unassign operation may run. */
  numberOperationTimeoutMs: {
    env: "TEAMS_NUMBER_OPERATION_TIMEOUT_MS",
    defaultMs: 10 * 60_000,
    min: 1,
    what: "number operation timeout",
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
      tuning[name] = knob.defaultMs;
      continue;
    }
    const value = Number(raw.trim());
    if (!Number.isFinite(value) || value < knob.min) {
      throw new SettingsError(
        `${knob.env} (${knob.what}) must be a number of milliseconds ≥ ${knob.min}, got "${raw}"; unset it for the default ${knob.defaultMs}.`,
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

/** Entra and Graph hosts of the national clouds, and the cloud each belongs to. */
const NATIONAL_CLOUD_HOSTS: Record<string, "US Government (GCC High / DoD)" | "China (21Vianet)"> = {
  "login.microsoftonline.us": "US Government (GCC High / DoD)",
  "graph.microsoft.us": "US Government (GCC High / DoD)",
  "dod-graph.microsoft.us": "US Government (GCC High / DoD)",
  "login.chinacloudapi.cn": "China (21Vianet)",
  "login.partner.microsoftonline.cn": "China (21Vianet)",
  "microsoftgraph.chinacloudapi.cn": "China (21Vianet)",
};

/**
 * Settings that cannot work in the cloud they point at (README "What works in which cloud"), found
 * before any call: the Graph telephone-number API is global-only (national-cloud note of the Graph
 * number pages), Set/Get-CsPhoneNumberAssignment are commercial and GCC only (their NOTES), and the
 * app-only New/Get/Sync-CsOnlineApplicationInstance every bot needs are not available in GCC High /
 * DoD. GCC tenants use the commercial endpoints (the defaults).
 */
export function cloudProblems(authorityHost: string, graphUrl: string, numberAssignment: string): string[] {
  const hostOf = (url: string): string => {
    try {
      return new URL(url).hostname.toLowerCase();
    } catch {
      return "";
    }
  };
  const problems: string[] = [];
  const gcc = "For a GCC (not GCC High) tenant leave it unset: GCC uses the commercial endpoints.";
  for (const [name, url] of [
    ["authorityHost", authorityHost],
    ["graphUrl", graphUrl],
  ] as const) {
    const cloud = NATIONAL_CLOUD_HOSTS[hostOf(url)];
    if (cloud === "US Government (GCC High / DoD)") {
      problems.push(
        `${describeSetting(name)} is ${url}, the ${cloud} cloud, where teams-bot-numbers cannot run: the app-only ` +
          "New/Get/Sync-CsOnlineApplicationInstance every bot needs are not available in GCC High / DoD, nor are the " +
          `telephone-number APIs (Graph numberAssignments, Set-CsPhoneNumberAssignment). ${gcc}`,
      );
    } else if (cloud === "China (21Vianet)") {
      problems.push(
        `${describeSetting(name)} is ${url}, the ${cloud} cloud, where numbers cannot be assigned: the Graph ` +
          `telephone-number API (${describeSetting("numberAssignment")} "graph", now "${numberAssignment}") is global-only and ` +
          'Set-CsPhoneNumberAssignment ("powershell") is available only in the commercial and GCC clouds. ' +
          "Use a commercial or GCC tenant.",
      );
    }
  }
  return problems;
}
