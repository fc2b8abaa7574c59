/**
 * Outbound calling on the real engine against the emulator: a Calling Plan bot with the
 * Pay-As-You-Go licence and a Direct Routing bot with a voice routing policy converge in one `up`,
 * a second `up` changes nothing, drift of the policy and of the extra licence is found by refresh and
 * repaired by `up`, removing `outboundCalling` revokes exactly that, destroy leaves the tenant as
 * seeded, and a policy the tenant lacks is refused at preview with zero writes. The synthetic
 * outbound call (POST /_emulator/admin/outboundCall) is the witness that the account can call out.
 */
import type { AuditEntry as Audit } from "../../emulator/state";
import type { BotEntry } from "../../stacks/config";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";
import { secretEnv, stackConfigFor } from "../helpers/emulator-settings";
import { cmdlet, graphClient } from "../helpers/tenant-clients";
import { EngineHarness, EngineRun } from "./harness";

interface TenantDump {
  users: Array<{
    id: string;
    userPrincipalName: string;
    licenses: Array<{ skuId: string }>;
    onlineVoiceRoutingPolicy?: string;
  }>;
  numbers: Array<{ telephoneNumber: string; assignmentTargetId?: string | null }>;
}

const PAYG_ZONE_1 = "9b196e97-5830-4c2e-adc2-1e10ebf5dee5";
const VIRTUAL_USER = "440eaaa8-b3e0-484b-a8be-62870b9ba70a";
const CP_NUMBER = "+14255550100";
const DR_NUMBER = "+14255550201";
const cpBot = (outbound = true): BotEntry => ({
  name: "plan-bot",
  userPrincipalName: "plan-bot@contoso.com",
  displayName: "Plan Bot",
  appId: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
  usageLocation: "US",
  phoneNumber: CP_NUMBER,
  numberType: "CallingPlan",
  ...(outbound ? { outboundCalling: { callingPlan: "MCOPSTN_PAYG_1" } } : {}),
});
const drBot = (policy: string | null = "US-DirectRouting"): BotEntry => ({
  name: "trunk-bot",
  userPrincipalName: "trunk-bot@contoso.com",
  displayName: "Trunk Bot",
  appId: "8b2e4c6a-1d3f-4a5b-8c7d-9e0f1a2b3c20",
  usageLocation: "US",
  phoneNumber: DR_NUMBER,
  numberType: "DirectRouting",
  ...(policy ? { outboundCalling: { voiceRoutingPolicy: policy } } : {}),
});

describe("outbound calling (real engine)", () => {
  let t: TestEmulator;
  let h: EngineHarness;
  let seed: TenantDump;

  const dump = (): Promise<TenantDump> => t.admin.get<TenantDump>("/state");
  const user = async (upn: string) => (await dump()).users.find((u) => u.userPrincipalName === upn);
  const skusOf = async (upn: string): Promise<string[]> =>
    ((await user(upn))?.licenses ?? []).map((l) => l.skuId).sort();
  const setBots = (bots: BotEntry[]): Promise<void> => h.stack.setConfig("bots", { value: JSON.stringify(bots) });
  /** Tenant writes (Graph and Teams changes) since `from`. */
  const writesSince = async (from: number): Promise<string[]> =>
    (await t.admin.audit())
      .slice(from)
      .filter((e: Audit) => e.family !== "admin")
      .map((e) => `${e.family} ${e.operation}`);
  const outbound = (from: string): Promise<{ placed: boolean; missing?: string; route?: string }> =>
    t.admin.post("/admin/outboundCall", { from, to: "+12065550123" });
  const up = async (o: { refresh?: boolean } = {}): Promise<EngineRun> => {
    const r = await h.up(o);
    if (r.exitCode !== 0) console.log(r.stdout, r.stderr);
    return r;
  };
  const expectNoChanges = async (): Promise<void> => {
    const from = (await t.admin.audit()).length;
    const again = await h.up({ expectNoChanges: true });
    expect(again.exitCode).toBe(0);
    expect(Object.keys(again.changes)).toEqual(["same"]);
    expect(await writesSince(from)).toEqual([]);
  };

  beforeAll(async () => {
    t = await startTestEmulator();
    seed = await dump();
    h = await EngineHarness.create({
      name: "calling",
      env: { ...secretEnv(t), TEAMS_POLL_INTERVAL_MS: "200" },
      config: stackConfigFor(t),
    });
  });
  afterAll(async () => {
    await h?.dispose();
    await t?.stop();
  });

  test("a policy the tenant lacks is refused at preview, naming the bot and the policies it has; zero writes", async () => {
    await setBots([cpBot(), drBot("US-Direct-Routing")]);
    const from = (await t.admin.audit()).length;
    const r = await h.preview();
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(
      'bots[1] (trunk-bot, trunk-bot@contoso.com): the tenant has no online voice routing policy "US-Direct-Routing" (it has US-DirectRouting, International)',
    );
    expect(await writesSince(from)).toEqual([]);
  });

  test("up converges: the PAYG licence on the Calling Plan bot, the policy on the Direct Routing bot; both can call out", async () => {
    await setBots([cpBot(), drBot()]);
    const r = await up();
    expect(r.exitCode).toBe(0);
    expect(await skusOf("plan-bot@contoso.com")).toEqual([VIRTUAL_USER, PAYG_ZONE_1].sort());
    expect((await user("trunk-bot@contoso.com"))!.onlineVoiceRoutingPolicy).toBe("US-DirectRouting");
    expect(await outbound(CP_NUMBER)).toMatchObject({
      placed: true,
      route: "Calling Plan, billed through MCOPSTN_PAYG_1",
    });
    expect(await outbound(DR_NUMBER)).toMatchObject({
      placed: true,
      route: "Direct Routing through Tag:US-DirectRouting (US and Canada)",
    });
    const outputs = (await h.stack.outputs()).bots!.value as Record<string, { callingReady: unknown }>;
    // No azureBot here (its provider plugin cannot run offline): the output names that piece only.
    expect(outputs["plan-bot"]!.callingReady).toEqual({
      ready: false,
      missing: [{ piece: "botRegistration", fix: expect.stringContaining("Declare azureBot") }],
      unverified: ["app"],
    });
    await expectNoChanges();
  });

  test("drift of the policy and of the extra licence: refresh finds both, up repairs both", async () => {
    const trunk = (await user("trunk-bot@contoso.com"))!.id;
    const plan = (await user("plan-bot@contoso.com"))!.id;
    expect(
      (await cmdlet(t, "Grant-CsOnlineVoiceRoutingPolicy", { Identity: trunk, PolicyName: "International" })).status,
    ).toBe(200);
    await graphClient(t)
      .api(`/users/${plan}/assignLicense`)
      .post({ addLicenses: [], removeLicenses: [PAYG_ZONE_1] });
    const preview = await h.preview({ refresh: true });
    expect(preview.exitCode).toBe(0);
    expect(preview.changes).toMatchObject({ create: 1, update: 1 });
    // The refresh shows what drifted; the plan re-creates the licence and updates the policy back.
    expect(preview.stdout).toContain('~ policyName: "US-DirectRouting" => "International"');
    expect(preview.stdout).toMatch(
      /\+ pulumi-nodejs:dynamic\/teams:CallingPlanLicence: \(create\)\n\s+\[urn=[^\]]*::plan-bot-calling-plan\]/,
    );
    expect(preview.stdout).toMatch(
      /~ pulumi-nodejs:dynamic\/teams:VoiceRoutingPolicyAssignment: \(update\)\n\s+\[id=[^\]]*\]\n\s+\[urn=[^\]]*::trunk-bot-voice-routing\]/,
    );
    const r = await up({ refresh: true });
    expect(r.exitCode).toBe(0);
    expect((await user("trunk-bot@contoso.com"))!.onlineVoiceRoutingPolicy).toBe("US-DirectRouting");
    expect(await skusOf("plan-bot@contoso.com")).toEqual([VIRTUAL_USER, PAYG_ZONE_1].sort());
    await expectNoChanges();
  });

  test("removing outboundCalling revokes exactly that: the PAYG licence and the policy go, account, licence and number stay", async () => {
    await setBots([cpBot(false), drBot(null)]);
    const from = (await t.admin.audit()).length;
    const r = await up();
    expect(r.exitCode).toBe(0);
    expect(r.changes).toMatchObject({ delete: 2 });
    expect((await writesSince(from)).sort()).toEqual(["graph assignLicense", "teams Grant-CsOnlineVoiceRoutingPolicy"]);
    expect(await skusOf("plan-bot@contoso.com")).toEqual([VIRTUAL_USER]);
    expect((await user("trunk-bot@contoso.com"))!.onlineVoiceRoutingPolicy).toBeUndefined();
    const d = await dump();
    for (const [n, upn] of [
      [CP_NUMBER, "plan-bot@contoso.com"],
      [DR_NUMBER, "trunk-bot@contoso.com"],
    ])
      expect(d.numbers.find((x) => x.telephoneNumber === n)!.assignmentTargetId).toBe((await user(upn))!.id);
    expect(await outbound(CP_NUMBER)).toMatchObject({ placed: false, missing: "paygLicence" });
    expect(await outbound(DR_NUMBER)).toMatchObject({ placed: false, missing: "voiceRoutingPolicy" });
    await expectNoChanges();
  });

  test("destroy leaves the tenant as seeded", async () => {
    await setBots([cpBot(), drBot()]);
    expect((await up()).exitCode).toBe(0);
    expect((await h.destroy()).exitCode).toBe(0);
    const shape = (d: TenantDump) => ({
      users: d.users
        .map((u) => ({
          upn: u.userPrincipalName,
          skus: u.licenses.map((l) => l.skuId).sort(),
          policy: u.onlineVoiceRoutingPolicy ?? null,
        }))
        .sort((a, b) => a.upn.localeCompare(b.upn)),
      numbers: d.numbers.map((n) => [n.telephoneNumber, n.assignmentTargetId ?? null]),
    });
    expect(shape(await dump())).toEqual(shape(seed));
  });
});
