/**
 * The keys a bot checks call notifications' bearer tokens with: the local stand-in for
 * https://api.aps.skype.com/v1/.well-known/OpenIdConfiguration (call-notifications.md, "Authenticate
 * the callback"), served at /aps/v1/.well-known/OpenIdConfiguration with its JWKS.
 */
import express from "express";

import { EmulatorContext } from "../context";
import { NOTIFICATION_ISSUER } from "../tokens";

/** Builds the /aps router. */
export function notificationKeysRouter(ctx: EmulatorContext): express.Router {
  const r = express.Router();
  r.get("/v1/.well-known/OpenIdConfiguration", (_req, res) =>
    res.json({
      issuer: NOTIFICATION_ISSUER,
      jwks_uri: `${ctx.baseUrl}/aps/v1/keys`,
      id_token_signing_alg_values_supported: ["RS256"],
      token_endpoint_auth_signing_alg_values_supported: ["RS256"],
    }),
  );
  r.get("/v1/keys", (_req, res) => res.json(ctx.tokens.jwks()));
  return r;
}
