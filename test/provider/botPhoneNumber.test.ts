/** BotPhoneNumber lifecycle against the emulator, through Graph (default) and through PowerShell. */
import type * as pulumi from "@pulumi/pulumi";

import { provider as typed } from "../../provider/resources/botPhoneNumber";
import { provider as licenceTyped } from "../../provider/resources/virtualUserLicense";
import { auditSince, captureProgress, checked, createAccount, rejection, startHarness, type Harness } from "./harness";

const provider = typed as pulumi.dynamic.ResourceProvider;
const licences = licenceTyped as pulumi.dynamic.ResourceProvider;
const LOCATION = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
/** The emergency locations the default fixture seeds on its Calling Plan and Operator Connect numbers. */
const SEEDED_CP_LOCATION = "3b1c5a7e-0a2d-4f6b-9c8e-1d2f3a4b5c61";
const SEEDED_OC_LOCATION = "9d4e2f1a-6b3c-4d5e-8f70-a1b2c3d4e5f6";

type Outs = Record<string, unknown> & {
  instanceId: string;
  phoneNumber: string;
  assignmentStatus: string;
  activationState: string;
};

describe.each(["graph", "powershell"] as const)("BotPhoneNumber (numberAssignment %s)", (mode) => {
  let h: Harness;
  let progress: ReturnType<typeof captureProgress>;
  let n = 0;
  const upn = () => `${mode}-num-${++n}@contoso.com`;
  beforeAll(async () => {
    h = await startHarness({ licenceProvisioningDelayMs: 300 });
  });
  afterAll(async () => h?.stop());
  beforeEach(() => (progress = captureProgress()));
  afterEach(() => progress.restore());

  /** A licensed, provisioned resource account (what the number depends on). */
  const licensedAccount = async (): Promise<string> => {
    const { id } = await createAccount(h, upn());
    await h.configure(licences);
    await licences.create(await checked(licences, { userId: id }));
    await h.configure(provider, { numberAssignment: mode });
    return id;
  };
  const inputs = (instanceId: string, phoneNumber: string, extra: Record<string, unknown> = {}) =>
    checked<Record<string, unknown>>(provider, { instanceId, phoneNumber, numberType: "CallingPlan", ...extra });
  const assign = async (instanceId: string, phoneNumber: string, extra: Record<string, unknown> = {}) => {
    const r = await provider.create(await inputs(instanceId, phoneNumber, extra));
    return { id: r.id, outs: r.outs as Outs };
  };
  const assignOp = mode === "graph" ? "graph assignNumber" : "teams Set-CsPhoneNumberAssignment";
  const unassignOp = mode === "graph" ? "graph unassignNumber" : "teams Remove-CsPhoneNumberAssignment";

  test("check", async () => {
    const r = await provider.check!(
      {},
      {
        instanceId: "8F0E0F3E-1C77-4C52-9A43-2B1F2B9C5A11",
        phoneNumber: "tel:+1 (425) 555-0100",
        numberType: "callingplan",
      },
    );
    expect(r).toEqual({
      inputs: {
        instanceId: "8f0e0f3e-1c77-4c52-9a43-2b1f2b9c5a11",
        phoneNumber: "+14255550100",
        numberType: "CallingPlan",
        adopt: false,
      },
      failures: [],
    });
    const bad = await provider.check!(
      {},
      {
        instanceId: "8f0e0f3e-1c77-4c52-9a43-2b1f2b9c5a11",
        phoneNumber: "425 555 0100",
        numberType: "Mobile",
        locationId: "HQ",
      },
    );
    expect(bad.failures).toEqual([
      {
        property: "numberType",
        reason: '"Mobile" is not a number type: use CallingPlan | DirectRouting | OperatorConnect',
      },
      { property: "phoneNumber", reason: '"425 555 0100" has no country code: write it in E.164, e.g. +14255550100' },
      {
        property: "locationId",
        reason: '"HQ" is not an emergency location id (GUID) (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
      },
    ]);
  });

  test("create", async () => {
    const instanceId = await licensedAccount();
    const before = (await h.audit()).length;
    const { id, outs } = await assign(instanceId, "tel:+1 425-555-0100");
    expect(id).toBe(`${instanceId}/+14255550100`);
    expect(outs).toMatchObject({
      instanceId,
      phoneNumber: "+14255550100",
      numberType: "CallingPlan",
      assignmentStatus: "voiceApplicationAssigned",
      activationState: "activated",
    });
    expect(auditSince(await h.audit(), before)).toEqual([`${assignOp} +14255550100 ok`]);
    expect(await provider.read!(id, outs)).toEqual({ id, props: outs });
    if (mode === "graph")
      expect(progress.lines.join("")).toMatch(
        /waiting for the tenant to finish assigning \+14255550100: (notStarted|running)/,
      );
  });

  test("create-direct-routing-with-extension", async () => {
    const instanceId = await licensedAccount();
    const { outs } = await assign(instanceId, "+1 425 555 0202;ext=10", { numberType: "directrouting" });
    expect(outs).toMatchObject({
      phoneNumber: "+14255550202;ext=10",
      numberType: "DirectRouting",
      assignmentStatus: "voiceApplicationAssigned",
    });
  });

  test("read-after-external-change", async () => {
    const ownUpn = upn();
    const { id: instanceId } = await createAccount(h, ownUpn);
    await h.configure(licences);
    await licences.create(await checked(licences, { userId: instanceId }));
    await h.configure(provider, { numberAssignment: mode });
    const { id, outs } = await assign(instanceId, "+14255550101");
    await h.admin("unassignNumber", { telephoneNumber: "+14255550101" });
    expect(await provider.read!(id, outs)).toEqual({});
    // Moved to another account: also gone from this resource's point of view, and not taken back.
    const otherUpn = upn();
    const other = (await createAccount(h, otherUpn)).id;
    await h.admin("assignNumber", { telephoneNumber: "+14255550101", targetId: other });
    await h.configure(provider, { numberAssignment: mode });
    expect(await provider.read!(id, outs)).toEqual({});
    process.env.TEAMS_NUMBER_RELEASE_WAIT_MS = "1500";
    const e = await rejection(assign(instanceId, "+14255550101")).finally(
      () => delete process.env.TEAMS_NUMBER_RELEASE_WAIT_MS,
    );
    // Named by UPN and display name (no declared number plan here: the bounded wait applies).
    expect(e.message).toBe(
      `assigning number +14255550101 to ${ownUpn}: +14255550101 is assigned to ${otherUpn} (${otherUpn.split("@")[0]}), which is not giving it up in this update (waited for it to be released) (NumberAssignedElsewhere). ` +
        "Unassign it from that account first (Teams admin center > Voice > Phone numbers), or choose another number.",
    );
    expect(progress.lines.join("")).toContain(`waiting for +14255550101 to be released by ${otherUpn}`);
    const before = (await h.audit()).length;
    await provider.delete!(id, outs); // leaves the other account's number alone
    expect(auditSince(await h.audit(), before)).toEqual([]);
    await h.admin("unassignNumber", { telephoneNumber: "+14255550101" });
  });

  test("update-location-only", async () => {
    const instanceId = await licensedAccount();
    const { id, outs } = await assign(instanceId, "+14255550102");
    const news = await inputs(instanceId, "+14255550102", { locationId: LOCATION });
    expect(await provider.diff!(id, outs, news)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
      stables: ["instanceId"],
    });
    const before = (await h.audit()).length;
    const { outs: updated } = (await provider.update!(id, outs, news)) as { outs: Outs };
    expect(updated).toMatchObject({ phoneNumber: "+14255550102", locationId: LOCATION });
    expect(auditSince(await h.audit(), before)).toEqual([
      mode === "graph" ? "graph updateNumber +14255550102 ok" : "teams Set-CsPhoneNumberAssignment +14255550102 ok",
    ]);
    await provider.delete!(id, updated);
  });

  test("update", async () => {
    const instanceId = await licensedAccount();
    const { id, outs } = await assign(instanceId, "+14255550103");
    const news = await inputs(instanceId, "+14255550104");
    const before = (await h.audit()).length;
    const { outs: updated } = (await provider.update!(id, outs, news)) as { outs: Outs };
    expect(updated).toMatchObject({ phoneNumber: "+14255550104", assignmentStatus: "voiceApplicationAssigned" });
    // Assign the new, then unassign the old: the bot is never without a number (a chain of one).
    expect(auditSince(await h.audit(), before)).toEqual([
      `${assignOp} +14255550104 ok`,
      `${unassignOp} +14255550103 ok`,
    ]);
    // The id keeps the first number; read follows the recorded outputs.
    expect(await provider.read!(id, updated)).toEqual({ id, props: updated });
    await provider.delete!(id, updated);
  });

  // Was regress-rollback-of-a-failed-number-change: the refusal came after the unassign, and the old
  // number was assigned back. Now the number is checked first (issue 22): nothing is written.
  test("regress-number-change-refused-before-any-write", async () => {
    const instanceId = await licensedAccount();
    const name = `${mode}-num-${n}@contoso.com`;
    const { id, outs } = await assign(instanceId, "+14255550105");
    // +14255550150 is a subscriber number: Teams refuses it on a resource account.
    const news = await inputs(instanceId, "+14255550150");
    const before = (await h.audit()).length;
    const e = await rejection(provider.update!(id, outs, news));
    expect(e.message).toBe(
      `assigning number +14255550150 to ${name}: +14255550150 lacks the VoiceApplicationAssignment capability, which a number on a resource account needs (NumberLacksCapability).` +
        " Choose a service number that has it (Get-CsPhoneNumberAssignment -CapabilitiesContain VoiceApplicationAssignment -PstnAssignmentStatus Unassigned), or change the number's usage to voice app (Teams admin center > Voice > Phone numbers > Change usage).",
    );
    expect(auditSince(await h.audit(), before)).toEqual([]);
    expect((await provider.read!(id, outs)).props).toMatchObject({ phoneNumber: "+14255550105" });
    await provider.delete!(id, outs);
  });

  test("replace", async () => {
    const olds = {
      instanceId: "8f0e0f3e-1c77-4c52-9a43-2b1f2b9c5a11",
      phoneNumber: "+14255550100",
      numberType: "CallingPlan",
      adopt: false,
    };
    expect(await provider.diff!("x", olds, { ...olds, instanceId: "9f0e0f3e-1c77-4c52-9a43-2b1f2b9c5a11" })).toEqual({
      changes: true,
      replaces: ["instanceId"],
      deleteBeforeReplace: true,
      stables: [],
    });
    expect(await provider.diff!("x", olds, { ...olds, adopt: true })).toMatchObject({ changes: false });
  });

  test("regress-state-from-before-tenantLocationId-never-clears", async () => {
    // Older state recorded the tenant's location as locationId, declared or not: not a declaration.
    const olds = {
      instanceId: "8f0e0f3e-1c77-4c52-9a43-2b1f2b9c5a11",
      phoneNumber: "+14255550100",
      numberType: "CallingPlan",
      adopt: false,
      locationId: SEEDED_CP_LOCATION,
    };
    const { locationId: _recorded, ...news } = olds;
    expect(await provider.diff!("x", olds, news)).toMatchObject({ changes: false });
    // Declared (state with tenantLocationId), no original recorded: a Calling Plan number cannot lose it,
    // so removing it is refused in diff (preview); another type is cleared.
    const declared = { ...olds, tenantLocationId: SEEDED_CP_LOCATION };
    expect(await rejection(provider.diff!("x", declared, news))).toMatchObject({ errorCode: "LocationNotRemovable" });
    const oc = { numberType: "OperatorConnect" };
    expect(await provider.diff!("x", { ...declared, ...oc }, { ...news, ...oc })).toMatchObject({ changes: true });
  });

  test("delete", async () => {
    const instanceId = await licensedAccount();
    const { id, outs } = await assign(instanceId, "+14255550200", { numberType: "DirectRouting" });
    const before = (await h.audit()).length;
    await provider.delete!(id, outs);
    // Direct Routing numbers are unassigned too.
    expect(auditSince(await h.audit(), before)).toEqual([`${unassignOp} +14255550200 ok`]);
    expect(await provider.read!(id, outs)).toEqual({});
  });

  // Issue 20: what an interrupted run leaves (the number already on the stack's account) is recorded, no adopt.
  test("found-in-place", async () => {
    const instanceId = await licensedAccount();
    await h.admin("assignNumber", { telephoneNumber: "+14255550300", targetId: instanceId });
    const before = (await h.audit()).length;
    const found = await assign(instanceId, "+14255550300", { numberType: "OperatorConnect" });
    expect(found.outs).toMatchObject({
      phoneNumber: "+14255550300",
      adopt: false,
      assignmentStatus: "voiceApplicationAssigned",
    });
    const { outs } = await assign(instanceId, "+14255550300", { numberType: "OperatorConnect", adopt: true });
    expect(outs).toMatchObject({
      phoneNumber: "+14255550300",
      adopt: true,
      assignmentStatus: "voiceApplicationAssigned",
    });
    expect(auditSince(await h.audit(), before)).toEqual([]);
    await h.admin("unassignNumber", { telephoneNumber: "+14255550300" });
  });

  test("regress-wrong-number-type-and-unknown-number-fail-before-calling", async () => {
    const instanceId = await licensedAccount();
    const name = `${mode}-num-${n}@contoso.com`;
    const before = (await h.audit()).length;
    const wrongType = await rejection(assign(instanceId, "+14255550201"));
    expect(wrongType.message).toBe(
      `assigning number +14255550201 to ${name}: +14255550201 is a DirectRouting number, not CallingPlan (NumberTypeMismatch). Set numberType to DirectRouting.`,
    );
    const unknown = await rejection(assign(instanceId, "+14255559999"));
    expect(unknown.code).toBe("NumberNotFound");
    expect(auditSince(await h.audit(), before)).toEqual([]);
  });

  // Issue 11 item 1: Direct Routing numbers enter the inventory when assigned (Set-CsPhoneNumberAssignment
  // example 5 assigns one with no upload step) and, unless uploaded, may leave it when unassigned.
  test("regress-direct-routing-number-not-in-the-inventory", async () => {
    const instanceId = await licensedAccount();
    const inInventory = async (n: string) =>
      ((await h.state()).numbers as { telephoneNumber: string }[]).some((x) => x.telephoneNumber === n);
    expect(await inInventory("+14255550210")).toBe(false);
    const before = (await h.audit()).length;
    const { id, outs } = await assign(instanceId, "+14255550210", { numberType: "DirectRouting" });
    expect(outs).toMatchObject({ phoneNumber: "+14255550210", assignmentStatus: "voiceApplicationAssigned" });
    // No location on it: the stand-in's zero GUID means none, on both paths.
    expect(outs.locationId).toBeUndefined();
    expect(outs.tenantLocationId).toBeNull();
    expect(await provider.read!(id, outs)).toEqual({ id, props: outs });
    await provider.delete!(id, outs);
    expect(auditSince(await h.audit(), before)).toEqual([
      `${assignOp} +14255550210 ok`,
      `${unassignOp} +14255550210 ok`,
    ]);
    // Gone from the inventory again: read says unassigned (gone), a second delete does nothing.
    expect(await inInventory("+14255550210")).toBe(false);
    expect(await provider.read!(id, outs)).toEqual({});
    await provider.delete!(id, outs);
    expect(auditSince(await h.audit(), before)).toHaveLength(2);
    // A Calling Plan number the tenant does not have is still refused before any call.
    expect((await rejection(assign(instanceId, "+14255550211"))).code).toBe("NumberNotFound");
    // Unassigned outside Pulumi, the number left the inventory: a number change just assigns the new one.
    const again = await assign(instanceId, "+14255550212", { numberType: "DirectRouting" });
    await h.admin("unassignNumber", { telephoneNumber: "+14255550212" });
    expect(await inInventory("+14255550212")).toBe(false);
    const news = await inputs(instanceId, "+14255550104");
    const { outs: moved } = (await provider.update!(again.id, again.outs, news)) as { outs: Outs };
    expect(moved).toMatchObject({ phoneNumber: "+14255550104", assignmentStatus: "voiceApplicationAssigned" });
    await provider.delete!(again.id, moved);
  });

  // Issue 11 item 2: the tenant's emergency location is reported, not managed, unless declared.
  test("regress-undeclared-location-is-left-alone", async () => {
    const instanceId = await licensedAccount();
    const declared = await inputs(instanceId, "+14255550301", { numberType: "OperatorConnect" });
    const { id, outs } = await assign(instanceId, "+14255550301", { numberType: "OperatorConnect" });
    expect(outs.locationId).toBeUndefined();
    expect(outs.tenantLocationId).toBe(SEEDED_OC_LOCATION);
    expect(outs.originalLocationId).toBe(SEEDED_OC_LOCATION);
    expect(await provider.diff!(id, outs, declared)).toMatchObject({ changes: false });
    const read = await provider.read!(id, outs);
    expect(read).toEqual({ id, props: outs });
    expect(await provider.diff!(id, read.props, declared)).toMatchObject({ changes: false });
    // Declared, then removed: the location it had before the stack took it comes back, once, and only then.
    const before = (await h.audit()).length;
    const withLocation = await inputs(instanceId, "+14255550301", {
      numberType: "OperatorConnect",
      locationId: LOCATION,
    });
    const { outs: set } = (await provider.update!(id, outs, withLocation)) as { outs: Outs };
    expect(set).toMatchObject({ locationId: LOCATION, tenantLocationId: LOCATION });
    expect(await provider.diff!(id, set, declared)).toMatchObject({ changes: true });
    const { outs: cleared } = (await provider.update!(id, set, declared)) as { outs: Outs };
    expect(cleared.locationId).toBeUndefined();
    expect(cleared).toMatchObject({ tenantLocationId: SEEDED_OC_LOCATION, originalLocationId: SEEDED_OC_LOCATION });
    expect(await provider.diff!(id, cleared, declared)).toMatchObject({ changes: false });
    const location = mode === "graph" ? "graph updateNumber" : "teams Set-CsPhoneNumberAssignment";
    expect(auditSince(await h.audit(), before)).toEqual([`${location} +14255550301 ok`, `${location} +14255550301 ok`]);
    await provider.delete!(id, cleared);
  });

  // Issue 11 item 2 / issue 14: adopting never writes; a declared location that differs is refused.
  test("regress-adopt-refuses-a-different-location", async () => {
    const instanceId = await licensedAccount();
    await h.admin("assignNumber", { telephoneNumber: "+14255550300", targetId: instanceId });
    const before = (await h.audit()).length;
    const e = await rejection(
      assign(instanceId, "+14255550300", { numberType: "OperatorConnect", adopt: true, locationId: LOCATION }),
    );
    expect(e.code).toBe("AdoptMismatch");
    expect(e.message).toBe(
      `assigning number +14255550300 to ${instanceId}: the tenant gives the number emergency location ${SEEDED_OC_LOCATION}, the program declares ${LOCATION} (AdoptMismatch). ` +
        `Adopting changes nothing in the tenant: set locationId to ${SEEDED_OC_LOCATION} (or remove it) to adopt, then change it in a later \`pulumi up\`.`,
    );
    const { outs } = await assign(instanceId, "+14255550300", { numberType: "OperatorConnect", adopt: true });
    expect(outs.locationId).toBeUndefined();
    expect(outs.tenantLocationId).toBe(SEEDED_OC_LOCATION);
    const same = await assign(instanceId, "+14255550300", {
      numberType: "OperatorConnect",
      adopt: true,
      locationId: SEEDED_OC_LOCATION.toUpperCase(),
    });
    expect(same.outs).toMatchObject({ locationId: SEEDED_OC_LOCATION, tenantLocationId: SEEDED_OC_LOCATION });
    expect(auditSince(await h.audit(), before)).toEqual([]);
    await h.admin("unassignNumber", { telephoneNumber: "+14255550300" });
  });

  // Issue 11 item 4: Teams lags behind Entra; the refusals it gives meanwhile are waited out.
  test("regress-teams-lags-behind-entra", async () => {
    await h.faults({ teamsLicenceLagMs: 1500, usageLocationLagMs: 1000 });
    try {
      const instanceId = await licensedAccount();
      const { outs } = await assign(instanceId, "+14255550103");
      expect(outs).toMatchObject({
        assignmentStatus: "voiceApplicationAssigned",
        tenantLocationId: SEEDED_CP_LOCATION,
      });
      const lines = progress.lines.join("");
      expect(lines).toMatch(
        /licensing does not see the usage location yet \(it lags behind the directory\): retrying in/,
      );
      expect(lines).toMatch(/Teams does not see the licence yet \(it lags behind Entra\): retrying in/);
      await provider.delete!(`${instanceId}/+14255550103`, outs);
    } finally {
      await h.faults({ teamsLicenceLagMs: 0, usageLocationLagMs: 0 });
    }
  });

  test("regress-unlicensed-account-gets-the-licence-hint", async () => {
    const { id: instanceId } = await createAccount(h, upn());
    await h.configure(provider, { numberAssignment: mode });
    const e = await rejection(assign(instanceId, "+14255550301", { numberType: "OperatorConnect" }));
    expect(e.message).toContain(`The user '${instanceId}' is not found`);
    expect(e.hint).toBe(
      "The account is not licensed (or not replicated) yet: make the BotPhoneNumber depend on its VirtualUserLicense with waitForProvisioning, then rerun `pulumi up`.",
    );
  });
});
