/**
 * Microsoft Graph behind the TenantClient: the Graph client (its own RetryHandler retries
 * 429/503/504 honouring Retry-After; we add only 500/502 and network failures for idempotent
 * calls), error mapping to TenantError, and the number-assignment operations (202 + Location,
 * polled until succeeded or failed). Concurrent GETs are coalesced into `/$batch` requests
 * (GraphBatcher: a short window, at most 20 per batch, throttled inner requests retried after their
 * Retry-After), and many concurrent single-number lookups into one inventory read.
 */
import {
  Client,
  GraphError,
  ResponseType,
  RetryHandlerOptions,
  type GraphRequest,
} from "@microsoft/microsoft-graph-client";

import type { TenantSettings } from "../config";
import { waitFor } from "../consistency";
import { TenantError } from "../errors";
import { parseRetryAfterMs, sleep, transient, withRetry } from "../retry";
import type { NumberType } from "../validate";
import type { TokenSource } from "./auth";
import type {
  AssignNumberRequest,
  GraphOperations,
  LicenseDetail,
  NumberAssignment,
  SubscribedSku,
  TenantUser,
  Timing,
  UnassignNumberRequest,
} from "./client";

const NUMBERS = "/admin/teams/telephoneNumberManagement";
const USER_FIELDS = "id,userPrincipalName,displayName,usageLocation,accountEnabled,department,assignedLicenses";

/** Graph's limit of inner requests per `$batch`. */
export const MAX_BATCH_SIZE = 20;
/** Default quiet gap that closes the coalescing window of concurrent GETs. */
export const DEFAULT_BATCH_WINDOW_MS = 20;
/** Concurrent single-number lookups from which one inventory read (bounded) replaces them. */
export const NUMBER_SWEEP_MIN_LOOKUPS = 10;
/** Page size of the inventory read (Graph's maximum `$top` for numberAssignments). */
const NUMBER_SWEEP_PAGE_SIZE = 1000;

/** The GET coalescing window: TEAMS_GRAPH_BATCH_WINDOW_MS (0 turns batching off), default 20 ms (the quiet gap of a GatherWindow). */
export function graphBatchWindowMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TEAMS_GRAPH_BATCH_WINDOW_MS;
  const value = raw === undefined || raw.trim() === "" ? NaN : Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : DEFAULT_BATCH_WINDOW_MS;
}

/** A gathering window stays open at most this many quiet gaps after its first item. */
const MAX_GATHER_GAPS = 10;

/**
 * Gathers concurrent requests: `flush` runs once no new item arrived for `quietMs`, at the latest
 * `quietMs × MAX_GATHER_GAPS` after the window opened. The engine hands a refresh's reads to the
 * provider a few at a time, so a fixed window would catch only a handful of them; a real Graph
 * call takes hundreds of milliseconds, so waiting for the stream to pause costs little.
 */
export class GatherWindow {
  private timer: NodeJS.Timeout | undefined;
  private openedAt = 0;
  private lastArrivalAt = 0;

  constructor(
    private readonly quietMs: number,
    private readonly flush: () => void,
  ) {}

  /** Notes that an item arrived, opening the window when it is closed. */
  arrived(): void {
    this.lastArrivalAt = Date.now();
    this.open();
  }

  /** Opens the window unless it is open already. */
  open(): void {
    if (this.timer) return;
    this.openedAt = Date.now();
    this.arm(this.quietMs);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = Date.now();
      const quietForMs = now - this.lastArrivalAt;
      const leftMs = this.quietMs * MAX_GATHER_GAPS - (now - this.openedAt);
      if (quietForMs < this.quietMs && leftMs > 0) {
        this.arm(Math.min(this.quietMs - quietForMs, leftMs));
        return;
      }
      this.flush();
    }, ms);
  }
}

/**
 * Retries of a throttled (429) or unavailable (503/504) Graph request, by the Graph client and by
 * `$batch` for inner requests. Each waits what Retry-After says; 3 (the client's default) gives up
 * on about 1 request in 120 when 30 % are throttled, 8 on about 1 in 50 000.
 */
export const THROTTLE_RETRIES = 8;

/** How long an assign/unassign operation may take before we give up. */
export const NUMBER_OPERATION_TIMEOUT_MS = 10 * 60_000;

/** Quotes a value as an OData string literal (single quotes doubled): values travel as data. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Graph's PascalCase number type → the camelCase wire enum. */
export function wireNumberType(type: NumberType): string {
  return type.charAt(0).toLowerCase() + type.slice(1);
}

/** A wire enum (camelCase) → PascalCase number type, when it is one of ours. */
export function fromWireNumberType(value: unknown): NumberType | string {
  const text = String(value ?? "");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** Graph's numberAssignment resource as it arrives on the wire. */
interface WireNumberAssignment {
  telephoneNumber: string;
  numberType?: string;
  assignmentTargetId?: string | null;
  assignmentStatus?: string;
  activationState?: string;
  locationId?: string | null;
  capabilities?: string[];
}

interface WireOperation {
  id?: string;
  status?: string;
  numbers?: { status?: string; statusDetail?: string | null }[];
}

/** One inner response of a `$batch`. */
export interface BatchItemResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Tuning of a GraphBatcher. */
export interface GraphBatcherOptions {
  /** How long the first queued GET waits for company before it is sent. */
  windowMs: number;
  /** Inner requests per `$batch` (Graph allows 20). */
  maxBatchSize?: number;
  /** Requests (batches or singles) in flight at once; GETs arriving meanwhile queue and coalesce. */
  maxInFlight?: number;
  /** Retries of an inner request answered 429/503/504, each after its Retry-After. */
  maxThrottleRetries?: number;
  /** Injectable sleep (tests). */
  sleep?: (ms: number) => Promise<void>;
}

interface QueuedGet {
  url: string;
  operation: string;
  /** The same GET sent on its own (used when it is alone in a window). */
  single: () => Promise<unknown>;
  retries: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const INNER_RETRY_STATUSES = new Set([429, 503, 504]);

function headerOf(headers: Record<string, string> | undefined, name: string): string | undefined {
  const key = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers![key];
}

/** A TenantError from one failed inner response of a `$batch` (Graph's error envelope). */
export function errorFromBatchItem(operation: string, item: BatchItemResponse): TenantError {
  const envelope = (item.body ?? {}) as {
    error?: { code?: string; message?: string; innerError?: { "request-id"?: string } };
  };
  return new TenantError({
    operation,
    status: item.status,
    code: envelope.error?.code,
    requestId: envelope.error?.innerError?.["request-id"] ?? headerOf(item.headers, "request-id"),
    reason: envelope.error?.message ?? `HTTP ${item.status}`,
    retryAfterMs: parseRetryAfterMs(headerOf(item.headers, "retry-after")),
  });
}

/**
 * Coalesces concurrent GETs into `/$batch` requests: the first queued GET opens a short window;
 * a full batch (20) goes at once; at most `maxInFlight` requests are outstanding, so GETs that
 * arrive meanwhile wait and fill the next batch. A GET alone in its window is sent on its own.
 * Inner 429/503/504 are retried (re-queued) after their Retry-After, like the Graph client's own
 * RetryHandler does for single calls; any other inner failure rejects that GET only.
 */
export class GraphBatcher {
  private readonly queue: QueuedGet[] = [];
  private readonly window: GatherWindow;
  private inFlight = 0;
  private readonly maxBatchSize: number;
  private readonly maxInFlight: number;
  private readonly maxThrottleRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** What was sent: `$batch` requests, GETs sent on their own, inner requests retried. */
  readonly sent = { batches: 0, singles: 0, innerRetries: 0 };

  constructor(
    private readonly postBatch: (
      requests: { id: string; method: "GET"; url: string }[],
    ) => Promise<BatchItemResponse[]>,
    private readonly options: GraphBatcherOptions,
  ) {
    this.maxBatchSize = Math.min(MAX_BATCH_SIZE, Math.max(1, options.maxBatchSize ?? MAX_BATCH_SIZE));
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 4);
    this.maxThrottleRetries = options.maxThrottleRetries ?? 3;
    this.sleep = options.sleep ?? sleep;
    this.window = new GatherWindow(options.windowMs, () => {
      if (this.queue.length > 0 && this.inFlight < this.maxInFlight) this.send(this.queue.splice(0, this.maxBatchSize));
      this.pump();
    });
  }

  /** Queues a GET (`url` relative to the version, query included); resolves with its body. */
  get(url: string, operation: string, single: () => Promise<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => this.enqueue({ url, operation, single, retries: 0, resolve, reject }));
  }

  private enqueue(item: QueuedGet): void {
    this.queue.push(item);
    this.window.arrived();
    this.pump();
  }

  private pump(): void {
    while (this.queue.length >= this.maxBatchSize && this.inFlight < this.maxInFlight)
      this.send(this.queue.splice(0, this.maxBatchSize));
    if (this.queue.length > 0 && this.inFlight < this.maxInFlight) this.window.open();
  }

  private send(items: QueuedGet[]): void {
    this.inFlight += 1;
    const done = (): void => {
      this.inFlight -= 1;
      this.pump();
    };
    if (items.length === 1) {
      const item = items[0]!;
      this.sent.singles += 1;
      item.single().then(item.resolve, item.reject).finally(done);
      return;
    }
    this.sent.batches += 1;
    const requests = items.map((item, i) => ({ id: String(i + 1), method: "GET" as const, url: item.url }));
    this.postBatch(requests)
      .then(
        (responses) => {
          const byId = new Map(responses.map((r) => [String(r.id), r]));
          items.forEach((item, i) => this.settle(item, byId.get(String(i + 1))));
        },
        (e: unknown) => items.forEach((item) => item.reject(e)),
      )
      .finally(done);
  }

  private settle(item: QueuedGet, response: BatchItemResponse | undefined): void {
    if (!response) {
      item.reject(
        new TenantError({ operation: item.operation, reason: "the $batch response has no answer for this request" }),
      );
      return;
    }
    if (response.status >= 200 && response.status < 300) {
      item.resolve(response.body);
      return;
    }
    const error = errorFromBatchItem(item.operation, response);
    if (!INNER_RETRY_STATUSES.has(response.status) || item.retries >= this.maxThrottleRetries) {
      item.reject(error);
      return;
    }
    item.retries += 1;
    this.sent.innerRetries += 1;
    // Honour Retry-After; without it back off like the Graph client (3 s, doubling).
    const waitMs = error.retryAfterMs ?? 3_000 * 2 ** (item.retries - 1);
    void this.sleep(waitMs).then(() => this.enqueue(item));
  }
}

/** Graph operations of the TenantClient. */
export class GraphTenant implements GraphOperations {
  private readonly client: Client;
  /** Coalesces concurrent GETs into `$batch`; undefined when batching is off. */
  readonly batcher: GraphBatcher | undefined;
  private readonly batchWindowMs: number;
  private numberLookups = new Map<
    string,
    { resolve: (r: NumberAssignment | undefined) => void; reject: (e: unknown) => void }[]
  >();
  private readonly numberWindow: GatherWindow;
  /** The last token failure: the Graph client wraps it into a GraphError that keeps only its text. */
  private tokenFailure: unknown;

  constructor(
    private readonly settings: TenantSettings,
    tokens: TokenSource,
    private readonly timing: Timing,
    batchWindowMs: number = graphBatchWindowMs(),
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
    this.batchWindowMs = batchWindowMs;
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
    this.numberWindow = new GatherWindow(batchWindowMs, () => void this.flushNumberLookups());
  }

  async getUser(idOrUpn: string): Promise<TenantUser | undefined> {
    return this.orUndefined(() =>
      this.request<TenantUser>("GET", `/users/${encodeURIComponent(idOrUpn)}`, { select: USER_FIELDS }),
    );
  }

  async updateUser(id: string, patch: { usageLocation?: string; displayName?: string }): Promise<void> {
    await this.request("PATCH", `/users/${encodeURIComponent(id)}`, { body: patch });
  }

  async deleteUser(id: string): Promise<boolean> {
    const done = await this.orUndefined(() =>
      this.request("DELETE", `/users/${encodeURIComponent(id)}`).then(() => true),
    );
    return done === true;
  }

  async listSubscribedSkus(): Promise<SubscribedSku[]> {
    return this.list<SubscribedSku>("/subscribedSkus");
  }

  async assignLicense(
    userId: string,
    addLicenses: { skuId: string; disabledPlans?: string[] }[],
    removeLicenses: string[],
  ): Promise<void> {
    // Both arrays are non-nullable in the CSDL: always send both.
    const body = {
      addLicenses: addLicenses.map((l) => ({ skuId: l.skuId, disabledPlans: l.disabledPlans ?? [] })),
      removeLicenses,
    };
    await this.request("POST", `/users/${encodeURIComponent(userId)}/assignLicense`, { body });
  }

  async listLicenseDetails(userId: string): Promise<LicenseDetail[] | undefined> {
    return this.orUndefined(() => this.list<LicenseDetail>(`/users/${encodeURIComponent(userId)}/licenseDetails`));
  }

  async listNumberAssignments(filter: {
    telephoneNumber?: string;
    assignmentTargetId?: string;
  }): Promise<NumberAssignment[]> {
    const clauses = Object.entries(filter)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k} eq ${odataString(v as string)}`);
    const rows = await this.list<WireNumberAssignment>(
      `${NUMBERS}/numberAssignments`,
      clauses.length ? clauses.join(" and ") : undefined,
    );
    return rows.map(toNumberAssignment);
  }

  async getNumberAssignment(telephoneNumber: string): Promise<NumberAssignment | undefined> {
    if (this.batchWindowMs <= 0) return this.lookupNumber(telephoneNumber);
    // Concurrent lookups (a refresh of many bots) are answered together: see flushNumberLookups.
    return new Promise((resolve, reject) => {
      const waiting = this.numberLookups.get(telephoneNumber) ?? [];
      waiting.push({ resolve, reject });
      this.numberLookups.set(telephoneNumber, waiting);
      this.numberWindow.arrived();
    });
  }

  private async lookupNumber(telephoneNumber: string): Promise<NumberAssignment | undefined> {
    const rows = await this.listNumberAssignments({ telephoneNumber });
    return rows.find((r) => r.telephoneNumber === telephoneNumber);
  }

  /**
   * Answers the lookups gathered in one window. From NUMBER_SWEEP_MIN_LOOKUPS on, one inventory
   * read (at most one page of 1000 per 20 lookups, so never dearer than the batched lookups) answers
   * the numbers it contains; the rest are looked up one by one (and coalesced into `$batch`).
   */
  private async flushNumberLookups(): Promise<void> {
    const lookups = this.numberLookups;
    this.numberLookups = new Map();
    let inventory: Map<string, NumberAssignment> | undefined;
    if (lookups.size >= NUMBER_SWEEP_MIN_LOOKUPS) {
      const maxPages = Math.max(1, Math.floor(lookups.size / MAX_BATCH_SIZE));
      try {
        const rows = await this.list<WireNumberAssignment>(
          `${NUMBERS}/numberAssignments?$top=${NUMBER_SWEEP_PAGE_SIZE}`,
          undefined,
          maxPages,
        );
        inventory = new Map(rows.map((w) => [w.telephoneNumber, toNumberAssignment(w)]));
      } catch {
        inventory = undefined; // fall back to single lookups, which report their own errors
      }
    }
    for (const [telephoneNumber, waiting] of lookups) {
      const found = inventory?.get(telephoneNumber);
      const result = found ? Promise.resolve(found) : this.lookupNumber(telephoneNumber);
      result.then(
        (r) => waiting.forEach((w) => w.resolve(r)),
        (e: unknown) => waiting.forEach((w) => w.reject(e)),
      );
    }
  }

  async assignNumber(request: AssignNumberRequest, resource: string): Promise<void> {
    const body: Record<string, unknown> = {
      telephoneNumber: request.telephoneNumber,
      assignmentTargetId: request.assignmentTargetId,
      numberType: wireNumberType(request.numberType),
    };
    if (request.locationId) body.locationId = request.locationId;
    await this.runOperation(
      `assigning ${request.telephoneNumber}`,
      `${NUMBERS}/numberAssignments/assignNumber`,
      body,
      resource,
    );
  }

  async unassignNumber(request: UnassignNumberRequest, resource: string): Promise<void> {
    const body = { telephoneNumber: request.telephoneNumber, numberType: wireNumberType(request.numberType) };
    await this.runOperation(
      `unassigning ${request.telephoneNumber}`,
      `${NUMBERS}/numberAssignments/unassignNumber`,
      body,
      resource,
    );
  }

  async updateNumber(telephoneNumber: string, locationId: string | null): Promise<void> {
    // "" clears the location; null would mean "keep".
    await this.request("POST", `${NUMBERS}/numberAssignments/updateNumber`, {
      body: { telephoneNumber, locationId: locationId ?? "" },
    });
  }

  /** POSTs an action that answers 202 + Location, then polls the operation until it ends. */
  private async runOperation(what: string, path: string, body: unknown, resource: string): Promise<void> {
    const response = await this.call(
      "POST",
      path,
      () => this.api(path).responseType(ResponseType.RAW).post(body) as Promise<Response>,
      false,
    );
    if (!response.ok) throw await errorFromResponse(`POST ${path}`, response);
    if (response.status !== 202) return; // done synchronously
    const location = response.headers.get("Location") ?? response.headers.get("Operation-Location");
    if (!location) {
      throw new TenantError({
        operation: `POST ${path}`,
        status: response.status,
        reason: "the service accepted the request but sent no Location to follow",
      });
    }
    const operationPath = this.relativePath(location);
    const firstDelayMs = parseRetryAfterMs(response.headers.get("Retry-After")) ?? this.timing.pollIntervalMs;
    // Give the service the pause it asked for (bounded) before the first look.
    await sleep(Math.min(firstDelayMs, 5_000));
    const final = await waitFor<WireOperation>({
      what: `the tenant to finish ${what}`,
      resource,
      timeoutMs: NUMBER_OPERATION_TIMEOUT_MS,
      intervalMs: this.timing.pollIntervalMs,
      confirmations: 1,
      check: async () => {
        const raw = await this.request<WireOperation & { value?: WireOperation }>("GET", operationPath);
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
        operation: `POST ${path}`,
        code: "OperationFailed",
        reason: detail || `operation ${final.id ?? ""} failed without details`,
      });
    }
  }

  /** The path (after the version) of a Graph URL; never follows a Location to another host. */
  private relativePath(location: string): string {
    const url = new URL(location, this.settings.graphUrl);
    const base = new URL(this.settings.graphUrl);
    const path = url.pathname.startsWith(base.pathname.replace(/\/$/, ""))
      ? url.pathname.slice(base.pathname.replace(/\/$/, "").length)
      : url.pathname;
    return path.replace(/^\/(v1\.0|beta)(?=\/)/, "") + url.search;
  }

  /** All pages of a collection (follows @odata.nextLink, bounded by `maxPages`). */
  private async list<T>(path: string, filter?: string, maxPages = 50): Promise<T[]> {
    const rows: T[] = [];
    let page = await this.request<{ value?: T[]; "@odata.nextLink"?: string }>("GET", path, { filter });
    for (let pages = 1; ; pages++) {
      rows.push(...(page.value ?? []));
      const next = page["@odata.nextLink"];
      if (!next || pages >= maxPages) return rows;
      page = await this.request("GET", this.relativePath(next));
    }
  }

  private api(path: string): GraphRequest {
    // The Graph client's RetryHandler (429/503/504, honouring Retry-After; 3 s doubling without it), with a budget for throttling storms.
    return this.client.api(path).middlewareOptions([new RetryHandlerOptions(3, THROTTLE_RETRIES)]);
  }

  /** One Graph call; GETs/PATCH/DELETE/assignLicense are idempotent and retried on 500/502/network failures. */
  private request<T = unknown>(
    method: Method,
    path: string,
    options: { body?: unknown; select?: string; filter?: string } = {},
  ): Promise<T> {
    if (method === "GET" && this.batcher) {
      const query: string[] = [];
      if (options.select) query.push(`$select=${options.select}`);
      if (options.filter) query.push(`$filter=${encodeURIComponent(options.filter)}`);
      const url = query.length ? `${path}${path.includes("?") ? "&" : "?"}${query.join("&")}` : path;
      const batcher = this.batcher;
      const single = (): Promise<unknown> => {
        let req = this.api(path);
        if (options.select) req = req.select(options.select);
        if (options.filter) req = req.filter(encodeURIComponent(options.filter));
        return req.get();
      };
      return this.call(method, path, () => batcher.get(url, `${method} ${path.split("?")[0]}`, single) as Promise<T>);
    }
    return this.call(method, path, () => {
      let req = this.api(path);
      if (options.select) req = req.select(options.select);
      // The Graph client does not encode query values: encode them (a "+" would become a space).
      if (options.filter) req = req.filter(encodeURIComponent(options.filter));
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

  private call<T>(method: Method, path: string, send: () => Promise<T>, idempotent = true): Promise<T> {
    const once = async (): Promise<T> => {
      try {
        return await send();
      } catch (e) {
        // No token: report the token's own error (code, hint), not the Graph client's wrapper of it.
        if (e instanceof GraphError && e.code === "TenantError" && this.tokenFailure instanceof TenantError)
          throw this.tokenFailure;
        throw fromGraphError(`${method} ${path.split("?")[0]}`, e);
      }
    };
    if (!idempotent) return once();
    // The Graph client's RetryHandler already covers 429/503/504: only 500/502 and network here.
    return withRetry(once, {
      strategies: [transient(500, [500, 502])],
      maxAttempts: 4,
      resource: "graph",
      what: `${method} ${path.split("?")[0]}`,
    });
  }

  private async orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (e) {
      if (e instanceof TenantError && e.status === 404) return undefined;
      throw e;
    }
  }
}

function toNumberAssignment(w: WireNumberAssignment): NumberAssignment {
  return {
    telephoneNumber: w.telephoneNumber,
    numberType: fromWireNumberType(w.numberType),
    assignmentTargetId: w.assignmentTargetId ? w.assignmentTargetId.toLowerCase() : null,
    assignmentStatus: w.assignmentStatus ?? "unknown",
    activationState: w.activationState ?? "unknown",
    locationId: w.locationId ?? null,
    capabilities: w.capabilities ?? [],
  };
}

/** Maps a GraphError (or a network failure) to a TenantError. */
export function fromGraphError(operation: string, e: unknown): TenantError {
  if (e instanceof TenantError) return e;
  if (e instanceof GraphError) {
    const status = e.statusCode > 0 ? e.statusCode : undefined;
    let message = e.message;
    let requestId = e.requestId ?? undefined;
    if (!message && typeof e.body === "string") {
      try {
        const parsed = JSON.parse(e.body) as { message?: string; innerError?: { "request-id"?: string } };
        message = parsed.message ?? e.body;
        requestId ??= parsed.innerError?.["request-id"];
      } catch {
        message = e.body;
      }
    }
    return new TenantError({
      operation,
      status,
      code: e.code ?? undefined,
      requestId,
      reason: message || (status ? `HTTP ${status}` : "the request failed"),
      retryAfterMs: parseRetryAfterMs(e.headers?.get?.("Retry-After")),
      cause: e,
    });
  }
  return new TenantError({ operation, reason: e instanceof Error ? e.message : String(e), cause: e });
}

/** Builds a TenantError from a raw (non-2xx) response, reading Graph's error envelope. */
async function errorFromResponse(operation: string, response: Response): Promise<TenantError> {
  const text = await response.text().catch(() => "");
  let code: string | undefined;
  let message = text || `HTTP ${response.status}`;
  let requestId: string | undefined;
  try {
    const body = JSON.parse(text) as {
      error?: { code?: string; message?: string; innerError?: { "request-id"?: string } };
    };
    code = body.error?.code;
    message = body.error?.message ?? message;
    requestId = body.error?.innerError?.["request-id"];
  } catch {
    // not JSON: keep the text
  }
  requestId ??= response.headers.get("request-id") ?? undefined;
  return new TenantError({
    operation,
    status: response.status,
    code,
    requestId,
    reason: message,
    retryAfterMs: parseRetryAfterMs(response.headers.get("Retry-After")),
  });
}
