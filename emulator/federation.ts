/**
 * Workload identity federation at the token endpoint: a `client_assertion` that is not the app's own
 * certificate assertion is an external token, matched against the app registration's federated
 * identity credentials (issuer, subject, audiences; Graph `federatedIdentityCredential`), then its
 * signature (the issuer's JWKS) and lifetime are checked. Each mismatch raises the AADSTS error Entra
 * documents for it (sources in FIDELITY.md, "Workload identity federation").
 */
import jwt from "jsonwebtoken";

import { EmulatorContext } from "./context";
import { entraErrors } from "./entra-errors";
import type { AppRec, FederatedCredentialRec } from "./state";

/** Clock skew tolerated on `nbf` (assumption: as for certificate assertions). */
const NBF_SKEW_S = 300;

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

const iso = (s: unknown): string => (typeof s === "number" ? new Date(s * 1000).toISOString() : "(none)");

/**
 * Validates an external token presented as `client_assertion` for `app`; returns the matching
 * federated identity credential or throws the documented EntraError (entraErrors).
 */
export function verifyFederatedAssertion(ctx: EmulatorContext, app: AppRec, assertion: string): FederatedCredentialRec {
  const p = jwt.decode(assertion);
  if (!p || typeof p === "string") throw entraErrors.malformedAssertion();
  const fics = app.federatedIdentityCredentials ?? [];
  if (fics.length === 0) throw entraErrors.noFederatedCredentials(app.clientId);
  const iss = String(p.iss ?? "");
  const sub = String(p.sub ?? "");
  const auds = (Array.isArray(p.aud) ? p.aud : [p.aud]).filter((a): a is string => typeof a === "string");
  const byIssuer = fics.filter((f) => resolveIssuer(ctx, f.issuer) === iss);
  if (byIssuer.length === 0) throw entraErrors.federatedMismatch(700211, "issuer", iss);
  const bySubject = byIssuer.filter((f) => f.subject === sub);
  if (bySubject.length === 0) throw entraErrors.federatedMismatch(700213, "subject", sub);
  const match = bySubject.find((f) => f.audiences.some((a) => auds.includes(a)));
  if (!match) throw entraErrors.federatedMismatch(700212, "audience", auds.join(", "));

  const verdict = ctx.oidc.verify(assertion);
  if (!verdict.ok)
    throw verdict.reason === "unknownIssuer" ? entraErrors.federatedKeysUnavailable(iss) : entraErrors.badSignature();
  const now = Math.floor(Date.now() / 1000);
  if (typeof p.exp !== "number" || p.exp <= now || (typeof p.nbf === "number" && p.nbf > now + NBF_SKEW_S)) {
    throw entraErrors.assertionTime(
      `Current time: ${iso(now)}, assertion valid from ${iso(p.nbf)}, expiry time of assertion ${iso(p.exp)}.`,
    );
  }
  return match;
}
