/* eslint-disable @typescript-eslint/no-explicit-any -- contract tests assert on untyped JSON wire bodies */
/**
 * Graph's rules for every family the emulator serves (issue 23): each documented query option is
 * honoured or refused with Graph's own error, never silently ignored. One regress test per case
 * the issue lists; each was red before its fix. Sources: emulator/FIDELITY.md ("Query options").
 */
import * as https from "https";

import { loadFixture, type FixtureInput } from "../../emulator";
import { withEmulator, type TestEmulator } from "../helpers/emulator";
import { GRAPH_SCOPE, msalApp, token } from "../helpers/tenant-clients";

const fixture = structuredClone(loadFixture()) as unknown as FixtureInput & {
  apps: { graphRoles: string[] }[];
};
// The deployer may read service principals (Application.Read.All), as the preflight recommends.
if (!fixture.apps[0]!.graphRoles.includes("Application.Read.All"))
  fixture.apps[0]!.graphRoles.push("Application.Read.All");
const emu = withEmulator({ operationDurationMs: 0 }, { fixture });

const ADELE = "1d7a2b3c-8e5f-4a91-8b24-6c3d9e0f1a22";
const BOT_APP = "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10";
const NUMBERS = "/admin/teams/telephoneNumberManagement/numberAssignments";
const EVENTUAL = { ConsistencyLevel: "eventual" };

interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

async function call(
  t: TestEmulator,
  method: string,
  pathOrUrl: string,
  opts: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<Reply> {
  const url = pathOrUrl.startsWith("http") ? pathOrUrl : `${t.url}/v1.0${pathOrUrl}`;
  const headers: Record<string, string> = {
    authorization: `Bearer ${await token(msalApp(t), GRAPH_SCOPE)}`,
    ...(opts.headers ?? {}),
  };
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(url, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}
/** A GET with the path sent as written (fetch would resolve dot segments itself). */
function rawGet(t: TestEmulator, path: string, authorization: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "localhost", port: t.port, path, headers: { authorization } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
const get = (t: TestEmulator, p: string, headers?: Record<string, string>): Promise<Reply> =>
  call(t, "GET", p, { headers });

describe("$search (directory objects only, ConsistencyLevel: eventual)", () => {
  test("regress: without the header it is refused as aad-advanced-queries.md documents", async () => {
    const r = await get(emu(), `/users?$search=${encodeURIComponent('"displayName:adele"')}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({
      code: "Request_UnsupportedQuery",
      message:
        "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
    });
  });

  test("regress: with the header only matching users come back, and @odata.count counts the matches", async () => {
    const r = await get(emu(), `/users?$search=${encodeURIComponent('"displayName:ade"')}&$count=true`, EVENTUAL);
    expect(r.status).toBe(200);
    expect(r.body["@odata.count"]).toBe(1);
    expect(r.body.value.map((u: any) => u.displayName)).toEqual(["Adele Vance"]);
  });

  test("regress: outside directory objects (number assignments) $search is refused, not ignored", async () => {
    const r = await get(emu(), `${NUMBERS}?$search=${encodeURIComponent('"x"')}`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/Query option 'Search' is not allowed/);
  });
});

describe("$orderby and $expand on collections", () => {
  test("$orderby=displayName desc orders the users", async () => {
    const r = await get(emu(), "/users?$orderby=displayName%20desc&$select=displayName");
    expect(r.status).toBe(200);
    const names = r.body.value.map((u: any) => u.displayName);
    expect(names.length).toBeGreaterThan(2);
    expect(names).toEqual([...names].sort((a: string, b: string) => b.localeCompare(a)));
  });

  test("regress: $orderby on service principals needs an advanced query; with one it orders", async () => {
    expect((await get(emu(), "/servicePrincipals?$orderby=displayName")).status).toBe(400);
    const r = await get(emu(), "/servicePrincipals?$orderby=displayName&$count=true", EVENTUAL);
    expect(r.status).toBe(200);
    const names = r.body.value.map((s: any) => s.displayName);
    expect(names).toEqual([...names].sort((a: string, b: string) => a.localeCompare(b)));
  });

  test("regress: $expand=memberOf is honoured (each user carries the relationship); an unknown one is 400", async () => {
    const r = await get(emu(), "/users?$expand=memberOf");
    expect(r.status).toBe(200);
    for (const u of r.body.value) expect(u.memberOf).toEqual([]);
    const bad = await get(emu(), "/users?$expand=noSuchRelationship");
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/noSuchRelationship/);
  });
});

describe("$count, @odata.count and @odata.nextLink paging", () => {
  test("regress: $count=true without ConsistencyLevel is 200 and omits the count (aad-advanced-queries.md)", async () => {
    const r = await get(emu(), "/users?$count=true");
    expect(r.status).toBe(200);
    expect(r.body).not.toHaveProperty(["@odata.count"]);
    expect(r.body.value.length).toBeGreaterThan(0);
  });

  test("regress: following an @odata.nextLink without the header works when the first page did not need it", async () => {
    const first = await get(emu(), "/users?$top=1&$count=true");
    expect(first.status).toBe(200);
    const next = await get(emu(), first.body["@odata.nextLink"]);
    expect(next.status).toBe(200);
    expect(next.body.value).toHaveLength(1);
    expect(next.body.value[0].id).not.toBe(first.body.value[0].id);
  });

  test("regress: @odata.count is on the first page only (paging.md)", async () => {
    const first = await get(emu(), "/users?$top=1&$count=true", EVENTUAL);
    expect(first.body["@odata.count"]).toBeGreaterThan(1);
    const next = await get(emu(), first.body["@odata.nextLink"], EVENTUAL);
    expect(next.status).toBe(200);
    expect(next.body).not.toHaveProperty(["@odata.count"]);
  });

  test("regress: $top=0 on numberAssignments is refused (no @odata.nextLink to itself)", async () => {
    const r = await get(emu(), `${NUMBERS}?$top=0`);
    expect(r.status).toBe(400);
    expect(r.body.error.innerError.code).toBe("zeroOrFewerResultsRequested");
  });
});

describe("service principals: get by id and by the appId alternate key, the list's query options", () => {
  test("regress: GET /servicePrincipals/{id} and /servicePrincipals(appId='…') return the documented object", async () => {
    const listed = await get(emu(), `/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${BOT_APP}'`)}`);
    const id = listed.body.value[0].id;
    const byId = await get(emu(), `/servicePrincipals/${id}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({
      id,
      appId: BOT_APP,
      displayName: "Incident Bot (bot app)",
      servicePrincipalType: "Application",
      appRoles: [],
      servicePrincipalNames: expect.any(Array),
      keyCredentials: [],
      passwordCredentials: [],
    });
    const byAppId = await get(emu(), `/servicePrincipals(appId='${BOT_APP}')`);
    expect(byAppId.status).toBe(200);
    expect(byAppId.body.id).toBe(id);
    const missing = await get(emu(), "/servicePrincipals(appId='0d0d0d0d-1111-4222-8333-444455556666')");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("Request_ResourceNotFound");
  });

  test("regress: startswith, $select, $top with paging and $count with ConsistencyLevel", async () => {
    const r = await get(
      emu(),
      `/servicePrincipals?$filter=${encodeURIComponent("startswith(displayName,'Incident')")}&$select=id,appId`,
    );
    expect(r.status).toBe(200);
    expect(r.body.value).toEqual([{ id: expect.any(String), appId: BOT_APP }]);
    const paged = await get(emu(), "/servicePrincipals?$top=2&$count=true", EVENTUAL);
    expect(paged.body.value).toHaveLength(2);
    expect(paged.body["@odata.count"]).toBeGreaterThan(2);
    expect(paged.body["@odata.nextLink"]).toContain("$skiptoken=");
  });
});

describe("users: create", () => {
  test("regress: POST /users creates the user (201, the default projection), as user-post-users.md documents", async () => {
    const r = await call(emu(), "POST", "/users", {
      body: {
        accountEnabled: true,
        displayName: "Rules Test",
        mailNickname: "rulestest",
        userPrincipalName: "rules.test@contoso.com",
        passwordProfile: { forceChangePasswordNextSignIn: true, password: "xWwvJ]6NMw+bWH-d" },
      },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ displayName: "Rules Test", userPrincipalName: "rules.test@contoso.com" });
    expect(r.body).not.toHaveProperty("passwordProfile");
    expect((await get(emu(), `/users/${r.body.id}`)).status).toBe(200);
  });
});

describe("envelopes", () => {
  test("regress: a 429 body is throttling.md's sample (innerError code, status, message)", async () => {
    const t = emu();
    await t.admin.put("/faults", { families: { graph: { throttleNext: 1, retryAfterSeconds: 1 } } });
    const r = await get(t, `/users/${ADELE}`);
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("1");
    expect(r.body.error).toMatchObject({
      code: "TooManyRequests",
      message: "Please retry again later.",
      innerError: { code: "429", message: "Please retry after", status: "429" },
    });
  });

  test("regress: $batch inner responses carry json-batching.md's headers (Content-Type, OData-Version)", async () => {
    const r = await call(emu(), "POST", "/$batch", {
      body: { requests: [{ id: "1", method: "GET", url: `/users/${ADELE}` }] },
    });
    const inner = r.body.responses[0];
    expect(inner.status).toBe(200);
    expect(inner.headers["Content-Type"]).toMatch(/^application\/json;odata\.metadata=minimal/);
    expect(inner.headers["OData-Version"]).toBe("4.0");
  });

  test("regress: an option a route does not support is refused with the family's error ($skip on users)", async () => {
    const r = await get(emu(), "/users?$skip=1");
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({
      code: "Request_BadRequest",
      message: "'$skip' is not supported by the service.",
    });
  });

  test("regress: /v1.0/../abcd/users/{id} is not the user (dot segments are resolved before routing)", async () => {
    const t = emu();
    const authorization = `Bearer ${await token(msalApp(t), GRAPH_SCOPE)}`;
    for (const r of [
      await rawGet(t, `/v1.0/../abcd/users/${ADELE}`, "Bearer x"),
      await rawGet(t, `/v1.0/../abcd/users/${ADELE}`, authorization),
    ]) {
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).error).toMatchObject({ code: "BadRequest", message: "Invalid version: abcd" });
    }
  });
});
