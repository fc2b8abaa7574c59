/**
 * App-only tokens through msal-node's ConfidentialClientApplication (client secret, or a PEM
 * certificate with its private key), with MSAL's in-memory token cache.
 */
import { createPrivateKey, X509Certificate } from "crypto";
import { readFileSync } from "fs";
import { ConfidentialClientApplication, type Configuration } from "@azure/msal-node";

import { kindFromStatus, kindFromText, TenantError } from "../errors";
import { explain } from "../hints";
import { throttling, transient, withRetry } from "../retry";
import { describeSetting, type TenantSettings } from "../settings";

/** Skype and Teams Tenant Admin API (what Connect-MicrosoftTeams -AccessTokens needs besides Graph). */
export const TEAMS_ADMIN_SCOPE = "48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default";

/** Entra hosts of Microsoft clouds: MSAL may validate them itself; any other host is "known" to it explicitly. */
const MICROSOFT_AUTHORITY_HOSTS = new Set([
  "login.microsoftonline.com",
  "login.microsoft.com",
  "login.windows.net",
  "sts.windows.net",
  "login.microsoftonline.us",
  "login.chinacloudapi.cn",
  "login.partner.microsoftonline.cn",
]);

/** Graph hosts of sovereign clouds, whose tokens are issued for themselves. */
const SOVEREIGN_GRAPH_HOSTS = new Set([
  "graph.microsoft.us",
  "dod-graph.microsoft.us",
  "microsoftgraph.chinacloudapi.cn",
]);

/**
 * The Graph scope for a Graph base URL: the sovereign cloud's own, otherwise the global one
 * (also for an emulator, which stands in for graph.microsoft.com).
 */
export function graphScope(graphUrl: string): string {
  const url = new URL(graphUrl);
  return SOVEREIGN_GRAPH_HOSTS.has(url.hostname) ? `${url.origin}/.default` : "https://graph.microsoft.com/.default";
}

/** The MSAL configuration for these settings (exported for tests; holds the credential). */
export function msalConfiguration(settings: TenantSettings): Configuration {
  const authority = new URL(settings.authorityHost);
  const auth: Configuration["auth"] = {
    clientId: settings.clientId,
    authority: `${settings.authorityHost}/${settings.tenantId}`,
    // Not a Microsoft host (e.g. the emulator): trust it as given, so MSAL never asks the
    // internet for instance discovery. MSAL matches on host *with* port.
    ...(MICROSOFT_AUTHORITY_HOSTS.has(authority.hostname) ? {} : { knownAuthorities: [authority.host] }),
  };
  if (settings.credential.kind === "secret") {
    auth.clientSecret = settings.credential.clientSecret;
  } else {
    auth.clientCertificate = readCertificate(settings.credential.certificatePath);
  }
  return {
    auth,
    system: { loggerOptions: { piiLoggingEnabled: false, logLevel: 0 /* Error */, loggerCallback: () => undefined } },
  };
}

/** Reads a PEM holding the certificate and its private key: SHA-256 thumbprint, PKCS#8 key, x5c chain. */
export function readCertificate(path: string): { thumbprintSha256: string; privateKey: string; x5c: string } {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (e) {
    throw new TenantError({
      operation: `reading the client certificate ${path}`,
      reason: (e as Error).message,
      hint: `Set ${describeSetting("clientCertificatePath")} to a PEM file with the certificate and its private key.`,
    });
  }
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const key = pem.match(
    /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/,
  );
  if (certs.length === 0 || !key) {
    throw new TenantError({
      operation: `reading the client certificate ${path}`,
      reason: `the file must hold a CERTIFICATE and a PRIVATE KEY block (found ${certs.length} certificate(s) and ${key ? "a" : "no"} key)`,
      hint: "Concatenate the certificate and its unencrypted private key into one PEM file.",
    });
  }
  const cert = new X509Certificate(certs[0] as string);
  const problem = (reason: string, hint: string): TenantError =>
    new TenantError({ operation: `reading the client certificate ${path}`, code: "CertificateInvalid", reason, hint });
  // msal-node 7 signs the client assertion itself as PS256 (jsonwebtoken, RSA keys only) from an
  // unencrypted PEM key: an encrypted or non-RSA key would fail at the first token request with
  // a cryptic error, so it is refused here, naming the fix. AZURE_CLIENT_CERTIFICATE_PASSWORD is not read.
  if (/ENCRYPTED/.test(key[0])) {
    throw problem(
      "the private key is encrypted (password-protected); the provider needs an unencrypted key (AZURE_CLIENT_CERTIFICATE_PASSWORD is not supported)",
      `Decrypt it once into a file only the pipeline can read (\`openssl pkey -in <file> -out <key.pem>\`, then append the certificate) and point ${describeSetting("clientCertificatePath")} at that file.`,
    );
  }
  let keyObject: ReturnType<typeof createPrivateKey>;
  try {
    keyObject = createPrivateKey(key[0]);
  } catch (e) {
    throw problem(
      `the private key cannot be read (${(e as Error).message})`,
      "Export the certificate's RSA private key as an unencrypted PEM (PKCS#8 or PKCS#1) into the file.",
    );
  }
  if (keyObject.asymmetricKeyType !== "rsa" && keyObject.asymmetricKeyType !== "rsa-pss") {
    throw problem(
      `the private key is ${keyObject.asymmetricKeyType?.toUpperCase() ?? "of an unknown type"}, not RSA: msal-node signs the client assertion with PS256, which needs an RSA key`,
      `Create an RSA certificate (2048 bits or more), upload it to the app registration and point ${describeSetting("clientCertificatePath")} at it.`,
    );
  }
  const now = Date.now();
  if (Date.parse(cert.validTo) < now) {
    throw problem(
      `the certificate ${cert.subject.replace(/\n/g, ", ")} expired on ${new Date(cert.validTo).toISOString()}`,
      `Create a new certificate, upload it to the app registration (Certificates & secrets) and point ${describeSetting("clientCertificatePath")} at it.`,
    );
  }
  if (Date.parse(cert.validFrom) > now) {
    throw problem(
      `the certificate is not valid before ${new Date(cert.validFrom).toISOString()}`,
      "Check the clock of this machine, or use a certificate that is already valid.",
    );
  }
  if (!cert.checkPrivateKey(keyObject)) {
    throw problem(
      "the private key in the file does not belong to its first certificate",
      `Put the certificate and its own private key into the file ${describeSetting("clientCertificatePath")} points at.`,
    );
  }
  const thumbprintSha256 = cert.fingerprint256.replace(/:/g, "").toLowerCase();
  const privateKey = keyObject.export({ type: "pkcs8", format: "pem" }).toString();
  return { thumbprintSha256, privateKey, x5c: certs.join("\n") };
}

/** Tokens for one app registration, cached by MSAL in memory. */
export class TokenSource {
  private app: ConfidentialClientApplication | undefined;

  constructor(private readonly settings: TenantSettings) {}

  /**
   * An access token for `scope` (e.g. "https://graph.microsoft.com/.default") and when it expires.
   * Throttling (429) and transient failures (5xx, AADSTS90033 temporarily_unavailable, network) are
   * retried with backoff. MSAL remembers such a failure and refuses the same request until its
   * Retry-After passes (60 s without one), so a retry starts from a fresh MSAL client: it can hold
   * no valid token for this scope, or MSAL would have answered from its cache.
   */
  async token(scope: string): Promise<{ accessToken: string; expiresOn: Date | null }> {
    return withRetry(() => this.acquire(scope), {
      strategies: [throttling(1_000), transient(1_000)],
      maxAttempts: 5,
      resource: "entra",
      what: `token for ${scope}`,
    });
  }

  private async acquire(scope: string): Promise<{ accessToken: string; expiresOn: Date | null }> {
    this.app ??= new ConfidentialClientApplication(msalConfiguration(this.settings));
    try {
      const result = await this.app.acquireTokenByClientCredential({ scopes: [scope] });
      if (!result?.accessToken) throw new Error("the token endpoint returned no access token");
      return { accessToken: result.accessToken, expiresOn: result.expiresOn ?? null };
    } catch (e) {
      if (e instanceof TenantError) throw e;
      const err = e as { errorCode?: string; errorMessage?: string; message?: string; status?: number };
      const reason =
        err.errorCode === "endpoints_resolution_error"
          ? `cannot read the OpenID configuration of ${this.settings.authorityHost}/${this.settings.tenantId}: the tenant id is wrong or the authority host is unreachable`
          : (err.errorMessage || err.message || String(e)).split("\n")[0];
      const status =
        typeof err.status === "number" && err.status > 0
          ? err.status
          : err.errorCode === "temporarily_unavailable"
            ? 503
            : undefined;
      if (status === 429 || (status !== undefined && status >= 500)) this.app = undefined;
      // The hint comes from the table of known failures (errors.ts), like every other one.
      throw new TenantError(
        explain({
          operation: `getting a token for ${scope} from ${this.settings.authorityHost}`,
          reason,
          status,
          serviceCode: err.errorCode || undefined,
          // Set here: MSAL reports network failures only in words.
          kind: status !== undefined ? kindFromStatus(status) : kindFromText(`${err.errorCode ?? ""} ${reason}`),
          cause: e,
        }),
      );
    }
  }

  /** The Graph token for the configured Graph URL. */
  graphToken(): Promise<{ accessToken: string; expiresOn: Date | null }> {
    return this.token(graphScope(this.settings.graphUrl));
  }
}
