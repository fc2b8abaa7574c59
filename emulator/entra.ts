/** Entra ID v2.0 subset: OIDC metadata, JWKS and the client-credentials token endpoint. */
import express from "express";
import jwt from "jsonwebtoken";

import { ARM_AUDIENCES, GRAPH_RESOURCE, TEAMS_ADMIN_API } from "./constants";
import { EmulatorContext } from "./context";
import { EntraError, entraErrors } from "./entra-errors";
import { isFederatedAssertion, verifyFederatedAssertion } from "./federation";
import { AppRec, secretHash } from "./state";

/** Authorities that name no tenant (metadata only: a client-credentials token needs a tenant). */
const MULTI_TENANT = ["common", "organizations"];
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** Clock skew Entra tolerates on nbf. */
const SKEW_S = 300;

function resolveTenant(ctx: EmulatorContext, t: string): string {
  const tenant = ctx.store.state.tenant;
  const k = t.toLowerCase();
  if (k === tenant.id || tenant.verifiedDomains.includes(k)) return tenant.id;
  throw entraErrors.tenantNotFound(t);
}

function endpoints(
  ctx: EmulatorContext,
  tid: string,
): { issuer: string; token: string; jwks: string; authorize: string } {
  const b = ctx.baseUrl;
  return {
    issuer: `${b}/${tid}/v2.0`,
    token: `${b}/${tid}/oauth2/v2.0/token`,
    jwks: `${b}/${tid}/discovery/v2.0/keys`,
    authorize: `${b}/${tid}/oauth2/v2.0/authorize`,
  };
}

/** Maps a `.default` scope to the token audience, or throws the documented AADSTS error. */
function audienceFor(ctx: EmulatorContext, scope: string | undefined): string {
  if (!scope || scope.trim() === "") throw entraErrors.missingParameter("scope");
  const scopes = scope.trim().split(/\s+/);
  // reference-error-codes.md: AADSTS700022 when the scopes name more than one resource.
  if (scopes.length > 1 && scopes.every((x) => x.endsWith("/.default")) && new Set(scopes).size > 1)
    throw entraErrors.multipleResources(scope);
  if (new Set(scopes).size !== 1 || !scopes[0]!.endsWith("/.default")) throw entraErrors.invalidScope(scope);
  const resource = scopes[0]!.slice(0, -"/.default".length).replace(/\/+$/, "");
  if (resource === GRAPH_RESOURCE || resource === "00000003-0000-0000-c000-000000000000") return GRAPH_RESOURCE;
  if (resource === TEAMS_ADMIN_API || resource === `api://${TEAMS_ADMIN_API}`) return TEAMS_ADMIN_API;
  // Azure Resource Manager: the token's aud is the resource as asked (ARM accepts each spelling).
  if ((ARM_AUDIENCES as readonly string[]).includes(resource)) return resource;
  throw entraErrors.unknownResource(resource, ctx.store.state.tenant.displayName);
}

function verifySecret(app: AppRec, secret: string): void {
  if (!app.secretSha256.includes(secretHash(secret))) throw entraErrors.badSecret(app.clientId);
}

function verifyAssertion(app: AppRec, assertion: string, audiences: string[]): void {
  const decoded = jwt.decode(assertion, { complete: true });
  if (!decoded || typeof decoded.payload === "string") throw entraErrors.malformedAssertion();
  const header = decoded.header as jwt.JwtHeader & { "x5t#S256"?: string };
  if (header.alg !== "RS256" && header.alg !== "PS256") throw entraErrors.assertionAlgorithm(String(header.alg));
  const b64 = (hex: string): string => Buffer.from(hex, "hex").toString("base64url");
  let candidates = app.certificates;
  const t256 = header["x5t#S256"];
  const t1 = header.x5t;
  if (t256 || t1) {
    candidates = app.certificates.filter(
      (c) => (t256 ? b64(c.sha256) === t256 : true) && (t1 ? b64(c.sha1) === t1 : true),
    );
    if (candidates.length === 0) throw entraErrors.unknownKey(String(t256 ?? t1), app.clientId);
  }
  const verified = candidates.some((c) => {
    try {
      jwt.verify(assertion, c.certificatePem, {
        algorithms: [header.alg as jwt.Algorithm],
        ignoreExpiration: true,
        ignoreNotBefore: true,
      });
      return true;
    } catch {
      return false;
    }
  });
  if (!verified) throw entraErrors.badSignature();
  const p = decoded.payload as jwt.JwtPayload;
  if (p.iss !== app.clientId || p.sub !== app.clientId) throw entraErrors.assertionSubject();
  const aud = Array.isArray(p.aud) ? p.aud : [p.aud];
  if (!aud.some((a) => typeof a === "string" && audiences.includes(a)))
    throw entraErrors.assertionAudience(String(p.aud), audiences[0]!);
  const now = Math.floor(Date.now() / 1000);
  if (typeof p.exp !== "number" || p.exp <= now || (typeof p.nbf === "number" && p.nbf > now + SKEW_S)) {
    throw entraErrors.assertionTime(
      `Current time: ${new Date(now * 1000).toISOString()}, assertion valid from ${p.nbf ? new Date(p.nbf * 1000).toISOString() : "(none)"}, expiry time of assertion ${p.exp ? new Date(p.exp * 1000).toISOString() : "(none)"}.`,
    );
  }
}

function parseForm(raw: unknown): URLSearchParams {
  if (Buffer.isBuffer(raw)) return new URLSearchParams(raw.toString("utf8"));
  if (typeof raw === "string") return new URLSearchParams(raw);
  return new URLSearchParams();
}

/** Builds the Entra router (mounted at /). */
export function entraRouter(ctx: EmulatorContext): express.Router {
  const r = express.Router();
  const fail = (res: express.Response, e: unknown): void => {
    if (!(e instanceof EntraError)) throw e;
    for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
    res.status(e.status).json(e.body());
  };

  r.get("/:tenant/v2.0/.well-known/openid-configuration", async (req, res) => {
    await ctx.faults.delay("entra");
    ctx.stats.readCount.entra += 1;
    try {
      // The multi-tenant authorities answer with a templated issuer (v2-protocols-oidc.md, "Sample request").
      const given = String(req.params.tenant);
      const multi = MULTI_TENANT.includes(given.toLowerCase());
      const tid = multi ? given.toLowerCase() : resolveTenant(ctx, given);
      const e = endpoints(ctx, tid);
      res.json({
        userinfo_endpoint: `${ctx.baseUrl}/oidc/userinfo`,
        token_endpoint: e.token,
        token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        jwks_uri: e.jwks,
        response_modes_supported: ["query", "fragment", "form_post"],
        subject_types_supported: ["pairwise"],
        id_token_signing_alg_values_supported: ["RS256"],
        response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
        scopes_supported: ["openid", "profile", "email", "offline_access"],
        issuer: multi ? `${ctx.baseUrl}/{tenantid}/v2.0` : e.issuer,
        request_uri_parameter_supported: false,
        authorization_endpoint: e.authorize,
        end_session_endpoint: `${ctx.baseUrl}/${tid}/oauth2/v2.0/logout`,
        tenant_region_scope: "NA",
        cloud_instance_name: "localhost",
        claims_supported: ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "appid", "azp", "oid", "roles", "wids"],
      });
    } catch (e) {
      fail(res, e);
    }
  });

  r.get("/:tenant/discovery/v2.0/keys", async (req, res) => {
    await ctx.faults.delay("entra");
    ctx.stats.readCount.entra += 1;
    try {
      resolveTenant(ctx, String(req.params.tenant));
      res.json(ctx.tokens.jwks());
    } catch (e) {
      fail(res, e);
    }
  });

  r.post("/:tenant/oauth2/v2.0/token", async (req, res) => {
    await ctx.faults.delay("entra");
    ctx.stats.tokenRequests += 1;
    try {
      const tid = resolveTenant(ctx, String(req.params.tenant));
      const form = parseForm(req.body);
      let clientId = form.get("client_id") ?? undefined;
      let secret = form.get("client_secret") ?? undefined;
      const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? "");
      if (basic) {
        const [u, ...pw] = Buffer.from(basic[1]!, "base64").toString("utf8").split(":");
        clientId = clientId ?? decodeURIComponent(u ?? "");
        secret = secret ?? decodeURIComponent(pw.join(":"));
      }
      const grant = form.get("grant_type");
      if (!grant) throw entraErrors.missingParameter("grant_type");
      if (grant !== "client_credentials") throw entraErrors.unsupportedGrant(grant);
      if (!clientId) throw entraErrors.missingParameter("client_id");
      const app = ctx.store.app(clientId);
      if (!app) throw entraErrors.unknownApp(clientId, ctx.store.state.tenant.displayName);
      const audience = audienceFor(ctx, form.get("scope") ?? undefined);
      const assertion = form.get("client_assertion");
      if (assertion) {
        if (form.get("client_assertion_type") !== ASSERTION_TYPE)
          throw entraErrors.missingParameter("client_assertion_type");
        const e = endpoints(ctx, tid);
        // An external token (workload identity federation) or the app's own certificate assertion.
        if (isFederatedAssertion(assertion)) verifyFederatedAssertion(ctx, app, assertion);
        else verifyAssertion(app, assertion, [e.token, `${ctx.baseUrl}${req.originalUrl.split("?")[0]}`]);
      } else if (secret !== undefined) {
        verifySecret(app, secret);
      } else {
        throw entraErrors.noCredential();
      }
      const d = ctx.faults.decide("entra");
      if (d.kind === "throttle") throw entraErrors.transient(429, d.retryAfterSeconds);
      if (d.kind === "error") throw entraErrors.transient(d.status);
      const roles = audience === GRAPH_RESOURCE ? [...app.graphRoles] : [];
      const { token, expiresInS } = ctx.tokens.issue(app, audience, roles, endpoints(ctx, tid).issuer, tid);
      res.json({ token_type: "Bearer", expires_in: expiresInS, ext_expires_in: expiresInS, access_token: token });
    } catch (e) {
      fail(res, e);
    }
  });

  r.get("/:tenant/oauth2/v2.0/authorize", (_req, res) => {
    res.status(400).json(entraErrors.onlyClientCredentials().body());
  });

  return r;
}
