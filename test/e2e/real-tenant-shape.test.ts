/**
 * Issue 11 on the real engine, against an emulator seeded the way a real tenant looks: the Calling
 * Plan number carries an emergency location from acquisition, the Direct Routing number is not in
 * the inventory until assigned, and Teams (and licensing) lag behind Entra. A first `up` succeeds,
 * a second changes nothing and writes nothing, and a locationId the program declared and then
 * removed is cleared exactly once.
 */
import type { AuditEntry as Audit } from "../../emulator/state";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";
import { secretEnv, stackConfigFor } from "../helpers/emulator-settings";
import { EngineHarness } from "./harness";

interface TenantNumber {
  telephoneNumber: string;
  assignmentTargetId: string | null;
  locationId: string | null;
}

/** The location the default fixture gives its Calling Plan numbers. */
const SEEDED_CP_LOCATION = "3b1c5a7e-0a2d-4f6b-9c8e-1d2f3a4b5c61";
const DECLARED = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const CP = "+14255550100";
const DR = "+14255550200";

const bot = (name: string, appId: string, phoneNumber: string, numberType: string, locationId?: string) => ({
  name,
  userPrincipalName: `${name}@contoso.com`,
  displayName: name.replace(/-/g, " "),
  appId,
  usageLocation: "US",
  phoneNumber,
  numberType,
  ...(locationId ? { locationId } : {}),
});
const ALPHA = bot("alpha-bot", "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10", CP, "CallingPlan");
const beta = (locationId?: string) =>
  bot("beta-bot", "8b2e4c6a-1d3f-4a5b-8c7d-9e0f1a2b3c20", DR, "DirectRouting", locationId);

describe("real tenant shape on the real engine (issue 11)", () => {
  let t: TestEmulator;
  let h: EngineHarness;

  const audit = (): Promise<Audit[]> => t.admin.audit();
  const numberOf = async (n: string): Promise<TenantNumber | undefined> =>
    (await t.admin.get<{ numbers: TenantNumber[] }>("/state")).numbers.find((x) => x.telephoneNumber === n);
  const setBots = (bots: unknown[]): Promise<void> => h.stack.setConfig("bots", { value: JSON.stringify(bots) });
  const numberOutputs = (name: string): Record<string, unknown> =>
    h.resources().find((r) => r.urn.endsWith(`::${name}-number`))!.outputs!;
  const writes = (entries: Audit[]) => entries.map((e) => `${e.family} ${e.operation} ${e.number ?? ""}`.trim());

  beforeAll(async () => {
    // Teams and licensing lag behind Entra (short here; minutes in a real tenant).
    t = await startTestEmulator({ teamsLicenceLagMs: 2_000, usageLocationLagMs: 1_000 });
    h = await EngineHarness.create({
      name: "real-shape",
      env: { ...secretEnv(t), TEAMS_POLL_INTERVAL_MS: "250" },
      config: stackConfigFor(t),
    });
  });
  afterAll(async () => {
    await h?.dispose();
    await t?.stop();
  });

  test("the seed: a Calling Plan number with a location, a Direct Routing number outside the inventory", async () => {
    expect(await numberOf(CP)).toMatchObject({ assignmentTargetId: null, locationId: SEEDED_CP_LOCATION });
    expect(await numberOf(DR)).toBeUndefined();
  });

  test("first up succeeds through both lags; the tenant's location is reported, not taken over", async () => {
    await setBots([ALPHA, beta()]);
    const r = await h.up();
    if (r.exitCode !== 0) console.log(r.stdout, r.stderr);
    expect(r.exitCode).toBe(0);
    // The stack, the number plan, and per bot: component, account, licence, number.
    expect(r.changes.create).toBe(10);
    expect(r.stdout + r.stderr).toMatch(/Teams does not see the licence yet \(it lags behind Entra\)/);
    expect(await numberOf(CP)).toMatchObject({ locationId: SEEDED_CP_LOCATION });
    expect((await numberOf(DR))?.assignmentTargetId).toEqual(expect.any(String));
    expect(numberOutputs("alpha-bot")).toMatchObject({ tenantLocationId: SEEDED_CP_LOCATION });
    expect(numberOutputs("alpha-bot").locationId).toBeUndefined();
    // null (none) is kept in state: it tells later runs the locationId field is managed-when-declared.
    expect(numberOutputs("beta-bot")).toHaveProperty("tenantLocationId", null);
    expect(writes(await audit()).filter((w) => w.includes("updateNumber"))).toEqual([]);
  });

  test("second up: no changes, no write; the drift check is clean", async () => {
    const before = (await audit()).length;
    const r = await h.up();
    expect(r.exitCode).toBe(0);
    expect(Object.keys(r.changes)).toEqual(["same"]);
    expect((await audit()).slice(before)).toEqual([]);
    const check = await h.preview({ refresh: true, expectNoChanges: true });
    if (check.exitCode !== 0) console.log(check.stdout, check.stderr);
    expect(check.exitCode).toBe(0);
    expect((await audit()).slice(before)).toEqual([]);
  });

  test("a locationId declared, then removed: set once, cleared exactly once, then quiet", async () => {
    await setBots([ALPHA, beta(DECLARED)]);
    let before = (await audit()).length;
    expect((await h.up()).exitCode).toBe(0);
    expect(writes((await audit()).slice(before))).toEqual([`graph updateNumber ${DR}`]);
    expect(await numberOf(DR)).toMatchObject({ locationId: DECLARED });

    await setBots([ALPHA, beta()]);
    before = (await audit()).length;
    expect((await h.up()).exitCode).toBe(0);
    expect(writes((await audit()).slice(before))).toEqual([`graph updateNumber ${DR}`]);
    expect(await numberOf(DR)).toMatchObject({ locationId: null });

    before = (await audit()).length;
    const again = await h.up();
    expect(Object.keys(again.changes)).toEqual(["same"]);
    expect((await audit()).slice(before)).toEqual([]);
    // The Calling Plan number's location was never touched.
    expect(await numberOf(CP)).toMatchObject({ locationId: SEEDED_CP_LOCATION });
  });

  test("destroy: the Direct Routing number leaves the inventory, the Calling Plan one keeps its location", async () => {
    const r = await h.destroy();
    if (r.exitCode !== 0) console.log(r.stdout, r.stderr);
    expect(r.exitCode).toBe(0);
    expect(await numberOf(DR)).toBeUndefined();
    expect(await numberOf(CP)).toMatchObject({ assignmentTargetId: null, locationId: SEEDED_CP_LOCATION });
  });
});
