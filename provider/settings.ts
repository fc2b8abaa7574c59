/**
 * One home for the provider's tenant settings: the project namespace, the table of settings (stack
 * config key, environment fallbacks, whether it holds a credential), where the tenant is and who
 * signs in (resolved at call time, never captured in the serialized provider), the clouds that
 * cannot work, and the secret environment kept from the PowerShell host. Credentials themselves are
 * in access/credentials.ts; tuning knobs in tuning.ts.
 */
import { JOB_ENV, resolveCredential, type Credential } from "./access/credentials";
import { GUID } from "./formats";

/** The package name and the stack-config namespace of our settings (`teams-bot-numbers:tenantId`). */
export const NAMESPACE = "teams-bot-numbers";

/**
 * Stack config keys (in NAMESPACE) and their environment fallbacks (`env`, then `alsoEnv`: the names
 * the Azure DevOps AzureCLI@2 / AzurePowerShell@5 tasks export for their service connection).
 * `secret`: it holds a credential or points at one, so it is kept from the PowerShell host (SECRET_ENV).
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
  | "armUrl"
  | "numberAssignment"
  | "pwshPath",
  { config: string; env: string; alsoEnv?: string; secret?: true }
> = {
  tenantId: { config: "tenantId", env: "AZURE_TENANT_ID", alsoEnv: "AZURESUBSCRIPTION_TENANT_ID" },
  clientId: { config: "clientId", env: "AZURE_CLIENT_ID", alsoEnv: "AZURESUBSCRIPTION_CLIENT_ID" },
  clientSecret: { config: "clientSecret", env: "AZURE_CLIENT_SECRET", secret: true },
  /** PEM file holding the certificate and its private key (as `AZURE_CLIENT_CERTIFICATE_PATH`). */
  clientCertificatePath: { config: "clientCertificatePath", env: "AZURE_CLIENT_CERTIFICATE_PATH", secret: true },
  /** File a platform keeps a fresh OIDC token in (Kubernetes workload identity, as azure-identity). */
  federatedTokenFile: { config: "federatedTokenFile", env: "AZURE_FEDERATED_TOKEN_FILE", secret: true },
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
  /** Azure Resource Manager, where the calling readiness reads the stack's Azure Bots. */
  armUrl: { config: "armUrl", env: "TEAMS_ARM_URL" },
  numberAssignment: { config: "numberAssignment", env: "TEAMS_NUMBER_ASSIGNMENT" },
  pwshPath: { config: "pwshPath", env: "TEAMS_PWSH_PATH" },
} as const;

/** Name of a tenant setting. */
export type SettingName = keyof typeof SETTING_SOURCES;

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
  armUrl: "https://management.azure.com",
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

/** One setting: stack config first (`getConfig(key)`), then its environment variables; undefined when unset. */
export function readSetting(
  name: SettingName,
  getConfig: (key: string) => string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return settingSource(name, getConfig, env)?.value;
}

/** Azure Resource Manager's base URL (`armUrl`, default the public cloud's), without a trailing slash. */
export function resolveArmUrl(
  getConfig: (key: string) => string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const url = (readSetting("armUrl", getConfig, env) ?? DEFAULTS.armUrl).replace(/\/+$/, "");
  if (!/^https:\/\/[^/\s]+(\/.*)?$/.test(url))
    throw new SettingsError(`${describeSetting("armUrl")} must be an https:// URL, got "${url}".`);
  return url;
}

/**
 * One setting's value and where it came from: the stack config key (`teams-bot-numbers:clientId`)
 * first, then the environment variables in order (`AZURE_CLIENT_ID`); blank counts as unset.
 */
export function settingSource(
  name: SettingName,
  getConfig: (key: string) => string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { value: string; key: string } | undefined {
  const s = SETTING_SOURCES[name];
  const candidates: Array<[string | undefined, string]> = [
    [getConfig(s.config), `${NAMESPACE}:${s.config}`],
    [env[s.env], s.env],
    ...(s.alsoEnv ? [[env[s.alsoEnv], s.alsoEnv] as [string | undefined, string]] : []),
  ];
  for (const [v, key] of candidates) if (v !== undefined && v.trim() !== "") return { value: v.trim(), key };
  return undefined;
}

/**
 * Resolves settings: stack config first (`getConfig(key)`), then the environment.
 * Throws one SettingsError listing every problem.
 */
export function resolveTenantSettings(
  getConfig: (key: string) => string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): TenantSettings {
  const read = (name: SettingName): string | undefined => readSetting(name, getConfig, env);
  const describe = describeSetting;
  const problems: string[] = [];
  const tenantId = read("tenantId");
  const clientId = read("clientId");
  if (!tenantId) problems.push(`${describe("tenantId")} is not set: give the directory (tenant) id.`);
  else if (!GUID.test(tenantId)) problems.push(`${describe("tenantId")} must be a GUID, got "${tenantId}".`);
  if (clientId && !GUID.test(clientId)) problems.push(`${describe("clientId")} must be a GUID, got "${clientId}".`);
  const credential = resolveCredential({ read, describe, env, clientId }, problems);
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
  // Copied from Graph Explorer or the emulator's banner, the URL often carries the API version.
  const version = /\/(v1\.0|beta)$/i.exec(graphUrl);
  if (version)
    problems.push(
      `${describe("graphUrl")} ends with the API version "/${version[1]}", got "${graphUrl}": give the Graph root without it (e.g. https://graph.microsoft.com); the provider adds /v1.0 itself.`,
    );
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

/**
 * Secrets a pipeline's environment may hold that the provider does not read (the engine's, the
 * state backend's, the CI system's) but must not hand on either.
 */
const ENVIRONMENT_SECRETS = [
  "AZURE_CLIENT_CERTIFICATE_PASSWORD",
  "PULUMI_CONFIG_PASSPHRASE",
  "PULUMI_CONFIG_PASSPHRASE_FILE",
  "PULUMI_ACCESS_TOKEN",
  // State backend credentials (README "State in Azure Blob Storage").
  "AZURE_STORAGE_KEY",
  "AZURE_STORAGE_SAS_TOKEN",
  "AZURE_STORAGE_CONNECTION_STRING",
  "ACTIONS_RUNTIME_TOKEN",
  "MSI_SECRET",
  "GITHUB_TOKEN",
];

/**
 * Environment variables never handed to the PowerShell host (it needs none of our credentials):
 * the settings marked `secret`, every per-job token requester (JOB_ENV), and ENVIRONMENT_SECRETS.
 */
export const SECRET_ENV: readonly string[] = [
  ...Object.values(SETTING_SOURCES)
    .filter((s) => s.secret)
    .flatMap((s) => [s.env, ...(s.alsoEnv ? [s.alsoEnv] : [])]),
  ...Object.values(JOB_ENV),
  ...ENVIRONMENT_SECRETS,
];

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
