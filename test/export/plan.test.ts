/**
 * The export's pure parts: bot names from UPNs (valid under the stack config's rules, collisions
 * resolved deterministically), what needs a decision, what is skipped, and --check's comparison.
 * Snapshots here are hand-made (pure logic); the emulator runs are in export.test.ts.
 */
import { checkAdvice, checkTenant, hasUnmanaged } from "../../scripts/export/check";
import { assignNames, baseName, globToRegExp, planExport } from "../../scripts/export/plan";
import type { NumberAssignment, TenantSnapshot, TenantUser } from "../../scripts/export/read-tenant";
import { parseStackConfig } from "../../stacks/config";

const VU = "440eaaa8-b3e0-484b-a8be-62870b9ba70a";
const E5 = "06ebc4ee-1bb5-47dd-8120-11324bc54e06";
const AA = "ce933385-9390-45d1-9512-c8d228074e07";
const CQ = "11cd3e2e-fccb-42ad-ad00-878b93575e07";
const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const app = (n: number): string => `11111111-0000-4000-8000-${String(n).padStart(12, "0")}`;

/** A small tenant: account n has object id id(n), app app(n) unless given. */
function snapshot(
  accounts: { n: number; upn: string; appId?: string; licences?: string[]; usageLocation?: string | null }[],
  numbers: Partial<NumberAssignment>[] = [],
): TenantSnapshot {
  const users = new Map<string, TenantUser>();
  for (const a of accounts)
    users.set(id(a.n), {
      id: id(a.n),
      userPrincipalName: a.upn,
      displayName: `Account ${a.n}`,
      usageLocation: a.usageLocation === undefined ? "US" : a.usageLocation,
      assignedLicenses: (a.licences ?? [VU]).map((skuId) => ({ skuId, disabledPlans: [] })),
    });
  return {
    instances: accounts.map((a) => ({
      objectId: id(a.n),
      tenantId: null,
      userPrincipalName: a.upn,
      applicationId: a.appId ?? app(a.n),
      displayName: `Account ${a.n}`,
      phoneNumber: null,
    })),
    users,
    skuPartNumbers: new Map([
      [VU, "PHONESYSTEM_VIRTUALUSER"],
      [E5, "SPE_E5"],
    ]),
    numbers: numbers.map((n) => ({
      telephoneNumber: "",
      numberType: "CallingPlan",
      assignmentTargetId: null,
      assignmentStatus: "voiceApplicationAssigned",
      activationState: "activated",
      locationId: null,
      capabilities: ["voiceApplicationAssignment"],
      ...n,
    })),
  };
}

describe("bot names from user principal names", () => {
  test.each([
    ["incident-bot@contoso.com", "incident-bot"],
    ["Sales.Line@contoso.com", "sales-line"],
    ["sales_line@contoso.com", "sales-line"],
    ["1800-support@contoso.com", "bot-1800-support"],
    ["--weird..name--@contoso.com", "weird-name"],
    [`${"a".repeat(60)}@contoso.com`, "a".repeat(40)],
  ])("%s → %s (valid under the stack config rules)", (upn, name) => {
    expect(baseName(upn)).toBe(name);
    expect(() =>
      parseStackConfig({
        bots: [{ name, userPrincipalName: "x@contoso.com", displayName: "X", appId: app(1), usageLocation: "US" }],
      }),
    ).not.toThrow();
  });

  test("collisions get -2, -3 in UPN order, whatever order they come in, and avoid names already taken", () => {
    const upns = [
      "sales_line@b.com",
      "Sales.Line@a.com",
      "sales-line@c.com",
      `${"x".repeat(45)}@a.com`,
      `${"x".repeat(41)}@b.com`,
    ];
    const names = assignNames(upns, ["sales-line"]);
    expect(names.get("Sales.Line@a.com")).toBe("sales-line-2");
    // Code-unit order: "S" < "s", "-" < "_".
    expect(names.get("sales-line@c.com")).toBe("sales-line-3");
    expect(names.get("sales_line@b.com")).toBe("sales-line-4");
    // Both truncate to 40 x; the shorter UPN sorts first ("@" < "x") and keeps the plain name.
    expect(names.get(`${"x".repeat(41)}@b.com`)).toBe("x".repeat(40));
    expect(names.get(`${"x".repeat(45)}@a.com`)).toBe(`${"x".repeat(38)}-2`);
    expect(assignNames([...upns].reverse(), ["sales-line"])).toEqual(names);
  });

  test("globs match UPNs case-insensitively; regex characters are literal", () => {
    expect(globToRegExp("*-bot@contoso.com").test("Incident-Bot@Contoso.com")).toBe(true);
    expect(globToRegExp("*-bot@contoso.com").test("incident-bot@contoso.onmicrosoft.com")).toBe(false);
    expect(globToRegExp("a.b?@x.com").test("axbc@x.com")).toBe(false);
    expect(globToRegExp("a.b?@x.com").test("a.bc@x.com")).toBe(true);
  });
});

describe("planExport", () => {
  test("an account that matches everything becomes a bot with adopt: true, location and PascalCase number type", () => {
    const s = snapshot(
      [{ n: 1, upn: "incident-bot@contoso.com" }],
      [{ telephoneNumber: "+14255550100", numberType: "CallingPlan", assignmentTargetId: id(1), locationId: id(99) }],
    );
    const plan = planExport(s, { includeVoiceApps: false, existing: [] });
    expect(plan.bots).toEqual([
      {
        name: "incident-bot",
        userPrincipalName: "incident-bot@contoso.com",
        displayName: "Account 1",
        appId: app(1),
        usageLocation: "US",
        phoneNumber: "+14255550100",
        numberType: "CallingPlan",
        locationId: id(99),
        adopt: true,
      },
    ]);
    expect(plan.decisions).toEqual([]);
  });

  test("the zero-GUID location (Direct Routing without one) is no location", () => {
    const s = snapshot(
      [{ n: 1, upn: "dr-bot@contoso.com" }],
      [
        {
          telephoneNumber: "+12065550100",
          numberType: "DirectRouting",
          assignmentTargetId: id(1),
          locationId: "00000000-0000-0000-0000-000000000000",
        },
      ],
    );
    expect(planExport(s, { includeVoiceApps: false, existing: [] }).bots[0]).not.toHaveProperty("locationId");
  });

  test("what it cannot express needs a decision, with the reason, never dropped", () => {
    const s = snapshot(
      [
        { n: 1, upn: "unlicensed@contoso.com", licences: [] },
        { n: 2, upn: "e5@contoso.com", licences: [E5] },
        { n: 3, upn: "odd-number@contoso.com" },
        { n: 4, upn: "twice@contoso.com" },
        { n: 5, upn: "twice@contoso.com" },
        { n: 6, upn: "nowhere@contoso.com", usageLocation: null, licences: [] },
        { n: 7, upn: "unmapped@contoso.com", appId: "" },
      ],
      [{ telephoneNumber: "+14255550100", numberType: "Mobile", assignmentTargetId: id(3) }],
    );
    const plan = planExport(s, { includeVoiceApps: false, existing: [] });
    expect(plan.bots).toEqual([]);
    const why = Object.fromEntries(
      plan.decisions.map((d) => [`${d.userPrincipalName}#${d.objectId.slice(-1)}`, d.reasons.join(" | ")]),
    );
    expect(why["unlicensed@contoso.com#1"]).toMatch(/^no licence: `pulumi up` would assign PHONESYSTEM_VIRTUALUSER/);
    expect(why["e5@contoso.com#2"]).toMatch(/^licence SPE_E5 other than PHONESYSTEM_VIRTUALUSER/);
    expect(why["odd-number@contoso.com#3"]).toMatch(
      /number \+14255550100 has number type "Mobile", which the stack cannot tell/,
    );
    expect(why["twice@contoso.com#4"]).toMatch(/^2 resource accounts share this user principal name/);
    expect(why["twice@contoso.com#5"]).toMatch(/^2 resource accounts share this user principal name/);
    expect(why["nowhere@contoso.com#6"]).toMatch(/no usage location.*\| no licence/);
    expect(why["unmapped@contoso.com#7"]).toMatch(/^no application id/);
    // The draft keeps what could be stated, so uncommenting it is a small edit.
    const odd = plan.decisions.find((d) => d.userPrincipalName === "odd-number@contoso.com")!;
    expect(odd.draft).toMatchObject({ name: "odd-number", phoneNumber: "+14255550100", adopt: true });
    expect(odd.draft).not.toHaveProperty("numberType");
  });

  test("a number on the account that the inventory does not list cannot be typed", () => {
    const s = snapshot([{ n: 1, upn: "dr@contoso.com" }]);
    s.instances[0]!.phoneNumber = "+12065550199";
    const plan = planExport(s, { includeVoiceApps: false, existing: [] });
    expect(plan.decisions[0]!.reasons[0]).toMatch(/\+12065550199 is on the account but not in the number inventory/);
  });

  test("voice apps are skipped unless asked for; --match and already declared accounts are skipped with why", () => {
    const s = snapshot([
      { n: 1, upn: "aa@contoso.com", appId: AA },
      { n: 2, upn: "cq@contoso.com", appId: CQ },
      { n: 3, upn: "alpha-bot@contoso.com" },
      { n: 4, upn: "beta-bot@contoso.com" },
      { n: 5, upn: "reception@contoso.com" },
    ]);
    const existing = [{ name: "beta", userPrincipalName: "Beta-Bot@contoso.com" }];
    const plan = planExport(s, { includeVoiceApps: false, match: "*-bot@*", existing });
    expect(plan.bots.map((b) => b.name)).toEqual(["alpha-bot"]);
    expect(plan.skipped.map((x) => [x.userPrincipalName, x.reason])).toEqual([
      ["aa@contoso.com", "outside --match *-bot@*"],
      ["beta-bot@contoso.com", "already declared in the stack config (kept as it is)"],
      ["cq@contoso.com", "outside --match *-bot@*"],
      ["reception@contoso.com", "outside --match *-bot@*"],
    ]);
    const all = planExport(s, { includeVoiceApps: false, existing: [] });
    expect(all.skipped.map((x) => x.reason)).toEqual([
      "auto attendant account (--include-voice-apps exports it)",
      "call queue account (--include-voice-apps exports it)",
    ]);
    const voice = planExport(s, { includeVoiceApps: true, existing: [] });
    expect(voice.bots.find((b) => b.userPrincipalName === "aa@contoso.com")?.appId).toBe(AA);
    expect(voice.skipped).toEqual([]);
  });
});

describe("checkTenant", () => {
  const tenant = snapshot(
    [
      { n: 1, upn: "alpha-bot@contoso.com" },
      { n: 2, upn: "beta-bot@contoso.com" },
      { n: 3, upn: "aa@contoso.com", appId: AA },
      { n: 4, upn: "pending@contoso.com", licences: [] },
    ],
    [
      { telephoneNumber: "+14255550100", assignmentTargetId: id(1) },
      { telephoneNumber: "+14255550101", assignmentTargetId: id(2) },
      { telephoneNumber: "+14255550102", assignmentTargetId: id(3) },
      { telephoneNumber: "+14255550103", assignmentTargetId: null },
      { telephoneNumber: "+14255550104", assignmentTargetId: id(4) },
    ],
  );
  const bots = parseStackConfig({
    bots: [
      {
        name: "alpha",
        userPrincipalName: "alpha-bot@contoso.com",
        displayName: "A",
        appId: app(1),
        usageLocation: "US",
        phoneNumber: "+1 425 555 0100",
        numberType: "CallingPlan",
      },
      { name: "gone", userPrincipalName: "gone-bot@contoso.com", displayName: "G", appId: app(9), usageLocation: "US" },
      {
        name: "wrong",
        userPrincipalName: "beta-bot@contoso.com",
        displayName: "B",
        appId: app(2),
        usageLocation: "US",
        phoneNumber: "+14255550103",
        numberType: "CallingPlan",
      },
    ],
  }).bots;

  test("lists unmanaged numbers on declared accounts, missing accounts and numbers, and pending decisions apart", () => {
    const r = checkTenant(tenant, bots, {
      includeVoiceApps: false,
      pendingDecisions: new Set(["pending@contoso.com"]),
    });
    expect(r.unmanagedAccounts).toEqual([]);
    expect(r.unmanagedNumbers).toEqual([
      {
        telephoneNumber: "+14255550101",
        numberType: "CallingPlan",
        userPrincipalName: "beta-bot@contoso.com",
        bot: "wrong",
      },
    ]);
    expect(r.awaitingDecision.map((a) => a.userPrincipalName)).toEqual(["pending@contoso.com"]);
    expect(r.missing).toEqual([
      { bot: "gone", what: "no resource account gone-bot@contoso.com", kind: "account" },
      {
        bot: "wrong",
        what: "number +14255550103 is not assigned, not to beta-bot@contoso.com",
        kind: "notOnAccount",
      },
    ]);
    expect(r.outOfScope).toBe(1);
    expect(hasUnmanaged(r)).toBe(true);
  });

  test("advice per kind of finding: a number on a declared bot names the keys to add to that bot, not the export", () => {
    const r = checkTenant(tenant, bots, { includeVoiceApps: true, pendingDecisions: new Set() });
    const advice = checkAdvice(r, "Pulumi.prod.yaml", "prod");
    const onBot = advice.filter((a) => a.startsWith("number +14255550101 on bot wrong"));
    expect(onBot).toHaveLength(1);
    expect(onBot[0]).toContain(
      'add `phoneNumber: "+14255550101"` and `numberType: CallingPlan` to bot wrong in Pulumi.prod.yaml',
    );
    expect(onBot[0]).not.toContain("npm run export --");
    // Accounts no bot declares (and the numbers on them): the export declares them.
    expect(advice.filter((a) => a.includes("npm run export -- --stack prod"))).toEqual([
      expect.stringMatching(/^unmanaged account \(and its number\): /),
    ]);
    expect(advice.some((a) => a.startsWith("no resource account: `pulumi up` creates"))).toBe(true);
    expect(advice.some((a) => a.startsWith("number not on the bot's account: `pulumi up` assigns it"))).toBe(true);
    expect(advice.some((a) => a.startsWith("awaiting a decision"))).toBe(false);

    const pending = checkAdvice(
      checkTenant(tenant, bots, { includeVoiceApps: false, pendingDecisions: new Set(["pending@contoso.com"]) }),
      "Pulumi.prod.yaml",
      "prod",
    );
    expect(pending.some((a) => a.startsWith("awaiting a decision: read the reason in Pulumi.prod.yaml"))).toBe(true);
    expect(pending.some((a) => a.startsWith("unmanaged account"))).toBe(false);
  });

  test("without the decision mark the account and its number count as unmanaged; voice apps only when included", () => {
    const r = checkTenant(tenant, bots, { includeVoiceApps: true, pendingDecisions: new Set() });
    expect(r.unmanagedAccounts.map((a) => a.userPrincipalName)).toEqual(["aa@contoso.com", "pending@contoso.com"]);
    expect(r.unmanagedNumbers.map((n) => n.telephoneNumber)).toEqual(["+14255550101", "+14255550102", "+14255550104"]);
  });

  test("nothing unmanaged when every in-scope account and number is declared", () => {
    const r = checkTenant(tenant, bots, { includeVoiceApps: false, match: "alpha-*", pendingDecisions: new Set() });
    expect(hasUnmanaged(r)).toBe(false);
    expect(r.missing).toEqual([]);
  });
});
