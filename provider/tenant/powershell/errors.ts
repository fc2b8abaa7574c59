/**
 * What a failed Teams cmdlet said, read into a TenantError. Cmdlet errors arrive as text (message
 * and FullyQualifiedErrorId), so this is the one place where their words are read: the HTTP
 * status they name, a Retry-After, "not found", the mapping conflict, an app-only refusal.
 */
import type { AllowedCmdlet, HostError } from "../../../protocol/host-protocol";
import { TEAMS_ADMIN_ROLE } from "../../access/catalogue";
import { conditionFromText, kindFromStatus, kindFromText, TenantError } from "../../errors";
import { appOnlyInstanceHint } from "../../hints";

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

/** What the host knows that explains a cmdlet's error. */
export interface HostContext {
  /** The MicrosoftTeams version the host reported in HostReady (null: not installed, undefined: unknown). */
  moduleVersion?: string | null;
}

/** The TenantError of a cmdlet's error (kind from the status it names, else from its words). */
export function cmdletError(cmdlet: AllowedCmdlet, error: HostError, host: HostContext = {}): TenantError {
  const status = statusFromHostError(error.message, error.fullyQualifiedErrorId);
  const after = /retry after (\d+) seconds?/i.exec(error.message);
  const kind =
    status !== undefined ? kindFromStatus(status) : kindFromText(`${error.fullyQualifiedErrorId} ${error.message}`);
  // A 403 from an instance cmdlet is first a question of module version and cloud (issue 11 item 3).
  const hint = status === 403 ? appOnlyInstanceHint(cmdlet, host.moduleVersion) : undefined;
  return new TenantError({
    operation: cmdlet,
    status,
    serviceCode: error.fullyQualifiedErrorId || undefined,
    kind,
    condition: conditionFromText(error.message),
    permission: TEAMS_ADMIN_ROLE,
    reason: error.message,
    retryAfterMs: after ? Number(after[1]) * 1000 : undefined,
    hint,
  });
}

/**
 * The not-found forms of the Teams cmdlets, and only those (Get-CsOnlineApplicationInstance's text
 * is undocumented): an error that names HTTP 404 ("NotFound,…" FullyQualifiedErrorId, or "The
 * server responded with a Request Error, Status: NotFound", tenant-api.md S33b), and the
 * ManagementObjectNotFound text "Management object not found for identity …". Other texts that
 * say "not found" mean something else and stay errors: "The user '<id>' is not found" is a
 * replication / licence refusal (S26), "Telephone Number '<n>' is not found from tenant" a wrong
 * number or type (S33a).
 */
const MANAGEMENT_OBJECT_NOT_FOUND = /^Management object not found for identity\b/i;
const MAPPING_CONFLICT = /same key has already been added/i;

/** A cmdlet's "no such object" (see MANAGEMENT_OBJECT_NOT_FOUND for the forms). */
export function isNotFound(e: unknown): boolean {
  return e instanceof TenantError && (e.status === 404 || MANAGEMENT_OBJECT_NOT_FOUND.test(e.reason));
}

/** Sync-CsOnlineApplicationInstance's "An item with the same key has already been added". */
export function isMappingConflict(e: unknown): boolean {
  return e instanceof TenantError && MAPPING_CONFLICT.test(e.reason);
}
