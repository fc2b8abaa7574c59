/**
 * What a failed Teams cmdlet said, read into a TenantError. Cmdlet errors arrive as text (message
 * and FullyQualifiedErrorId), so this is the one place where their words are read: the HTTP
 * status they name, a Retry-After, "not found", the mapping conflict.
 */
import type { AllowedCmdlet, HostError } from "../../../protocol/host-protocol";
import { conditionFromText, kindFromStatus, kindFromText, TenantError } from "../../errors";
import { TEAMS_ADMIN_ROLE } from "../../hints";

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

/** The TenantError of a cmdlet's error (kind from the status it names, else from its words). */
export function cmdletError(cmdlet: AllowedCmdlet, error: HostError): TenantError {
  const status = statusFromHostError(error.message, error.fullyQualifiedErrorId);
  const after = /retry after (\d+) seconds?/i.exec(error.message);
  const kind =
    status !== undefined ? kindFromStatus(status) : kindFromText(`${error.fullyQualifiedErrorId} ${error.message}`);
  return new TenantError({
    operation: cmdlet,
    status,
    serviceCode: error.fullyQualifiedErrorId || undefined,
    kind,
    condition: conditionFromText(error.message),
    permission: TEAMS_ADMIN_ROLE,
    reason: error.message,
    retryAfterMs: after ? Number(after[1]) * 1000 : undefined,
  });
}

const NOT_FOUND = /not found|NotFound|does not exist|couldn't find|could not find/i;
const MAPPING_CONFLICT = /same key has already been added/i;

/** A cmdlet's "no such object". */
export function isNotFound(e: unknown): boolean {
  return e instanceof TenantError && (e.status === 404 || NOT_FOUND.test(e.reason));
}

/** Sync-CsOnlineApplicationInstance's "An item with the same key has already been added". */
export function isMappingConflict(e: unknown): boolean {
  return e instanceof TenantError && MAPPING_CONFLICT.test(e.reason);
}
