/** VirtualUserLicense lifecycle against the emulator. */
import * as fs from "fs";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";

import { currentSettings } from "../../provider/access/session";
import { provider as typed } from "../../provider/resources/virtualUserLicense";
import { tenantParts } from "../../provider/tenant";
import { REPO_ROOT } from "../helpers/emulator";
import { auditSince, captureProgress, checked, createAccount, rejection, startHarness, type Harness } from "./harness";

const provider = typed as pulumi.dynamic.ResourceProvider;
const VIRTUAL_USER = "440eaaa8-b3e0-484b-a8be-62870b9ba70a";
const E5 = "06ebc4ee-1bb5-47dd-8120-11324bc54e06";

type Outs = Record<string, unknown> & { userId: string; skuId: string; servicePlanStatus: string };

describe("VirtualUserLicense", () => {
  let h: Harness;
  let progress: ReturnType<typeof captureProgress>;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.stop());
  beforeEach(async () => {
    progress = captureProgress();
    await h.configure(provider);
  });
  afterEach(() => progress.restore());

  const account = async (upn: string, extra: Record<string, unknown> = {}) => (await createAccount(h, upn, extra)).id;
  const licence = async (userId: string, extra: Record<string, unknown> = {}) => {
    const inputs = await checked<Record<string, unknown>>(provider, { userId, ...extra });
    const r = await provider.create(inputs);
    return { id: r.id, outs: r.outs as Outs, inputs };
  };
  const seats = async (skuId: string) => {
    const skus = await tenantParts(currentSettings()).graph.licences.subscribedSkus();
    return skus.find((s) => s.skuId === skuId)!.consumedUnits;
  };

  test("check", async () => {
    const r = await provider.check!({}, { userId: "8F0E0F3E-1C77-4C52-9A43-2B1F2B9C5A11" });
    expect(r).toEqual({
      inputs: {
        userId: "8f0e0f3e-1c77-4c52-9a43-2b1f2b9c5a11",
        skuPartNumber: "PHONESYSTEM_VIRTUALUSER",
        waitForProvisioning: true,
        provisioningTimeoutMinutes: 30,
      },
      failures: [],
    });
    const bad = await provider.check!(
      {},
      { userId: "bot@contoso.com", skuPartNumber: "phone system", provisioningTimeoutMinutes: 0 },
    );
    expect(bad.failures).toEqual([
      {
        property: "userId",
        reason:
          '"bot@contoso.com" is not an object id (ApplicationInstance.objectId) (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
      },
      {
        property: "skuPartNumber",
        reason: '"phone system" is not a SKU part number (letters, digits and _ only, e.g. PHONESYSTEM_VIRTUALUSER)',
      },
      { property: "provisioningTimeoutMinutes", reason: '"0" is not a whole number of minutes between 1 and 10080' },
    ]);
  });

  test("create", async () => {
    const userId = await account("lic-bot@contoso.com");
    const used = await seats(VIRTUAL_USER);
    const before = (await h.audit()).length;
    const started = Date.now();
    const { id, outs } = await licence(userId);
    const waitedMs = Date.now() - started;
    expect(id).toBe(`${userId}/${VIRTUAL_USER}`);
    expect(outs).toMatchObject({
      userId,
      skuId: VIRTUAL_USER,
      skuPartNumber: "PHONESYSTEM_VIRTUALUSER",
      servicePlanName: "MCOEV_VIRTUALUSER",
      servicePlanStatus: "Success",
    });
    expect(auditSince(await h.audit(), before)).toEqual(["graph assignLicense ok"]);
    expect(await seats(VIRTUAL_USER)).toBe(used + 1);
    // The emulator provisions MCOEV_VIRTUALUSER 1.5 s after assignment: we waited for it, visibly.
    expect(waitedMs).toBeGreaterThanOrEqual(1_400);
    expect(progress.lines.join("")).toMatch(
      /\[teams\] PHONESYSTEM_VIRTUALUSER on [0-9a-f-]+: waiting for the licence to be provisioned by Teams: MCOEV_VIRTUALUSER PendingProvisioning, \d+ms so far \(waiting up to 30m\)/,
    );
    expect(await provider.read!(id, outs)).toEqual({ id, props: outs });
  });

  test("create-without-waiting", async () => {
    const userId = await account("nowait-bot@contoso.com");
    const { outs } = await licence(userId, { waitForProvisioning: false });
    expect(outs.servicePlanStatus).toBe("PendingProvisioning");
  });

  test("read-after-external-change", async () => {
    const userId = await account("removed-lic-bot@contoso.com");
    const { id, outs } = await licence(userId, { waitForProvisioning: false });
    await tenantParts(currentSettings()).graph.licences.assign(userId, [], [VIRTUAL_USER]);
    expect(await provider.read!(id, outs)).toEqual({});
  });

  test("update", async () => {
    const userId = await account("swap-bot@contoso.com");
    const { id, outs, inputs } = await licence(userId, { waitForProvisioning: false });
    const news = await checked<Record<string, unknown>>(provider, { ...inputs, skuPartNumber: "spe_e5" }, outs);
    const diff = await provider.diff!(id, outs, news);
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false, stables: [] });
    const before = (await h.audit()).length;
    const { outs: swapped } = (await provider.update!(id, outs, news)) as { outs: Outs };
    expect(swapped).toMatchObject({ skuId: E5, skuPartNumber: "SPE_E5", servicePlanName: "MCOEV" });
    // One call adds the new SKU and removes the old one.
    expect(auditSince(await h.audit(), before)).toEqual(["graph assignLicense ok"]);
    const details = await tenantParts(currentSettings()).graph.licences.details(userId);
    expect(details!.map((d) => d.skuPartNumber)).toEqual(["SPE_E5"]);
    expect((await provider.read!(id, swapped)).props).toMatchObject({ skuId: E5 });
  });

  test("replace", async () => {
    const olds = {
      userId: "8f0e0f3e-1c77-4c52-9a43-2b1f2b9c5a11",
      skuPartNumber: "PHONESYSTEM_VIRTUALUSER",
      waitForProvisioning: true,
      provisioningTimeoutMinutes: 30,
      skuId: VIRTUAL_USER,
    };
    expect(await provider.diff!("x", olds, { ...olds, userId: "9f0e0f3e-1c77-4c52-9a43-2b1f2b9c5a11" })).toEqual({
      changes: true,
      replaces: ["userId"],
      deleteBeforeReplace: true,
      stables: [],
    });
    expect(await provider.diff!("x", olds, { ...olds, provisioningTimeoutMinutes: 60 })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
      stables: ["skuId", "servicePlanName"],
    });
  });

  test("delete", async () => {
    const userId = await account("unlic-bot@contoso.com");
    const { id, outs } = await licence(userId, { waitForProvisioning: false });
    const used = await seats(VIRTUAL_USER);
    await provider.delete!(id, outs);
    expect(await seats(VIRTUAL_USER)).toBe(used - 1);
    expect(await provider.read!(id, outs)).toEqual({});
    // Deleting again is a no-op.
    const before = (await h.audit()).length;
    await provider.delete!(id, outs);
    expect(auditSince(await h.audit(), before)).toEqual([]);
  });

  test("regress-no-usage-location-fails-before-assigning", async () => {
    const created = await h.host().invoke("New-CsOnlineApplicationInstance", {
      UserPrincipalName: "nowhere-bot@contoso.com",
      ApplicationId: "b2a4c6e8-1111-4222-8333-944455556666",
      Force: true,
    });
    const userId = String(created[0]!.ObjectId);
    const before = (await h.audit()).length;
    const e = await rejection(licence(userId));
    expect(e.message).toBe(
      "assigning licence to nowhere-bot@contoso.com: the account has no usage location (NoUsageLocation). Licences need a usage location: set usageLocation on the ApplicationInstance (and make the licence depend on it), then rerun `pulumi up`.",
    );
    expect(auditSince(await h.audit(), before)).toEqual([]);
  });

  test("regress-assignLicense-throttled-is-retried-by-the-graph-client", async () => {
    const userId = await account("busy-lic-bot@contoso.com");
    await h.faults({ families: { graph: { throttleNext: 1, retryAfterSeconds: 1 } } });
    const { outs } = await licence(userId, { waitForProvisioning: false });
    expect(outs.skuId).toBe(VIRTUAL_USER);
  });
});

describe("VirtualUserLicense with no free seat", () => {
  let h: Harness;
  beforeAll(async () => {
    const fixture = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "emulator/fixtures/default.json"), "utf8"));
    fixture.skus.find(
      (s: { skuPartNumber: string }) => s.skuPartNumber === "PHONESYSTEM_VIRTUALUSER",
    ).prepaidUnits.enabled = 0;
    h = await startHarness(undefined, { fixture });
  });
  afterAll(async () => h?.stop());

  test("regress-no-free-seat-fails-before-calling", async () => {
    const progress = captureProgress();
    try {
      const userId = (await createAccount(h, "seatless-bot@contoso.com")).id;
      await h.configure(provider);
      const before = (await h.audit()).length;
      const e = await rejection(provider.create(await checked(provider, { userId })));
      expect(e.message).toBe(
        `assigning licence PHONESYSTEM_VIRTUALUSER to ${userId}: 0 of 0 PHONESYSTEM_VIRTUALUSER seats free (0 in use) (NoFreeSeats). ` +
          "Remove the licence from an account that no longer needs it or add seats in the Microsoft 365 admin center, then rerun `pulumi up`.",
      );
      expect(auditSince(await h.audit(), before)).toEqual([]);
    } finally {
      progress.restore();
    }
  });
});
