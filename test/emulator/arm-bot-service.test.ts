/**
 * The ARM subset for Microsoft.BotService: botServices and their channels over the emulator's HTTPS
 * host, with ARM tokens from its token endpoint, api-version checked first, RBAC by the seeded role
 * assignments, ARM's error codes and the Teams channel's calling properties.
 */
import { loadFixture } from "../../emulator";
import { withEmulator } from "../helpers/emulator";
import {
  arm,
  ARM_SCOPE,
  AZURE_RESOURCE_GROUP,
  AZURE_SUBSCRIPTION,
  azureBot,
  botPath,
  GRAPH_SCOPE,
  msalApp,
  teamsChannel,
  token,
} from "../helpers/tenant-clients";

const emu = withEmulator({ licenceProvisioningDelayMs: 0 });
const APP = "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10";
const OTHER_APP = "8b2e4c6a-1d3f-4a5b-8c7d-9e0f1a2b3c20";
const preview = loadFixture().apps[2]!;

beforeEach(async () => {
  await emu().admin.post("/reset");
});

describe("token", () => {
  test("the token endpoint issues ARM tokens whose aud is the resource asked for", async () => {
    const jwt = await token(msalApp(emu()), ARM_SCOPE);
    const claims = JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8")) as { aud: string };
    expect(claims.aud).toBe("https://management.azure.com");
  });
});

describe("create, read, update, delete", () => {
  test("create: PUT answers 201 with the ARM envelope; a second PUT 200; GET reads it back", async () => {
    const created = await arm(emu(), "PUT", botPath("incident-bot"), { body: azureBot(APP, emu().tenantId) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: botPath("incident-bot"),
      name: "incident-bot",
      type: "Microsoft.BotService/botServices",
      kind: "azurebot",
      location: "global",
      properties: {
        msaAppId: APP,
        msaAppType: "SingleTenant",
        msaAppTenantId: emu().tenantId,
        provisioningState: "Succeeded",
      },
    });
    expect(created.headers.get("x-ms-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const again = await arm(emu(), "PUT", botPath("incident-bot"), { body: azureBot(APP, emu().tenantId) });
    expect(again.status).toBe(200);
    const read = await arm(emu(), "GET", botPath("INCIDENT-BOT"));
    expect(read.status).toBe(200);
    expect(read.body.properties.displayName).toBe("Incident Bot");
  });

  test("update: PATCH merges properties; msaAppId cannot change (PropertyChangeNotAllowed)", async () => {
    await arm(emu(), "PUT", botPath("incident-bot"), { body: azureBot(APP, emu().tenantId) });
    const patched = await arm(emu(), "PATCH", botPath("incident-bot"), {
      body: { properties: { description: "on call" } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.properties).toMatchObject({ description: "on call", displayName: "Incident Bot" });
    const moved = await arm(emu(), "PUT", botPath("incident-bot"), { body: azureBot(OTHER_APP, emu().tenantId) });
    expect(moved.status).toBe(400);
    expect(moved.body.error.code).toBe("PropertyChangeNotAllowed");
    expect(moved.body.error.message).toContain("msaAppId");
  });

  test("delete: 200 with its channels, then 204; GET after delete is ResourceNotFound", async () => {
    await arm(emu(), "PUT", botPath("incident-bot"), { body: azureBot(APP, emu().tenantId) });
    await arm(emu(), "PUT", botPath("incident-bot", "MsTeamsChannel"), { body: teamsChannel({ isEnabled: true }) });
    expect((await arm(emu(), "DELETE", botPath("incident-bot"))).status).toBe(200);
    expect((await arm(emu(), "DELETE", botPath("incident-bot"))).status).toBe(204);
    const gone = await arm(emu(), "GET", botPath("incident-bot"));
    expect(gone.status).toBe(404);
    expect(gone.body.error).toEqual({
      code: "ResourceNotFound",
      message: `The Resource 'Microsoft.BotService/botServices/incident-bot' under resource group '${AZURE_RESOURCE_GROUP}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    });
    const channel = await arm(emu(), "GET", botPath("incident-bot", "MsTeamsChannel"));
    expect(channel.body.error.code).toBe("ParentResourceNotFound");
  });

  test("lists by resource group and by subscription", async () => {
    await arm(emu(), "PUT", botPath("incident-bot"), { body: azureBot(APP, emu().tenantId) });
    const rg = await arm(
      emu(),
      "GET",
      `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/${AZURE_RESOURCE_GROUP}/providers/Microsoft.BotService/botServices`,
    );
    expect(rg.body.value.map((b: { name: string }) => b.name)).toEqual(["incident-bot"]);
    const sub = await arm(
      emu(),
      "GET",
      `/subscriptions/${AZURE_SUBSCRIPTION}/providers/Microsoft.BotService/botServices`,
    );
    expect(sub.body.value).toHaveLength(1);
  });

  test("a second bot for the same app id, or a taken name, is a Conflict", async () => {
    await arm(emu(), "PUT", botPath("incident-bot"), { body: azureBot(APP, emu().tenantId) });
    const twin = await arm(emu(), "PUT", botPath("incident-bot-2"), { body: azureBot(APP, emu().tenantId) });
    expect(twin.status).toBe(409);
    expect(twin.body.error.message).toBe("The Microsoft App ID is already registered to another bot application.");
  });

  test("create-time checks: location, required properties, enums, the single-tenant id", async () => {
    const { location: _l, ...noLocation } = azureBot(APP, emu().tenantId);
    expect((await arm(emu(), "PUT", botPath("b1"), { body: noLocation })).body.error.code).toBe("LocationRequired");
    const noApp = azureBot(APP, emu().tenantId);
    delete (noApp.properties as Record<string, unknown>).msaAppId;
    const r = await arm(emu(), "PUT", botPath("b1"), { body: noApp });
    expect(r.body.error).toMatchObject({ code: "InvalidRequestContent" });
    expect(r.body.error.message).toContain("'msaAppId'");
    const type = await arm(emu(), "PUT", botPath("b1"), {
      body: azureBot(APP, emu().tenantId, { msaAppType: "Solo" }),
    });
    expect(type.body.error.message).toContain("properties.msaAppType");
    const noTenant = azureBot(APP, emu().tenantId);
    delete (noTenant.properties as Record<string, unknown>).msaAppTenantId;
    expect((await arm(emu(), "PUT", botPath("b1"), { body: noTenant })).body.error.message).toContain("msaAppTenantId");
  });
});

describe("the Microsoft Teams channel", () => {
  beforeEach(async () => {
    await arm(emu(), "PUT", botPath("incident-bot"), { body: azureBot(APP, emu().tenantId) });
  });

  test("calling on with a webhook: stored and read back, defaults applied", async () => {
    const put = await arm(emu(), "PUT", botPath("incident-bot", "MsTeamsChannel"), {
      body: teamsChannel({
        isEnabled: true,
        enableCalling: true,
        callingWebhook: "https://bots.contoso.com/api/calling",
        acceptedTerms: true,
      }),
    });
    expect(put.status).toBe(201);
    const get = await arm(emu(), "GET", botPath("incident-bot", "MsTeamsChannel"));
    expect(get.body).toMatchObject({
      id: botPath("incident-bot", "MsTeamsChannel"),
      type: "Microsoft.BotService/botServices/channels",
      properties: {
        channelName: "MsTeamsChannel",
        properties: {
          isEnabled: true,
          enableCalling: true,
          callingWebhook: "https://bots.contoso.com/api/calling",
          acceptedTerms: true,
          deploymentEnvironment: "FallbackDeploymentEnvironment",
        },
      },
    });
    const bot = await arm(emu(), "GET", botPath("incident-bot"));
    expect(bot.body.properties.configuredChannels).toEqual(["msteams"]);
  });

  test("the callingWebHook spelling (SkypeChannel's member) is accepted and sets nothing", async () => {
    const put = await arm(emu(), "PUT", botPath("incident-bot", "MsTeamsChannel"), {
      body: teamsChannel({
        isEnabled: true,
        enableCalling: true,
        callingWebHook: "https://bots.contoso.com/api/calling",
      }),
    });
    expect(put.status).toBe(201);
    expect(put.body.properties.properties).not.toHaveProperty("callingWebhook");
    expect(put.body.properties.properties).not.toHaveProperty("callingWebHook");
  });

  test("PATCH turns calling off; a body naming another channel is refused", async () => {
    await arm(emu(), "PUT", botPath("incident-bot", "MsTeamsChannel"), {
      body: teamsChannel({
        isEnabled: true,
        enableCalling: true,
        callingWebhook: "https://bots.contoso.com/api/calling",
      }),
    });
    const off = await arm(emu(), "PATCH", botPath("incident-bot", "MsTeamsChannel"), {
      body: { properties: { channelName: "MsTeamsChannel", properties: { enableCalling: false } } },
    });
    expect(off.body.properties.properties).toMatchObject({
      enableCalling: false,
      callingWebhook: "https://bots.contoso.com/api/calling",
    });
    const wrong = await arm(emu(), "PUT", botPath("incident-bot", "MsTeamsChannel"), {
      body: { location: "global", properties: { channelName: "SkypeChannel", properties: { isEnabled: true } } },
    });
    expect(wrong.status).toBe(400);
  });

  test("isEnabled is required; a channel of a bot that does not exist is ParentResourceNotFound", async () => {
    const r = await arm(emu(), "PUT", botPath("incident-bot", "MsTeamsChannel"), {
      body: teamsChannel({ enableCalling: true }),
    });
    expect(r.body.error.message).toContain("'isEnabled'");
    const orphan = await arm(emu(), "PUT", botPath("nobody", "MsTeamsChannel"), {
      body: teamsChannel({ isEnabled: true }),
    });
    expect(orphan.status).toBe(404);
    expect(orphan.body.error).toEqual({
      code: "ParentResourceNotFound",
      message: "Can not perform requested operation on nested resource. Parent resource 'nobody' not found.",
    });
  });
});

describe("api-version and query options: applied or refused", () => {
  test("missing api-version: MissingApiVersionParameter, even without a token", async () => {
    const r = await arm(emu(), "GET", botPath("x"), { apiVersion: null, token: null });
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({
      code: "MissingApiVersionParameter",
      message: "The api-version query parameter (?api-version=) is required for all requests.",
    });
  });

  test("an unsupported api-version names the supported one; a malformed one is invalid", async () => {
    const r = await arm(emu(), "GET", botPath("x"), { apiVersion: "2099-01-01" });
    expect(r.body.error.code).toBe("NoRegisteredProviderFound");
    expect(r.body.error.message).toContain("'2022-09-15'");
    expect((await arm(emu(), "GET", botPath("x"), { apiVersion: "latest" })).body.error.code).toBe(
      "InvalidApiVersionParameter",
    );
  });

  test("a query parameter the operation does not define is refused by name", async () => {
    const r = await arm(emu(), "GET", `${botPath("x")}?$expand=channels`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain("'$expand'");
  });
});

describe("authentication and RBAC", () => {
  test("no token: AuthenticationFailed; a Graph token: InvalidAuthenticationTokenAudience", async () => {
    expect((await arm(emu(), "GET", botPath("x"), { token: null })).body.error.code).toBe("AuthenticationFailed");
    const graph = await arm(emu(), "GET", botPath("x"), { token: await token(msalApp(emu()), GRAPH_SCOPE) });
    expect(graph.status).toBe(401);
    expect(graph.body.error.code).toBe("InvalidAuthenticationTokenAudience");
  });

  test("the preview app (Reader on the resource group) reads but cannot write", async () => {
    await arm(emu(), "PUT", botPath("incident-bot"), { body: azureBot(APP, emu().tenantId) });
    const reader = msalApp(emu(), { clientId: preview.clientId, clientSecret: preview.secrets[0] });
    expect((await arm(emu(), "GET", botPath("incident-bot"), { app: reader })).status).toBe(200);
    const write = await arm(emu(), "PUT", botPath("reader-bot"), {
      app: reader,
      body: azureBot(OTHER_APP, emu().tenantId),
    });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe("AuthorizationFailed");
    expect(write.body.error.message).toContain(`'${preview.clientId}'`);
    expect(write.body.error.message).toContain("'Microsoft.BotService/botServices/write'");
  });

  test("the deployer has no role on another resource group; unknown subscription and resource group", async () => {
    const other = botPath("x").replace(AZURE_RESOURCE_GROUP, "rg-other-team");
    expect((await arm(emu(), "GET", other)).body.error.code).toBe("AuthorizationFailed");
    const noRg = botPath("x").replace(AZURE_RESOURCE_GROUP, "rg-nope");
    expect((await arm(emu(), "GET", noRg)).body.error.code).toBe("AuthorizationFailed");
    // An owner of the whole subscription learns that the resource group does not exist.
    const f = loadFixture();
    f.azure.roleAssignments = [
      { clientId: emu().clientId, role: "Owner", scope: `/subscriptions/${AZURE_SUBSCRIPTION}` },
    ];
    await emu().admin.post("/reset", { fixture: f });
    expect((await arm(emu(), "GET", noRg)).body.error).toEqual({
      code: "ResourceGroupNotFound",
      message: "Resource group 'rg-nope' could not be found.",
    });
    const unknownSub = botPath("x").replace(AZURE_SUBSCRIPTION, "00000000-0000-0000-0000-000000000001");
    expect((await arm(emu(), "GET", unknownSub)).body.error.code).toBe("SubscriptionNotFound");
  });
});
