/**
 * Least privilege: the deployer in the emulator fixture holds exactly the documented Graph app
 * roles and the Teams Administrator directory role. With each one removed in turn, the chain
 * account → licence → number (and back) fails with an error that names the missing permission,
 * or, for a documented permission that another one already covers, succeeds (a finding, recorded).
 */
import * as fs from "fs";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";

import { TenantError } from "../../provider/errors";
import { provider as applicationInstance } from "../../provider/resources/applicationInstance";
import { provider as botPhoneNumber } from "../../provider/resources/botPhoneNumber";
import { provider as virtualUserLicense } from "../../provider/resources/virtualUserLicense";
import { REPO_ROOT } from "../helpers/emulator";
import { captureProgress, checked, startHarness } from "../provider/harness";
import { recordResults, ResultRow } from "./support";

const rows: ResultRow[] = [];
const TEAMS_ADMINISTRATOR = "69091246-20e8-4a56-aa4d-066075b2a7a8";
const fixture = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "emulator", "fixtures", "default.json"), "utf8")) as {
  apps: Array<{ graphRoles: string[]; directoryRoles: string[] }>;
};
/** docs/real-tenant.md steps 2 and 3 (without createApp), with the recommended Application.Read.All. */
const DOCUMENTED_GRAPH_ROLES = [
  "User.ReadWrite.All",
  "LicenseAssignment.ReadWrite.All",
  "Organization.Read.All",
  "TeamsTelephoneNumber.ReadWrite.All",
  "Application.Read.All",
];

/** Runs the whole chain and its deletion; returns the first error. */
async function chain(): Promise<TenantError | undefined> {
  const progress = captureProgress();
  try {
    const a = applicationInstance as pulumi.dynamic.ResourceProvider;
    const l = virtualUserLicense as pulumi.dynamic.ResourceProvider;
    const n = botPhoneNumber as pulumi.dynamic.ResourceProvider;
    const account = await a.create(
      await checked(a, {
        userPrincipalName: "least-bot@contoso.com",
        displayName: "Least Bot",
        applicationId: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
        usageLocation: "US",
      }),
    );
    const licence = await l.create(await checked(l, { userId: account.id }));
    const number = await n.create(
      await checked(n, { instanceId: account.id, phoneNumber: "+14255550100", numberType: "CallingPlan" }),
    );
    await n.delete!(number.id, number.outs);
    await l.delete!(licence.id, licence.outs);
    await a.delete!(account.id, account.outs);
    return undefined;
  } catch (e) {
    return e as TenantError;
  } finally {
    progress.restore();
  }
}

describe("least privilege", () => {
  afterAll(() => recordResults("least-privilege", rows));

  test("the fixture's deployer holds exactly the documented app roles and the Teams Administrator role", () => {
    expect([...fixture.apps[0]!.graphRoles].sort()).toEqual([...DOCUMENTED_GRAPH_ROLES].sort());
    expect(fixture.apps[0]!.directoryRoles).toEqual([TEAMS_ADMINISTRATOR]);
  });

  const CASES: Array<[string, { graphRole?: string; directoryRole?: string }, RegExp | null]> = [
    [
      "User.ReadWrite.All",
      { graphRole: "User.ReadWrite.All" },
      // Refused before any tenant call: the token's roles lack it (issue 16, write-access.ts).
      /^creating resource account least-bot@contoso\.com: the signed-in identity \(app [0-9a-f-]+, with a client secret\) lacks User\.ReadWrite\.All; its Graph token grants LicenseAssignment\.ReadWrite\.All, Organization\.Read\.All, TeamsTelephoneNumber\.ReadWrite\.All, Application\.Read\.All\. Nothing was changed \(ReadOnlyIdentity\)/,
    ],
    ["Organization.Read.All", { graphRole: "Organization.Read.All" }, /Organization\.Read\.All/],
    [
      "TeamsTelephoneNumber.ReadWrite.All",
      { graphRole: "TeamsTelephoneNumber.ReadWrite.All" },
      // The number is read first (the emergency location it had before the stack claims it, issue 22):
      // Graph's own 403, named with the permission, before any write.
      /^reading number \+14255550100: Insufficient privileges .* lacks the Microsoft Graph application permission TeamsTelephoneNumber\.ReadWrite\.All that GET \/admin\/teams\/telephoneNumberManagement\/numberAssignments needs: add it and grant admin consent/,
    ],
    [
      "Teams Administrator (directory role)",
      { directoryRole: TEAMS_ADMINISTRATOR },
      /^creating resource account least-bot@contoso\.com: the signed-in identity .* lacks the Teams Administrator directory role; .*\(ReadOnlyIdentity\)/,
    ],
    // Documented, but User.ReadWrite.All already allows assignLicense and Organization.Read.All /subscribedSkus.
    ["LicenseAssignment.ReadWrite.All", { graphRole: "LicenseAssignment.ReadWrite.All" }, null],
    // Recommended for the preflight's service-principal check only: the chain does not need it.
    ["Application.Read.All", { graphRole: "Application.Read.All" }, null],
  ];

  test.each(CASES)("without %s", async (what, remove, expected) => {
    const custom = structuredClone(fixture) as { apps: Array<{ graphRoles: string[]; directoryRoles: string[] }> };
    const deployer = custom.apps[0]!;
    if (remove.graphRole) deployer.graphRoles = deployer.graphRoles.filter((r) => r !== remove.graphRole);
    if (remove.directoryRole)
      deployer.directoryRoles = deployer.directoryRoles.filter((r) => r !== remove.directoryRole);
    const h = await startHarness({}, { fixture: custom as never });
    try {
      await h.configure(applicationInstance as pulumi.dynamic.ResourceProvider);
      const error = await chain();
      const mutations = (await h.audit()).filter((e) => e.outcome === "ok");
      if (expected === null) {
        expect(error).toBeUndefined();
        rows.push({
          area: "least privilege",
          check: `without ${what}`,
          cases: 1,
          passed: 1,
          detail:
            what === "Application.Read.All"
              ? "the whole chain (create, licence, number, delete) works without it: it serves only the preflight's service-principal check (recommended, optional)"
              : "FINDING: the whole chain (create, licence, number, delete) still works: User.ReadWrite.All covers assignLicense, Organization.Read.All covers /subscribedSkus; the permission can be dropped from the documented set",
        });
        return;
      }
      expect(error).toBeInstanceOf(TenantError);
      expect(error!.message).toMatch(expected);
      const key = what.replace(" (directory role)", "");
      const named = error!.message.split(/(?<=\.) /).find((sentence) => sentence.includes(key));
      expect(named).toBeDefined();
      rows.push({
        area: "least privilege",
        check: `without ${what}`,
        cases: 1,
        passed: 1,
        detail: `fails naming it: "${named}"; ${mutations.length} successful mutating calls before it`,
      });
    } finally {
      await h.stop();
    }
  });
});
