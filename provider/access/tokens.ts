/**
 * App-only tokens through msal-node, with MSAL's in-memory token cache: ConfidentialClientApplication
 * with a client secret, a PEM certificate, or an external OIDC token as client assertion (workload
 * identity federation: token file, GitHub Actions, Azure DevOps; assertions.ts fetches a new one as
 * it nears expiry, MSAL asks for one at every token request), or ManagedIdentityApplication for a
 * host's managed identity. The chosen credential is named once per process in a progress line.
 */
import { ConfidentialClientApplication, ManagedIdentityApplication, type Configuration } from "@azure/msal-node";

import { kindFromStatus, kindFromText, TenantError } from "../errors";
import { explain } from "../hints";
import { progress } from "../log";
import { throttling, transient, withRetry } from "../retry";
import type { TenantSettings } from "../settings";
import { AssertionSource, decodeJwt, TOKEN_EXCHANGE_AUDIENCE } from "./assertions";
import { readCertificate } from "./certificate";
import { describeCredential, type Credential } from "./credentials";
import { FEDERATION_CODES, federationRefusal } from "./federation";

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

/** The source of external tokens for a federated credential (undefined for the other kinds). */
export function assertionSourceFor(c: Credential): AssertionSource | undefined {
  if (c.kind === "tokenFile") return new AssertionSource({ kind: "tokenFile", path: c.tokenFilePath });
  if (c.kind === "githubOidc")
    return new AssertionSource({
      kind: "githubOidc",
      requestUrl: c.requestUrl,
      requestToken: c.requestToken,
      audience: TOKEN_EXCHANGE_AUDIENCE,
    });
  if (c.kind === "azureDevOpsOidc")
    return new AssertionSource({
      kind: "azureDevOpsOidc",
      requestUri: c.requestUri,
      accessToken: c.accessToken,
      serviceConnectionId: c.serviceConnectionId,
    });
  return undefined;
}

const MSAL_SYSTEM: Configuration["system"] = {
  loggerOptions: { piiLoggingEnabled: false, logLevel: 0 /* Error */, loggerCallback: () => undefined },
};

/** The MSAL configuration for these settings (exported for tests; holds the credential). */
export function msalConfiguration(settings: TenantSettings, assertions?: AssertionSource): Configuration {
  const authority = new URL(settings.authorityHost);
  const auth: Configuration["auth"] = {
    clientId: settings.clientId,
    authority: `${settings.authorityHost}/${settings.tenantId}`,
    // Not a Microsoft host (e.g. the emulator): trust it as given, so MSAL never asks the
    // internet for instance discovery. MSAL matches on host *with* port.
    ...(MICROSOFT_AUTHORITY_HOSTS.has(authority.hostname) ? {} : { knownAuthorities: [authority.host] }),
  };
  const c = settings.credential;
  if (c.kind === "secret") auth.clientSecret = c.clientSecret;
  else if (c.kind === "certificate") auth.clientCertificate = readCertificate(c.certificatePath);
  else if (assertions) auth.clientAssertion = () => assertions.get();
  else throw new Error(`msalConfiguration: the ${c.kind} credential needs an assertion source`);
  return { auth, system: MSAL_SYSTEM };
}

/** Tokens for one app registration (or managed identity), cached by MSAL in memory. */
export class TokenSource {
  private app: ConfidentialClientApplication | undefined;
  private mi: ManagedIdentityApplication | undefined;
  private announced = false;
  /** External tokens for a federated credential (undefined for secret, certificate, managed identity). */
  readonly assertions: AssertionSource | undefined;

  constructor(private readonly settings: TenantSettings) {
    this.assertions = assertionSourceFor(settings.credential);
  }

  /** Names the credential once per process: "[teams] credentials: signing in … with …". */
  private announce(): void {
    if (this.announced) return;
    this.announced = true;
    const who = this.settings.clientId ? `app ${this.settings.clientId}` : "the host's identity";
    progress(
      "credentials",
      `signing in to tenant ${this.settings.tenantId} as ${who} with ${describeCredential(this.settings.credential)}`,
    );
  }

  /** The claims of the token for `scope` (roles, wids: what the identity may do), decoded, not verified. */
  async claims(scope: string): Promise<Record<string, unknown> | null> {
    return decodeJwt((await this.token(scope)).accessToken);
  }

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
    this.announce();
    try {
      let result;
      if (this.settings.credential.kind === "managedIdentity") {
        this.mi ??= new ManagedIdentityApplication({
          ...(this.settings.credential.userAssigned
            ? { managedIdentityIdParams: { userAssignedClientId: this.settings.clientId } }
            : {}),
          system: MSAL_SYSTEM,
        });
        result = await this.mi.acquireToken({ resource: scope.replace(/\/\.default$/, "") });
      } else {
        this.app ??= new ConfidentialClientApplication(msalConfiguration(this.settings, this.assertions));
        result = await this.app.acquireTokenByClientCredential({ scopes: [scope] });
      }
      if (!result?.accessToken) throw new Error("the token endpoint returned no access token");
      return { accessToken: result.accessToken, expiresOn: result.expiresOn ?? null };
    } catch (e) {
      if (e instanceof TenantError) throw e;
      const err = e as { errorCode?: string; errorMessage?: string; message?: string; status?: number };
      const federated = this.assertions && FEDERATION_CODES.exec(`${err.errorMessage ?? ""} ${err.message ?? ""}`);
      if (this.assertions && federated)
        throw federationRefusal(
          this.settings,
          this.assertions,
          federated[1]!,
          (err.errorMessage || err.message || "").split("\n")[0]!,
          e,
        );
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
      if (status === 429 || (status !== undefined && status >= 500)) {
        this.app = undefined;
        this.mi = undefined;
      }
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
