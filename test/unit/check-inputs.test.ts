/**
 * check() of the resources on inputs the engine really sends (issue 14, issue 12): under
 * `--continue-on-error` a licence or number whose account failed arrives with only `__provider`;
 * check must neither fail it nor put `undefined` into its inputs (the dynamic provider's serializer
 * stops the whole update with "Unexpected struct type"). A placeholder app id is refused.
 */
import { provider as applicationInstance } from "../../provider/resources/applicationInstance";
import { provider as botPhoneNumber } from "../../provider/resources/botPhoneNumber";
import { provider as virtualUserLicense } from "../../provider/resources/virtualUserLicense";

const undefinedKeys = (o: object): string[] =>
  Object.entries(o)
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);

describe("check() with a failed dependency's id missing", () => {
  test("VirtualUserLicense: userId missing is unknown, not a failure, and never undefined", async () => {
    const r = await virtualUserLicense.check!({} as never, { __provider: "serialized" } as never);
    expect(r.failures).toEqual([]);
    expect(undefinedKeys(r.inputs!)).toEqual([]);
    expect("userId" in r.inputs!).toBe(false);
  });

  test("BotPhoneNumber: instanceId missing is unknown, not a failure, and never undefined", async () => {
    const r = await botPhoneNumber.check!(
      {} as never,
      {
        __provider: "serialized",
        phoneNumber: "+14255550100",
        numberType: "CallingPlan",
      } as never,
    );
    expect(r.failures).toEqual([]);
    expect(undefinedKeys(r.inputs!)).toEqual([]);
    expect("instanceId" in r.inputs!).toBe(false);
  });

  test("a present but wrong dependency id still fails", async () => {
    const r = await virtualUserLicense.check!({} as never, { userId: "not-a-guid" } as never);
    expect(r.failures).toEqual([
      { property: "userId", reason: expect.stringContaining('"not-a-guid" is not an object id') },
    ]);
  });

  test("a required property that is missing fails without an undefined input", async () => {
    const r = await applicationInstance.check!({} as never, { __provider: "serialized" } as never);
    expect(r.failures!.map((f) => f.property)).toEqual(
      expect.arrayContaining(["userPrincipalName", "displayName", "applicationId", "usageLocation"]),
    );
    expect(undefinedKeys(r.inputs!)).toEqual([]);
  });
});

describe("ApplicationInstance check: applicationId", () => {
  const inputs = (applicationId: string) => ({
    userPrincipalName: "bot@contoso.com",
    displayName: "Bot",
    applicationId,
    usageLocation: "US",
  });

  test.each(["00000000-0000-0000-0000-000000000000", "11111111-1111-1111-1111-111111111111"])(
    "placeholder %s is refused",
    async (appId) => {
      const r = await applicationInstance.check!({} as never, inputs(appId) as never);
      expect(r.failures).toEqual([{ property: "applicationId", reason: expect.stringContaining("is a placeholder") }]);
    },
  );

  test("a real app id passes, lower-cased", async () => {
    const r = await applicationInstance.check!({} as never, inputs("6D3A1F0E-2B4C-4E8A-9F71-0C5D2E8B4A10") as never);
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({ applicationId: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10" });
  });
});
