/**
 * Emergency locations handed back (issue 22 item 7), on the in-memory tenant: the original is
 * recorded at the claim, delete and a number change give it back where the tenant allows, and a
 * Calling Plan number that had none keeps the declared one with a warning naming the bot and number.
 * The engine test (test/e2e/locations.test.ts) runs the same against the emulator.
 */
import type * as pulumi from "@pulumi/pulumi";

import { TenantError } from "../../provider/errors";
import { provider as typed } from "../../provider/resources/botPhoneNumber";
import { useTenant, type NumberAssignment, type NumberOps, type WriteGuard } from "../../provider/tenant";
import { locationService, resetOriginals } from "../../provider/tenant/numbers/locations";
import { FakeTenant } from "../helpers/fake-tenant";
import { captureProgress, checked, rejection } from "./harness";

const p = typed as pulumi.dynamic.ResourceProvider;
const APP = "b2a4c6e8-1111-4222-8333-944455556666";
const BOT = "bots[0] (loc-bot, loc-bot@contoso.com)";
const ORIGINAL = "3b1c5a7e-0a2d-4f6b-9c8e-1d2f3a4b5c61";
const DECLARED = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

describe("emergency locations handed back (fake tenant)", () => {
  let fake: FakeTenant;
  let progress: ReturnType<typeof captureProgress>;
  let instanceId: string;
  beforeEach(() => {
    fake = new FakeTenant();
    useTenant(fake);
    resetOriginals();
    progress = captureProgress();
    instanceId = fake.addAccount("loc-bot@contoso.com", APP);
  });
  afterEach(() => {
    progress.restore();
    useTenant(undefined);
  });
  const create = async (phoneNumber: string, numberType: string, extra: Record<string, unknown> = {}) => {
    const inputs = await checked<Record<string, unknown>>(p, {
      instanceId,
      phoneNumber,
      numberType,
      bot: BOT,
      ...extra,
    });
    const r = await p.create(inputs);
    return { id: r.id, outs: r.outs as Record<string, unknown>, inputs };
  };
  const location = (n: string) => fake.records.get(n)?.locationId;

  test("create records the original; delete gives it back before the unassign", async () => {
    fake.addNumber("+14255550100", "CallingPlan", null, ORIGINAL);
    const { id, outs } = await create("+14255550100", "CallingPlan", { locationId: DECLARED });
    expect(outs).toMatchObject({ locationId: DECLARED, tenantLocationId: DECLARED, originalLocationId: ORIGINAL });
    await p.delete!(id, outs);
    expect(fake.calls.slice(-2)).toEqual([`numbers.setLocation ${ORIGINAL}`, "numbers.unassign +14255550100"]);
    expect(location("+14255550100")).toBe(ORIGINAL);
  });

  test("an undeclared location is never touched, and a number with none is recorded as null", async () => {
    fake.addNumber("+14255550200", "DirectRouting");
    const { id, outs } = await create("+14255550200", "DirectRouting");
    expect(outs.originalLocationId).toBeNull();
    fake.records.set("+14255550200", { ...fake.records.get("+14255550200")!, locationId: DECLARED });
    await p.delete!(id, outs);
    expect(fake.calls.filter((c) => c.startsWith("numbers.setLocation"))).toEqual([]);
  });

  test("a Calling Plan number that had none keeps the declared one: a warning names the bot and number, the unassign goes on", async () => {
    fake.addNumber("+14255550106", "CallingPlan");
    const { id, outs } = await create("+14255550106", "CallingPlan", { locationId: DECLARED });
    expect(outs.originalLocationId).toBeNull();
    await p.delete!(id, outs);
    expect(fake.calls.slice(-1)).toEqual(["numbers.unassign +14255550106"]);
    expect(fake.calls.filter((c) => c.startsWith("numbers.setLocation"))).toEqual([]);
    expect(location("+14255550106")).toBe(DECLARED);
    expect(progress.lines.join("")).toContain(
      `[teams] ${BOT}: warning: +14255550106 keeps the emergency location the stack set (${DECLARED}): it had none before ` +
        "and Microsoft keeps a location on every Calling Plan number. Set the location it should have with " +
        "Set-CsPhoneNumberAssignment -PhoneNumber +14255550106 -LocationId <id> (Get-CsOnlineLisLocation lists them)",
    );
  });

  test("a number change gives the old number its original back and records the new one's", async () => {
    fake.addNumber("+14255550100", "CallingPlan", null, ORIGINAL);
    fake.addNumber("+14255550300", "OperatorConnect", null, "9d4e2f1a-6b3c-4d5e-8f70-a1b2c3d4e5f6");
    const { id, outs, inputs } = await create("+14255550100", "CallingPlan", { locationId: DECLARED });
    const news = { ...inputs, phoneNumber: "+14255550300", numberType: "OperatorConnect" };
    await p.diff!(id, outs, news);
    const { outs: moved } = (await p.update!(id, outs, news)) as { outs: Record<string, unknown> };
    expect(moved).toMatchObject({
      tenantLocationId: DECLARED,
      originalLocationId: "9d4e2f1a-6b3c-4d5e-8f70-a1b2c3d4e5f6",
    });
    expect(location("+14255550100")).toBe(ORIGINAL);
    expect(fake.records.get("+14255550100")?.assignmentTargetId).toBeNull();
  });

  test("a number given up by another bot of the run carries the original that bot recorded", async () => {
    fake.addNumber("+14255550101", "CallingPlan", null, DECLARED);
    // The giver's diff (it moves to another number in this run) names the original it recorded.
    const giver = { instanceId: "0c8b3f1e-2222-4333-8444-955566667777", phoneNumber: "+14255550101" };
    await p.diff!(
      "giver",
      {
        ...giver,
        numberType: "CallingPlan",
        locationId: DECLARED,
        tenantLocationId: DECLARED,
        originalLocationId: ORIGINAL,
      },
      {
        ...giver,
        phoneNumber: "+14255550102",
        numberType: "CallingPlan",
        adopt: false,
      },
    );
    const { outs } = await create("+14255550101", "CallingPlan", { locationId: DECLARED });
    expect(outs.originalLocationId).toBe(ORIGINAL);
  });

  test("removing a declared location: the original comes back; on a Calling Plan number without one, diff refuses naming the bot", async () => {
    fake.addNumber("+14255550100", "CallingPlan", null, ORIGINAL);
    const kept = await create("+14255550100", "CallingPlan", { locationId: DECLARED });
    const { locationId: _a, ...undeclared } = kept.inputs;
    expect(await p.diff!(kept.id, kept.outs, undeclared)).toMatchObject({ changes: true });
    const { outs } = (await p.update!(kept.id, kept.outs, undeclared)) as { outs: Record<string, unknown> };
    expect(outs).toMatchObject({ tenantLocationId: ORIGINAL, originalLocationId: ORIGINAL });
    expect(outs.locationId).toBeUndefined();

    fake.addNumber("+14255550106", "CallingPlan");
    const bare = await create("+14255550106", "CallingPlan", { locationId: DECLARED });
    const { locationId: _b, ...removed } = bare.inputs;
    const e = await rejection(p.diff!(bare.id, bare.outs, removed));
    expect(e.message).toBe(
      `${BOT}: removing locationId of +14255550106: +14255550106 is a Calling Plan number: Microsoft supports removing ` +
        "a location only for Direct Routing and Operator Connect numbers, and it had no location before the stack set " +
        `one (LocationNotRemovable). Keep locationId in the bot's config: ${DECLARED} (the location it has now), or the ` +
        "emergency location the number should have (Get-CsOnlineLisLocation lists them); a new one is set in the next `pulumi up`.",
    );
    // A Direct Routing number may go back to none.
    fake.addNumber("+14255550200", "DirectRouting");
    const dr = await create("+14255550200", "DirectRouting", { locationId: DECLARED });
    const { locationId: _c, ...drUndeclared } = dr.inputs;
    await p.update!(dr.id, dr.outs, drUndeclared);
    expect(location("+14255550200")).toBeNull();
  });
});

describe("locations.restore", () => {
  const record = (locationId: string | null): NumberAssignment => ({
    telephoneNumber: "+14255550300",
    numberType: "operatorConnect",
    assignmentTargetId: "i",
    assignmentStatus: "voiceApplicationAssigned",
    activationState: "activated",
    locationId,
    capabilities: [],
  });
  const open: WriteGuard = { require: async () => undefined };
  const refusing = (error: TenantError): NumberOps => ({
    get: async () => record(DECLARED),
    assign: async () => undefined,
    unassign: async () => undefined,
    setLocation: async () => {
      throw error;
    },
    assignmentBlock: async () => undefined,
  });

  test("a refusal of the tenant (a service-desk-managed Operator Connect number) leaves the declared one with a warning", async () => {
    const progress = captureProgress();
    try {
      const refusal = new TenantError({
        operation: "x",
        status: 400,
        serviceCode: "BadRequest",
        reason: "not supported",
      });
      await locationService(refusing(refusal), open).restore({
        phoneNumber: "+14255550300",
        instanceId: "i",
        original: null,
        label: "+14255550300 on i",
        bot: BOT,
      });
      expect(progress.lines.join("")).toContain(
        `[teams] ${BOT}: warning: +14255550300 keeps the emergency location the stack set (${DECLARED}): it had none before and the tenant refused: not supported.`,
      );
    } finally {
      progress.restore();
    }
  });

  test("an original the tenant no longer accepts (a deleted location): the declared one stays, with a warning", async () => {
    const progress = captureProgress();
    try {
      const refusal = new TenantError({
        operation: "x",
        status: 400,
        serviceCode: "BadRequest",
        reason: "unknown location",
      });
      await locationService(refusing(refusal), open).restore({
        phoneNumber: "+14255550300",
        instanceId: "i",
        original: ORIGINAL,
        label: "+14255550300 on i",
        bot: BOT,
      });
      expect(progress.lines.join("")).toContain(
        `[teams] ${BOT}: warning: +14255550300 keeps the emergency location the stack set (${DECLARED}): setting its location from before (${ORIGINAL}) failed: the tenant refused: unknown location.`,
      );
    } finally {
      progress.restore();
    }
  });

  test("a failure that may pass (503) is not swallowed", async () => {
    const outage = new TenantError({ operation: "x", status: 503, reason: "Service Unavailable" });
    const restore = locationService(refusing(outage), open).restore({
      phoneNumber: "+14255550300",
      instanceId: "i",
      original: ORIGINAL,
      label: "+14255550300 on i",
    });
    expect((await rejection(restore)).status).toBe(503);
  });
});
