/**
 * A small pool of PowerShell hosts, so bulk work is not serialised through one session. Hosts are
 * started lazily: the first on the first cmdlet, another only when cmdlets queue up behind the busy
 * ones (more than `backlogPerHost` waiting per started host: a start + connect costs as much as
 * several cmdlets, so a small run keeps one host). Each host connects once. A throttled cmdlet
 * pauses the whole pool for its Retry-After (the service throttles the tenant, not one session);
 * the call itself is retried by the cmdlet's retry strategy.
 */
import type { AllowedCmdlet, HostReady, InvokeRequest } from "../../../protocol/host-protocol";
import type { TokenSource } from "../../access/tokens";
import { isTenantError } from "../../errors";
import type { TenantSettings } from "../../settings";
import { PowerShellHost, type HostTimeouts } from "./host";

/** Cmdlet parameters, or a function giving them when a host takes the call (gathered reads close then). */
export type LazyParameters = InvokeRequest["parameters"] | (() => InvokeRequest["parameters"]);

/** What runs cmdlets: the pool, or one host on its own (tests, scripts). */
export interface CmdletRunner {
  invoke(cmdlet: AllowedCmdlet, parameters: LazyParameters, timeoutMs?: number): Promise<Record<string, unknown>[]>;
}

/** How large the pool may grow and when it grows. */
export interface PoolSize {
  /** Most hosts started at once (≥ 1). */
  maxHosts: number;
  /** Another host starts when more than this many cmdlets wait per started host. */
  backlogPerHost: number;
}

/** Pause of the pool after a throttled cmdlet that named no Retry-After. */
const THROTTLE_PAUSE_MS = 2_000;

interface Job {
  cmdlet: AllowedCmdlet;
  parameters: LazyParameters;
  timeoutMs: number | undefined;
  resolve: (output: Record<string, unknown>[]) => void;
  reject: (e: unknown) => void;
}

/** The PowerShell hosts of one provider process (one tenant's settings). */
export class HostPool implements CmdletRunner {
  /** The hosts started so far, in order. */
  readonly hosts: PowerShellHost[] = [];
  /** Times the pool paused for throttling. */
  throttlePauses = 0;

  private readonly idle: PowerShellHost[] = [];
  private readonly queue: Job[] = [];
  private pausedUntilMs = 0;
  private resumeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: TenantSettings,
    private readonly tokens: TokenSource,
    private readonly timeouts: HostTimeouts,
    private readonly size: () => PoolSize,
  ) {}

  /** Times pwsh was started, over every host. */
  get starts(): number {
    return this.hosts.reduce((n, h) => n + h.starts, 0);
  }

  /** Times Connect-MicrosoftTeams ran, over every host. */
  get connects(): number {
    return this.hosts.reduce((n, h) => n + h.connects, 0);
  }

  /** The first host's HostReady line, once it started. */
  get ready(): HostReady | undefined {
    return this.hosts[0]?.ready;
  }

  /** Runs one allow-listed cmdlet on a free host (starting one when the backlog warrants it). */
  invoke(cmdlet: AllowedCmdlet, parameters: LazyParameters, timeoutMs?: number): Promise<Record<string, unknown>[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ cmdlet, parameters, timeoutMs, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every host. */
  async stop(): Promise<void> {
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
    await Promise.all(this.hosts.map((h) => h.stop()));
  }

  private dispatch(): void {
    const waitMs = this.pausedUntilMs - Date.now();
    if (waitMs > 0) {
      this.resumeTimer ??= setTimeout(() => {
        this.resumeTimer = undefined;
        this.dispatch();
      }, waitMs);
      return;
    }
    const { maxHosts, backlogPerHost } = this.size();
    while (this.queue.length > 0) {
      let host = this.idle.pop();
      if (!host) {
        // Grow only when what waits would keep every started host busy for a while.
        const grow =
          this.hosts.length === 0 ||
          (this.hosts.length < maxHosts && this.queue.length > backlogPerHost * this.hosts.length);
        if (!grow) return;
        host = new PowerShellHost(this.settings, this.tokens, this.timeouts);
        this.hosts.push(host);
      }
      this.run(host, this.queue.shift()!);
    }
  }

  private run(host: PowerShellHost, job: Job): void {
    host
      .invoke(job.cmdlet, job.parameters, job.timeoutMs)
      .then(job.resolve, (e: unknown) => {
        if (isTenantError(e) && e.kind === "throttled") {
          this.pausedUntilMs = Math.max(this.pausedUntilMs, Date.now() + (e.retryAfterMs ?? THROTTLE_PAUSE_MS));
          this.throttlePauses += 1;
        }
        job.reject(e);
      })
      .finally(() => {
        this.idle.push(host);
        this.dispatch();
      });
  }
}
