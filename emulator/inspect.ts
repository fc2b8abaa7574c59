/** Inspection and admin endpoints under /_emulator (no auth, loopback clients only). */
import express from "express";

import { callerNumber, placeIncomingCall } from "./calling/incoming-call";
import { placeOutboundCall } from "./calling/outbound-call";
import { ACCESS_TOKEN_LIFETIME_S } from "./constants";
import { EmulatorContext, newStats } from "./context";
import { loadFixture } from "./fixture";
import { settleOperations } from "./graph/operations";
import { ProfileInput } from "./profile";
import { applyAssign, applyUnassign, deleteUser, normaliseNumber } from "./rules";

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

/** Builds the /_emulator router. */
export function inspectRouter(ctx: EmulatorContext): express.Router {
  const r = express.Router();
  r.use((req, res, next) => {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? ""))
      return void res.status(403).json({ error: "inspection endpoints answer loopback clients only" });
    settleOperations(ctx);
    next();
  });
  const body = (req: express.Request): Record<string, unknown> =>
    req.body && typeof req.body === "object" ? (req.body as Record<string, unknown>) : {};
  const bad = (res: express.Response, message: string, status = 400): void =>
    void res.status(status).json({ error: message });
  const number = (raw: unknown): string | null => {
    if (typeof raw !== "string") return null;
    const p = normaliseNumber(raw);
    return p.ok ? p.number : null;
  };

  r.get("/state", (_req, res) => res.json(ctx.store.state));
  r.get("/audit", (_req, res) => res.json({ entries: ctx.store.state.audit }));
  // Test-only (loopback): signatures of issued access tokens, to search logs and state for leaks.
  r.get("/tokens", (_req, res) => res.json({ signatures: ctx.tokens.issuedSignatures }));
  r.get("/stats", (_req, res) => res.json({ ...ctx.stats, injected: ctx.faults.injected }));
  r.get("/faults", (_req, res) => res.json(ctx.faults.profile));
  r.put("/faults", (req, res) => {
    try {
      ctx.faults.update(body(req) as ProfileInput, req.query.replace === "true", ctx.baseProfile);
      res.json(ctx.faults.profile);
    } catch (e) {
      bad(res, (e as Error).message);
    }
  });
  r.post("/reset", (req, res) => {
    try {
      const b = body(req);
      const fixture = Object.keys(b).length > 0 ? loadFixture((b.fixture ?? b) as never) : ctx.fixture;
      ctx.store.reseed(fixture);
      Object.assign(ctx.stats, newStats());
      ctx.faults.update({}, true, ctx.baseProfile);
      // Identity side: registered CI jobs, mint counters and the access-token lifetime back to their start.
      ctx.oidc.reset();
      ctx.tokens.lifetimeS = ACCESS_TOKEN_LIFETIME_S;
      res.json({ ok: true, tenantId: ctx.store.state.tenant.id });
    } catch (e) {
      bad(res, (e as Error).message);
    }
  });
  r.post("/admin/unassignNumber", (req, res) => {
    const n = number(body(req).telephoneNumber);
    const rec = n ? ctx.store.state.numbers.find((x) => x.telephoneNumber === n) : undefined;
    if (!rec) return bad(res, "unknown telephoneNumber", 404);
    const target = rec.assignmentTargetId;
    applyUnassign(ctx.store, rec);
    ctx.store.audit({
      family: "admin",
      operation: "unassignNumber",
      target,
      number: rec.telephoneNumber,
      appId: null,
      outcome: "ok",
    });
    res.json({ ok: true });
  });
  r.post("/admin/assignNumber", (req, res) => {
    const b = body(req);
    const n = number(b.telephoneNumber);
    const rec = n ? ctx.store.state.numbers.find((x) => x.telephoneNumber === n) : undefined;
    if (!rec) return bad(res, "unknown telephoneNumber", 404);
    const u = typeof b.targetId === "string" ? ctx.store.findUser(b.targetId) : undefined;
    if (!u) return bad(res, "unknown targetId", 404);
    // An admin's out-of-band change: skips licence checks on purpose (it simulates drift).
    applyAssign(ctx.store, rec, u, {});
    ctx.store.audit({
      family: "admin",
      operation: "assignNumber",
      target: u.id,
      number: rec.telephoneNumber,
      appId: null,
      outcome: "ok",
    });
    res.json({ ok: true });
  });
  // A synthetic incoming PSTN call: follows number → resource account → app id → Azure Bot → Teams
  // channel and POSTs Graph's incoming-call notification to the calling webhook (calling/incoming-call.ts).
  r.post("/admin/incomingCall", async (req, res, next) => {
    try {
      const b = body(req);
      const n = number(b.telephoneNumber);
      if (!n) return bad(res, "telephoneNumber: give the called number in E.164 (e.g. +14255550100)");
      const from = b.from === undefined ? "+14255550199" : callerNumber(b.from);
      if (!from) return bad(res, "from: give the caller's number in E.164 (e.g. +14255550199), or leave it out");
      const report = await placeIncomingCall(ctx, n, from);
      ctx.store.audit({
        family: "admin",
        operation: "incomingCall",
        target: report.chain.resourceAccount?.id ?? null,
        number: n,
        appId: report.chain.applicationId ?? null,
        outcome: report.delivered ? "ok" : `refused: ${report.missing}`,
      });
      res.json(report);
    } catch (e) {
      next(e);
    }
  });
  // A synthetic outbound PSTN call from a resource account (calling/outbound-call.ts).
  r.post("/admin/outboundCall", (req, res) => {
    const b = body(req);
    const to = callerNumber(b.to);
    if (!to) return bad(res, "to: give the called number in E.164 (e.g. +14255550199)");
    if (typeof b.from !== "string" || b.from.trim() === "")
      return bad(res, "from: give the resource account (UPN or object id) or its phone number");
    const fromNumber = number(b.from);
    const report = placeOutboundCall(ctx, fromNumber ?? b.from.trim(), to);
    ctx.store.audit({
      family: "admin",
      operation: "outboundCall",
      target: null,
      number: to,
      appId: null,
      outcome: report.placed ? "ok" : `refused: ${report.missing}`,
    });
    res.json(report);
  });
  r.post("/admin/deleteUser", (req, res) => {
    const b = body(req);
    const id =
      typeof b.id === "string" ? b.id : typeof b.userPrincipalName === "string" ? b.userPrincipalName : undefined;
    const u = id ? ctx.store.findUser(id) : undefined;
    if (!u) return bad(res, "unknown user (give id or userPrincipalName)", 404);
    deleteUser(ctx.store, u);
    ctx.store.audit({
      family: "admin",
      operation: "DELETE user",
      target: u.id,
      number: null,
      appId: null,
      outcome: "ok",
    });
    res.json({ ok: true });
  });
  return r;
}
