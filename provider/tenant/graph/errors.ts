/**
 * The one reader of Graph's error envelope (`{ error: { code, message, innerError: { request-id } } }`),
 * for a Graph client error, an inner `$batch` response and a raw response alike.
 */
import { GraphError } from "@microsoft/microsoft-graph-client";

import { conditionFromText, TenantError, type ErrorKind } from "../../errors";
import { parseRetryAfterMs } from "../../retry";

/** What a failed Graph call said. */
export interface GraphFailure {
  status?: number;
  /** The body: Graph's envelope as an object or JSON text, or any text. */
  body?: unknown;
  /** A response header by name (case-insensitive). */
  header?: (name: string) => string | null | undefined;
  /** The Retry-After header, when `header` is not given. */
  retryAfter?: string | null;
  /** Code / message / request id the Graph client already read, if any. */
  code?: string | null;
  message?: string;
  requestId?: string | null;
  /** The permission the call needs (for a 403's hint). */
  permission?: string;
  /** Set where the kind is known beyond the status (network failure). */
  kind?: ErrorKind;
  cause?: unknown;
}

interface Envelope {
  code?: string;
  message?: string;
  innerError?: { "request-id"?: string };
}

/** The envelope's fields from an object or JSON text (`{ error: … }` or the error itself). */
function envelope(body: unknown): { envelope: Envelope; text: string | undefined } {
  let value = body;
  const text = typeof body === "string" ? body : undefined;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return { envelope: {}, text };
    }
  }
  const obj = (value ?? {}) as { error?: Envelope } & Envelope;
  return { envelope: obj.error ?? obj, text };
}

/** A TenantError from what a failed Graph call said. */
export function graphError(operation: string, f: GraphFailure): TenantError {
  const { envelope: env, text } = envelope(f.body);
  const status = f.status !== undefined && f.status > 0 ? f.status : undefined;
  const message = f.message || env.message || text;
  return new TenantError({
    operation,
    status,
    serviceCode: f.code ?? env.code ?? undefined,
    requestId: f.requestId ?? env.innerError?.["request-id"] ?? f.header?.("request-id") ?? undefined,
    reason: message || (status ? `HTTP ${status}` : "the request failed"),
    retryAfterMs: parseRetryAfterMs(f.header ? f.header("retry-after") : f.retryAfter),
    permission: f.permission,
    kind: f.kind,
    condition: message ? conditionFromText(message) : undefined,
    cause: f.cause,
  });
}

/** Maps what the Graph client threw (a GraphError, or a network failure) to a TenantError. */
export function fromGraphClientError(operation: string, e: unknown, permission?: string): TenantError {
  if (e instanceof TenantError) return e;
  if (e instanceof GraphError) {
    return graphError(operation, {
      status: e.statusCode,
      body: e.body,
      retryAfter: e.headers?.get?.("Retry-After"),
      code: e.code,
      message: e.message,
      requestId: e.requestId,
      permission,
      // No status: the request never got an answer (network).
      kind: e.statusCode > 0 ? undefined : "transient",
      cause: e,
    });
  }
  return new TenantError({ operation, reason: e instanceof Error ? e.message : String(e), permission, cause: e });
}

/** A TenantError from a raw (non-2xx) response. */
export async function fromResponse(operation: string, response: Response, permission?: string): Promise<TenantError> {
  const text = await response.text().catch(() => "");
  return graphError(operation, {
    status: response.status,
    body: text,
    header: (name) => response.headers.get(name),
    permission,
  });
}

/** A TenantError from one failed inner response of a `$batch`. */
export function fromBatchItem(
  operation: string,
  item: { status: number; headers?: Record<string, string>; body?: unknown },
  permission?: string,
): TenantError {
  const header = (name: string): string | undefined => {
    const key = Object.keys(item.headers ?? {}).find((k) => k.toLowerCase() === name);
    return key === undefined ? undefined : item.headers![key];
  };
  return graphError(operation, { status: item.status, body: item.body ?? {}, header, permission });
}
