/** Error factory: each service's real error shape, in one place. */
import * as crypto from "crypto";

/** A Graph error (`{"error":{"code","message","innerError"}}`). */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Builds Graph's error envelope. */
export function graphErrorBody(
  code: string,
  message: string,
  requestId: string,
  clientRequestId: string | undefined,
): object {
  return {
    error: {
      code,
      message,
      innerError: {
        date: new Date().toISOString().replace(/\.\d+Z$/, ""),
        "request-id": requestId,
        "client-request-id": clientRequestId ?? requestId,
      },
    },
  };
}

/** Graph 404 for an unknown user (the documented text). */
export function userNotFound(id: string): GraphError {
  return new GraphError(
    404,
    "Request_ResourceNotFound",
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

/** Graph 400 Request_BadRequest. */
export function badRequest(message: string): GraphError {
  return new GraphError(400, "Request_BadRequest", message);
}

/** Graph 403 for a missing app role; names nothing secret. */
export function forbidden(): GraphError {
  return new GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
}

/** Graph 401 for a missing/invalid token. */
export function unauthenticated(message: string): GraphError {
  return new GraphError(401, "InvalidAuthenticationToken", message);
}

/** An Entra token endpoint error (`AADSTSnnnn: …`). */
export class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    description: string,
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
      error_description: `${this.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${ts}`,
      error_codes: [this.aadsts],
      timestamp: ts,
      trace_id: traceId,
      correlation_id: correlationId,
    };
  }
}

/** A Teams cmdlet failure as PowerShell reports it. */
export class CmdletError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fullyQualifiedErrorId: string,
    readonly category = "InvalidOperation",
    readonly exceptionType = "System.Exception",
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The JSON body of the Teams admin endpoint. */
  body(): object {
    return {
      error: {
        message: this.message,
        fullyQualifiedErrorId: this.fullyQualifiedErrorId,
        category: this.category,
        exceptionType: this.exceptionType,
      },
    };
  }
}

/** The service's BadRequest for a cmdlet (`BadRequest,Microsoft.Teams.ConfigAPI.Cmdlets.<Cmdlet>`). */
export function cmdletBadRequest(cmdlet: string, message: string, status = 400): CmdletError {
  return new CmdletError(
    status,
    message,
    `BadRequest,Microsoft.Teams.ConfigAPI.Cmdlets.${cmdlet.replace(/-/g, "")}`,
    "InvalidOperation",
    "Microsoft.Teams.ConfigAPI.Cmdlets.Generated.Runtime.RestException",
  );
}
