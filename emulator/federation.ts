/**
 * Workload identity federation at the token endpoint: a `client_assertion` that is not the app's own
 * certificate assertion is an external token, matched against the app registration's federated
 * identity credentials (issuer, subject, audiences; Graph `federatedIdentityCredential`), then its
 * signature (the issuer's JWKS) and lifetime are checked. Each mismatch raises the AADSTS error Entra
 * documents for it (sources in FIDELITY.md, "Workload identity federation").
 */
import jwt from "jsonwebtoken";

import { EmulatorContext } from "./context";
import { EntraError } from "./errors";
import type { AppRec, FederatedCredentialRec } from "./state";

/** Clock skew tolerated on `nbf`/`exp` (assumption: Entra's documented 5 minutes for assertions is not applied to expiry). */
const NBF_SKEW_S = 300;
const HELP = "https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation";

/**
 * True when the assertion is an external token rather than a certificate assertion: its issuer is a
 * URL (an OIDC issuer), where a certificate assertion names a client id in `iss` and `sub`
 * (assumption: Entra's exact rule is not documented; FIDELITY.md).
 */
export function isFederatedAssertion(assertion: string): boolean {
  const p = jwt.decode(assertion);
  if (!p || typeof p === "string" || typeof p.iss !== "string") return false;
  return /^https?:\/\//i.test(p.iss);
}

/** An issuer as stored: a path ("/oidc/github") names an issuer of this emulator. */
export function resolveIssuer(ctx: EmulatorContext, issuer: string): string {
  return issuer.startsWith("/") ? `${ctx.baseUrl}${issuer}` : issuer;
}

function mismatch(code: number, what: string, value: string): EntraError {
  return new EntraError(
    400,
    "invalid_client",
    code,
    `No matching federated identity record found for presented assertion ${what} '${value}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${HELP}`,
  );
}

/**
 * Validates an external token presented as `client_assertion` for `app`; returns the matching
 * federated identity credential or throws the documented EntraError.
 */
export function verifyFederatedAssertion(ctx: EmulatorContext, app: AppRec, assertion: string): FederatedCredentialRec {
  const p = jwt.decode(assertion);
  if (!p || typeof p === "string")
    throw new EntraError(400, "invalid_client", 50027, "JWT token is invalid or malformed.");
  const fics = app.federatedIdentityCredentials ?? [];
  if (fics.length === 0) {
    throw new EntraError(
      400,
      "invalid_client",
      70025,
      `Client application has no configured federated identity credentials. App id '${app.clientId}'.`,
    );
  }
  const iss = String(p.iss ?? "");
  const sub = String(p.sub ?? "");
  const auds = (Array.isArray(p.aud) ? p.aud : [p.aud]).filter((a): a is string => typeof a === "string");
  const byIssuer = fics.filter((f) => resolveIssuer(ctx, f.issuer) === iss);
  if (byIssuer.length === 0) throw mismatch(700211, "issuer", iss);
  const bySubject = byIssuer.filter((f) => f.subject === sub);
  if (bySubject.length === 0) throw mismatch(700213, "subject", sub);
  const match = bySubject.find((f) => f.audiences.some((a) => auds.includes(a)));
  if (!match) throw mismatch(700212, "audience", auds.join(", "));

  const verdict = ctx.oidc.verify(assertion);
  if (!verdict.ok) {
    throw new EntraError(
      401,
      "invalid_client",
      700027,
      verdict.reason === "unknownIssuer"
        ? `Client assertion failed signature validation. [Reason - The signing keys of issuer '${iss}' could not be retrieved.]`
        : "Client assertion failed signature validation.",
    );
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof p.exp !== "number" || p.exp <= now || (typeof p.nbf === "number" && p.nbf > now + NBF_SKEW_S)) {
    throw new EntraError(
      400,
      "invalid_client",
      700024,
      `Client assertion is not within its valid time range. Current time: ${new Date(now * 1000).toISOString()}, assertion valid from ${typeof p.nbf === "number" ? new Date(p.nbf * 1000).toISOString() : "(none)"}, expiry time of assertion ${typeof p.exp === "number" ? new Date(p.exp * 1000).toISOString() : "(none)"}.`,
    );
  }
  return match;
}
