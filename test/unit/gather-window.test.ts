/**
 * GatherWindow: closes after a quiet gap, but never later than ten gaps after it opened. The clock is
 * Jest's (timers and Date), so the times below are exact and do not depend on how busy the machine is.
 */
import { BATCH_GATHER_GAPS, GatherWindow } from "../../provider/tenant/graph";

/** Advances the fake clock, running the timers that fall due. */
const sleep = async (ms: number): Promise<void> => void (await jest.advanceTimersByTimeAsync(ms));

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe("GatherWindow", () => {
  test("a stream of arrivals is gathered into one flush once it pauses", async () => {
    const flushedAt: number[] = [];
    const started = Date.now();
    const w = new GatherWindow(20, () => flushedAt.push(Date.now() - started));
    for (let i = 0; i < 8; i++) {
      w.arrived();
      await sleep(5); // faster than the quiet gap: a fixed 20 ms window would have closed at ~20 ms
    }
    await sleep(60);
    expect(flushedAt).toHaveLength(1);
    expect(flushedAt[0]).toBeGreaterThanOrEqual(55); // last arrival (~40 ms) + the 20 ms quiet gap
  });

  test("an endless stream is still flushed at most ten gaps after the window opened", async () => {
    const flushes: number[] = [];
    const started = Date.now();
    const w = new GatherWindow(10, () => flushes.push(Date.now() - started));
    while (Date.now() - started < 250) {
      w.arrived();
      await sleep(3);
    }
    expect(flushes.length).toBeGreaterThanOrEqual(2);
    expect(flushes[0]).toBeLessThanOrEqual(130); // 10 gaps of 10 ms, plus timer slack
  });
});

describe("GatherWindow with a longer cap ($batch and number lookups: BATCH_GATHER_GAPS)", () => {
  test("a steady trickle is cut at the window's own cap, not the default ten gaps", async () => {
    const flushes: number[] = [];
    const started = Date.now();
    const w = new GatherWindow(10, () => flushes.push(Date.now() - started), 30);
    while (Date.now() - started < 700) {
      w.arrived();
      await sleep(3);
    }
    expect(flushes[0]).toBeGreaterThanOrEqual(290); // 30 gaps of 10 ms, not 10
    expect(flushes[0]).toBeLessThan(700); // cut while the trickle still ran (timer slack allowed)
    expect(BATCH_GATHER_GAPS).toBeGreaterThan(10);
  });
});
