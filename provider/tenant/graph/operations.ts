/**
 * Graph long-running operations: an action answered 202 + Location is polled until the
 * operation succeeded, failed or was skipped (bounded).
 */
import { waitFor } from "../../consistency";
import { conditionFromText, TenantError } from "../../errors";
import { parseRetryAfterMs, sleep } from "../../retry";
import type { GraphClient } from "./client";

interface WireOperation {
  id?: string;
  status?: string;
  numbers?: { status?: string; statusDetail?: string | null }[];
}

/** One action to run to its end. */
export interface OperationRequest {
  /** What is being done, for progress lines, e.g. "assigning +14255550100". */
  what: string;
  path: string;
  body: unknown;
  permission: string;
  resource: string;
  pollIntervalMs: number;
  timeoutMs: number;
}

/** POSTs an action that answers 202 + Location, then polls the operation until it ends. */
export async function runOperation(graph: GraphClient, r: OperationRequest): Promise<void> {
  const response = await graph.postForResponse(r.path, r.body, r.permission);
  if (response.status !== 202) return; // done synchronously
  const location = response.headers.get("Location") ?? response.headers.get("Operation-Location");
  if (!location) {
    throw new TenantError({
      operation: `POST ${r.path}`,
      status: response.status,
      reason: "the service accepted the request but sent no Location to follow",
    });
  }
  const operationPath = graph.relativePath(location);
  const firstDelayMs = parseRetryAfterMs(response.headers.get("Retry-After")) ?? r.pollIntervalMs;
  // Give the service the pause it asked for (bounded) before the first look.
  await sleep(Math.min(firstDelayMs, 5_000));
  const final = await waitFor<WireOperation>({
    what: `the tenant to finish ${r.what}`,
    resource: r.resource,
    timeoutMs: r.timeoutMs,
    intervalMs: r.pollIntervalMs,
    confirmations: 1,
    check: async () => {
      const raw = await graph.request<WireOperation & { value?: WireOperation }>("GET", operationPath, {
        permission: r.permission,
      });
      const op = raw.value && !raw.status ? raw.value : raw;
      const status = op.status ?? "unknown";
      return { done: status === "succeeded" || status === "failed" || status === "skipped", status, value: op };
    },
  });
  if (final?.status === "failed") {
    const detail = final.numbers
      ?.map((n) => n.statusDetail)
      .filter((d): d is string => !!d)
      .join("; ");
    throw new TenantError({
      operation: `POST ${r.path}`,
      code: "OperationFailed",
      kind: "permanent",
      condition: detail ? conditionFromText(detail) : undefined,
      reason: detail || `operation ${final.id ?? ""} failed without details`,
    });
  }
}
