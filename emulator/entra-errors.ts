/**
 * Entra's token-endpoint errors, all made here: the OAuth `error`, the `AADSTSnnnn` code and its
 * text, in the documented body (`error`, `error_description`, `error_codes`, `timestamp`,
 * `trace_id`, `correlation_id`). Sources per error: emulator/FIDELITY.md.
 */
import * as crypto from "crypto";

/** An Entra token endpoint error (`AADSTSnnnn: …`). */
export class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`AADSTS${aadsts}: ${description}`);
  }

  /** The JSON body Entra returns. */
  body(): object {
    const traceId = crypto.randomUUID();
    const correlationId = crypto.randomUUID();
    const ts = new Date()
      .toISOString()
      .replace("T", " ")
      .replace(/\.\d+Z$/, "Z");
    return {
      error: this.error,
      error_description: `${this.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${ts}`,
      error_codes: [this.aadsts],
      timestamp: ts,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${this.aadsts}`,
    };
  }
}

const missing = (parameter: string): EntraError =>
  new EntraError(
    400,
    "invalid_request",
    900144,
    `The request body must contain the following parameter: '${parameter}'.`,
  );
const invalidClient = (aadsts: number, text: string): EntraError => new EntraError(401, "invalid_client", aadsts, text);

/** The one factory of Entra errors. */
export const entraErrors = {
  tenantNotFound: (tenant: string) =>
    new EntraError(
      400,
      "invalid_request",
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  missingParameter: missing,
  unsupportedGrant: (grant: string) =>
    new EntraError(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grant}'.`),
  unknownApp: (clientId: string, tenantName: string) =>
    new EntraError(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  invalidScope: (scope: string) =>
    new EntraError(
      400,
      "invalid_scope",
      70011,
      `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
    ),
  /** Scopes of more than one resource (reference-error-codes.md: InvalidMultipleResourcesScope). */
  multipleResources: (scope: string) =>
    new EntraError(
      400,
      "invalid_scope",
      700022,
      `The provided value for the input parameter scope isn't valid because it contains more than one resource. The scope ${scope} isn't valid.`,
    ),
  unknownResource: (resource: string, tenantName: string) =>
    new EntraError(
      400,
      "invalid_resource",
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
  badSecret: (clientId: string) =>
    invalidClient(
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    ),
  noCredential: () =>
    invalidClient(
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
  malformedAssertion: () => invalidClient(50027, "JWT token is invalid or malformed."),
  assertionAlgorithm: (alg: string) =>
    invalidClient(
      700027,
      `Client assertion failed signature validation. [Reason - The algorithm '${alg}' is not supported.]`,
    ),
  unknownKey: (thumbprint: string, clientId: string) =>
    invalidClient(
      700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'.]`,
    ),
  badSignature: () => invalidClient(700027, "Client assertion failed signature validation."),
  assertionSubject: () =>
    invalidClient(
      700021,
      "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .",
    ),
  assertionAudience: (got: string, expected: string) =>
    invalidClient(
      50013,
      `Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '${got}' and the expected audience is '${expected}'.`,
    ),
  assertionTime: (detail: string) =>
    invalidClient(700024, `Client assertion is not within its valid time range. ${detail}`),
  transient: (status: number, retryAfterSeconds?: number) =>
    new EntraError(
      status,
      "temporarily_unavailable",
      90033,
      "A transient error has occurred. Please try again.",
      retryAfterSeconds === undefined ? {} : { "retry-after": String(retryAfterSeconds) },
    ),
  /** Workload identity federation (emulator/federation.ts): the app has no federated credential. */
  noFederatedCredentials: (clientId: string) =>
    new EntraError(
      400,
      "invalid_client",
      70025,
      `Client application has no configured federated identity credentials. App id '${clientId}'.`,
    ),
  /** No federated credential matches the presented token's issuer (700211), subject (700213) or audience (700212). */
  federatedMismatch: (aadsts: 700211 | 700212 | 700213, what: "issuer" | "subject" | "audience", value: string) =>
    new EntraError(
      400,
      "invalid_client",
      aadsts,
      `No matching federated identity record found for presented assertion ${what} '${value}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation`,
    ),
  /** The presented token's issuer publishes no keys the emulator can read. */
  federatedKeysUnavailable: (issuer: string) =>
    invalidClient(
      700027,
      `Client assertion failed signature validation. [Reason - The signing keys of issuer '${issuer}' could not be retrieved.]`,
    ),
  /** A request the endpoint cannot read (e.g. an undecodable tenant segment). */
  unreadableRequest: () =>
    new EntraError(
      400,
      "invalid_request",
      900144,
      "The request could not be read: a path segment or the body is malformed.",
    ),
  onlyClientCredentials: () =>
    new EntraError(400, "unsupported_response_type", 70049, "The emulator supports only the client credentials flow."),
};
