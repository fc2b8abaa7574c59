/**
 * Stand-in for `pwsh` running the provider's Teams host script: speaks protocol/host-protocol.ts
 * on stdin/stdout and carries cmdlets out against the emulator. It never interprets argv or any
 * input as code: only well-formed requests for allow-listed cmdlets are forwarded, as data.
 */
import * as fs from "fs";
import * as readline from "readline";

import {
  ALLOWED_CMDLETS,
  compareVersions,
  encodeFrame,
  HostError,
  HostReady,
  HostResponse,
  moduleTooOldMessage,
  TEAMS_MODULE_FLOOR,
} from "../protocol/host-protocol";
import { cmdletSource } from "./teams/errors";

/**
 * Test knobs (environment of the stand-in process):
 * - TEAMS_STANDIN_MODULE_VERSION: the MicrosoftTeams version it reports (default: the floor; "none":
 *   not installed, reported as null like teams-host.ps1 does);
 *   below TEAMS_MODULE_FLOOR it refuses connect / invoke with `ModuleTooOld`, like teams-host.ps1.
 * - TEAMS_STANDIN_PS_VERSION: the PowerShell version it reports (default 7.4.6).
 * - TEAMS_STANDIN_NOISE: "prefix" writes stray text without a newline before every frame (as real
 *   pwsh progress / warnings can) and a stray line after it; "sameline" also drops each reply's
 *   leading newline, so the stray text shares the frame's line (only a marker-finding reader
 *   copes: the framing of protocol/host-protocol.ts).
 * - TEAMS_STANDIN_FORBID_APP_ONLY: comma-separated cmdlets refused under an app-only token
 *   (`idtyp: app`) with the 403 office-docs-powershell issue 10363 shows ("Access Denied.",
 *   `Forbidden,Microsoft.Teams.ConfigApi.Cmdlets.<VerbNoun>`), as an old module or a GCC High/DoD
 *   tenant answers New/Get/Sync-CsOnlineApplicationInstance; the emulator is not asked.
 * - TEAMS_STANDIN_INSTANCE_NOT_FOUND=unlisted: Get-CsOnlineApplicationInstance's "not found" comes
 *   as a BadRequest with a phrasing no documented or observed form has (the real text is
 *   undocumented), so a test can show the provider does not depend on it.
 */
const MODULE_RAW = process.env.TEAMS_STANDIN_MODULE_VERSION || TEAMS_MODULE_FLOOR;
const MODULE_VERSION = MODULE_RAW === "none" ? null : MODULE_RAW;
const PS_VERSION = process.env.TEAMS_STANDIN_PS_VERSION || "7.4.6";
const NOISE = process.env.TEAMS_STANDIN_NOISE ?? "";
const MODULE_TOO_OLD = MODULE_VERSION !== null && compareVersions(MODULE_VERSION, TEAMS_MODULE_FLOOR) < 0;
const FORBID_APP_ONLY = (process.env.TEAMS_STANDIN_FORBID_APP_ONLY ?? "")
  .split(",")
  .map((c) => c.trim().toLowerCase())
  .filter(Boolean);
const INSTANCE_NOT_FOUND = process.env.TEAMS_STANDIN_INSTANCE_NOT_FOUND ?? "";

/** The claims of a JWT (no signature check: the emulator checks tokens). */
function claimsOf(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Issue 10363's refusal of an instance cmdlet under app-only auth. */
function appOnlyForbidden(id: number, cmdlet: string): HostResponse {
  return {
    id,
    ok: false,
    error: {
      message: "Access Denied.",
      fullyQualifiedErrorId: `Forbidden,${cmdletSource(cmdlet)}`,
      category: "InvalidOperation",
      exceptionType: "Microsoft.Teams.ConfigAPI.Cmdlets.Generated.Runtime.UndeclaredResponseException",
    },
  };
}

/** An instance "not found" in a phrasing outside every documented/observed form (TEAMS_STANDIN_INSTANCE_NOT_FOUND). */
function unlistedNotFound(cmdlet: string, error: HostError, params: Record<string, unknown>): HostError {
  if (INSTANCE_NOT_FOUND !== "unlisted" || cmdlet !== "Get-CsOnlineApplicationInstance") return error;
  if (!/^NotFound,/.test(error.fullyQualifiedErrorId)) return error;
  return {
    message: `BadRequest - No application instance matches identity '${String(params.Identity ?? "")}'.`,
    fullyQualifiedErrorId: `BadRequest,${cmdletSource(cmdlet)}`,
    category: "InvalidOperation",
    exceptionType: "Microsoft.Teams.ConfigAPI.Cmdlets.Generated.Runtime.RestException",
  };
}

interface Session {
  baseUrl: string;
  teamsToken: string;
}

let session: Session | null = null;

function write(o: HostReady | HostResponse): void {
  let frame = encodeFrame(o);
  if (NOISE === "prefix" || NOISE === "sameline") {
    // HostReady keeps its own line, so a test fails on the reply, not on the start timeout.
    if (NOISE === "sameline" && !("type" in o)) frame = frame.slice(1);
    frame = "WARNING: stray module output without a newline " + frame + "VERBOSE: a stray line after the frame\n";
  }
  process.stdout.write(frame);
}

function moduleTooOld(id: number): HostResponse {
  return {
    id,
    ok: false,
    error: {
      message: moduleTooOldMessage(MODULE_VERSION ?? "none"),
      fullyQualifiedErrorId: "ModuleTooOld",
      category: "NotInstalled",
      exceptionType: "System.Management.Automation.RuntimeException",
    },
  };
}

function violation(id: number, message: string): HostResponse {
  return {
    id,
    ok: false,
    error: {
      message,
      fullyQualifiedErrorId: "ProtocolViolation",
      category: "InvalidArgument",
      exceptionType: "System.ArgumentException",
    },
  };
}

function logLine(line: string): void {
  const file = process.env.TEAMS_STANDIN_LOG;
  if (!file) return;
  let out = line;
  // Verbatim, except the tokens of a connect request: a log must never hold a secret.
  try {
    const o = JSON.parse(line) as { type?: unknown; accessTokens?: unknown };
    if (o && o.type === "connect" && Array.isArray(o.accessTokens))
      out = JSON.stringify({ ...o, accessTokens: o.accessTokens.map(() => "<redacted>") });
  } catch {
    /* not JSON: log as received */
  }
  fs.appendFileSync(file, out + "\n");
}

function baseUrlFromToken(token: string): string {
  const override = process.env.TEAMS_EMULATOR_URL;
  if (override) return override.replace(/\/+$/, "");
  const part = token.split(".")[1];
  if (!part) throw new Error("the Teams access token is not a JWT");
  const iss = (JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as { iss?: unknown }).iss;
  if (typeof iss !== "string") throw new Error("the Teams access token has no iss claim");
  return new URL(iss).origin;
}

function hostError(e: unknown): HostError {
  const msg = e instanceof Error ? e.message : String(e);
  return {
    message: msg,
    fullyQualifiedErrorId: "StandInError",
    category: "ConnectionError",
    exceptionType: "System.Net.Http.HttpRequestException",
  };
}

async function post(
  url: string,
  token: string,
  body: object,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = {
      error: {
        message: `The server responded with a Request Error, Status: ${res.status}`,
        fullyQualifiedErrorId: "UndeclaredResponseException",
        category: "NotSpecified",
        exceptionType: "System.Exception",
      },
    };
  }
  return { status: res.status, json };
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
}

async function handle(line: string): Promise<HostResponse | "exit" | "crash" | null> {
  let req: Record<string, unknown>;
  try {
    req = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return violation(-1, "The request is not a JSON object.");
  }
  if (!req || typeof req !== "object" || Array.isArray(req)) return violation(-1, "The request is not a JSON object.");
  const id = typeof req.id === "number" && Number.isInteger(req.id) ? req.id : -1;
  if (id < 0) return violation(-1, "The request has no integer id.");
  switch (req.type) {
    case "exit":
      return "exit";
    case "connect": {
      if (MODULE_TOO_OLD) return moduleTooOld(id);
      const tokens = req.accessTokens;
      if (
        !Array.isArray(tokens) ||
        tokens.length !== 2 ||
        !tokens.every((t) => typeof t === "string" && t.length > 0) ||
        typeof req.tenantId !== "string"
      ) {
        return violation(id, "connect needs tenantId and accessTokens: [graphToken, teamsToken].");
      }
      const [graphToken, teamsToken] = tokens as [string, string];
      try {
        const baseUrl = baseUrlFromToken(teamsToken);
        const r = await post(`${baseUrl}/teams/connect`, teamsToken, { graphToken });
        if (r.status !== 200)
          return {
            id,
            ok: false,
            error: (r.json.error as HostError) ?? hostError(`connect failed with HTTP ${r.status}`),
          };
        const delayMs = Number(r.json.pwshStartDelayMs ?? 0);
        if (delayMs > 0) await new Promise((res) => setTimeout(res, delayMs));
        session = { baseUrl, teamsToken };
        return { id, ok: true, output: [{ TenantId: r.json.tenantId, Account: r.json.account }] };
      } catch (e) {
        return { id, ok: false, error: hostError(e) };
      }
    }
    case "invoke": {
      if (MODULE_TOO_OLD) return moduleTooOld(id);
      const cmdlet = req.cmdlet;
      if (typeof cmdlet !== "string" || !(ALLOWED_CMDLETS as readonly string[]).includes(cmdlet)) {
        return violation(id, `Cmdlet '${String(cmdlet)}' is not allowed.`);
      }
      const params = req.parameters;
      if (!params || typeof params !== "object" || Array.isArray(params) || !Object.values(params).every(isScalar)) {
        return violation(id, "parameters must be a flat object of strings, numbers, booleans and nulls.");
      }
      if (Object.keys(params).some((k) => !/^[A-Za-z][A-Za-z0-9]*$/.test(k)))
        return violation(id, "parameter names must be plain identifiers.");
      if (!session) {
        return {
          id,
          ok: false,
          error: {
            message: "Run Connect-MicrosoftTeams before running cmdlets.",
            fullyQualifiedErrorId: `NotConnected,${cmdlet}`,
            category: "InvalidOperation",
            exceptionType: "System.UnauthorizedAccessException",
          },
        };
      }
      if (FORBID_APP_ONLY.includes(cmdlet.toLowerCase()) && claimsOf(session.teamsToken).idtyp === "app")
        return appOnlyForbidden(id, cmdlet);
      try {
        const r = await post(`${session.baseUrl}/teams/cmdlets/${encodeURIComponent(cmdlet)}`, session.teamsToken, {
          parameters: params,
        });
        if (r.json.crash === true) return "crash";
        if (r.status === 200) return { id, ok: true, output: (r.json.output as Record<string, unknown>[]) ?? [] };
        const error = (r.json.error as HostError) ?? hostError(`HTTP ${r.status}`);
        return { id, ok: false, error: unlistedNotFound(cmdlet, error, params as Record<string, unknown>) };
      } catch (e) {
        return { id, ok: false, error: hostError(e) };
      }
    }
    default:
      return violation(id, `Unknown request type '${String(req.type)}'.`);
  }
}

async function main(): Promise<void> {
  // argv (-NoLogo -NoProfile -NonInteractive -File <script>) is accepted and deliberately ignored.
  write({
    type: "ready",
    psVersion: PS_VERSION,
    teamsModuleVersion: MODULE_VERSION,
    teamsModuleFloor: TEAMS_MODULE_FLOOR,
  });
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === "") continue;
    logLine(line);
    const r = await handle(line);
    if (r === "exit") break;
    if (r === "crash") process.exit(1);
    if (r) write(r);
  }
  process.exit(0);
}

void main();
