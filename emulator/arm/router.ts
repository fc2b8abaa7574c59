/**
 * Azure Resource Manager pipeline for the Bot Service subset, on the emulator's HTTPS host under
 * /subscriptions. Steps, in order: route → query (api-version first: ARM answers
 * MissingApiVersionParameter before it authenticates) → token → subscription → RBAC at the
 * route's scope → resource group → handler → audit. Every failure leaves in ARM's error envelope
 * with `x-ms-request-id` / `x-ms-correlation-request-id`.
 */
import * as crypto from "crypto";
import express from "express";

import { EmulatorContext } from "../context";
import { AccessClaims } from "../tokens";
import { botServiceRoutes } from "./bot-service";
import { ArmError, armErrors } from "./errors";
import { readArmQuery } from "./query";
import { authenticateArm, authorize } from "./rbac";
import { ArmRequest, ArmRoute } from "./route";

/** Every ARM route the emulator serves. */
export const ARM_ROUTES: readonly ArmRoute[] = [...botServiceRoutes];

const templates = new Map<string, string[]>();
function template(path: string): string[] {
  let t = templates.get(path);
  if (!t) templates.set(path, (t = path.split("/").filter(Boolean)));
  return t;
}

/** Finds the route: literal segments compare without case (ARM paths are case-insensitive). */
function match(
  method: string,
  segments: string[],
  path: string,
): { route: ArmRoute; params: Record<string, string> } | ArmError {
  let pathKnown = false;
  for (const route of ARM_ROUTES) {
    const t = template(route.path);
    if (t.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const ok = t.every((seg, i) => {
      if (seg.startsWith("{")) {
        params[seg.slice(1, -1)] = segments[i]!;
        return segments[i]!.length > 0;
      }
      return seg.toLowerCase() === segments[i]!.toLowerCase();
    });
    if (!ok) continue;
    pathKnown = true;
    if (route.method === method) return { route, params };
  }
  return pathKnown ? armErrors.methodNotAllowed(method) : armErrors.noSuchOperation(method, path);
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Runs one ARM request through the pipeline. */
export function dispatchArm(
  ctx: EmulatorContext,
  req: ArmRequest,
): { status: number; headers: Record<string, string>; body?: unknown } {
  const requestId = crypto.randomUUID();
  const headers: Record<string, string> = {
    "x-ms-request-id": requestId,
    "x-ms-correlation-request-id": req.headers["x-ms-correlation-request-id"] ?? requestId,
    "cache-control": "no-cache",
  };
  let claims: AccessClaims | undefined;
  let found: { route: ArmRoute; params: Record<string, string> } | undefined;
  const audit = (outcome: string, target: string): void => {
    if (!found?.route.audit) return;
    ctx.store.audit({
      family: "arm",
      operation: found.route.audit,
      target,
      number: null,
      appId: claims?.appid ?? null,
      outcome,
    });
  };
  try {
    const m = match(req.method, req.path.split("/").filter(Boolean).map(decodeSegment), req.path);
    if (m instanceof ArmError) throw m;
    found = m;
    const { route, params } = m;
    const apiVersion = readArmQuery(req.query, route.query);
    claims = authenticateArm(ctx, req.headers.authorization);
    const azure = ctx.store.azure();
    const sub = params.subscriptionId!.toLowerCase();
    if (!azure.subscriptions.some((s) => s.subscriptionId === sub))
      throw armErrors.subscriptionNotFound(params.subscriptionId!);
    const scope = route.scope(params);
    try {
      if (scope !== null) authorize(ctx, claims, route.action, scope);
      if (
        params.resourceGroupName !== undefined &&
        !azure.resourceGroups.some(
          (g) => g.subscriptionId === sub && g.name.toLowerCase() === params.resourceGroupName!.toLowerCase(),
        )
      )
        throw armErrors.resourceGroupNotFound(params.resourceGroupName);
      if (req.bodyUnreadable)
        throw armErrors.invalidRequestContent("Unexpected character encountered while parsing value. Path ''");
      if (req.method === "GET") ctx.stats.readCount.arm += 1;
      else ctx.stats.writeCount.arm += 1;
      const r = route.handler({ ctx, req, params, claims, apiVersion });
      if (r.audit) audit("ok", r.audit.target);
      if (r.body !== undefined) headers["content-type"] = "application/json; charset=utf-8";
      return { status: r.status, headers, body: r.body };
    } catch (e) {
      if (e instanceof ArmError) audit(`error: ${e.code}`, scope ?? req.path);
      throw e;
    }
  } catch (e) {
    const err = e instanceof ArmError ? e : armErrors.internal();
    return {
      status: err.status,
      headers: { ...headers, ...err.headers, "content-type": "application/json; charset=utf-8" },
      body: err.body(),
    };
  }
}

/** Builds the /subscriptions router (bodies arrive raw; ARM reads JSON). */
export function armRouter(ctx: EmulatorContext): express.Router {
  const r = express.Router();
  r.all(/.*/, (req, res) => {
    const url = new URL(req.originalUrl, "https://emulator.invalid");
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    const raw = req.body as unknown;
    let body: unknown;
    let bodyUnreadable = false;
    try {
      body = Buffer.isBuffer(raw) && raw.length > 0 ? JSON.parse(raw.toString("utf8")) : undefined;
    } catch {
      bodyUnreadable = true;
    }
    const out = dispatchArm(ctx, {
      method: req.method,
      path: url.pathname,
      query: url.searchParams,
      headers,
      body,
      bodyUnreadable,
    });
    for (const [k, v] of Object.entries(out.headers)) res.setHeader(k, v);
    res.status(out.status);
    if (out.body === undefined) res.end();
    else res.send(JSON.stringify(out.body));
  });
  return r;
}
