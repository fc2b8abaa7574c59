/* eslint-disable @typescript-eslint/no-explicit-any -- contract tests assert on untyped JSON wire bodies */
/**
 * GET /servicePrincipals (graph-docs api-reference/v1.0/api/serviceprincipal-list.md): the read the
 * preflight uses to warn about a bot app id without a service principal. Application permissions
 * Application.Read.All, Application.ReadWrite.All, Directory.Read.All; `$filter` on appId. The
 * fixture's deployer holds Application.Read.All (the preflight recommends it); `unreading` drops it.
 */
import * as fs from "fs";
import * as path from "path";

import { REPO_ROOT, withEmulator, type TestEmulator } from "../helpers/emulator";
import { GRAPH_SCOPE, msalApp, token } from "../helpers/tenant-clients";

const fixture = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "emulator", "fixtures", "default.json"), "utf8"));
const reading = fixture;
const unreading = structuredClone(fixture);
unreading.apps[0].graphRoles = unreading.apps[0].graphRoles.filter((r: string) => r !== "Application.Read.All");

async function list(t: TestEmulator, query: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${t.url}/v1.0/servicePrincipals${query}`, {
    headers: { authorization: `Bearer ${await token(msalApp(t), GRAPH_SCOPE)}` },
  });
  return { status: res.status, body: await res.json() };
}

describe("without a permission to read service principals", () => {
  const emu = withEmulator(undefined, { fixture: unreading });
  test("403 Authorization_RequestDenied; its own service principal it may still read (serviceprincipal-get.md)", async () => {
    const r = await list(emu(), "");
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("Authorization_RequestDenied");
    const own = await list(emu(), `(appId='${emu().clientId}')`);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ appId: emu().clientId, servicePrincipalType: "Application" });
    expect((await list(emu(), "(appId='6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10')")).status).toBe(403);
  });
});

describe("with Application.Read.All", () => {
  const emu = withEmulator(undefined, { fixture: reading });
  test("$filter=appId eq '…' finds a bot app's service principal, and the deployer's own", async () => {
    const bot = await list(emu(), `?$filter=${encodeURIComponent("appId eq '6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10'")}`);
    expect(bot.status).toBe(200);
    expect(bot.body.value).toEqual([
      expect.objectContaining({ appId: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10", displayName: "Incident Bot (bot app)" }),
    ]);
    const own = await list(emu(), `?$filter=${encodeURIComponent(`appId eq '${emu().clientId}'`)}`);
    expect(own.body.value).toHaveLength(1);
    expect(own.body.value[0].id).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("an app id without a service principal: an empty list; an unsupported filter: 400", async () => {
    const none = await list(emu(), `?$filter=${encodeURIComponent("appId eq '0d0d0d0d-1111-4222-8333-444455556666'")}`);
    expect(none).toMatchObject({ status: 200, body: { value: [] } });
    const bad = await list(emu(), `?$filter=${encodeURIComponent("tags eq 'x'")}`);
    expect(bad.status).toBe(400);
  });
});
