/** Assembles the HTTPS app: Entra, Graph v1.0, Teams admin operations and /_emulator. */
import * as crypto from "crypto";
import express from "express";

import { armRouter } from "./arm/router";
import { notificationKeysRouter } from "./calling/notification-keys";
import { EmulatorContext } from "./context";
import { entraRouter } from "./entra";
import { entraErrors } from "./entra-errors";
import { handleBatch } from "./graph/batch";
import { GraphError, graphErrorBody, graphErrors } from "./graph/errors";
import { GraphResponse } from "./graph/route";
import { dispatchGraph } from "./graph/router";
import { identityAdminRouter, oidcRouter } from "./identity-routes";
import { inspectRouter } from "./inspect";
import { teamsErrors } from "./teams/errors";
import { teamsRouter } from "./teams/routes";

/** Largest request body accepted (larger: 413 in the family's error shape). */
const BODY_LIMIT = "2mb";

function parseJson(raw: unknown): { ok: true; value: unknown } | { ok: false } {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw.toString("utf8")) };
  } catch {
    return { ok: false };
  }
}

/** A percent-decoded segment, or the segment as written when its escapes are broken. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A Graph error response outside the pipeline (unreadable body, body-parser failures). */
function graphFailure(e: GraphError, clientRequestId: string | undefined): GraphResponse {
  const requestId = crypto.randomUUID();
  return {
    status: e.status,
    headers: {
      "request-id": requestId,
      "client-request-id": clientRequestId ?? requestId,
      "content-type": "application/json",
    },
    body: graphErrorBody(e, requestId, clientRequestId),
  };
}

/** Builds the express application for a context. */
export function createApp(ctx: EmulatorContext): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  // State is written once per request, just before its answer leaves (handlers only mark changes).
  app.use((_req, res, next) => {
    const end = res.end.bind(res) as (...a: unknown[]) => express.Response;
    res.end = ((...a: unknown[]) => {
      ctx.store.commit();
      return end(...a);
    }) as typeof res.end;
    next();
  });
  // Raw bodies everywhere: each family parses its own format and reports errors in its own shape.
  app.use(express.raw({ type: () => true, limit: BODY_LIMIT }));
  // Outer HTTP requests per family (benchmarks count round trips, not just operations).
  app.use((req, _res, next) => {
    const p = req.path;
    const h = ctx.stats.httpRequests;
    if (p.startsWith("/_emulator")) return next();
    if (p === "/teams/connect") h.connect += 1;
    else if (p.startsWith("/teams/")) h.teams += 1;
    else if (p === "/subscriptions" || p.startsWith("/subscriptions/")) h.arm += 1;
    else if (p === "/v1.0" || p.startsWith("/v1.0/")) {
      h.graph += 1;
      if (req.method === "POST" && p === "/v1.0/$batch") h.graphBatch += 1;
    } else h.entra += 1;
    next();
  });

  // The admin routers read JSON bodies (undefined when the body is not JSON: each router says what it needs).
  const jsonBody: express.RequestHandler = (req, _res, next) => {
    const p = parseJson(req.body);
    req.body = p.ok ? p.value : undefined;
    next();
  };
  app.use("/_emulator/identity", jsonBody, identityAdminRouter(ctx));
  app.use("/oidc", oidcRouter(ctx));

  app.use("/_emulator", jsonBody, inspectRouter(ctx));

  app.use(
    "/teams",
    (req, res, next) => {
      const p = parseJson(req.body);
      if (!p.ok)
        return void res.status(400).json(teamsErrors.protocolViolation("Request body is not valid JSON.").body());
      req.body = p.value;
      next();
    },
    teamsRouter(ctx),
  );

  // No capturing group: express would percent-decode it and fail before Graph can name the segment.
  app.all(/^\/v1\.0(?:\/.*)?$/, async (req, res) => {
    // The URL parser resolves dot segments (RFC 3986 §5.2.4), as every client and the service's front door do.
    const url = new URL(req.originalUrl, "https://emulator.invalid");
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    const version = /^\/([^/]*)/.exec(url.pathname)?.[1] ?? "";
    const path = url.pathname.slice(`/${version}`.length) || "/";
    // A body must be JSON and say so: Graph cannot read it otherwise.
    const hasBody = Buffer.isBuffer(req.body) && req.body.length > 0;
    const p =
      hasBody && !/^application\/json\b/i.test(headers["content-type"] ?? "")
        ? ({ ok: false } as const)
        : parseJson(req.body);
    let out: GraphResponse;
    if (version !== "v1.0") {
      out = graphFailure(graphErrors.invalidVersion(safeDecode(version)), headers["client-request-id"]);
    } else if (!p.ok) {
      out = graphFailure(graphErrors.unreadableJson(), headers["client-request-id"]);
    } else if (req.method === "POST" && path === "/$batch") {
      out = await handleBatch(ctx, { method: "POST", path, query: url.searchParams, headers, body: p.value });
    } else {
      out = await dispatchGraph(ctx, { method: req.method, path, query: url.searchParams, headers, body: p.value });
    }
    for (const [k, v] of Object.entries(out.headers)) res.setHeader(k, v);
    res.status(out.status);
    if (out.body === undefined) res.end();
    else res.send(JSON.stringify(out.body));
  });

  // Azure Resource Manager (Microsoft.BotService): ARM paths start with /subscriptions, which no Entra path does.
  app.use("/subscriptions", armRouter(ctx));
  app.use("/aps", notificationKeysRouter(ctx));

  app.use(entraRouter(ctx));

  app.use((req, res) => {
    res
      .status(404)
      .json({ error: { code: "NotFound", message: `The emulator has no endpoint ${req.method} ${req.path}.` } });
  });
  // Last resort: express's own 4xx (body too large, aborted, an undecodable path parameter) keep
  // their status; a bug is a 500 that names no internals. Each in its family's error shape.
  app.use((err: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const raw = (err as { status?: unknown }).status;
    const status = typeof raw === "number" && raw >= 400 && raw < 500 ? raw : 500;
    if (req.path.startsWith("/teams/") || req.path.startsWith("/_emulator")) {
      const e =
        status === 500 ? teamsErrors.internal() : teamsErrors.protocolViolation("The request could not be read.");
      return void res.status(status).json(e.body());
    }
    if (!/^\/v1\.0(\/|$)/.test(req.path) && /\/(oauth2|v2\.0|discovery)\//.test(req.path)) {
      const e = status === 500 ? entraErrors.transient(500) : entraErrors.unreadableRequest();
      return void res.status(e.status).json(e.body());
    }
    const e =
      status === 413
        ? graphErrors.payloadTooLarge(BODY_LIMIT)
        : status === 500
          ? graphErrors.internal()
          : new GraphError(status, "BadRequest", "The request could not be read.");
    const crid = req.headers["client-request-id"];
    const out = graphFailure(e, typeof crid === "string" ? crid : undefined);
    for (const [k, v] of Object.entries(out.headers)) res.setHeader(k, v);
    res.status(out.status).send(JSON.stringify(out.body));
  });
  return app;
}
