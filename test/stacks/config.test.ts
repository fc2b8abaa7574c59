/** Stack config validation: every problem at once, each naming its path. */
import { parseStackConfig, signInIdentities, StackConfigError, type SignInIdentity } from "../../stacks/config";

const bot = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: "incident-bot",
  userPrincipalName: "Incident-Bot@Contoso.com",
  displayName: " Incident Bot ",
  appId: "6D3A1F0E-2B4C-4E8A-9F71-0C5D2E8B4A10",
  usageLocation: "us",
  phoneNumber: "tel:+1 (425) 555-0100",
  numberType: "callingplan",
  ...over,
});

function problemsOf(raw: unknown, signsInAs: SignInIdentity[] = []): string[] {
  try {
    parseStackConfig(raw, signsInAs);
  } catch (e) {
    expect(e).toBeInstanceOf(StackConfigError);
    return (e as StackConfigError).problems;
  }
  throw new Error("expected a StackConfigError");
}

describe("stack config", () => {
  test("normalises a valid bot", () => {
    expect(parseStackConfig({ bots: [bot()] }).bots[0]).toEqual({
      name: "incident-bot",
      userPrincipalName: "incident-bot@contoso.com",
      displayName: "Incident Bot",
      appId: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
      createApp: undefined,
      usageLocation: "US",
      phoneNumber: "+14255550100",
      numberType: "CallingPlan",
      locationId: undefined,
      adopt: undefined,
    });
  });

  test("protect: on unless the stack sets false (Pulumi config values are strings)", () => {
    expect(parseStackConfig({ bots: [bot()] }).protect).toBe(true);
    expect(parseStackConfig({ bots: [bot()], protect: "true" }).protect).toBe(true);
    expect(parseStackConfig({ bots: [bot()], protect: "false" }).protect).toBe(false);
    expect(parseStackConfig({ bots: [bot()], protect: false }).protect).toBe(false);
    expect(problemsOf({ bots: [bot()], protect: "no" })).toEqual(["protect: must be true or false"]);
  });

  test("an empty bot list is refused while the stack protects its bots, and removes them all once it does not", () => {
    const [problem] = problemsOf({ bots: [] });
    expect(problem).toMatch(/^bots: is empty, which would remove every bot of the stack/);
    expect(problem).toContain("set teams-bot-numbers:protect to false and run pulumi up");
    expect(parseStackConfig({ bots: [], protect: "false" })).toEqual({ bots: [], protect: false });
  });

  test("provisioningTimeoutMinutes: how long the bot's licence is waited for, 1 minute to 7 days", () => {
    expect(
      parseStackConfig({ bots: [bot({ provisioningTimeoutMinutes: 240 })] }).bots[0]!.provisioningTimeoutMinutes,
    ).toBe(240);
    expect(parseStackConfig({ bots: [bot()] }).bots[0]!.provisioningTimeoutMinutes).toBeUndefined();
    expect(problemsOf({ bots: [bot({ provisioningTimeoutMinutes: 0 })] })).toEqual([
      'bots[0].provisioningTimeoutMinutes: "0" is not a whole number of minutes between 1 and 10080',
    ]);
    expect(problemsOf({ bots: [bot({ provisioningTimeoutMinutes: "soon" })] })).toEqual([
      "bots[0].provisioningTimeoutMinutes: Invalid input: expected number, received string",
    ]);
  });

  test("createApp: true replaces appId", () => {
    const { bots } = parseStackConfig({ bots: [bot({ appId: undefined, createApp: true })] });
    expect(bots[0].createApp).toEqual({});
    expect(bots[0].appId).toBeUndefined();
  });

  test("reports every problem with its path", () => {
    const problems = problemsOf({
      bots: [
        bot(),
        bot({ name: "Second Bot", userPrincipalName: "not-an-upn", usageLocation: "USA" }),
        bot({
          name: "third",
          userPrincipalName: "third@contoso.com",
          phoneNumber: "425 555 0101",
          numberType: "Mobile",
          appId: "xyz",
        }),
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^bots\[1\]\.name: "Second Bot" must be lower-case/),
        expect.stringMatching(/^bots\[1\]\.userPrincipalName: "not-an-upn" is not a user principal name/),
        expect.stringMatching(/^bots\[1\]\.usageLocation: "USA" is not an ISO 3166-1 alpha-2 country code/),
        expect.stringMatching(/^bots\[2\]\.phoneNumber: "425 555 0101" has no country code: write it in E\.164/),
        expect.stringMatching(
          /^bots\[2\]\.numberType: "Mobile" is not a number type: use CallingPlan \| DirectRouting \| OperatorConnect/,
        ),
        expect.stringMatching(/^bots\[2\]\.appId: "xyz" is not the bot's Entra app \(client\) id/),
        // bots[1] reuses bots[0]'s number (same after normalisation).
        'bots[1].phoneNumber: number "+14255550100" is already used by bots[0]; each bot needs its own',
      ]),
    );
    expect(problems).toHaveLength(7);
  });

  test("duplicate names and accounts are rejected case-insensitively", () => {
    const problems = problemsOf({
      bots: [
        bot(),
        bot({ userPrincipalName: "INCIDENT-BOT@contoso.com", phoneNumber: undefined, numberType: undefined }),
      ],
    });
    expect(problems).toEqual([
      'bots[1].name: name "incident-bot" is already used by bots[0]; each bot needs its own',
      'bots[1].userPrincipalName: account "incident-bot@contoso.com" is already used by bots[0]; each bot needs its own',
    ]);
  });

  test("structure errors name the key", () => {
    expect(problemsOf({ bots: [bot({ phone: "+14255550100" })] })).toEqual([
      expect.stringMatching(/^bots\[0\]: unknown key\(s\) phone \(allowed: name, userPrincipalName/),
    ]);
    expect(problemsOf({ bots: [{ name: "x" }] })).toEqual(
      expect.arrayContaining([
        "bots[0].userPrincipalName: is required",
        "bots[0].displayName: is required",
        "bots[0].usageLocation: is required",
      ]),
    );
  });

  test("appId xor createApp, numberType with phoneNumber", () => {
    expect(problemsOf({ bots: [bot({ createApp: true })] })).toEqual([
      "bots[0]: give either appId or createApp, not both",
    ]);
    expect(problemsOf({ bots: [bot({ appId: undefined })] })).toEqual([
      "bots[0].appId: is required (the bot's Entra app id), or set createApp: true to create the app",
    ]);
    expect(problemsOf({ bots: [bot({ numberType: undefined })] })).toEqual([
      "bots[0].numberType: is required with phoneNumber (CallingPlan, DirectRouting or OperatorConnect)",
    ]);
    expect(problemsOf({ bots: [bot({ phoneNumber: "+14255550202;ext=10" })] })).toEqual([
      'bots[0].phoneNumber: "+14255550202;ext=10" has an extension; extensions (;ext=) are only allowed for DirectRouting numbers',
    ]);
  });

  test("placeholder and impossible app ids are refused with their path", () => {
    for (const appId of [
      "00000000-0000-0000-0000-000000000000",
      "{00000000-0000-0000-0000-000000000000}",
      "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
      "11111111-1111-1111-1111-111111111111",
      "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // Pulumi's "unknown during preview" marker
    ])
      expect(
        problemsOf({
          bots: [
            bot(),
            bot({
              name: "b-bot",
              userPrincipalName: "b@contoso.com",
              phoneNumber: undefined,
              numberType: undefined,
              appId,
            }),
          ],
        }),
      ).toEqual([
        `bots[1].appId: "${appId}" is a placeholder, not the bot's Entra app (client) id: ` +
          "use the bot's Microsoft App ID (Entra admin center > App registrations > the bot's app > Application (client) ID)",
      ]);
  });
});

describe("a bot's appId that is an identity the stack signs in as", () => {
  const DEPLOYER = "3f1c2b7e-6a59-4d0e-9b8a-5c4d3e2f1a07";
  const second = (appId: string): Record<string, unknown> =>
    bot({ name: "b-bot", userPrincipalName: "b@contoso.com", phoneNumber: undefined, numberType: undefined, appId });

  test("is refused naming the bot's key and the setting that gave the client id (any case)", () => {
    expect(
      problemsOf({ bots: [bot(), second(DEPLOYER.toUpperCase())] }, [
        { clientId: DEPLOYER, key: "teams-bot-numbers:clientId" },
      ]),
    ).toEqual([
      `bots[1].appId: teams-bot-numbers:bots[1].appId "${DEPLOYER}" is the client id the stack signs in with (teams-bot-numbers:clientId): ` +
        "a bot's appId is the bot's own Entra app, and pulumi up would make the signing-in app a resource account and give it a licence. " +
        "Give the bot's Microsoft App ID (Entra admin center > App registrations > the bot's app > Application (client) ID), or createApp: true",
    ]);
  });

  test("another identity, or none (a system-assigned managed identity), is no problem", () => {
    expect(parseStackConfig({ bots: [bot()] }, [{ clientId: DEPLOYER, key: "AZURE_CLIENT_ID" }]).bots).toHaveLength(1);
    expect(parseStackConfig({ bots: [second(DEPLOYER)] }, []).bots).toHaveLength(1);
  });

  test("signInIdentities reads the client id as the provider does: stack config, then AZURE_CLIENT_ID, then the Azure DevOps variable", () => {
    const config: Record<string, string> = { clientId: " AAAA0000-0000-4000-8000-000000000001 " };
    const env = { AZURE_CLIENT_ID: "bbbb0000-0000-4000-8000-000000000002", AZURESUBSCRIPTION_CLIENT_ID: "c" };
    expect(signInIdentities((k) => config[k], env)).toEqual([
      { clientId: "AAAA0000-0000-4000-8000-000000000001", key: "teams-bot-numbers:clientId" },
    ]);
    expect(signInIdentities(() => undefined, env)).toEqual([
      { clientId: "bbbb0000-0000-4000-8000-000000000002", key: "AZURE_CLIENT_ID" },
    ]);
    expect(signInIdentities(() => "", { AZURESUBSCRIPTION_CLIENT_ID: "c" })).toEqual([
      { clientId: "c", key: "AZURESUBSCRIPTION_CLIENT_ID" },
    ]);
    expect(signInIdentities(() => undefined, {})).toEqual([]);
  });
});

describe("shipped stack configs", () => {
  // js-yaml comes with @pulumi/pulumi, which reads the same files.
  const yaml = require("js-yaml") as { load(text: string): unknown };
  const read = (file: string): Record<string, unknown> =>
    (
      yaml.load(require("fs").readFileSync(require("path").join(__dirname, "..", "..", file), "utf8")) as {
        config: Record<string, unknown>;
      }
    ).config;

  test("Pulumi.dev.yaml declares valid bots", () => {
    const { bots } = parseStackConfig({ bots: read("Pulumi.dev.yaml")["teams-bot-numbers:bots"] });
    expect(bots.length).toBeGreaterThanOrEqual(2);
    for (const b of bots) expect(b.userPrincipalName).toMatch(/@contoso\.com$/);
  });

  test("Pulumi.prod.example.yaml copied unchanged is refused at its placeholder app id, and only there", () => {
    const raw = read("Pulumi.prod.example.yaml")["teams-bot-numbers:bots"] as Array<Record<string, unknown>>;
    expect(problemsOf({ bots: raw })).toEqual([
      'bots[0].appId: "00000000-0000-0000-0000-000000000000" is a placeholder, not the bot\'s Entra app (client) id: ' +
        "use the bot's Microsoft App ID (Entra admin center > App registrations > the bot's app > Application (client) ID)",
    ]);
    // Filled in, it is valid.
    const filled = raw.map((b) => (b.appId ? { ...b, appId: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10" } : b));
    expect(parseStackConfig({ bots: filled }).bots).toHaveLength(raw.length);
  });

  test("every GUID in our templates (prod example, example pipelines) is refused as an appId", () => {
    // The README's example app id is the emulator's seeded bot app (a real app in the dev tenant), not a template.
    const fs = require("fs") as typeof import("fs");
    const path = require("path") as typeof import("path");
    const root = path.join(__dirname, "..", "..");
    const files = [
      "Pulumi.prod.example.yaml",
      ...fs.readdirSync(path.join(root, "examples", "github-actions")).map((f) => `examples/github-actions/${f}`),
    ];
    const guids = new Set<string>();
    for (const f of files)
      for (const m of fs
        .readFileSync(path.join(root, f), "utf8")
        .matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi))
        guids.add(m[0]);
    expect(guids.size).toBeGreaterThan(0);
    for (const g of guids)
      expect(problemsOf({ bots: [bot({ appId: g })] })).toEqual([
        expect.stringMatching(/^bots\[0\]\.appId: ".*" is a placeholder/),
      ]);
  });

  test("the dev stack covers every number type", () => {
    const { bots } = parseStackConfig({ bots: read("Pulumi.dev.yaml")["teams-bot-numbers:bots"] });
    expect(bots.map((b) => b.numberType).sort()).toEqual(["CallingPlan", "DirectRouting", "OperatorConnect"]);
  });
});
