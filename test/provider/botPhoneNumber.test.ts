/** BotPhoneNumber lifecycle against the emulator, through Graph (default) and through PowerShell. */
import type * as pulumi from "@pulumi/pulumi";

import { provider as typed } from "../../provider/resources/botPhoneNumber";
import { provider as licenceTyped } from "../../provider/resources/virtualUserLicense";
import { auditSince, captureProgress, checked, createAccount, rejection, startHarness, type Harness } from "./harness";

const provider = typed as pulumi.dynamic.ResourceProvider;
const licences = licenceTyped as pulumi.dynamic.ResourceProvider;
const LOCATION = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

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
    const instanceId = await licensedAccount();
    const { id, outs } = await assign(instanceId, "+14255550101");
    await h.admin("unassignNumber", { telephoneNumber: "+14255550101" });
    expect(await provider.read!(id, outs)).toEqual({});
    // Moved to another account: also gone from this resource's point of view, and not taken back.
    const other = (await createAccount(h, upn())).id;
    await h.admin("assignNumber", { telephoneNumber: "+14255550101", targetId: other });
    await h.configure(provider, { numberAssignment: mode });
    expect(await provider.read!(id, outs)).toEqual({});
    process.env.TEAMS_NUMBER_RELEASE_WAIT_MS = "1500";
    const e = await rejection(assign(instanceId, "+14255550101")).finally(
      () => delete process.env.TEAMS_NUMBER_RELEASE_WAIT_MS,
    );
    expect(e.message).toBe(
      `assigning number +14255550101 to ${instanceId}: the number is already assigned to another account (${other}), still after waiting 2s (NumberAssignedElsewhere). ` +
        "Unassign it first or choose another number. If a bot removed in this same change held it, run `pulumi up` again: Pulumi deletes removed resources last.",
    );
    expect(progress.lines.join("")).toContain(`waiting for +14255550101 to be released by ${other}`);
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
    // Unassign the old, then assign the new.
    expect(auditSince(await h.audit(), before)).toEqual([
      `${unassignOp} +14255550103 ok`,
      `${assignOp} +14255550104 ok`,
    ]);
    // The id keeps the first number; read follows the recorded outputs.
    expect(await provider.read!(id, updated)).toEqual({ id, props: updated });
    await provider.delete!(id, updated);
  });

  test("regress-rollback-of-a-failed-number-change", async () => {
    const instanceId = await licensedAccount();
    const { id, outs } = await assign(instanceId, "+14255550105");
    // +14255550150 is a subscriber number: Teams refuses it on a resource account, after the unassign.
    const news = await inputs(instanceId, "+14255550150");
    const before = (await h.audit()).length;
    const e = await rejection(provider.update!(id, outs, news));
    expect(e.message).toBe(
      `assigning number +14255550150 to ${instanceId}: Telephone number '+14255550150' does not have required capabilities to be assigned to target type 'ResourceAccount'; the previous number +14255550105 was assigned back` +
        (mode === "graph"
          ? " (OperationFailed)"
          : " (400 BadRequest,Microsoft.Teams.ConfigAPI.Cmdlets.Generated.Cmdlets.SetCsPhoneNumberAssignment_Set)") +
        ". Only service numbers with the VoiceApplicationAssignment capability can go on a resource account; choose such a number." +
        " A Calling Plan subscriber (user) number becomes a service number through a usage change order: New-CsPhoneNumberUsageChangeOrder -TelephoneNumber <number> -Usage ServiceType, then rerun `pulumi up`.",
    );
    // The engine records the restored state (ErrorResourceInitFailed): the old number.
    expect(e.id).toBe(id);
    expect(e.properties).toMatchObject({ phoneNumber: "+14255550105", assignmentStatus: "voiceApplicationAssigned" });
    expect(auditSince(await h.audit(), before)).toEqual([
      `${unassignOp} +14255550105 ok`,
      `${assignOp} +14255550150 error: ${mode === "graph" ? "capability" : "BadRequest"}`,
      `${assignOp} +14255550105 ok`,
    ]);
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

  test("delete", async () => {
    const instanceId = await licensedAccount();
    const { id, outs } = await assign(instanceId, "+14255550200", { numberType: "DirectRouting" });
    const before = (await h.audit()).length;
    await provider.delete!(id, outs);
    // Direct Routing numbers are unassigned too.
    expect(auditSince(await h.audit(), before)).toEqual([`${unassignOp} +14255550200 ok`]);
    expect(await provider.read!(id, outs)).toEqual({});
  });

  test("requires-adopt", async () => {
    const instanceId = await licensedAccount();
    await h.admin("assignNumber", { telephoneNumber: "+14255550300", targetId: instanceId });
    const before = (await h.audit()).length;
    const e = await rejection(assign(instanceId, "+14255550300", { numberType: "OperatorConnect" }));
    expect(e.message).toBe(
      `assigning number +14255550300 to ${instanceId}: the number is already assigned to this account outside Pulumi (AlreadyAssigned). To manage the existing assignment with Pulumi, set adopt: true on this BotPhoneNumber.`,
    );
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
    const before = (await h.audit()).length;
    const wrongType = await rejection(assign(instanceId, "+14255550201"));
    expect(wrongType.message).toBe(
      `assigning number +14255550201 to ${instanceId}: +14255550201 is a DirectRouting number, not CallingPlan (NumberTypeMismatch). Set numberType to DirectRouting.`,
    );
    const unknown = await rejection(assign(instanceId, "+14255559999"));
    expect(unknown.code).toBe("NumberNotFound");
    expect(auditSince(await h.audit(), before)).toEqual([]);
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
