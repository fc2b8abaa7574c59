/**
 * The long-lived Teams PowerShell host: one `pwsh` per provider process, started lazily through
 * execa, connected once with `Connect-MicrosoftTeams -AccessTokens` (tokens over stdin, never
 * argv or environment), then one JSON request at a time (FIFO) with a timeout per call. A crash
 * or timeout rejects the pending call with a clear error; the next call restarts and reconnects.
 * Protocol: protocol/host-protocol.ts. Host script: protocol/teams-host.ps1.
 */
import { existsSync } from "fs";
import * as path from "path";
import execa from "execa";

import {
  ALLOWED_CMDLETS,
  type AllowedCmdlet,
  type HostReady,
  type HostRequest,
  type HostResponse,
  type InvokeRequest,
} from "../../protocol/host-protocol";
import type { TenantSettings } from "../config";
import { redact, TenantError } from "../errors";
import { throttling, transient, withRetry, type RetryStrategy } from "../retry";
import type { NumberType } from "../validate";
import { TEAMS_ADMIN_SCOPE, type TokenSource } from "./auth";
import type {
  ApplicationInstance,
  AssignNumberRequest,
  NumberAssignment,
  TeamsOperations,
  UnassignNumberRequest,
} from "./client";

/** Default time one cmdlet may take before the host is killed and restarted. */
export const CALL_TIMEOUT_MS = 180_000;
/** Time pwsh may take to import MicrosoftTeams and say it is ready. */
export const START_TIMEOUT_MS = 120_000;
/** Reconnect when the tokens expire within this margin. */
const TOKEN_MARGIN_MS = 5 * 60_000;
/** Environment variables never handed to the child (the host needs none of our credentials). */
const SECRET_ENV = [
  "AZURE_CLIENT_SECRET",
  "AZURE_CLIENT_CERTIFICATE_PASSWORD",
  "PULUMI_CONFIG_PASSPHRASE",
  "PULUMI_ACCESS_TOKEN",
];

/** Repository / package root seen from this file (provider/tenant in the source, dist/provider/tenant when built). */
function packageRoots(dir = __dirname): string[] {
  return [path.resolve(dir, "../.."), path.resolve(dir, "../../..")];
}

/**
 * The executable to start: a bare name ("pwsh") is looked up on PATH; a relative path (as in a
 * stack config, e.g. emulator/bin/pwsh) is taken from the working directory or the package root,
 * since the engine may run the provider elsewhere.
 */
export function resolvePwshPath(configured: string, cwd = process.cwd()): string {
  if (!configured.includes("/") && !configured.includes("\\")) return configured;
  if (path.isAbsolute(configured)) return configured;
  const candidates = [cwd, ...packageRoots()].map((root) => path.resolve(root, configured));
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

/** Finds protocol/teams-host.ps1 from this file: provider/tenant in the source, dist/provider/tenant when built. */
export function hostScriptPath(dir = __dirname): string {
  const candidates = [
    path.resolve(dir, "../../protocol/teams-host.ps1"),
    path.resolve(dir, "../../../protocol/teams-host.ps1"),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`teams-bot-numbers: cannot find teams-host.ps1 (looked at ${candidates.join(", ")})`);
  return found;
}

const HTTP_STATUS_WORDS: Record<string, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  TooManyRequests: 429,
  InternalServerError: 500,
  BadGateway: 502,
  ServiceUnavailable: 503,
  GatewayTimeout: 504,
};

/** The HTTP status a Teams cmdlet error names ("BadRequest - …", FullyQualifiedErrorId "NotFound,…"), if any. */
export function statusFromHostError(message: string, fullyQualifiedErrorId: string): number | undefined {
  const words = [
    /^([A-Za-z]+)\b/.exec(fullyQualifiedErrorId)?.[1],
    /^([A-Za-z]+)\b/.exec(message)?.[1],
    /Status: (\w+)/.exec(message)?.[1],
  ];
  return words.map((w) => (w ? HTTP_STATUS_WORDS[w] : undefined)).find((s) => s !== undefined);
}

type Pending = { id: number; what: string; resolve: (r: HostResponse) => void; reject: (e: Error) => void };

const liveHosts = new Set<PowerShellHost>();
let exitHookInstalled = false;

/** One pwsh process running teams-host.ps1, driven over stdin/stdout. */
export class PowerShellHost {
  /** Times pwsh was started (tests check one start and one connect for many resources). */
  starts = 0;
  /** Times Connect-MicrosoftTeams ran. */
  connects = 0;
  /** The host's HostReady line, once started. */
  ready: HostReady | undefined;

  private child: execa.ExecaChildProcess | undefined;
  private pending: Pending | undefined;
  private waitingForReady: { resolve: (r: HostReady) => void; reject: (e: Error) => void } | undefined;
  private buffer = "";
  private stderrTail = "";
  private nextId = 1;
  private connectedUntilMs: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly settings: TenantSettings,
    private readonly tokens: TokenSource,
    private readonly callTimeoutMs = CALL_TIMEOUT_MS,
  ) {}

  /** Runs one allow-listed cmdlet; requests are answered one at a time, in order. */
  invoke(
    cmdlet: AllowedCmdlet,
    parameters: InvokeRequest["parameters"],
    timeoutMs = this.callTimeoutMs,
  ): Promise<Record<string, unknown>[]> {
    const run = async (): Promise<Record<string, unknown>[]> => {
      await this.ensureConnected();
      const response = await this.send({ id: this.nextId++, type: "invoke", cmdlet, parameters }, cmdlet, timeoutMs);
      if (response.ok) return response.output ?? [];
      const after = /retry after (\d+) seconds?/i.exec(response.error.message);
      throw new TenantError({
        operation: cmdlet,
        status: statusFromHostError(response.error.message, response.error.fullyQualifiedErrorId),
        code: response.error.fullyQualifiedErrorId || undefined,
        reason: response.error.message,
        retryAfterMs: after ? Number(after[1]) * 1000 : undefined,
      });
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Asks the host to exit and forgets it. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    this.connectedUntilMs = undefined;
    try {
      child.stdin?.end(JSON.stringify({ id: this.nextId++, type: "exit" }) + "\n");
    } catch {
      // already gone
    }
    const exited = child.then(
      () => undefined,
      () => undefined,
    );
    const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
    await exited;
    clearTimeout(timer);
    liveHosts.delete(this);
  }

  /** Kills the process at once (process exit). */
  killNow(): void {
    this.child?.kill("SIGTERM");
  }

  private async ensureConnected(): Promise<void> {
    if (!this.child) await this.start();
    if (this.connectedUntilMs !== undefined && this.connectedUntilMs - Date.now() > TOKEN_MARGIN_MS) return;
    const [graph, teams] = await Promise.all([this.tokens.graphToken(), this.tokens.token(TEAMS_ADMIN_SCOPE)]);
    const request: HostRequest = {
      id: this.nextId++,
      type: "connect",
      tenantId: this.settings.tenantId,
      accessTokens: [graph.accessToken, teams.accessToken],
    };
    const response = await this.send(request, "Connect-MicrosoftTeams", this.callTimeoutMs);
    if (!response.ok) {
      throw new TenantError({
        operation: "connecting to Microsoft Teams (Connect-MicrosoftTeams -AccessTokens)",
        code: response.error.fullyQualifiedErrorId || undefined,
        reason: response.error.message,
        hint: "Check that the app registration holds the Teams Administrator role and Organization.Read.All, and that MicrosoftTeams 6.x or later is installed.",
      });
    }
    this.connects++;
    const expiries = [graph.expiresOn, teams.expiresOn].map((d) => d?.getTime() ?? Date.now() + 3_600_000);
    this.connectedUntilMs = Math.min(...expiries);
  }

  private async start(): Promise<void> {
    const script = hostScriptPath();
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of SECRET_ENV) delete env[name];
    this.buffer = "";
    this.stderrTail = "";
    this.ready = undefined;
    const child = execa(
      resolvePwshPath(this.settings.pwshPath),
      ["-NoLogo", "-NoProfile", "-NonInteractive", "-File", script],
      {
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
        buffer: false,
        reject: false,
        extendEnv: false,
        env,
        cleanup: true,
        windowsHide: true,
      },
    );
    this.child = child;
    this.starts++;
    child.catch(() => undefined); // failures arrive through the 'error' / 'exit' events below
    liveHosts.add(this);
    installExitHook();
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => this.onStdout(child, chunk));
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-2_000);
    });
    child.stdin?.on("error", () => undefined); // EPIPE after a crash: reported through exit
    child.on("error", (e) =>
      this.onExit(
        child,
        `could not start ${this.settings.pwshPath}: ${e.message}`,
        (e as NodeJS.ErrnoException).code === "ENOENT",
      ),
    );
    child.on("exit", (code, signal) => this.onExit(child, `exited (${signal ? `signal ${signal}` : `code ${code}`})`));
    // The host idles between calls: it must not keep the provider process alive.
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr] as unknown as { unref?: () => void }[]) s?.unref?.();

    const ready = new Promise<HostReady>((resolve, reject) => (this.waitingForReady = { resolve, reject }));
    const timer = setTimeout(
      () => this.fail(child, "HostTimeout", `did not become ready within ${START_TIMEOUT_MS / 1000}s`),
      START_TIMEOUT_MS,
    );
    try {
      this.ready = await ready;
    } finally {
      clearTimeout(timer);
    }
    if (this.ready.teamsModuleVersion === null) {
      await this.stop();
      throw new TenantError({
        operation: "starting the Teams PowerShell host",
        code: "ModuleMissing",
        reason: "the MicrosoftTeams module is not installed for this pwsh",
        hint: "Run `Install-Module MicrosoftTeams -MinimumVersion 6.0.0 -Scope CurrentUser` in PowerShell 7.",
      });
    }
  }

  private send(request: HostRequest, what: string, timeoutMs: number): Promise<HostResponse> {
    const child = this.child;
    if (!child?.stdin) return Promise.reject(this.hostError("HostExited", what, "is not running"));
    return new Promise<HostResponse>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(child, "HostTimeout", `did not answer within ${Math.round(timeoutMs / 1000)}s`),
        timeoutMs,
      );
      this.pending = {
        id: request.id,
        what,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      child.stdin!.write(JSON.stringify(request) + "\n");
    });
  }

  private onStdout(child: execa.ExecaChildProcess, chunk: string): void {
    if (child !== this.child) return;
    this.buffer += chunk;
    for (let nl = this.buffer.indexOf("\n"); nl >= 0; nl = this.buffer.indexOf("\n")) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.onLine(child, line);
    }
  }

  private onLine(child: execa.ExecaChildProcess, line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return; // stray output (warnings, banners) is not part of the protocol
    }
    const m = message as Partial<HostReady & HostResponse>;
    if (m.type === "ready" && this.waitingForReady) {
      this.waitingForReady.resolve(m as HostReady);
      this.waitingForReady = undefined;
      return;
    }
    const pending = this.pending;
    if (!pending || typeof m.id !== "number") return;
    if (m.id !== pending.id) {
      this.fail(
        child,
        "ProtocolViolation",
        `answered request ${m.id} while ${pending.id} (${pending.what}) was pending`,
      );
      return;
    }
    this.pending = undefined;
    pending.resolve(m as HostResponse);
  }

  private onExit(child: execa.ExecaChildProcess, how: string, notFound = false): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.connectedUntilMs = undefined;
    liveHosts.delete(this);
    const tail = this.stderrTail.trim()
      ? `; stderr: ${redact(this.stderrTail.trim().split("\n").slice(-3).join(" | "))}`
      : "";
    const error = this.hostError(notFound ? "PwshNotFound" : "HostExited", this.pending?.what, `${how}${tail}`);
    this.rejectAll(error);
  }

  /** Kills the host after a timeout or protocol break; the pending call fails, the next one restarts. */
  private fail(child: execa.ExecaChildProcess, code: string, reason: string): void {
    if (child !== this.child) return;
    const error = this.hostError(code, this.pending?.what, reason);
    this.child = undefined;
    this.connectedUntilMs = undefined;
    liveHosts.delete(this);
    child.kill("SIGKILL");
    this.rejectAll(error);
  }

  private rejectAll(error: TenantError): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
    this.waitingForReady?.reject(error);
    this.waitingForReady = undefined;
  }

  private hostError(code: string, what: string | undefined, reason: string): TenantError {
    return new TenantError({
      operation: what
        ? `running ${what} in the PowerShell host (${this.settings.pwshPath})`
        : `starting the PowerShell host (${this.settings.pwshPath})`,
      code,
      reason: `the host ${reason}`,
      hint:
        code === "PwshNotFound"
          ? "Install PowerShell 7 (pwsh) or set teams-bot-numbers:pwshPath (or TEAMS_PWSH_PATH) to its path."
          : "The next call starts a new host; if this repeats, run teams-host.ps1 by hand in pwsh to see why.",
    });
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous on purpose: 'exit' handlers cannot wait. Closing stdin lets the host exit itself.
  process.once("exit", () => {
    for (const host of liveHosts) host.killNow();
  });
}

/** Retrying for cmdlets: throttling honours the service's wait; transient 5xx backs off. */
const CMDLET_RETRY: RetryStrategy[] = [throttling(2_000), transient(1_000)];
/** A crashed / timed-out host is restarted by the next call: safe to repeat a read once. */
const HOST_RESTART: RetryStrategy = {
  name: "host restarted",
  delayMs: (e, attempt) =>
    attempt === 1 && e instanceof TenantError && (e.code === "HostExited" || e.code === "HostTimeout") ? 0 : undefined,
};

function field(obj: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
}

function text(obj: Record<string, unknown>, name: string): string | null {
  const v = field(obj, name);
  return v === undefined || v === null || v === "" ? null : String(v);
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** Get-CsOnlineApplicationInstance output → ApplicationInstance. */
export function toApplicationInstance(o: Record<string, unknown>): ApplicationInstance {
  const phone = text(o, "PhoneNumber");
  return {
    objectId: (text(o, "ObjectId") ?? "").toLowerCase(),
    tenantId: text(o, "TenantId")?.toLowerCase() ?? null,
    userPrincipalName: (text(o, "UserPrincipalName") ?? "").toLowerCase(),
    applicationId: (text(o, "ApplicationId") ?? "").toLowerCase(),
    displayName: text(o, "DisplayName"),
    phoneNumber: phone ? phone.replace(/^tel:/i, "") : null,
  };
}

/** Get-CsPhoneNumberAssignment output → NumberAssignment (camelCase enums like Graph). */
export function toNumberAssignment(o: Record<string, unknown>): NumberAssignment {
  const capability = field(o, "Capability");
  return {
    telephoneNumber: text(o, "TelephoneNumber") ?? "",
    numberType: text(o, "NumberType") ?? "",
    assignmentTargetId: text(o, "AssignedPstnTargetId")?.toLowerCase() ?? null,
    assignmentStatus: lowerFirst(text(o, "PstnAssignmentStatus") ?? "unknown"),
    activationState: lowerFirst(text(o, "ActivationState") ?? "unknown"),
    locationId: text(o, "LocationId"),
    capabilities: (Array.isArray(capability) ? capability : capability ? String(capability).split(/[,\s{}]+/) : [])
      .filter(Boolean)
      .map((c) => lowerFirst(String(c))),
  };
}

const NOT_FOUND = /not found|NotFound|does not exist|couldn't find|could not find/i;

/** The Teams cmdlets of the TenantClient, run through one PowerShellHost. */
export class TeamsCmdlets implements TeamsOperations {
  constructor(readonly host: PowerShellHost) {}

  async newApplicationInstance(request: {
    userPrincipalName: string;
    displayName: string;
    applicationId: string;
  }): Promise<ApplicationInstance> {
    // Not idempotent: only a throttled call (never executed) is repeated.
    const out = await this.run(
      "New-CsOnlineApplicationInstance",
      {
        UserPrincipalName: request.userPrincipalName,
        ApplicationId: request.applicationId,
        DisplayName: request.displayName,
        Force: true,
      },
      [throttling(2_000)],
    );
    const created = out.map(toApplicationInstance).find((i) => i.objectId);
    if (created) return created;
    // Some module versions print nothing: read it back.
    const read = await this.getApplicationInstance(request.userPrincipalName);
    if (!read)
      throw new TenantError({
        operation: "New-CsOnlineApplicationInstance",
        reason: "the cmdlet succeeded but the instance cannot be read back",
      });
    return read;
  }

  async getApplicationInstance(identity: string): Promise<ApplicationInstance | undefined> {
    try {
      const out = await this.run("Get-CsOnlineApplicationInstance", { Identity: identity }, [
        ...CMDLET_RETRY,
        HOST_RESTART,
      ]);
      return out.map(toApplicationInstance).find((i) => i.objectId);
    } catch (e) {
      if (e instanceof TenantError && (e.status === 404 || NOT_FOUND.test(e.reason))) return undefined;
      throw e;
    }
  }

  async setApplicationInstance(
    identity: string,
    change: { displayName?: string; applicationId?: string },
  ): Promise<void> {
    const parameters: InvokeRequest["parameters"] = { Identity: identity, Force: true };
    if (change.displayName !== undefined) parameters.DisplayName = change.displayName;
    if (change.applicationId !== undefined) parameters.ApplicationId = change.applicationId;
    await this.run("Set-CsOnlineApplicationInstance", parameters, CMDLET_RETRY);
  }

  async syncApplicationInstance(objectId: string, applicationId: string): Promise<void> {
    await this.run(
      "Sync-CsOnlineApplicationInstance",
      { ObjectId: objectId, ApplicationId: applicationId, Force: true },
      CMDLET_RETRY,
    );
  }

  async setPhoneNumberAssignment(request: AssignNumberRequest): Promise<void> {
    // -PhoneNumber / -PhoneNumberType: the pre-2026 names, kept as aliases by newer modules.
    const parameters: InvokeRequest["parameters"] = {
      Identity: request.assignmentTargetId,
      PhoneNumber: request.telephoneNumber,
      PhoneNumberType: request.numberType,
    };
    if (request.locationId) parameters.LocationId = request.locationId;
    await this.run("Set-CsPhoneNumberAssignment", parameters, [throttling(2_000)]);
  }

  async setPhoneNumberLocation(telephoneNumber: string, locationId: string | null): Promise<void> {
    // The cmdlet takes the string 'null' to remove a location.
    await this.run(
      "Set-CsPhoneNumberAssignment",
      { PhoneNumber: telephoneNumber, LocationId: locationId ?? "null" },
      CMDLET_RETRY,
    );
  }

  async removePhoneNumberAssignment(request: UnassignNumberRequest): Promise<void> {
    await this.run(
      "Remove-CsPhoneNumberAssignment",
      {
        Identity: request.assignmentTargetId,
        PhoneNumber: request.telephoneNumber,
        PhoneNumberType: request.numberType as NumberType,
      },
      [throttling(2_000)],
    );
  }

  async getPhoneNumberAssignment(telephoneNumber: string): Promise<NumberAssignment | undefined> {
    const out = await this.run("Get-CsPhoneNumberAssignment", { TelephoneNumber: telephoneNumber }, [
      ...CMDLET_RETRY,
      HOST_RESTART,
    ]);
    return out.map(toNumberAssignment).find((n) => n.telephoneNumber === telephoneNumber);
  }

  private run(
    cmdlet: AllowedCmdlet,
    parameters: InvokeRequest["parameters"],
    strategies: RetryStrategy[],
  ): Promise<Record<string, unknown>[]> {
    if (!(ALLOWED_CMDLETS as readonly string[]).includes(cmdlet)) throw new Error(`${cmdlet} is not allow-listed`);
    // 8 attempts: a throttling storm (30 % answered 429) must not end a deployment; waits honour Retry-After.
    return withRetry(() => this.host.invoke(cmdlet, parameters), {
      strategies,
      maxAttempts: 8,
      resource: "teams",
      what: cmdlet,
    });
  }
}
