/* eslint-disable @typescript-eslint/no-explicit-any -- contract tests assert on untyped JSON wire bodies */
/**
 * Synthetic calls. Incoming: POST /_emulator/admin/incomingCall follows number → resource account →
 * app id → Azure Bot → Teams channel (calling on, https webhook) and delivers Graph's incoming-call
 * notification to a local HTTPS receiver; each missing piece is reported by name with its error.
 * Outbound: POST /_emulator/admin/outboundCall needs a PAYG Calling Plan licence for Calling Plan
 * numbers and a voice routing policy with PSTN usages for Direct Routing numbers.
 */
import * as crypto from "crypto";
import jwt from "jsonwebtoken";

import { withEmulator } from "../helpers/emulator";
import {
  arm,
  azureBot,
  botPath,
  cmdlet,
  graphClient,
  newResourceAccount,
  teamsChannel,
} from "../helpers/tenant-clients";
import { webhookReceiver, type Receiver } from "../helpers/webhook-receiver";

const emu = withEmulator({ licenceProvisioningDelayMs: 0 });
const APP = "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10";
const OTHER_APP = "8b2e4c6a-1d3f-4a5b-8c7d-9e0f1a2b3c20";
const NUMBER = "+14255550100";
const PAYG_ZONE_1 = "9b196e97-5830-4c2e-adc2-1e10ebf5dee5";

let hook: Receiver;
beforeAll(async () => {
  hook = await webhookReceiver();
});
afterAll(async () => {
  await hook.close();
});

/** A resource account for APP holding NUMBER (assigned out of band: the chain, not the licence rules, is under test). */
async function account(upn = "incident-bot@contoso.com", appId: string | null = APP): Promise<string> {
  const id = await newResourceAccount(emu(), upn, appId ?? undefined);
  await emu().admin.post("/admin/assignNumber", { telephoneNumber: NUMBER, targetId: id });
  return id;
}

async function call(telephoneNumber = NUMBER): Promise<any> {
  return emu().admin.post("/admin/incomingCall", { telephoneNumber, from: "+12065550123" });
}

async function bot(appId = APP, name = "incident-bot"): Promise<void> {
  const r = await arm(emu(), "PUT", botPath(name), { body: azureBot(appId, emu().tenantId) });
  expect(r.status).toBe(201);
}

async function channel(properties: Record<string, unknown>, name = "incident-bot"): Promise<void> {
  const r = await arm(emu(), "PUT", botPath(name, "MsTeamsChannel"), { body: teamsChannel(properties) });
  expect(r.status).toBeLessThan(300);
}

beforeEach(async () => {
  await emu().admin.post("/reset");
  hook.received.length = 0;
  hook.status = 202;
});

describe("incoming call: a complete chain", () => {
  test("the notification reaches the webhook with a token the bot can verify", async () => {
    const ra = await account();
    await bot();
    await channel({ isEnabled: true, enableCalling: true, callingWebhook: hook.url, acceptedTerms: true });
    const report = await call();
    expect(report).toMatchObject({
      delivered: true,
      webhook: { url: hook.url, status: 202 },
      chain: {
        telephoneNumber: NUMBER,
        applicationId: APP,
        resourceAccount: { id: ra },
        bot: { name: "incident-bot", msaAppId: APP },
      },
    });
    expect(hook.received).toHaveLength(1);
    const { headers, body } = hook.received[0]!;
    expect(body["@odata.type"]).toBe("#microsoft.graph.commsNotifications");
    const data = body.value[0].resourceData;
    expect(body.value[0]).toMatchObject({
      changeType: "created",
      resourceUrl: `/communications/calls/${report.callId}`,
    });
    expect(data).toMatchObject({
      "@odata.type": "#microsoft.graph.call",
      state: "incoming",
      direction: "incoming",
      source: { identity: { phone: { id: "+12065550123" } } },
      targets: [{ identity: { applicationInstance: { id: ra } } }],
      tenantId: emu().tenantId,
    });
    // call-notifications.md: a bearer token for the app id, issued by https://api.botframework.com,
    // verifiable with the keys of the published OpenID configuration.
    const bearer = String(headers.authorization).replace(/^Bearer /, "");
    const openid = (await (await fetch(`${emu().url}/aps/v1/.well-known/OpenIdConfiguration`)).json()) as {
      issuer: string;
      jwks_uri: string;
    };
    const jwks = (await (await fetch(openid.jwks_uri)).json()) as { keys: crypto.JsonWebKey[] };
    const key = crypto.createPublicKey({ key: jwks.keys[0]!, format: "jwk" });
    const claims = jwt.verify(bearer, key, {
      algorithms: ["RS256"],
      audience: APP,
      issuer: openid.issuer,
    }) as jwt.JwtPayload;
    expect(claims.tid).toBe(emu().tenantId);
  });
});

describe("incoming call: each missing piece, by name, with its error", () => {
  test("no bot registration: 7503 Application is not registered in our store", async () => {
    await account();
    const r = await call();
    expect(r).toMatchObject({
      delivered: false,
      missing: "botRegistration",
      error: { errorCode: "7503", message: "Application is not registered in our store." },
    });
    expect(r.detail).toContain(APP);
    expect(hook.received).toHaveLength(0);
  });

  test("app id mismatch: the bot exists for another app; the report names it", async () => {
    await account();
    await bot(OTHER_APP, "reception-bot");
    await channel({ isEnabled: true, enableCalling: true, callingWebhook: hook.url }, "reception-bot");
    const r = await call();
    expect(r).toMatchObject({ missing: "botRegistration", error: { errorCode: "7503" } });
    expect(r.detail).toContain(`reception-bot (msaAppId ${OTHER_APP})`);
    expect(hook.received).toHaveLength(0);
  });

  test("no Teams channel, and calling off: 7503", async () => {
    await account();
    await bot();
    expect(await call()).toMatchObject({ missing: "teamsChannel", error: { errorCode: "7503" } });
    await channel({ isEnabled: true, enableCalling: false, callingWebhook: hook.url });
    expect(await call()).toMatchObject({ missing: "calling", error: { errorCode: "7503" } });
    expect(hook.received).toHaveLength(0);
  });

  test("an http webhook, and the callingWebHook spelling that sets none", async () => {
    await account();
    await bot();
    await channel({ isEnabled: true, enableCalling: true, callingWebhook: hook.url.replace("https:", "http:") });
    const http = await call();
    expect(http).toMatchObject({
      missing: "callingWebhook",
      resultInfo: { code: 480, subcode: 10076, message: "Callee could not be reached." },
    });
    expect(http.detail).toContain("http, not https");
    await channel({ isEnabled: true, enableCalling: true, callingWebHook: hook.url });
    expect(await call()).toMatchObject({ missing: "callingWebhook", error: { errorCode: "7503" } });
    expect(hook.received).toHaveLength(0);
  });

  test("a webhook that answers 500 is reported, not called delivered", async () => {
    await account();
    await bot();
    await channel({ isEnabled: true, enableCalling: true, callingWebhook: hook.url });
    hook.status = 500;
    expect(await call()).toMatchObject({ delivered: false, missing: "webhookResponse", webhook: { status: 500 } });
  });

  test("an unassigned number, and an account without an application id: 480/10037", async () => {
    expect(await call("+14255550101")).toMatchObject({ missing: "number", resultInfo: { code: 480, subcode: 10037 } });
    await account("no-app@contoso.com", null);
    expect(await call()).toMatchObject({ missing: "applicationId", resultInfo: { code: 480, subcode: 10037 } });
  });

  test("bad input names the key", async () => {
    await expect(emu().admin.post("/admin/incomingCall", { telephoneNumber: "tel:+1" })).rejects.toThrow(
      /telephoneNumber/,
    );
  });
});

describe("outbound call from a resource account", () => {
  test("Calling Plan number: refused without a PAYG licence, placed with one", async () => {
    const ra = await account();
    const refused = await emu().admin.post<any>("/admin/outboundCall", { from: NUMBER, to: "+12065550123" });
    expect(refused).toMatchObject({
      placed: false,
      missing: "paygLicence",
      message: "CreateUsageRequest: Balance not found",
    });
    const g = graphClient(emu());
    await g.api(`/users/${ra}`).patch({ usageLocation: "US" });
    await g
      .api(`/users/${ra}/assignLicense`)
      .post({ addLicenses: [{ skuId: PAYG_ZONE_1, disabledPlans: [] }], removeLicenses: [] });
    const placed = await emu().admin.post<any>("/admin/outboundCall", {
      from: "incident-bot@contoso.com",
      to: "+12065550123",
    });
    expect(placed).toMatchObject({ placed: true, numberType: "callingPlan" });
    expect(placed.route).toContain("MCOPSTN_PAYG_1");
  });

  test("Direct Routing number: refused under the Global policy (no PSTN usages), placed once a policy is granted", async () => {
    const ra = await newResourceAccount(emu(), "dr-bot@contoso.com", APP);
    await emu().admin.post("/admin/assignNumber", { telephoneNumber: "+14255550201", targetId: ra });
    const refused = await emu().admin.post<any>("/admin/outboundCall", {
      from: "dr-bot@contoso.com",
      to: "+12065550123",
    });
    expect(refused).toMatchObject({
      placed: false,
      missing: "voiceRoutingPolicy",
      resultInfo: { code: 480, subcode: 10134 },
    });
    await cmdlet(emu(), "Grant-CsOnlineVoiceRoutingPolicy", {
      Identity: "dr-bot@contoso.com",
      PolicyName: "US-DirectRouting",
    });
    const placed = await emu().admin.post<any>("/admin/outboundCall", { from: "+14255550201", to: "+12065550123" });
    expect(placed).toMatchObject({ placed: true, numberType: "directRouting" });
  });
});
