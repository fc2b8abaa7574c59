/** Assembles the HTTPS app: Entra, Graph v1.0, Teams admin operations and /_emulator. */
import express from "express";

import { EmulatorContext } from "./context";
import { entraRouter } from "./entra";
import { graphErrorBody } from "./errors";
import { handleBatch } from "./graph/batch";
import { dispatchGraph } from "./graph/router";
import { identityAdminRouter, oidcRouter } from "./identity-routes";
import { inspectRouter } from "./inspect";
import { teamsRouter } from "./teams/routes";
// Route modules register themselves with the Graph dispatcher.
import "./graph/users";
import "./graph/licences";
import "./graph/numbers";

function parseJson(raw: unknown): { ok: true; value: unknown } | { ok: false } {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw.toString("utf8")) };
  } catch {
    return { ok: false };
  }
}

/** Builds the express application for a context. */
export function createApp(ctx: EmulatorContext): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  // Raw bodies everywhere: each family parses its own format and reports errors in its own shape.
  app.use(express.raw({ type: () => true, limit: "2mb" }));
  // Outer HTTP requests per family (benchmarks count round trips, not just operations).
  app.use((req, _res, next) => {
    const p = req.path;
    const h = ctx.stats.httpRequests;
    if (p.startsWith("/_emulator")) return next();
    if (p === "/teams/connect") h.connect += 1;
    else if (p.startsWith("/teams/")) h.teams += 1;
    else if (p === "/v1.0" || p.startsWith("/v1.0/")) {
      h.graph += 1;
      if (req.method === "POST" && p === "/v1.0/$batch") h.graphBatch += 1;
    } else h.entra += 1;
    next();
  });

  app.use(
    "/_emulator/identity",
    (req, _res, next) => {
      const p = parseJson(req.body);
      req.body = p.ok ? p.value : undefined;
      next();
    },
    identityAdminRouter(ctx),
  );
  app.use("/oidc", oidcRouter(ctx));

  app.use(
    "/_emulator",
    (req, _res, next) => {
      const p = parseJson(req.body);
      req.body = p.ok ? p.value : undefined;
      next();
    },
    inspectRouter(ctx),
  );

  app.use(
    "/teams",
    (req, res, next) => {
      const p = parseJson(req.body);
      if (!p.ok)
        return void res.status(400).json({
          error: {
            message: "Request body is not valid JSON.",
            fullyQualifiedErrorId: "ProtocolViolation",
            category: "InvalidArgument",
            exceptionType: "System.ArgumentException",
          },
        });
      req.body = p.value;
      next();
    },
    teamsRouter(ctx),
  );

  app.all(/^\/v1\.0(\/.*)?$/, async (req, res) => {
    const p = parseJson(req.body);
    const url = new URL(req.originalUrl, "https://emulator.invalid");
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    const path = url.pathname.slice("/v1.0".length) || "/";
    let out;
    if (!p.ok) {
      out = {
        status: 400,
        headers: { "content-type": "application/json" },
        body: graphErrorBody(
          "BadRequest",
          "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
          "00000000-0000-0000-0000-000000000000",
          headers["client-request-id"],
        ),
      };
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

  app.use(entraRouter(ctx));

  app.use((req, res) => {
    res
      .status(404)
      .json({ error: { code: "NotFound", message: `The emulator has no endpoint ${req.method} ${req.path}.` } });
  });
  // Last-resort handler: a bug must not leak internals or hang the client.
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ error: { code: "EmulatorInternalError", message: err.message } });
  });
  return app;
}
