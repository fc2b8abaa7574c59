/**
 * `npm run preflight`: all ✓ on the dev stack's bots pointed at a test emulator (a first run: none
 * of their accounts exists yet); each ✗ case fails exactly once, names its fix, exits non-zero;
 * what Microsoft allows without a failure (a token without `wids`, Teams Reader for the preview
 * identity, a voice-only write role) is a ⚠ or a ✓; the emulator's audit log shows zero writes.
 */
import * as fs from "fs";
import * as path from "path";

import { TEAMS_MODULE_FLOOR } from "../../protocol/host-protocol";
import { ROLES } from "../../provider/access/index";
import { closeTenants } from "../../provider/tenant/index";
import { preflightMain } from "../../scripts/preflight";
import { REPO_ROOT, startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { emulatorSettings } from "../helpers/emulator-settings";

const TEAMS_ADMINISTRATOR = ROLES.teamsAdministrator.id;

type Fixture = {
  apps: Array<{
    clientId: string;
    displayName: string;
    graphRoles: string[];
    directoryRoles: string[];
    secrets: string[];
    widsClaim?: boolean;
  }>;
  skus: Array<{ skuPartNumber: string; prepaidUnits: { enabled: number } }>;
};
const FIXTURE = JSON.parse(
  fs.readFileSync(path.join(REPO_ROOT, "emulator", "fixtures", "default.json"), "utf8"),
) as Fixture;
// js-yaml comes with @pulumi/pulumi, which reads the same files (as in test/stacks/config.test.ts).
const yaml = require("js-yaml") as { load(text: string): unknown };
/** The dev stack's bots, as declared in Pulumi.dev.yaml. */
const DEV_BOTS = (
  yaml.load(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  }
).config["teams-bot-numbers:bots"] as Array<Record<string, unknown>>;

/** The read-only preview app of the default fixture (third app). */
const PREVIEW_APP = "5b8e2c1d-9f4a-4e6b-8c3d-2a1f0e9d8c71";
const PREVIEW_SECRET = (FIXTURE.apps[2] as { secrets: string[] }).secrets[0]!;
/** The fixture's preview app that holds Teams Reader instead of Global Reader. */
const TEAMS_READER_APP = FIXTURE.apps.find((a) => a.directoryRoles.includes(ROLES.teamsReader.id))!;

interface Run {
  code: number;
  text: string;
  failures: string[];
  warnings: string[];
  writes: number;
  /** Token requests and HTTP requests the emulator received during the run. */
  calls: number;
}

interface Stats {
  tokenRequests: number;
  httpRequests: Record<string, number>;
}
const callsOf = (s: Stats): number => s.tokenRequests + Object.values(s.httpRequests).reduce((a, b) => a + b, 0);

async function run(
  opts: {
    fixture?: (f: Fixture) => void;
    bots?: (b: Array<Record<string, unknown>>) => void;
    env?: Record<string, string>;
    secret?: string;
    clientId?: string;
    identity?: "deploy" | "preview";
  } = {},
): Promise<Run> {
  const fixture = structuredClone(FIXTURE);
  opts.fixture?.(fixture);
  const bots = structuredClone(DEV_BOTS);
  opts.bots?.(bots);
  const t: TestEmulator = await startTestEmulator({ licenceProvisioningDelayMs: 0 }, { fixture: fixture as never });
  const saved = Object.fromEntries(Object.keys(opts.env ?? {}).map((k) => [k, process.env[k]]));
  Object.assign(process.env, opts.env ?? {});
  try {
    const before = (await t.admin.get<{ entries: unknown[] }>("/audit")).entries.length;
    const callsBefore = callsOf(await t.admin.get<Stats>("/stats"));
    const config: Record<string, string> = {
      ...emulatorSettings(t),
      ...(opts.clientId ? { clientId: opts.clientId } : {}),
      ...(opts.secret !== undefined ? { clientSecret: opts.secret } : {}),
      bots: JSON.stringify(bots),
    };
    const lines: string[] = [];
    const code = await preflightMain("dev", config, (s) => lines.push(s), {}, opts.identity);
    const text = lines.join("\n");
    const after = (await t.admin.get<{ entries: unknown[] }>("/audit")).entries.length;
    const calls = callsOf(await t.admin.get<Stats>("/stats")) - callsBefore;
    const marked = (mark: string): string[] => text.split("\n").filter((l) => l.startsWith(mark));
    return { code, text, failures: marked("✗"), warnings: marked("⚠"), writes: after - before, calls };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await closeTenants();
    await t.stop();
  }
}

describe("preflight", () => {
  test("all ✓ on the dev stack's bots: exit 0, zero writes", async () => {
    const r = await run();
    expect(r.failures).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.writes).toBe(0);
    for (const expected of [
      "✓ Credential: token for Microsoft Graph",
      "✓ Credential: token for the Teams admin API",
      "✓ Graph app roles",
      "✓ Entra role: Teams Administrator (wids claim)",
      `✓ PowerShell 7.4.6, MicrosoftTeams ${TEAMS_MODULE_FLOOR}`,
      // A first run: no bot's account exists; the probe lists the tenant's accounts (one auto attendant).
      "✓ Teams cmdlets app-only: Get-CsOnlineApplicationInstance lists 1 resource account(s)",
      "✓ Free PHONESYSTEM_VIRTUALUSER seats: 25 for 3 bot(s)",
      "✓ incident-bot: +14255550100 (CallingPlan): in the tenant",
      "✓ incident-bot: usage location US matches",
      // The dev stack's Direct Routing number is not in the inventory until assigned (issue 11).
      "✓ reception-bot: +14255550200 (DirectRouting): not in the inventory, allowed (Direct Routing numbers are assigned directly)",
      "✓ survey-bot: +14255550300 (OperatorConnect): in the tenant",
      "All checks passed.",
    ])
      expect(r.text).toContain(expected);
  });

  test("--identity preview: the read-only preview app passes (read permissions, Global Reader, no write), zero writes", async () => {
    const r = await run({ identity: "preview", clientId: PREVIEW_APP, secret: PREVIEW_SECRET });
    expect(r.failures).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.writes).toBe(0);
    for (const expected of [
      "✓ Credential: token for Microsoft Graph (preview identity, a client secret)",
      "✓ Graph app roles: User.Read.All, Organization.Read.All, TeamsTelephoneNumber.Read.All",
      "✓ Entra role: Global Reader (wids claim)",
      "✓ Read-only: the preview identity holds no write permission or role",
      "✓ Teams cmdlets app-only",
      "✓ incident-bot: +14255550100 (CallingPlan): in the tenant",
    ])
      expect(r.text).toContain(expected);
    expect(r.warnings).toEqual([]);
  });

  test("--identity preview: an app holding Teams Reader (not Global Reader) passes, zero writes", async () => {
    const r = await run({
      identity: "preview",
      clientId: TEAMS_READER_APP.clientId,
      secret: TEAMS_READER_APP.secrets[0]!,
    });
    expect(r.failures).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.writes).toBe(0);
    for (const expected of [
      "✓ Entra role: Teams Reader (wids claim)",
      "✓ Read-only: the preview identity holds no write permission or role",
      "✓ Teams cmdlets app-only: Get-CsOnlineApplicationInstance lists 1 resource account(s)",
    ])
      expect(r.text).toContain(expected);
  });

  test("a Teams token without a wids claim: the role line is a ⚠, the Teams probe runs and passes, exit 0", async () => {
    const r = await run({ fixture: (f) => (f.apps[0]!.widsClaim = false) });
    expect(r.failures).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.writes).toBe(0);
    expect(r.warnings).toEqual(["⚠ Entra role: not in the token (no wids claim)"]);
    expect(r.text).toMatch(
      /⚠ Entra role: not in the token \(no wids claim\)\n\s+the Teams admin API token carries no wids claim \(Microsoft: a claim is present only when it has a value.*\n\s+fix: Check that the app's service principal holds Teams Administrator, Teams Communications Administrator, Teams Telephony Administrator or Global Administrator/,
    );
    expect(r.text).toContain("✓ Teams cmdlets app-only: Get-CsOnlineApplicationInstance lists 1 resource account(s)");
    expect(r.text).toContain("All checks passed.");
  });

  test("a token without wids and no role at all: ⚠ for the claim, ✗ once from the Teams probe naming the role", async () => {
    const r = await run({
      fixture: (f) => Object.assign(f.apps[0]!, { widsClaim: false, directoryRoles: [] }),
    });
    expect(r.warnings).toEqual(["⚠ Entra role: not in the token (no wids claim)"]);
    expect(r.failures).toEqual(["✗ Teams cmdlets app-only: Get-CsOnlineApplicationInstance"]);
    expect(r.text).toMatch(/fix: Give the app's service principal the Teams Administrator role/);
    expect(r.code).toBe(1);
    expect(r.writes).toBe(0);
  });

  test("--identity preview without wids in its tokens: ⚠ for the role and for the read-only check, exit 0", async () => {
    const r = await run({
      identity: "preview",
      clientId: PREVIEW_APP,
      secret: PREVIEW_SECRET,
      fixture: (f) => (f.apps[2]!.widsClaim = false),
    });
    expect(r.failures).toEqual([]);
    expect(r.warnings).toEqual([
      "⚠ Entra role: not in the token (no wids claim)",
      "⚠ Read-only: the preview identity's Graph token holds no write permission",
    ]);
    expect(r.text).toMatch(/fix: Check that the app's service principal holds Global Reader or Teams Reader/);
    expect(r.text).toContain("✓ Teams cmdlets app-only");
    expect(r.code).toBe(0);
  });

  test("a voice-only write role (Teams Telephony Administrator): ⚠ that creating accounts with it is undocumented, exit 0", async () => {
    const r = await run({ fixture: (f) => (f.apps[0]!.directoryRoles = [ROLES.teamsTelephonyAdministrator.id]) });
    expect(r.failures).toEqual([]);
    expect(r.warnings).toEqual(["⚠ Entra role: Teams Telephony Administrator (wids claim)"]);
    expect(r.text).toMatch(
      /not documented\n\s+fix: If creating a bot's account is refused, assign Teams Administrator/,
    );
    expect(r.text).toContain("✓ Teams cmdlets app-only");
    expect(r.code).toBe(0);
  });

  test("a bot's appId equal to the signing-in identity's client id (the preview app here): ✗ naming both keys, no tenant call", async () => {
    const r = await run({
      identity: "preview",
      clientId: PREVIEW_APP,
      secret: PREVIEW_SECRET,
      bots: (b) => (b[1]!.appId = PREVIEW_APP),
    });
    expect(r.code).toBe(1);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toMatch(/^✗ stack config of "dev": stack config teams-bot-numbers:bots is invalid/);
    expect(r.text).toContain(
      `bots[1].appId: teams-bot-numbers:bots[1].appId "${PREVIEW_APP}" is the client id the stack signs in with (teams-bot-numbers:clientId)`,
    );
    expect(r.calls).toBe(0);
    expect(r.writes).toBe(0);
  });

  test("--identity preview with the deploy app: ✗ it holds write permissions and Teams Administrator", async () => {
    const r = await run({ identity: "preview" });
    expect(r.code).toBe(1);
    expect(r.text).toMatch(
      /✗ Read-only preview identity\n\s+it holds User\.ReadWrite\.All, LicenseAssignment\.ReadWrite\.All, TeamsTelephoneNumber\.ReadWrite\.All, the Teams Administrator role: a pull request's code runs with this identity\n\s+fix: Remove the write permissions/,
    );
  });

  test("a Direct Routing number absent from the inventory is allowed", async () => {
    const r = await run({ bots: (b) => (b[1]!.phoneNumber = "+14255550299") });
    expect(r.failures).toEqual([]);
    expect(r.text).toContain("✓ reception-bot: +14255550299 (DirectRouting): not in the inventory, allowed");
    expect(r.code).toBe(0);
  });

  test("a bot app id without a service principal is a ⚠ (exit 0) when the deployer may read service principals", async () => {
    // The fixture's deployer holds Application.Read.All, as the preflight recommends.
    const r = await run({ bots: (b) => (b[1]!.appId = "0d0d0d0d-1111-4222-8333-444455556666") });
    expect(r.failures).toEqual([]);
    expect(r.text).toContain(
      "✓ incident-bot: app 6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10 has a service principal in the tenant",
    );
    expect(r.text).toMatch(
      /⚠ reception-bot: app 0d0d0d0d-1111-4222-8333-444455556666 has no service principal in the tenant\n.*usually a wrong appId.*\n.*fix: Check bots\[\]\.appId of reception-bot/,
    );
    expect(r.code).toBe(0);
    expect(r.writes).toBe(0);
    // Without a permission to read service principals the check is skipped, not failed.
    const plain = await run({
      fixture: (f: Fixture) =>
        (f.apps[0]!.graphRoles = f.apps[0]!.graphRoles.filter((x) => x !== "Application.Read.All")),
    });
    expect(plain.text).toContain("– Bot app ids have service principals in the tenant (skipped:");
  });

  const CASES: Array<[string, Parameters<typeof run>[0], RegExp, RegExp]> = [
    [
      "wrong client secret",
      { secret: "not-the-secret" },
      /^✗ Credential: token for Microsoft Graph/,
      /fix: Check tenantId, clientId and the credential/,
    ],
    [
      "without TeamsTelephoneNumber.ReadWrite.All",
      {
        fixture: (f) =>
          (f.apps[0]!.graphRoles = f.apps[0]!.graphRoles.filter((r) => r !== "TeamsTelephoneNumber.ReadWrite.All")),
      },
      /^✗ Graph app roles/,
      /fix: Add the Microsoft Graph application permission\(s\) TeamsTelephoneNumber\.ReadWrite\.All .*grant admin consent/,
    ],
    [
      "without the Teams Administrator role",
      {
        fixture: (f) =>
          (f.apps[0]!.directoryRoles = f.apps[0]!.directoryRoles.filter((r) => r !== TEAMS_ADMINISTRATOR)),
      },
      /^✗ Entra role: Teams Administrator/,
      // The probe runs all the same; Teams' refusal joins the role line (one cause, one ✗).
      /holds none of Teams Administrator, .*; Teams refused Get-CsOnlineApplicationInstance as well: .*Access denied.*\n\s+fix: Assign the Teams Administrator role to the app's service principal/,
    ],
    [
      "MicrosoftTeams below the floor",
      { env: { TEAMS_STANDIN_MODULE_VERSION: "6.0.0" } },
      /^✗ PowerShell 7 and the MicrosoftTeams module/,
      new RegExp(
        `MicrosoftTeams 6\\.0\\.0 .*\\n.*fix: In pwsh 7: Install-Module MicrosoftTeams -RequiredVersion ${TEAMS_MODULE_FLOOR.replaceAll(".", "\\.")}`,
      ),
    ],
    [
      "not enough PHONESYSTEM_VIRTUALUSER seats",
      {
        fixture: (f) => (f.skus.find((s) => s.skuPartNumber === "PHONESYSTEM_VIRTUALUSER")!.prepaidUnits.enabled = 2),
      },
      /^✗ Free PHONESYSTEM_VIRTUALUSER seats/,
      /3 bot\(s\) need a seat .*2 free\n.*fix: Add 1 Microsoft Teams Phone Resource Account licence/,
    ],
    [
      "a Calling Plan number the tenant does not have",
      { bots: (b) => (b[0]!.phoneNumber = "+14255550199") },
      /^✗ incident-bot: \+14255550199 \(CallingPlan\)$/,
      /fix: Acquire or port the number/,
    ],
    [
      "a number declared with the wrong type",
      { bots: (b) => (b[2]!.numberType = "CallingPlan") },
      /^✗ survey-bot: \+14255550300 \(CallingPlan\)$/,
      /the tenant has it as OperatorConnect\n.*fix: Set numberType of survey-bot/,
    ],
    [
      "usage location vs the Calling Plan number's country",
      { bots: (b) => (b[0]!.usageLocation = "GB") },
      /^✗ incident-bot: usage location vs Calling Plan number/,
      /usageLocation GB, the number is in US\n.*fix: .*set usageLocation: US for incident-bot/,
    ],
  ];

  test.each(CASES)("✗ once: %s (fix named, exit 1, zero writes)", async (_what, opts, failure, fix) => {
    const r = await run(opts);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toMatch(failure);
    expect(r.text).toMatch(fix);
    expect(r.code).toBe(1);
    expect(r.writes).toBe(0);
  });
});
