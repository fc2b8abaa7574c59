/**
 * Number plans of real previews: the real CLI runs `pulumi preview --json` on the stacks program
 * (Pulumi.yaml main) against the emulator, the plan is rendered from that JSON with tenant reads as
 * the read-only preview app, and kept as a snapshot (test/plan/__snapshots__). Then `pulumi up`
 * runs the same change and the tenant's audit log is held against the plan: the releases and claims
 * happen in the order the plan tells, the bots end with the numbers it shows, a refused move is
 * refused. Scenarios: swap, 4-bot rotation with type and location changes, a removed bot's number
 * going to a new bot, a move refused (number held outside the stack), a protected bot removed.
 */
import * as fs from "fs";
import * as path from "path";

import type { AuditEntry } from "../../emulator/state";
import { brownfieldFixture } from "../../scripts/export/brownfield-fixture";
import { parsePlanArgs, runPlan } from "../../scripts/plan";
import type { NumberPlanReport } from "../../scripts/plan/plan";
import { EngineHarness, type EngineRun } from "../e2e/harness";
import { exportWith } from "../export/helpers";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { stackConfigFor } from "../helpers/emulator-settings";
import { appSettings, PREVIEW_APP, previewJson, renderSaved, stableIds, trimPreview } from "./helpers";

const APP = {
  alpha: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
  beta: "8b2e4c6a-1d3f-4a5b-8c7d-9e0f1a2b3c20",
  gamma: "1f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e30",
  delta: "2a8f7e6d-5c4b-4a39-8d1e-0f9a8b7c6d40",
  epsilon: "3b7a6c5d-4e3f-4a28-9c1d-2e0f1a9b8c50",
};
const LOCATION = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
/** Calling Plan service numbers of the default fixture. */
const N = { a: "+14255550100", b: "+14255550101", c: "+14255550102", d: "+14255550103" };
/** A Direct Routing service number. */
const DR = "+14255550200";
/** A number of the fixture assigned to Adele Vance, a user outside the stack. */
const ADELES = "+14255550151";
/** Where the workflow tests find a saved preview (refreshed with TBN_UPDATE_PLAN_FIXTURES=1). */
const FIXTURES = path.join(__dirname, "..", "fixtures", "plan");

/** The example comment in docs/pull-request-plans.md (a ````markdown block: the plan holds ``` fences itself). */
function docsExample(): string {
  const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "pull-request-plans.md"), "utf8");
  const m = /^````markdown\n([\s\S]*?)^````$/m.exec(doc);
  if (!m) throw new Error("docs/pull-request-plans.md has no ````markdown example");
  return m[1]!;
}

type Name = keyof typeof APP;
const bot = (name: Name, phoneNumber?: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: `${name}-bot`,
  userPrincipalName: `${name}-bot@contoso.com`,
  displayName: `${name[0]!.toUpperCase()}${name.slice(1)} Bot`,
  appId: APP[name],
  usageLocation: "US",
  ...(phoneNumber ? { phoneNumber, numberType: "CallingPlan" } : {}),
  ...extra,
});

interface Dump {
  users: { id: string; userPrincipalName: string }[];
  numbers: { telephoneNumber: string; assignmentTargetId: string | null; locationId: string | null }[];
}

describe("number plans of real previews (real engine, emulator)", () => {
  let t: TestEmulator;
  let h: EngineHarness;
  let dir: string;

  const setBots = (bots: unknown[]): Promise<void> => h.stack.setConfig("bots", { value: JSON.stringify(bots) });
  const dump = (): Promise<Dump> => t.admin.get<Dump>("/state");
  /** The preview as the pipeline saves it, and its plan with tenant reads as the preview app. */
  const planOf = async (): Promise<{ json: string; code: number | null; plan: NumberPlanReport; markdown: string }> => {
    const p = await previewJson(h);
    // Labelled "prod", the stack the example pipelines plan.
    const r = await renderSaved(dir, "prod", p.json, { reader: appSettings(t, PREVIEW_APP) });
    return { json: p.json, code: p.code, plan: r.plan!, markdown: await stableIds(t, r.output) };
  };
  const up = async (): Promise<EngineRun> => {
    const r = await h.up();
    if (r.exitCode !== 0 && !process.env.TBN_QUIET_E2E) console.log(r.stdout, r.stderr);
    return r;
  };
  /** Completed number operations since `from`, as "release +1…" / "claim +1…". */
  const numberOps = async (from: number): Promise<string[]> =>
    ((await t.admin.audit()).slice(from) as AuditEntry[])
      .filter((e) => /^(unassignNumber|assignNumber)$/.test(e.operation) && e.family === "graph" && e.outcome === "ok")
      .map((e) => `${e.operation === "assignNumber" ? "claim" : "release"} ${e.number}`);
  /** Every group of the plan ran as it says: phase after phase (a cycle's releases before its claims, a chain's claim before each release), each step once. */
  const expectOrderOf = (plan: NumberPlanReport, ops: string[]): void => {
    for (const g of plan.groups) {
      const at = (op: string): number => {
        const i = ops.indexOf(op);
        expect([op, i >= 0]).toEqual([op, true]);
        return i;
      };
      const phases = g.phases.map((p) => p.map((s) => at(`${s.kind} ${s.phoneNumber}`)));
      for (let i = 1; i < phases.length; i++)
        expect([g.members, Math.max(...phases[i - 1]!) < Math.min(...phases[i]!)]).toEqual([g.members, true]);
    }
  };
  /** The tenant holds what the plan's "after" column says. */
  const expectHoldersAsPlanned = async (plan: NumberPlanReport): Promise<void> => {
    const d = await dump();
    const upnOf = new Map(d.users.map((u) => [u.id, u.userPrincipalName]));
    for (const r of plan.bots.filter((b) => b.after)) {
      const number = d.numbers.find((n) => n.telephoneNumber === r.after!.phoneNumber);
      const held = number?.assignmentTargetId;
      expect([r.name, held ? upnOf.get(held) : null]).toEqual([r.name, r.userPrincipalName]);
      // The emergency location the plan shows: declared, the tenant's kept, or none.
      expect([r.name, number?.locationId ?? null]).toEqual([r.name, r.after!.locationId ?? null]);
    }
  };

  beforeAll(async () => {
    t = await startTestEmulator();
    h = await EngineHarness.create({
      name: "plan",
      env: { AZURE_CLIENT_SECRET: t.clientSecret, TEAMS_POLL_INTERVAL_MS: "200" },
      config: stackConfigFor(t),
    });
    dir = path.join(h.dir, "plans");
    fs.mkdirSync(dir, { recursive: true });
    await setBots([
      bot("alpha", N.a),
      bot("beta", N.b),
      bot("gamma", N.c),
      bot("delta", DR, { numberType: "DirectRouting" }),
    ]);
    expect((await up()).exitCode).toBe(0);
  });
  afterAll(async () => {
    await h?.dispose();
    await t?.stop();
  });

  test("swap: alpha and beta trade numbers; the plan tells both releases, then both claims, and up does exactly that", async () => {
    await setBots([
      bot("alpha", N.b),
      bot("beta", N.a),
      bot("gamma", N.c),
      bot("delta", DR, { numberType: "DirectRouting" }),
    ]);
    const { json, code, plan, markdown } = await planOf();
    expect(code).toBe(0);
    expect(markdown).toMatchSnapshot("swap (markdown, tenant read)");
    // docs/pull-request-plans.md shows this very comment.
    expect(markdown).toBe(docsExample());
    expect(plan.groups.map((g) => [g.kind, g.members])).toEqual([["swap", ["alpha-bot", "beta-bot"]]]);
    // The answers a reviewer needs are in the comment itself.
    expect(markdown).toContain("**Without a number for a moment**: alpha-bot, beta-bot");
    expect(markdown).toContain("**Loses its number for good**: nobody.");
    expect(markdown).toContain("PHONESYSTEM_VIRTUALUSER: 0 new seats needed");
    // The same preview without tenant access: a config-only plan, marked as such.
    const configOnly = await renderSaved(dir, h.stackName, json, { format: "text" });
    expect(await stableIds(t, configOnly.output)).toMatchSnapshot("swap (text, config-only)");
    expect(configOnly.output).toContain("config-only plan: the tenant was not read (--no-tenant)");
    if (process.env.TBN_UPDATE_PLAN_FIXTURES) {
      fs.mkdirSync(FIXTURES, { recursive: true });
      fs.writeFileSync(path.join(FIXTURES, "swap.preview.json"), trimPreview(json));
    }

    // The Automation API's events give the same plan as the CLI's JSON.
    let fromEvents = "";
    let eventsErr = "";
    const events = await runPlan(
      parsePlanArgs([
        "--stack",
        h.stackName,
        "--format",
        "markdown",
        "--no-tenant",
        "--work-dir",
        path.join(h.dir, "work"),
        "--backend",
        `file://${h.backendDir}`,
        "--pulumi-home",
        path.join(h.dir, "home"),
      ]),
      {
        stdout: (s) => void (fromEvents += s),
        stderr: (s) => void (eventsErr += s),
        env: { AZURE_CLIENT_SECRET: t.clientSecret, TEAMS_POLL_INTERVAL_MS: "200" },
        cwd: dir,
      },
    );
    if (events.exitCode !== 0) console.log(eventsErr, fromEvents);
    expect(events.exitCode).toBe(0);
    expect(fromEvents).toBe((await renderSaved(dir, h.stackName, json)).output);

    const before = (await t.admin.audit()).length;
    expect((await up()).exitCode).toBe(0);
    const ops = await numberOps(before);
    expect(ops).toHaveLength(4);
    expectOrderOf(plan, ops);
    await expectHoldersAsPlanned(plan);
  });

  test("4-bot rotation with type and location changes: one cycle, four releases then four claims", async () => {
    // Now: alpha b, beta a, gamma c, delta DR. alpha → a (beta's), beta → c (gamma's), gamma → DR
    // (delta's: Calling Plan → Direct Routing, with a location), delta → b (alpha's: Direct Routing →
    // Calling Plan, with a location).
    await setBots([
      bot("alpha", N.a),
      bot("beta", N.c),
      bot("gamma", DR, { numberType: "DirectRouting", locationId: LOCATION }),
      bot("delta", N.b, { locationId: LOCATION }),
    ]);
    const { code, plan, markdown } = await planOf();
    expect(code).toBe(0);
    expect(markdown).toMatchSnapshot("rotation with type and location changes");
    expect(plan.groups.map((g) => [g.kind, g.cycle, g.members.length])).toEqual([["rotation", true, 4]]);
    expect(markdown).toContain("CallingPlan → DirectRouting");
    expect(markdown).toContain("DirectRouting → CallingPlan");

    const before = (await t.admin.audit()).length;
    expect((await up()).exitCode).toBe(0);
    const ops = await numberOps(before);
    expect(ops).toHaveLength(8);
    expectOrderOf(plan, ops);
    await expectHoldersAsPlanned(plan);
    const d = await dump();
    expect(d.numbers.find((n) => n.telephoneNumber === DR)?.locationId).toBe(LOCATION);
  });

  test("a removed bot's number goes to a new bot: the plan shows gamma losing it for good and epsilon claiming it once its account is ready", async () => {
    // Now: alpha a, beta c, gamma DR, delta b. gamma is removed; the new epsilon takes DR.
    await setBots([
      bot("alpha", N.a),
      bot("beta", N.c),
      bot("delta", N.b, { locationId: LOCATION }),
      bot("epsilon", DR, { numberType: "DirectRouting" }),
    ]);
    const { code, plan, markdown } = await planOf();
    expect(code).toBe(0);
    expect(markdown).toMatchSnapshot("removed bot's number to a new bot");
    expect(plan.groups.map((g) => [g.kind, g.members, g.waitsFor])).toEqual([
      ["chain", ["epsilon-bot", "gamma-bot"], ["epsilon-bot"]],
    ]);
    expect(markdown).toContain(`**Loses its number for good**: gamma-bot (${DR}, bot removed)`);
    // One seat for epsilon now, gamma's comes back at the end of the run.
    expect(plan.seats).toEqual([
      expect.objectContaining({ skuPartNumber: "PHONESYSTEM_VIRTUALUSER", needed: 1, freed: 1 }),
    ]);

    const before = (await t.admin.audit()).length;
    expect((await up()).exitCode).toBe(0);
    expectOrderOf(plan, await numberOps(before));
    await expectHoldersAsPlanned(plan);
  });

  test("a refused move: the plan names the holder outside the stack, and up refuses it the same way, changing nothing", async () => {
    await setBots([
      bot("alpha", N.a),
      bot("beta", ADELES),
      bot("delta", N.b, { locationId: LOCATION }),
      bot("epsilon", DR, { numberType: "DirectRouting" }),
    ]);
    const { code, plan, markdown } = await planOf();
    expect(code).toBe(0); // the engine's preview passes: only the tenant knows the number is taken
    expect(markdown).toMatchSnapshot("refused move");
    expect(plan.bots.find((r) => r.name === "beta-bot")?.refused).toContain(
      `${ADELES} is assigned to adele.vance@contoso.com (Adele Vance), which is not a bot of this stack`,
    );
    expect(markdown).toContain("**`pulumi up` would stop before changing anything**");
    // The command says so with its exit code.
    const cli = await renderSaved(dir, h.stackName, (await previewJson(h)).json, {
      reader: appSettings(t, PREVIEW_APP),
    });
    expect(cli.exitCode).toBe(1);

    const before = (await t.admin.audit()).length;
    const r = await h.up();
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(`${ADELES} is assigned to adele.vance@contoso.com (Adele Vance)`);
    expect(await numberOps(before)).toEqual([]);
  });

  test("a protected bot removed: the preview fails and the plan names the protected resources", async () => {
    await setBots([
      bot("alpha", N.a),
      bot("beta", N.c),
      bot("delta", N.b, { locationId: LOCATION }),
      bot("epsilon", DR, { numberType: "DirectRouting" }),
    ]);
    await h.stack.setConfig("protect", { value: "true" });
    expect((await up()).exitCode).toBe(0);
    await setBots([bot("alpha", N.a), bot("beta", N.c), bot("epsilon", DR, { numberType: "DirectRouting" })]);
    const { json, code, plan, markdown } = await planOf();
    expect(code).not.toBe(0);
    expect(markdown).toMatchSnapshot("protected bot removed");
    if (process.env.TBN_UPDATE_PLAN_FIXTURES)
      fs.writeFileSync(path.join(FIXTURES, "protected.preview.json"), trimPreview(json));
    expect(plan.previewFailed).toBe(true);
    expect(
      plan.warnings
        .filter((w) => w.kind === "protected")
        .map((w) => w.text)
        .join("\n"),
    ).toContain("delta-bot");
    // Unprotect (the documented first step), so the stack can be torn down.
    await setBots([
      bot("alpha", N.a),
      bot("beta", N.c),
      bot("delta", N.b, { locationId: LOCATION }),
      bot("epsilon", DR, { numberType: "DirectRouting" }),
    ]);
    await h.stack.setConfig("protect", { value: "false" });
    expect((await up()).exitCode).toBe(0);
    expect((await h.destroy()).exitCode).toBe(0);
  });
});

describe("number plan of a brownfield adoption (real engine, emulator)", () => {
  let t: TestEmulator;
  let h: EngineHarness;

  beforeAll(async () => {
    t = await startTestEmulator(undefined, { fixture: brownfieldFixture(14) });
    h = await EngineHarness.create({
      name: "plan-adopt",
      stackName: "adopt",
      env: { AZURE_CLIENT_SECRET: t.clientSecret, TEAMS_POLL_INTERVAL_MS: "50" },
      config: stackConfigFor(t),
    });
  });
  afterAll(async () => {
    await h?.dispose();
    await t?.stop();
  });

  test("adopt: every exported bot is taken over as the tenant has it: no move, no seat; up then writes nothing", async () => {
    const workDir = path.join(h.dir, "work");
    expect((await exportWith(t, ["--stack", "adopt", "--work-dir", workDir])).exitCode).toBe(0);
    const p = await previewJson(h);
    expect(p.code).toBe(0);
    const dir = path.join(h.dir, "plans");
    fs.mkdirSync(dir, { recursive: true });
    const r = await renderSaved(dir, "adopt", p.json, { reader: appSettings(t, PREVIEW_APP) });
    expect(r.output).toMatchSnapshot("brownfield adopt (markdown, tenant read)");
    const plan = r.plan!;
    expect(plan.bots.length).toBeGreaterThan(4);
    expect(plan.bots.every((b) => b.status === "adopted")).toBe(true);
    expect(plan.groups).toEqual([]);
    expect(plan.seats).toEqual([expect.objectContaining({ skuPartNumber: "PHONESYSTEM_VIRTUALUSER", needed: 0 })]);
    // Without the tenant the same preview cannot tell: it says so instead of guessing.
    const configOnly = await renderSaved(dir, "adopt", p.json, { format: "text" });
    expect(configOnly.output).toContain("(adopt: as the tenant has it)");
    expect(configOnly.plan!.seats[0]!.needed).toBe(plan.bots.length);

    // A preview identity without Organization.Read.All (the fixture's read-only auditor: User.Read.All
    // and TeamsTelephoneNumber.Read.All only): seats are unknown and the plan says why; the rest is read.
    const auditor = await renderSaved(dir, "adopt", p.json, {
      reader: appSettings(t, { clientId: t.reader.clientId, secret: t.reader.clientSecret }),
    });
    expect(auditor.plan!.tenant.read).toBe(true);
    expect(auditor.plan!.tenant.gaps).toEqual([expect.stringMatching(/^licence seats \(GET \/subscribedSkus\): /)]);
    expect(auditor.output).toContain("#### Not read from the tenant");
    expect(auditor.plan!.seats[0]!.enabled).toBeUndefined();
    expect(auditor.plan!.groups).toEqual([]);

    const before = (await t.admin.audit()).length;
    expect((await h.up()).exitCode).toBe(0);
    expect((await t.admin.audit()).slice(before)).toEqual([]);
  });
});

describe("number plan of outbound calling (real engine, emulator)", () => {
  let t: TestEmulator;
  let h: EngineHarness;
  let dir: string;
  const POLICY = "US-DirectRouting";

  const setBots = (bots: unknown[]): Promise<void> => h.stack.setConfig("bots", { value: JSON.stringify(bots) });
  /** The preview's plan with tenant reads as the preview app, in Markdown and text. */
  const planOf = async (): Promise<{ plan: NumberPlanReport; output: string; text: string }> => {
    const p = await previewJson(h);
    expect(p.code).toBe(0);
    const reader = appSettings(t, PREVIEW_APP);
    const r = await renderSaved(dir, "prod", p.json, { reader });
    const text = await renderSaved(dir, "prod", p.json, { reader, format: "text" });
    return { plan: r.plan!, output: await stableIds(t, r.output), text: await stableIds(t, text.output) };
  };

  beforeAll(async () => {
    t = await startTestEmulator();
    h = await EngineHarness.create({
      name: "plan-calling",
      env: { AZURE_CLIENT_SECRET: t.clientSecret, TEAMS_POLL_INTERVAL_MS: "200" },
      config: stackConfigFor(t),
    });
    dir = path.join(h.dir, "plans");
    fs.mkdirSync(dir, { recursive: true });
    await setBots([bot("alpha", N.a), bot("delta", DR, { numberType: "DirectRouting" })]);
    expect((await h.up()).exitCode).toBe(0);
  });
  afterAll(async () => {
    await h?.dispose();
    await t?.stop();
  });

  test("a bot gains a Pay-As-You-Go Calling Plan, another a voice routing policy: the licence column, the seats and the readiness warning say so", async () => {
    await setBots([
      bot("alpha", N.a, { outboundCalling: { callingPlan: "MCOPSTN_PAYG_1" } }),
      bot("delta", DR, { numberType: "DirectRouting", outboundCalling: { voiceRoutingPolicy: POLICY } }),
    ]);
    const { plan, output: markdown, text } = await planOf();
    expect(markdown).toMatchSnapshot("outbound calling added (markdown, tenant read)");
    expect(text).toMatchSnapshot("outbound calling added (text, tenant read)");

    const row = (name: string) => plan.bots.find((b) => b.name === name)!;
    expect(row("alpha-bot").outbound).toEqual({ kind: "callingPlan", op: "create", after: "MCOPSTN_PAYG_1" });
    expect(row("delta-bot").outbound).toEqual({ kind: "voiceRoutingPolicy", op: "create", after: POLICY });
    expect(plan.bots.map((b) => b.status)).toEqual(["changed", "changed"]);
    expect(markdown).toContain("| keep; outbound: + MCOPSTN_PAYG_1 (1 seat) |");
    expect(markdown).toContain(`| keep; outbound: + policy ${POLICY} |`);
    // The seat of the zone 1 PAYG SKU, found by its service plan (its part number is another name): 5 in the fixture.
    expect(plan.seats).toContainEqual(
      expect.objectContaining({ skuPartNumber: "MCOPSTN_PAYG_1", needed: 1, enabled: 5, consumed: 0 }),
    );
    // Neither bot declares its Azure Bot: the chain is not complete as declared.
    expect(plan.warnings.filter((w) => w.kind === "calling").map((w) => w.text.split(":")[0])).toEqual([
      "alpha-bot is not ready for calls as declared",
      "delta-bot is not ready for calls as declared",
    ]);

    expect((await h.up()).exitCode).toBe(0);
    // After the run the plan shows the outbound calling kept: nothing to approve.
    const again = (await planOf()).plan;
    expect(again.bots.map((b) => [b.name, b.status, b.outbound?.op, b.outbound?.after])).toEqual([
      ["alpha-bot", "unchanged", "keep", "MCOPSTN_PAYG_1"],
      ["delta-bot", "unchanged", "keep", POLICY],
    ]);

    // Removing outboundCalling from alpha: the plan shows the licence going and its seat freed.
    await setBots([
      bot("alpha", N.a),
      bot("delta", DR, { numberType: "DirectRouting", outboundCalling: { voiceRoutingPolicy: POLICY } }),
    ]);
    const removed = await planOf();
    expect(removed.plan.bots[0]!.outbound).toEqual({ kind: "callingPlan", op: "delete", before: "MCOPSTN_PAYG_1" });
    expect(removed.output).toContain("| keep; outbound: − MCOPSTN_PAYG_1 (seat freed) |");
    expect(removed.plan.seats).toContainEqual(expect.objectContaining({ skuPartNumber: "MCOPSTN_PAYG_1", freed: 1 }));
    expect((await h.destroy()).exitCode).toBe(0);
  });
});
