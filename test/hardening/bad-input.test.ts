/**
 * Bad input corpus, table-driven: stack config (bots and tenant settings, on the real engine) and
 * resource args (each resource's check(), plus one engine run). Every case: a clear error naming
 * the key or setting, a non-zero exit, and not one mutating call to the tenant (audit log).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";
import forge from "node-forge";

import { provider as applicationInstance, ApplicationInstance } from "../../provider/resources/applicationInstance";
import { provider as botPhoneNumber, BotPhoneNumber } from "../../provider/resources/botPhoneNumber";
import { provider as virtualUserLicense } from "../../provider/resources/virtualUserLicense";
import { botShape } from "../../stacks/config";
import { EngineHarness } from "../e2e/harness";
import { secretEnv, stackConfigFor } from "../helpers/emulator-settings";
import { bot, recordResults, ResultRow, StackRig, startRig } from "./support";

const rows: ResultRow[] = [];
const E164 = "write it in E.164, e.g. +14255550100";
const APP = "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10";
const ok = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...bot(name, 0),
  ...extra,
});
const NOT_UPN = (raw: string): string =>
  `"${raw}" is not a user principal name: expected name@domain, e.g. incident-bot@contoso.com`;

/** Bad bots in one config: [what, bot entry, the problem line expected for it]. `@` in the line is the bot's index. */
const BAD_BOTS: Array<[string, Record<string, unknown>, string]> = [
  [
    "national-format number",
    ok("b00", { phoneNumber: "425 555 0101", numberType: "CallingPlan" }),
    `bots[@].phoneNumber: "425 555 0101" has no country code: ${E164}`,
  ],
  [
    "number with letters",
    ok("b01", { phoneNumber: "+1 425 CALL BOT", numberType: "CallingPlan" }),
    `bots[@].phoneNumber: "+1 425 CALL BOT" is not a phone number (only digits, +, spaces, dashes, dots and parentheses are allowed): ${E164}`,
  ],
  [
    "impossible number",
    ok("b02", { phoneNumber: "+1 42", numberType: "CallingPlan" }),
    `bots[@].phoneNumber: "+1 42" is not a possible phone number: ${E164}`,
  ],
  [
    "extension on a Calling Plan number",
    ok("b03", { phoneNumber: "+14255550102;ext=5", numberType: "CallingPlan" }),
    'bots[@].phoneNumber: "+14255550102;ext=5" has an extension; extensions (;ext=) are only allowed for DirectRouting numbers',
  ],
  [
    "number with a PowerShell subexpression",
    ok("b04", { phoneNumber: "+1425555$(whoami)", numberType: "CallingPlan" }),
    `bots[@].phoneNumber: "+1425555$(whoami)" is not a phone number (only digits, +, spaces, dashes, dots and parentheses are allowed): ${E164}`,
  ],
  [
    "wrong number type",
    ok("b05", { phoneNumber: "+14255550103", numberType: "Mobile" }),
    'bots[@].numberType: "Mobile" is not a number type: use CallingPlan | DirectRouting | OperatorConnect',
  ],
  [
    "number without a type",
    ok("b06", { phoneNumber: "+14255550104" }),
    "bots[@].numberType: is required with phoneNumber (CallingPlan, DirectRouting or OperatorConnect)",
  ],
  [
    "type without a number",
    ok("b07", { numberType: "DirectRouting" }),
    "bots[@].phoneNumber: is required when numberType or locationId is set",
  ],
  [
    "app id not a GUID",
    ok("b08", { appId: "not-a-guid" }),
    'bots[@].appId: "not-a-guid" is not the bot\'s Entra app (client) id (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
  ],
  [
    "app id one digit short",
    ok("b09", { appId: APP.slice(0, -1) }),
    `bots[@].appId: "${APP.slice(0, -1)}" is not the bot's Entra app (client) id (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`,
  ],
  [
    "UPN without @",
    ok("b10", { userPrincipalName: "b10.contoso.com" }),
    `bots[@].userPrincipalName: ${NOT_UPN("b10.contoso.com")}`,
  ],
  [
    "UPN without a top-level domain",
    ok("b11", { userPrincipalName: "b11@contoso" }),
    `bots[@].userPrincipalName: ${NOT_UPN("b11@contoso")}`,
  ],
  [
    "UPN with a space",
    ok("b12", { userPrincipalName: "b 12@contoso.com" }),
    `bots[@].userPrincipalName: ${NOT_UPN("b 12@contoso.com")}`,
  ],
  [
    "UPN with PowerShell metacharacters",
    ok("b13", { userPrincipalName: "b13;$x|iex@contoso.com" }),
    `bots[@].userPrincipalName: "b13;$x|iex@contoso.com" is not a user principal name: the part before @ may hold only letters, digits and ' . - _ ! # ^ ~ (Entra ID's rule)`,
  ],
  [
    "usage location of three letters",
    ok("b14", { usageLocation: "USA" }),
    'bots[@].usageLocation: "USA" is not an ISO 3166-1 alpha-2 country code (two letters, e.g. US, GB, DE)',
  ],
  [
    "usage location UK",
    ok("b15", { usageLocation: "UK" }),
    'bots[@].usageLocation: "UK" is not an ISO 3166-1 country code: did you mean GB?',
  ],
  [
    "usage location not a country",
    ok("b16", { usageLocation: "ZZ" }),
    'bots[@].usageLocation: "ZZ" is not a known ISO 3166-1 alpha-2 country code (e.g. US, GB, DE)',
  ],
  [
    "usage location missing",
    { name: "b17", userPrincipalName: "b17@contoso.com", displayName: "b17", appId: APP },
    "bots[@].usageLocation: is required",
  ],
  [
    "bot name with capitals",
    ok("b18", { name: "Bot_18" }),
    'bots[@].name: "Bot_18" must be lower-case letters, digits and dashes (it names Pulumi resources)',
  ],
  [
    "unknown key",
    ok("b19", { phone: "+14255550105" }),
    `bots[@]: unknown key(s) phone (allowed: ${Object.keys(botShape.shape).join(", ")})`,
  ],
  ["appId and createApp", ok("b20", { createApp: true }), "bots[@]: give either appId or createApp, not both"],
  [
    "neither appId nor createApp",
    { name: "b21", userPrincipalName: "b21@contoso.com", displayName: "b21", usageLocation: "US" },
    "bots[@].appId: is required (the bot's Entra app id), or set createApp: true to create the app",
  ],
  [
    "emergency location not a GUID",
    ok("b22", { phoneNumber: "+14255550200", numberType: "DirectRouting", locationId: "hq" }),
    'bots[@].locationId: "hq" is not an emergency location id (GUID) (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
  ],
  ["blank display name", ok("b23", { displayName: "  " }), "bots[@].displayName: a display name is required"],
  [
    "display name over 256 characters",
    ok("b24", { displayName: "x".repeat(257) }),
    "bots[@].displayName: the display name is 257 characters long; at most 256 are allowed",
  ],
  [
    "adopt not a boolean",
    ok("b25", { adopt: "yes" }),
    "bots[@].adopt: Invalid input: expected boolean, received string",
  ],
  [
    "duplicate name",
    ok("b00", { userPrincipalName: "b26@contoso.com" }),
    'bots[@].name: name "b00" is already used by bots[0]; each bot needs its own',
  ],
  [
    "duplicate account (UPN differs only in case)",
    ok("b27", { userPrincipalName: "B01@Contoso.com" }),
    'bots[@].userPrincipalName: account "b01@contoso.com" is already used by bots[1]; each bot needs its own',
  ],
  [
    "duplicate number (other spelling)",
    ok("b28", { phoneNumber: "tel:+1 (425) 555-0301", numberType: "OperatorConnect" }),
    'bots[29].phoneNumber: number "+14255550301" is already used by bots[28]; each bot needs its own',
  ],
];

describe("bad input corpus", () => {
  let r: StackRig;
  const mutatingCalls = async (): Promise<number> => (await r.audit()).length;

  beforeAll(async () => {
    r = await startRig("bad-input", { latencyScale: 0 });
  });
  afterAll(async () => {
    recordResults("bad-input", rows);
    await r?.dispose();
  });

  test("stack config, bots: every problem reported at once by path on the real engine, non-zero exit, nothing sent", async () => {
    // Bot 29 repeats the number of bot 28 (the problem is reported on the second one).
    const bots = [
      ...BAD_BOTS.map(([, b]) => b),
      ok("b29", { phoneNumber: "+14255550301", numberType: "OperatorConnect" }),
    ];
    await r.h.stack.setConfig("bots", { value: JSON.stringify(bots) });
    for (const command of ["preview", "up"] as const) {
      const res = await r.h.runStackProgram(command);
      const out = res.stdout + res.stderr;
      expect(res.exitCode).not.toBe(0);
      expect(out).toContain(
        `stack config teams-bot-numbers:bots is invalid (${BAD_BOTS.length} problems); nothing was sent to the tenant:`,
      );
      BAD_BOTS.forEach(([, , line], i) => expect(out).toContain(`  - ${line.replace("@", String(i))}`));
    }
    expect(await mutatingCalls()).toBe(0);
    expect(r.h.resources().filter((x) => x.type.startsWith("pulumi-nodejs:"))).toEqual([]);
    for (const [what] of BAD_BOTS)
      rows.push({
        area: "bad input: stack config",
        check: what,
        cases: 1,
        passed: 1,
        detail: "named by path, exit != 0 (preview and up), 0 mutating calls",
      });
  });

  test.each([
    [
      "bots not set",
      undefined,
      "bots: teams-bot-numbers:bots is not set; declare the stack's bots in Pulumi.<stack>.yaml (see Pulumi.dev.yaml)",
    ],
    // A protected stack (every stack but the dev stack, unless it says otherwise) refuses to lose every bot.
    [
      "bots an empty list",
      "[]",
      "bots: is empty, which would remove every bot of the stack, and the stack protects its bots (teams-bot-numbers:protect)",
    ],
    ["bots not a list", '{"name":"x"}', "bots: Invalid input: expected array, received object"],
  ])("stack config: %s", async (what, value, line) => {
    if (value === undefined) await r.h.stack.removeConfig("bots");
    else await r.h.stack.setConfig("bots", { value });
    await r.h.stack.setConfig("protect", { value: "true" });
    const res = await r.h.runStackProgram("up").finally(() => r.h.stack.setConfig("protect", { value: "false" }));
    expect(res.exitCode).not.toBe(0);
    expect(res.stdout + res.stderr).toContain(`  - ${line}`);
    expect(await mutatingCalls()).toBe(0);
    rows.push({
      area: "bad input: stack config",
      check: what,
      cases: 1,
      passed: 1,
      detail: "named, exit != 0, 0 mutating calls",
    });
  });

  describe("stack config, tenant settings (real engine up, fails at the first tenant call)", () => {
    let dir: string;
    const certs: Record<string, string> = {};
    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-certs-"));
      const write = (name: string, pem: string): void => {
        certs[name] = path.join(dir, `${name}.pem`);
        fs.writeFileSync(certs[name]!, pem, { mode: 0o600 });
      };
      const a = selfSigned(-400, -30);
      const b = selfSigned(-1, 365);
      write("expired", a.cert + a.key);
      write("mismatched", b.cert + a.key);
      write("unregistered", b.cert + b.key);
      write("certOnly", b.cert);
      await r.h.stack.setConfig("bots", { value: JSON.stringify([bot("settings-bot", 0)]) });
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    const SETTINGS = "tenant settings are incomplete:\n  - ";
    const CREDS =
      "Check teams-bot-numbers:tenantId (AZURE_TENANT_ID), teams-bot-numbers:clientId (AZURE_CLIENT_ID) and the credential";
    const OPENID =
      "Check teams-bot-numbers:tenantId (AZURE_TENANT_ID), and that teams-bot-numbers:authorityHost (AZURE_AUTHORITY_HOST) is right and reachable from here";
    const REACH =
      "Check that teams-bot-numbers:authorityHost (AZURE_AUTHORITY_HOST) and teams-bot-numbers:graphUrl (TEAMS_GRAPH_URL) are right and reachable from here";
    /** [what, config changes (null = remove), env changes (null = remove), expected texts]. */
    const CASES: Array<[string, Record<string, string | null>, Record<string, string | null>, string[]]> = [
      [
        "missing credentials",
        {},
        { AZURE_CLIENT_SECRET: null },
        [
          `${SETTINGS}no credential: set teams-bot-numbers:clientSecret (or AZURE_CLIENT_SECRET) as a secret (pulumi config set --secret clientSecret …), teams-bot-numbers:clientCertificatePath (or AZURE_CLIENT_CERTIFICATE_PATH) or teams-bot-numbers:federatedTokenFile (or AZURE_FEDERATED_TOKEN_FILE); or run in GitHub Actions with \`permissions: id-token: write\`, in Azure Pipelines with teams-bot-numbers:serviceConnectionId (or AZURESUBSCRIPTION_SERVICE_CONNECTION_ID) and SYSTEM_ACCESSTOKEN, or on a host with a managed identity (teams-bot-numbers:useManagedIdentity (or TEAMS_USE_MANAGED_IDENTITY)).`,
        ],
      ],
      [
        "secret and certificate both set",
        { clientCertificatePath: "@unregistered" },
        {},
        [
          "set only one of teams-bot-numbers:clientSecret (or AZURE_CLIENT_SECRET) and teams-bot-numbers:clientCertificatePath (or AZURE_CLIENT_CERTIFICATE_PATH).",
        ],
      ],
      [
        "tenant id not a GUID",
        { tenantId: "contoso.onmicrosoft.com" },
        {},
        ['teams-bot-numbers:tenantId (or AZURE_TENANT_ID) must be a GUID, got "contoso.onmicrosoft.com".'],
      ],
      [
        "client id missing",
        { clientId: null },
        {},
        ["teams-bot-numbers:clientId (or AZURE_CLIENT_ID) is not set: give the app registration's client id."],
      ],
      [
        "authority host over http",
        { authorityHost: "http://login.example.com" },
        {},
        [
          'teams-bot-numbers:authorityHost (or AZURE_AUTHORITY_HOST) must be an https:// URL, got "http://login.example.com".',
        ],
      ],
      [
        "number assignment mode unknown",
        { numberAssignment: "teams" },
        {},
        [
          'teams-bot-numbers:numberAssignment (or TEAMS_NUMBER_ASSIGNMENT) must be "graph" or "powershell", got "teams".',
        ],
      ],
      [
        "wrong tenant id",
        { tenantId: "0b0e0f0a-1111-4222-8333-444455556666" },
        {},
        [
          "cannot read the OpenID configuration of https://localhost:",
          "/0b0e0f0a-1111-4222-8333-444455556666: the tenant id is wrong or the authority host is unreachable",
          OPENID,
        ],
      ],
      ["wrong client id", { clientId: "0b0e0f0a-1111-4222-8333-777788889999" }, {}, ["AADSTS700016", CREDS]],
      ["wrong client secret", {}, { AZURE_CLIENT_SECRET: "not-the-secret" }, ["AADSTS7000215", CREDS]],
      [
        "certificate file missing",
        { clientCertificatePath: "/nonexistent/deployer.pem" },
        { AZURE_CLIENT_SECRET: null },
        [
          "ENOENT: no such file or directory, open '/nonexistent/deployer.pem'",
          "Set teams-bot-numbers:clientCertificatePath (or AZURE_CLIENT_CERTIFICATE_PATH) to a PEM file",
        ],
      ],
      [
        "certificate without its private key",
        { clientCertificatePath: "@certOnly" },
        { AZURE_CLIENT_SECRET: null },
        ["the file must hold a CERTIFICATE and a PRIVATE KEY block (found 1 certificate(s) and no key)"],
      ],
      [
        "expired certificate",
        { clientCertificatePath: "@expired" },
        { AZURE_CLIENT_SECRET: null },
        [
          "expired on ",
          "Create a new certificate, upload it to the app registration (Certificates & secrets) and point teams-bot-numbers:clientCertificatePath (or AZURE_CLIENT_CERTIFICATE_PATH) at it.",
        ],
      ],
      [
        "private key of another certificate",
        { clientCertificatePath: "@mismatched" },
        { AZURE_CLIENT_SECRET: null },
        [
          "the private key in the file does not belong to its first certificate",
          "teams-bot-numbers:clientCertificatePath",
        ],
      ],
      [
        "certificate not registered on the app",
        { clientCertificatePath: "@unregistered" },
        { AZURE_CLIENT_SECRET: null },
        ["AADSTS700027", CREDS],
      ],
      [
        "unreachable authority host",
        { authorityHost: "https://127.0.0.1:9" },
        {},
        ["cannot read the OpenID configuration of https://127.0.0.1:9/", OPENID],
      ],
      [
        "unreachable Graph URL",
        { graphUrl: "https://127.0.0.1:9" },
        {},
        ["looking up settings-bot@contoso.com in Microsoft Graph: fetch failed", REACH],
      ],
      [
        "PowerShell executable not found",
        { pwshPath: "/nonexistent/pwsh" },
        {},
        ["PwshNotFound", "set teams-bot-numbers:pwshPath (or TEAMS_PWSH_PATH) to its path."],
      ],
    ];

    test.each(CASES)("%s", async (what, config, env) => {
      const expected = CASES.find((c) => c[0] === what)![3];
      const ws = r.h.stack.workspace as unknown as { envVars: Record<string, string> };
      const savedEnv = { ...ws.envVars };
      const savedConfig = await r.h.stack.getAllConfig();
      try {
        for (const [k, v] of Object.entries(config)) {
          if (v === null) await r.h.stack.removeConfig(k);
          else await r.h.stack.setConfig(k, { value: v.startsWith("@") ? certs[v.slice(1)]! : v });
        }
        for (const [k, v] of Object.entries(env)) {
          if (v === null) delete ws.envVars[k];
          else ws.envVars[k] = v;
        }
        const res = await r.h.up();
        const out = res.stdout + res.stderr;
        expect(res.exitCode).not.toBe(0);
        for (const text of expected) expect(out).toContain(text);
        expect(await mutatingCalls()).toBe(0);
        // No bot resource is recorded. The stack's NumberPlan may be: it holds only the declared config
        // and depends on no account (issue 22: one refused account costs only its own bot), so the
        // engine can create it before the first tenant call fails; a rerun with the fix continues.
        const recorded = r.h.resources().filter((x) => x.type.startsWith("pulumi-nodejs:"));
        expect(recorded.filter((x) => !x.urn.includes("::number-plan"))).toEqual([]);
        // A credential never shows up in the error.
        expect(out).not.toContain(r.t.clientSecret);
      } finally {
        ws.envVars = savedEnv;
        for (const k of Object.keys(config)) {
          const saved = savedConfig[`teams-bot-numbers:${k}`];
          if (saved) await r.h.stack.setConfig(k, { value: saved.value });
          else await r.h.stack.removeConfig(k);
        }
      }
      rows.push({
        area: "bad input: tenant settings",
        check: what,
        cases: 1,
        passed: 1,
        detail: `engine up exit != 0; error names it (${expected.map((t) => `"${t.slice(0, 48)}${t.length > 48 ? "…" : ""}"`).join(", ")}); 0 mutating calls`,
      });
    });
  });

  describe("resource args: each provider's check()", () => {
    const ACCOUNT = {
      userPrincipalName: "args-bot@contoso.com",
      displayName: "Args Bot",
      applicationId: APP,
      usageLocation: "US",
    };
    const LICENCE = { userId: "2e8b3c4d-9f6a-4b02-9c35-7d4e0f1a2b33" };
    const NUMBER = {
      instanceId: "2e8b3c4d-9f6a-4b02-9c35-7d4e0f1a2b33",
      phoneNumber: "+14255550100",
      numberType: "CallingPlan",
    };
    /** [what, provider, valid args, bad overrides, property, reason]. */
    const CASES: Array<
      [string, pulumi.dynamic.ResourceProvider, Record<string, unknown>, Record<string, unknown>, string, string]
    > = [
      [
        "ApplicationInstance: UPN without a domain",
        applicationInstance,
        ACCOUNT,
        { userPrincipalName: "args-bot" },
        "userPrincipalName",
        NOT_UPN("args-bot"),
      ],
      [
        "ApplicationInstance: UPN with a backtick and quotes",
        applicationInstance,
        ACCOUNT,
        { userPrincipalName: 'a`"b@contoso.com' },
        "userPrincipalName",
        `"a\`"b@contoso.com" is not a user principal name: the part before @ may hold only letters, digits and ' . - _ ! # ^ ~ (Entra ID's rule)`,
      ],
      [
        "ApplicationInstance: UPN local part over 64 characters",
        applicationInstance,
        ACCOUNT,
        { userPrincipalName: `${"a".repeat(65)}@contoso.com` },
        "userPrincipalName",
        `"${"a".repeat(65)}@contoso.com": the part before @ is longer than 64 characters`,
      ],
      [
        "ApplicationInstance: application id not a GUID",
        applicationInstance,
        ACCOUNT,
        { applicationId: "{6d3a1f0e}" },
        "applicationId",
        '"{6d3a1f0e}" is not an application (client) id (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
      ],
      [
        "ApplicationInstance: usage location lower-case three letters",
        applicationInstance,
        ACCOUNT,
        { usageLocation: "usa" },
        "usageLocation",
        '"usa" is not an ISO 3166-1 alpha-2 country code (two letters, e.g. US, GB, DE)',
      ],
      [
        "ApplicationInstance: usage location missing",
        applicationInstance,
        ACCOUNT,
        { usageLocation: undefined },
        "usageLocation",
        "a usage location is required: an ISO 3166-1 alpha-2 country code such as US",
      ],
      [
        "ApplicationInstance: empty display name",
        applicationInstance,
        ACCOUNT,
        { displayName: "" },
        "displayName",
        "a display name is required",
      ],
      [
        "ApplicationInstance: adopt not a boolean",
        applicationInstance,
        ACCOUNT,
        { adopt: "maybe" },
        "adopt",
        '"maybe" is not true or false',
      ],
      [
        "VirtualUserLicense: user id not a GUID",
        virtualUserLicense,
        LICENCE,
        { userId: "args-bot@contoso.com" },
        "userId",
        '"args-bot@contoso.com" is not an object id (ApplicationInstance.objectId) (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
      ],
      [
        "VirtualUserLicense: SKU part number with spaces",
        virtualUserLicense,
        LICENCE,
        { skuPartNumber: "Teams Phone" },
        "skuPartNumber",
        '"Teams Phone" is not a SKU part number (letters, digits and _ only, e.g. PHONESYSTEM_VIRTUALUSER)',
      ],
      [
        "VirtualUserLicense: provisioning timeout 0 minutes",
        virtualUserLicense,
        LICENCE,
        { provisioningTimeoutMinutes: 0 },
        "provisioningTimeoutMinutes",
        '"0" is not a whole number of minutes between 1 and 10080',
      ],
      [
        "VirtualUserLicense: provisioning timeout not whole",
        virtualUserLicense,
        LICENCE,
        { provisioningTimeoutMinutes: 1.5 },
        "provisioningTimeoutMinutes",
        '"1.5" is not a whole number of minutes between 1 and 10080',
      ],
      [
        "BotPhoneNumber: instance id not a GUID",
        botPhoneNumber,
        NUMBER,
        { instanceId: "args-bot" },
        "instanceId",
        '"args-bot" is not an object id (ApplicationInstance.objectId) (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
      ],
      [
        "BotPhoneNumber: national-format number",
        botPhoneNumber,
        NUMBER,
        { phoneNumber: "(425) 555-0100" },
        "phoneNumber",
        `"(425) 555-0100" has no country code: ${E164}`,
      ],
      [
        "BotPhoneNumber: number with a pipe to iex",
        botPhoneNumber,
        NUMBER,
        { phoneNumber: "+14255550100 | iex" },
        "phoneNumber",
        `"+14255550100 | iex" is not a phone number (only digits, +, spaces, dashes, dots and parentheses are allowed): ${E164}`,
      ],
      [
        "BotPhoneNumber: number with a quote for $filter",
        botPhoneNumber,
        NUMBER,
        { phoneNumber: "+14255550100' or '1' eq '1" },
        "phoneNumber",
        `"+14255550100' or '1' eq '1" is not a phone number (only digits, +, spaces, dashes, dots and parentheses are allowed): ${E164}`,
      ],
      [
        "BotPhoneNumber: wrong number type",
        botPhoneNumber,
        NUMBER,
        { numberType: "Teams" },
        "numberType",
        '"Teams" is not a number type: use CallingPlan | DirectRouting | OperatorConnect',
      ],
      [
        "BotPhoneNumber: extension on Operator Connect",
        botPhoneNumber,
        NUMBER,
        { phoneNumber: "+14255550300;ext=1", numberType: "OperatorConnect" },
        "phoneNumber",
        '"+14255550300;ext=1" has an extension; extensions (;ext=) are only allowed for DirectRouting numbers',
      ],
      [
        "BotPhoneNumber: location id not a GUID",
        botPhoneNumber,
        NUMBER,
        { locationId: "Building 1" },
        "locationId",
        '"Building 1" is not an emergency location id (GUID) (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
      ],
    ];

    test.each(CASES)("%s", async (what, p, valid, bad, property, reason) => {
      const before = await mutatingCalls();
      expect((await p.check!({}, valid)).failures ?? []).toEqual([]);
      const res = await p.check!({}, { ...valid, ...bad });
      expect(res.failures).toEqual([{ property, reason }]);
      expect(await mutatingCalls()).toBe(before);
      rows.push({
        area: "bad input: resource args",
        check: what,
        cases: 1,
        passed: 1,
        detail: `check() failure on ${property} with the exact reason; 0 tenant calls`,
      });
    });

    test("resource args on the real engine: the preview fails naming resource, property and reason", async () => {
      const h = await EngineHarness.create({
        name: "bad-args",
        program: async () => {
          const account = new ApplicationInstance("args-bot", { ...ACCOUNT, usageLocation: "UK" });
          new BotPhoneNumber("args-bot-number", {
            instanceId: account.objectId,
            phoneNumber: "425 555 0100",
            numberType: "CallingPlan",
          });
        },
        env: secretEnv(r.t),
        config: stackConfigFor(r.t),
      });
      try {
        const res = await h.up();
        const out = res.stdout + res.stderr;
        expect(res.exitCode).not.toBe(0);
        expect(out).toMatch(
          /pulumi-nodejs:dynamic\/teams:ApplicationInstance resource 'args-bot': property usageLocation value \{?"?UK"?\}? has a problem: "UK" is not an ISO 3166-1 country code: did you mean GB\?/,
        );
        expect(await mutatingCalls()).toBe(0);
      } finally {
        await h.dispose();
      }
      rows.push({
        area: "bad input: resource args",
        check: "engine: invalid usageLocation on an ApplicationInstance",
        cases: 1,
        passed: 1,
        detail: "`pulumi up` exit != 0 naming resource, property and reason; 0 mutating calls",
      });
    });
  });
});

/** A self-signed certificate valid from `fromDays` to `toDays` (relative to now) with its key, PEM. */
function selfSigned(fromDays: number, toDays: number): { cert: string; key: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  cert.serialNumber = crypto
    .randomBytes(8)
    .toString("hex")
    .replace(/^[89a-f]/, "1");
  const day = 24 * 3600 * 1000;
  cert.validity.notBefore = new Date(Date.now() + fromDays * day);
  cert.validity.notAfter = new Date(Date.now() + toDays * day);
  const attrs = [{ name: "commonName", value: "teams-bot-numbers hardening test" }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  const key = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  cert.sign(forge.pki.privateKeyFromPem(key), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key };
}
