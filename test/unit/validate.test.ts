import {
  Checker,
  normalizeAppId,
  normalizeDisplayName,
  normalizeGuid,
  normalizeMinutes,
  normalizeNumberType,
  normalizePhoneNumber,
  normalizeSkuPartNumber,
  normalizeUpn,
  normalizeUsageLocation,
  PLACEHOLDER_GUIDS,
  UNKNOWN,
} from "../../provider/validate";

const value = <T>(r: { ok: true; value: T } | { ok: false; reason: string }): T | string =>
  r.ok ? r.value : `FAIL: ${r.reason}`;

describe("normalizePhoneNumber", () => {
  test.each([
    ["+14255550100", "+14255550100"],
    ["tel:+14255550100", "+14255550100"],
    ["TEL:+1 425 555 0100", "+14255550100"],
    ["+1-425-555-0100", "+14255550100"],
    ["+1 (425) 555.0100", "+14255550100"],
    ["  +44 20 7946 0958 ", "+442079460958"],
  ])("accepts %p as %p", (raw, expected) => {
    expect(value(normalizePhoneNumber(raw))).toBe(expected);
  });

  test("keeps ;ext= for DirectRouting", () => {
    expect(value(normalizePhoneNumber("tel:+1 425 555 0100;ext=1234", "DirectRouting"))).toBe("+14255550100;ext=1234");
  });

  test("refuses ;ext= for CallingPlan", () => {
    expect(normalizePhoneNumber("+14255550100;ext=1234", "CallingPlan")).toEqual({
      ok: false,
      reason: '"+14255550100;ext=1234" has an extension; extensions (;ext=) are only allowed for DirectRouting numbers',
    });
  });

  test("rejects national formats with the E.164 hint", () => {
    expect(normalizePhoneNumber("(425) 555-0100")).toEqual({
      ok: false,
      reason: '"(425) 555-0100" has no country code: write it in E.164, e.g. +14255550100',
    });
    expect(normalizePhoneNumber("4255550100")).toEqual({
      ok: false,
      reason: '"4255550100" has no country code: write it in E.164, e.g. +14255550100',
    });
  });

  // Issue 22, item 9: the international prefix 00 gets its own advice.
  test("regress-00-prefix: a number with the 00 prefix is told to use + instead", () => {
    expect(normalizePhoneNumber("0014255550100")).toEqual({
      ok: false,
      reason: '"0014255550100" starts with the international prefix 00: replace 00 with + (E.164, e.g. +14255550100)',
    });
    expect(normalizePhoneNumber("0044 20 7946 0000")).toEqual({
      ok: false,
      reason:
        '"0044 20 7946 0000" starts with the international prefix 00: replace 00 with + (E.164, e.g. +14255550100)',
    });
  });

  test("rejects letters and impossible numbers", () => {
    expect(value(normalizePhoneNumber("+1425555010x"))).toBe(
      'FAIL: "+1425555010x" is not a phone number (only digits, +, spaces, dashes, dots and parentheses are allowed): write it in E.164, e.g. +14255550100',
    );
    expect(value(normalizePhoneNumber("+1425"))).toBe(
      'FAIL: "+1425" is not a possible phone number: write it in E.164, e.g. +14255550100',
    );
    expect(value(normalizePhoneNumber(""))).toBe(
      "FAIL: a phone number is required: write it in E.164, e.g. +14255550100",
    );
  });
});

describe("other normalisers", () => {
  test("GUIDs are lower-cased, braces accepted", () => {
    expect(value(normalizeGuid("{11CD3E2E-FCCB-42AD-AD00-878B93575E07}"))).toBe("11cd3e2e-fccb-42ad-ad00-878b93575e07");
    expect(value(normalizeGuid("not-a-guid", "an application (client) id"))).toBe(
      'FAIL: "not-a-guid" is not an application (client) id (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
    );
  });

  test("UPNs are lower-cased and shaped name@domain", () => {
    expect(value(normalizeUpn(" Incident-Bot@Contoso.COM "))).toBe("incident-bot@contoso.com");
    expect(value(normalizeUpn("incident bot@contoso.com"))).toBe(
      'FAIL: "incident bot@contoso.com" is not a user principal name: expected name@domain, e.g. incident-bot@contoso.com',
    );
    expect(value(normalizeUpn("bot@localhost"))).toMatch(/^FAIL/);
    expect(value(normalizeUpn(".bot@contoso.com"))).toMatch(/^FAIL/);
  });

  test("usage location is a real ISO 3166-1 alpha-2 code", () => {
    expect(value(normalizeUsageLocation("us"))).toBe("US");
    expect(value(normalizeUsageLocation("UK"))).toBe('FAIL: "UK" is not an ISO 3166-1 country code: did you mean GB?');
    expect(value(normalizeUsageLocation("ZZ"))).toBe(
      'FAIL: "ZZ" is not a known ISO 3166-1 alpha-2 country code (e.g. US, GB, DE)',
    );
    expect(value(normalizeUsageLocation("USA"))).toBe(
      'FAIL: "USA" is not an ISO 3166-1 alpha-2 country code (two letters, e.g. US, GB, DE)',
    );
  });

  test("number type is normalised case-insensitively", () => {
    expect(value(normalizeNumberType("directrouting"))).toBe("DirectRouting");
    expect(value(normalizeNumberType("Operator_Connect"))).toBe("OperatorConnect");
    expect(value(normalizeNumberType("OCMobile"))).toBe(
      'FAIL: "OCMobile" is not a number type: use CallingPlan | DirectRouting | OperatorConnect',
    );
  });

  test("minutes, display names, SKU part numbers", () => {
    expect(value(normalizeMinutes("45"))).toBe(45);
    expect(value(normalizeMinutes(0))).toBe('FAIL: "0" is not a whole number of minutes between 1 and 1440');
    expect(value(normalizeDisplayName("  Incident Bot "))).toBe("Incident Bot");
    expect(value(normalizeDisplayName("x".repeat(257)))).toBe(
      "FAIL: the display name is 257 characters long; at most 256 are allowed",
    );
    expect(value(normalizeSkuPartNumber("phonesystem_virtualuser"))).toBe("PHONESYSTEM_VIRTUALUSER");
  });
});

describe("Checker", () => {
  test("collects failures keyed by property and keeps unknown preview values", () => {
    const raw: Record<string, unknown> = {
      phoneNumber: "425-555-0100",
      numberType: "callingplan",
      instanceId: UNKNOWN,
      extra: 1,
    };
    const c = new Checker(raw);
    c.required("instanceId", (v) => normalizeGuid(v));
    const type = c.required("numberType", normalizeNumberType);
    c.required("phoneNumber", (v) => normalizePhoneNumber(v, type));
    c.optional("locationId", (v) => normalizeGuid(v));
    expect(c.result()).toEqual({
      inputs: { phoneNumber: "425-555-0100", numberType: "CallingPlan", instanceId: UNKNOWN, extra: 1 },
      failures: [
        { property: "phoneNumber", reason: '"425-555-0100" has no country code: write it in E.164, e.g. +14255550100' },
      ],
    });
  });
});

describe("normalizeAppId", () => {
  test("a real app id passes normalised; placeholders fail naming what to use instead", () => {
    expect(value(normalizeAppId("{6D3A1F0E-2B4C-4E8A-9F71-0C5D2E8B4A10}"))).toBe(
      "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
    );
    expect(value(normalizeAppId("00000000-0000-0000-0000-000000000000"))).toBe(
      'FAIL: "00000000-0000-0000-0000-000000000000" is a placeholder, not an application (client) id: ' +
        "use the bot's Microsoft App ID (Entra admin center > App registrations > the bot's app > Application (client) ID)",
    );
    expect(value(normalizeAppId("not-a-guid"))).toMatch(/^FAIL: "not-a-guid" is not an application \(client\) id/);
  });

  test("the placeholder set: nil, max, repeated digits and Pulumi's unknown marker", () => {
    expect(PLACEHOLDER_GUIDS.size).toBe(17);
    expect(PLACEHOLDER_GUIDS.has(UNKNOWN)).toBe(true);
    for (const g of PLACEHOLDER_GUIDS) expect(normalizeAppId(g).ok).toBe(false);
  });
});
