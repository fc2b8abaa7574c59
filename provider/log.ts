/**
 * Progress lines for long waits. A dynamic provider runs in a plugin process whose stderr the
 * engine forwards to the `pulumi up` output, so progress goes to stderr with a stable prefix.
 * Never pass secrets or tokens here.
 */
export function progress(resource: string, message: string): void {
  process.stderr.write(`[teams] ${resource}: ${message}\n`);
}
