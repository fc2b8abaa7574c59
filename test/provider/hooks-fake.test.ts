/**
 * Fast hook tests: each resource module's hooks against an in-memory tenant (test/helpers/fake-tenant.ts)
 * through `useTenant`. They check what a hook asks of the services and what it records; the
 * emulator tests beside them prove the same hooks against real clients.
 */
import type * as pulumi from "@pulumi/pulumi";

import { TenantError } from "../../provider/errors";
import { RESOURCE_MODULE_NAMES, RESOURCE_MODULES, typeToken } from "../../provider/registry";
import { useTenant } from "../../provider/tenant";
import { FakeTenant, VIRTUAL_USER_SKU } from "../helpers/fake-tenant";
import { captureProgress, checked, rejection } from "./harness";

const APP = "b2a4c6e8-1111-4222-8333-944455556666";
type Hooks = pulumi.dynamic.ResourceProvider;
const hooks = async (name: (typeof RESOURCE_MODULE_NAMES)[number]): Promise<Hooks> =>
  (await import(`../../provider/resources/${name}`)).provider as Hooks;

describe("resource hooks on a fake tenant", () => {
  let fake: FakeTenant;
  let progress: ReturnType<typeof captureProgress>;
  beforeEach(() => {
    fake = new FakeTenant();
    useTenant(fake);
    progress = captureProgress();
  });
  afterEach(() => {
    progress.restore();
    useTenant(undefined);
  });

  test("registry: every module implements the hooks and registers its type token", async () => {
    for (const name of RESOURCE_MODULE_NAMES) {
      const module = await import(`../../provider/resources/${name}`);
      const p = module.provider as Hooks;
      expect([typeof p.check, typeof p.diff, typeof p.create, typeof p.read, typeof p.update, typeof p.delete]).toEqual(
        Array(6).fill("function"),
      );
      expect(typeof module[RESOURCE_MODULES[name].type]).toBe("function");
      expect(typeToken(name)).toBe(`pulumi-nodejs:dynamic/teams:${RESOURCE_MODULES[name].type}`);
    }
  });

  test("ApplicationInstance create: find or create, map, wait for Graph, patch; outputs from the tenant", async () => {
    const p = await hooks("applicationInstance");
    const inputs = await checked(p, {
      userPrincipalName: "Fake-Bot@Contoso.com",
      displayName: "Fake bot",
      applicationId: APP,
      usageLocation: "us",
    });
    const { id, outs } = await p.create(inputs);
    expect(fake.calls).toEqual([
      "accounts.findOrCreate fake-bot@contoso.com",
      `accounts.ensureMapping ${APP}`,
      "accounts.waitForUser present",
      "accounts.patch displayName,usageLocation",
    ]);
    expect(outs).toMatchObject({ objectId: id, applicationId: APP, usageLocation: "US", displayName: "Fake bot" });
  });

  test("ApplicationInstance update: a display name is patched; an application id change fails before any call", async () => {
    const p = await hooks("applicationInstance");
    const objectId = fake.addAccount("upd-bot@contoso.com", APP);
    const olds = await checked<Record<string, unknown>>(p, {
      userPrincipalName: "upd-bot@contoso.com",
      displayName: "upd-bot@contoso.com",
      applicationId: APP,
      usageLocation: "US",
    });
    const renamed = { ...olds, displayName: "Renamed" };
    const { outs } = (await p.update!(objectId, olds, renamed)) as { outs: Record<string, unknown> };
    expect(outs.displayName).toBe("Renamed");
    expect(fake.calls).toEqual([`accounts.ensureMapping ${APP}`, "accounts.patch displayName"]);
    fake.calls.length = 0;
    const other = { ...olds, applicationId: "0c8b3f1e-2222-4333-8444-955566667777" };
    expect((await rejection(p.update!(objectId, olds, other))).code).toBe("UnsupportedWithAppOnlyAuth");
    expect(fake.calls).toEqual([]);
  });

  test("VirtualUserLicense create then delete: seat and usage location checked before assigning", async () => {
    const p = await hooks("virtualUserLicense");
    const userId = fake.addAccount("lic-bot@contoso.com", APP);
    const { id, outs } = await p.create(await checked(p, { userId }));
    expect(id).toBe(`${userId}/${VIRTUAL_USER_SKU}`);
    expect(outs).toMatchObject({
      skuId: VIRTUAL_USER_SKU,
      servicePlanName: "MCOEV_VIRTUALUSER",
      servicePlanStatus: "Success",
    });
    expect(fake.calls).toEqual([
      "licences.requireUsageLocation",
      `licences.assign ${VIRTUAL_USER_SKU}`,
      "licences.waitForProvisioning",
    ]);
    await p.delete!(id, outs);
    expect(fake.calls.at(-1)).toBe(`licences.remove ${VIRTUAL_USER_SKU}`);
    // Gone already: delete succeeds without a call.
    await p.delete!(id, outs);
    expect(fake.calls.filter((c) => c.startsWith("licences.remove"))).toHaveLength(1);
  });

  test("BotPhoneNumber records a number already on the account, with or without adopt, without assigning", async () => {
    const p = await hooks("botPhoneNumber");
    const instanceId = fake.addAccount("num-bot@contoso.com", APP);
    fake.addNumber("+14255550100", "CallingPlan", instanceId);
    const base = { instanceId, phoneNumber: "+14255550100", numberType: "CallingPlan" };
    const found = await p.create(await checked(p, base));
    expect(found.outs).toMatchObject({ assignmentStatus: "voiceApplicationAssigned", adopt: false });
    const { outs } = await p.create(await checked(p, { ...base, adopt: true }));
    expect(outs).toMatchObject({ assignmentStatus: "voiceApplicationAssigned", adopt: true });
    expect(fake.calls.filter((c) => c.startsWith("numbers.assign"))).toEqual([]);
  });

  test("regress-adopt-checks-the-number-type: a number on the account with another type is refused, even with adopt", async () => {
    const p = await hooks("botPhoneNumber");
    const instanceId = fake.addAccount("typed-bot@contoso.com", APP);
    fake.addNumber("+14255550100", "CallingPlan", instanceId);
    const e = await rejection(
      p.create(await checked(p, { instanceId, phoneNumber: "+14255550100", numberType: "DirectRouting", adopt: true })),
    );
    expect(e.message).toContain(
      "+14255550100 is a CallingPlan number, not DirectRouting (NumberTypeMismatch). Set numberType to CallingPlan.",
    );
  });

  test("BotPhoneNumber update to a free number that fails: claimed first, so the old one was never given up and stays recorded", async () => {
    const p = await hooks("botPhoneNumber");
    const instanceId = fake.addAccount("move-bot@contoso.com", APP);
    fake.addNumber("+14255550100");
    fake.addNumber("+14255550101");
    fake.failingNumbers.add("+14255550101");
    const olds = await checked<Record<string, unknown>>(p, {
      instanceId,
      phoneNumber: "+14255550100",
      numberType: "CallingPlan",
    });
    const { id, outs } = await p.create(olds);
    const before = fake.calls.length;
    const e = (await rejection(p.update!(id, outs, { ...olds, phoneNumber: "+14255550101" }))) as TenantError;
    expect(e.reason).toBe("refused");
    expect(e.properties).toMatchObject({ phoneNumber: "+14255550100", assignmentStatus: "voiceApplicationAssigned" });
    expect(fake.calls.slice(before)).toEqual(["numbers.assign +14255550101"]);
  });

  test("BotPhoneNumber delete leaves a number alone that moved to another account", async () => {
    const p = await hooks("botPhoneNumber");
    const instanceId = fake.addAccount("del-bot@contoso.com", APP);
    fake.addNumber("+14255550100", "CallingPlan", "0c8b3f1e-2222-4333-8444-955566667777");
    const props = { instanceId, phoneNumber: "+14255550100", numberType: "CallingPlan", adopt: false };
    await p.delete!(`${instanceId}/+14255550100`, props);
    expect(fake.calls).toEqual([]);
    expect(progress.lines.join("")).toContain("left alone: now assigned to 0c8b3f1e-2222-4333-8444-955566667777");
  });

  test("regress-forgotten-write-check: a read-only identity is refused every change of every resource, before any tenant operation", async () => {
    const account = await hooks("applicationInstance");
    const licence = await hooks("virtualUserLicense");
    const number = await hooks("botPhoneNumber");
    const objectId = fake.addAccount("ro-bot@contoso.com", APP);
    fake.addNumber("+14255550100", "CallingPlan", objectId);
    fake.addNumber("+14255550101");
    const accountIn = await checked<Record<string, unknown>>(account, {
      userPrincipalName: "ro-bot@contoso.com",
      displayName: "ro-bot@contoso.com",
      applicationId: APP,
      usageLocation: "US",
    });
    const licenceIn = await checked<Record<string, unknown>>(licence, { userId: objectId });
    const licenceOut = {
      ...licenceIn,
      skuId: VIRTUAL_USER_SKU,
      servicePlanName: "MCOEV_VIRTUALUSER",
      servicePlanStatus: "Success",
    };
    const numberIn = await checked<Record<string, unknown>>(number, {
      instanceId: objectId,
      phoneNumber: "+14255550100",
      numberType: "CallingPlan",
    });
    const numberOut = {
      ...numberIn,
      assignmentStatus: "voiceApplicationAssigned",
      activationState: "activated",
      tenantLocationId: null,
    };
    const numberId = `${objectId}/+14255550100`;
    const licenceId = `${objectId}/${VIRTUAL_USER_SKU}`;
    fake.grants.clear();
    const changes: [string, () => Promise<unknown>][] = [
      ["account create", () => account.create(accountIn)],
      ["account update", () => account.update!(objectId, accountIn, { ...accountIn, displayName: "Renamed" })],
      ["account delete", () => account.delete!(objectId, accountIn)],
      ["licence create", () => licence.create(licenceIn)],
      [
        "licence update",
        () => licence.update!(licenceId, { ...licenceOut, servicePlanStatus: "PendingProvisioning" }, licenceIn),
      ],
      ["licence delete", () => licence.delete!(licenceId, licenceOut)],
      ["number create", () => number.create(numberIn)],
      ["number update", () => number.update!(numberId, numberOut, { ...numberIn, phoneNumber: "+14255550101" })],
      ["number delete", () => number.delete!(numberId, numberOut)],
    ];
    for (const [what, change] of changes)
      expect([what, (await rejection(change() as Promise<unknown>)).code]).toEqual([what, "ReadOnlyIdentity"]);
    expect(fake.calls).toEqual([]);
    expect(fake.refused).toEqual([
      "creating resource account ro-bot@contoso.com",
      "updating resource account ro-bot@contoso.com",
      "deleting resource account ro-bot@contoso.com",
      `assigning licence PHONESYSTEM_VIRTUALUSER to ${objectId}`,
      `changing licence PHONESYSTEM_VIRTUALUSER of ${objectId}`,
      `removing licence PHONESYSTEM_VIRTUALUSER from ${objectId}`,
      `assigning number +14255550100 to ${objectId}`,
      `changing number +14255550100 of ${objectId}`,
      "unassigning number +14255550100",
    ]);
  });
});

// Issue 20 review: one error reaching several bots' hooks (a token failure shared by concurrent calls)
// is named once per bot, never twice.
test("namedBy: each bot's error names that bot once, even when the hooks share one error", async () => {
  const { namedBy } = await import("../../provider/resources/common");
  const shared = new TenantError({ operation: "reading x", reason: "token refused" });
  const hooks = namedBy({
    configure: async () => undefined,
    check: async (_o: unknown, n: unknown) => ({ inputs: n, failures: [] }),
    diff: async () => ({ changes: false }),
    create: async () => {
      throw shared;
    },
    read: async () => ({}),
    update: async () => ({ outs: {} }),
    delete: async () => undefined,
  } as never) as unknown as { create(i: { bot?: string }): Promise<unknown> };
  const a = await hooks.create({ bot: "bots[0] (a-bot, a@contoso.com)" }).catch((e: Error) => e.message);
  const b = await hooks.create({ bot: "bots[1] (b-bot, b@contoso.com)" }).catch((e: Error) => e.message);
  expect(a).toBe("bots[0] (a-bot, a@contoso.com): reading x: token refused.");
  expect(b).toBe("bots[1] (b-bot, b@contoso.com): reading x: token refused.");
  expect(shared.message).toBe("reading x: token refused.");
});
