/**
 * Where the provider finds its tenant and credentials. Read at call time (dynamic provider
 * `configure`, then environment), never captured in the serialized provider.
 */

/** Stack config keys (project namespace `teams-bot-numbers:`) and their environment fallbacks. */
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

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function describe(name: SettingName): string {
  const s = SETTING_SOURCES[name];
  return `teams-bot-numbers:${s.config} (or ${s.env})`;
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
