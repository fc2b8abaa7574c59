import * as path from "path";

import {
  resolvePwshPath,
  statusFromHostError,
  instanceFromCmdlet as toApplicationInstance,
  numberAssignmentFromCmdlet as toNumberAssignment,
} from "../../provider/tenant/powershell";

const ROOT = path.resolve(__dirname, "../..");

describe("PowerShell host helpers", () => {
  test("pwshPath: bare names use PATH, relative paths resolve from cwd or the package root", () => {
    expect(resolvePwshPath("pwsh")).toBe("pwsh");
    expect(resolvePwshPath("/opt/microsoft/powershell/7/pwsh")).toBe("/opt/microsoft/powershell/7/pwsh");
    expect(resolvePwshPath("emulator/bin/pwsh", "/")).toBe(path.join(ROOT, "emulator/bin/pwsh"));
    expect(resolvePwshPath("bin/pwsh", "/somewhere")).toBe("/somewhere/bin/pwsh");
  });

  test("HTTP status from Teams cmdlet errors", () => {
    expect(
      statusFromHostError(
        "BadRequest - Telephone Number '+1' is not found from tenant 't'",
        "BadRequest,Microsoft.Teams.ConfigAPI.Cmdlets.SetCsPhoneNumberAssignment",
      ),
    ).toBe(400);
    expect(
      statusFromHostError("The server responded with a Request Error, Status: TooManyRequests.", "TooManyRequests,X"),
    ).toBe(429);
    expect(
      statusFromHostError(
        "The server responded with a Request Error, Status: ServiceUnavailable",
        "UndeclaredResponseException,X",
      ),
    ).toBe(503);
    expect(
      statusFromHostError("An item with the same key has already been added.", "ArgumentException"),
    ).toBeUndefined();
  });

  test("cmdlet output conversion", () => {
    expect(
      toApplicationInstance({
        ObjectId: "AB",
        TenantId: "T",
        UserPrincipalName: "Bot@Contoso.com",
        ApplicationId: null,
        DisplayName: "Bot",
        PhoneNumber: "tel:+14255550100",
      }),
    ).toEqual({
      objectId: "ab",
      tenantId: "t",
      userPrincipalName: "bot@contoso.com",
      applicationId: "",
      displayName: "Bot",
      phoneNumber: "+14255550100",
    });
    expect(
      toNumberAssignment({
        TelephoneNumber: "+14255550100",
        NumberType: "CallingPlan",
        ActivationState: "Activated",
        AssignedPstnTargetId: "AB",
        PstnAssignmentStatus: "VoiceApplicationAssigned",
        LocationId: null,
        Capability: ["ConferenceAssignment", "VoiceApplicationAssignment"],
      }),
    ).toEqual({
      telephoneNumber: "+14255550100",
      numberType: "CallingPlan",
      assignmentTargetId: "ab",
      assignmentStatus: "voiceApplicationAssigned",
      activationState: "activated",
      locationId: null,
      capabilities: ["conferenceAssignment", "voiceApplicationAssignment"],
      isoCountryCode: null,
      assignmentBlock: null,
    });
    // The country and the assignment block as Get-CsPhoneNumberAssignment shows them (7.5.0 and later).
    const blocked = (state: string, until: string | null) =>
      toNumberAssignment({
        TelephoneNumber: "+14255550101",
        NumberType: "CallingPlan",
        IsoCountryCode: "us",
        AssignmentBlockedState: state,
        AssignmentBlockedUntil: until,
      });
    expect(blocked("BlockedForever", null)).toMatchObject({ isoCountryCode: "US", assignmentBlock: { until: null } });
    expect(blocked("BlockedUntil", "2027-01-06T00:00:00Z").assignmentBlock).toEqual({ until: "2027-01-06T00:00:00Z" });
    expect(blocked("NotBlocked", null).assignmentBlock).toBeNull();
  });
});
