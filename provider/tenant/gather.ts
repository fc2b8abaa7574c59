/**
 * The gathering window shared by the transports' read coalescing (Graph `$batch`, number lookups,
 * the Teams instance listing).
 */

/** By default a gathering window stays open at most this many quiet gaps after its first item. */
const MAX_GATHER_GAPS = 10;

/**
 * Gathers concurrent requests: `flush` runs once no new item arrived for `quietMs`, at the latest
 * `quietMs × maxGaps` after the window opened. The engine hands a refresh's reads to the
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
    private readonly maxGaps: number = MAX_GATHER_GAPS,
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
      const leftMs = this.quietMs * this.maxGaps - (now - this.openedAt);
      if (quietForMs < this.quietMs && leftMs > 0) {
        this.arm(Math.min(this.quietMs - quietForMs, leftMs));
        return;
      }
      this.flush();
    }, ms);
  }
}
