/** What a Graph route is: method, path template, required app roles, the query options it documents, handler. */
import { EmulatorContext } from "../context";
import { AccessClaims } from "../tokens";
import { graphErrors } from "./errors";
import type { Query, QueryRules } from "./query";
import type { GraphRequest } from "./request";

export { header, type GraphRequest } from "./request";

/** A Graph response. */
export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** What a handler returns; `audit` fills the audit entry of a mutating route (null: nothing to record now). */
export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  audit?: { target: string | null; number: string | null } | null;
}

/** Everything a handler may need; `params` holds the template's `{name}` segments, decoded. */
export interface HandlerArgs {
  ctx: EmulatorContext;
  req: GraphRequest;
  params: Record<string, string>;
  claims: AccessClaims;
  /** The request's system query options, already checked against the route's `query` rules. */
  query: Query;
}

/** A Graph route. */
export interface GraphRoute {
  method: string;
  /**
   * Literal segments and `{name}` parameters, e.g. `/users/{id}/assignLicense`, or an alternate key
   * `/servicePrincipals(appId={appId})` (segments match case-insensitively).
   */
  path: string;
  /** App roles of which the token needs any (null: none). */
  roles: readonly string[] | null;
  /** The query options the operation documents and how its workload refuses the rest (graph/query.ts). */
  query: QueryRules;
  /** Audit operation name for mutating routes. */
  audit?: string;
  handler: (a: HandlerArgs) => HandlerResult | Promise<HandlerResult>;
}

/** Reads a JSON object body or throws 400. */
export function objectBody(req: GraphRequest): Record<string, unknown> {
  if (req.body === undefined || req.body === null || typeof req.body !== "object" || Array.isArray(req.body)) {
    throw graphErrors.emptyPayload();
  }
  return req.body as Record<string, unknown>;
}
