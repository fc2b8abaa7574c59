/**
 * Online voice routing policies in the Teams stand-in: Get-CsOnlineVoiceRoutingPolicy,
 * Grant-CsOnlineVoiceRoutingPolicy on resource accounts (`-PolicyName $null` removes) and
 * Get-CsOnlineUser's OnlineVoiceRoutingPolicy — over the admin endpoint and through the stand-in.
 */
import { withEmulator } from "../helpers/emulator";
import { StandIn } from "../helpers/standin";
import { cmdlet, GRAPH_SCOPE, msalApp, newResourceAccount, TEAMS_SCOPE, token } from "../helpers/tenant-clients";

const emu = withEmulator({ licenceProvisioningDelayMs: 0 });
const GRANT_ID = "ClientError,Microsoft.Teams.ConfigAPI.Cmdlets.Generated.Cmdlets.GrantCsUserPolicy_GrantExpanded";

beforeEach(async () => {
  await emu().admin.post("/reset");
});

describe("Get-CsOnlineVoiceRoutingPolicy", () => {
  test("lists the seeded Global and per-user policies", async () => {
    const r = await cmdlet(emu(), "Get-CsOnlineVoiceRoutingPolicy", {});
    expect(r.output!.map((p) => p.Identity)).toEqual(["Global", "Tag:US-DirectRouting", "Tag:International"]);
    expect(r.output![1]).toEqual({
      Identity: "Tag:US-DirectRouting",
      OnlinePstnUsages: ["US and Canada"],
      Description: "Bots and users on the Redmond SBC trunk",
      RouteType: "BYOT",
    });
  });

  test("-Identity by name, global, or Tag:name; -Filter 'tag:*'; unknown is not found", async () => {
    expect(
      (await cmdlet(emu(), "Get-CsOnlineVoiceRoutingPolicy", { Identity: "us-directrouting" })).output,
    ).toHaveLength(1);
    expect((await cmdlet(emu(), "Get-CsOnlineVoiceRoutingPolicy", { Identity: "global" })).output![0]!.Identity).toBe(
      "Global",
    );
    const tags = await cmdlet(emu(), "Get-CsOnlineVoiceRoutingPolicy", { Filter: "tag:*" });
    expect(tags.output!.map((p) => p.Identity)).toEqual(["Tag:US-DirectRouting", "Tag:International"]);
    const missing = await cmdlet(emu(), "Get-CsOnlineVoiceRoutingPolicy", { Identity: "Nope" });
    expect(missing.status).toBe(404);
  });
});

describe("Grant-CsOnlineVoiceRoutingPolicy and Get-CsOnlineUser", () => {
  test("grant to a resource account, read it back, remove it with $null", async () => {
    await newResourceAccount(emu(), "dr-bot@contoso.com", "1f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e30");
    const before = await cmdlet(emu(), "Get-CsOnlineUser", { Identity: "dr-bot@contoso.com" });
    expect(before.output![0]).toMatchObject({ AccountType: "ResourceAccount", OnlineVoiceRoutingPolicy: null });
    const granted = await cmdlet(emu(), "Grant-CsOnlineVoiceRoutingPolicy", {
      Identity: "dr-bot@contoso.com",
      PolicyName: "US-DirectRouting",
    });
    expect(granted).toMatchObject({ status: 200, output: [] });
    const after = await cmdlet(emu(), "Get-CsOnlineUser", { Identity: "dr-bot@contoso.com" });
    expect(after.output![0]!.OnlineVoiceRoutingPolicy).toBe("US-DirectRouting");
    const removed = await cmdlet(emu(), "Grant-CsOnlineVoiceRoutingPolicy", {
      Identity: "dr-bot@contoso.com",
      PolicyName: null,
      PassThru: true,
    });
    expect(removed.output![0]!.OnlineVoiceRoutingPolicy).toBeNull();
  });

  test("an unknown policy name is refused and changes nothing; an unknown identity: User does not exist", async () => {
    await newResourceAccount(emu(), "dr-bot@contoso.com");
    const r = await cmdlet(emu(), "Grant-CsOnlineVoiceRoutingPolicy", {
      Identity: "dr-bot@contoso.com",
      PolicyName: "Nope",
    });
    expect(r.error).toEqual({
      ...r.error,
      message: '[ClientError] : "Nope" not found',
      fullyQualifiedErrorId: GRANT_ID,
    });
    expect(
      (await cmdlet(emu(), "Get-CsOnlineUser", { Identity: "dr-bot" })).output![0]!.OnlineVoiceRoutingPolicy,
    ).toBeNull();
    const who = await cmdlet(emu(), "Grant-CsOnlineVoiceRoutingPolicy", {
      Identity: "ghost@contoso.com",
      PolicyName: "International",
    });
    expect(who.error).toMatchObject({ message: "User does not exist", fullyQualifiedErrorId: GRANT_ID });
  });

  test("-PolicyName is mandatory; -Global and -Group are refused as not modelled, never ignored", async () => {
    const r = await cmdlet(emu(), "Grant-CsOnlineVoiceRoutingPolicy", { Identity: "adele.vance@contoso.com" });
    expect(r.error!.fullyQualifiedErrorId).toMatch(/^MissingMandatoryParameter,/);
    const g = await cmdlet(emu(), "Grant-CsOnlineVoiceRoutingPolicy", { PolicyName: "International", Global: true });
    expect(g.error!.fullyQualifiedErrorId).toMatch(/^NotModelled,/);
  });

  test("Get-CsOnlineUser: -AccountType ResourceAccount, -Properties, FeatureTypes from licences", async () => {
    const ras = await cmdlet(emu(), "Get-CsOnlineUser", { AccountType: "ResourceAccount" });
    expect(ras.output!.map((u) => u.UserPrincipalName)).toEqual(["existing-aa@contoso.onmicrosoft.com"]);
    const adele = await cmdlet(emu(), "Get-CsOnlineUser", {
      Identity: "sip:adele.vance@contoso.com",
      Properties: "LineURI",
    });
    expect(adele.output![0]).toEqual({
      Identity: "1d7a2b3c-8e5f-4a91-8b24-6c3d9e0f1a22",
      UserPrincipalName: "adele.vance@contoso.com",
      Alias: "adele.vance",
      AccountEnabled: true,
      DisplayName: "Adele Vance",
      LineURI: "tel:+14255550151",
    });
    const full = await cmdlet(emu(), "Get-CsOnlineUser", { Identity: "adele.vance@contoso.com" });
    expect(full.output![0]!.FeatureTypes).toEqual(["PhoneSystem", "Teams"]);
    expect(
      (await cmdlet(emu(), "Get-CsOnlineUser", { Filter: "LineURI -eq 'tel:+1'" })).error!.fullyQualifiedErrorId,
    ).toMatch(/^NotModelled,/);
  });
});

describe("through the stand-in (the host protocol's allow-list and a JSON null)", () => {
  test("Grant with PolicyName null travels as data and removes the policy", async () => {
    await newResourceAccount(emu(), "dr-bot@contoso.com");
    await cmdlet(emu(), "Grant-CsOnlineVoiceRoutingPolicy", {
      Identity: "dr-bot@contoso.com",
      PolicyName: "International",
    });
    const app = msalApp(emu());
    const s = new StandIn(emu().pwshPath);
    try {
      await s.nextLine();
      await s.request({
        id: 1,
        type: "connect",
        tenantId: emu().tenantId,
        accessTokens: [await token(app, GRAPH_SCOPE), await token(app, TEAMS_SCOPE)],
      });
      const r = await s.request({
        id: 2,
        type: "invoke",
        cmdlet: "Grant-CsOnlineVoiceRoutingPolicy",
        parameters: { Identity: "dr-bot@contoso.com", PolicyName: null },
      });
      expect(r).toMatchObject({ id: 2, ok: true, output: [] });
      const u = await s.request({
        id: 3,
        type: "invoke",
        cmdlet: "Get-CsOnlineUser",
        parameters: { Identity: "dr-bot@contoso.com" },
      });
      expect(u!.output![0]!.OnlineVoiceRoutingPolicy).toBeNull();
    } finally {
      s.close();
    }
  });
});
