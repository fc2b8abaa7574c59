/**
 * The calling chain as the program declares it, under Pulumi's runtime mocks (neither the azuread nor
 * the azure-native provider plugin can run here): each bot's Azure Bot and Teams channel with
 * calling (exact inputs, one per app id, under one explicit provider for the stack's subscription),
 * the credential createApp chose (federated, certificate or password; exported as a secret), the
 * group-call permission, and outbound calling (the PAYG licence or the voice routing policy).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

import { botNumbersProgram } from "../../stacks/program";
import type { CallingReadiness } from "../../stacks/readiness";

const TENANT = "5f1c8e2a-3b7d-4c9e-a1f0-2d6b8e4c7a91";
const SUBSCRIPTION = "7c0e4b2a-9d1f-4e3a-8b5c-6a7d8e9f0a31";
const SHARED_APP = "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10";
const CERT_FILE = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tbn-cert-")), "bot.pem");
const CERT_PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
fs.writeFileSync(CERT_FILE, CERT_PEM);

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- wire inputs
  provider?: string;
}
const registered: Registered[] = [];
const clientIdOf = (name: string): string => `00000000-0000-4000-8000-${name.length.toString().padStart(12, "0")}`;

pulumi.runtime.setMocks(
  {
    newResource(args) {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
      const extra: Record<string, unknown> =
        {
          "azuread:index/application:Application": { clientId: clientIdOf(args.name) },
          "azuread:index/servicePrincipal:ServicePrincipal": { objectId: `${args.name}-object-id` },
          "azuread:index/applicationPassword:ApplicationPassword": { keyId: "pw-key", value: "s3cret-value" },
          "azuread:index/applicationCertificate:ApplicationCertificate": { keyId: "cert-key" },
          "pulumi-nodejs:dynamic/teams:ApplicationInstance": {
            objectId: "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
            applicationId: args.inputs.applicationId,
          },
          "pulumi-nodejs:dynamic/teams:VirtualUserLicense": { servicePlanStatus: "Success" },
          "pulumi-nodejs:dynamic/teams:CallingPlanLicence": { servicePlanStatus: "Success" },
          "pulumi-nodejs:dynamic/teams:BotPhoneNumber": { assignmentStatus: "voiceApplicationAssigned" },
        }[args.type] ?? {};
      return { id: `${args.name}-id`, state: { ...args.inputs, ...extra } };
    },
    call(args) {
      if (args.token === "azuread:index/getServicePrincipal:getServicePrincipal") {
        const ids = [
          "Calls.AccessMedia.All",
          "Calls.Initiate.All",
          "Calls.JoinGroupCall.All",
          "Calls.JoinGroupCallAsGuest.All",
          "Calls.InitiateGroupCall.All",
        ];
        return { objectId: "graph-sp", appRoleIds: Object.fromEntries(ids.map((p) => [p, `role:${p}`])) };
      }
      return {};
    },
  },
  "teams-bot-numbers",
  "mocks",
  false,
);
pulumi.runtime.setConfig("teams-bot-numbers:tenantId", TENANT);
pulumi.runtime.setConfig(
  "teams-bot-numbers:azureBots",
  JSON.stringify({ subscriptionId: SUBSCRIPTION, resourceGroupName: "rg-teams-bots" }),
);
const base = { usageLocation: "US" };
pulumi.runtime.setConfig(
  "teams-bot-numbers:bots",
  JSON.stringify([
    {
      ...base,
      name: "survey-bot",
      userPrincipalName: "survey-bot@contoso.com",
      displayName: "Survey Bot",
      createApp: {
        credential: {
          kind: "federated",
          issuer: "https://token.actions.githubusercontent.com",
          subject: "repo:contoso/survey:environment:prod",
        },
        groupCalls: true,
      },
      phoneNumber: "+14255550100",
      numberType: "CallingPlan",
      azureBot: {
        callingWebhook: "https://survey.contoso.com/api/calling",
        messagingEndpoint: "https://survey.contoso.com/api/messages",
      },
      outboundCalling: { callingPlan: "mcopstn_payg_1" },
    },
    {
      ...base,
      name: "desk-bot",
      userPrincipalName: "desk-bot@contoso.com",
      displayName: "Desk Bot",
      createApp: { credential: { kind: "password", endDate: "2027-06-30T00:00:00Z" } },
    },
    {
      ...base,
      name: "cert-bot",
      userPrincipalName: "cert-bot@contoso.com",
      displayName: "Cert Bot",
      createApp: { credential: { kind: "certificate", certificateFile: CERT_FILE } },
    },
    {
      ...base,
      name: "trunk-bot",
      userPrincipalName: "trunk-bot@contoso.com",
      displayName: "Trunk Bot",
      appId: SHARED_APP,
      phoneNumber: "+14255550201",
      numberType: "DirectRouting",
      azureBot: {
        name: "contoso-trunk",
        callingWebhook: "https://trunk.contoso.com/api/calling/",
        messagingEndpoint: "https://trunk.contoso.com/api/messages",
      },
      outboundCalling: { voiceRoutingPolicy: "Tag:US-DirectRouting" },
    },
    {
      ...base,
      name: "trunk-bot-2",
      userPrincipalName: "trunk-bot-2@contoso.com",
      displayName: "Trunk Bot 2",
      appId: SHARED_APP,
      azureBot: {
        name: "contoso-trunk",
        callingWebhook: "https://trunk.contoso.com/api/calling/",
        messagingEndpoint: "https://trunk.contoso.com/api/messages",
      },
    },
  ]),
);

/** How a secret input reaches the mocks (Pulumi's wire signature for secrets). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";
const ofType = (type: string): Registered[] => registered.filter((r) => r.type === type);
const value = <T>(o: pulumi.Output<T>): Promise<{ value: T; secret: boolean }> =>
  new Promise((resolve) =>
    pulumi.all([o, pulumi.isSecret(o)]).apply(([v, secret]) => resolve({ value: v as T, secret })),
  );
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the program's outputs, read back
let outputs: Record<string, any>;

beforeAll(async () => {
  outputs = (await botNumbersProgram()).bots;
  await value(outputs["survey-bot"].callingReady);
  await new Promise((r) => setTimeout(r, 50));
});

describe("azureBot → azure-native botservice.Bot and botservice.Channel", () => {
  test("one explicit azure-native provider for the stack's subscription", () => {
    expect(ofType("pulumi:providers:azure-native")).toEqual([
      expect.objectContaining({
        name: "azure-bots",
        inputs: expect.objectContaining({ subscriptionId: SUBSCRIPTION }),
      }),
    ]);
  });

  test("a single-tenant azurebot with the created app's client id, exact inputs", () => {
    const bots = ofType("azure-native:botservice:Bot");
    expect(bots.map((b) => b.name).sort()).toEqual(["survey-bot-azure-bot", "trunk-bot-azure-bot"]);
    const survey = bots.find((b) => b.name === "survey-bot-azure-bot")!;
    expect(survey.provider).toMatch(
      /^urn:pulumi:mocks::teams-bot-numbers::pulumi:providers:azure-native::azure-bots::/,
    );
    expect(survey.inputs).toEqual({
      resourceGroupName: "rg-teams-bots",
      resourceName: "survey-bot",
      location: "global",
      kind: "azurebot",
      sku: { name: "F0" },
      properties: {
        displayName: "Survey Bot",
        endpoint: "https://survey.contoso.com/api/messages",
        msaAppId: clientIdOf("survey-bot-app"),
        msaAppType: "SingleTenant",
        msaAppTenantId: TENANT,
        // The SDK's own defaults (botPropertiesArgsProvideDefaults), nothing else.
        iconUrl: "",
        isCmekEnabled: false,
        isStreamingSupported: false,
        publicNetworkAccess: "Enabled",
      },
    });
  });

  test("the Teams channel: MsTeamsChannel with calling on, the webhook as written, terms accepted", () => {
    const channels = ofType("azure-native:botservice:Channel");
    expect(channels.map((c) => c.name).sort()).toEqual(["survey-bot-teams-channel", "trunk-bot-teams-channel"]);
    expect(channels.find((c) => c.name === "trunk-bot-teams-channel")!.inputs).toEqual({
      resourceGroupName: "rg-teams-bots",
      resourceName: "contoso-trunk",
      channelName: "MsTeamsChannel",
      location: "global",
      properties: {
        channelName: "MsTeamsChannel",
        properties: {
          isEnabled: true,
          enableCalling: true,
          callingWebhook: "https://trunk.contoso.com/api/calling/",
          acceptedTerms: true,
        },
      },
    });
    expect(JSON.stringify(channels)).not.toContain("callingWebHook");
  });

  test("bots sharing an app id share one Azure Bot; bots without azureBot get none", () => {
    const trunk = ofType("azure-native:botservice:Bot").find((b) => b.name === "trunk-bot-azure-bot")!;
    expect(trunk.inputs.resourceName).toBe("contoso-trunk");
    expect(trunk.inputs.properties.msaAppId).toBe(SHARED_APP);
    expect(ofType("azure-native:botservice:Bot").some((b) => /desk|cert|trunk-bot-2/.test(b.name))).toBe(false);
  });
});

describe("createApp credential, chosen in config", () => {
  test("federated: a federated identity credential with the hosting identity's issuer and subject", () => {
    expect(
      ofType("azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"),
    ).toEqual([
      expect.objectContaining({
        name: "survey-bot-federated",
        inputs: expect.objectContaining({
          applicationId: "survey-bot-app-id",
          issuer: "https://token.actions.githubusercontent.com",
          subject: "repo:contoso/survey:environment:prod",
          audiences: ["api://AzureADTokenExchange"],
        }),
      }),
    ]);
  });

  test("password and certificate: exactly one of each, for their bots", () => {
    expect(ofType("azuread:index/applicationPassword:ApplicationPassword")).toEqual([
      expect.objectContaining({
        name: "desk-bot-password",
        inputs: expect.objectContaining({ applicationId: "desk-bot-app-id", endDate: "2027-06-30T00:00:00Z" }),
      }),
    ]);
    expect(ofType("azuread:index/applicationCertificate:ApplicationCertificate")).toEqual([
      expect.objectContaining({
        name: "cert-bot-certificate",
        inputs: expect.objectContaining({
          applicationId: "cert-bot-app-id",
          type: "AsymmetricX509Cert",
          encoding: "pem",
          // The SDK marks the certificate secret itself (Pulumi's secret signature around the PEM).
          value: { [SECRET_SIG]: SECRET_VALUE, value: CERT_PEM },
        }),
      }),
    ]);
  });

  test("the credential is a secret stack output; the password's value is in it", async () => {
    const desk = await value(outputs["desk-bot"].credential);
    expect(desk).toEqual({
      secret: true,
      value: { kind: "password", clientId: clientIdOf("desk-bot-app"), keyId: "pw-key", clientSecret: "s3cret-value" },
    });
    expect((await value(outputs["survey-bot"].credential)).secret).toBe(true);
    expect((await value(outputs["cert-bot"].credential)).value).toEqual({
      kind: "certificate",
      clientId: clientIdOf("cert-bot-app"),
      keyId: "cert-key",
    });
    expect(outputs["trunk-bot"].credential).toBeUndefined();
  });

  test("groupCalls adds Calls.InitiateGroupCall.All to that bot's app only", () => {
    const grants = ofType("azuread:index/appRoleAssignment:AppRoleAssignment");
    expect(grants.filter((g) => g.inputs.appRoleId === "role:Calls.InitiateGroupCall.All").map((g) => g.name)).toEqual([
      "survey-bot-calls-initiategroupcall-all",
    ]);
    expect(grants.filter((g) => g.name.startsWith("desk-bot-")).length).toBe(4);
  });
});

describe("outboundCalling", () => {
  test("callingPlan: a CallingPlanLicence by service plan on the account; voiceRoutingPolicy: the assignment", () => {
    expect(ofType("pulumi-nodejs:dynamic/teams:CallingPlanLicence")).toEqual([
      expect.objectContaining({
        name: "survey-bot-calling-plan",
        inputs: expect.objectContaining({
          userId: "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
          servicePlanName: "MCOPSTN_PAYG_1",
        }),
      }),
    ]);
    expect(ofType("pulumi-nodejs:dynamic/teams:VoiceRoutingPolicyAssignment")).toEqual([
      expect.objectContaining({
        name: "trunk-bot-voice-routing",
        inputs: expect.objectContaining({
          instanceId: "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
          policyName: "US-DirectRouting",
        }),
      }),
    ]);
  });

  test("callingReady: what is missing of what the stack declares, each with its fix", async () => {
    expect((await value(outputs["survey-bot"].callingReady)).value).toEqual({
      ready: true,
      missing: [],
      unverified: [],
    });
    const desk = (await value(outputs["desk-bot"].callingReady)).value as CallingReadiness;
    expect(desk.ready).toBe(false);
    expect(desk.missing.map((m) => m.piece)).toEqual(["botRegistration", "number"]);
    expect(desk.missing[0].fix).toContain("Declare azureBot");
    expect((await value(outputs["trunk-bot"].callingReady)).value).toEqual({
      ready: true,
      missing: [],
      unverified: ["app"],
    });
  });
});
