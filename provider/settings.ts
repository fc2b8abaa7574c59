/**
 * One home for every setting of the provider: the project namespace, where the tenant and the
 * credentials come from (stack config, then environment), and every tuning knob with its one
 * parser and one default. Read at call time, never captured in the serialized provider.
 */
import { GUID } from "./formats";

/** The package name and the stack-config namespace of our settings (`teams-bot-numbers:tenantId`). */
export const NAMESPACE = "teams-bot-numbers";

/**
 * Stack config keys (in NAMESPACE) and their environment fallbacks (`env`, then `alsoEnv`: the names
 * the Azure DevOps AzureCLI@2 / AzurePowerShell@5 tasks export for their service connection).
 */
export const SETTING_SOURCES: Record<
  | "tenantId"
  | "clientId"
  | "clientSecret"
  | "clientCertificatePath"
  | "federatedTokenFile"
  | "serviceConnectionId"
  | "useManagedIdentity"
  | "credential"
  | "authorityHost"
  | "graphUrl"
  | "numberAssignment"
  | "pwshPath",
  { config: string; env: string; alsoEnv?: string }
> = {
  tenantId: { config: "tenantId", env: "AZURE_TENANT_ID", alsoEnv: "AZURESUBSCRIPTION_TENANT_ID" },
  clientId: { config: "clientId", env: "AZURE_CLIENT_ID", alsoEnv: "AZURESUBSCRIPTION_CLIENT_ID" },
  clientSecret: { config: "clientSecret", env: "AZURE_CLIENT_SECRET" },
  /** PEM file holding the certificate and its private key (as `AZURE_CLIENT_CERTIFICATE_PATH`). */
  clientCertificatePath: { config: "clientCertificatePath", env: "AZURE_CLIENT_CERTIFICATE_PATH" },
  /** File a platform keeps a fresh OIDC token in (Kubernetes workload identity, as azure-identity). */
  federatedTokenFile: { config: "federatedTokenFile", env: "AZURE_FEDERATED_TOKEN_FILE" },
  /** Azure DevOps service connection (workload identity federation) whose OIDC token to request. */
  serviceConnectionId: {
    config: "serviceConnectionId",
    env: "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
  },
  /** "true": sign in as the host's managed identity (clientId, if set, names a user-assigned one). */
  useManagedIdentity: { config: "useManagedIdentity", env: "TEAMS_USE_MANAGED_IDENTITY" },
  /** Forces one credential kind (CREDENTIAL_KINDS) instead of the documented order. */
  credential: { config: "credential", env: "TEAMS_CREDENTIAL" },
  authorityHost: { config: "authorityHost", env: "AZURE_AUTHORITY_HOST" },
  graphUrl: { config: "graphUrl", env: "TEAMS_GRAPH_URL" },
  numberAssignment: { config: "numberAssignment", env: "TEAMS_NUMBER_ASSIGNMENT" },
  pwshPath: { config: "pwshPath", env: "TEAMS_PWSH_PATH" },
} as const;

/** Name of a tenant setting. */
export type SettingName = keyof typeof SETTING_SOURCES;

/**
 * Environment variables a CI system or host sets for a job (never stack config: they are per job).
 * GitHub Actions with `permissions: id-token: write`; Azure Pipelines (System.OidcRequestUri, and
 * System.AccessToken mapped by the pipeline); App Service / Container Apps / Arc managed identity.
 */
export const JOB_ENV = {
  githubRequestUrl: "ACTIONS_ID_TOKEN_REQUEST_URL",
  githubRequestToken: "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
  adoRequestUri: "SYSTEM_OIDCREQUESTURI",
  adoAccessToken: "SYSTEM_ACCESSTOKEN",
  identityEndpoint: "IDENTITY_ENDPOINT",
  identityHeader: "IDENTITY_HEADER",
} as const;

/** The credential kinds, in the order the provider tries them when `credential` is not set. */
export const CREDENTIAL_KINDS = [
  "secret",
  "certificate",
  "tokenFile",
  "githubOidc",
  "azureDevOpsOidc",
  "managedIdentity",
] as const;

/** One of CREDENTIAL_KINDS. */
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/** How the provider authenticates (secret values stay in this object: never log it). */
export type Credential =
  | { kind: "secret"; clientSecret: string }
  | { kind: "certificate"; certificatePath: string }
  | { kind: "tokenFile"; tokenFilePath: string }
  | { kind: "githubOidc"; requestUrl: string; requestToken: string }
  | { kind: "azureDevOpsOidc"; requestUri: string; accessToken: string; serviceConnectionId: string }
  | { kind: "managedIdentity"; userAssigned: boolean };

/** Words for a credential, for the progress line and errors (no secret in them). */
export function describeCredential(c: Credential): string {
  switch (c.kind) {
    case "secret":
      return "a client secret";
    case "certificate":
      return `the client certificate ${c.certificatePath}`;
    case "tokenFile":
      return `the federated token file ${c.tokenFilePath} (workload identity federation, no stored secret)`;
    case "githubOidc":
      return "a GitHub Actions OIDC token (workload identity federation, no stored secret)";
    case "azureDevOpsOidc":
      return `an Azure DevOps OIDC token of service connection ${c.serviceConnectionId} (workload identity federation, no stored secret)`;
    case "managedIdentity":
      return `the ${c.userAssigned ? "user-assigned" : "system-assigned"} managed identity of this host (no stored secret)`;
  }
}

/** Everything the provider needs to reach one tenant. */
export interface TenantSettings {
  tenantId: string;
  /** App registration (or user-assigned managed identity) client id; "" for a system-assigned managed identity. */
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

/** The credential: forced by `credential`, else the first kind whose inputs are present (CREDENTIAL_KINDS order). */
function resolveCredential(
  read: (name: SettingName) => string | undefined,
  env: NodeJS.ProcessEnv,
  clientId: string | undefined,
  problems: string[],
): Credential | undefined {
  const describe = describeSetting;
  const job = (name: keyof typeof JOB_ENV): string | undefined => {
    const v = env[JOB_ENV[name]];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const clientSecret = read("clientSecret");
  const certificatePath = read("clientCertificatePath");
  const tokenFilePath = read("federatedTokenFile");
  const serviceConnectionId = read("serviceConnectionId");
  const mi = read("useManagedIdentity");
  if (mi !== undefined && mi !== "true" && mi !== "false")
    problems.push(`${describe("useManagedIdentity")} must be "true" or "false", got "${mi}".`);
  const candidates: Record<CredentialKind, () => Credential | string> = {
    secret: () => (clientSecret ? { kind: "secret", clientSecret } : `${describe("clientSecret")} is not set`),
    certificate: () =>
      certificatePath ? { kind: "certificate", certificatePath } : `${describe("clientCertificatePath")} is not set`,
    tokenFile: () =>
      tokenFilePath ? { kind: "tokenFile", tokenFilePath } : `${describe("federatedTokenFile")} is not set`,
    githubOidc: () => {
      const requestUrl = job("githubRequestUrl");
      const requestToken = job("githubRequestToken");
      return requestUrl && requestToken
        ? { kind: "githubOidc", requestUrl, requestToken }
        : `${JOB_ENV.githubRequestUrl} and ${JOB_ENV.githubRequestToken} are not set (give the job \`permissions: id-token: write\`)`;
    },
    azureDevOpsOidc: () => {
      const requestUri = job("adoRequestUri");
      const accessToken = job("adoAccessToken");
      return requestUri && accessToken && serviceConnectionId
        ? { kind: "azureDevOpsOidc", requestUri, accessToken, serviceConnectionId }
        : `${JOB_ENV.adoRequestUri}, ${JOB_ENV.adoAccessToken} (map $(System.AccessToken)) and ${describe("serviceConnectionId")} must all be set`;
    },
    managedIdentity: () =>
      mi === "true" || (mi !== "false" && job("identityEndpoint") && job("identityHeader"))
        ? { kind: "managedIdentity", userAssigned: clientId !== undefined }
        : `${describe("useManagedIdentity")} is not "true" and ${JOB_ENV.identityEndpoint}/${JOB_ENV.identityHeader} are not set`,
  };
  const forced = read("credential");
  if (forced !== undefined) {
    if (!(CREDENTIAL_KINDS as readonly string[]).includes(forced)) {
      problems.push(`${describe("credential")} must be one of ${CREDENTIAL_KINDS.join(", ")}, got "${forced}".`);
      return undefined;
    }
    const c = candidates[forced as CredentialKind]();
    if (typeof c === "string") problems.push(`${describe("credential")} is "${forced}", but ${c}.`);
    return typeof c === "string" ? undefined : c;
  }
  if (clientSecret && certificatePath) {
    problems.push(`set only one of ${describe("clientSecret")} and ${describe("clientCertificatePath")}.`);
    return undefined;
  }
  for (const kind of CREDENTIAL_KINDS) {
    const c = candidates[kind]();
    if (typeof c !== "string") return c;
  }
  problems.push(
    `no credential: set ${describe("clientSecret")} as a secret (pulumi config set --secret clientSecret …), ` +
      `${describe("clientCertificatePath")} or ${describe("federatedTokenFile")}; or run in GitHub Actions with ` +
      `\`permissions: id-token: write\`, in Azure Pipelines with ${describe("serviceConnectionId")} and ` +
      `${JOB_ENV.adoAccessToken}, or on a host with a managed identity (${describe("useManagedIdentity")}).`,
  );
  return undefined;
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
    const pick = (v: string | undefined): string | undefined =>
      v === undefined || v.trim() === "" ? undefined : v.trim();
    return pick(getConfig(s.config)) ?? pick(env[s.env]) ?? (s.alsoEnv ? pick(env[s.alsoEnv]) : undefined);
  };
  const describe = describeSetting;
  const problems: string[] = [];
  const tenantId = read("tenantId");
  const clientId = read("clientId");
  if (!tenantId) problems.push(`${describe("tenantId")} is not set: give the directory (tenant) id.`);
  else if (!GUID.test(tenantId)) problems.push(`${describe("tenantId")} must be a GUID, got "${tenantId}".`);
  if (clientId && !GUID.test(clientId)) problems.push(`${describe("clientId")} must be a GUID, got "${clientId}".`);
  const credential = resolveCredential(read, env, clientId, problems);
  // Only a system-assigned managed identity signs in without a client id.
  if (!clientId && credential && credential.kind !== "managedIdentity")
    problems.push(`${describe("clientId")} is not set: give the app registration's client id.`);

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

  if (problems.length > 0 || !tenantId || !credential) {
    throw new SettingsError(`tenant settings are incomplete:\n  - ${problems.join("\n  - ")}`);
  }
  return {
    tenantId: tenantId.toLowerCase(),
    clientId: (clientId ?? "").toLowerCase(),
    credential,
    authorityHost,
    graphUrl,
    numberAssignment: numberAssignment as TenantSettings["numberAssignment"],
    pwshPath,
  };
}

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
