/**
 * One refused account costs only its own bot (issue 22 item 2), on the real engine against the
 * emulator: five existing resource accounts adopted with free numbers, one declared with another
 * application id; `pulumi up --continue-on-error` refuses that account, and the four others get
 * their numbers in the same run (tenant state), because the stack's NumberPlan takes plain config
 * values and depends on no account.
 */
import { brownfieldAccounts, brownfieldFixture } from "../../scripts/export/brownfield-fixture";
import type { BotEntry } from "../../stacks/config";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { secretEnv, stackConfigFor } from "../helpers/emulator-settings";
import { EngineHarness, type RunOptions } from "./harness";

/** Free Calling Plan service numbers of the default fixture (US). */
const NUMBERS = ["+14255550100", "+14255550101", "+14255550102", "+14255550103", "+14255550104"];
const OTHER_APP = "0f0f0f0f-1111-4222-8333-444455556666";

describe("one refused account costs only its own bot (real engine, --continue-on-error)", () => {
  let t: TestEmulator;
  let h: EngineHarness;
  // Five licensed, numberless US resource accounts of the brownfield tenant, adopted as they are.
  const accounts = brownfieldAccounts(48)
    .filter((a) => a.kind === "noNumber" && a.usageLocation === "US" && a.licensed)
    .slice(0, 5);
  const bots: BotEntry[] = accounts.map((a, i) => ({
    name: `bot-${i}`,
    userPrincipalName: a.userPrincipalName,
    displayName: a.displayName,
    appId: i === 2 ? OTHER_APP : a.applicationId,
    usageLocation: "US",
    phoneNumber: NUMBERS[i]!,
    numberType: "CallingPlan",
    adopt: true,
  }));

  beforeAll(async () => {
    t = await startTestEmulator(undefined, { fixture: brownfieldFixture(48) });
    h = await EngineHarness.create({
      name: "one-refused-account",
      env: { ...secretEnv(t), TEAMS_POLL_INTERVAL_MS: "200" },
      config: stackConfigFor(t),
    });
    await h.stack.setConfig("bots", { value: JSON.stringify(bots) });
  });
  afterAll(async () => {
    await h?.dispose();
    await t?.stop();
  });

  test("regress: a wrong appId on adopt refuses that bot; the four others get their numbers in the same run", async () => {
    expect(accounts).toHaveLength(5);
    // The Automation API passes it on as the CLI's --continue-on-error.
    const continueOnError: RunOptions & { continueOnError: boolean } = { continueOnError: true };
    const r = await h.up(continueOnError);
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(
      `adopting resource account ${accounts[2]!.userPrincipalName}: the existing account belongs to application ${accounts[2]!.applicationId}, not ${OTHER_APP} (AdoptMismatch)`,
    );
    const state = await t.admin.get<{ numbers: { telephoneNumber: string; assignmentTargetId: string | null }[] }>(
      "/state",
    );
    const holder = (n: string) => state.numbers.find((x) => x.telephoneNumber === n)?.assignmentTargetId ?? null;
    expect(NUMBERS.map(holder)).toEqual(accounts.map((a, i) => (i === 2 ? null : a.objectId)));
    const numbers = h.resources().filter((x) => x.type === "pulumi-nodejs:dynamic/teams:BotPhoneNumber");
    expect(numbers.map((x) => x.urn.split("::").pop()).sort()).toEqual([
      "bot-0-number",
      "bot-1-number",
      "bot-3-number",
      "bot-4-number",
    ]);
  });
});
