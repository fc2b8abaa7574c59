/** The calling fields of the stack config: azureBot, azureBots, outboundCalling, createApp.credential. */
import { parseStackConfig, StackConfigError } from "../../stacks/config";

const SUB = "7c0e4b2a-9d1f-4e3a-8b5c-6a7d8e9f0a31";
const APP = "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10";
const azureBots = { subscriptionId: SUB.toUpperCase(), resourceGroupName: "rg-teams-bots" };
const hook = {
  callingWebhook: "https://bots.contoso.com/api/calling",
  messagingEndpoint: "https://bots.contoso.com/api/messages",
};
const bot = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: "incident-bot",
  userPrincipalName: "incident-bot@contoso.com",
  displayName: "Incident Bot",
  appId: APP,
  usageLocation: "US",
  phoneNumber: "+14255550100",
  numberType: "CallingPlan",
  ...over,
});

function problemsOf(raw: unknown): string[] {
  try {
    parseStackConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(StackConfigError);
    return (e as StackConfigError).problems;
  }
  throw new Error("expected a StackConfigError");
}

describe("azureBot and azureBots", () => {
  test("valid: the Azure Bot's name defaults to the bot's, location to global, the webhook kept as written", () => {
    const parsed = parseStackConfig({ bots: [bot({ azureBot: hook })], azureBots });
    expect(parsed.azureBots).toEqual({ subscriptionId: SUB, resourceGroupName: "rg-teams-bots", location: "global" });
    expect(parsed.bots[0]!.azureBot).toEqual({ ...hook, name: "incident-bot" });
    const slash = parseStackConfig({
      bots: [bot({ azureBot: { ...hook, callingWebhook: "https://bots.contoso.com/api/calling/" } })],
      azureBots,
    });
    expect(slash.bots[0]!.azureBot!.callingWebhook).toBe("https://bots.contoso.com/api/calling/");
  });

  test("the callingWebHook spelling is refused by name (Azure accepts it and sets nothing for Teams)", () => {
    expect(
      problemsOf({
        bots: [bot({ azureBot: { callingWebHook: hook.callingWebhook, messagingEndpoint: hook.messagingEndpoint } })],
        azureBots,
      }),
    ).toEqual([
      "bots[0].azureBot: callingWebHook (capital H) is the Skype channel's spelling, which Azure accepts and ignores for Teams; write callingWebhook",
    ]);
  });

  test("http and non-URL webhooks, a bad name, and azureBots missing are each named", () => {
    expect(
      problemsOf({
        bots: [
          bot({
            azureBot: {
              callingWebhook: "http://bots.contoso.com/api/calling",
              messagingEndpoint: "bots/api",
              name: "-x",
            },
          }),
        ],
      }),
    ).toEqual([
      'bots[0].azureBot.callingWebhook: "http://bots.contoso.com/api/calling" is http; Teams calls https webhooks only',
      'bots[0].azureBot.messagingEndpoint: "bots/api" is not a URL; write an https:// URL',
      'bots[0].azureBot.name: "-x" is not an Azure Bot name (2 to 64 letters, digits, _, . and -, starting with a letter or digit)',
      "azureBots: is required when a bot declares azureBot (bots[0]): set teams-bot-numbers:azureBots to { subscriptionId, resourceGroupName, location }",
    ]);
    expect(problemsOf({ bots: [bot()], azureBots: { subscriptionId: "sub", resourceGroupName: "rg." } })).toEqual([
      'azureBots.subscriptionId: "sub" is not an Azure subscription id (GUID) (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
      'azureBots.resourceGroupName: "rg." is not a resource group name',
    ]);
  });

  test("bots sharing an app id share one Azure Bot: their azureBot must agree; names are unique", () => {
    const second = { name: "second-bot", userPrincipalName: "second-bot@contoso.com", phoneNumber: "+14255550101" };
    expect(() =>
      parseStackConfig({
        bots: [bot({ azureBot: hook }), bot({ ...second, azureBot: { ...hook, name: "incident-bot" } })],
        azureBots,
      }),
    ).not.toThrow();
    expect(
      problemsOf({
        bots: [
          bot({ azureBot: hook }),
          bot({ ...second, azureBot: { ...hook, callingWebhook: "https://other.contoso.com/" } }),
        ],
        azureBots,
      }),
    ).toEqual([
      `bots[1].azureBot: shares appId ${APP} with bots[0], so they share one Azure Bot: give both the same azureBot`,
    ]);
    const otherApp = "8b2e4c6a-1d3f-4a5b-8c7d-9e0f1a2b3c20";
    expect(
      problemsOf({
        bots: [
          bot({ azureBot: hook }),
          bot({ ...second, appId: otherApp, azureBot: { ...hook, name: "incident-bot" } }),
        ],
        azureBots,
      }),
    ).toEqual(['bots[1].azureBot.name: "incident-bot" is already the Azure Bot of bots[0]']);
  });
});

describe("outboundCalling", () => {
  test("callingPlan for Calling Plan numbers (service plan upper-cased), voiceRoutingPolicy for Direct Routing (Tag: dropped)", () => {
    expect(
      parseStackConfig({ bots: [bot({ outboundCalling: { callingPlan: "mcopstn_payg_2" } })] }).bots[0]!
        .outboundCalling,
    ).toEqual({
      callingPlan: "MCOPSTN_PAYG_2",
    });
    const dr = bot({
      phoneNumber: "+14255550201",
      numberType: "DirectRouting",
      outboundCalling: { voiceRoutingPolicy: "Tag:US-DirectRouting" },
    });
    expect(parseStackConfig({ bots: [dr] }).bots[0]!.outboundCalling).toEqual({
      voiceRoutingPolicy: "US-DirectRouting",
    });
  });

  test("the wrong kind for the number type, both or neither, no number, unknown plans and Global are refused", () => {
    expect(problemsOf({ bots: [bot({ outboundCalling: { voiceRoutingPolicy: "US-DirectRouting" } })] })).toEqual([
      "bots[0].outboundCalling.voiceRoutingPolicy: a voice routing policy routes Direct Routing numbers; this bot's number is CallingPlan (use callingPlan)",
    ]);
    expect(
      problemsOf({
        bots: [bot({ numberType: "OperatorConnect", outboundCalling: { callingPlan: "MCOPSTN_PAYG_1" } })],
      }),
    ).toEqual([
      "bots[0].outboundCalling.callingPlan: a Pay-As-You-Go Calling Plan licence is for Calling Plan numbers; this bot's number is OperatorConnect (the operator routes its calls: remove outboundCalling)",
    ]);
    expect(problemsOf({ bots: [bot({ outboundCalling: {} })] })).toEqual([
      "bots[0].outboundCalling: give exactly one of callingPlan (Calling Plan numbers: MCOPSTN_PAYG_1 or MCOPSTN_PAYG_2) and voiceRoutingPolicy (Direct Routing numbers)",
    ]);
    expect(
      problemsOf({
        bots: [
          bot({ phoneNumber: undefined, numberType: undefined, outboundCalling: { callingPlan: "MCOPSTN_PAYG_3" } }),
        ],
      }),
    ).toEqual([
      "bots[0].outboundCalling: needs phoneNumber (outbound calls leave from the bot's number)",
      'bots[0].outboundCalling.callingPlan: "MCOPSTN_PAYG_3" is not a Pay-As-You-Go Calling Plan service plan: use MCOPSTN_PAYG_1 (zone 1) or MCOPSTN_PAYG_2 (zone 2)',
    ]);
    const dr = { phoneNumber: "+14255550201", numberType: "DirectRouting" };
    expect(problemsOf({ bots: [bot({ ...dr, outboundCalling: { voiceRoutingPolicy: "Global" } })] })).toEqual([
      'bots[0].outboundCalling.voiceRoutingPolicy: "Global" is not a per-user voice routing policy name (Global applies to everyone without one)',
    ]);
  });
});

describe("createApp.credential", () => {
  const app = (credential: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    bot({ appId: undefined, createApp: { credential, ...extra } });

  test("federated gets the token-exchange audience; groupCalls passes", () => {
    const parsed = parseStackConfig({
      bots: [
        app(
          {
            kind: "federated",
            issuer: "https://token.actions.githubusercontent.com",
            subject: "repo:contoso/bot:ref:refs/heads/main",
          },
          { groupCalls: true },
        ),
      ],
    });
    expect(parsed.bots[0]!.createApp).toEqual({
      groupCalls: true,
      credential: {
        kind: "federated",
        issuer: "https://token.actions.githubusercontent.com",
        subject: "repo:contoso/bot:ref:refs/heads/main",
        audiences: ["api://AzureADTokenExchange"],
      },
    });
  });

  test("each kind's required inputs and only its own are accepted", () => {
    expect(problemsOf({ bots: [app({ kind: "federated", issuer: "http://issuer" })] })).toEqual([
      "bots[0].createApp.credential.issuer: the https issuer of the bot's hosting identity is required",
      "bots[0].createApp.credential.subject: the subject of the bot's hosting identity is required",
    ]);
    expect(problemsOf({ bots: [app({ kind: "certificate", subject: "x" })] })).toEqual([
      "bots[0].createApp.credential: subject do(es) not apply to kind certificate",
      "bots[0].createApp.credential.certificateFile: a PEM file with the public certificate is required",
    ]);
    expect(problemsOf({ bots: [app({ kind: "password", endDate: "next year" })] })).toEqual([
      'bots[0].createApp.credential.endDate: "next year" is not an RFC 3339 date (e.g. 2027-01-01T00:00:00Z)',
    ]);
    expect(problemsOf({ bots: [app({ kind: "secret" })] })[0]).toMatch(/^bots\[0\]\.createApp\.credential\.kind: /);
  });
});
