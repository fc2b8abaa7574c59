/**
 * Guards for the engine's dynamic-provider process: it must not outlive the engine that started it.
 * - Pulumi's launcher script (`pulumi-resource-pulumi-nodejs`) starts node without `exec`, so when
 *   the engine kills the launcher the provider lives on, orphaned, with closed pipes; its next
 *   progress line then raises EPIPE, and Pulumi's uncaught-exception handler writing about it raises
 *   another, in a loop that was seen to grow to gigabytes. So stdio write errors are ignored.
 * - When the engine dies (the CLI killed, the runner lost), nothing will call this process again
 *   and nothing records what it does: it stops writing to the tenant. Its gRPC peer is watched (the
 *   engine's address is the plugin's argument; its parent, the launcher, may outlive the engine).
 *   From then on every tenant write is refused (EngineGone) except inside a critical section — a
 *   number move between its first release and its last claim or roll-back, which must finish so
 *   no bot is left without a number — and once those have finished the process exits. (Its
 *   PowerShell hosts then see EOF on stdin and exit too.)
 */
import { AsyncLocalStorage } from "async_hooks";
import * as net from "net";

import { TenantError } from "./errors";

/** How often the parent and the engine are checked. */
const CHECK_INTERVAL_MS = 1_000;
/** Refused connections in a row that mean the engine is gone (one could be a passing hiccup). */
const REFUSALS_TO_GIVE_UP = 3;

let installed = false;
let engineGoneSince: number | undefined;
/** Critical sections running now (their promises settle when they end). */
const inFlight = new Set<Promise<unknown>>();
const insideCritical = new AsyncLocalStorage<true>();

/** True when this process is the engine's dynamic-provider plugin (not jest, not a program). */
export function isDynamicProviderProcess(argv: string[] = process.argv): boolean {
  return argv.some((a) => /[\\/]cmd[\\/]dynamic-provider([\\/]index\.js)?$/.test(a));
}

/** The engine's gRPC address the plugin was started with (`host:port`, its last such argument). */
export function engineAddress(argv: string[] = process.argv): { host: string; port: number } | undefined {
  const found = argv.filter((a) => /^[\w.-]+:\d+$/.test(a)).pop();
  if (!found) return undefined;
  const at = found.lastIndexOf(":");
  return { host: found.slice(0, at), port: Number(found.slice(at + 1)) };
}

/** Resolves true when a TCP connection to the address is refused (nothing listens any more). */
export function refused(address: { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(address.port, address.host);
    socket.setTimeout(CHECK_INTERVAL_MS);
    const done = (gone: boolean): void => {
      socket.destroy();
      resolve(gone);
    };
    socket.once("connect", () => done(false));
    socket.once("timeout", () => done(false));
    socket.once("error", (e: NodeJS.ErrnoException) => done(e.code === "ECONNREFUSED"));
  });
}

/**
 * Runs `work` to its end even if the engine goes away meanwhile: its tenant writes are allowed,
 * and the process exits only after it has finished. None starts once the engine is gone.
 */
export function critical<T>(work: () => Promise<T>): Promise<T> {
  if (engineGoneSince !== undefined) return Promise.reject(engineGoneError("starting a number move"));
  const running = insideCritical.run(true, work);
  const settled = running.then(
    () => undefined,
    () => undefined,
  );
  inFlight.add(settled);
  void settled.then(() => inFlight.delete(settled));
  return running;
}

function engineGoneError(operation: string, resource?: string): TenantError {
  return new TenantError({
    operation,
    resource,
    code: "EngineGone",
    kind: "permanent",
    reason: "the Pulumi engine that started this provider is gone, so nothing would record this change",
    hint: "Once this provider process has exited (it finishes a number move it had begun), run `pulumi cancel` if the stack is still locked, then `pulumi up`: it finds what was done.",
  });
}

/** Refuses a tenant write once the engine is gone, unless it belongs to a critical section. */
export function checkWrite(operation: string, resource?: string): void {
  if (engineGoneSince === undefined || insideCritical.getStore()) return;
  throw engineGoneError(operation, resource);
}

/** Stops tenant writes, lets the critical sections finish, then exits (`exit` is replaceable for tests). */
export async function engineGone(exit: () => void = () => process.exit(0)): Promise<void> {
  if (engineGoneSince !== undefined) return;
  engineGoneSince = Date.now();
  while (inFlight.size > 0) await Promise.all([...inFlight]);
  exit();
}

/** Installs the guards once, in the dynamic-provider process only. */
export function guardProviderProcess(): void {
  if (installed || !isDynamicProviderProcess()) return;
  installed = true;
  const ignore = (): void => undefined;
  process.stdout.on("error", ignore);
  process.stderr.on("error", ignore);
  const parent = process.ppid;
  const engine = engineAddress();
  let checking = false;
  let refusals = 0;
  setInterval(() => {
    if (checking) return;
    checking = true;
    void (async () => {
      refusals = engine && (await refused(engine)) ? refusals + 1 : 0;
      if (process.ppid !== parent || refusals >= REFUSALS_TO_GIVE_UP) await engineGone();
      checking = false;
    })();
  }, CHECK_INTERVAL_MS).unref();
}
