/** Graph v1.0 dispatcher: one pure entry point used by the HTTP route and by $batch for each inner request. */
import * as crypto from "crypto";

import { GRAPH_RESOURCE } from "../constants";
import { EmulatorContext } from "../context";
import { forbidden, GraphError, graphErrorBody, unauthenticated } from "../errors";
import { AccessClaims } from "../tokens";
import { settleOperations } from "./operations";

/** A Graph request as the router sees it (path without `/v1.0`). */
export interface GraphRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: unknown;
}

/** A Graph response. */
export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** What a handler returns; `audit` fills the audit entry of a mutating route. */
export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  audit?: { target: string | null; number: string | null } | null;
}

/** Everything a handler may need. */
export interface HandlerArgs {
  ctx: EmulatorContext;
  req: GraphRequest;
  params: string[];
  claims: AccessClaims;
}

/** A Graph route: method, path pattern, app roles (any of), and its handler. */
export interface GraphRoute {
  method: string;
  pattern: RegExp;
  roles: readonly string[] | null;
  /** Audit operation name for mutating routes. */
  audit?: string;
  handler: (a: HandlerArgs) => HandlerResult | Promise<HandlerResult>;
}

const routes: GraphRoute[] = [];

/** Registers routes (each handler module calls this). */
export function registerRoutes(rs: GraphRoute[]): void {
  routes.push(...rs);
}

/** Checks the bearer token as Graph does; returns claims or throws 401. */
export function authenticate(ctx: EmulatorContext, authorization: string | undefined): AccessClaims {
  if (!authorization || !/^Bearer\s+\S/i.test(authorization)) throw unauthenticated("Access token is empty.");
  const token = authorization.replace(/^Bearer\s+/i, "").trim();
  const v = ctx.tokens.verify(token);
  if (!v.ok) {
    if (v.reason === "expired") throw unauthenticated("Lifetime validation failed, the token is expired.");
    if (v.reason === "malformed") throw unauthenticated("IDX14100: JWT is not well formed, there are no dots (.).");
    if (v.reason === "notYetValid") throw unauthenticated("Lifetime validation failed, the token is not yet valid.");
    throw unauthenticated("Access token validation failure. Invalid signature.");
  }
  if (v.claims.aud !== GRAPH_RESOURCE && v.claims.aud !== "00000003-0000-0000-c000-000000000000") {
    throw unauthenticated("Access token validation failure. Invalid audience.");
  }
  if (v.claims.tid !== ctx.store.state.tenant.id)
    throw unauthenticated("Access token validation failure. Invalid tenant.");
  return v.claims;
}

function match(method: string, path: string): { route: GraphRoute; params: string[] } | { allowed: string[] } | null {
  const allowed: string[] = [];
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    if (r.method !== method) {
      allowed.push(r.method);
      continue;
    }
    return { route: r, params: m.slice(1).map((p) => decodeURIComponent(p ?? "")) };
  }
  return allowed.length > 0 ? { allowed } : null;
}

/** Runs one Graph request through latency, routing, auth, roles, faults and the handler. */
export async function dispatchGraph(ctx: EmulatorContext, req: GraphRequest): Promise<GraphResponse> {
  const requestId = crypto.randomUUID();
  const clientRequestId = req.headers["client-request-id"];
  const baseHeaders: Record<string, string> = {
    "request-id": requestId,
    "client-request-id": clientRequestId ?? requestId,
  };
  const fail = (e: GraphError): GraphResponse => ({
    status: e.status,
    headers: { ...baseHeaders, ...e.headers, "content-type": "application/json" },
    body: graphErrorBody(e.code, e.message, requestId, clientRequestId),
  });
  await ctx.faults.delay("graph");
  settleOperations(ctx);
  // Quotes and parentheses of OData key syntax may arrive percent-encoded.
  const path = req.path.replace(/%27/gi, "'").replace(/%28/gi, "(").replace(/%29/gi, ")").replace(/\/+$/, "") || "/";
  const found = match(req.method, path);
  if (!found)
    return fail(
      new GraphError(
        400,
        "BadRequest",
        `Resource not found for the segment '${path.split("/").filter(Boolean)[0] ?? ""}'.`,
      ),
    );
  if ("allowed" in found)
    return fail(
      new GraphError(405, "Request_BadRequest", `The requested method ${req.method} is not allowed for this resource.`),
    );
  const { route, params } = found;
  if (req.method === "GET") ctx.stats.readCount.graph += 1;
  else ctx.stats.writeCount.graph += 1;

  let claims: AccessClaims;
  try {
    claims = authenticate(ctx, req.headers.authorization);
  } catch (e) {
    return fail(e as GraphError);
  }
  const audit = (outcome: string, info?: { target: string | null; number: string | null } | null): void => {
    if (!route.audit) return;
    ctx.store.audit({
      family: "graph",
      operation: route.audit,
      target: info?.target ?? params[0] ?? null,
      number: info?.number ?? null,
      appId: claims.appid,
      outcome,
    });
    ctx.store.save();
  };
  if (route.roles && !route.roles.some((r) => claims.roles.includes(r))) {
    audit("error: Authorization_RequestDenied");
    return fail(forbidden());
  }
  const decision = ctx.faults.decide("graph");
  if (decision.kind === "throttle") {
    audit("error: TooManyRequests");
    return fail(
      new GraphError(429, "TooManyRequests", "Too many requests.", {
        "retry-after": String(decision.retryAfterSeconds),
      }),
    );
  }
  if (decision.kind === "error") {
    audit(`error: ${decision.status === 503 ? "serviceNotAvailable" : "generalException"}`);
    return decision.status === 503
      ? fail(
          new GraphError(503, "serviceNotAvailable", "The service is temporarily unavailable. Please retry later.", {
            "retry-after": "1",
          }),
        )
      : fail(new GraphError(500, "generalException", "An unexpected error occurred."));
  }
  try {
    const r = await route.handler({ ctx, req: { ...req, path }, params, claims });
    // Operations audit themselves when they settle; a null audit means "nothing to record now".
    if (r.audit !== null) audit("ok", r.audit);
    const headers: Record<string, string> = { ...baseHeaders, ...(r.headers ?? {}) };
    if (r.body !== undefined) headers["content-type"] = "application/json";
    return { status: r.status, headers, body: r.body };
  } catch (e) {
    if (e instanceof GraphError) {
      audit(`error: ${e.code}`);
      return fail(e);
    }
    throw e;
  }
}

/** Reads a JSON object body or throws 400. */
export function objectBody(req: GraphRequest): Record<string, unknown> {
  if (req.body === undefined || req.body === null || typeof req.body !== "object" || Array.isArray(req.body)) {
    throw new GraphError(400, "BadRequest", "Empty Payload. JSON content expected.");
  }
  return req.body as Record<string, unknown>;
}
