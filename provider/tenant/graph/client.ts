/**
 * The Graph client wiring and its requests: msal tokens, the Graph client (its own RetryHandler
 * retries 429/503/504 honouring Retry-After; we add only 500/502 and network failures for
 * idempotent calls), GETs coalesced into `$batch`, paging. Every call names the permission it needs.
 */
import {
  Client,
  GraphError,
  ResponseType,
  RetryHandlerOptions,
  type GraphRequest,
} from "@microsoft/microsoft-graph-client";

import type { TokenSource } from "../../access/tokens";
import { TenantError } from "../../errors";
import { checkWrite } from "../../process-guard";
import { transient, withRetry } from "../../retry";
import type { TenantSettings } from "../../settings";
import { GraphBatcher, type BatchItemResponse } from "./batch";
import { fromGraphClientError, fromResponse } from "./errors";

/**
 * Retries of a throttled (429) or unavailable (503/504) Graph request, by the Graph client and by
 * `$batch` for inner requests. Each waits what Retry-After says; 3 (the client's default) gives up
 * on about 1 request in 120 when 30 % are throttled, 8 on about 1 in 50 000.
 */
export const THROTTLE_RETRIES = 8;

type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** One Graph call: what it sends and the application permission it needs. */
export interface CallOptions {
  permission: string;
  body?: unknown;
  select?: string;
  filter?: string;
}

/** Quotes a value as an OData string literal (single quotes doubled): values travel as data. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** undefined for a 404 (Graph does not know the object), the error otherwise. */
export async function orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof TenantError && e.status === 404) return undefined;
    throw e;
  }
}

/** Requests to one Graph endpoint with one app registration's tokens. */
export class GraphClient {
  private readonly client: Client;
  /** Coalesces concurrent GETs into `$batch`; undefined when batching is off (window 0). */
  readonly batcher: GraphBatcher | undefined;
  /** The last token failure: the Graph client wraps it into a GraphError that keeps only its text. */
  private tokenFailure: unknown;

  constructor(
    private readonly settings: TenantSettings,
    tokens: TokenSource,
    readonly batchWindowMs: number,
  ) {
    this.client = Client.initWithMiddleware({
      authProvider: {
        getAccessToken: async () => {
          try {
            return (await tokens.graphToken()).accessToken;
          } catch (e) {
            this.tokenFailure = e;
            throw e;
          }
        },
      },
      baseUrl: settings.graphUrl,
      defaultVersion: "v1.0",
      customHosts: new Set([new URL(settings.graphUrl).hostname]),
    });
    this.batcher =
      batchWindowMs > 0
        ? new GraphBatcher(
            async (requests) => {
              const body = (await this.api("/$batch").post({ requests })) as { responses?: BatchItemResponse[] };
              return body.responses ?? [];
            },
            { windowMs: batchWindowMs, maxThrottleRetries: THROTTLE_RETRIES },
          )
        : undefined;
  }

  /** One Graph call; GETs/PATCH/DELETE/assignLicense are idempotent and retried on 500/502/network failures. */
  request<T = unknown>(method: Method, path: string, options: CallOptions): Promise<T> {
    const operation = `${method} ${path.split("?")[0]}`;
    const prepared = (): GraphRequest => {
      let req = this.api(path);
      if (options.select) req = req.select(options.select);
      // The Graph client does not encode query values: encode them (a "+" would become a space).
      if (options.filter) req = req.filter(encodeURIComponent(options.filter));
      return req;
    };
    if (method === "GET" && this.batcher) {
      const query: string[] = [];
      if (options.select) query.push(`$select=${options.select}`);
      if (options.filter) query.push(`$filter=${encodeURIComponent(options.filter)}`);
      const url = query.length ? `${path}${path.includes("?") ? "&" : "?"}${query.join("&")}` : path;
      const batcher = this.batcher;
      const single = (): Promise<unknown> => prepared().get();
      return this.call(
        method,
        path,
        options.permission,
        () => batcher.get(url, operation, single, options.permission) as Promise<T>,
      );
    }
    return this.call(method, path, options.permission, () => {
      const req = prepared();
      switch (method) {
        case "GET":
          return req.get();
        case "POST":
          return req.post(options.body ?? {});
        case "PATCH":
          return req.patch(options.body ?? {});
        case "DELETE":
          return req.delete();
      }
    });
  }

  /** A POST whose raw response the caller reads (202 + Location); not repeated (not idempotent). */
  async postForResponse(path: string, body: unknown, permission: string): Promise<Response> {
    const response = await this.call(
      "POST",
      path,
      permission,
      () => this.api(path).responseType(ResponseType.RAW).post(body) as Promise<Response>,
      false,
    );
    if (!response.ok) throw await fromResponse(`POST ${path}`, response, permission);
    return response;
  }

  /** All pages of a collection (follows @odata.nextLink, bounded by `maxPages`). */
  async list<T>(path: string, options: { permission: string; filter?: string; maxPages?: number }): Promise<T[]> {
    const rows: T[] = [];
    const maxPages = options.maxPages ?? 50;
    type Page = { value?: T[]; "@odata.nextLink"?: string };
    let page = await this.request<Page>("GET", path, options);
    for (let pages = 1; ; pages++) {
      rows.push(...(page.value ?? []));
      const next = page["@odata.nextLink"];
      if (!next || pages >= maxPages) return rows;
      page = await this.request<Page>("GET", this.relativePath(next), { permission: options.permission });
    }
  }

  /** The path (after the version) of a Graph URL; never follows a Location to another host. */
  relativePath(location: string): string {
    const url = new URL(location, this.settings.graphUrl);
    const base = new URL(this.settings.graphUrl);
    const path = url.pathname.startsWith(base.pathname.replace(/\/$/, ""))
      ? url.pathname.slice(base.pathname.replace(/\/$/, "").length)
      : url.pathname;
    return path.replace(/^\/(v1\.0|beta)(?=\/)/, "") + url.search;
  }

  private api(path: string): GraphRequest {
    // The Graph client's RetryHandler (429/503/504, honouring Retry-After; 3 s doubling without it), with a budget for throttling storms.
    return this.client.api(path).middlewareOptions([new RetryHandlerOptions(3, THROTTLE_RETRIES)]);
  }

  private call<T>(
    method: Method,
    path: string,
    permission: string,
    send: () => Promise<T>,
    idempotent = true,
  ): Promise<T> {
    const operation = `${method} ${path.split("?")[0]}`;
    const once = async (): Promise<T> => {
      if (method !== "GET") checkWrite(operation);
      try {
        return await send();
      } catch (e) {
        // No token: report the token's own error (code, hint), not the Graph client's wrapper of it.
        if (e instanceof GraphError && e.code === "TenantError" && this.tokenFailure instanceof TenantError)
          throw this.tokenFailure;
        const error = fromGraphClientError(operation, e, permission);
        // A change that got no clear answer may or may not have happened.
        if (!idempotent && error.kind === "transient")
          throw new TenantError({ ...error.details(), kind: "outcomeUnknown" });
        throw error;
      }
    };
    if (!idempotent) return once();
    // The Graph client's RetryHandler already covers 429/503/504: only 500/502 and network here.
    return withRetry(once, {
      strategies: [transient(500, [500, 502])],
      maxAttempts: 4,
      resource: "graph",
      what: operation,
    });
  }
}
