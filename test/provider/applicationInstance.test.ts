/** ApplicationInstance lifecycle against the emulator: real msal-node, Graph client, execa → stand-in pwsh. */
import type * as pulumi from "@pulumi/pulumi";

import { currentSettings } from "../../provider/access/session";
import { provider as typed } from "../../provider/resources/applicationInstance";
import { tenantParts } from "../../provider/tenant/index";
import { auditSince, captureProgress, checked, rejection, startHarness, type Harness } from "./harness";

const APP = "b2a4c6e8-1111-4222-8333-944455556666";
const OTHER_APP = "c3b5d7f9-2222-4333-9444-a55566667777";

// The engine hands the hooks untyped property bags: so do the tests.
const provider = typed as pulumi.dynamic.ResourceProvider;

type Inputs = Record<string, unknown> & { userPrincipalName: string; applicationId: string };
type Outs = Inputs & { objectId: string };

describe("ApplicationInstance", () => {
  let h: Harness;
  let progress: ReturnType<typeof captureProgress>;
  beforeAll(async () => {
    h = await startHarness();
    await h.configure(provider);
  });
  afterAll(async () => h?.stop());
  beforeEach(() => (progress = captureProgress()));
  afterEach(() => progress.restore());

  const inputs = (upn: string, extra: Record<string, unknown> = {}) =>
    checked<Inputs>(provider, {
      userPrincipalName: upn,
      displayName: "Incident Bot",
      applicationId: APP,
      usageLocation: "us",
      ...extra,
    });
  const create = async (upn: string, extra: Record<string, unknown> = {}) => {
    const r = await provider.create(await inputs(upn, extra));
    return { id: r.id, outs: r.outs as Outs };
  };

  test("check", async () => {
    const r = await provider.check!(
      {},
      {
        userPrincipalName: "Incident-Bot@Contoso.com",
        displayName: " Incident Bot ",
        applicationId: APP.toUpperCase(),
        usageLocation: "uk",
      },
    );
    expect(r.failures).toEqual([
      { property: "usageLocation", reason: '"uk" is not an ISO 3166-1 country code: did you mean GB?' },
    ]);
    expect(r.inputs).toMatchObject({
      userPrincipalName: "incident-bot@contoso.com",
      displayName: "Incident Bot",
      applicationId: APP,
      adopt: false,
    });
    const bad = await provider.check!(
      {},
      { userPrincipalName: "incident bot", displayName: "", applicationId: "app", usageLocation: "US" },
    );
    expect(bad.failures?.map((f) => f.property)).toEqual(["userPrincipalName", "displayName", "applicationId"]);
  });

  test("create", async () => {
    const before = (await h.audit()).length;
    const { id, outs } = await create("incident-bot@contoso.com");
    expect(outs).toMatchObject({
      objectId: id,
      tenantId: h.tenantId,
      userPrincipalName: "incident-bot@contoso.com",
      applicationId: APP,
      displayName: "Incident Bot",
      usageLocation: "US",
    });
    // Mapping given at creation: no Sync. Usage location through Graph.
    expect(auditSince(await h.audit(), before)).toEqual([
      "teams New-CsOnlineApplicationInstance ok",
      "graph PATCH user ok",
    ]);
    expect(await provider.read!(id, outs)).toEqual({ id, props: outs });
  });

  test("diff", async () => {
    const olds = { ...(await inputs("a@contoso.com")), objectId: "x", tenantId: h.tenantId } as Outs;
    expect(await provider.diff!("x", olds, await inputs("a@contoso.com"))).toMatchObject({
      changes: false,
      replaces: [],
    });
    expect(await provider.diff!("x", olds, await inputs("a@contoso.com", { displayName: "New" }))).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
      stables: ["objectId", "tenantId", "userPrincipalName"],
    });
    expect(await provider.diff!("x", olds, await inputs("b@contoso.com"))).toEqual({
      changes: true,
      replaces: ["userPrincipalName"],
      deleteBeforeReplace: true,
      stables: [],
    });
  });

  test("read-after-external-change", async () => {
    const { id, outs } = await create("drift-bot@contoso.com");
    const { tenantParts } = await import("../../provider/tenant");
    const { currentSettings } = await import("../../provider/access/session");
    await tenantParts(currentSettings()).graph.users.update(id, {
      usageLocation: "DE",
      displayName: "Renamed by hand",
    });
    const read = await provider.read!(id, outs);
    expect(read.props).toMatchObject({ usageLocation: "DE", displayName: "Renamed by hand", applicationId: APP });
    // The drift shows as an update back to the declared values.
    expect(await provider.diff!(id, read.props as Outs, await inputs("drift-bot@contoso.com"))).toMatchObject({
      changes: true,
      replaces: [],
    });
  });

  test("update", async () => {
    const { id, outs } = await create("update-bot@contoso.com");
    const news = await inputs("update-bot@contoso.com", { displayName: "Incident Bot (EU)", usageLocation: "FR" });
    const before = (await h.audit()).length;
    const { outs: updated } = (await provider.update!(id, outs, news)) as { outs: Outs };
    expect(updated).toMatchObject({
      objectId: id,
      displayName: "Incident Bot (EU)",
      usageLocation: "FR",
      applicationId: APP,
    });
    expect(auditSince(await h.audit(), before)).toEqual(["graph PATCH user ok"]);
    expect((await provider.read!(id, updated)).props).toEqual(updated);
  });

  test("regress-update-applicationId-fails-clearly-without-touching-the-tenant", async () => {
    const { id, outs } = await create("remap-bot@contoso.com");
    const before = (await h.audit()).length;
    const e = await rejection(
      provider.update!(id, outs, await inputs("remap-bot@contoso.com", { applicationId: OTHER_APP })),
    );
    expect(e.code).toBe("UnsupportedWithAppOnlyAuth");
    expect(e.message).toBe(
      `changing the application id of remap-bot@contoso.com from ${APP} to ${OTHER_APP}: Set-CsOnlineApplicationInstance is not supported with app-only authentication, so the provider cannot change it in place (UnsupportedWithAppOnlyAuth). ` +
        "In the stack config, give the bot a new userPrincipalName together with the new appId (a new account is created; its licence and number follow; a protected stack needs teams-bot-numbers:protect: false for that run), or put the appId back; or run Set-CsOnlineApplicationInstance -Identity <upn> -ApplicationId <id> as a Teams admin and then `pulumi refresh`. " +
        'A program of your own can add the resource option replaceOnChanges: ["applicationId"] instead.',
    );
    expect(auditSince(await h.audit(), before)).toEqual([]);
  });

  test("requires-adopt", async () => {
    const first = await create("taken-bot@contoso.com");
    const before = (await h.audit()).length;
    // Issue 20: the very account this declaration creates (an interrupted run's) is found in place.
    const again = await create("taken-bot@contoso.com");
    expect(again.id).toBe(first.id);
    expect(auditSince(await h.audit(), before)).toEqual([]);
    // An account in use is never taken silently, even when it matches: another usage location…
    const elsewhere = await rejection(create("taken-bot@contoso.com", { usageLocation: "GB" }));
    expect(elsewhere.code).toBe("AlreadyExists");
    // …or a number on it (a brownfield bot, another stack's).
    await h.admin("assignNumber", { telephoneNumber: "+14255550300", targetId: first.id });
    expect((await rejection(create("taken-bot@contoso.com"))).code).toBe("AlreadyExists");
    await h.admin("unassignNumber", { telephoneNumber: "+14255550300" });
    // Another display name: someone else's account with this UPN.
    const e = await rejection(create("taken-bot@contoso.com", { displayName: "Someone Else" }));
    expect(e.code).toBe("AlreadyExists");
    expect(e.message).toMatch(
      /^creating resource account taken-bot@contoso\.com: a resource account with this user principal name already exists \(object id [0-9a-f-]{36}, application id b2a4c6e8-1111-4222-8333-944455556666, display name "[^"]+"\) \(AlreadyExists\)\. To manage it with Pulumi, set adopt: true on the bot in the stack config/,
    );
    // Nothing but the test's own admin actions reached the tenant.
    expect(auditSince(await h.audit(), before)).toEqual([
      "admin assignNumber +14255550300 ok",
      "admin unassignNumber +14255550300 ok",
    ]);
    // A plain user is never adopted.
    const user = await rejection(create("adele.vance@contoso.com", { adopt: true }));
    expect(user.code).toBe("NotAResourceAccount");
  });

  test("adopt", async () => {
    const first = await create("adopt-bot@contoso.com", { usageLocation: "US" });
    const mismatch = await rejection(create("adopt-bot@contoso.com", { adopt: true, applicationId: OTHER_APP }));
    expect(mismatch.message).toBe(
      `adopting resource account adopt-bot@contoso.com: the existing account belongs to application ${APP}, not ${OTHER_APP} (AdoptMismatch). Set applicationId to the account's application id to adopt it, or choose another userPrincipalName.`,
    );
    const before = (await h.audit()).length;
    // Issue 14: adopt refuses what differs, naming field, tenant value and declared value, before any write.
    const differs = await rejection(
      create("adopt-bot@contoso.com", { adopt: true, usageLocation: "CA", displayName: "Adopted" }),
    );
    expect(differs.code).toBe("AdoptMismatch");
    expect(differs.message).toBe(
      'adopting resource account adopt-bot@contoso.com: the existing account differs from the declaration: displayName is "Incident Bot" in the tenant, "Adopted" declared; usageLocation is "US" in the tenant, "CA" declared (AdoptMismatch). ' +
        "Adopt changes nothing: declare the tenant's values (displayName, usageLocation) to adopt the account, then change them in a later `pulumi up`; or change the account in the tenant.",
    );
    expect(auditSince(await h.audit(), before)).toEqual([]);
    // What matches is taken over with zero writes.
    const { id, outs } = await create("adopt-bot@contoso.com", { adopt: true });
    expect(id).toBe(first.id);
    expect(outs).toMatchObject({ usageLocation: "US", displayName: "Incident Bot", applicationId: APP, adopt: true });
    expect(auditSince(await h.audit(), before)).toEqual([]);
  });

  test("a new UPN: Graph says absent, so Teams is not asked (its not-found text is undocumented)", async () => {
    // The stand-in phrases Get-CsOnlineApplicationInstance's not-found outside every known form.
    await h.host().stop();
    process.env.TEAMS_STANDIN_INSTANCE_NOT_FOUND = "unlisted";
    try {
      const before = (await h.audit()).length;
      const { outs } = await create("fresh-bot@contoso.com");
      expect(outs).toMatchObject({ userPrincipalName: "fresh-bot@contoso.com", applicationId: APP });
      expect(auditSince(await h.audit(), before)).toEqual([
        "teams New-CsOnlineApplicationInstance ok",
        "graph PATCH user ok",
      ]);
    } finally {
      delete process.env.TEAMS_STANDIN_INSTANCE_NOT_FOUND;
      await h.host().stop();
    }
  });

  test("adopt-syncs-a-missing-mapping", async () => {
    // An instance made without -ApplicationId (as the 4.0.0 module did by mistake).
    await h.host().invoke("New-CsOnlineApplicationInstance", {
      UserPrincipalName: "unmapped-bot@contoso.com",
      DisplayName: "Unmapped",
      Force: true,
    });
    const before = (await h.audit()).length;
    // Its usage location is not set: adopt refuses to set it (issue 14)…
    const unset = await rejection(create("unmapped-bot@contoso.com", { adopt: true, displayName: "Unmapped" }));
    expect(unset.message).toContain('usageLocation is not set in the tenant, "US" declared (AdoptMismatch)');
    expect(auditSince(await h.audit(), before)).toEqual([]);
    // …but a missing application mapping is the one repair adopt makes (Sync, no other write).
    const user = await tenantParts(currentSettings()).graph.users.get("unmapped-bot@contoso.com");
    await tenantParts(currentSettings()).graph.users.update(user!.id, { usageLocation: "US" });
    const from = (await h.audit()).length;
    const { outs } = await create("unmapped-bot@contoso.com", { adopt: true, displayName: "Unmapped" });
    expect(outs.applicationId).toBe(APP);
    expect(auditSince(await h.audit(), from)).toEqual(["teams Sync-CsOnlineApplicationInstance ok"]);
  });

  test("delete", async () => {
    const { id, outs } = await create("delete-bot@contoso.com");
    const before = (await h.audit()).length;
    await provider.delete!(id, outs);
    expect(auditSince(await h.audit(), before)).toEqual(["graph DELETE user ok"]);
  });

  test("read-after-delete", async () => {
    const { id, outs } = await create("gone-bot@contoso.com");
    await h.admin("deleteUser", { id });
    expect(await provider.read!(id, outs)).toEqual({});
    // Deleting what is already gone succeeds.
    await provider.delete!(id, outs);
  });

  test("create-waits-for-replication", async () => {
    await h.faults({ replicationDelayMs: 1_500 });
    try {
      const started = Date.now();
      const { outs } = await create("slow-bot@contoso.com");
      const waitedMs = Date.now() - started;
      expect(outs.usageLocation).toBe("US");
      expect(waitedMs).toBeGreaterThanOrEqual(1_400);
      expect(progress.lines.join("")).toMatch(
        /\[teams\] slow-bot@contoso\.com: waiting for slow-bot@contoso\.com to appear in Microsoft Graph \(replication\): not visible, \d+ms so far \(waiting up to 10m\)/,
      );
      expect(progress.lines.join("")).toMatch(/to appear in Microsoft Graph \(replication\): done after \d/);
    } finally {
      await h.faults({ replicationDelayMs: 0 });
    }
  });

  test("regress-graph-429-and-5xx-are-retried", async () => {
    const { id, outs } = await create("flaky-bot@contoso.com");
    // 429 and 503: the Graph client's RetryHandler (Retry-After 1 s); 500: our transient strategy.
    await h.faults({ families: { graph: { throttleNext: 1, retryAfterSeconds: 1 } } });
    expect((await provider.read!(id, outs)).props).toEqual(outs);
    await h.faults({ families: { graph: { errorNext: 2, errorStatus: 500 } } });
    expect((await provider.read!(id, outs)).props).toEqual(outs);
    expect(progress.lines.join("")).toMatch(/GET \/users\/[0-9a-f-]+: transient failure, retrying in/);
  });

  test("regress-teams-throttling-is-retried", async () => {
    await h.faults({ families: { teams: { throttleNext: 1, retryAfterSeconds: 1 } } });
    const { outs } = await create("throttled-bot@contoso.com");
    expect(outs.applicationId).toBe(APP);
    // The first Teams call of a new UPN is New-CsOnlineApplicationInstance (Graph said it is absent);
    // a throttled call never ran, so even this call that is not safe to repeat is retried.
    expect(progress.lines.join("")).toMatch(
      /\[teams\] teams: New-CsOnlineApplicationInstance: throttled, retrying in 1\.0s/,
    );
  });

  test("regress-powershell-host-crash-restarts", async () => {
    const { id, outs } = await create("crash-bot@contoso.com");
    const starts = h.host().starts;
    await h.faults({ pwshCrash: { afterCalls: 1, mode: "before" } });
    expect((await provider.read!(id, outs)).props).toEqual(outs);
    expect(h.host().starts).toBe(starts + 1);
  });

  test("regress-one-powershell-connect-for-many-resources", async () => {
    const host = h.host();
    const connects = host.connects;
    const starts = host.starts;
    await Promise.all(["many-1", "many-2", "many-3", "many-4"].map((n) => create(`${n}@contoso.com`)));
    expect(host.starts).toBe(starts);
    expect(host.connects).toBe(connects);
  });
});
