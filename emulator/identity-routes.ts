/**
 * Routes of the workload-identity side of the emulator:
 * - public, like the real issuers: `GET /oidc/<issuer>/.well-known/openid-configuration` and `/oidc/<issuer>/jwks`;
 *   the GitHub Actions ID-token request endpoint (`GET /oidc/github/token?audience=`, bearer = the job's
 *   ACTIONS_ID_TOKEN_REQUEST_TOKEN, answers `{"value": "<jwt>"}`) and the Azure DevOps one
 *   (`POST /oidc/azure-devops/oidctoken?api-version=7.1&serviceConnectionId=`, bearer = System.AccessToken,
 *   answers `{"oidcToken": "<jwt>"}`);
 * - admin, loopback only, under `/_emulator/identity`: mint a token, register a CI job, replace an
 *   app's federated identity credentials, set the access-token lifetime, read counters.
 */
import express from "express";

import { EmulatorContext } from "./context";
import { ISSUER_NAMES, IssuerName, MintRequest, TOKEN_EXCHANGE_AUDIENCE } from "./oidc-issuer";
import { uuidFrom, type FederatedCredentialRec } from "./state";

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

function bearer(req: express.Request): string | undefined {
  const h = req.headers.authorization;
  return h && /^Bearer\s+/i.test(h) ? h.replace(/^Bearer\s+/i, "").trim() : undefined;
}

function issuerName(raw: unknown): IssuerName | undefined {
  return ISSUER_NAMES.find((n) => n === raw);
}

/** Public OIDC issuer routes (mounted at /oidc). */
export function oidcRouter(ctx: EmulatorContext): express.Router {
  const r = express.Router();
  r.get("/:issuer/.well-known/openid-configuration", (req, res) => {
    const name = issuerName(req.params.issuer);
    if (!name) return void res.status(404).json({ error: "not_found" });
    res.json(ctx.oidc.discovery(name));
  });
  r.get("/:issuer/jwks", (req, res) => {
    const name = issuerName(req.params.issuer);
    if (!name) return void res.status(404).json({ error: "not_found" });
    res.json(ctx.oidc.jwks(name));
  });
  // GitHub Actions: what ACTIONS_ID_TOKEN_REQUEST_URL points at (the client appends &audience=…).
  r.get("/github/token", (req, res) => {
    const job = ctx.oidc.job("github", bearer(req));
    if (!job) return void res.status(401).json({ message: "Bad credentials: unknown ACTIONS_ID_TOKEN_REQUEST_TOKEN." });
    const audience = typeof req.query.audience === "string" ? req.query.audience : undefined;
    const value = ctx.oidc.mint({ issuer: "github", subject: job.subject, audience, lifetimeS: job.lifetimeS });
    res.json({ count: value.length, value });
  });
  // Azure DevOps: what SYSTEM_OIDCREQUESTURI points at (the client adds api-version and serviceConnectionId).
  r.post("/azure-devops/oidctoken", (req, res) => {
    const job = ctx.oidc.job("azure-devops", bearer(req));
    if (!job)
      return void res.status(401).json({ message: "TF400813: The user is not authorized to access this resource." });
    const sc = typeof req.query.serviceConnectionId === "string" ? req.query.serviceConnectionId.toLowerCase() : "";
    if (!sc || sc !== job.serviceConnectionId)
      return void res.status(400).json({
        message: `The service connection '${sc || "(none)"}' does not exist or the pipeline is not authorized to use it.`,
      });
    const oidcToken = ctx.oidc.mint({
      issuer: "azure-devops",
      subject: job.subject,
      audience: TOKEN_EXCHANGE_AUDIENCE,
      lifetimeS: job.lifetimeS,
    });
    res.json({ oidcToken });
  });
  return r;
}

/** Admin routes (mounted at /_emulator/identity; JSON bodies already parsed). */
export function identityAdminRouter(ctx: EmulatorContext): express.Router {
  const r = express.Router();
  r.use((req, res, next) => {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? ""))
      return void res.status(403).json({ error: "admin endpoints answer loopback clients only" });
    next();
  });
  const body = (req: express.Request): Record<string, unknown> =>
    req.body && typeof req.body === "object" ? (req.body as Record<string, unknown>) : {};
  const bad = (res: express.Response, message: string): void => void res.status(400).json({ error: message });

  r.get("/issuers", (_req, res) => res.json(Object.fromEntries(ISSUER_NAMES.map((n) => [n, ctx.oidc.issuerUrl(n)]))));
  r.post("/mint", (req, res) => {
    const b = body(req);
    const issuer = issuerName(b.issuer);
    if (!issuer) return bad(res, `issuer must be one of ${ISSUER_NAMES.join(", ")}`);
    if (typeof b.subject !== "string" || !b.subject) return bad(res, "subject must be a non-empty string");
    const m: MintRequest = {
      issuer,
      subject: b.subject,
      audience: typeof b.audience === "string" ? b.audience : undefined,
      lifetimeS: typeof b.lifetimeS === "number" ? b.lifetimeS : undefined,
      offsetS: typeof b.offsetS === "number" ? b.offsetS : undefined,
      forge: b.forge === true,
      claims: b.claims && typeof b.claims === "object" ? (b.claims as Record<string, unknown>) : undefined,
    };
    res.json({ token: ctx.oidc.mint(m) });
  });
  r.post("/jobs", (req, res) => {
    const b = body(req);
    if (b.kind !== "github" && b.kind !== "azure-devops") return bad(res, 'kind must be "github" or "azure-devops"');
    if (typeof b.subject !== "string" || !b.subject) return bad(res, "subject must be a non-empty string");
    if (b.kind === "azure-devops" && typeof b.serviceConnectionId !== "string")
      return bad(res, "serviceConnectionId must be given for an Azure DevOps job");
    const requestToken = ctx.oidc.registerJob({
      kind: b.kind,
      subject: b.subject,
      lifetimeS: typeof b.lifetimeS === "number" ? b.lifetimeS : undefined,
      serviceConnectionId: typeof b.serviceConnectionId === "string" ? b.serviceConnectionId : undefined,
    });
    const requestUrl =
      b.kind === "github"
        ? `${ctx.baseUrl}/oidc/github/token?api-version=2.0`
        : `${ctx.baseUrl}/oidc/azure-devops/oidctoken`;
    res.json({ requestUrl, requestToken });
  });
  r.put("/apps/:clientId/federatedIdentityCredentials", (req, res) => {
    const app = ctx.store.app(String(req.params.clientId));
    if (!app) return void res.status(404).json({ error: "unknown app" });
    const list = (req.body as unknown[] | undefined) ?? [];
    if (!Array.isArray(list)) return bad(res, "body must be an array of federated identity credentials");
    const fics: FederatedCredentialRec[] = [];
    for (const [i, f] of list.entries()) {
      const o = (f ?? {}) as Record<string, unknown>;
      if (typeof o.name !== "string" || typeof o.issuer !== "string" || typeof o.subject !== "string")
        return bad(res, `[${i}]: name, issuer and subject are required strings`);
      if (!Array.isArray(o.audiences) || o.audiences.length !== 1 || typeof o.audiences[0] !== "string")
        return bad(res, `[${i}].audiences: Federated identity credentials must have exactly one audience.`);
      fics.push({
        id: uuidFrom(`fic:${app.clientId}:${o.name}`),
        name: o.name,
        issuer: o.issuer,
        subject: o.subject,
        audiences: [o.audiences[0]],
        description: typeof o.description === "string" ? o.description : null,
      });
    }
    app.federatedIdentityCredentials = fics;
    ctx.store.changed();
    res.json({ value: fics });
  });
  r.put("/settings", (req, res) => {
    const b = body(req);
    if (b.accessTokenLifetimeS !== undefined) {
      if (typeof b.accessTokenLifetimeS !== "number" || b.accessTokenLifetimeS < 5)
        return bad(res, "accessTokenLifetimeS must be a number ≥ 5");
      ctx.tokens.lifetimeS = b.accessTokenLifetimeS;
    }
    res.json({ accessTokenLifetimeS: ctx.tokens.lifetimeS });
  });
  r.get("/stats", (_req, res) => res.json({ minted: ctx.oidc.minted, mintedSignatures: ctx.oidc.mintedSignatures }));
  return r;
}
