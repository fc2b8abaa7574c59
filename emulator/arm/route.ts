/** What an ARM route is: method, path template, the RBAC action it needs, the query rules it declares, handler. */
import { EmulatorContext } from "../context";
import { AccessClaims } from "../tokens";
import { ArmQueryRules } from "./query";

/** An ARM request as the router sees it. */
export interface ArmRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: unknown;
  /** The body was present but not JSON (reported after authentication, like ARM). */
  bodyUnreadable?: boolean;
}

/** What a handler returns; `audit` names the target of a write (null: nothing changed). */
export interface ArmResult {
  status: number;
  body?: unknown;
  audit?: { target: string } | null;
}

/** Everything a handler may need; `params` holds the template's `{name}` segments, decoded. */
export interface ArmHandlerArgs {
  ctx: EmulatorContext;
  req: ArmRequest;
  params: Record<string, string>;
  claims: AccessClaims;
  apiVersion: string;
}

/** An ARM route. */
export interface ArmRoute {
  method: string;
  /** Literal segments (matched without case, as ARM does) and `{name}` parameters. */
  path: string;
  /** The RBAC action, e.g. `Microsoft.BotService/botServices/write`. */
  action: string;
  /**
   * The scope the action is authorised at (a resource id or one of its ancestors); null when the
   * handler itself filters what the caller may read (lists).
   */
  scope: (params: Record<string, string>) => string | null;
  query: ArmQueryRules;
  /** Audit operation name for writes. */
  audit?: string;
  handler: (a: ArmHandlerArgs) => ArmResult;
}
