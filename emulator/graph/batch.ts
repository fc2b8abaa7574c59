/** Graph JSON batching: each inner request goes through dispatchGraph (same auth, roles, faults). */
import * as crypto from "crypto";

import { EmulatorContext } from "../context";
import { GraphError, graphErrorBody } from "../errors";
import { authenticate, dispatchGraph, GraphRequest, GraphResponse } from "./router";

const MAX_REQUESTS = 20;

interface InnerRequest {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

function bad(message: string): GraphError {
  return new GraphError(400, "BadRequest", message);
}

function validate(body: unknown): InnerRequest[] {
  const reqs = (body as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(reqs)) throw bad("Invalid batch payload format: 'requests' must be an array.");
  if (reqs.length === 0) throw bad("Invalid batch payload format: 'requests' is empty.");
  if (reqs.length > MAX_REQUESTS) throw bad(`Number of batch request steps exceeds the maximum of ${MAX_REQUESTS}.`);
  const ids = new Set<string>();
  for (const r of reqs as InnerRequest[]) {
    if (!r || typeof r.id !== "string" || r.id === "")
      throw bad("Invalid batch payload format: every request needs a string 'id'.");
    if (typeof r.method !== "string" || typeof r.url !== "string")
      throw bad(`Invalid batch payload format: request '${r.id}' needs 'method' and 'url'.`);
    if (ids.has(r.id)) throw bad(`Batch request ids must be unique; '${r.id}' appears more than once.`);
    ids.add(r.id);
    if (r.body !== undefined && !Object.keys(r.headers ?? {}).some((h) => h.toLowerCase() === "content-type")) {
      throw bad(`Request '${r.id}' has a body but no Content-Type header.`);
    }
  }
  for (const r of reqs as InnerRequest[]) {
    for (const d of r.dependsOn ?? [])
      if (!ids.has(d)) throw bad(`Request '${r.id}' depends on unknown request '${d}'.`);
  }
  return reqs as InnerRequest[];
}

/** Handles POST /v1.0/$batch. */
export async function handleBatch(ctx: EmulatorContext, outer: GraphRequest): Promise<GraphResponse> {
  const requestId = crypto.randomUUID();
  const crid = outer.headers["client-request-id"];
  const headers = {
    "request-id": requestId,
    "client-request-id": crid ?? requestId,
    "content-type": "application/json",
  };
  let inner: InnerRequest[];
  try {
    authenticate(ctx, outer.headers.authorization);
    inner = validate(outer.body);
  } catch (e) {
    if (!(e instanceof GraphError)) throw e;
    return { status: e.status, headers, body: graphErrorBody(e.code, e.message, requestId, crid) };
  }
  const done = new Map<string, GraphResponse>();
  const responses: { id: string; status: number; headers: Record<string, string>; body?: unknown }[] = [];
  const runOne = async (r: InnerRequest): Promise<GraphResponse> => {
    if ((r.dependsOn ?? []).some((d) => done.get(d)!.status >= 400)) {
      return {
        status: 424,
        headers: {},
        body: graphErrorBody("FailedDependency", "Failed dependency.", requestId, crid),
      };
    }
    const url = new URL(r.url.replace(/^\/?(v1\.0\/)?/, "/"), "https://batch.invalid");
    const innerHeaders: Record<string, string | undefined> = { authorization: outer.headers.authorization };
    for (const [k, v] of Object.entries(r.headers ?? {})) innerHeaders[k.toLowerCase()] = v;
    return dispatchGraph(ctx, {
      method: r.method.toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      headers: innerHeaders,
      body: r.body,
    });
  };
  // Like the service, independent requests run concurrently (order not guaranteed); a request
  // runs only after its dependencies, in waves.
  const pending = [...inner];
  while (pending.length > 0) {
    const ready = pending.filter((r) => (r.dependsOn ?? []).every((d) => done.has(d)));
    if (ready.length === 0) {
      for (const r of pending)
        responses.push({
          id: r.id,
          status: 424,
          headers: {},
          body: graphErrorBody("FailedDependency", "Dependency cycle.", requestId, crid),
        });
      break;
    }
    for (const r of ready) pending.splice(pending.indexOf(r), 1);
    const results = await Promise.all(ready.map(runOne));
    ready.forEach((r, i) => {
      const res = results[i]!;
      done.set(r.id, res);
      responses.push({
        id: r.id,
        status: res.status,
        headers: res.headers,
        ...(res.body !== undefined ? { body: res.body } : {}),
      });
    });
  }
  return { status: 200, headers, body: { responses } };
}
