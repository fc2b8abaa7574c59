/** Which hosts are this machine's own. */

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "::1", "localhost"]);

/** True for addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\./.test(host);
}
