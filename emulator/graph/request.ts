/** A Graph request as the router sees it, and reading its headers (shared by the routes and the query rules). */

/** A Graph request as the router sees it (path without `/v1.0`). */
export interface GraphRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: unknown;
}

/** The first value of a header, case-insensitively. */
export function header(req: GraphRequest, name: string): string | undefined {
  const k = Object.keys(req.headers).find((h) => h.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : req.headers[k];
}
