/* eslint-disable @typescript-eslint/no-explicit-any -- contract tests assert on untyped JSON wire bodies */
/**
 * Bad input to Graph is a 4xx in Graph's envelope with a real request-id, never a 500 (issue 13).
 * Each case is one the emulator once answered with 500 or with the wrong shape.
 */
import { withEmulator } from "../helpers/emulator";
import { GRAPH_SCOPE, msalApp, token } from "../helpers/tenant-clients";

const emu = withEmulator();
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function call(path: string, init: RequestInit = {}): Promise<{ status: number; body: any; requestId: string }> {
  const t = emu();
  const headers = { authorization: `Bearer ${await token(msalApp(t), GRAPH_SCOPE)}`, ...(init.headers as object) };
  const res = await fetch(`${t.url}/v1.0${path}`, { ...init, headers });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? JSON.parse(text) : undefined,
    requestId: res.headers.get("request-id") ?? "",
  };
}

function expectEnvelope(r: { status: number; body: any; requestId: string }, status: number, code: string): void {
  expect(r.status).toBe(status);
  expect(r.body.error.code).toBe(code);
  expect(typeof r.body.error.message).toBe("string");
  expect(r.requestId).toMatch(GUID);
  expect(r.body.error.innerError["request-id"]).toBe(r.requestId);
}

test("a malformed percent-escape is 400 naming the segment", async () => {
  const r = await call("/users/adele%ZZ");
  expectEnvelope(r, 400, "BadRequest");
  expect(r.body.error.message).toContain("'adele%ZZ'");
});

test("an unknown segment is named: the first one no route knows", async () => {
  const r = await call("/users/adele.vance@contoso.com/manager");
  expectEnvelope(r, 400, "BadRequest");
  expect(r.body.error.message).toBe("Resource not found for the segment 'manager'.");
});

test("a body without a JSON Content-Type is 400, not read as JSON", async () => {
  const r = await call("/users/adele.vance@contoso.com", { method: "PATCH", body: '{"usageLocation":"US"}' });
  expectEnvelope(r, 400, "BadRequest");
  expect(r.body.error.message).toContain("Content-Type");
});

test("a body over the size limit is 413 in Graph's envelope", async () => {
  const r = await call("/users/adele.vance@contoso.com", {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ displayName: "x".repeat(3 * 1024 * 1024) }),
  });
  expectEnvelope(r, 413, "RequestEntityTooLarge");
});

test("deeply nested JSON is a 400 from the handler, not a crash", async () => {
  const r = await call("/users/adele.vance@contoso.com", {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: `{"displayName":${"[".repeat(50_000)}${"]".repeat(50_000)}}`,
  });
  expectEnvelope(r, 400, "Request_BadRequest");
});

test("$batch: dependsOn as a string, headers as a string, an unparseable url", async () => {
  const batch = (requests: unknown[]) =>
    call("/$batch", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ requests }),
    });
  const d = await batch([{ id: "1", method: "GET", url: "/subscribedSkus", dependsOn: "1" }]);
  expectEnvelope(d, 400, "BadRequest");
  expect(d.body.error.message).toContain("'dependsOn' must be an array");
  expectEnvelope(await batch([{ id: "1", method: "GET", url: "/subscribedSkus", headers: "x" }]), 400, "BadRequest");
  const u = await batch([{ id: "1", method: "GET", url: "http://[" }]);
  expect(u.status).toBe(200);
  expect(u.body.responses[0].status).toBe(400);
});

test("$batch ids are case-insensitive: 'a' and 'A' collide, dependsOn 'A' finds 'a'", async () => {
  const batch = (requests: unknown[]) =>
    call("/$batch", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ requests }),
    });
  expectEnvelope(
    await batch([
      { id: "a", method: "GET", url: "/subscribedSkus" },
      { id: "A", method: "GET", url: "/subscribedSkus" },
    ]),
    400,
    "BadRequest",
  );
  const ok = await batch([
    { id: "a", method: "GET", url: "/subscribedSkus" },
    { id: "b", method: "GET", url: "/subscribedSkus", dependsOn: ["A"] },
  ]);
  expect(ok.body.responses.map((x: any) => x.status)).toEqual([200, 200]);
});

test("/me under an app-only token is 400 as Graph answers it; the method check still applies", async () => {
  const r = await call("/me");
  expectEnvelope(r, 400, "BadRequest");
  expect(r.body.error.message).toBe("/me request is only valid with delegated authentication flow.");
  expectEnvelope(
    await call("/users/adele.vance@contoso.com/licenseDetails", { method: "DELETE" }),
    405,
    "Request_BadRequest",
  );
});
