/**
 * The one error type the provider raises for anything the tenant (or a wait on it) refused.
 * Messages read "<operation>: <reason> (<status> <code>, request-id <id>). <hint>" and never
 * carry secrets: every text that came from outside goes through `redact`.
 *
 * Each error has a `kind`, set where it is raised (HTTP status, host crash or timeout, network or
 * token failure): retry strategies (retry.ts) decide on it, never on message text.
 */
import { explain } from "./hints";

/**
 * How a failure may be handled: `throttled` (wait and repeat), `transient` (5xx, network: safe to
 * repeat a read), `outcomeUnknown` (a change may or may not have happened: look before repeating),
 * `permanent` (repeating changes nothing).
 */
export type ErrorKind = "throttled" | "transient" | "outcomeUnknown" | "permanent";

/**
 * Our own error codes (a service's code travels as `serviceCode`) and how each may be handled: the
 * one table that maps our codes to kinds. Text is matched only for failures we know as text from
 * outside (a service's or a library's words: kindFromText).
 */
export const ERROR_KINDS = {
  // BotPhoneNumber
  NumberNotFound: "permanent",
  NumberTypeMismatch: "permanent",
  NumberAssignedElsewhere: "permanent",
  LocationNotRemovable: "permanent",
  NumberLacksCapability: "permanent",
  NumberBlocked: "permanent",
  NumberCountryMismatch: "permanent",
  // ApplicationInstance
  AlreadyExists: "permanent",
  NotAResourceAccount: "permanent",
  AdoptMismatch: "permanent",
  UnsupportedWithAppOnlyAuth: "permanent",
  NotFound: "permanent",
  // VirtualUserLicense
  SkuNotFound: "permanent",
  NoFreeSeats: "permanent",
  NoUsageLocation: "permanent",
  ProvisioningError: "permanent",
  // Waits and long-running operations: a wait that ran out of time is not repeated (nor is the
  // change it waited for: an operation may still be running); the next `pulumi up` waits again.
  WaitTimeout: "permanent",
  OperationFailed: "permanent",
  // The PowerShell host: a crash or timeout leaves a cmdlet's outcome unknown.
  HostExited: "outcomeUnknown",
  HostTimeout: "outcomeUnknown",
  PwshNotFound: "permanent",
  ProtocolViolation: "permanent",
  ModuleMissing: "permanent",
  // Credentials (FederatedTokenUnavailable: the raise site sets the kind of an unreachable endpoint)
  CertificateInvalid: "permanent",
  FederatedTokenUnavailable: "permanent",
  FederationMismatch: "permanent",
  ReadOnlyIdentity: "permanent",
  // The provider process
  EngineGone: "permanent",
} as const satisfies Record<string, ErrorKind>;

/** One of our error codes. */
export type ErrorCode = keyof typeof ERROR_KINDS;

/** Our error codes. */
export const ERROR_CODES = Object.keys(ERROR_KINDS) as ErrorCode[];

/**
 * A refusal the service gives while it has not caught up with a change Entra already shows (Teams
 * lags behind Entra): `licenceNotSeen` = the number refused although the licence shows provisioned
 * ("lacks appropriate licenses", "The user '<id>' is not found"); `usageLocationNotSeen` =
 * assignLicense refused although the usage location was just set ("invalid usage location").
 * Whether to wait it out is the caller's decision: it alone knows what Entra already shows.
 */
export type ServiceCondition = "licenceNotSeen" | "usageLocationNotSeen";

/** What a TenantError knows. */
export interface TenantErrorDetails {
  /** What we were doing, with the object named, e.g. "assigning number +14255550100 to bot@contoso.com". */
  operation: string;
  /** Short label of the Pulumi resource or tenant object, e.g. "BotPhoneNumber bot@contoso.com/+14255550100". */
  resource?: string;
  /** What went wrong, in words. */
  reason: string;
  /** HTTP status (Graph, or named by a cmdlet's error) when there was one. */
  status?: number;
  /** Our code, for failures we detect ourselves. */
  code?: ErrorCode;
  /** The service's code: Graph `error.code`, PowerShell FullyQualifiedErrorId, MSAL errorCode. */
  serviceCode?: string;
  /** How it may be handled; when not given: our code's kind (ERROR_KINDS), else the status, else the service's words. */
  kind?: ErrorKind;
  /** A refusal that may only mean the service lags behind Entra (set where the service's words are read). */
  condition?: ServiceCondition;
  /** The permission or role the failed call needs (named by the call, used for a 403's hint). */
  permission?: string;
  /** Graph `innerError.request-id`, for support tickets. */
  requestId?: string;
  /** What to do about it. */
  hint?: string;
  /** Milliseconds the service asked us to wait before retrying (`Retry-After`). */
  retryAfterMs?: number;
  /** The original error, kept for debugging (not part of the message). */
  cause?: unknown;
}

const THROTTLED_TEXT = /\b429\b|TooManyRequests|throttl|rate limit/i;
const TRANSIENT_TEXT =
  /\b(500|502|503|504)\b|ServiceUnavailable|GatewayTimeout|BadGateway|InternalServerError|temporarily unavailable|timed? ?out|ECONNRESET|ECONNREFUSED|EPIPE|socket hang up|fetch failed/i;

/**
 * The kind of a failure known only as text (a cmdlet's message, a Node network error, MSAL's
 * message): the one place where words decide how a failure is handled.
 */
export function kindFromText(text: string): ErrorKind {
  if (THROTTLED_TEXT.test(text)) return "throttled";
  return TRANSIENT_TEXT.test(text) ? "transient" : "permanent";
}

const LICENCE_NOT_SEEN_TEXT = /lacks appropriate licen[cs]es|the user '[^']*' is not found/i;
const USAGE_LOCATION_NOT_SEEN_TEXT = /invalid usage location/i;

/**
 * The condition a service's refusal names, read from its words (a cmdlet's message, a Graph error's
 * message, a number operation's statusDetail): the one place where those words are matched.
 */
export function conditionFromText(text: string): ServiceCondition | undefined {
  if (LICENCE_NOT_SEEN_TEXT.test(text)) return "licenceNotSeen";
  return USAGE_LOCATION_NOT_SEEN_TEXT.test(text) ? "usageLocationNotSeen" : undefined;
}

/** The kind of an HTTP status. */
export function kindFromStatus(status: number): ErrorKind {
  if (status === 429) return "throttled";
  return status >= 500 ? "transient" : "permanent";
}

/** The kind: as given where raised, else our code's (ERROR_KINDS), else the status, else the outside words. */
function kindOf(d: TenantErrorDetails): ErrorKind {
  if (d.kind) return d.kind;
  if (d.code) return ERROR_KINDS[d.code];
  if (d.status !== undefined && d.status > 0) return kindFromStatus(d.status);
  return kindFromText(`${d.serviceCode ?? ""} ${d.reason}`);
}

/** An error from the tenant or from waiting on it: operation, resource, status, code, request id and hint. */
export class TenantError extends Error {
  readonly operation: string;
  readonly resource?: string;
  readonly reason: string;
  readonly status?: number;
  /** Our code when we raised it, else the service's code (what the message shows). */
  readonly code?: string;
  readonly errorCode?: ErrorCode;
  readonly serviceCode?: string;
  readonly kind: ErrorKind;
  readonly condition?: ServiceCondition;
  readonly permission?: string;
  readonly requestId?: string;
  readonly hint?: string;
  readonly retryAfterMs?: number;
  /** Set by `withPartialState`: the engine records this id and properties (the object exists). */
  id?: string;
  /** Outputs to record together with `id` when the object exists but the step failed. */
  properties?: object;
  /**
   * What the engine shows for a resource that exists but failed to initialise: the dynamic
   * provider reports an init failure with these reasons only (not the message), so without them
   * the user sees a bare "resource init failed".
   */
  reasons?: string[];

  constructor(details: TenantErrorDetails) {
    const reason = redact(details.reason);
    const code = details.code ?? details.serviceCode;
    const tags = [
      details.status !== undefined || code
        ? [details.status, code].filter((x) => x !== undefined && x !== "").join(" ")
        : "",
      details.requestId ? `request-id ${details.requestId}` : "",
    ].filter((s) => s !== "");
    const hint = details.hint ? ` ${details.hint}` : "";
    const said = reason.replace(/[.\s]+$/, "");
    super(`${details.operation}: ${said}${tags.length ? ` (${tags.join(", ")})` : ""}.${hint}`);
    this.name = "TenantError";
    this.operation = details.operation;
    this.resource = details.resource;
    this.reason = reason;
    this.status = details.status;
    this.code = code;
    this.errorCode = details.code;
    this.serviceCode = details.serviceCode;
    this.kind = kindOf(details);
    this.condition = details.condition;
    this.permission = details.permission;
    this.requestId = details.requestId;
    this.hint = details.hint;
    this.retryAfterMs = details.retryAfterMs;
    if (details.cause !== undefined) Object.defineProperty(this, "cause", { value: details.cause, enumerable: false });
  }

  /** True when we raised this error with `code`. */
  is(code: ErrorCode): boolean {
    return this.errorCode === code;
  }

  /** The fields this error was built from. */
  details(): TenantErrorDetails {
    return {
      operation: this.operation,
      resource: this.resource,
      reason: this.reason,
      status: this.status,
      code: this.errorCode,
      serviceCode: this.serviceCode,
      kind: this.kind,
      condition: this.condition,
      permission: this.permission,
      requestId: this.requestId,
      hint: this.hint,
      retryAfterMs: this.retryAfterMs,
      cause: (this as { cause?: unknown }).cause,
    };
  }
}

/** True for a TenantError (optionally: one we raised with `code`). */
export function isTenantError(e: unknown, code?: ErrorCode): e is TenantError {
  return e instanceof TenantError && (code === undefined || e.errorCode === code);
}

/** Replaces anything that looks like a bearer token or JWT, so a message can be shown or logged. */
export function redact(text: string): string {
  return text
    .replace(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, "<redacted-token>")
    .replace(/(bearer\s+)[A-Za-z0-9._~+/=-]{16,}/gi, "$1<redacted>");
}

/**
 * Runs one step against the tenant; a TenantError it raises is re-told as `operation` on
 * `resource` (with a known hint when there is one). Other errors become TenantErrors too.
 */
export async function during<T>(
  operation: string,
  resource: string | undefined,
  step: () => Promise<T>,
  hint?: string,
): Promise<T> {
  try {
    return await step();
  } catch (e) {
    throw asTenantError(e, operation, resource, hint);
  }
}

/** Turns anything thrown into a TenantError described as `operation`. */
export function asTenantError(e: unknown, operation: string, resource?: string, hint?: string): TenantError {
  if (e instanceof TenantError) {
    // Keep the inner operation's reason, tell it from the caller's side.
    const d = explain({ ...e.details(), hint: hint ?? e.hint });
    return new TenantError({ ...d, operation, resource: resource ?? e.resource });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new TenantError(explain({ operation, resource, reason: message, hint, cause: e }));
}

/** Marks an error so the engine records the object that exists despite the failure (ErrorResourceInitFailed). */
export function withPartialState(e: unknown, id: string, properties: object): TenantError {
  const err = e instanceof TenantError ? e : asTenantError(e, "provisioning");
  err.id = id;
  err.properties = properties;
  err.reasons = [err.message];
  return err;
}
