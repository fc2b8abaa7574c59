/**
 * Moves that check before they release (issue 22 item 1), on the real engine against the emulator:
 * a target with an assignment block, a Calling Plan number of another country than the account's
 * usage location, or a number without the voice-application capability is refused before any
 * number is touched, naming the bot and the number; a chain whose last target is free claims
 * before it releases, so no bot is without a number before its own claim (the audit log shows it).
 */
import type { FixtureInput } from "../../emulator";
import { loadFixture } from "../../emulator/fixture";
import type { AuditEntry } from "../../emulator/state";
import type { BotEntry } from "../../stacks/config";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { secretEnv, stackConfigFor } from "../helpers/emulator-settings";
import { cmdlet } from "../helpers/tenant-clients";
import { EngineHarness, type EngineRun } from "./harness";

const APP = {
  alpha: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
  beta: "8b2e4c6a-1d3f-4a5b-8c7d-9e0f1a2b3c20",
  gamma: "1f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e30",
};
/** Calling Plan service numbers of the default fixture (US). */
const N = { a: "+14255550100", b: "+14255550101", c: "+14255550102", d: "+14255550103" };
/** A Calling Plan subscriber number of the default fixture: UserAssignment only, no VoiceApplicationAssignment. */
const USER_ONLY = "+14255550150";
/** A British Calling Plan service number this test adds to the fixture. */
const LONDON = "+442079460100";

type Name = keyof typeof APP;
const bot = (name: Name, phoneNumber: string, extra: Partial<BotEntry> = {}): BotEntry => ({
  name: `${name}-bot`,
  userPrincipalName: `${name}-bot@contoso.com`,
  displayName: `${name[0]!.toUpperCase()}${name.slice(1)} Bot`,
  appId: APP[name],
  usageLocation: "US",
  phoneNumber,
  numberType: "CallingPlan",
  ...extra,
});

/** The default tenant with one British Calling Plan service number. */
function fixture(): FixtureInput {
  const f = structuredClone(loadFixture()) as unknown as { numbers: unknown[] };
  f.numbers.push({
    telephoneNumber: LONDON,
    numberType: "callingPlan",
    capabilities: ["conferenceAssignment", "voiceApplicationAssignment"],
    isoCountryCode: "GB",
    city: "London",
    operatorId: null,
    assignmentTargetId: null,
    locationId: "5e8f2a1c-3b4d-4c6e-9f70-8a1b2c3d4e5f",
    reverseNumberLookupOptions: [],
    tags: [],
  });
  return f as unknown as FixtureInput;
}

describe("moves check before they release (real engine)", () => {
  let t: TestEmulator;
  let h: EngineHarness;

  const audit = (): Promise<AuditEntry[]> => t.admin.audit();
  const setBots = (bots: unknown[]): Promise<void> => h.stack.setConfig("bots", { value: JSON.stringify(bots) });
  const holders = async (...numbers: string[]): Promise<Record<string, string | null>> => {
    const d = await t.admin.get<{
      users: { id: string; userPrincipalName: string }[];
      numbers: { telephoneNumber: string; assignmentTargetId: string | null }[];
    }>("/state");
    const names = new Map(d.users.map((u) => [u.id, u.userPrincipalName.replace(/-bot@contoso\.com$/, "")]));
    return Object.fromEntries(
      numbers.map((n) => {
        const id = d.numbers.find((x) => x.telephoneNumber === n)!.assignmentTargetId;
        return [n, id === null ? null : (names.get(id) ?? id)];
      }),
    );
  };
  /** Number writes since `from` (Graph operations and cmdlets), as "claim +1… by alpha" / "release …". */
  const numberWrites = async (from: number): Promise<string[]> => {
    const d = await t.admin.get<{ users: { id: string; userPrincipalName: string }[] }>("/state");
    const names = new Map(d.users.map((u) => [u.id, u.userPrincipalName.replace(/-bot@contoso\.com$/, "")]));
    return (await audit())
      .slice(from)
      .filter((e) => /assignNumber|unassignNumber|PhoneNumberAssignment$/.test(e.operation) && e.family !== "admin")
      .map(
        (e) =>
          `${/unassign|Remove/.test(e.operation) ? "release" : "claim"} ${e.number} by ${names.get(e.target ?? "") ?? e.target} ${e.outcome}`,
      );
  };
  const up = async (): Promise<EngineRun> => {
    const r = await h.up();
    if (r.exitCode !== 0 && !process.env.TBN_QUIET_E2E) console.log(r.stdout, r.stderr);
    return r;
  };

  beforeAll(async () => {
    t = await startTestEmulator(undefined, { fixture: fixture() });
    h = await EngineHarness.create({
      name: "moves-checks",
      env: { ...secretEnv(t), TEAMS_POLL_INTERVAL_MS: "200" },
      config: stackConfigFor(t),
    });
    await setBots([bot("alpha", N.a), bot("beta", N.b), bot("gamma", N.c)]);
    expect((await up()).exitCode).toBe(0);
  });
  afterAll(async () => {
    await h?.dispose();
    await t?.stop();
  });

  test("regress: a 3-bot rotation whose target carries an assignment block is refused before any write; no bot loses its number", async () => {
    const block = await cmdlet(t, "Set-CsPhoneNumberAssignmentBlock", {
      TelephoneNumber: N.b,
      AssignmentBlockedForever: true,
    });
    expect(block.status).toBe(200);
    // alpha a → b (blocked, held by beta), beta b → c, gamma c → a
    await setBots([bot("alpha", N.b), bot("beta", N.c), bot("gamma", N.a)]);
    const before = (await audit()).length;
    const r = await h.up();
    expect(r.exitCode).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain(
      `assigning number ${N.b} to alpha-bot@contoso.com: ${N.b} has an assignment block (until it is cleared)`,
    );
    expect(out).toContain(`Remove-CsPhoneNumberAssignmentBlock -TelephoneNumber ${N.b}`);
    expect(await numberWrites(before)).toEqual([]);
    expect(await holders(N.a, N.b, N.c)).toEqual({ [N.a]: "alpha", [N.b]: "beta", [N.c]: "gamma" });
    expect((await cmdlet(t, "Remove-CsPhoneNumberAssignmentBlock", { TelephoneNumber: N.b })).status).toBe(200);
  });

  test("a Calling Plan number of another country than the account's usage location is refused before any write", async () => {
    // A chain: beta b → a, alpha a → LONDON (free, GB) while alpha's usage location is US.
    await setBots([bot("alpha", LONDON), bot("beta", N.a), bot("gamma", N.c)]);
    const before = (await audit()).length;
    const r = await h.up();
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(
      `assigning number ${LONDON} to alpha-bot@contoso.com: ${LONDON} is a Calling Plan number of GB, and the account's usage location is US`,
    );
    expect(await numberWrites(before)).toEqual([]);
    expect(await holders(N.a, N.b, LONDON)).toEqual({ [N.a]: "alpha", [N.b]: "beta", [LONDON]: null });
  });

  test("a number without the voice-application capability is refused before any write", async () => {
    await setBots([bot("alpha", USER_ONLY), bot("beta", N.a), bot("gamma", N.c)]);
    const before = (await audit()).length;
    const r = await h.up();
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(
      `assigning number ${USER_ONLY} to alpha-bot@contoso.com: ${USER_ONLY} lacks the VoiceApplicationAssignment capability`,
    );
    expect(await numberWrites(before)).toEqual([]);
    expect(await holders(N.a, N.b)).toEqual({ [N.a]: "alpha", [N.b]: "beta" });
  });

  test("regress: a chain with a free target at its end claims before it releases: no bot is numberless before its claim", async () => {
    // beta b → a, alpha a → d (free): alpha claims d, gives up a, beta claims a, gives up b.
    await setBots([bot("alpha", N.d), bot("beta", N.a), bot("gamma", N.c)]);
    const before = (await audit()).length;
    const r = await up();
    expect(r.exitCode).toBe(0);
    expect(await holders(N.a, N.b, N.d)).toEqual({ [N.a]: "beta", [N.b]: null, [N.d]: "alpha" });
    expect(await numberWrites(before)).toEqual([
      `claim ${N.d} by alpha ok`,
      `release ${N.a} by alpha ok`,
      `claim ${N.a} by beta ok`,
      `release ${N.b} by beta ok`,
    ]);
  });
});
