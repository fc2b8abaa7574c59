/**
 * Graph `$batch` coalescing inside the provider process (provider/tenant/graph/): concurrent
 * GETs go out as few `$batch` requests, give the same results as single calls, throttled inner
 * requests are retried after their Retry-After, and many concurrent number lookups become one
 * inventory read. Real msal-node + Graph client against the emulator; counts from /_emulator/stats.
 */
import { TokenSource } from "../../provider/access/tokens";
import { resolveTenantSettings } from "../../provider/settings";
import { createGraph, type Graph } from "../../provider/tenant/graph";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { emulatorSettings } from "../helpers/emulator-settings";
import { newResourceAccount } from "../helpers/tenant-clients";

interface Stats {
  readCount: { graph: number };
  httpRequests: { graph: number; graphBatch: number };
}

describe("Graph $batch coalescing", () => {
  let t: TestEmulator;
  const accounts: string[] = [];
  const numbers = [
    "+14255550100",
    "+14255550101",
    "+14255550102",
    "+14255550103",
    "+14255550104",
    "+14255550105",
    "+14255550150",
    "+14255550151",
    // (+14255550200, the dev stack's Direct Routing number, is not in the inventory until assigned.)
    "+14255550202;ext=10",
    "+14255550201",
    "+14255550300",
    "+14255550301",
  ];

  const graph = (batchWindowMs: number): Graph => {
    const settings = resolveTenantSettings((k) => emulatorSettings(t)[k], {});
    return createGraph(settings, new TokenSource(settings), {
      pollIntervalMs: 50,
      batchWindowMs,
      numberOperationTimeoutMs: 60_000,
    });
  };
  const stats = (): Promise<Stats> => t.admin.get<Stats>("/stats");
  /** Graph HTTP requests and inner reads made by `fn`. */
  const counted = async <T>(
    fn: () => Promise<T>,
  ): Promise<{ value: T; http: number; batches: number; reads: number }> => {
    const before = await stats();
    const value = await fn();
    const after = await stats();
    return {
      value,
      http: after.httpRequests.graph - before.httpRequests.graph,
      batches: after.httpRequests.graphBatch - before.httpRequests.graphBatch,
      reads: after.readCount.graph - before.readCount.graph,
    };
  };

  beforeAll(async () => {
    t = await startTestEmulator({ latencyScale: 0 });
    for (let i = 0; i < 30; i++) accounts.push(await newResourceAccount(t, `batch-${i}@contoso.com`));
  });
  afterAll(async () => {
    await t?.stop();
  });

  test("read: 60 concurrent GETs go out as 3 $batch requests with the same results as single calls", async () => {
    const single = graph(0);
    const batched = graph(5);
    const reads = (g: Graph) =>
      Promise.all([...accounts.map((id) => g.users.get(id)), ...accounts.map((id) => g.licences.details(id))]);
    const one = await counted(() => reads(single));
    const many = await counted(() => reads(batched));
    expect(one).toMatchObject({ http: 60, batches: 0, reads: 60 });
    // Token requests are Entra, not Graph; every inner GET is still a Graph read.
    expect(many.reads).toBe(60);
    expect(many.batches).toBe(3);
    expect(many.http).toBe(3);
    expect(many.value).toEqual(one.value);
    expect(batched.client.batcher?.sent).toMatchObject({ batches: 3, singles: 0 });
  });

  test("read: a partial batch waits while another $batch is in flight, and goes out filled", async () => {
    const g = graph(5);
    const expected = await Promise.all(accounts.map((id) => graph(0).users.get(id)));
    await g.users.get(accounts[0]!); // its token, before the clock stops
    await t.admin.put("/faults", { latencyScale: 1, families: { graph: { latencyMs: 800, jitterMs: 0 } } });
    // Timers and Date are Jest's for this test, in the provider's batcher and in the emulator's
    // latency alike: the windows, the hold and the 800 ms in flight are emulator-time, so the
    // groups below arrive exactly 60 ms apart however busy the machine is. I/O stays real.
    const realTimeout = setTimeout;
    jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate", "clearImmediate", "queueMicrotask"] });
    const sleep = async (ms: number): Promise<void> => void (await jest.advanceTimersByTimeAsync(ms));
    try {
      const r = await counted(async () => {
        // 20 at once (a full batch, in flight for 800 ms), then two groups of 5 while it is.
        const first = accounts.slice(0, 20).map((id) => g.users.get(id));
        await sleep(60);
        const second = accounts.slice(20, 25).map((id) => g.users.get(id));
        await sleep(60);
        const third = accounts.slice(25, 30).map((id) => g.users.get(id));
        let settled = false;
        const all = Promise.all([...first, ...second, ...third]).finally(() => (settled = true));
        // Then emulator time runs on in 10 ms steps, a real millisecond apart so that I/O keeps up.
        while (!settled) {
          await sleep(10);
          await new Promise((resolve) => realTimeout(resolve, 1));
        }
        return all;
      });
      expect(r.value).toEqual(expected);
      // Sent when they closed, each group would be a batch of its own (3 in all).
      expect(r).toMatchObject({ reads: 30, batches: 2, http: 2 });
    } finally {
      jest.useRealTimers();
      await t.admin.put("/faults?replace=true", {});
    }
  });

  test("read: a GET alone in its window is sent on its own", async () => {
    const g = graph(5);
    const r = await counted(() => g.users.get(accounts[0]!));
    expect(r).toMatchObject({ http: 1, batches: 0, reads: 1 });
    expect(r.value?.id).toBe(accounts[0]);
  });

  test("read-after-delete: an inner 404 reads as gone for that GET only", async () => {
    const g = graph(5);
    const missing = "0000dead-0000-4000-8000-000000000000";
    const r = await counted(() =>
      Promise.all([g.users.get(accounts[1]!), g.users.get(missing), g.licences.details(missing)]),
    );
    expect(r.batches).toBe(1);
    expect(r.value[0]?.id).toBe(accounts[1]);
    expect(r.value[1]).toBeUndefined();
    expect(r.value[2]).toBeUndefined();
  });

  test("regress-throttling: inner 429s are retried after Retry-After; results identical", async () => {
    const g = graph(5);
    const expected = await Promise.all(accounts.slice(0, 10).map((id) => graph(0).users.get(id)));
    await t.admin.put("/faults", { families: { graph: { throttleNext: 3, retryAfterSeconds: 1 } } });
    const started = Date.now();
    const r = await counted(() => Promise.all(accounts.slice(0, 10).map((id) => g.users.get(id))));
    const elapsedMs = Date.now() - started;
    await t.admin.put("/faults?replace=true", {});
    expect(r.value).toEqual(expected);
    expect(g.client.batcher?.sent.innerRetries).toBe(3);
    // 10 first tries + 3 retries, in one batch and then one more request for the retried ones.
    expect(r.reads).toBe(13);
    expect(r.http).toBe(2);
    expect(elapsedMs).toBeGreaterThanOrEqual(1_000);
  });

  test("read: an inner 500 goes back through the transient retry and succeeds", async () => {
    const g = graph(5);
    await t.admin.put("/faults", { families: { graph: { errorNext: 1, errorStatus: 500 } } });
    // 500 is retried by the client's transient strategy (up to 4 attempts): both GETs succeed.
    const ok = await Promise.all([g.users.get(accounts[2]!), g.users.get(accounts[3]!)]);
    expect(ok.map((u) => u?.id)).toEqual([accounts[2], accounts[3]]);
    await t.admin.put("/faults?replace=true", {});
  });

  test("read: 12 concurrent number lookups become one inventory read with identical records", async () => {
    const single = graph(0);
    const expected = await Promise.all(numbers.map((n) => single.numbers.get(n)));
    const g = graph(5);
    const r = await counted(() =>
      Promise.all([...numbers.map((n) => g.numbers.get(n)), g.numbers.get("+14255559999")]),
    );
    expect(r.value.slice(0, numbers.length)).toEqual(expected);
    // A number the inventory does not have is looked up on its own and reads as missing.
    expect(r.value[numbers.length]).toBeUndefined();
    expect(r.reads).toBe(2);
    expect(expected.every((x) => x !== undefined)).toBe(true);
  });

  test("read: a few concurrent number lookups stay single lookups (batched)", async () => {
    const g = graph(5);
    const r = await counted(() => Promise.all(numbers.slice(0, 3).map((n) => g.numbers.get(n))));
    expect(r).toMatchObject({ reads: 3, batches: 1, http: 1 });
    expect(r.value.map((x) => x?.telephoneNumber)).toEqual(numbers.slice(0, 3));
  });
});
