/**
 * Guards for the engine's dynamic-provider process. Pulumi's launcher script
 * (`pulumi-resource-pulumi-nodejs`) starts node without `exec`, so when the engine kills the
 * launcher the provider process lives on, orphaned, with closed pipes; its next progress line
 * then raises EPIPE, and Pulumi's uncaught-exception handler writing about it raises another, in
 * a loop that was seen to grow to gigabytes. So: stdio write errors are ignored, and the process
 * exits once its parent is gone. (Its PowerShell host then sees EOF on stdin and exits too.)
 */

/** How often the parent is checked. */
const PARENT_CHECK_INTERVAL_MS = 2_000;

let installed = false;

/** True when this process is the engine's dynamic-provider plugin (not jest, not a program). */
export function isDynamicProviderProcess(argv: string[] = process.argv): boolean {
  return argv.some((a) => /[\\/]cmd[\\/]dynamic-provider([\\/]index\.js)?$/.test(a));
}

/** Installs the guards once, in the dynamic-provider process only. */
export function guardProviderProcess(): void {
  if (installed || !isDynamicProviderProcess()) return;
  installed = true;
  const ignore = (): void => undefined;
  process.stdout.on("error", ignore);
  process.stderr.on("error", ignore);
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, PARENT_CHECK_INTERVAL_MS).unref();
}
