/**
 * Graph JSON batching (microsoft-graph-docs-contrib concepts/json-batching.md): each inner request
 * goes through dispatchGraph (same auth, roles, faults). A malformed batch is a 400; a parseable one
 * is a 200 whose inner responses carry their own status. Ids are unique case-insensitively, and
 * `dependsOn` refers to them case-insensitively; a failed dependency makes its dependants 424.
 */
import * as crypto from "crypto";

import { EmulatorContext } from "../context";
import { GraphError, graphErrorBody, graphErrors } from "./errors";
import { GraphRequest, GraphResponse } from "./route";
import { authenticate, dispatchGraph } from "./router";

const MAX_REQUESTS = 20;
/** Header names as json-batching.md's example inner responses spell them. */
const INNER_HEADER_NAMES: Record<string, string> = {
  "content-type": "Content-Type",
  "odata-version": "OData-Version",
  "cache-control": "Cache-Control",
  location: "Location",
  "retry-after": "Retry-After",
};
const innerHeaders = (h: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [INNER_HEADER_NAMES[k.toLowerCase()] ?? k, v]));

interface InnerRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  dependsOn: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function validate(body: unknown): InnerRequest[] {
  const bad = graphErrors.badBatch;
  const reqs = isObject(body) ? body.requests : undefined;
  if (!Array.isArray(reqs)) throw bad("Invalid batch payload format: 'requests' must be an array.");
  if (reqs.length === 0) throw bad("Invalid batch payload format: 'requests' is empty.");
  if (reqs.length > MAX_REQUESTS) throw graphErrors.tooManyBatchSteps(MAX_REQUESTS);
  const ids = new Set<string>();
  const out: InnerRequest[] = [];
  for (const [i, r] of reqs.entries()) {
    if (!isObject(r)) throw bad(`Invalid batch payload format: requests[${i}] must be an object.`);
    if (typeof r.id !== "string" || r.id === "")
      throw bad(`Invalid batch payload format: requests[${i}] needs a string 'id'.`);
    if (typeof r.method !== "string" || typeof r.url !== "string")
      throw bad(`Invalid batch payload format: request '${r.id}' needs 'method' and 'url'.`);
    if (ids.has(r.id.toLowerCase())) throw graphErrors.batchIdsNotUnique(r.id);
    ids.add(r.id.toLowerCase());
    if (
      r.headers !== undefined &&
      (!isObject(r.headers) || !Object.values(r.headers).every((v) => typeof v === "string"))
    )
      throw bad(`Invalid batch payload format: request '${r.id}': 'headers' must be an object of strings.`);
    const headers = (r.headers ?? {}) as Record<string, string>;
    if (r.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type"))
      throw bad(`Request '${r.id}' has a body but no Content-Type header.`);
    if (r.dependsOn !== undefined && (!Array.isArray(r.dependsOn) || !r.dependsOn.every((d) => typeof d === "string")))
      throw bad(`Invalid batch payload format: request '${r.id}': 'dependsOn' must be an array of request ids.`);
    out.push({
      id: r.id,
      method: r.method,
      url: r.url,
      headers,
      body: r.body,
      dependsOn: (r.dependsOn ?? []) as string[],
    });
  }
  for (const r of out)
    for (const d of r.dependsOn)
      if (!ids.has(d.toLowerCase())) throw bad(`Request '${r.id}' depends on unknown request '${d}'.`);
  return out;
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
  const failure = (e: GraphError): GraphResponse => ({
    status: e.status,
    headers: { "content-type": "application/json" },
    body: graphErrorBody(e, requestId, crid),
  });
  let inner: InnerRequest[];
  try {
    authenticate(ctx, outer.headers.authorization);
    inner = validate(outer.body);
  } catch (e) {
    if (!(e instanceof GraphError)) throw e;
    return { ...failure(e), headers: { ...headers, ...e.headers } };
  }
  const done = new Map<string, GraphResponse>();
  const runOne = async (r: InnerRequest): Promise<GraphResponse> => {
    if (r.dependsOn.some((d) => done.get(d.toLowerCase())!.status >= 400))
      return failure(graphErrors.failedDependency("Failed dependency."));
    let url: URL;
    try {
      url = new URL(r.url.replace(/^\/?(v1\.0\/)?/, "/"), "https://batch.invalid");
    } catch {
      return failure(graphErrors.badBatch(`Request '${r.id}' has an invalid 'url'.`));
    }
    const innerHeaders: Record<string, string | undefined> = { authorization: outer.headers.authorization };
    for (const [k, v] of Object.entries(r.headers)) innerHeaders[k.toLowerCase()] = v;
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
  const responses: { id: string; status: number; headers: Record<string, string>; body?: unknown }[] = [];
  const pending = [...inner];
  while (pending.length > 0) {
    const ready = pending.filter((r) => r.dependsOn.every((d) => done.has(d.toLowerCase())));
    if (ready.length === 0) {
      for (const r of pending) {
        const f = failure(graphErrors.failedDependency("Dependency cycle."));
        responses.push({ id: r.id, ...f, headers: innerHeaders(f.headers) });
      }
      break;
    }
    for (const r of ready) pending.splice(pending.indexOf(r), 1);
    const results = await Promise.all(ready.map(runOne));
    ready.forEach((r, i) => {
      const res = results[i]!;
      done.set(r.id.toLowerCase(), res);
      responses.push({
        id: r.id,
        status: res.status,
        headers: innerHeaders(res.headers),
        ...(res.body !== undefined ? { body: res.body } : {}),
      });
    });
  }
  return { status: 200, headers, body: { responses } };
}
