/**
 * createApp: the stack creates the bot's Entra app, its service principal and the Graph app-role
 * assignments a calling bot needs, and feeds the app's client id to the resource account. The
 * azuread provider plugin cannot run here, so this runs the program under Pulumi's runtime mocks.
 */
import * as pulumi from "@pulumi/pulumi";

// Imported after the mocks are in place.
import { botNumbersProgram, CALLING_BOT_PERMISSIONS } from "../../stacks/program";

const GRAPH_ROLE_IDS: Record<string, string> = {
  "Calls.AccessMedia.All": "a7a681dc-756e-4909-b988-f160edc6655f",
  "Calls.Initiate.All": "284383ee-7f6e-4e40-a2a8-e85dcb029101",
  "Calls.JoinGroupCall.All": "f6b49018-60ab-4f81-83bd-22caeabfed2d",
  "Calls.JoinGroupCallAsGuest.All": "fd7ccf6b-3d28-418b-9701-cd10f5cd2fd4",
  "User.Read.All": "df021288-bdef-4463-88db-98f22de89214",
};

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];
const invoked: Array<{ token: string; inputs: Record<string, unknown> }> = [];

pulumi.runtime.setMocks(
  {
    newResource(args) {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      const extra: Record<string, unknown> =
        args.type === "azuread:index/application:Application"
          ? { clientId: "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a" }
          : args.type === "azuread:index/servicePrincipal:ServicePrincipal"
            ? { objectId: "sp-object-id-of-the-bot" }
            : args.type === "pulumi-nodejs:dynamic/teams:ApplicationInstance"
              ? { objectId: "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0" }
              : {};
      return { id: `${args.name}-id`, state: { ...args.inputs, ...extra } };
    },
    call(args) {
      invoked.push({ token: args.token, inputs: args.inputs });
      if (args.token === "azuread:index/getServicePrincipal:getServicePrincipal") {
        return { objectId: "graph-sp-object-id", clientId: args.inputs.clientId, appRoleIds: GRAPH_ROLE_IDS };
      }
      return {};
    },
  },
  "teams-bot-numbers",
  "mocks",
  false,
);
pulumi.runtime.setConfig(
  "teams-bot-numbers:bots",
  JSON.stringify([
    {
      name: "helpdesk-bot",
      userPrincipalName: "helpdesk-bot@contoso.com",
      displayName: "Helpdesk Bot",
      createApp: { displayName: "Helpdesk calling bot" },
      usageLocation: "US",
      phoneNumber: "+14255550101",
      numberType: "CallingPlan",
    },
    {
      name: "incident-bot",
      userPrincipalName: "incident-bot@contoso.com",
      displayName: "Incident Bot",
      appId: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
      usageLocation: "US",
      provisioningTimeoutMinutes: 240,
    },
  ]),
);

const settled = (): Promise<void> => new Promise((r) => setTimeout(r, 50));
const ofType = (type: string): Registered[] => registered.filter((r) => r.type === type);

describe("createApp under runtime mocks", () => {
  beforeAll(async () => {
    const outputs = await botNumbersProgram();
    await new Promise<void>((resolve) =>
      pulumi.all([outputs.bots["helpdesk-bot"].applicationId]).apply(() => resolve()),
    );
    await settled();
  });

  test("creates the app and its service principal for the createApp bot only", () => {
    expect(ofType("azuread:index/application:Application")).toEqual([
      expect.objectContaining({
        name: "helpdesk-bot-app",
        inputs: expect.objectContaining({ displayName: "Helpdesk calling bot" }),
      }),
    ]);
    expect(ofType("azuread:index/servicePrincipal:ServicePrincipal")).toEqual([
      expect.objectContaining({
        name: "helpdesk-bot-sp",
        inputs: expect.objectContaining({ clientId: "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a" }),
      }),
    ]);
    expect(
      invoked.filter((i) => i.token === "azuread:index/getServicePrincipal:getServicePrincipal")[0].inputs,
    ).toMatchObject({
      clientId: "00000003-0000-0000-c000-000000000000",
    });
  });

  test("grants exactly the four Graph calling permissions as app roles (admin consent)", () => {
    const grants = ofType("azuread:index/appRoleAssignment:AppRoleAssignment");
    expect(grants.map((g) => g.inputs.appRoleId).sort()).toEqual(
      CALLING_BOT_PERMISSIONS.map((p) => GRAPH_ROLE_IDS[p]).sort(),
    );
    for (const g of grants) {
      expect(g.inputs).toMatchObject({
        principalObjectId: "sp-object-id-of-the-bot",
        resourceObjectId: "graph-sp-object-id",
      });
    }
  });

  test("the resource account uses the created app's client id; the other bot keeps its appId", () => {
    const accounts = ofType("pulumi-nodejs:dynamic/teams:ApplicationInstance");
    expect(accounts.find((a) => a.name === "helpdesk-bot")!.inputs.applicationId).toBe(
      "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
    );
    expect(accounts.find((a) => a.name === "incident-bot")!.inputs.applicationId).toBe(
      "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
    );
  });

  test("each bot gets its chain; only bots with a number get a BotPhoneNumber", () => {
    expect(
      ofType("pulumi-nodejs:dynamic/teams:VirtualUserLicense")
        .map((r) => r.name)
        .sort(),
    ).toEqual(["helpdesk-bot-licence", "incident-bot-licence"]);
    expect(ofType("pulumi-nodejs:dynamic/teams:BotPhoneNumber").map((r) => r.name)).toEqual(["helpdesk-bot-number"]);
  });

  test("a bot's provisioningTimeoutMinutes reaches its licence; without it the licence keeps its default", () => {
    const licence = (name: string) =>
      ofType("pulumi-nodejs:dynamic/teams:VirtualUserLicense").find((r) => r.name === name)!.inputs;
    expect(licence("incident-bot-licence").provisioningTimeoutMinutes).toBe(240);
    expect(licence("helpdesk-bot-licence").provisioningTimeoutMinutes).toBeUndefined();
  });
});
