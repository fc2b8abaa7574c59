/**
 * The one error type the provider raises for anything the tenant (or a wait on it) refused.
 * Messages read "<operation>: <reason> (<status> <code>, request-id <id>). <hint>" and never
 * carry secrets: every text that came from outside goes through `redact`.
 */

/** What a TenantError knows. */
export interface TenantErrorDetails {
  /** What we were doing, with the object named, e.g. "assigning number +14255550100 to bot@contoso.com". */
  operation: string;
  /** Short label of the Pulumi resource or tenant object, e.g. "BotPhoneNumber bot@contoso.com/+14255550100". */
  resource?: string;
  /** What went wrong, in words. */
  reason: string;
  /** HTTP status (Graph) when there was one. */
  status?: number;
  /** Service error code: Graph `error.code`, PowerShell FullyQualifiedErrorId, or a local code. */
  code?: string;
  /** Graph `innerError.request-id`, for support tickets. */
  requestId?: string;
  /** What to do about it. */
  hint?: string;
  /** Milliseconds the service asked us to wait before retrying (`Retry-After`). */
  retryAfterMs?: number;
  /** The original error, kept for debugging (not part of the message). */
  cause?: unknown;
}

/** An error from the tenant or from waiting on it: operation, resource, status, code, request id and hint. */
export class TenantError extends Error {
  readonly operation: string;
  readonly resource?: string;
  readonly reason: string;
  readonly status?: number;
  readonly code?: string;
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
    const tags = [
      details.status !== undefined || details.code
        ? [details.status, details.code].filter((x) => x !== undefined && x !== "").join(" ")
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
    this.code = details.code;
    this.requestId = details.requestId;
    this.hint = details.hint;
    this.retryAfterMs = details.retryAfterMs;
    if (details.cause !== undefined) Object.defineProperty(this, "cause", { value: details.cause, enumerable: false });
  }

  /** The same error told from a caller's point of view (new operation / resource / hint). */
  relabel(operation: string, resource?: string, hint?: string): TenantError {
    return new TenantError({
      ...this.details(),
      operation,
      resource: resource ?? this.resource,
      hint: hint ?? this.hint,
    });
  }

  /** The fields this error was built from. */
  details(): TenantErrorDetails {
    return {
      operation: this.operation,
      resource: this.resource,
      reason: this.reason,
      status: this.status,
      code: this.code,
      requestId: this.requestId,
      hint: this.hint,
      retryAfterMs: this.retryAfterMs,
      cause: (this as { cause?: unknown }).cause,
    };
  }
}

/** Replaces anything that looks like a bearer token or JWT, so a message can be shown or logged. */
export function redact(text: string): string {
  return text
    .replace(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, "<redacted-token>")
    .replace(/(bearer\s+)[A-Za-z0-9._~+/=-]{16,}/gi, "$1<redacted>");
}

/** A known failure: how to recognise it (code or message), and how to explain and fix it. */
interface KnownFailure {
  match: RegExp;
  reason?: string;
  hint: string;
}

/**
 * Failures seen in real tenants (reference/tenant-api.md §1.10, §3) with the fix we suggest.
 * Matched against "<code> <message>"; first match wins.
 */
const KNOWN_FAILURES: KnownFailure[] = [
  {
    match: /already (been )?assigned|assigned to another/i,
    reason: "the number is already assigned to another account",
    hint: "Unassign it first or choose another number.",
  },
  {
    match: /invalid usage location/i,
    hint: "Set usageLocation on the ApplicationInstance (an ISO 3166 code such as US) before licensing it.",
  },
  {
    match: /does not have any available licenses|CountViolation/i,
    hint: "Free a seat or add seats to the subscription in the Microsoft 365 admin center, then rerun `pulumi up`.",
  },
  {
    match: /not found from tenant/i,
    hint: "Check that the number is acquired in this tenant and that numberType (CallingPlan | DirectRouting | OperatorConnect) matches it.",
  },
  {
    match: /does not have required capabilities/i,
    hint: "Only service numbers with the VoiceApplicationAssignment capability can go on a resource account; choose such a number.",
  },
  {
    match: /lacks appropriate licen[cs]es|user '[^']*' is not found/i,
    hint: "The account is not licensed (or not replicated) yet: make the BotPhoneNumber depend on its VirtualUserLicense with waitForProvisioning, then rerun `pulumi up`.",
  },
  {
    match: /same key has already been added/i,
    hint: "The instance is already mapped to another application; the provider resets the mapping with the zero GUID and syncs again.",
  },
  {
    match: /^(401|InvalidAuthenticationToken|invalid_client|unauthorized_client)\b|AADSTS7000215|AADSTS700016/i,
    hint: "Check teams-bot-numbers:tenantId (AZURE_TENANT_ID), teams-bot-numbers:clientId (AZURE_CLIENT_ID) and the credential: teams-bot-numbers:clientSecret (AZURE_CLIENT_SECRET) or the certificate registered on the app, teams-bot-numbers:clientCertificatePath (AZURE_CLIENT_CERTIFICATE_PATH).",
  },
  {
    match: /endpoints_resolution_error/i,
    hint: "Check teams-bot-numbers:tenantId (AZURE_TENANT_ID), and that teams-bot-numbers:authorityHost (AZURE_AUTHORITY_HOST) is right and reachable from here (and trusted: NODE_EXTRA_CA_CERTS for a private CA).",
  },
  {
    match: /ENOTFOUND|ECONNREFUSED|self[- ]signed|unable to verify the first certificate|fetch failed/i,
    hint: "Check that teams-bot-numbers:authorityHost (AZURE_AUTHORITY_HOST) and teams-bot-numbers:graphUrl (TEAMS_GRAPH_URL) are right and reachable from here (and trusted: NODE_EXTRA_CA_CERTS for a private CA).",
  },
  {
    match: /^(403|Authorization_RequestDenied|Forbidden)\b/i,
    hint: "Grant the app registration the Graph permissions (User.ReadWrite.All, Organization.Read.All, TeamsTelephoneNumber.ReadWrite.All) with admin consent, and the Teams Administrator role.",
  },
  {
    match: /^(429|TooManyRequests)\b/i,
    hint: "The tenant is throttling requests; wait a few minutes and rerun `pulumi up`.",
  },
];

/** The Graph application permission each Graph operation needs, by path (least privilege that the provider asks for). */
const GRAPH_PERMISSIONS: Array<[RegExp, string]> = [
  [/^\w+ \/admin\/teams\/telephoneNumberManagement\//, "TeamsTelephoneNumber.ReadWrite.All"],
  [/^GET \/subscribedSkus/, "Organization.Read.All"],
  [/^POST \/users\/[^/]+\/assignLicense/, "User.ReadWrite.All (or LicenseAssignment.ReadWrite.All)"],
  [/^\w+ \/users\b/, "User.ReadWrite.All"],
];

/** Teams cmdlets the provider runs (a 403 from one of them is about the directory role). */
const TEAMS_CMDLET = /^(New|Get|Set|Sync|Remove)-Cs\w+$/;

/** For an access denial: names the permission or role the failed call needs, from its operation. */
function missingPermissionHint(details: TenantErrorDetails): string | undefined {
  const denied = details.status === 403 || /^(Authorization_RequestDenied|Forbidden)\b/i.test(details.code ?? "");
  if (!denied) return undefined;
  if (TEAMS_CMDLET.test(details.operation)) {
    return `The app's service principal lacks the Teams Administrator directory role that ${details.operation} needs: assign it in Microsoft Entra ID > Roles and administrators, then rerun \`pulumi up\`.`;
  }
  const permission = GRAPH_PERMISSIONS.find(([op]) => op.test(details.operation))?.[1];
  if (!permission) return undefined;
  return `The app registration lacks the Microsoft Graph application permission ${permission} that ${details.operation.replace(/\/[0-9a-f-]{36}|\/[^/\s]+(@|%40)[^/\s]+/gi, "/{id}")} needs: add it and grant admin consent, then rerun \`pulumi up\`.`;
}

/** Fills reason/hint of a failure from the table of known failures when the caller gave none. */
export function explain(details: TenantErrorDetails): TenantErrorDetails {
  const permissionHint = details.hint ? undefined : missingPermissionHint(details);
  if (permissionHint) return { ...details, hint: permissionHint };
  const haystack = `${details.status ?? ""} ${details.code ?? ""} ${details.reason}`.trim();
  const known = KNOWN_FAILURES.find(
    (k) =>
      k.match.test(haystack) || k.match.test(details.reason) || (details.code ? k.match.test(details.code) : false),
  );
  if (!known) return details;
  return { ...details, reason: known.reason ?? details.reason, hint: details.hint ?? known.hint };
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
