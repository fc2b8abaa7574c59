/**
 * The stacks program on the real engine against the emulator: preview from empty, up, no-op up,
 * number change, number move + bot removal, drift, destroy back to the seed, bad config.
 * The emulator's audit log proves the order of tenant calls.
 */
import type { AuditEntry as Audit } from "../../emulator/state";
import type { BotEntry } from "../../stacks/config";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";
import { secretEnv, stackConfigFor } from "../helpers/emulator-settings";
import { EngineHarness } from "./harness";

interface TenantDump {
  users: Array<{ id: string; userPrincipalName: string; licenses: Array<{ skuId: string }> }>;
  numbers: Array<{ telephoneNumber: string; assignmentTargetId: string | null }>;
}

const VIRTUAL_USER_SKU = "440eaaa8-b3e0-484b-a8be-62870b9ba70a";
/** Seats of the resource-account licence in use. */
const seatsUsed = (d: TenantDump): number =>
  d.users.filter((u) => u.licenses.some((l) => l.skuId === VIRTUAL_USER_SKU)).length;

const APP = {
  a: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
  b: "8b2e4c6a-1d3f-4a5b-8c7d-9e0f1a2b3c20",
  c: "1f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e30",
};
const bot = (name: string, appId: string, phoneNumber?: string, numberType?: string): BotEntry => ({
  name,
  userPrincipalName: `${name}@contoso.com`,
  displayName: name.replace(/-/g, " "),
  appId,
  usageLocation: "US",
  ...(phoneNumber ? { phoneNumber, numberType } : {}),
});

describe("bot numbers stack on the real engine", () => {
  let t: TestEmulator;
  let h: EngineHarness;
  let seed: TenantDump;

  const audit = (): Promise<Audit[]> => t.admin.audit();
  const dump = (): Promise<TenantDump> => t.admin.get<TenantDump>("/state");
  const setBots = (bots: unknown[]): Promise<void> => h.stack.setConfig("bots", { value: JSON.stringify(bots) });
  const idOf = async (upn: string): Promise<string> =>
    (await dump()).users.find((u) => u.userPrincipalName === upn)!.id;
  /** Who holds a number (null: unassigned, or a Direct Routing number that left the inventory). */
  const holderOf = async (n: string): Promise<string | null> =>
    (await dump()).numbers.find((x) => x.telephoneNumber === n)?.assignmentTargetId ?? null;
  /** Index of the first audit entry after `from` matching the predicate (-1 when none). */
  const at = (entries: Audit[], match: Partial<Audit>): number =>
    entries.findIndex((e) => Object.entries(match).every(([k, v]) => e[k as keyof Audit] === v));

  beforeAll(async () => {
    t = await startTestEmulator();
    seed = await dump();
    h = await EngineHarness.create({
      name: "stack",
      env: secretEnv(t),
      config: stackConfigFor(t),
    });
  });
  afterAll(async () => {
    await h?.dispose();
    await t?.stop();
  });

  test("bad config: every problem named by path, non-zero exit, no tenant call", async () => {
    await setBots([
      bot("alpha-bot", APP.a, "+14255550100", "CallingPlan"),
      bot("beta-bot", "not-a-guid", "425 555 0101", "Mobile"),
    ]);
    const r = await h.runStackProgram("preview");
    expect(r.exitCode).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain("bots[1].appId");
    expect(out).toContain('bots[1].phoneNumber: "425 555 0101" has no country code');
    expect(out).toContain('bots[1].numberType: "Mobile" is not a number type');
    expect(out).toContain("nothing was sent to the tenant");
    expect(await audit()).toEqual([]);
    const stats = await t.admin.get<Record<string, unknown>>("/stats");
    expect(JSON.stringify(stats)).not.toMatch(/"(graph|teams|entra)":\s*[1-9]/);
  });

  test("nil-GUID appId: preview fails naming bots[1].appId, no tenant call", async () => {
    await setBots([
      bot("alpha-bot", APP.a, "+14255550100", "CallingPlan"),
      bot("beta-bot", "00000000-0000-0000-0000-000000000000", "+14255550200", "DirectRouting"),
    ]);
    const r = await h.runStackProgram("preview");
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('bots[1].appId: "00000000-0000-0000-0000-000000000000" is a placeholder');
    expect(await audit()).toEqual([]);
    const stats = await t.admin.get<Record<string, unknown>>("/stats");
    expect(JSON.stringify(stats)).not.toMatch(/"(graph|teams|entra)":\s*[1-9]/);
  });

  test("a bot whose appId is the stack's own clientId: pulumi preview and the stack runner fail naming both keys, no tenant call", async () => {
    const clientId = stackConfigFor(t).clientId!.value;
    await setBots([
      bot("alpha-bot", APP.a, "+14255550100", "CallingPlan"),
      bot("beta-bot", clientId.toUpperCase(), "+14255550200", "DirectRouting"),
    ]);
    const message = `bots[1].appId: teams-bot-numbers:bots[1].appId "${clientId}" is the client id the stack signs in with (teams-bot-numbers:clientId)`;
    const r = await h.preview();
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(message);
    expect(r.stdout + r.stderr).toContain("nothing was sent to the tenant");
    const s = await h.runStackProgram("preview");
    expect(s.exitCode).toBe(1);
    expect(s.stderr).toContain(message);
    expect(await audit()).toEqual([]);
    const stats = await t.admin.get<Record<string, unknown>>("/stats");
    expect(JSON.stringify(stats)).not.toMatch(/"(graph|teams|entra|connect|arm|graphBatch)":\s*[1-9]/);
    expect(stats.tokenRequests).toBe(0);
  });

  test("a config error's whole output is one message: no stack trace, no preview summary", async () => {
    await setBots([bot("alpha-bot", "00000000-0000-0000-0000-000000000000", "425 555 0100", "CallingPlan")]);
    const r = await h.runStackProgram("preview");
    expect(r.exitCode).toBe(1);
    const out = `exit ${r.exitCode}\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`.replace(
      /ready in \S+/g,
      "ready in <cli dir>",
    );
    expect(out.split("stack config teams-bot-numbers:bots is invalid")).toHaveLength(2);
    expect(out).not.toMatch(/^\s+at /m);
    expect(out).not.toMatch(/Unhandled exception|to create|Resources:/);
    expect(out).toMatchSnapshot();
  });

  test("a config error under pulumi preview (the CLI runs the program through Pulumi's loader): one message, no Node warning, no stack trace", async () => {
    await setBots([bot("alpha-bot", APP.a, "+14255550100", "CallingPlan"), bot("Beta Bot", APP.b)]);
    const r = await h.preview();
    expect(r.exitCode).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out.match(/stack config teams-bot-numbers:bots is invalid/g)).toHaveLength(1);
    expect(out).toContain(`  - bots[1].name: "Beta Bot" must be lower-case letters, digits and dashes`);
    expect(out).not.toMatch(/Warning|\(node:\d+\)/);
    expect(out).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(await audit()).toEqual([]);
  });

  test("preview from empty lists the creates with readable type tokens and calls nothing mutating", async () => {
    await setBots([
      bot("alpha-bot", APP.a, "+1 425 555 0100", "CallingPlan"),
      bot("beta-bot", APP.b, "tel:+14255550200", "DirectRouting"),
      bot("gamma-bot", APP.c, "+14255550300", "OperatorConnect"),
    ]);
    const r = await h.preview();
    expect(r.exitCode).toBe(0);
    for (const type of ["ApplicationInstance", "VirtualUserLicense", "BotPhoneNumber"])
      expect(r.stdout).toContain(`pulumi-nodejs:dynamic/teams:${type}`);
    // stack + 3 × (component, account, licence, number) + the number plan
    expect(r.changes.create).toBe(14);
    expect(await audit()).toEqual([]);
  });

  test("up builds each chain in order: account, usage location, licence, number", async () => {
    const r = await h.up();
    if (r.exitCode !== 0) console.log(r.stdout, r.stderr);
    expect(r.exitCode).toBe(0);
    expect(r.changes.create).toBe(14);
    const entries = await audit();
    for (const [name, number] of [
      ["alpha-bot", "+14255550100"],
      ["beta-bot", "+14255550200"],
      ["gamma-bot", "+14255550300"],
    ]) {
      const id = await idOf(`${name}@contoso.com`);
      const created = at(entries, { operation: "New-CsOnlineApplicationInstance", outcome: "ok", target: id });
      const located = at(entries, { operation: "PATCH user", target: id, outcome: "ok" });
      const licensed = at(entries, { operation: "assignLicense", target: id, outcome: "ok" });
      const numbered = at(entries, { operation: "assignNumber", number, outcome: "ok" });
      expect([created, located, licensed, numbered].every((i) => i >= 0)).toBe(true);
      expect(created).toBeLessThan(located);
      expect(located).toBeLessThan(licensed);
      expect(licensed).toBeLessThan(numbered);
      expect(await holderOf(number)).toBe(id);
    }
    const outputs = (await h.stack.outputs()).bots.value as Record<string, Record<string, string>>;
    expect(outputs["beta-bot"]).toMatchObject({
      userPrincipalName: "beta-bot@contoso.com",
      phoneNumber: "+14255550200",
    });
  });

  test("bad config on a deployed stack fails the update and deletes nothing", async () => {
    const before = (await audit()).length;
    await setBots([
      bot("alpha-bot", APP.a, "+14255550100", "CallingPlan"),
      bot("beta-bot", APP.b, "+14255550200", "directrouting"),
      bot("gamma-bot", APP.c, "555-0300", "OperatorConnect"),
    ]);
    const r = await h.runStackProgram("up");
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('bots[2].phoneNumber: "555-0300" has no country code');
    expect((await audit()).length).toBe(before);
    expect(h.resources().filter((x) => x.type.startsWith("pulumi-nodejs:dynamic/teams:"))).toHaveLength(10);
    await setBots([
      bot("alpha-bot", APP.a, "+1 425 555 0100", "CallingPlan"),
      bot("beta-bot", APP.b, "tel:+14255550200", "DirectRouting"),
      bot("gamma-bot", APP.c, "+14255550300", "OperatorConnect"),
    ]);
  });

  test("a second up changes nothing", async () => {
    const before = (await audit()).length;
    const r = await h.up();
    expect(r.exitCode).toBe(0);
    expect(Object.keys(r.changes)).toEqual(["same"]);
    expect((await audit()).length).toBe(before);
  });

  test("changing one number updates that one resource: assign the new one, then unassign the old (never without a number)", async () => {
    await setBots([
      bot("alpha-bot", APP.a, "+14255550101", "CallingPlan"),
      bot("beta-bot", APP.b, "+14255550200", "DirectRouting"),
      bot("gamma-bot", APP.c, "+14255550300", "OperatorConnect"),
    ]);
    const p = await h.preview();
    expect(p.exitCode).toBe(0);
    expect(p.changes.update).toBe(2); // the number, and the stack's number plan that declares it
    expect(p.stdout).toMatch(/~ pulumi-nodejs:dynamic\/teams:BotPhoneNumber: \(update\)[\s\S]*alpha-bot-number/);
    const before = (await audit()).length;
    const r = await h.up();
    expect(r.exitCode).toBe(0);
    const entries = (await audit()).slice(before);
    const unassigned = at(entries, { operation: "unassignNumber", number: "+14255550100", outcome: "ok" });
    const assigned = at(entries, { operation: "assignNumber", number: "+14255550101", outcome: "ok" });
    expect(assigned).toBeGreaterThanOrEqual(0);
    expect(assigned).toBeLessThan(unassigned);
    expect(await holderOf("+14255550100")).toBeNull();
    expect(await holderOf("+14255550101")).toBe(await idOf("alpha-bot@contoso.com"));
  });

  test("moving a number between bots and removing a bot in one change", async () => {
    const gammaId = await idOf("gamma-bot@contoso.com");
    const seatsBefore = seatsUsed(await dump());
    // alpha's number goes to beta; alpha takes a new one; gamma is removed.
    await setBots([
      bot("alpha-bot", APP.a, "+14255550102", "CallingPlan"),
      bot("beta-bot", APP.b, "+14255550101", "CallingPlan"),
    ]);
    const before = (await audit()).length;
    const r = await h.up();
    if (r.exitCode !== 0) console.log(r.stdout, r.stderr);
    expect(r.exitCode).toBe(0);
    expect(await holderOf("+14255550101")).toBe(await idOf("beta-bot@contoso.com"));
    expect(await holderOf("+14255550102")).toBe(await idOf("alpha-bot@contoso.com"));
    expect(await holderOf("+14255550200")).toBeNull();
    // gamma: number, then licence, then account.
    const entries = (await audit()).slice(before);
    const unassigned = at(entries, { operation: "unassignNumber", number: "+14255550300", outcome: "ok" });
    const unlicensed = at(entries, { operation: "assignLicense", target: gammaId, outcome: "ok" });
    const deleted = at(entries, { operation: "DELETE user", target: gammaId, outcome: "ok" });
    expect([unassigned, unlicensed, deleted].every((i) => i >= 0)).toBe(true);
    expect(unassigned).toBeLessThan(unlicensed);
    expect(unlicensed).toBeLessThan(deleted);
    const after = await dump();
    expect(after.users.find((u) => u.id === gammaId)).toBeUndefined();
    expect(seatsUsed(after)).toBe(seatsBefore - 1);
  });

  test("external drift fails the drift check by name and up --refresh repairs it", async () => {
    await t.admin.post("/admin/unassignNumber", { telephoneNumber: "+14255550101" });
    const check = await h.preview({ refresh: true, expectNoChanges: true });
    expect(check.exitCode).not.toBe(0);
    expect(check.stdout + check.stderr).toContain("beta-bot-number");
    const r = await h.up({ refresh: true });
    expect(r.exitCode).toBe(0);
    expect(await holderOf("+14255550101")).toBe(await idOf("beta-bot@contoso.com"));
    const clean = await h.preview({ refresh: true, expectNoChanges: true });
    expect(clean.exitCode).toBe(0);
  });

  test("a failed up names the failure and its summary carries no raw colour markup", async () => {
    await setBots([
      bot("alpha-bot", APP.a, "+14255550102", "CallingPlan"),
      bot("beta-bot", APP.b, "+14255550101", "CallingPlan"),
      bot("delta-bot", APP.c, "+14255550999", "CallingPlan"), // not in the tenant's inventory
    ]);
    // The harness fails any run whose captured output holds `<{%`; the CLI writes this summary
    // line as `<{%fg 1%}>1 errored<{%reset%}>`.
    const r = await h.up();
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).toMatch(/^ {4}1 errored$/m);
    expect(r.stdout + r.stderr).toContain("+14255550999");
    // The error names the bot by its stack config entry and account (issue 20).
    expect(r.stdout + r.stderr).toMatch(/error: bots\[2\] \(delta-bot, delta-bot@contoso\.com\): /);
  });

  test("destroy returns the tenant to its seed", async () => {
    const r = await h.destroy();
    expect(r.exitCode).toBe(0);
    const now = await dump();
    const users = (d: TenantDump): string[] => d.users.map((u) => u.userPrincipalName).sort();
    const numbers = (d: TenantDump): string[] =>
      d.numbers.map((n) => `${n.telephoneNumber}=${n.assignmentTargetId}`).sort();
    expect(users(now)).toEqual(users(seed));
    expect(numbers(now)).toEqual(numbers(seed));
    expect(seatsUsed(now)).toBe(seatsUsed(seed));
    expect(h.resources()).toHaveLength(0);
  });
});
