/** Stack config validation: every problem at once, each naming its path. */
import { parseStackConfig, StackConfigError } from "../../stacks/config";

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

function problemsOf(raw: unknown): string[] {
  try {
    parseStackConfig(raw);
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
    expect(problemsOf({ bots: [] })).toEqual(["bots: declare at least one bot"]);
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

  test.each(["Pulumi.dev.yaml", "Pulumi.prod.example.yaml"])("%s declares valid bots", (file) => {
    const { bots } = parseStackConfig({ bots: read(file)["teams-bot-numbers:bots"] });
    expect(bots.length).toBeGreaterThanOrEqual(2);
    for (const b of bots) expect(b.userPrincipalName).toMatch(/@contoso\.com$/);
  });

  test("the dev stack covers every number type", () => {
    const { bots } = parseStackConfig({ bots: read("Pulumi.dev.yaml")["teams-bot-numbers:bots"] });
    expect(bots.map((b) => b.numberType).sort()).toEqual(["CallingPlan", "DirectRouting", "OperatorConnect"]);
  });
});
