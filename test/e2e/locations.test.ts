/**
 * Emergency locations handed back (issue 22 item 7), on the real engine against the emulator.
 * The stack records the location each number had when it claimed it (originalLocationId); destroy
 * and a removed `locationId` give it back where Microsoft allows (Set-CsPhoneNumberAssignment
 * -LocationId works on assigned and unassigned numbers; a Calling Plan number cannot lose its
 * location), else the declared one stays with a warning naming the bot and number. Removing a
 * declared location a Calling Plan number cannot lose is refused at preview, naming the bot.
 * regress-destroy-leaves-declared-locations, regress-unremovable-location-fails-every-up.
 */
import { loadFixture } from "../../emulator/fixture";
import type { AuditEntry as Audit } from "../../emulator/state";
import type { BotEntry } from "../../stacks/config";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";
import { secretEnv, stackConfigFor } from "../helpers/emulator-settings";
import { EngineHarness, EngineRun } from "./harness";

interface TenantDump {
  numbers: Array<{ telephoneNumber: string; assignmentTargetId: string | null; locationId: string | null }>;
}

/** The location the stack declares on every bot. */
const DECLARED = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
/** What the default fixture seeds on its Calling Plan and Operator Connect numbers. */
const SEEDED_CP = "3b1c5a7e-0a2d-4f6b-9c8e-1d2f3a4b5c61";
const SEEDED_OC = "9d4e2f1a-6b3c-4d5e-8f70-a1b2c3d4e5f6";
/** A US Calling Plan service number acquired without a location (in the US it comes with the assignment). */
const BARE_CP = "+14255550106";

const APP = {
  alpha: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
  beta: "8b2e4c6a-1d3f-4a5b-8c7d-9e0f1a2b3c20",
  gamma: "1f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e30",
  delta: "2a8f7e6d-5c4b-4a39-8d1e-0f9a8b7c6d40",
};
const NUMBERS = {
  alpha: { phoneNumber: "+14255550100", numberType: "CallingPlan", original: SEEDED_CP },
  beta: { phoneNumber: "+14255550300", numberType: "OperatorConnect", original: SEEDED_OC },
  gamma: { phoneNumber: "+14255550201", numberType: "DirectRouting", original: null },
  delta: { phoneNumber: BARE_CP, numberType: "CallingPlan", original: null },
} as const;
type Name = keyof typeof APP;
const NAMES = Object.keys(APP) as Name[];

const bot = (name: Name, declare = true): BotEntry => ({
  name: `${name}-bot`,
  userPrincipalName: `${name}-bot@contoso.com`,
  displayName: `${name} bot`,
  appId: APP[name],
  usageLocation: "US",
  phoneNumber: NUMBERS[name].phoneNumber,
  numberType: NUMBERS[name].numberType,
  ...(declare ? { locationId: DECLARED } : {}),
});

/** The default fixture and one Calling Plan service number without an emergency location. */
function fixture() {
  const f = loadFixture();
  const seeded = f.numbers.find((n) => n.telephoneNumber === "+14255550105")!;
  f.numbers.push({ ...seeded, telephoneNumber: BARE_CP, locationId: null, assignmentTargetId: null });
  return f;
}

describe("emergency locations handed back (real engine)", () => {
  let t: TestEmulator;
  let h: EngineHarness;

  const audit = (): Promise<Audit[]> => t.admin.audit();
  const locations = async (): Promise<Record<string, string | null>> => {
    const d = await t.admin.get<TenantDump>("/state");
    return Object.fromEntries(
      NAMES.map((n) => [n, d.numbers.find((x) => x.telephoneNumber === NUMBERS[n].phoneNumber)?.locationId ?? null]),
    );
  };
  const setBots = (bots: BotEntry[]): Promise<void> => h.stack.setConfig("bots", { value: JSON.stringify(bots) });
  const loud = (r: EngineRun): EngineRun => {
    if (r.exitCode !== 0 && !process.env.TBN_QUIET_E2E) console.log(r.stdout, r.stderr);
    return r;
  };
  const writesSince = async (from: number): Promise<string[]> =>
    (await audit())
      .slice(from)
      .filter(
        (e) => e.family !== "admin" && /Number|Assignment/.test(e.operation) && !/^Get|^list|^get/.test(e.operation),
      )
      .map((e) => `${e.operation} ${e.number ?? ""}`);

  beforeAll(async () => {
    t = await startTestEmulator(undefined, { fixture: fixture() as never });
    h = await EngineHarness.create({
      name: "locations",
      env: { ...secretEnv(t), TEAMS_POLL_INTERVAL_MS: "200" },
      config: stackConfigFor(t),
    });
    await setBots(NAMES.map((n) => bot(n)));
    expect(loud(await h.up()).exitCode).toBe(0);
  });
  afterAll(async () => {
    await h?.dispose();
    await t?.stop();
  });

  test("the stack records the location each number had before it took it", async () => {
    expect(await locations()).toEqual({ alpha: DECLARED, beta: DECLARED, gamma: DECLARED, delta: DECLARED });
    const recorded = Object.fromEntries(
      h
        .resources()
        .filter((r) => r.type.endsWith("BotPhoneNumber"))
        .map((r) => [r.outputs!.phoneNumber, r.outputs!.originalLocationId]),
    );
    expect(recorded).toEqual(Object.fromEntries(NAMES.map((n) => [NUMBERS[n].phoneNumber, NUMBERS[n].original])));
  });

  test("removing a location a Calling Plan number cannot lose is refused at preview, naming the bot and the way out", async () => {
    await setBots(NAMES.map((n) => bot(n, n !== "delta")));
    const before = (await audit()).length;
    for (const r of [await h.preview(), await h.up()]) {
      expect(r.exitCode).not.toBe(0);
      const out = r.stdout + r.stderr;
      expect(out).toContain(
        `bots[3] (delta-bot, delta-bot@contoso.com): removing locationId of ${BARE_CP}: ${BARE_CP} is a Calling Plan number: ` +
          "Microsoft supports removing a location only for Direct Routing and Operator Connect numbers, and it had no " +
          `location before the stack set one (LocationNotRemovable). Keep locationId in the bot's config: ${DECLARED} ` +
          "(the location it has now), or the emergency location the number should have (Get-CsOnlineLisLocation lists " +
          "them); a new one is set in the next `pulumi up`.",
      );
      // A refusal, not a crash: no stack trace.
      expect(out).not.toMatch(/^\s+at .*locationRemovalRefusal/m);
    }
    expect(await writesSince(before)).toEqual([]);
    expect(await locations()).toEqual({ alpha: DECLARED, beta: DECLARED, gamma: DECLARED, delta: DECLARED });
  });

  test("a removed locationId hands the original back", async () => {
    await setBots(NAMES.map((n) => bot(n, n !== "alpha")));
    expect(loud(await h.up()).exitCode).toBe(0);
    expect(await locations()).toEqual({ alpha: SEEDED_CP, beta: DECLARED, gamma: DECLARED, delta: DECLARED });
  });

  test("a swap: each number takes along the original its giver recorded", async () => {
    const swapped = (name: Name): BotEntry => {
      const other = name === "alpha" ? "beta" : name === "beta" ? "alpha" : name;
      return { ...bot(name), phoneNumber: NUMBERS[other].phoneNumber, numberType: NUMBERS[other].numberType };
    };
    await setBots(NAMES.map(swapped));
    expect(loud(await h.up()).exitCode).toBe(0);
    const recorded = Object.fromEntries(
      h
        .resources()
        .filter((r) => r.type.endsWith("BotPhoneNumber"))
        .map((r) => [
          r.outputs!.phoneNumber,
          [r.outputs!.userPrincipalName ?? r.outputs!.bot, r.outputs!.originalLocationId],
        ]),
    );
    expect(recorded[NUMBERS.alpha.phoneNumber]).toEqual([expect.stringContaining("beta-bot"), SEEDED_CP]);
    expect(recorded[NUMBERS.beta.phoneNumber]).toEqual([expect.stringContaining("alpha-bot"), SEEDED_OC]);
    expect(await locations()).toEqual({ alpha: DECLARED, beta: DECLARED, gamma: DECLARED, delta: DECLARED });
  });

  test("destroy: the numbers carry their original locations again, where Microsoft allows", async () => {
    const r = loud(await h.destroy());
    expect(r.exitCode).toBe(0);
    const d = await t.admin.get<TenantDump>("/state");
    for (const n of NAMES)
      expect([n, d.numbers.find((x) => x.telephoneNumber === NUMBERS[n].phoneNumber)?.assignmentTargetId]).toEqual([
        n,
        null,
      ]);
    // The Calling Plan number without a location of its own keeps the declared one, with a warning.
    expect(await locations()).toEqual({ alpha: SEEDED_CP, beta: SEEDED_OC, gamma: null, delta: DECLARED });
    expect(r.stdout + r.stderr).toContain(
      `bots[3] (delta-bot, delta-bot@contoso.com): warning: ${BARE_CP} keeps the emergency location the stack set ` +
        `(${DECLARED}): it had none before and Microsoft keeps a location on every Calling Plan number.`,
    );
  });
});
