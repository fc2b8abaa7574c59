/**
 * Credentials: the kinds the provider signs in with, how one is chosen from the settings (stack
 * config, then the environment; forced by `credential`, else the first kind whose inputs are
 * present) and how it is named in messages (never its secret). The settings table that names each
 * input (config key, environment variable) is provider/settings.ts.
 */

/** The settings a credential is read from (keys of the settings table). */
export type CredentialSetting =
  | "clientSecret"
  | "clientCertificatePath"
  | "federatedTokenFile"
  | "serviceConnectionId"
  | "useManagedIdentity"
  | "credential";

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

/** What resolving a credential reads and how it names a setting in a problem. */
export interface CredentialInputs {
  read: (name: CredentialSetting) => string | undefined;
  describe: (name: CredentialSetting) => string;
  env: NodeJS.ProcessEnv;
  /** The configured client id (a user-assigned managed identity has one). */
  clientId: string | undefined;
}

/** Each kind: the credential when its inputs are present, else why not (for a forced kind's problem). */
function candidates(i: CredentialInputs, problems: string[]): Record<CredentialKind, () => Credential | string> {
  const { read, describe } = i;
  const job = (name: keyof typeof JOB_ENV): string | undefined => {
    const v = i.env[JOB_ENV[name]];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const clientSecret = read("clientSecret");
  const certificatePath = read("clientCertificatePath");
  const tokenFilePath = read("federatedTokenFile");
  const serviceConnectionId = read("serviceConnectionId");
  const mi = read("useManagedIdentity");
  if (mi !== undefined && mi !== "true" && mi !== "false")
    problems.push(`${describe("useManagedIdentity")} must be "true" or "false", got "${mi}".`);
  return {
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
        ? { kind: "managedIdentity", userAssigned: i.clientId !== undefined }
        : `${describe("useManagedIdentity")} is not "true" and ${JOB_ENV.identityEndpoint}/${JOB_ENV.identityHeader} are not set`,
  };
}

/**
 * The credential: forced by `credential`, else the first kind whose inputs are present
 * (CREDENTIAL_KINDS order). Problems are pushed to `problems` (undefined returned).
 */
export function resolveCredential(i: CredentialInputs, problems: string[]): Credential | undefined {
  const { read, describe } = i;
  const kinds = candidates(i, problems);
  const forced = read("credential");
  if (forced !== undefined) {
    if (!(CREDENTIAL_KINDS as readonly string[]).includes(forced)) {
      problems.push(`${describe("credential")} must be one of ${CREDENTIAL_KINDS.join(", ")}, got "${forced}".`);
      return undefined;
    }
    const c = kinds[forced as CredentialKind]();
    if (typeof c === "string") problems.push(`${describe("credential")} is "${forced}", but ${c}.`);
    return typeof c === "string" ? undefined : c;
  }
  if (read("clientSecret") && read("clientCertificatePath")) {
    problems.push(`set only one of ${describe("clientSecret")} and ${describe("clientCertificatePath")}.`);
    return undefined;
  }
  for (const kind of CREDENTIAL_KINDS) {
    const c = kinds[kind]();
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
