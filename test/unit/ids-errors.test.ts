import { asTenantError, during, redact, TenantError, withPartialState } from "../../provider/errors";
import { applicationInstanceId, botPhoneNumberId, virtualUserLicenseId } from "../../provider/ids";

const A = "8f0e0f3e-1c77-4c52-9a43-2b1f2b9c5a11";
const SKU = "440eaaa8-b3e0-484b-a8be-62870b9ba70a";

describe("ids", () => {
  test("format and parse round-trip", () => {
    expect(applicationInstanceId.parse(applicationInstanceId.format({ objectId: A.toUpperCase() }))).toEqual({
      objectId: A,
    });
    expect(virtualUserLicenseId.format({ userId: A, skuId: SKU })).toBe(`${A}/${SKU}`);
    expect(virtualUserLicenseId.parse(`${A}/${SKU}`)).toEqual({ userId: A, skuId: SKU });
    expect(botPhoneNumberId.parse(`${A}/+14255550100;ext=12`)).toEqual({
      instanceId: A,
      phoneNumber: "+14255550100;ext=12",
    });
    expect(botPhoneNumberId.label({ instanceId: A, phoneNumber: "+14255550100" })).toBe(`+14255550100 on ${A}`);
  });

  test("malformed ids say what was expected", () => {
    expect(() => botPhoneNumberId.parse(`${A}/4255550100`)).toThrow(
      `"${A}/4255550100" is not a valid BotPhoneNumber id: expected <instanceId>/<E.164 number>`,
    );
    expect(() => virtualUserLicenseId.parse(A)).toThrow(
      `"${A}" is not a valid VirtualUserLicense id: expected <userId>/<skuId> (two GUIDs)`,
    );
    expect(() => applicationInstanceId.parse("bot@contoso.com")).toThrow(
      '"bot@contoso.com" is not a valid ApplicationInstance id: expected an object id (GUID)',
    );
  });
});

describe("TenantError", () => {
  test("message: operation, reason, status/code/request id, hint", () => {
    const e = new TenantError({
      operation: "assigning number +14255550100 to incident-bot@contoso.com",
      reason: "Telephone Number '+14255550100' has already been assigned to another user.",
      status: 400,
      serviceCode: "BadRequest",
      requestId: "r-1",
    });
    const told = asTenantError(e, e.operation);
    expect(told.message).toBe(
      "assigning number +14255550100 to incident-bot@contoso.com: the number is already assigned to another account (400 BadRequest, request-id r-1). Unassign it first or choose another number.",
    );
  });

  test("during() re-tells inner failures from the caller's side", async () => {
    const inner = new TenantError({
      operation: "POST /users/x/assignLicense",
      status: 400,
      serviceCode: "Request_BadRequest",
      reason: "License assignment cannot be done for user with invalid usage location.",
    });
    await expect(
      during("assigning licence PHONESYSTEM_VIRTUALUSER to x", "lic", () => Promise.reject(inner)),
    ).rejects.toThrow(
      "assigning licence PHONESYSTEM_VIRTUALUSER to x: License assignment cannot be done for user with invalid usage location (400 Request_BadRequest). Set the bot's usageLocation in the stack config (an ISO 3166 code such as US) before licensing it.",
    );
  });

  test("never carries tokens", () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4eHh4eHh4eCJ9.c2lnbmF0dXJlc2lnbmF0dXJl";
    const e = new TenantError({
      operation: "connecting",
      reason: `bad token ${jwt} / Bearer abcdefghijklmnopqrstuvwxyz0123`,
    });
    expect(e.message).not.toContain(jwt);
    expect(e.message).toContain("<redacted-token>");
    expect(redact("Bearer abcdefghijklmnopqrstuvwxyz0123")).toBe("Bearer <redacted>");
  });

  test("withPartialState marks the error for the engine", () => {
    const e = withPartialState(new Error("boom"), A, { objectId: A });
    expect(e).toBeInstanceOf(TenantError);
    expect(e.id).toBe(A);
    expect(e.properties).toEqual({ objectId: A });
  });
});
