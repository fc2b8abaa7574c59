/**
 * External ID tokens for workload identity federation, handed to MSAL as the client assertion:
 * read from a file (Kubernetes workload identity, AZURE_FEDERATED_TOKEN_FILE), requested from the
 * GitHub Actions runner (ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN) or from Azure DevOps
 * (SYSTEM_OIDCREQUESTURI + System.AccessToken for a service connection). A token is reused until it
 * nears expiry, then fetched again, so a run longer than its lifetime keeps signing in. The tokens
 * and request tokens are never logged: errors name the file or endpoint host, never a value.
 */
import { readFile } from "fs/promises";

import { kindFromStatus, TenantError, type ErrorKind } from "../errors";

/** Audience Entra expects in federated tokens. */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";
/** Fetch a new token when the current one expires within this margin (or has passed half its lifetime). */
const REFRESH_MARGIN_MS = 60_000;

/** The non-secret claims of a presented token, to explain a refusal. */
export interface PresentedClaims {
  iss?: string;
  sub?: string;
  aud?: string;
  expiresAt?: Date;
}

/** Decodes the payload of a JWT without verifying it (null when it is not one). */
export function decodeJwt(token: string): Record<string, unknown> | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const v = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown;
    return v && typeof v === "object" ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Where the external token comes from. */
export type AssertionOrigin =
  | { kind: "tokenFile"; path: string }
  | { kind: "githubOidc"; requestUrl: string; requestToken: string; audience: string }
  | { kind: "azureDevOpsOidc"; requestUri: string; accessToken: string; serviceConnectionId: string };

/** A source of external tokens with reuse until near expiry. */
export class AssertionSource {
  private current: { token: string; refreshAtMs: number } | undefined;
  private last: PresentedClaims | undefined;
  /** Tokens fetched or read so far (a long run shows more than one). */
  fetched = 0;

  constructor(
    private readonly origin: AssertionOrigin,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  /** The token to present now (MSAL calls this for every token request it sends). */
  async get(): Promise<string> {
    if (this.current && Date.now() < this.current.refreshAtMs) return this.current.token;
    const token = (await this.read()).trim();
    const claims = decodeJwt(token);
    if (!claims) throw this.problem("the token is not a JWT");
    const exp = typeof claims.exp === "number" ? claims.exp * 1000 : undefined;
    const iat = typeof claims.iat === "number" ? claims.iat * 1000 : Date.now();
    const refreshAtMs = exp === undefined ? Date.now() : Math.min(exp - REFRESH_MARGIN_MS, iat + (exp - iat) / 2);
    this.current = { token, refreshAtMs };
    this.fetched += 1;
    this.last = {
      iss: typeof claims.iss === "string" ? claims.iss : undefined,
      sub: typeof claims.sub === "string" ? claims.sub : undefined,
      aud: Array.isArray(claims.aud) ? claims.aud.join(", ") : typeof claims.aud === "string" ? claims.aud : undefined,
      expiresAt: exp === undefined ? undefined : new Date(exp),
    };
    return token;
  }

  /** Claims of the token presented last (issuer, subject, audience; never the token). */
  presented(): PresentedClaims | undefined {
    return this.last;
  }

  /** Forget the current token (after Entra refused it as expired). */
  invalidate(): void {
    this.current = undefined;
  }

  /** Words for where tokens come from, for progress lines and errors. */
  describe(): string {
    const o = this.origin;
    if (o.kind === "tokenFile") return `the federated token file ${o.path}`;
    if (o.kind === "githubOidc") return `the GitHub Actions OIDC endpoint ${hostOf(o.requestUrl)}`;
    return `the Azure DevOps OIDC endpoint ${hostOf(o.requestUri)} (service connection ${o.serviceConnectionId})`;
  }

  /** `kind`: an unreachable or failing endpoint may answer the next time; anything else is permanent. */
  private problem(reason: string, hint?: string, kind?: ErrorKind): TenantError {
    return new TenantError({
      operation: `getting a federated token from ${this.describe()}`,
      code: "FederatedTokenUnavailable",
      kind,
      reason,
      hint,
    });
  }

  private async read(): Promise<string> {
    const o = this.origin;
    if (o.kind === "tokenFile") {
      try {
        return await readFile(o.path, "utf8");
      } catch (e) {
        throw this.problem(
          (e as Error).message,
          "Set teams-bot-numbers:federatedTokenFile (or AZURE_FEDERATED_TOKEN_FILE) to the file your platform writes the token to (Kubernetes workload identity: /var/run/secrets/azure/tokens/azure-identity-token).",
        );
      }
    }
    if (o.kind === "githubOidc") {
      const url = `${o.requestUrl}${o.requestUrl.includes("?") ? "&" : "?"}audience=${encodeURIComponent(o.audience)}`;
      const body = await this.call(url, { headers: { authorization: `Bearer ${o.requestToken}` } }, [
        "Give the job `permissions: id-token: write`; a pull request from a fork gets no token.",
      ]);
      if (typeof body.value !== "string") throw this.problem("the answer has no `value`");
      return body.value;
    }
    const url = `${o.requestUri}${o.requestUri.includes("?") ? "&" : "?"}api-version=7.1&serviceConnectionId=${encodeURIComponent(o.serviceConnectionId)}`;
    const body = await this.call(
      url,
      {
        method: "POST",
        headers: { authorization: `Bearer ${o.accessToken}`, "content-type": "application/json" },
      },
      [
        "Map the job's access token into the environment (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)) and allow the pipeline to use the service connection named by teams-bot-numbers:serviceConnectionId (or AZURESUBSCRIPTION_SERVICE_CONNECTION_ID).",
      ],
    );
    if (typeof body.oidcToken !== "string") throw this.problem("the answer has no `oidcToken`");
    return body.oidcToken;
  }

  private async call(url: string, init: RequestInit, hints: string[]): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await this.fetchFn(url, init);
    } catch (e) {
      throw this.problem(`the endpoint cannot be reached (${(e as Error).message})`, hints[0], "transient");
    }
    if (!res.ok) throw this.problem(`the endpoint answered HTTP ${res.status}`, hints[0], kindFromStatus(res.status));
    try {
      return (await res.json()) as Record<string, unknown>;
    } catch {
      throw this.problem("the endpoint did not answer JSON");
    }
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(not a URL)";
  }
}
