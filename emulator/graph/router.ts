/**
 * Graph v1.0 pipeline: one entry point used by the HTTP route and by $batch for each inner request.
 * Steps, in order: latency → settle due operations → path → route → auth → app roles → faults →
 * query options (the route's rules, graph/query.ts) → handler → audit. Every failure leaves as
 * Graph's error envelope with this request's ids; a JSON success carries Graph's OData headers.
 */
import * as crypto from "crypto";

import { GRAPH_RESOURCE } from "../constants";
import { EmulatorContext } from "../context";
import { AccessClaims } from "../tokens";
import { GraphError, graphErrorBody, graphErrors } from "./errors";
import { settleOperations } from "./operations";
import { PathSegment, pathSegments } from "./path";
import { readQuery } from "./query";
import { GraphRequest, GraphResponse, GraphRoute } from "./route";
import { GRAPH_ROUTES } from "./routes";

export type { GraphRequest, GraphResponse } from "./route";

/** Checks the bearer token as Graph does; returns claims or throws 401. */
export function authenticate(ctx: EmulatorContext, authorization: string | undefined): AccessClaims {
  const denied = graphErrors.unauthenticated;
  if (!authorization || !/^Bearer\s+\S/i.test(authorization)) throw denied("Access token is empty.");
  const v = ctx.tokens.verify(authorization.replace(/^Bearer\s+/i, "").trim());
  if (!v.ok) {
    if (v.reason === "expired") throw denied("Lifetime validation failed, the token is expired.");
    if (v.reason === "malformed") throw denied("IDX14100: JWT is not well formed, there are no dots (.).");
    if (v.reason === "notYetValid") throw denied("Lifetime validation failed, the token is not yet valid.");
    throw denied("Access token validation failure. Invalid signature.");
  }
  if (v.claims.aud !== GRAPH_RESOURCE && v.claims.aud !== "00000003-0000-0000-c000-000000000000")
    throw denied("Access token validation failure. Invalid audience.");
  if (v.claims.tid !== ctx.store.state.tenant.id) throw denied("Access token validation failure. Invalid tenant.");
  return v.claims;
}

type Match = { route: GraphRoute; params: Record<string, string> };

/** JSON success headers of Graph (json-batching.md's example responses). */
const ODATA_JSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

const templates = new Map<string, PathSegment[]>();
function template(path: string): PathSegment[] {
  let t = templates.get(path);
  if (!t) templates.set(path, (t = pathSegments(path)));
  return t;
}

/** Finds the route for decoded segments; literal segments beat `{parameters}`; else names the failing segment. */
function match(routes: readonly GraphRoute[], method: string, segs: PathSegment[]): Match | GraphError {
  const full: (Match & { literals: number })[] = [];
  let deepest = 0;
  for (const route of routes) {
    const tpl = template(route.path);
    const params: Record<string, string> = {};
    let depth = 0;
    let literals = 0;
    for (; depth < Math.min(tpl.length, segs.length); depth += 1) {
      const t = tpl[depth]!;
      const s = segs[depth]!;
      // An alternate key (`(appId='…')`) matches only a template segment declaring the same key.
      if ((t.key ?? "").toLowerCase() !== (s.key ?? "").toLowerCase()) break;
      if (t.value.startsWith("{")) params[t.value.slice(1, -1)] = s.value;
      else if (t.value.toLowerCase() === s.value.toLowerCase()) literals += 1;
      else break;
    }
    deepest = Math.max(deepest, depth);
    if (depth === tpl.length && depth === segs.length) full.push({ route, params, literals });
  }
  if (full.length === 0) return graphErrors.unknownSegment(segs[Math.min(deepest, segs.length - 1)]?.value ?? "");
  full.sort((a, b) => b.literals - a.literals);
  const hit = full.find((m) => m.route.method === method);
  return hit ?? graphErrors.methodNotAllowed(method);
}

/** Runs one Graph request through the pipeline. */
export async function dispatchGraph(
  ctx: EmulatorContext,
  req: GraphRequest,
  routes: readonly GraphRoute[] = GRAPH_ROUTES,
): Promise<GraphResponse> {
  const requestId = crypto.randomUUID();
  const clientRequestId = req.headers["client-request-id"];
  const ids: Record<string, string> = { "request-id": requestId, "client-request-id": clientRequestId ?? requestId };
  const fail = (e: GraphError): GraphResponse => ({
    status: e.status,
    headers: { ...ids, "cache-control": "no-cache", ...e.headers, "content-type": "application/json" },
    body: graphErrorBody(e, requestId, clientRequestId),
  });
  await ctx.faults.delay("graph");
  settleOperations(ctx);

  let found: Match;
  let claims: AccessClaims;
  try {
    const m = match(routes, req.method, pathSegments(req.path));
    if (m instanceof GraphError) return fail(m);
    found = m;
    if (req.method === "GET") ctx.stats.readCount.graph += 1;
    else ctx.stats.writeCount.graph += 1;
    claims = authenticate(ctx, req.headers.authorization);
  } catch (e) {
    if (e instanceof GraphError) return fail(e);
    throw e;
  }
  const { route, params } = found;
  const audit = (outcome: string, info?: { target: string | null; number: string | null } | null): void => {
    if (!route.audit) return;
    const target = info?.target ?? Object.values(params)[0] ?? null;
    ctx.store.audit({
      family: "graph",
      operation: route.audit,
      target,
      number: info?.number ?? null,
      appId: claims.appid,
      outcome,
    });
  };
  if (route.roles && !route.roles.some((r) => claims.roles.includes(r))) {
    audit("error: Authorization_RequestDenied");
    return fail(graphErrors.forbidden());
  }
  const decision = ctx.faults.decide("graph");
  if (decision.kind !== "none") {
    const e =
      decision.kind === "throttle"
        ? graphErrors.throttled(decision.retryAfterSeconds)
        : decision.status === 503
          ? graphErrors.unavailable()
          : graphErrors.internal();
    audit(`error: ${e.code}`);
    return fail(e);
  }
  try {
    const query = readQuery(req, route.query);
    const r = await route.handler({ ctx, req, params, claims, query });
    // Operations audit themselves when they settle; a null audit means "nothing to record now".
    if (r.audit !== null) audit("ok", r.audit);
    const headers: Record<string, string> = { ...ids, "cache-control": "no-cache", ...(r.headers ?? {}) };
    if (r.body !== undefined && !headers["content-type"]) {
      headers["content-type"] = ODATA_JSON;
      headers["odata-version"] = "4.0";
    }
    return { status: r.status, headers, body: r.body };
  } catch (e) {
    if (!(e instanceof GraphError)) throw e;
    audit(`error: ${e.code}`);
    return fail(e);
  }
}
