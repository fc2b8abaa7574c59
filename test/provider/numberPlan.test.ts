/**
 * NumberPlan hooks (no tenant): check normalises and refuses a number declared twice; diff and
 * update declare the plan to the provider process and keep the accounts the stack removed. The plan
 * names bots by UPN (plain config values, no account ids); the coordinator matches an account to
 * it by the UPN it reads (`learn`).
 */
import type * as pulumi from "@pulumi/pulumi";

import { provider as typed } from "../../provider/resources/numberPlan";
import { moveRegistry, resetMoves } from "../../provider/tenant/moves/index";

const provider = typed as pulumi.dynamic.ResourceProvider;
const [A, B, C] = ["a", "b", "c"].map((c) => `${c.repeat(8)}-0000-4000-8000-000000000000`) as [string, string, string];
const bot = (upn: string, phoneNumber?: string) => ({
  userPrincipalName: upn,
  ...(phoneNumber ? { phoneNumber, numberType: "CallingPlan" } : {}),
});

afterEach(() => resetMoves());

test("check: entries normalised; a number on two bots refused with the path", async () => {
  const ok = await provider.check!({}, { bots: [bot("Alpha@Contoso.com", "tel:+1 425 555 0100")] });
  expect(ok).toEqual({
    inputs: {
      bots: [
        {
          userPrincipalName: "alpha@contoso.com",
          phoneNumber: "+14255550100",
          numberType: "CallingPlan",
        },
      ],
      protect: false,
    },
    failures: [],
  });
  const twice = await provider.check!(
    {},
    { bots: [bot("a@contoso.com", "+14255550100"), bot("b@contoso.com", "+1 425 555 0100"), bot("nope")] },
  );
  expect(twice.failures).toEqual([
    {
      property: "bots[1].phoneNumber",
      reason: "+14255550100 is also declared on bots[0]: a number can be on one account only",
    },
    {
      property: "bots[2].userPrincipalName",
      reason: '"nope" is not a user principal name: expected name@domain, e.g. incident-bot@contoso.com',
    },
  ]);
});

test("diff declares the plan; update keeps the removed accounts across runs", async () => {
  // The accounts as the coordinator learns them (the UPN read from the tenant).
  for (const [id, upn] of [
    [A, "a@contoso.com"],
    [B, "B@contoso.com"],
    [C, "c@contoso.com"],
  ] as const)
    moveRegistry.learn(id, upn);
  const run1 = { bots: [bot("a@contoso.com", "+14255550100"), bot("b@contoso.com", "+14255550101")] };
  const { outs: first } = await provider.create(run1);
  expect(first).toEqual({ ...run1, removed: [] });
  // Run 2: B removed, C new with B's number.
  const run2 = { bots: [bot("a@contoso.com", "+14255550100"), bot("c@contoso.com", "+14255550101")] };
  expect(await provider.diff!("number-plan", first, run2)).toMatchObject({ changes: true, replaces: [] });
  expect(moveRegistry.isRemoved(B)).toBe(true);
  expect(moveRegistry.wantOf(C)).toEqual({
    to: { phoneNumber: "+14255550101", numberType: "CallingPlan", locationId: null },
  });
  expect(moveRegistry.nameOf(B)).toBe("b@contoso.com");
  const { outs: second } = (await provider.update!("number-plan", first, run2)) as { outs: Record<string, unknown> };
  expect(second.removed).toEqual([{ userPrincipalName: "b@contoso.com" }]);
  // Run 3: nothing changed: no update, B still known as removed (its delete may not have run).
  expect(await provider.diff!("number-plan", second, run2)).toMatchObject({ changes: false });
  expect(moveRegistry.isRemoved(B)).toBe(true);
  // B comes back: no longer removed.
  const run4 = { bots: [...run2.bots, bot("b@contoso.com")] };
  const { outs: fourth } = (await provider.update!("number-plan", second, run4)) as { outs: Record<string, unknown> };
  expect(fourth.removed).toEqual([]);
  expect(moveRegistry.wantOf(B)).toEqual({ to: undefined });
});

test("a plan recorded with account ids (earlier versions) still knows its removed accounts by id and UPN", async () => {
  const olds = {
    bots: [
      { instanceId: A, userPrincipalName: "a@contoso.com" },
      { instanceId: B, userPrincipalName: "b@contoso.com" },
    ],
    removed: [],
  };
  const news = { bots: [bot("a@contoso.com")] };
  expect(await provider.diff!("number-plan", olds, news)).toMatchObject({ changes: true });
  expect(moveRegistry.isRemoved(B)).toBe(true);
  expect(moveRegistry.isRemoved(A)).toBe(false);
  const { outs } = (await provider.update!("number-plan", olds, news)) as { outs: Record<string, unknown> };
  expect(outs.removed).toEqual([{ instanceId: B, userPrincipalName: "b@contoso.com" }]);
});
