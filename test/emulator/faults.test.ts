/* eslint-disable @typescript-eslint/no-explicit-any -- contract tests assert on untyped JSON wire bodies */
/** Latency and faults: Retry-After honoured by the real Graph client, 5xx, seeded reproducibility, replication delay, Teams throttling. */
import { useTestClock } from "../helpers/clock";
import { startTestEmulator, withEmulator } from "../helpers/emulator";
import { cmdlet, graphClient, graphFailure, msalApp, newResourceAccount } from "../helpers/tenant-clients";

const ADELE = "1d7a2b3c-8e5f-4a91-8b24-6c3d9e0f1a22";
const emu = withEmulator();

afterEach(async () => {
  await emu().admin.put("/faults?replace=true", {});
});

test("429 with Retry-After: the Graph client waits at least Retry-After and then succeeds", async () => {
  const t = emu();
  const g = graphClient(t);
  await g.api(`/users/${ADELE}`).get(); // warm the token cache so only the Graph call is timed
  await t.admin.put("/faults", { families: { graph: { throttleNext: 1, retryAfterSeconds: 1 } } });
  const started = Date.now();
  const u = await g.api(`/users/${ADELE}`).get();
  const elapsed = Date.now() - started;
  expect(u.id).toBe(ADELE);
  expect(elapsed).toBeGreaterThanOrEqual(1000);
  const graphReads = (await t.admin.get<any>("/stats")).readCount.graph;
  expect(graphReads).toBeGreaterThanOrEqual(3);
});

test("429 body is Graph's TooManyRequests envelope with a Retry-After header", async () => {
  const t = emu();
  const tok = (await msalApp(t).acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] }))!
    .accessToken;
  await t.admin.put("/faults", { families: { graph: { throttleNext: 1, retryAfterSeconds: 7 } } });
  const res = await fetch(`${t.url}/v1.0/users/${ADELE}`, { headers: { authorization: `Bearer ${tok}` } });
  expect(res.status).toBe(429);
  expect(res.headers.get("retry-after")).toBe("7");
  expect(((await res.json()) as any).error.code).toBe("TooManyRequests");
});

test("503 serviceNotAvailable is retried by the client; 500 surfaces as generalException", async () => {
  const t = emu();
  const g = graphClient(t);
  await t.admin.put("/faults", { families: { graph: { errorNext: 1, errorStatus: 503 } } });
  expect((await g.api(`/users/${ADELE}`).get()).id).toBe(ADELE);
  await t.admin.put("/faults", { families: { graph: { errorNext: 1, errorStatus: 500 } } });
  const e = await graphFailure(g.api(`/users/${ADELE}`).get());
  expect(e).toMatchObject({ statusCode: 500, code: "generalException" });
});

test("fixed latency is applied per family and scaled", async () => {
  const t = emu();
  const g = graphClient(t);
  await g.api(`/users/${ADELE}`).get(); // its token, before the clock stops
  await t.admin.put("/faults", { families: { graph: { latencyMs: 150, jitterMs: 0 } } });
  // Jest's timers from here: the emulator's latency is a timer, so a request waits until the clock
  // has moved 150 ms, and with the latency scaled to 0 it needs no timer at all, however busy the
  // machine is. I/O stays real.
  const realSleep = (
    (timeout) => (ms: number) =>
      new Promise((r) => timeout(r, ms))
  )(setTimeout);
  jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate", "clearImmediate", "queueMicrotask"] });
  try {
    expect(jest.getTimerCount()).toBe(0);
    let done = false;
    const slow = g
      .api(`/users/${ADELE}`)
      .get()
      .finally(() => (done = true));
    while (!done && jest.getTimerCount() === 0) await realSleep(5); // until it waits on its latency
    await jest.advanceTimersByTimeAsync(149);
    await realSleep(20);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect((await slow).id).toBe(ADELE);
    await t.admin.put("/faults", { latencyScale: 0 });
    let fastDone = false;
    const fast = g
      .api(`/users/${ADELE}`)
      .get()
      .finally(() => (fastDone = true));
    while (!fastDone && jest.getTimerCount() === 0) await realSleep(5);
    expect(jest.getTimerCount()).toBe(0);
    expect((await fast).id).toBe(ADELE);
  } finally {
    jest.useRealTimers();
  }
});

async function statusSequence(seed: number): Promise<number[]> {
  const t = await startTestEmulator(
    { families: { graph: { throttleRate: 0.3, errorRate: 0.2, errorStatus: 500, latencyMs: 0, jitterMs: 0 } } },
    { seed },
  );
  try {
    const tok = (await msalApp(t).acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] }))!
      .accessToken;
    const out: number[] = [];
    for (let i = 0; i < 30; i++)
      out.push((await fetch(`${t.url}/v1.0/users/${ADELE}`, { headers: { authorization: `Bearer ${tok}` } })).status);
    return out;
  } finally {
    await t.stop();
  }
}

test("same seed, same fault sequence; another seed, another sequence", async () => {
  const a = await statusSequence(42);
  const b = await statusSequence(42);
  const c = await statusSequence(7);
  expect(a).toEqual(b);
  expect(a).not.toEqual(c);
  expect(a).toContain(429);
  expect(a).toContain(500);
  expect(a).toContain(200);
});

describe("with the test clock (emulator time moves only when the test moves it)", () => {
  const clock = useTestClock();

  test("replication delay: a new instance is invisible to Graph, then appears", async () => {
    const t = emu();
    await t.admin.put("/faults", { replicationDelayMs: 500 });
    const id = await newResourceAccount(t, "replicating@contoso.com");
    const g = graphClient(t);
    expect((await graphFailure(g.api(`/users/${id}`).get())).statusCode).toBe(404);
    // Teams sees it at once.
    expect((await cmdlet(t, "Get-CsOnlineApplicationInstance", { Identity: id })).status).toBe(200);
    clock.advance(550);
    expect((await g.api(`/users/${id}`).get()).id).toBe(id);
  });
});

test("Teams cmdlets are throttled with the service's message and Retry-After", async () => {
  const t = emu();
  await t.admin.put("/faults", { families: { teams: { throttleNext: 1, retryAfterSeconds: 3 } } });
  const r = await cmdlet(t, "Get-CsOnlineApplicationInstance", {});
  expect(r.status).toBe(429);
  expect(r.error!.message).toContain("The server responded with a Request Error, Status: TooManyRequests");
  expect(r.error!.fullyQualifiedErrorId).toBe(
    "TooManyRequests,Microsoft.Teams.ConfigApi.Cmdlets.GetCsOnlineApplicationInstance",
  );
  expect((await cmdlet(t, "Get-CsOnlineApplicationInstance", {})).status).toBe(200);
});

test("token endpoint faults use the AADSTS shape", async () => {
  const t = emu();
  await t.admin.put("/faults", { families: { entra: { errorNext: 1, errorStatus: 503 } } });
  const res = await fetch(`${t.url}/${t.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: t.clientId,
      client_secret: t.clientSecret,
      scope: "https://graph.microsoft.com/.default",
    }).toString(),
  });
  expect(res.status).toBe(503);
  expect(((await res.json()) as any).error_codes).toEqual([90033]);
});

test("PUT /_emulator/faults rejects unknown families", async () => {
  await expect(emu().admin.put("/faults", { families: { nope: { latencyMs: 1 } } })).rejects.toThrow(
    /HTTP 400.*unknown API family/,
  );
});
