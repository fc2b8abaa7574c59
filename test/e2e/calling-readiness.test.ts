/**
 * The calling readiness as users run it, after `pulumi up` on the real engine against the emulator:
 * `node dist/scripts/preflight.js --stack test --calling` reads the stack's config through the
 * Automation API and checks every link of each bot's chain, printing ✓ / ✗ with the fix, with zero
 * writes. The Azure Bots are registered over ARM beside the stack (as a user does by hand or with
 * @pulumi/azure-native, whose provider plugin cannot run offline). The emulator's synthetic incoming
 * call is the witness: it reaches the webhook of a ready bot, and is refused with the documented
 * error naming the same link the readiness names.
 */
import { execFile } from "child_process";
import * as path from "path";

import type { AuditEntry as Audit } from "../../emulator/state";
import type { BotEntry } from "../../stacks/config";
import { REPO_ROOT, startTestEmulator, TestEmulator } from "../helpers/emulator";
import { secretEnv, stackConfigFor } from "../helpers/emulator-settings";
import {
  arm,
  AZURE_RESOURCE_GROUP,
  AZURE_SUBSCRIPTION,
  azureBot,
  botPath,
  cmdlet,
  graphClient,
  teamsChannel,
} from "../helpers/tenant-clients";
import { webhookReceiver, type Receiver } from "../helpers/webhook-receiver";
import { EngineHarness } from "./harness";

jest.setTimeout(600_000);

const PLAN_APP = "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10";
const TRUNK_APP = "8b2e4c6a-1d3f-4a5b-8c7d-9e0f1a2b3c20";
const CP_NUMBER = "+14255550100";
const DR_NUMBER = "+14255550201";
const PAYG_ZONE_1 = "9b196e97-5830-4c2e-adc2-1e10ebf5dee5";
const bots: BotEntry[] = [
  {
    name: "plan-bot",
    userPrincipalName: "plan-bot@contoso.com",
    displayName: "Plan Bot",
    appId: PLAN_APP,
    usageLocation: "US",
    phoneNumber: CP_NUMBER,
    numberType: "CallingPlan",
    outboundCalling: { callingPlan: "MCOPSTN_PAYG_1" },
  },
  {
    name: "trunk-bot",
    userPrincipalName: "trunk-bot@contoso.com",
    displayName: "Trunk Bot",
    appId: TRUNK_APP,
    usageLocation: "US",
    phoneNumber: DR_NUMBER,
    numberType: "DirectRouting",
    outboundCalling: { voiceRoutingPolicy: "US-DirectRouting" },
  },
];

interface Readiness {
  code: number | null;
  out: string;
  /** The ✗ lines. */
  failures: string[];
  writes: string[];
}

describe("calling readiness (real engine, preflight --calling)", () => {
  let t: TestEmulator;
  let h: EngineHarness;
  let hook: Receiver;

  const writesSince = async (from: number): Promise<string[]> =>
    (await t.admin.audit())
      .slice(from)
      .filter((e: Audit) => e.family !== "admin")
      .map((e) => `${e.family} ${e.operation}`);
  /** `npm run preflight -- --stack test --calling`, on the harness's stack. */
  const readiness = async (): Promise<Readiness> => {
    const from = (await t.admin.audit()).length;
    const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          path.join(REPO_ROOT, "dist", "scripts", "preflight.js"),
          ...["--stack", h.stackName, "--calling"],
          ...["--work-dir", path.join(h.dir, "work"), "--backend-dir", h.backendDir],
          ...["--pulumi-home", path.join(h.dir, "home")],
        ],
        { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env, ...secretEnv(t) }, timeout: 300_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
      );
    });
    if (process.env.TBN_E2E_ECHO) process.stdout.write(run.out);
    const failures = run.out.split("\n").filter((l) => l.startsWith("✗"));
    return { ...run, failures, writes: await writesSince(from) };
  };
  /** The lines after a ✗ line (detail, fix) up to the next mark. */
  const explanation = (out: string, failure: string): string => {
    const lines = out.split("\n");
    const i = lines.indexOf(failure);
    const end = lines.findIndex((l, j) => j > i && /^[✓✗–⚠]/.test(l));
    return lines.slice(i + 1, end < 0 ? undefined : end).join("\n");
  };
  const incoming = (telephoneNumber: string): Promise<Record<string, unknown>> =>
    t.admin.post("/admin/incomingCall", { telephoneNumber, from: "+12065550123" });
  const register = async (name: string, appId: string, channel: Record<string, unknown>): Promise<void> => {
    expect((await arm(t, "PUT", botPath(name), { body: azureBot(appId, t.tenantId) })).status).toBeLessThan(300);
    const r = await arm(t, "PUT", botPath(name, "MsTeamsChannel"), { body: teamsChannel(channel) });
    expect(r.status).toBeLessThan(300);
  };
  const callingOn = (): Record<string, unknown> => ({
    isEnabled: true,
    enableCalling: true,
    callingWebhook: hook.url,
    acceptedTerms: true,
  });

  beforeAll(async () => {
    hook = await webhookReceiver();
    t = await startTestEmulator();
    h = await EngineHarness.create({
      name: "readiness",
      env: { ...secretEnv(t), TEAMS_POLL_INTERVAL_MS: "200" },
      config: {
        ...stackConfigFor(t),
        armUrl: { value: t.url },
        azureBots: {
          value: JSON.stringify({ subscriptionId: AZURE_SUBSCRIPTION, resourceGroupName: AZURE_RESOURCE_GROUP }),
        },
        bots: { value: JSON.stringify(bots) },
      },
    });
    const up = await h.up();
    if (up.exitCode !== 0) console.log(up.stdout, up.stderr);
    expect(up.exitCode).toBe(0);
  });
  afterAll(async () => {
    await h?.dispose();
    await t?.stop();
    await hook?.close();
  });

  test("without Azure Bots: each bot is reported missing its registration, with the fix and 7503; zero writes", async () => {
    const r = await readiness();
    expect(r.code).toBe(1);
    expect(r.failures).toEqual([
      "✗ plan-bot: an Azure Bot is registered with the bot's app id (msaAppId) [botRegistration]",
      "✗ trunk-bot: an Azure Bot is registered with the bot's app id (msaAppId) [botRegistration]",
    ]);
    const why = explanation(r.out, r.failures[0]!);
    expect(why).toContain(`no Azure Bot in the resource group has msaAppId ${PLAN_APP}`);
    expect(why).toContain('Graph answers 7503 "Application is not registered in our store."');
    expect(why).toContain("fix: Declare azureBot on the bot");
    // What up made is there: account, app id mapping, licence, number, outbound.
    for (const line of [
      "✓ plan-bot: the resource account exists",
      "✓ plan-bot: the resource account is mapped to the bot's app id",
      "✓ plan-bot: the resource account's licence is provisioned (MCOEV_VIRTUALUSER Success)\n",
      `✓ plan-bot: the bot's Entra app has a service principal in this tenant (${PLAN_APP}; its Calls.* consent is not read)`,
      `✓ plan-bot: a phone number is assigned to the resource account (${CP_NUMBER})`,
      "✓ plan-bot: outbound: a Pay-As-You-Go Calling Plan licence (MCOPSTN_PAYG_1/2) is provisioned (MCOPSTN_PAYG_1 Success)",
      "⚠ plan-bot: Communications Credits fund the Pay-As-You-Go calls",
      "✓ trunk-bot: outbound: an online voice routing policy with PSTN usages is granted (US-DirectRouting)",
    ])
      expect(r.out).toContain(line);
    expect(r.writes).toEqual([]);
    expect(await incoming(CP_NUMBER)).toMatchObject({ delivered: false, missing: "botRegistration" });
  });

  test("the full chain: every link ✓, exit 0, and the synthetic incoming call reaches each bot's webhook", async () => {
    await register("plan-bot", PLAN_APP, callingOn());
    await register("trunk-bot", TRUNK_APP, callingOn());
    const r = await readiness();
    expect(r.failures).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("✓ plan-bot: the Teams channel has an https calling webhook (" + hook.url + ")");
    expect(r.out).toContain("All checks passed.");
    expect(r.writes).toEqual([]);
    hook.received.length = 0;
    for (const n of [CP_NUMBER, DR_NUMBER])
      expect(await incoming(n)).toMatchObject({ delivered: true, webhook: { url: hook.url, status: 202 } });
    expect(hook.received.map((x) => x.body.value[0].resourceData.state)).toEqual(["incoming", "incoming"]);
  });

  test("calling off and no PAYG licence: each bot names its link; the call is refused with 7503", async () => {
    await register("trunk-bot", TRUNK_APP, { ...callingOn(), enableCalling: false });
    const plan = (await graphClient(t).api("/users/plan-bot@contoso.com").get()) as { id: string };
    await graphClient(t)
      .api(`/users/${plan.id}/assignLicense`)
      .post({ addLicenses: [], removeLicenses: [PAYG_ZONE_1] });
    const r = await readiness();
    expect(r.code).toBe(1);
    expect(r.failures).toEqual([
      "✗ plan-bot: outbound: a Pay-As-You-Go Calling Plan licence (MCOPSTN_PAYG_1/2) is provisioned [paygLicence]",
      "✗ trunk-bot: calling is on in the Teams channel (enableCalling) [calling]",
    ]);
    expect(explanation(r.out, r.failures[0]!)).toContain(
      "fix: Run pulumi up --refresh: the stack assigns MCOPSTN_PAYG_1 again",
    );
    expect(explanation(r.out, r.failures[1]!)).toContain("fix: Azure portal → the Azure Bot → Channels");
    expect(r.writes).toEqual([]);
    expect(await incoming(DR_NUMBER)).toMatchObject({
      delivered: false,
      missing: "calling",
      error: { errorCode: "7503", message: "Application is not registered in our store." },
    });
    expect(await t.admin.post("/admin/outboundCall", { from: CP_NUMBER, to: "+12065550123" })).toMatchObject({
      placed: false,
      missing: "paygLicence",
    });
  });

  test("an http webhook, an app id mismatch, no policy: each named with its fix", async () => {
    await register("trunk-bot", TRUNK_APP, { ...callingOn(), callingWebhook: hook.url.replace("https:", "http:") });
    expect((await arm(t, "DELETE", botPath("plan-bot"))).status).toBeLessThan(300);
    await register("reception-bot", "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c60", callingOn());
    const trunk = (await graphClient(t).api("/users/trunk-bot@contoso.com").get()) as { id: string };
    expect((await cmdlet(t, "Grant-CsOnlineVoiceRoutingPolicy", { Identity: trunk.id, PolicyName: null })).status).toBe(
      200,
    );
    const r = await readiness();
    expect(r.failures).toEqual([
      "✗ plan-bot: an Azure Bot is registered with the bot's app id (msaAppId) [botRegistration]",
      "✗ plan-bot: outbound: a Pay-As-You-Go Calling Plan licence (MCOPSTN_PAYG_1/2) is provisioned [paygLicence]",
      "✗ trunk-bot: the Teams channel has an https calling webhook [callingWebhook]",
      "✗ trunk-bot: outbound: an online voice routing policy with PSTN usages is granted [voiceRoutingPolicy]",
    ]);
    expect(explanation(r.out, r.failures[0]!)).toContain(
      "reception-bot (msaAppId 0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c60)",
    );
    expect(explanation(r.out, r.failures[2]!)).toContain(
      'is not https (calls answer 480/10076 "Callee could not be reached.")',
    );
    expect(explanation(r.out, r.failures[3]!)).toContain("no policy granted (the Global one applies)");
    expect(explanation(r.out, r.failures[3]!)).toContain(
      "fix: Run pulumi up --refresh: the stack grants US-DirectRouting again",
    );
    expect(r.writes).toEqual([]);
    expect(await incoming(DR_NUMBER)).toMatchObject({ delivered: false, missing: "callingWebhook" });
    expect(await incoming(CP_NUMBER)).toMatchObject({ delivered: false, missing: "botRegistration" });
  });
});
