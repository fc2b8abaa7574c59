/** A federated token Entra refused, told with what was presented and what the app would need to accept it. */
import { TenantError } from "../errors";
import type { TenantSettings } from "../settings";
import { TOKEN_EXCHANGE_AUDIENCE, type AssertionSource, type PresentedClaims } from "./assertions";
import { describeCredential } from "./credentials";

/** The AADSTS codes of a refused federated token. */
export const FEDERATION_CODES = /\bAADSTS(70021|700211|700212|700213|70025|700024|700027)\b/;

/** The refusal of a federated token, told with what was presented and what the app would need to accept it. */
export function federationRefusal(
  settings: TenantSettings,
  source: AssertionSource,
  code: string,
  reason: string,
  cause: unknown,
): TenantError {
  const p: PresentedClaims = source.presented() ?? {};
  const presented = `issuer '${p.iss ?? "?"}', subject '${p.sub ?? "?"}', audience '${p.aud ?? "?"}'`;
  const app = `app registration ${settings.clientId}`;
  const need = `a federated credential on ${app} with issuer '${p.iss ?? "?"}', subject '${p.sub ?? "?"}' and audience '${TOKEN_EXCHANGE_AUDIENCE}'`;
  const hints: Record<string, string> = {
    "70021": `Entra expects ${need}: add it (App registrations > Certificates & secrets > Federated credentials), or run from where an existing credential points.`,
    "700211": `No federated credential of ${app} trusts this issuer. Entra expects ${need}.`,
    "700213": `The ${app} trusts this issuer, but for other subjects: it expects ${need}. A pull request (or a fork's) must preview with the read-only preview identity, and a deploy run from the branch or environment its credential names (e.g. repo:<owner>/<repo>:environment:production).`,
    "700212": `Request the token for audience ${TOKEN_EXCHANGE_AUDIENCE} (Entra expects ${need}).`,
    "70025": `The ${app} has no federated credentials: add ${need}.`,
    "700024": `The token expired at ${p.expiresAt?.toISOString() ?? "?"}; the provider fetches a new one before expiry, so check this machine's clock and that the platform refreshes the token.`,
    "700027": `The token's signature does not verify with the keys issuer '${p.iss ?? "?"}' publishes: it was not issued by that issuer.`,
  };
  if (code === "700024") source.invalidate();
  return new TenantError({
    operation: `signing in to tenant ${settings.tenantId} with ${describeCredential(settings.credential)} from ${source.describe()}`,
    reason: `Entra refused the presented token (${presented}): ${reason}`,
    code: "FederationMismatch",
    serviceCode: `AADSTS${code}`,
    kind: "permanent",
    hint: hints[code],
    cause,
  });
}
