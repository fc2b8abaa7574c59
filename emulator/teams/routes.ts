/** Teams admin operations over HTTP: POST /teams/connect and POST /teams/cmdlets/{name}. */
import express from "express";

import {
  GRAPH_RESOURCE,
  ROLE_GLOBAL_ADMIN,
  ROLE_GLOBAL_READER,
  ROLE_TEAMS_ADMIN,
  ROLE_TEAMS_COMMUNICATIONS_ADMIN,
  ROLE_TEAMS_READER,
  ROLE_TEAMS_TELEPHONY_ADMIN,
  TEAMS_ADMIN_API,
} from "../constants";
import { EmulatorContext } from "../context";
import { settleOperations } from "../graph/operations";
import { AccessClaims } from "../tokens";
import { bind } from "./binding";
import { CmdletDef } from "./cmdlet";
import { CmdletError, teamsErrors } from "./errors";
import { getInstance, newInstance, setInstance, syncInstance } from "./instances";
import { getAssignment, removeAssignment, removeAssignmentBlock, setAssignment, setAssignmentBlock } from "./numbers";
import { getOnlineUser, getVoiceRoutingPolicy, grantVoiceRoutingPolicy } from "./voice-routing";

/** Every emulated cmdlet by name. */
export const CMDLETS: Record<string, CmdletDef> = Object.fromEntries(
  [
    newInstance,
    getInstance,
    setInstance,
    syncInstance,
    setAssignment,
    removeAssignment,
    getAssignment,
    setAssignmentBlock,
    removeAssignmentBlock,
    getVoiceRoutingPolicy,
    grantVoiceRoutingPolicy,
    getOnlineUser,
  ].map((c) => [c.name, c]),
);

const CONNECT_ID = "Connect-MicrosoftTeams";

const authError = (message: string, status: 401 | 403 = 401, cmdlet = CONNECT_ID): CmdletError =>
  teamsErrors.auth(message, status, cmdlet);

/** Verifies a token for one audience; returns claims or throws a 401 CmdletError. */
function verifyToken(
  ctx: EmulatorContext,
  token: string | undefined,
  audiences: string[],
  what: string,
  cmdlet: string,
): AccessClaims {
  if (!token) throw authError(`No ${what} access token was provided.`, 401, cmdlet);
  const v = ctx.tokens.verify(token);
  if (!v.ok) throw authError(`The ${what} access token is not valid (${v.reason}).`, 401, cmdlet);
  if (!audiences.includes(v.claims.aud))
    throw authError(`The ${what} access token has the wrong audience '${v.claims.aud}'.`, 401, cmdlet);
  if (v.claims.tid !== ctx.store.state.tenant.id)
    throw authError(`The ${what} access token is for another tenant.`, 401, cmdlet);
  return v.claims;
}

/**
 * Roles that may change things through the Teams cmdlets: Teams Administrator, Global
 * Administrator, and the two voice roles (permissions-reference.md: "manage voice including calling
 * policies and phone number inventory and assignment"; that they may create resource accounts
 * app-only is an assumption, FIDELITY.md).
 */
const WRITE_ROLES = [ROLE_TEAMS_ADMIN, ROLE_GLOBAL_ADMIN, ROLE_TEAMS_COMMUNICATIONS_ADMIN, ROLE_TEAMS_TELEPHONY_ADMIN];
/** Roles that may connect and run the read cmdlets only: Global Reader and Teams Reader (permissions-reference.md). */
const READ_ROLES = [ROLE_GLOBAL_READER, ROLE_TEAMS_READER];

/**
 * The directory roles behind a Teams call: the token's `wids` claim, or, when the token carries
 * none (a claim may be absent), the roles assigned to the app's service principal (assumption:
 * FIDELITY.md "Teams cmdlets and directory roles").
 */
function rolesOf(ctx: EmulatorContext, claims: AccessClaims): string[] {
  return claims.wids ?? ctx.store.app(claims.appid)?.directoryRoles ?? [];
}

/** A write role for everything; a read role (Global Reader, Teams Reader) for connecting and the read cmdlets only. */
function requireAdminRole(ctx: EmulatorContext, claims: AccessClaims, cmdlet: string, readOnly = false): void {
  const roles = rolesOf(ctx, claims);
  if (readOnly && READ_ROLES.some((r) => roles.includes(r))) return;
  if (!WRITE_ROLES.some((r) => roles.includes(r))) {
    throw authError(
      "Access denied: the application's service principal holds no Teams Administrator (or Global Administrator) directory role, so it cannot run Teams cmdlets.",
      403,
      cmdlet,
    );
  }
}

/** Graph application permissions that satisfy Teams' Organization.Read.All requirement. */
const ORGANIZATION_READ = [
  "Organization.Read.All",
  "Organization.ReadWrite.All",
  "Directory.Read.All",
  "Directory.ReadWrite.All",
];

const TEAMS_AUDIENCES = [TEAMS_ADMIN_API, `api://${TEAMS_ADMIN_API}`];

function bearer(req: express.Request): string | undefined {
  const h = req.headers.authorization;
  return h && /^Bearer\s+/i.test(h) ? h.replace(/^Bearer\s+/i, "").trim() : undefined;
}

function send(res: express.Response, e: CmdletError): void {
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  res.status(e.status).json(e.body());
}

const throttled = (retryAfterSeconds: number, cmdlet: string): CmdletError =>
  teamsErrors.throttled(cmdlet, retryAfterSeconds);
const serverError = (status: number, cmdlet: string): CmdletError => teamsErrors.serverError(cmdlet, status);

/** Builds the /teams router. */
export function teamsRouter(ctx: EmulatorContext): express.Router {
  const r = express.Router();

  r.post("/connect", async (req, res) => {
    await ctx.faults.delay("connect");
    try {
      const teams = verifyToken(ctx, bearer(req), TEAMS_AUDIENCES, "Skype and Teams Tenant Admin API", CONNECT_ID);
      const graphToken = (req.body as { graphToken?: unknown } | undefined)?.graphToken;
      const graph = verifyToken(
        ctx,
        typeof graphToken === "string" ? graphToken : undefined,
        [GRAPH_RESOURCE],
        "Microsoft Graph",
        CONNECT_ID,
      );
      if (graph.appid !== teams.appid)
        throw authError("The Microsoft Graph and Teams access tokens were issued to different applications.", 401);
      requireAdminRole(ctx, teams, CONNECT_ID, true);
      // Under application authentication the *-Cs cmdlets also need Organization.Read.All on the Graph token (tenant-api.md §1.9).
      if (!graph.roles.some((r) => ORGANIZATION_READ.includes(r))) {
        throw authError(
          "Access denied: the Microsoft Graph access token lacks the Organization.Read.All application permission, which Teams cmdlets need under application authentication.",
          403,
        );
      }
      const d = ctx.faults.decide("connect");
      if (d.kind === "throttle") throw throttled(d.retryAfterSeconds, CONNECT_ID);
      if (d.kind === "error") throw serverError(d.status, CONNECT_ID);
      // The stand-in sleeps this before answering, so "process start" cost shows up on the first call.
      res.json({
        tenantId: ctx.store.state.tenant.id,
        account: teams.appid,
        pwshStartDelayMs: ctx.faults.latencyMs("pwshStart"),
      });
    } catch (e) {
      if (e instanceof CmdletError) return send(res, e);
      throw e;
    }
  });

  r.post("/cmdlets/:name", async (req, res) => {
    await ctx.faults.delay("teams");
    const name = String(req.params.name);
    let claims: AccessClaims | undefined;
    let def: CmdletDef | undefined;
    let crash: "before" | "after" | null = null;
    try {
      claims = verifyToken(ctx, bearer(req), TEAMS_AUDIENCES, "Skype and Teams Tenant Admin API", name);
      def = CMDLETS[name];
      requireAdminRole(ctx, claims, name, def !== undefined && !def.mutating);
      if (!def) throw teamsErrors.commandNotFound(name);
      ctx.stats.cmdletCalls += 1;
      if (def.mutating) ctx.stats.writeCount.teams += 1;
      else ctx.stats.readCount.teams += 1;
      crash = ctx.faults.nextCmdletCrash();
      if (crash === "before") return void res.json({ output: [], crash: true });
      const d = ctx.faults.decide("teams");
      if (d.kind === "throttle") throw throttled(d.retryAfterSeconds, name);
      if (d.kind === "error") throw serverError(d.status, name);
      const raw = (req.body as { parameters?: unknown } | undefined)?.parameters ?? {};
      if (typeof raw !== "object" || raw === null || Array.isArray(raw))
        throw teamsErrors.protocolViolation("parameters must be an object.");
      settleOperations(ctx);
      const bound = bind(name, def.params, raw as Record<string, unknown>);
      const result = def.run(ctx, bound, claims);
      if (def.mutating) {
        ctx.store.audit({
          family: "teams",
          operation: name,
          target: result.audit?.target ?? null,
          number: result.audit?.number ?? null,
          appId: claims.appid,
          outcome: "ok",
        });
      }
      res.json(crash === "after" ? { output: result.output, crash: true } : { output: result.output });
    } catch (e) {
      if (!(e instanceof CmdletError)) throw e;
      if (def?.mutating && claims) {
        const code = e.fullyQualifiedErrorId.split(",")[0];
        const params = ((req.body as { parameters?: Record<string, unknown> } | undefined)?.parameters ?? {}) as Record<
          string,
          unknown
        >;
        const target = ["Identity", "UserPrincipalName", "ObjectId"]
          .map((k) => params[k])
          .find((v) => typeof v === "string") as string | undefined;
        const number = ["TelephoneNumber", "PhoneNumber"].map((k) => params[k]).find((v) => typeof v === "string") as
          string | undefined;
        ctx.store.audit({
          family: "teams",
          operation: name,
          target: target ?? null,
          number: number ?? null,
          appId: claims.appid,
          outcome: `error: ${code}`,
        });
      }
      // "after" crashes even when the cmdlet failed: the stand-in dies without answering.
      if (crash === "after") return void res.status(e.status).json({ ...e.body(), crash: true });
      send(res, e);
    }
  });

  return r;
}
