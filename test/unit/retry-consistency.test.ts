import { waitFor } from "../../provider/consistency";
import { TenantError } from "../../provider/errors";
import { backoffMs, parseRetryAfterMs, throttling, transient, withRetry } from "../../provider/retry";

const quiet = () => jest.spyOn(process.stderr, "write").mockImplementation(() => true);

describe("retry", () => {
  let stderr: jest.SpyInstance;
  beforeEach(() => (stderr = quiet()));
  afterEach(() => stderr.mockRestore());

  test("throttling honours Retry-After, then succeeds", async () => {
    const slept: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        if (++calls < 3)
          throw new TenantError({ operation: "x", status: 429, reason: "Too many", retryAfterMs: 7_000 });
        return "ok";
      },
      { strategies: [throttling()], resource: "r", what: "x", sleep: async (ms) => void slept.push(ms) },
    );
    expect(result).toBe("ok");
    expect(slept).toEqual([7_000, 7_000]);
  });

  test("transient failures back off exponentially; others are not retried", async () => {
    const slept: number[] = [];
    let calls = 0;
    const fail = () => {
      calls++;
      throw new TenantError({ operation: "x", status: 500, reason: "oops" });
    };
    await expect(
      withRetry(async () => fail(), {
        strategies: [transient(100)],
        maxAttempts: 4,
        resource: "r",
        what: "x",
        sleep: async (ms) => void slept.push(ms),
      }),
    ).rejects.toThrow("x: oops (500)");
    expect(calls).toBe(4);
    expect(slept).toHaveLength(3);
    slept.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual((100 * 2 ** i) / 2);
      expect(ms).toBeLessThanOrEqual(100 * 2 ** i);
    });
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new TenantError({ operation: "x", status: 400, reason: "bad" });
        },
        { strategies: [transient(100), throttling()], resource: "r", what: "x" },
      ),
    ).rejects.toThrow("x: bad (400)");
    expect(calls).toBe(1);
  });

  test("Graph-style transient excludes 503/504 (the Graph client retries those)", () => {
    const graphTransient = transient(100, [500, 502]);
    expect(graphTransient.delayMs(new TenantError({ operation: "x", status: 503, reason: "busy" }), 1)).toBeUndefined();
    expect(graphTransient.delayMs(new TenantError({ operation: "x", status: 502, reason: "bad gw" }), 1)).toBeDefined();
    expect(
      graphTransient.delayMs(new TenantError({ operation: "x", reason: "TypeError: fetch failed" }), 1),
    ).toBeDefined();
  });

  test("PowerShell throttling text counts as throttled", () => {
    expect(
      throttling(1000).delayMs(
        new TenantError({
          operation: "x",
          serviceCode: "TooManyRequests,Microsoft.Teams",
          reason: "TooManyRequests - slow down",
        }),
        1,
      ),
    ).toBeGreaterThan(0);
  });

  test("helpers", () => {
    expect(parseRetryAfterMs("3")).toBe(3000);
    expect(parseRetryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfterMs(null)).toBeUndefined();
    expect(backoffMs(10, 1000, 30_000, () => 1)).toBe(30_000);
  });
});

describe("waitFor", () => {
  let stderr: jest.SpyInstance;
  beforeEach(() => (stderr = quiet()));
  afterEach(() => stderr.mockRestore());

  function clock() {
    let t = 0;
    return { now: () => t, sleep: async (ms: number) => void (t += ms) };
  }

  test("needs N confirmations in a row", async () => {
    const seen = [true, false, true, true, false, true, true, true];
    let i = 0;
    const c = clock();
    const value = await waitFor({
      what: "x",
      resource: "r",
      timeoutMs: 60_000,
      intervalMs: 1_000,
      confirmations: 3,
      ...c,
      check: async () => ({ done: seen[i], status: String(seen[i]), value: i++ }),
    });
    expect(value).toBe(7);
  });

  test("times out with what, how long, and what to do", async () => {
    const c = clock();
    await expect(
      waitFor({
        what: "MCOEV_VIRTUALUSER to be Success",
        resource: "r",
        timeoutMs: 120_000,
        intervalMs: 10_000,
        hint: "Raise provisioningTimeoutMinutes.",
        ...c,
        check: async () => ({ done: false, status: "PendingProvisioning" }),
      }),
    ).rejects.toThrow(
      "waiting for MCOEV_VIRTUALUSER to be Success: still not there after 2m (last seen: PendingProvisioning) (WaitTimeout). Raise provisioningTimeoutMinutes.",
    );
    expect(stderr.mock.calls.map((c) => String(c[0]))[0]).toBe(
      "[teams] r: waiting for MCOEV_VIRTUALUSER to be Success: PendingProvisioning, 0ms so far (waiting up to 2m)\n",
    );
  });
});

describe("waitFor pacing", () => {
  test("pauses start at 1 s and double up to intervalMs", async () => {
    const stderr = quiet();
    const pauses: number[] = [];
    let polls = 0;
    await waitFor({
      what: "x",
      resource: "r",
      timeoutMs: 600_000,
      intervalMs: 5_000,
      confirmations: 1,
      sleep: async (ms) => void pauses.push(ms),
      check: async () => ({ done: ++polls > 5, status: "s" }),
    });
    stderr.mockRestore();
    expect(pauses).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });
});
