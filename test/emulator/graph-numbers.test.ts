/* eslint-disable @typescript-eslint/no-explicit-any -- contract tests assert on untyped JSON wire bodies */
/** Graph contract: Teams telephone number management (list/filter/paging, assign/unassign/update, operations) and every rule. */
import { useTestClock } from "../helpers/clock";
import { withEmulator } from "../helpers/emulator";
import { graphClient, graphFailure, msalApp, newResourceAccount } from "../helpers/tenant-clients";

const VU = "440eaaa8-b3e0-484b-a8be-62870b9ba70a";
const ROOT = "/admin/teams/telephoneNumberManagement";
// Emulator time moves only when a test moves it (helpers/clock.ts): an operation is notStarted for
// its first quarter, and a licence is still provisioning when an operation started right after it
// completes, however busy the machine is.
const PROVISION_MS = 2_000;
const OPERATION_MS = 1_000;
const clock = useTestClock();
const emu = withEmulator({ licenceProvisioningDelayMs: PROVISION_MS, operationDurationMs: OPERATION_MS });
const g = () => graphClient(emu());
const sleep = async (ms: number): Promise<void> => clock.advance(ms);

async function licensedAccount(upn: string, wait = true): Promise<string> {
  const id = await newResourceAccount(emu(), upn, "bbbbbbbb-1111-4222-8333-444444444444");
  await g().api(`/users/${id}`).patch({ usageLocation: "US" });
  await g()
    .api(`/users/${id}/assignLicense`)
    .post({ addLicenses: [{ skuId: VU, disabledPlans: [] }], removeLicenses: [] });
  if (wait) await sleep(PROVISION_MS + 50);
  return id;
}

/** POSTs an action with the raw response (status + Location) using the Graph client's full response. */
async function action(name: string, body: object): Promise<{ status: number; location: string | null }> {
  const res = (await g()
    .api(`${ROOT}/numberAssignments/${name}`)
    .responseType("raw" as never)
    .post(body)) as Response;
  return { status: res.status, location: res.headers.get("location") };
}

/** Polls an operation until it settles (a read every 100 ms of emulator time); returns every status seen and the final body. */
async function poll(location: string): Promise<{ seen: string[]; final: any }> {
  const seen: string[] = [];
  for (let i = 0; i < 100; i++) {
    const op = await g().api(location).get();
    if (seen[seen.length - 1] !== op.status) seen.push(op.status);
    if (op.status === "succeeded" || op.status === "failed") return { seen, final: op };
    await sleep(OPERATION_MS / 10);
  }
  throw new Error("operation never settled");
}

async function assignAndWait(number: string, targetId: string, numberType: string): Promise<any> {
  const r = await action("assignNumber", { telephoneNumber: number, assignmentTargetId: targetId, numberType });
  expect(r.status).toBe(202);
  return (await poll(r.location!)).final;
}

async function numberRow(n: string): Promise<any> {
  const r = await g().api(`${ROOT}/numberAssignments`).filter(`telephoneNumber eq '${n}'`).get();
  return r.value[0];
}

describe("list", () => {
  test("every documented field, sorted by number, default page", async () => {
    const r = await g().api(`${ROOT}/numberAssignments`).get();
    expect(r.value.length).toBeGreaterThanOrEqual(12);
    const nums = (r.value as any[]).map((x) => x.telephoneNumber);
    expect(nums).toEqual([...nums].sort());
    // Each item names its type, as the documented examples show.
    expect(Object.keys(r.value[0]).sort()).toEqual(
      [
        "@odata.type",
        "id",
        "telephoneNumber",
        "operatorId",
        "numberType",
        "activationState",
        "capabilities",
        "locationId",
        "civicAddressId",
        "networkSiteId",
        "assignmentTargetId",
        "assignmentCategory",
        "portInStatus",
        "assignmentStatus",
        "isoCountryCode",
        "city",
        "numberSource",
        "supportedCustomerActions",
        "reverseNumberLookupOptions",
      ].sort(),
    );
    expect(r["@odata.nextLink"]).toBeUndefined();
  });

  test("$filter eq joined by and; numbers with or without +", async () => {
    const a = await g()
      .api(`${ROOT}/numberAssignments`)
      .filter("numberType eq 'directRouting' and assignmentStatus eq 'unassigned'")
      .get();
    // +14255550200 is a Direct Routing number the tenant has not seen: not in the inventory.
    expect((a.value as any[]).map((x) => x.telephoneNumber)).toEqual(["+14255550201", "+14255550202;ext=10"]);
    const b = await g().api(`${ROOT}/numberAssignments`).filter("telephoneNumber eq '14255550151'").get();
    expect(b.value).toHaveLength(1);
    expect(b.value[0]).toMatchObject({
      assignmentStatus: "userAssigned",
      assignmentTargetId: "1d7a2b3c-8e5f-4a91-8b24-6c3d9e0f1a22",
      numberType: "callingPlan",
      capabilities: ["userAssignment"],
    });
    const c = await g()
      .api(`${ROOT}/numberAssignments`)
      .filter("assignmentTargetId eq '1d7a2b3c-8e5f-4a91-8b24-6c3d9e0f1a22'")
      .get();
    expect(c.value).toHaveLength(1);
    const d = await g()
      .api(`${ROOT}/numberAssignments`)
      .filter(
        "assignmentStatus eq 'unassigned' and capabilities/any(c:c eq 'userAssignment') and numberType eq 'operatorConnect'",
      )
      .get();
    expect((d.value as any[]).map((x) => x.telephoneNumber)).toEqual(["+14255550302"]);
  });

  test("OData string literals: doubled quotes are one quote, not a syntax error", async () => {
    const r = await g()
      .api(`${ROOT}/numberAssignments`)
      .filter("assignmentTargetId eq 'o''brien' and numberType eq 'callingPlan'")
      .get();
    expect(r.value).toEqual([]);
  });

  test.each([
    ["numberType ne 'callingPlan'", "operator 'ne' is not supported"],
    ["numberType eq 'callingPlan' or numberType eq 'directRouting'", "only 'and' may join clauses"],
    ["city eq 'Redmond'", "filtering on 'city' is not supported"],
    ["startswith(telephoneNumber,'+1425')", "syntax error"],
    ["telephoneNumber eq '+1425", "unterminated string literal"],
  ])("unsupported filter %s → 400", async (filter, text) => {
    const e = await graphFailure(g().api(`${ROOT}/numberAssignments`).filter(filter).get());
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe("BadRequest");
    expect(e.message).toContain(text);
  });

  test("$top/$skip paging with @odata.nextLink; $top > 1000 → 400", async () => {
    const first = await g().api(`${ROOT}/numberAssignments`).top(5).get();
    expect(first.value).toHaveLength(5);
    expect(first["@odata.nextLink"]).toContain("$skip=5");
    const all: string[] = (first.value as any[]).map((x) => x.telephoneNumber);
    let next: string | undefined = first["@odata.nextLink"];
    while (next) {
      const page = await g().api(next).get();
      all.push(...(page.value as any[]).map((x) => x.telephoneNumber));
      next = page["@odata.nextLink"];
    }
    const full = await g().api(`${ROOT}/numberAssignments`).get();
    expect(all).toEqual((full.value as any[]).map((x) => x.telephoneNumber));
    const e = await graphFailure(g().api(`${ROOT}/numberAssignments`).top(1001).get());
    expect(e).toMatchObject({
      statusCode: 400,
      message: "The limit of '1000' for Top query has been exceeded. The value from the incoming request is '1001'.",
    });
  });
});

describe("assignNumber / unassignNumber / operations", () => {
  test("202 + Location to operations('<id>'); notStarted → running → succeeded; number shows voiceApplicationAssigned", async () => {
    const t = emu();
    const id = await licensedAccount("num-ok@contoso.com");
    const r = await action("assignNumber", {
      telephoneNumber: "14255550100",
      assignmentTargetId: id,
      numberType: "callingPlan",
    });
    expect(r.status).toBe(202);
    expect(r.location).toMatch(new RegExp(`^${t.url}/v1\\.0${ROOT}/operations\\('[A-Za-z0-9_-]+'\\)$`));
    const { seen, final } = await poll(r.location!);
    expect(seen).toEqual(["notStarted", "running", "succeeded"]);
    expect(final).toMatchObject({
      id: expect.any(String),
      createdDateTime: expect.any(String),
      status: "succeeded",
      numbers: [
        { resourceLocation: expect.stringContaining("/numberAssignments/"), status: "succeeded", statusDetail: null },
      ],
    });
    // The path form operations/{id} reads the same operation.
    expect((await g().api(`${ROOT}/operations/${final.id}`).get()).status).toBe("succeeded");
    expect(await numberRow("+14255550100")).toMatchObject({
      assignmentTargetId: id,
      assignmentStatus: "voiceApplicationAssigned",
      activationState: "activated",
    });

    const u = await action("unassignNumber", { telephoneNumber: "+14255550100", numberType: "callingPlan" });
    expect(u.status).toBe(202);
    expect((await poll(u.location!)).final.status).toBe("succeeded");
    expect(await numberRow("+14255550100")).toMatchObject({ assignmentTargetId: null, assignmentStatus: "unassigned" });
  });

  test("the effect lands only when the operation completes", async () => {
    const id = await licensedAccount("num-late@contoso.com");
    const r = await action("assignNumber", {
      telephoneNumber: "+14255550101",
      assignmentTargetId: id,
      numberType: "callingPlan",
    });
    expect((await numberRow("+14255550101")).assignmentTargetId).toBeNull();
    await poll(r.location!);
    expect((await numberRow("+14255550101")).assignmentTargetId).toBe(id);
  });

  test("rule failures make the operation fail with the service's statusDetail", async () => {
    const t = emu();
    const ready = await licensedAccount("num-rules@contoso.com");
    const other = await licensedAccount("num-rules-2@contoso.com");
    // Not in inventory.
    expect((await assignAndWait("+14255559999", ready, "callingPlan")).numbers[0].statusDetail).toBe(
      `Telephone Number '+14255559999' is not found from tenant '${t.tenantId}'`,
    );
    // In inventory but of another type: also "not found".
    expect((await assignAndWait("+14255550201", ready, "callingPlan")).numbers[0].statusDetail).toBe(
      `Telephone Number '+14255550201' is not found from tenant '${t.tenantId}'`,
    );
    // Subscriber number (userAssignment only) cannot go on a resource account.
    const cap = await assignAndWait("+14255550150", ready, "callingPlan");
    expect(cap.status).toBe("failed");
    expect(cap.numbers[0].statusDetail).toBe(
      "Telephone number '+14255550150' does not have required capabilities to be assigned to target type 'ResourceAccount'",
    );
    // One target per number.
    expect((await assignAndWait("+14255550300", ready, "operatorConnect")).status).toBe("succeeded");
    expect((await assignAndWait("+14255550300", other, "operatorConnect")).numbers[0].statusDetail).toBe(
      "Telephone Number '+14255550300' has already been assigned to another user",
    );
    // Re-assigning to the same target is idempotent.
    expect((await assignAndWait("+14255550300", ready, "operatorConnect")).status).toBe("succeeded");
    // Unknown target.
    const ghost = "12345678-1234-4234-8234-123456789012";
    expect((await assignAndWait("+14255550301", ghost, "operatorConnect")).numbers[0].statusDetail).toBe(
      `The user '${ghost}' is not found`,
    );
  });

  test("licence before numbers: unlicensed and still-provisioning accounts are 'not found'", async () => {
    const unlicensed = await newResourceAccount(emu(), "num-nolic@contoso.com");
    expect((await assignAndWait("+14255550102", unlicensed, "callingPlan")).numbers[0].statusDetail).toBe(
      `The user '${unlicensed}' is not found`,
    );
    const pending = await licensedAccount("num-pending@contoso.com", false);
    const r = await assignAndWait("+14255550102", pending, "callingPlan");
    expect(r.status).toBe("failed");
    expect(r.numbers[0].statusDetail).toBe(`The user '${pending}' is not found`);
    await sleep(PROVISION_MS);
    expect((await assignAndWait("+14255550102", pending, "callingPlan")).status).toBe("succeeded");
  });

  test("Direct Routing numbers with an extension can be assigned and unassigned", async () => {
    const id = await licensedAccount("num-dr@contoso.com");
    expect((await assignAndWait("+14255550202;ext=10", id, "directRouting")).status).toBe("succeeded");
    const u = await action("unassignNumber", { telephoneNumber: "+14255550202;ext=10", numberType: "directRouting" });
    expect((await poll(u.location!)).final.status).toBe("succeeded");
    expect((await numberRow("+14255550202;ext=10")).assignmentTargetId).toBeNull();
  });

  test.each([
    [
      { assignmentTargetId: "x", numberType: "callingPlan" },
      "The parameter 'telephoneNumber' is required for the action 'assignNumber'.",
    ],
    [
      { telephoneNumber: "+14255550103", numberType: "callingPlan" },
      "The parameter 'assignmentTargetId' is required for the action 'assignNumber'.",
    ],
    [
      { telephoneNumber: "+14255550103", assignmentTargetId: "x" },
      "The parameter 'numberType' is required for the action 'assignNumber'.",
    ],
    [
      { telephoneNumber: "+14255550103", assignmentTargetId: "x", numberType: "CallingPlan" },
      "Cannot convert the literal 'CallingPlan' to the expected type 'microsoft.graph.teamsAdministration.numberType'.",
    ],
    [
      { telephoneNumber: "tel:+14255550103", assignmentTargetId: "x", numberType: "callingPlan" },
      "Telephone number 'tel:+14255550103' is not a valid E.164 number.",
    ],
    [
      { telephoneNumber: "+14255550103", assignmentTargetId: "x", numberType: "callingPlan", bogus: 1 },
      "The parameter 'bogus' in the request payload is not a valid parameter for the operation 'assignNumber'.",
    ],
  ])("body validation is synchronous 400: %j", async (body, message) => {
    const e = await graphFailure(g().api(`${ROOT}/numberAssignments/assignNumber`).post(body));
    expect(e).toMatchObject({ statusCode: 400, code: "BadRequest", message });
  });

  test("unknown operation → 404", async () => {
    expect((await graphFailure(g().api(`${ROOT}/operations('nope')`).get())).statusCode).toBe(404);
  });
});

describe("issue 11: Direct Routing inventory, emergency locations, Teams lagging behind Entra", () => {
  const inventory = async (): Promise<string[]> =>
    ((await g().api(`${ROOT}/numberAssignments`).top(1000).get()).value as any[]).map((x) => x.telephoneNumber);

  test("a Direct Routing number outside the inventory is assigned, enters it, and leaves it when unassigned", async () => {
    const id = await licensedAccount("dr-unlisted@contoso.com");
    expect(await inventory()).not.toContain("+14255550260");
    expect((await assignAndWait("14255550260", id, "directRouting")).status).toBe("succeeded");
    expect(await numberRow("+14255550260")).toMatchObject({
      numberType: "directRouting",
      assignmentTargetId: id,
      assignmentStatus: "voiceApplicationAssigned",
      locationId: null,
      capabilities: ["conferenceAssignment", "voiceApplicationAssignment", "userAssignment"],
    });
    const u = await action("unassignNumber", { telephoneNumber: "+14255550260", numberType: "directRouting" });
    expect((await poll(u.location!)).final.status).toBe("succeeded");
    expect(await inventory()).not.toContain("+14255550260");
    // Not a Direct Routing number: still "not found".
    expect((await assignAndWait("+14255550261", id, "callingPlan")).status).toBe("failed");
    // Uploaded (seeded) Direct Routing numbers stay after an unassign.
    expect((await assignAndWait("+14255550201", id, "directRouting")).status).toBe("succeeded");
    const u2 = await action("unassignNumber", { telephoneNumber: "+14255550201", numberType: "directRouting" });
    await poll(u2.location!);
    expect(await numberRow("+14255550201")).toMatchObject({ assignmentStatus: "unassigned" });
  });

  test("directRoutingAssignUploads: an assigned number stays in the inventory after the unassign", async () => {
    const id = await licensedAccount("dr-upload@contoso.com");
    await emu().admin.put("/faults", { directRoutingAssignUploads: true });
    try {
      await assignAndWait("+14255550262", id, "directRouting");
      const u = await action("unassignNumber", { telephoneNumber: "+14255550262", numberType: "directRouting" });
      await poll(u.location!);
      expect(await numberRow("+14255550262")).toMatchObject({
        assignmentStatus: "unassigned",
        assignmentTargetId: null,
      });
    } finally {
      await emu().admin.put("/faults", { directRoutingAssignUploads: false });
    }
  });

  test("Calling Plan and Operator Connect numbers carry a location; a Calling Plan one cannot lose it", async () => {
    expect((await numberRow("+14255550104")).locationId).toBe("3b1c5a7e-0a2d-4f6b-9c8e-1d2f3a4b5c61");
    expect((await numberRow("+14255550300")).locationId).toBe("9d4e2f1a-6b3c-4d5e-8f70-a1b2c3d4e5f6");
    const refused = await graphFailure(
      g().api(`${ROOT}/numberAssignments/updateNumber`).post({ telephoneNumber: "+14255550104", locationId: "" }),
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.message).toContain("Removal of location is not supported for telephone number '+14255550104'");
    expect((await numberRow("+14255550104")).locationId).toBe("3b1c5a7e-0a2d-4f6b-9c8e-1d2f3a4b5c61");
  });

  test("teamsLicenceLagMs: 'lacks appropriate licenses' while Graph already shows Success; usageLocationLagMs: assignLicense refused", async () => {
    // Teams' lag outlasts one number operation (OPERATION_MS) after the licence shows Success.
    const TEAMS_LAG_MS = 3 * OPERATION_MS;
    await emu().admin.put("/faults", { teamsLicenceLagMs: TEAMS_LAG_MS, usageLocationLagMs: 600 });
    try {
      const id = await newResourceAccount(emu(), "lag@contoso.com", "bbbbbbbb-1111-4222-8333-444444444444");
      await g().api(`/users/${id}`).patch({ usageLocation: "US" });
      const early = await graphFailure(
        g()
          .api(`/users/${id}/assignLicense`)
          .post({ addLicenses: [{ skuId: VU, disabledPlans: [] }], removeLicenses: [] }),
      );
      expect(early.message).toBe("License assignment cannot be done for user with invalid usage location.");
      await sleep(650);
      await g()
        .api(`/users/${id}/assignLicense`)
        .post({ addLicenses: [{ skuId: VU, disabledPlans: [] }], removeLicenses: [] });
      await sleep(PROVISION_MS + 50);
      const plans = (await g().api(`/users/${id}/licenseDetails`).get()).value[0].servicePlans as any[];
      expect(plans.find((p) => p.servicePlanName === "MCOEV_VIRTUALUSER").provisioningStatus).toBe("Success");
      expect((await assignAndWait("+14255550105", id, "callingPlan")).numbers[0].statusDetail).toBe(
        `User '${id}' lacks appropriate licenses to assign a 'CallingPlan' number`,
      );
      await sleep(TEAMS_LAG_MS);
      expect((await assignAndWait("+14255550105", id, "callingPlan")).status).toBe("succeeded");
      const u = await action("unassignNumber", { telephoneNumber: "+14255550105", numberType: "callingPlan" });
      await poll(u.location!);
    } finally {
      await emu().admin.put("/faults", { teamsLicenceLagMs: 0, usageLocationLagMs: 0 });
    }
  });
});

describe("updateNumber", () => {
  test("200; '' clears, null keeps", async () => {
    const a = await g()
      .api(`${ROOT}/numberAssignments/updateNumber`)
      .post({
        telephoneNumber: "+14255550201",
        locationId: "loc-1",
        networkSiteId: "site-1",
        reverseNumberLookupOptions: ["skipInternalVoip"],
      });
    expect(a).toMatchObject({
      telephoneNumber: "+14255550201",
      locationId: "loc-1",
      networkSiteId: "site-1",
      reverseNumberLookupOptions: ["skipInternalVoip"],
    });
    const b = await g()
      .api(`${ROOT}/numberAssignments/updateNumber`)
      .post({ telephoneNumber: "14255550201", locationId: "", networkSiteId: null });
    expect(b).toMatchObject({ locationId: null, networkSiteId: "site-1" });
  });

  test("unknown number → 400 not found", async () => {
    const t = emu();
    const e = await graphFailure(
      g().api(`${ROOT}/numberAssignments/updateNumber`).post({ telephoneNumber: "+19999999999", locationId: "x" }),
    );
    expect(e).toMatchObject({
      statusCode: 400,
      message: `Telephone Number '+19999999999' is not found from tenant '${t.tenantId}'`,
    });
  });
});

describe("permissions", () => {
  test("TeamsTelephoneNumber.Read.All may list but not assign", async () => {
    const t = emu();
    const reader = graphClient(t, msalApp(t, t.reader));
    expect((await reader.api(`${ROOT}/numberAssignments`).top(1).get()).value).toHaveLength(1);
    const e = await graphFailure(
      reader
        .api(`${ROOT}/numberAssignments/assignNumber`)
        .post({ telephoneNumber: "+14255550104", assignmentTargetId: "x", numberType: "callingPlan" }),
    );
    expect(e).toMatchObject({
      statusCode: 403,
      code: "Authorization_RequestDenied",
      message: "Insufficient privileges to complete the operation.",
    });
  });
});
