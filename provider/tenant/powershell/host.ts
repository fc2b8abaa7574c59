/**
 * A long-lived Teams PowerShell host (the pool, pool.ts, holds one or a few): one `pwsh`, started lazily through
 * execa, connected once with `Connect-MicrosoftTeams -AccessTokens` (tokens over stdin, never
 * argv or environment), then one JSON request at a time (FIFO) with a timeout per call. A crash
 * or timeout rejects the pending call with a clear error; the next call restarts and reconnects.
 * Protocol: protocol/host-protocol.ts. Host script: protocol/teams-host.ps1.
 */
import type execa from "execa";

import {
  TEAMS_MODULE_FLOOR,
  type AllowedCmdlet,
  type HostReady,
  type HostRequest,
  type HostResponse,
  type InvokeRequest,
} from "../../../protocol/host-protocol";
import { DEPLOY, GRAPH } from "../../access/catalogue";
import { TEAMS_ADMIN_SCOPE, type TokenSource } from "../../access/tokens";
import { redact, TenantError, type ErrorCode } from "../../errors";
import { describeSetting, type TenantSettings } from "../../settings";
import { cmdletError } from "./errors";
import { HostLines } from "./lines";
import { spawnHost } from "./locate";

/** How long the host may take. */
export interface HostTimeouts {
  /** One cmdlet, before the host is killed and restarted. */
  callMs: number;
  /** Starting pwsh and importing MicrosoftTeams. */
  startMs: number;
}

/** Reconnect when the tokens expire within this margin. */
const TOKEN_MARGIN_MS = 5 * 60_000;

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
  private lines: HostLines | undefined;
  private stderrTail = "";
  private nextId = 1;
  private connectedUntilMs: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly settings: TenantSettings,
    private readonly tokens: TokenSource,
    private readonly timeouts: HostTimeouts,
  ) {}

  /**
   * Runs one allow-listed cmdlet; requests are answered one at a time, in order. Parameters given
   * as a function are taken when the request is sent (after start and connect).
   */
  invoke(
    cmdlet: AllowedCmdlet,
    parameters: InvokeRequest["parameters"] | (() => InvokeRequest["parameters"]),
    timeoutMs = this.timeouts.callMs,
  ): Promise<Record<string, unknown>[]> {
    const run = async (): Promise<Record<string, unknown>[]> => {
      await this.ensureConnected();
      const request: HostRequest = {
        id: this.nextId++,
        type: "invoke",
        cmdlet,
        parameters: typeof parameters === "function" ? parameters() : parameters,
      };
      const response = await this.send(request, cmdlet, timeoutMs);
      if (response.ok) return response.output ?? [];
      throw cmdletError(cmdlet, response.error, { moduleVersion: this.ready?.teamsModuleVersion });
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
    const response = await this.send(request, "Connect-MicrosoftTeams", this.timeouts.callMs);
    if (!response.ok) {
      throw new TenantError({
        operation: "connecting to Microsoft Teams (Connect-MicrosoftTeams -AccessTokens)",
        serviceCode: response.error.fullyQualifiedErrorId || undefined,
        reason: response.error.message,
        hint: `Check that the app registration holds the ${DEPLOY.roles[0]!.name} role and ${GRAPH.organizationRead}, and that MicrosoftTeams ${TEAMS_MODULE_FLOOR} or later is installed.`,
      });
    }
    this.connects++;
    const expiries = [graph.expiresOn, teams.expiresOn].map((d) => d?.getTime() ?? Date.now() + 3_600_000);
    this.connectedUntilMs = Math.min(...expiries);
  }

  private async start(): Promise<void> {
    this.stderrTail = "";
    this.ready = undefined;
    const child = spawnHost(this.settings.pwshPath);
    this.child = child;
    const lines = new HostLines(
      (line) => child.stdin?.write(line),
      (reason) => this.fail(child, "ProtocolViolation", reason),
      // Stdout text outside the protocol (module warnings, progress) joins the stderr tail, so an
      // error message shows it; it never hides or delays a reply.
      (line) => this.keepTail(`stdout: ${line}\n`),
    );
    this.lines = lines;
    this.starts++;
    child.catch(() => undefined); // failures arrive through the 'error' / 'exit' events below
    liveHosts.add(this);
    installExitHook();
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => lines.feed(chunk));
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => this.keepTail(chunk));
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

    const ready = lines.ready();
    const timer = setTimeout(
      () => this.fail(child, "HostTimeout", `did not become ready within ${this.timeouts.startMs / 1000}s`),
      this.timeouts.startMs,
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
        hint: `Run \`Install-Module MicrosoftTeams -RequiredVersion ${TEAMS_MODULE_FLOOR} -Scope CurrentUser\` in PowerShell 7 (${TEAMS_MODULE_FLOOR} is the oldest version supported).`,
      });
    }
  }

  /** Keeps the last 2,000 characters of what the host said outside the protocol. */
  private keepTail(text: string): void {
    this.stderrTail = (this.stderrTail + text).slice(-2_000);
  }

  private send(request: HostRequest, what: string, timeoutMs: number): Promise<HostResponse> {
    const child = this.child;
    const lines = this.lines;
    if (!child?.stdin || !lines) return Promise.reject(this.hostError("HostExited", what, "is not running"));
    const timer = setTimeout(
      () => this.fail(child, "HostTimeout", `did not answer within ${Math.round(timeoutMs / 1000)}s`),
      timeoutMs,
    );
    return lines.request(request, what).finally(() => clearTimeout(timer));
  }

  private onExit(child: execa.ExecaChildProcess, how: string, notFound = false): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.connectedUntilMs = undefined;
    liveHosts.delete(this);
    const tail = this.stderrTail.trim()
      ? `; stderr: ${redact(this.stderrTail.trim().split("\n").slice(-3).join(" | "))}`
      : "";
    this.lines?.rejectAll(
      this.hostError(notFound ? "PwshNotFound" : "HostExited", this.lines.pendingWhat, `${how}${tail}`),
    );
  }

  /** Kills the host after a timeout or protocol break; the pending call fails, the next one restarts. */
  private fail(child: execa.ExecaChildProcess, code: ErrorCode, reason: string): void {
    if (child !== this.child) return;
    const error = this.hostError(code, this.lines?.pendingWhat, reason);
    this.child = undefined;
    this.connectedUntilMs = undefined;
    liveHosts.delete(this);
    child.kill("SIGKILL");
    this.lines?.rejectAll(error);
  }

  private hostError(code: ErrorCode, what: string | undefined, reason: string): TenantError {
    return new TenantError({
      operation: what
        ? `running ${what} in the PowerShell host (${this.settings.pwshPath})`
        : `starting the PowerShell host (${this.settings.pwshPath})`,
      // Its kind comes from the code (ERROR_KINDS): a call the host never answered may or may not have run.
      code,
      reason: `the host ${reason}`,
      hint:
        code === "PwshNotFound"
          ? `Install PowerShell 7 (pwsh) or set ${describeSetting("pwshPath")} to its path.`
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
