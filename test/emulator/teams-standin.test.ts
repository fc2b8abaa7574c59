/* eslint-disable @typescript-eslint/no-explicit-any -- contract tests assert on untyped JSON wire bodies */
/** The PowerShell stand-in (emulator/bin/pwsh) and the Teams cmdlets behind it: protocol, rules, error texts. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { TEAMS_MODULE_FLOOR } from "../../protocol/host-protocol";
import { startTestEmulator, withEmulator } from "../helpers/emulator";
import { Answer, StandIn } from "../helpers/standin";
import { cmdlet, GRAPH_SCOPE, graphClient, msalApp, TEAMS_SCOPE, token } from "../helpers/tenant-clients";

const VU = "440eaaa8-b3e0-484b-a8be-62870b9ba70a";
const BOT = "cccccccc-1111-4222-8333-444444444444";
const emu = withEmulator({ licenceProvisioningDelayMs: 0 });
let nextId = 1;

async function connected(env: NodeJS.ProcessEnv = {}, app = msalApp(emu())): Promise<StandIn> {
  const s = new StandIn(emu().pwshPath, env);
  const ready = JSON.parse((await s.nextLine())!);
  expect(ready).toEqual({
    tbnHost: 1,
    type: "ready",
    psVersion: "7.4.6",
    teamsModuleVersion: TEAMS_MODULE_FLOOR,
    teamsModuleFloor: TEAMS_MODULE_FLOOR,
  });
  const r = await s.request({
    id: nextId++,
    type: "connect",
    tenantId: emu().tenantId,
    accessTokens: [await token(app, GRAPH_SCOPE), await token(app, TEAMS_SCOPE)],
  });
  expect(r).toMatchObject({ ok: true });
  return s;
}

function invoke(s: StandIn, name: string, parameters: Record<string, unknown>): Promise<Answer | null> {
  return s.request({ id: nextId++, type: "invoke", cmdlet: name, parameters });
}

function expectError(a: Answer | null, message: string, fqid?: string): void {
  expect(a).not.toBeNull();
  expect(a!.ok).toBe(false);
  expect(a!.error!.message).toBe(message);
  if (fqid) expect(a!.error!.fullyQualifiedErrorId).toBe(fqid);
}

async function licence(id: string): Promise<void> {
  const g = graphClient(emu());
  await g.api(`/users/${id}`).patch({ usageLocation: "US" });
  await g
    .api(`/users/${id}/assignLicense`)
    .post({ addLicenses: [{ skuId: VU, disabledPlans: [] }], removeLicenses: [] });
}

describe("protocol", () => {
  test("not connected: the module's own message", async () => {
    const s = new StandIn(emu().pwshPath);
    await s.nextLine();
    expectError(
      await invoke(s, "Get-CsOnlineApplicationInstance", {}),
      "Run Connect-MicrosoftTeams before running cmdlets.",
    );
    expect(await s.close()).toBe(0);
  });

  test("connect needs a Teams/Global administrator role: the reader app is refused", async () => {
    const t = emu();
    const s = new StandIn(t.pwshPath);
    await s.nextLine();
    const app = msalApp(t, t.reader);
    const r = await s.request({
      id: 1,
      type: "connect",
      tenantId: t.tenantId,
      accessTokens: [await token(app, GRAPH_SCOPE), await token(app, TEAMS_SCOPE)],
    });
    expect(r!.ok).toBe(false);
    expect(r!.error!.message).toContain("holds no Teams Administrator");
    await s.close();
  });

  test("connect refuses swapped tokens (audience)", async () => {
    const t = emu();
    const s = new StandIn(t.pwshPath);
    await s.nextLine();
    const app = msalApp(t);
    const graphTok = await token(app, GRAPH_SCOPE);
    const r = await s.request({ id: 1, type: "connect", tenantId: t.tenantId, accessTokens: [graphTok, graphTok] });
    expect(r!.ok).toBe(false);
    expect(r!.error!.message).toContain("wrong audience");
    await s.close();
  });

  test("anything but a well-formed allow-listed request is a ProtocolViolation and runs nothing; log is verbatim", async () => {
    const t = emu();
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "standin-")), "received.log");
    const s = await connected({ TEAMS_STANDIN_LOG: log });
    const before = (await t.admin.get<any>("/stats")).cmdletCalls;
    const bad = [
      "Get-CsOnlineApplicationInstance; Remove-Item -Recurse /",
      JSON.stringify({ id: 50, type: "invoke", cmdlet: "Invoke-Expression", parameters: { Command: "whoami" } }),
      JSON.stringify({
        id: 51,
        type: "invoke",
        cmdlet: "Get-CsOnlineApplicationInstance",
        parameters: { Identity: { $ne: 1 } },
      }),
      JSON.stringify({
        id: 52,
        type: "invoke",
        cmdlet: "Get-CsOnlineApplicationInstance",
        parameters: { "Identity; whoami": "x" },
      }),
      JSON.stringify({ id: 53, type: "script", script: "Get-Process" }),
    ];
    for (const line of bad) {
      s.writeLine(line);
      const a = JSON.parse((await s.nextLine())!) as Answer;
      expect(a.ok).toBe(false);
      expect(a.error!.fullyQualifiedErrorId).toBe("ProtocolViolation");
    }
    expect((await t.admin.get<any>("/stats")).cmdletCalls).toBe(before);
    // A hostile-looking value is carried as data, never as code.
    const payload = `x"; Remove-Item -Recurse -Force / ; $(whoami) #'`;
    const line = JSON.stringify({
      id: 60,
      type: "invoke",
      cmdlet: "New-CsOnlineApplicationInstance",
      parameters: { UserPrincipalName: "inject@contoso.com", DisplayName: payload },
    });
    s.writeLine(line);
    const created = JSON.parse((await s.nextLine())!) as Answer;
    expect(created.output![0]!.DisplayName).toBe(payload);
    const logged = fs.readFileSync(log, "utf8").split("\n");
    for (const l of bad) expect(logged).toContain(l);
    expect(logged).toContain(line);
    // The connect line is logged with its tokens redacted.
    expect(logged.find((l) => l.includes('"connect"'))).toContain("<redacted>");
    expect(fs.readFileSync(log, "utf8")).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    expect(await s.close()).toBe(0);
  });

  test("the exit request ends the host with code 0", async () => {
    const s = await connected();
    s.writeLine(JSON.stringify({ id: 99, type: "exit" }));
    expect(await s.exitCode).toBe(0);
  });

  test("crash 'before': exits 1 without answering and without executing", async () => {
    const t = emu();
    const s = await connected();
    await t.admin.put("/faults", { pwshCrash: { afterCalls: 1, mode: "before" } });
    expect(
      await invoke(s, "New-CsOnlineApplicationInstance", { UserPrincipalName: "crash-before@contoso.com" }),
    ).toBeNull();
    expect(await s.exitCode).toBe(1);
    const c = await cmdlet(t, "Get-CsOnlineApplicationInstance", { Identity: "crash-before@contoso.com" });
    expect(c.status).toBe(404);
  });

  test("crash 'after': executes, then exits 1 without answering", async () => {
    const t = emu();
    const s = await connected();
    await t.admin.put("/faults", { pwshCrash: { afterCalls: 1, mode: "after" } });
    expect(
      await invoke(s, "New-CsOnlineApplicationInstance", { UserPrincipalName: "crash-after@contoso.com" }),
    ).toBeNull();
    expect(await s.exitCode).toBe(1);
    expect((await cmdlet(t, "Get-CsOnlineApplicationInstance", { Identity: "crash-after@contoso.com" })).status).toBe(
      200,
    );
  });
});

describe("application instances", () => {
  let s: StandIn;
  beforeAll(async () => {
    s = await connected();
  });
  afterAll(() => s.close());

  test("New creates a disabled user with the instance department and an APS mapping; Get by UPN/ObjectId/all", async () => {
    const t = emu();
    const created = await invoke(s, "New-CsOnlineApplicationInstance", {
      UserPrincipalName: "Bot-One@Contoso.com",
      ApplicationId: BOT,
      DisplayName: "Bot One",
      Force: true,
    });
    expect(created!.ok).toBe(true);
    const o = created!.output![0]!;
    expect(o).toEqual({
      ObjectId: expect.any(String),
      TenantId: t.tenantId,
      UserPrincipalName: "bot-one@contoso.com",
      ApplicationId: BOT,
      DisplayName: "Bot One",
      PhoneNumber: null,
    });
    const u = await graphClient(t).api(`/users/${o.ObjectId}`).select("accountEnabled,department").get();
    expect(u).toMatchObject({ accountEnabled: false, department: "Microsoft Communication Application Instance" });
    expect((await t.admin.get<any>("/state")).aps[o.ObjectId as string]).toBe(BOT);
    expect((await invoke(s, "Get-CsOnlineApplicationInstance", { Identity: "bot-one@contoso.com" }))!.output).toEqual([
      o,
    ]);
    expect((await invoke(s, "Get-CsOnlineApplicationInstance", { identity: o.ObjectId }))!.output).toEqual([o]);
    const all = (await invoke(s, "Get-CsOnlineApplicationInstance", {}))!.output!;
    expect(all.map((x) => x.UserPrincipalName)).toEqual(
      expect.arrayContaining(["bot-one@contoso.com", "existing-aa@contoso.onmicrosoft.com"]),
    );
    expect(all.map((x) => x.UserPrincipalName)).not.toContain("adele.vance@contoso.com");
  });

  test("New errors: duplicate UPN, unverified domain, missing/unknown parameters, bad GUID", async () => {
    await invoke(s, "New-CsOnlineApplicationInstance", { UserPrincipalName: "dup@contoso.com" });
    expectError(
      await invoke(s, "New-CsOnlineApplicationInstance", { UserPrincipalName: "DUP@contoso.com" }),
      "BadRequest - Another object with the same value for property userPrincipalName already exists.",
    );
    expectError(
      await invoke(s, "New-CsOnlineApplicationInstance", { UserPrincipalName: "bot@fabrikam.com" }),
      "BadRequest - The domain portion of the UserPrincipalName 'bot@fabrikam.com' must be a verified domain of the tenant ('fabrikam.com' is not verified).",
    );
    expectError(
      await invoke(s, "New-CsOnlineApplicationInstance", { DisplayName: "x" }),
      "Cannot process command because of one or more missing mandatory parameters: UserPrincipalName.",
      "MissingMandatoryParameter,New-CsOnlineApplicationInstance",
    );
    expectError(
      await invoke(s, "New-CsOnlineApplicationInstance", { UserPrincipalName: "a@contoso.com", Department: "x" }),
      "A parameter cannot be found that matches parameter name 'Department'.",
      "NamedParameterNotFound,New-CsOnlineApplicationInstance",
    );
    const g = await invoke(s, "New-CsOnlineApplicationInstance", {
      UserPrincipalName: "a@contoso.com",
      ApplicationId: "not-a-guid",
    });
    expect(g!.error!.fullyQualifiedErrorId).toBe("CannotConvertArgumentNoMessage,New-CsOnlineApplicationInstance");
    expect(g!.error!.message).toContain(`Cannot convert value "not-a-guid" to type "System.Guid"`);
  });

  test("Get of a missing instance fails", async () => {
    expectError(
      await invoke(s, "Get-CsOnlineApplicationInstance", { Identity: "nobody@contoso.com" }),
      'Management object not found for identity "nobody@contoso.com".',
    );
  });

  test("Set-CsOnlineApplicationInstance is refused under app-only auth", async () => {
    const a = await invoke(s, "Set-CsOnlineApplicationInstance", { Identity: "bot-one@contoso.com", DisplayName: "x" });
    expect(a!.ok).toBe(false);
    expect(a!.error!.message).toContain("is not supported with application-based authentication");
  });

  test("Sync: conflicting mapping → 'An item with the same key…'; zero GUID removes; then re-map", async () => {
    const t = emu();
    const id = (await invoke(s, "New-CsOnlineApplicationInstance", {
      UserPrincipalName: "sync@contoso.com",
      ApplicationId: BOT,
    }))!.output![0]!.ObjectId as string;
    const other = "dddddddd-1111-4222-8333-444444444444";
    expectError(
      await invoke(s, "Sync-CsOnlineApplicationInstance", { ObjectId: id, ApplicationId: other }),
      "An item with the same key has already been added.",
    );
    expect(
      (await invoke(s, "Sync-CsOnlineApplicationInstance", {
        ObjectId: id,
        ApplicationId: "00000000-0000-0000-0000-000000000000",
      }))!.ok,
    ).toBe(true);
    expect((await t.admin.get<any>("/state")).aps[id]).toBeUndefined();
    expect((await invoke(s, "Sync-CsOnlineApplicationInstance", { ObjectId: id, ApplicationId: other }))!.ok).toBe(
      true,
    );
    expect((await t.admin.get<any>("/state")).aps[id]).toBe(other);
    expect((await invoke(s, "Get-CsOnlineApplicationInstance", { Identity: id }))!.output![0]!.ApplicationId).toBe(
      other,
    );
  });
});

describe("phone number assignment cmdlets", () => {
  let s: StandIn;
  let ra: string;
  let ra2: string;
  beforeAll(async () => {
    s = await connected();
    ra = (await invoke(s, "New-CsOnlineApplicationInstance", {
      UserPrincipalName: "pstn-1@contoso.com",
      ApplicationId: BOT,
    }))!.output![0]!.ObjectId as string;
    ra2 = (await invoke(s, "New-CsOnlineApplicationInstance", {
      UserPrincipalName: "pstn-2@contoso.com",
      ApplicationId: BOT,
    }))!.output![0]!.ObjectId as string;
  });
  afterAll(() => s.close());

  test("unlicensed resource account: The user '<id>' is not found", async () => {
    expectError(
      await invoke(s, "Set-CsPhoneNumberAssignment", {
        Identity: "pstn-1@contoso.com",
        TelephoneNumber: "+14255550103",
        NumberType: "CallingPlan",
      }),
      `The user '${ra}' is not found`,
      "BadRequest,Microsoft.Teams.ConfigAPI.Cmdlets.Generated.Cmdlets.SetCsPhoneNumberAssignment_Set",
    );
    await licence(ra);
    await licence(ra2);
  });

  test("tel: is rejected; wrong type or unknown number is 'not found from tenant'; subscriber number lacks capability", async () => {
    const t = emu();
    const tel = await invoke(s, "Set-CsPhoneNumberAssignment", {
      Identity: ra,
      TelephoneNumber: "tel:+14255550103",
      NumberType: "CallingPlan",
    });
    expect(tel!.ok).toBe(false);
    expect(tel!.error!.message).toContain("'tel:+14255550103' is not in a valid format");
    expectError(
      await invoke(s, "Set-CsPhoneNumberAssignment", {
        Identity: ra,
        TelephoneNumber: "+14255550103",
        NumberType: "DirectRouting",
      }),
      `BadRequest - Telephone Number '+14255550103' is not found from tenant '${t.tenantId}'`,
    );
    expectError(
      await invoke(s, "Set-CsPhoneNumberAssignment", {
        Identity: ra,
        TelephoneNumber: "+14255550150",
        NumberType: "CallingPlan",
      }),
      "Telephone number '+14255550150' does not have required capabilities to be assigned to target type 'ResourceAccount'",
    );
    const vs = await invoke(s, "Set-CsPhoneNumberAssignment", {
      Identity: ra,
      TelephoneNumber: "+14255550103",
      NumberType: "Mobile",
    });
    expect(vs!.error!.fullyQualifiedErrorId).toBe("ParameterArgumentValidationError,Set-CsPhoneNumberAssignment");
  });

  test("assign with the old aliases and without '+'; Get-CsOnlineApplicationInstance shows tel:+; already assigned; Get filters", async () => {
    expect(
      await invoke(s, "Set-CsPhoneNumberAssignment", {
        Identity: "pstn-1@contoso.com",
        PhoneNumber: "14255550103",
        PhoneNumberType: "CallingPlan",
      }),
    ).toMatchObject({ ok: true, output: [] });
    expect((await invoke(s, "Get-CsOnlineApplicationInstance", { Identity: ra }))!.output![0]!.PhoneNumber).toBe(
      "tel:+14255550103",
    );
    expectError(
      await invoke(s, "Set-CsPhoneNumberAssignment", {
        Identity: ra2,
        TelephoneNumber: "+14255550103",
        NumberType: "CallingPlan",
      }),
      "BadRequest Telephone Number '+14255550103' has already been assigned to another user",
    );
    const mine = (await invoke(s, "Get-CsPhoneNumberAssignment", { AssignedPstnTargetId: "pstn-1@contoso.com" }))!
      .output!;
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      TelephoneNumber: "+14255550103",
      NumberType: "CallingPlan",
      ActivationState: "Activated",
      AssignedPstnTargetId: ra,
      PstnAssignmentStatus: "VoiceApplicationAssigned",
      Capability: ["ConferenceAssignment", "VoiceApplicationAssignment"],
      NumberSource: "Online",
      AssignmentBlockedState: "NotBlocked",
    });
    const dr = (await invoke(s, "Get-CsPhoneNumberAssignment", {
      NumberType: "DirectRouting",
      PstnAssignmentStatus: "Unassigned",
    }))!.output!;
    // +14255550200 is a Direct Routing number the tenant has not seen: not in the inventory.
    expect(dr.map((x) => x.TelephoneNumber)).toEqual(["+14255550201", "+14255550202;ext=10"]);
    // Direct Routing numbers without a location show the zero GUID; Calling Plan ones carry theirs.
    expect(dr[0]).toMatchObject({
      LocationId: "00000000-0000-0000-0000-000000000000",
      CivicAddressId: "00000000-0000-0000-0000-000000000000",
    });
    const page = (await invoke(s, "Get-CsPhoneNumberAssignment", { Top: 2, Skip: 1 }))!.output!;
    expect(page.map((x) => x.TelephoneNumber)).toEqual(["+14255550101", "+14255550102"]);
    expect((await invoke(s, "Get-CsPhoneNumberAssignment", { TelephoneNumber: "+14255550103" }))!.output).toHaveLength(
      1,
    );
    expect((await invoke(s, "Get-CsPhoneNumberAssignment", { Top: 1001 }))!.error!.fullyQualifiedErrorId).toBe(
      "ParameterArgumentValidationError,Get-CsPhoneNumberAssignment",
    );
  });

  test("Remove: the number must be on that identity; RemoveSome and RemoveAll", async () => {
    expectError(
      await invoke(s, "Remove-CsPhoneNumberAssignment", {
        Identity: ra2,
        TelephoneNumber: "+14255550103",
        NumberType: "CallingPlan",
      }),
      `BadRequest - Telephone Number '+14255550103' is not assigned to the user '${ra2}'`,
    );
    expect(
      (await invoke(s, "Remove-CsPhoneNumberAssignment", {
        Identity: ra,
        TelephoneNumber: "+14255550103",
        NumberType: "CallingPlan",
      }))!.ok,
    ).toBe(true);
    expect((await invoke(s, "Get-CsOnlineApplicationInstance", { Identity: ra }))!.output![0]!.PhoneNumber).toBeNull();
    // A Direct Routing number outside the inventory is assigned directly (Set-CsPhoneNumberAssignment example 5)…
    expect((await invoke(s, "Get-CsPhoneNumberAssignment", { TelephoneNumber: "+14255550200" }))!.output).toEqual([]);
    expect(
      (await invoke(s, "Set-CsPhoneNumberAssignment", {
        Identity: ra,
        TelephoneNumber: "+14255550200",
        NumberType: "DirectRouting",
      }))!.ok,
    ).toBe(true);
    expect((await invoke(s, "Get-CsPhoneNumberAssignment", { TelephoneNumber: "+14255550200" }))!.output).toEqual([
      expect.objectContaining({
        AssignedPstnTargetId: ra,
        NumberType: "DirectRouting",
        LocationId: "00000000-0000-0000-0000-000000000000",
      }),
    ]);
    expect((await invoke(s, "Remove-CsPhoneNumberAssignment", { Identity: ra, RemoveAll: true }))!.ok).toBe(true);
    expect((await invoke(s, "Get-CsPhoneNumberAssignment", { AssignedPstnTargetId: ra }))!.output).toEqual([]);
    // …and, never uploaded, leaves the inventory again when unassigned.
    expect((await invoke(s, "Get-CsPhoneNumberAssignment", { TelephoneNumber: "+14255550200" }))!.output).toEqual([]);
    // A Calling Plan number's location cannot be removed (-LocationId 'null').
    expectError(
      await invoke(s, "Set-CsPhoneNumberAssignment", { TelephoneNumber: "+14255550104", LocationId: "null" }),
      "BadRequest - Removal of location is not supported for telephone number '+14255550104': it is supported for Direct Routing numbers and Operator Connect numbers that are not managed by the Service Desk",
    );
    expect((await invoke(s, "Remove-CsPhoneNumberAssignment", { Identity: ra }))!.error!.fullyQualifiedErrorId).toBe(
      "AmbiguousParameterSet,Remove-CsPhoneNumberAssignment",
    );
  });

  test("the audit log records mutating cmdlets in order, with the caller's app id and no secrets", async () => {
    const t = emu();
    const audit = (await t.admin.get<any>("/audit")).entries as any[];
    const ops = audit.filter((e) => e.number === "+14255550103" && e.outcome === "ok").map((e) => e.operation);
    expect(ops).toEqual(["Set-CsPhoneNumberAssignment", "Remove-CsPhoneNumberAssignment"]);
    expect(audit.every((e) => e.appId === null || e.appId === t.clientId)).toBe(true);
    const dump = JSON.stringify(audit) + JSON.stringify(await t.admin.get("/state"));
    expect(dump).not.toContain(t.clientSecret);
    expect(dump).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });
});

test("fixture teams.allowSetApplicationInstanceAppOnly=true lets Set-CsOnlineApplicationInstance run", async () => {
  const raw = JSON.parse(fs.readFileSync(path.join(__dirname, "../../emulator/fixtures/default.json"), "utf8"));
  raw.teams.allowSetApplicationInstanceAppOnly = true;
  const t = await startTestEmulator(undefined, { fixture: raw });
  try {
    const r = await cmdlet(t, "Set-CsOnlineApplicationInstance", {
      Identity: "existing-aa@contoso.onmicrosoft.com",
      DisplayName: "Renamed AA",
    });
    expect(r.status).toBe(200);
    expect(
      (await cmdlet(t, "Get-CsOnlineApplicationInstance", { Identity: "existing-aa@contoso.onmicrosoft.com" }))
        .output![0]!.DisplayName,
    ).toBe("Renamed AA");
  } finally {
    await t.stop();
  }
});
