/* eslint-disable @typescript-eslint/no-explicit-any -- contract tests assert on untyped JSON wire bodies */
/** Graph $batch: limits, unique ids, dependsOn with 424, and per-request auth/roles. */
import { withEmulator } from "../helpers/emulator";
import { graphClient, graphFailure, msalApp } from "../helpers/tenant-clients";

const ADELE = "1d7a2b3c-8e5f-4a91-8b24-6c3d9e0f1a22";
const emu = withEmulator();

const get = (id: string, url: string, dependsOn?: string[]) => ({
  id,
  method: "GET",
  url,
  ...(dependsOn ? { dependsOn } : {}),
});

test("runs inner requests through the same router and returns {responses:[{id,status,headers,body}]}", async () => {
  const r = await graphClient(emu())
    .api("/$batch")
    .post({
      requests: [
        get("1", `/users/${ADELE}?$select=id,usageLocation`),
        get("2", "/users/ghost@contoso.com"),
        {
          id: "3",
          method: "PATCH",
          url: `/users/${ADELE}`,
          headers: { "Content-Type": "application/json" },
          body: { displayName: "Adele V." },
          dependsOn: ["1"],
        },
        get("4", `/users/${ADELE}?$select=displayName`, ["2"]),
      ],
    });
  const by = Object.fromEntries((r.responses as any[]).map((x) => [x.id, x]));
  expect(by["1"]).toMatchObject({
    status: 200,
    body: { id: ADELE, usageLocation: "US" },
    headers: expect.objectContaining({ "request-id": expect.any(String) }),
  });
  expect(by["2"]).toMatchObject({ status: 404, body: { error: { code: "Request_ResourceNotFound" } } });
  expect(by["3"].status).toBe(204);
  expect(by["4"]).toMatchObject({ status: 424, body: { error: { code: "FailedDependency" } } });
});

test("each inner request is authorized on its own (reader: GET ok, PATCH 403)", async () => {
  const t = emu();
  const r = await graphClient(t, msalApp(t, t.reader))
    .api("/$batch")
    .post({
      requests: [
        get("a", `/users/${ADELE}`),
        {
          id: "b",
          method: "PATCH",
          url: `/users/${ADELE}`,
          headers: { "content-type": "application/json" },
          body: { usageLocation: "US" },
        },
      ],
    });
  const by = Object.fromEntries((r.responses as any[]).map((x) => [x.id, x.status]));
  expect(by).toEqual({ a: 200, b: 403 });
});

test("more than 20 requests → 400", async () => {
  const requests = Array.from({ length: 21 }, (_, i) => get(String(i), `/users/${ADELE}`));
  const e = await graphFailure(graphClient(emu()).api("/$batch").post({ requests }));
  expect(e).toMatchObject({
    statusCode: 400,
    code: "BadRequest",
    message: "Number of batch request steps exceeds the maximum of 20.",
  });
});

test("duplicate ids → 400; dependsOn an unknown id → 400", async () => {
  const e = await graphFailure(
    graphClient(emu())
      .api("/$batch")
      .post({ requests: [get("1", "/subscribedSkus"), get("1", "/subscribedSkus")] }),
  );
  expect(e).toMatchObject({
    statusCode: 400,
    message: "Batch request ids must be unique; '1' appears more than once.",
  });
  const d = await graphFailure(
    graphClient(emu())
      .api("/$batch")
      .post({ requests: [get("1", "/subscribedSkus", ["9"])] }),
  );
  expect(d).toMatchObject({ statusCode: 400, message: "Request '1' depends on unknown request '9'." });
});

test("the batch itself needs a token", async () => {
  const res = await fetch(`${emu().url}/v1.0/$batch`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ requests: [get("1", "/subscribedSkus")] }),
  });
  expect(res.status).toBe(401);
});
