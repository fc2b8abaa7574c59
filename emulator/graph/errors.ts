/**
 * Graph's errors, all made here: the status, the `error.code` and the message of each failure the
 * emulator reports, in Graph's envelope `{"error":{"code","message","innerError":{…}}}`.
 * Sources per error: emulator/FIDELITY.md.
 */

/** A Graph error (rendered by `graphErrorBody`); `inner` adds members to `innerError` where Graph sends them. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly inner: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Graph's error envelope, with the request's ids. */
export function graphErrorBody(
  e: { code: string; message: string; inner?: Record<string, string> },
  requestId: string,
  clientRequestId?: string,
) {
  return {
    error: {
      code: e.code,
      message: e.message,
      innerError: {
        ...(e.inner ?? {}),
        date: new Date().toISOString().replace(/\.\d+Z$/, ""),
        "request-id": requestId,
        "client-request-id": clientRequestId ?? requestId,
      },
    },
  };
}

const bad = (message: string): GraphError => new GraphError(400, "BadRequest", message);
const directoryBad = (message: string): GraphError => new GraphError(400, "Request_BadRequest", message);
const unsupported = (message: string): GraphError => new GraphError(400, "Request_UnsupportedQuery", message);
/** ASP.NET OData's option names ("$top" → "Top", "$skiptoken" → "SkipToken"), as its messages spell them. */
const ODATA_OPTION_NAMES: Record<string, string> = { $skiptoken: "SkipToken", $orderby: "OrderBy" };
const odataName = (option: string): string =>
  ODATA_OPTION_NAMES[option] ?? option.charAt(1).toUpperCase() + option.slice(2);

/** The one factory of Graph errors. */
export const graphErrors = {
  // ── request and routing ──
  /** A path segment no route knows. */
  unknownSegment: (segment: string) => bad(`Resource not found for the segment '${segment}'.`),
  /** A segment whose percent-encoding is broken. */
  badEscape: (segment: string) =>
    bad(`The request URI is not valid: the segment '${segment}' has a malformed percent-encoding.`),
  /** A query string whose percent-encoding is broken. */
  badQueryEscape: () => bad("The query specified in the URI is not valid: it has a malformed percent-encoding."),
  /** A path whose dot segments lead out of `/v1.0` (`/v1.0/../abcd/users`): the version segment names no version. */
  invalidVersion: (segment: string) => bad(`Invalid version: ${segment}`),
  methodNotAllowed: (method: string) =>
    new GraphError(
      405,
      "Request_BadRequest",
      `Specified HTTP method '${method}' is not allowed for the request target.`,
    ),
  /** Body that is not JSON, or a body without a JSON Content-Type. */
  unreadableJson: () =>
    bad(
      "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
    ),
  emptyPayload: () => bad("Empty Payload. JSON content expected."),
  payloadTooLarge: (limit: string) =>
    new GraphError(413, "RequestEntityTooLarge", `The request body exceeds ${limit}.`),
  /** `/me` under an app-only token. */
  meNeedsDelegated: () => bad("/me request is only valid with delegated authentication flow."),
  badQueryOption: (name: string, raw: string) => bad(`Invalid value '${raw}' for query option '${name}'.`),
  /** `$top=0` (or less): the minimum page size is 1; errors.md's detailed code for it. */
  zeroOrFewerResults: (name: string, raw: string) =>
    new GraphError(
      400,
      "BadRequest",
      `Invalid value '${raw}' for query option '${name}'.`,
      {},
      {
        code: "zeroOrFewerResultsRequested",
      },
    ),
  /** A system query option given twice. */
  duplicateQueryOption: (name: string) =>
    bad(`Query option '${name}' was specified more than once, but it must be specified at most once.`),
  /** A `$`-prefixed name that is no OData system query option. */
  unknownQueryOption: (name: string) => bad(`The query parameter '${name}' is not supported.`),
  /** Directory objects: an option the operation does not support (field reports: `'$skip'` on /users). */
  directoryOptionNotSupported: (name: string) => directoryBad(`'${name}' is not supported by the service.`),
  /** Workloads behind ASP.NET OData (Teams, Intune): an option the operation does not allow. */
  optionNotAllowed: (name: string) => {
    const detail = `Query option '${odataName(name)}' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.`;
    return new GraphError(400, "", `The query specified in the URI is not valid. ${detail}`, {}, { message: detail });
  },
  unsupportedQuery: (detail: string) => unsupported(detail),
  /** A query that needs the advanced query parameters (ConsistencyLevel: eventual and $count=true) without them. */
  needsAdvancedQuery: () => unsupported("Unsupported Query."),
  /** `$search` on directory objects without ConsistencyLevel: eventual (aad-advanced-queries.md). */
  searchNeedsEventual: () =>
    unsupported(
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
    ),
  /** A malformed `$search` expression. */
  badSearch: (detail: string) => unsupported(`Syntax error: ${detail}`),
  /** A page token of an eventual-consistency query presented without the header (or a forged one). */
  invalidPageToken: () => unsupported("Unable to execute query; invalid page token specified."),
  /** `/$count` segment without ConsistencyLevel: eventual (aad-advanced-queries.md). */
  countNeedsEventual: () => directoryBad("$count is not currently supported."),
  /** A filter operator the property does not support on directory objects. */
  unsupportedFilterClause: (property: string, type: string) =>
    unsupported(
      `Unsupported or invalid query filter clause specified for property '${property}' of resource '${type}'.`,
    ),
  /** Sorting a directory collection by a property (or in a query) that does not support it. */
  sortNotSupported: () => unsupported("Sorting not supported for current query."),
  /** `$expand` in an advanced query, or of more than one relationship. */
  expandNotSupported: (detail: string) => unsupported(detail),
  notImplemented: (detail: string) => new GraphError(501, "NotImplemented", detail),
  invalidFilter: (detail: string) => bad(`Invalid filter clause: ${detail}`),
  unknownProperty: (name: string, type: string) =>
    directoryBad(`Could not find a property named '${name}' on type '${type}'.`),

  // ── authentication and authorisation ──
  unauthenticated: (message: string) => new GraphError(401, "InvalidAuthenticationToken", message),
  forbidden: () =>
    new GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."),

  // ── injected faults ──
  /** throttling.md's sample response. */
  throttled: (retryAfterSeconds: number) =>
    new GraphError(
      429,
      "TooManyRequests",
      "Please retry again later.",
      { "retry-after": String(retryAfterSeconds) },
      { code: "429", message: "Please retry after", status: "429" },
    ),
  /** errors.md: code and detailed innerError code serviceNotAvailable. */
  unavailable: () =>
    new GraphError(
      503,
      "serviceNotAvailable",
      "The service is temporarily unavailable. Please retry later.",
      { "retry-after": "1" },
      { code: "serviceNotAvailable" },
    ),
  internal: () => new GraphError(500, "generalException", "An unexpected error occurred."),

  // ── directory (users, licences, service principals, applications) ──
  /** A directory object (user, service principal, application) that is not there. */
  objectNotFound: (id: string) =>
    new GraphError(
      404,
      "Request_ResourceNotFound",
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    ),
  directoryBadRequest: directoryBad,
  invalidUserValue: (property: string) =>
    directoryBad(`Invalid value specified for property '${property}' of resource 'User'.`),
  readOnlyProperty: (property: string) =>
    directoryBad(`Property '${property}' is read-only and cannot be set on resource 'User'.`),
  invalidLicense: (skuId: string) => directoryBad(`License ${skuId} does not correspond to a valid company License.`),
  noSuchUserLicense: () => directoryBad("User does not have a corresponding license."),
  invalidUsageLocation: () => directoryBad("License assignment cannot be done for user with invalid usage location."),
  noSeatsLeft: (skuId: string) => directoryBad(`Subscription with SKU ${skuId} does not have any available licenses.`),

  // ── Teams telephone numbers ──
  missingParameter: (name: string, action: string) =>
    bad(`The parameter '${name}' is required for the action '${action}'.`),
  notAString: (name: string) => bad(`The parameter '${name}' must be a string.`),
  unknownParameter: (name: string, action: string) =>
    bad(`The parameter '${name}' in the request payload is not a valid parameter for the operation '${action}'.`),
  badEnum: (raw: string, type: string) =>
    bad(`Cannot convert the literal '${raw}' to the expected type 'microsoft.graph.teamsAdministration.${type}'.`),
  badNumber: (raw: string) => bad(`Telephone number '${raw}' is not a valid E.164 number.`),
  numberNotInTenant: (message: string) => bad(message),
  topTooLarge: (top: number) =>
    bad(`The limit of '1000' for Top query has been exceeded. The value from the incoming request is '${top}'.`),
  numberAssignmentNotFound: (id: string) =>
    new GraphError(404, "NotFound", `The numberAssignment '${id}' was not found.`),
  operationNotFound: (id: string) => new GraphError(404, "NotFound", `The operation '${id}' was not found.`),

  // ── $batch ──
  /** A malformed batch (the whole batch is a 400). */
  badBatch: (message: string) => bad(message),
  batchIdsNotUnique: (id: string) => bad(`Batch request ids must be unique; '${id}' appears more than once.`),
  tooManyBatchSteps: (max: number) => bad(`Number of batch request steps exceeds the maximum of ${max}.`),
  failedDependency: (detail: string) => new GraphError(424, "FailedDependency", detail),
};
