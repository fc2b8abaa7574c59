/**
 * Azure Resource Manager's errors, all made here: the status, `error.code` and message of each
 * failure the ARM subset reports, in ARM's envelope `{"error":{"code","message"}}`
 * (common-types ErrorResponse). Sources per error: emulator/FIDELITY.md ("Azure Resource Manager").
 */

/** An ARM error (rendered by `body()`). */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** ARM's error envelope. */
  body(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

const bad = (code: string, message: string): ArmError => new ArmError(400, code, message);

/** The one factory of ARM errors. */
export const armErrors = {
  // ── request ──
  /** Any request without `api-version` (field reports quote this text for every RP). */
  missingApiVersion: () =>
    bad("MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."),
  /** An `api-version` that is not a date version (`YYYY-MM-DD[-preview]`), or given twice. */
  invalidApiVersion: (given: string, supported: readonly string[]) =>
    bad(
      "InvalidApiVersionParameter",
      `The api-version '${given}' is invalid. The supported versions are '${supported.join(",")}'.`,
    ),
  /** A well-formed `api-version` the resource type does not support. */
  unsupportedApiVersion: (given: string, type: string, supported: readonly string[], locations: readonly string[]) =>
    bad(
      "NoRegisteredProviderFound",
      `No registered resource provider found for location 'global' and API version '${given}' for type '${type}'. The supported api-versions are '${supported.join(", ")}'. The supported locations are '${locations.join(", ")}'.`,
    ),
  /** A query parameter the operation does not define (the emulator's rule: applied or refused, never ignored). */
  unsupportedQueryParameter: (name: string) =>
    bad("UnsupportedQueryParameter", `The query parameter '${name}' is not supported by this operation.`),
  /** A body that is not a JSON object, a required member missing, or a member of the wrong type. */
  invalidRequestContent: (detail: string) =>
    bad("InvalidRequestContent", `The request content was invalid and could not be deserialized: '${detail}'.`),
  locationRequired: () => bad("LocationRequired", "The location property is required for this definition."),
  /** A create-only property changed by an update. */
  propertyChangeNotAllowed: (property: string) =>
    bad("PropertyChangeNotAllowed", `Changing property '${property}' is not allowed.`),
  /** A value outside the property's documented enum or format. */
  invalidProperty: (property: string, value: unknown, expected: string) =>
    bad("InvalidParameter", `The value '${String(value)}' of property '${property}' is invalid. ${expected}`),
  invalidResourceName: (name: string) =>
    bad(
      "InvalidResourceName",
      `The resource name '${name}' is invalid. It must be 2 to 64 characters: letters, digits, '_', '.' and '-', starting with a letter or digit.`,
    ),
  /** The body's channel name differs from the URL's. */
  channelNameMismatch: (body: string, url: string) =>
    bad(
      "InvalidParameter",
      `The channel name in the request body ('${body}') does not match the channel name in the URL ('${url}').`,
    ),
  unknownChannelName: (name: string, known: readonly string[]) =>
    bad("InvalidParameter", `'${name}' is not a valid channel name. Valid channel names are: ${known.join(", ")}.`),

  // ── routing ──
  noSuchOperation: (method: string, path: string) =>
    new ArmError(
      404,
      "NotFound",
      `No HTTP resource was found that matches the request URI '${path}' for method '${method}'.`,
    ),
  methodNotAllowed: (method: string) =>
    new ArmError(405, "MethodNotAllowed", `The requested resource does not support http method '${method}'.`),

  // ── authentication and authorisation ──
  noAuthorization: () =>
    new ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."),
  invalidToken: () => new ArmError(401, "InvalidAuthenticationToken", "The access token is invalid."),
  expiredToken: (expUtc: string, nowUtc: string) =>
    new ArmError(
      401,
      "ExpiredAuthenticationToken",
      `The access token expiry UTC time '${expUtc}' is earlier than current UTC time '${nowUtc}'.`,
    ),
  wrongAudience: (aud: string, allowed: readonly string[]) =>
    new ArmError(
      401,
      "InvalidAuthenticationTokenAudience",
      `The access token has been obtained for wrong audience or resource '${aud}'. It should exactly match with one of the allowed audiences ${allowed.map((a) => `'${a}'`).join(",")}.`,
    ),
  wrongTenant: (issuer: string) =>
    new ArmError(
      401,
      "InvalidAuthenticationTokenTenant",
      `The access token is from the wrong issuer '${issuer}'. It must match the tenant associated with this subscription.`,
    ),
  /** azure-docs role-based-access-control/troubleshooting.md (the AuthorizationFailed text). */
  authorizationFailed: (appId: string, objectId: string, action: string, scope: string) =>
    new ArmError(
      403,
      "AuthorizationFailed",
      `The client '${appId}' with object id '${objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    ),

  // ── not found / conflict ──
  subscriptionNotFound: (id: string) =>
    new ArmError(404, "SubscriptionNotFound", `The subscription '${id}' could not be found.`),
  resourceGroupNotFound: (name: string) =>
    new ArmError(404, "ResourceGroupNotFound", `Resource group '${name}' could not be found.`),
  /** azure-docs error-not-found.md. */
  resourceNotFound: (type: string, name: string, resourceGroup: string) =>
    new ArmError(
      404,
      "ResourceNotFound",
      `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    ),
  /** azure-docs error-parent-resource.md. */
  parentResourceNotFound: (parent: string) =>
    new ArmError(
      404,
      "ParentResourceNotFound",
      `Can not perform requested operation on nested resource. Parent resource '${parent}' not found.`,
    ),
  botNameTaken: (name: string) => new ArmError(409, "Conflict", `The bot name '${name}' is already taken.`),
  appIdTaken: () =>
    new ArmError(409, "Conflict", "The Microsoft App ID is already registered to another bot application."),

  /** An emulator bug: names no internals. */
  internal: () => new ArmError(500, "InternalServerError", "Encountered internal server error. Please try again."),
};
