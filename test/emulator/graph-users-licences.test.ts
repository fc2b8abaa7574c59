/* eslint-disable @typescript-eslint/no-explicit-any -- contract tests assert on untyped JSON wire bodies */
/** Graph contract: users, subscribedSkus, assignLicense and licenseDetails with the real Graph client; 401/403. */
import * as fs from "fs";
import * as path from "path";

import { useTestClock } from "../helpers/clock";
import { startTestEmulator, TestEmulator, withEmulator } from "../helpers/emulator";
import { graphClient, graphFailure, msalApp, newResourceAccount, TEAMS_SCOPE, token } from "../helpers/tenant-clients";

const VU = "440eaaa8-b3e0-484b-a8be-62870b9ba70a";
const E5 = "06ebc4ee-1bb5-47dd-8120-11324bc54e06";
const ADELE = "1d7a2b3c-8e5f-4a91-8b24-6c3d9e0f1a22";
// Emulator time moves only when a test moves it (helpers/clock.ts): "still provisioning" holds however busy the machine is.
const clock = useTestClock();
const emu = withEmulator({ licenceProvisioningDelayMs: 400 });
const g = () => graphClient(emu());

function expectEnvelope(body: any, requestIdHeader?: string): void {
  expect(Object.keys(body)).toEqual(["error"]);
  expect(typeof body.error.code).toBe("string");
  expect(typeof body.error.innerError.date).toBe("string");
  expect(typeof body.error.innerError["request-id"]).toBe("string");
  expect(typeof body.error.innerError["client-request-id"]).toBe("string");
  if (requestIdHeader) expect(body.error.innerError["request-id"]).toBe(requestIdHeader);
}

describe("users", () => {
  test("GET by UPN and by id returns Graph's default projection; $select returns exactly what was asked", async () => {
    const byUpn = await g().api("/users/adele.vance@contoso.com").get();
    expect(byUpn.id).toBe(ADELE);
    expect(byUpn.displayName).toBe("Adele Vance");
    expect(byUpn.mail).toBeNull();
    // Like real Graph v1.0: usageLocation/accountEnabled/assignedLicenses need $select.
    expect(byUpn).not.toHaveProperty("usageLocation");
    const sel = await g()
      .api(`/users/${ADELE}`)
      .select(["id", "usageLocation", "accountEnabled", "department", "assignedLicenses"])
      .get();
    expect(sel).toEqual({
      "@odata.context": expect.stringContaining("$metadata#users("),
      id: ADELE,
      usageLocation: "US",
      accountEnabled: true,
      department: "Sales",
      assignedLicenses: [{ disabledPlans: [], skuId: E5 }],
    });
  });

  test("$select of an unknown property is 400", async () => {
    const e = await graphFailure(g().api(`/users/${ADELE}`).select("nope").get());
    expect(e).toMatchObject({
      statusCode: 400,
      code: "Request_BadRequest",
      message: "Could not find a property named 'nope' on type 'microsoft.graph.user'.",
    });
  });

  test("unknown user: 404 Request_ResourceNotFound with the documented text, in Graph's envelope", async () => {
    const e = await graphFailure(g().api("/users/ghost@contoso.com").get());
    expect(e.statusCode).toBe(404);
    expect(e.code).toBe("Request_ResourceNotFound");
    expect(e.message).toBe(
      "Resource 'ghost@contoso.com' does not exist or one of its queried reference-property objects are not present.",
    );
    // The Graph client hands over the envelope's inner "error" object.
    expect(e.body.innerError).toEqual({
      date: expect.any(String),
      "request-id": expect.any(String),
      "client-request-id": expect.any(String),
    });
  });

  test("request-id header matches the envelope and client-request-id is echoed", async () => {
    const t = emu();
    const tok = await token(msalApp(t), "https://graph.microsoft.com/.default");
    const res = await fetch(`${t.url}/v1.0/users/ghost`, {
      headers: { authorization: `Bearer ${tok}`, "client-request-id": "abc-123" },
    });
    const body = await res.json();
    expect(res.headers.get("client-request-id")).toBe("abc-123");
    expectEnvelope(body, res.headers.get("request-id") ?? undefined);
    expect((body as any).error.innerError["client-request-id"]).toBe("abc-123");
  });

  test("PATCH usageLocation and displayName → 204; invalid country → 400", async () => {
    const id = await newResourceAccount(emu(), "patch-me@contoso.com");
    await g().api(`/users/${id}`).patch({ usageLocation: "GB", displayName: "Patched" });
    expect(
      await g().api(`/users/${id}`).select("usageLocation,displayName,department,accountEnabled").get(),
    ).toMatchObject({
      usageLocation: "GB",
      displayName: "Patched",
      department: "Microsoft Communication Application Instance",
      accountEnabled: false,
    });
    const e = await graphFailure(g().api(`/users/${id}`).patch({ usageLocation: "XX" }));
    expect(e).toMatchObject({
      statusCode: 400,
      code: "Request_BadRequest",
      message: "Invalid value specified for property 'usageLocation' of resource 'User'.",
    });
    const e2 = await graphFailure(g().api(`/users/${id}`).patch({ usageLocation: "usa" }));
    expect(e2.statusCode).toBe(400);
  });

  test("DELETE → 204 frees the seat, releases the number, removes the APS mapping; then 404", async () => {
    const t = emu();
    const id = await newResourceAccount(t, "delete-me@contoso.com", "aaaaaaaa-1111-4222-8333-444444444444");
    await g().api(`/users/${id}`).patch({ usageLocation: "US" });
    const consumed = async () =>
      ((await g().api("/subscribedSkus").get()).value as any[]).find((s) => s.skuId === VU).consumedUnits as number;
    const before = await consumed();
    await g()
      .api(`/users/${id}/assignLicense`)
      .post({ addLicenses: [{ skuId: VU, disabledPlans: [] }], removeLicenses: [] });
    expect(await consumed()).toBe(before + 1);
    await t.admin.post("/admin/assignNumber", { telephoneNumber: "+14255550105", targetId: id });
    expect(((await t.admin.get<any>("/state")).aps as Record<string, string>)[id]).toBe(
      "aaaaaaaa-1111-4222-8333-444444444444",
    );
    await g().api(`/users/${id}`).delete();
    expect(await consumed()).toBe(before);
    const state = await t.admin.get<any>("/state");
    expect(state.numbers.find((n: any) => n.telephoneNumber === "+14255550105").assignmentTargetId).toBeNull();
    expect(state.aps[id]).toBeUndefined();
    expect((await graphFailure(g().api(`/users/${id}`).get())).statusCode).toBe(404);
    expect((await graphFailure(g().api(`/users/${id}`).delete())).statusCode).toBe(404);
  });
});

describe("subscribedSkus", () => {
  test("real shape: id <tenant>_<sku>, prepaidUnits, consumedUnits, servicePlans", async () => {
    const t = emu();
    const r = await g().api("/subscribedSkus").get();
    const vu = (r.value as any[]).find((s) => s.skuPartNumber === "PHONESYSTEM_VIRTUALUSER");
    expect(vu).toMatchObject({
      id: `${t.tenantId}_${VU}`,
      skuId: VU,
      appliesTo: "User",
      capabilityStatus: "Enabled",
      prepaidUnits: { enabled: 25, lockedOut: 0, suspended: 0, warning: 0 },
      servicePlans: [
        {
          servicePlanId: "f47330e9-c134-43b3-9993-e7f004506889",
          servicePlanName: "MCOEV_VIRTUALUSER",
          provisioningStatus: "Success",
          appliesTo: "User",
        },
      ],
    });
    expect(typeof vu.consumedUnits).toBe("number");
    expect((r.value as any[]).some((s) => s.skuPartNumber === "SPE_E5" && s.consumedUnits === 2)).toBe(true);
  });
});

describe("assignLicense and licenseDetails", () => {
  test("both arrays are required", async () => {
    const id = await newResourceAccount(emu(), "arrays@contoso.com");
    const a = await graphFailure(
      g()
        .api(`/users/${id}/assignLicense`)
        .post({ addLicenses: [{ skuId: VU }] }),
    );
    expect(a).toMatchObject({
      statusCode: 400,
      code: "Request_BadRequest",
      message: "Invalid value specified for property 'removeLicenses' of resource 'User'.",
    });
    const b = await graphFailure(g().api(`/users/${id}/assignLicense`).post({ removeLicenses: [] }));
    expect(b).toMatchObject({
      statusCode: 400,
      code: "Request_BadRequest",
      message: "Invalid value specified for property 'addLicenses' of resource 'User'.",
    });
  });

  test("usage location before licence", async () => {
    const id = await newResourceAccount(emu(), "nousage@contoso.com");
    const e = await graphFailure(
      g()
        .api(`/users/${id}/assignLicense`)
        .post({ addLicenses: [{ skuId: VU, disabledPlans: [] }], removeLicenses: [] }),
    );
    expect(e).toMatchObject({
      statusCode: 400,
      code: "Request_BadRequest",
      message: "License assignment cannot be done for user with invalid usage location.",
    });
  });

  test("unknown skuId → 400", async () => {
    const id = await newResourceAccount(emu(), "badsku@contoso.com");
    await g().api(`/users/${id}`).patch({ usageLocation: "US" });
    const sku = "99999999-9999-4999-8999-999999999999";
    const e = await graphFailure(
      g()
        .api(`/users/${id}/assignLicense`)
        .post({ addLicenses: [{ skuId: sku, disabledPlans: [] }], removeLicenses: [] }),
    );
    expect(e).toMatchObject({
      statusCode: 400,
      code: "Request_BadRequest",
      message: `License ${sku} does not correspond to a valid company License.`,
    });
  });

  test("returns 200 + the user; MCOEV_VIRTUALUSER is PendingProvisioning, then Success after the delay", async () => {
    const id = await newResourceAccount(emu(), "lic@contoso.com");
    await g().api(`/users/${id}`).patch({ usageLocation: "US" });
    const user = await g()
      .api(`/users/${id}/assignLicense`)
      .post({ addLicenses: [{ skuId: VU, disabledPlans: [] }], removeLicenses: [] });
    expect(user.id).toBe(id);
    expect(user.userPrincipalName).toBe("lic@contoso.com");
    const details = async () => (await g().api(`/users/${id}/licenseDetails`).get()).value as any[];
    const d1 = await details();
    expect(d1).toHaveLength(1);
    expect(d1[0]).toMatchObject({ skuId: VU, skuPartNumber: "PHONESYSTEM_VIRTUALUSER" });
    expect(d1[0].servicePlans[0]).toEqual({
      servicePlanId: "f47330e9-c134-43b3-9993-e7f004506889",
      servicePlanName: "MCOEV_VIRTUALUSER",
      provisioningStatus: "PendingProvisioning",
      appliesTo: "User",
    });
    clock.advance(450);
    expect((await details())[0].servicePlans[0].provisioningStatus).toBe("Success");
    const sel = await g().api(`/users/${id}`).select("assignedLicenses,assignedPlans").get();
    expect(sel.assignedLicenses).toEqual([{ disabledPlans: [], skuId: VU }]);
    expect(sel.assignedPlans[0]).toMatchObject({
      servicePlanId: "f47330e9-c134-43b3-9993-e7f004506889",
      capabilityStatus: "Enabled",
      service: "MicrosoftCommunicationsOnline",
    });
    // Removing works through the same action.
    await g()
      .api(`/users/${id}/assignLicense`)
      .post({ addLicenses: [], removeLicenses: [VU] });
    expect(await details()).toEqual([]);
    const e = await graphFailure(
      g()
        .api(`/users/${id}/assignLicense`)
        .post({ addLicenses: [], removeLicenses: [VU] }),
    );
    expect(e).toMatchObject({ statusCode: 400, message: "User does not have a corresponding license." });
  });
});

describe("seat counting", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    const raw = JSON.parse(fs.readFileSync(path.join(__dirname, "../../emulator/fixtures/default.json"), "utf8"));
    raw.skus[0].prepaidUnits.enabled = 1;
    t = await startTestEmulator(undefined, { fixture: raw });
  });
  afterAll(() => t.stop());

  test("the second licence fails: no available licenses", async () => {
    const gc = graphClient(t);
    const a = await newResourceAccount(t, "seat-a@contoso.com");
    const b = await newResourceAccount(t, "seat-b@contoso.com");
    for (const id of [a, b]) await gc.api(`/users/${id}`).patch({ usageLocation: "US" });
    await gc
      .api(`/users/${a}/assignLicense`)
      .post({ addLicenses: [{ skuId: VU, disabledPlans: [] }], removeLicenses: [] });
    const e = await graphFailure(
      gc.api(`/users/${b}/assignLicense`).post({ addLicenses: [{ skuId: VU, disabledPlans: [] }], removeLicenses: [] }),
    );
    expect(e).toMatchObject({
      statusCode: 400,
      code: "Request_BadRequest",
      message: `Subscription with SKU ${VU} does not have any available licenses.`,
    });
    // Deleting the holder frees the seat.
    await gc.api(`/users/${a}`).delete();
    await gc
      .api(`/users/${b}/assignLicense`)
      .post({ addLicenses: [{ skuId: VU, disabledPlans: [] }], removeLicenses: [] });
  });
});

describe("authentication and authorization", () => {
  test("no token → 401 InvalidAuthenticationToken", async () => {
    const t = emu();
    const res = await fetch(`${t.url}/v1.0/users/${ADELE}`);
    expect(res.status).toBe(401);
    const body = (await res.json()) as any;
    expect(body.error).toMatchObject({ code: "InvalidAuthenticationToken", message: "Access token is empty." });
  });

  test("a Teams admin API token is refused by Graph (audience)", async () => {
    const t = emu();
    const teamsToken = await token(msalApp(t), TEAMS_SCOPE);
    const e = await graphFailure(
      graphClient(t, async () => teamsToken)
        .api(`/users/${ADELE}`)
        .get(),
    );
    expect(e).toMatchObject({
      statusCode: 401,
      code: "InvalidAuthenticationToken",
      message: "Access token validation failure. Invalid audience.",
    });
  });

  test("a tampered token is refused (signature)", async () => {
    const t = emu();
    const good = await token(msalApp(t), "https://graph.microsoft.com/.default");
    const [h, p, s] = good.split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString());
    claims.roles.push("Directory.ReadWrite.All");
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
    const e = await graphFailure(
      graphClient(t, async () => forged)
        .api(`/users/${ADELE}`)
        .get(),
    );
    expect(e).toMatchObject({
      statusCode: 401,
      code: "InvalidAuthenticationToken",
      message: "Access token validation failure. Invalid signature.",
    });
  });

  test("the reader app may read users but not write: 403 Authorization_RequestDenied naming nothing secret", async () => {
    const t = emu();
    const reader = graphClient(t, msalApp(t, t.reader));
    expect((await reader.api(`/users/${ADELE}`).get()).id).toBe(ADELE);
    const e = await graphFailure(reader.api(`/users/${ADELE}`).patch({ usageLocation: "US" }));
    expect(e).toMatchObject({
      statusCode: 403,
      code: "Authorization_RequestDenied",
      message: "Insufficient privileges to complete the operation.",
    });
    const calls = [
      () => reader.api("/subscribedSkus").get(),
      () => reader.api(`/users/${ADELE}/assignLicense`).post({ addLicenses: [], removeLicenses: [] }),
      () => reader.api(`/users/${ADELE}`).delete(),
    ];
    for (const call of calls) expect((await graphFailure(call())).statusCode).toBe(403);
  });

  test("unknown Graph paths are 400 BadRequest like Graph's segment error", async () => {
    const e = await graphFailure(g().api("/groups").get());
    expect(e).toMatchObject({
      statusCode: 400,
      code: "BadRequest",
      message: "Resource not found for the segment 'groups'.",
    });
  });
});
