/**
 * Read coalescing: the batcher that sends
 * concurrent GETs as `/$batch` requests (at most 20 each, throttled inner requests retried after
 * their Retry-After).
 */
import { TenantError } from "../../errors";
import { sleep } from "../../retry";
import { GatherWindow } from "../gather";
import { fromBatchItem } from "./errors";

export { GatherWindow } from "../gather";

/**
 * A `$batch` window stays open at most this many quiet gaps (1 s at the default 20 ms): a full batch
 * leaves at once anyway, so the cap only decides how a steady trickle is cut. A refresh of 200 bots
 * hands its 400 reads over in about 4 s, about 20 per 200 ms: the default cap of 10 gaps cut them
 * into 28 partly filled batches (29 requests), this one into close to the 20 full ones.
 */
export const BATCH_GATHER_GAPS = 50;

/** Graph's limit of inner requests per `$batch`. */
export const MAX_BATCH_SIZE = 20;

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
  permission?: string;
  /** The same GET sent on its own (used when it is alone in a window). */
  single: () => Promise<unknown>;
  retries: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const INNER_RETRY_STATUSES = new Set([429, 503, 504]);

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
  /** When a partial batch first waited for an in-flight request (see windowClosed). */
  private heldSince: number | undefined;
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
    this.window = new GatherWindow(options.windowMs, () => this.windowClosed(), BATCH_GATHER_GAPS);
  }

  /** Queues a GET (`url` relative to the version, query included); resolves with its body. */
  get(url: string, operation: string, single: () => Promise<unknown>, permission?: string): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.enqueue({ url, operation, permission, single, retries: 0, resolve, reject }),
    );
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

  /**
   * A window closed: what gathered goes out, except that a partial batch waits while another request
   * is in flight (reads keep arriving meanwhile and fill it), at most one cap long from when it first
   * waited. A refresh of 200 bots thus sends close to 20 full batches instead of ~28 partly filled ones.
   */
  private windowClosed(): void {
    const partial = this.queue.length > 0 && this.queue.length < this.maxBatchSize;
    if (partial && this.inFlight > 0) {
      const now = Date.now();
      if (this.heldSince === undefined) this.heldSince = now;
      if (now - this.heldSince < this.options.windowMs * BATCH_GATHER_GAPS) {
        this.window.open();
        return;
      }
    }
    this.heldSince = undefined;
    if (this.queue.length > 0 && this.inFlight < this.maxInFlight) this.send(this.queue.splice(0, this.maxBatchSize));
    this.pump();
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
        new TenantError({
          operation: item.operation,
          kind: "permanent",
          reason: "the $batch response has no answer for this request",
        }),
      );
      return;
    }
    if (response.status >= 200 && response.status < 300) {
      item.resolve(response.body);
      return;
    }
    const error = fromBatchItem(item.operation, response, item.permission);
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
