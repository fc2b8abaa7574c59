/**
 * Issue 11 on a real tenant, the pure parts: the provider's frame reader (item 5), a 403 from an
 * instance cmdlet (item 3), which cmdlet errors count as "not found" (item 6), and the number hints
 * (item 10). The same paths through the stand-in: test/emulator/standin-framing.test.ts.
 */
import { encodeFrame, type HostResponse } from "../../protocol/host-protocol";
import { asTenantError } from "../../provider/errors";
import { explain, type Explainable } from "../../provider/hints";
import { cmdletError } from "../../provider/tenant/powershell/errors";
import { isNotFound } from "../../provider/tenant/powershell/index";
import { HostLines } from "../../provider/tenant/powershell/lines";

describe("HostLines: frames found anywhere in a line, other text kept", () => {
  function reader(): { lines: HostLines; stray: string[] } {
    const stray: string[] = [];
    const lines = new HostLines(
      () => undefined,
      (reason) => {
        throw new Error(reason);
      },
      (line) => stray.push(line),
    );
    return { lines, stray };
  }

  test("a reply that shares its line with a warning is delivered; the warning goes to the stray text", async () => {
    const { lines, stray } = reader();
    const reply = lines.request(
      { id: 1, type: "invoke", cmdlet: "Get-CsOnlineApplicationInstance", parameters: {} },
      "x",
    );
    const frame = encodeFrame({ id: 1, ok: true, output: [{ ObjectId: "a" }] } as HostResponse).slice(1);
    let got: HostResponse | undefined;
    void reply.then((r) => (got = r));
    lines.feed(`WARNING: The module is loading ${frame}VERBOSE: after\n`);
    await new Promise(setImmediate); // the reply is resolved synchronously by feed(); let .then run
    expect(got).toMatchObject({ id: 1, ok: true, output: [{ ObjectId: "a" }] });
    expect(stray).toEqual(["WARNING: The module is loading", "VERBOSE: after"]);
  });

  test("a line without a frame is not dropped silently", () => {
    const { lines, stray } = reader();
    lines.feed('progress 50%\n{"id":7,"ok":true}\n');
    expect(stray).toEqual(["progress 50%", '{"id":7,"ok":true}']);
  });
});

describe("cmdletError: a 403 from an instance cmdlet is a module / cloud question first", () => {
  // office-docs-powershell issue 10363: New-CsOnlineApplicationInstance under app-only auth.
  const forbidden = (cmdlet: string) => ({
    message: "Access Denied.",
    fullyQualifiedErrorId: `Forbidden,Microsoft.Teams.ConfigApi.Cmdlets.${cmdlet.replace(/-/g, "")}`,
    category: "InvalidOperation",
    exceptionType: "Microsoft.Teams.ConfigAPI.Cmdlets.Generated.Runtime.UndeclaredResponseException",
  });

  test("New-CsOnlineApplicationInstance: names the module floor, the version found and the clouds", () => {
    const e = asTenantError(
      cmdletError("New-CsOnlineApplicationInstance", forbidden("New-CsOnlineApplicationInstance"), {
        moduleVersion: "7.5.0",
      }),
      "creating resource account bot@contoso.com",
    );
    expect(e.status).toBe(403);
    expect(e.hint).toBe(
      "Teams refused New-CsOnlineApplicationInstance under app-only auth (403). App-only New/Get/Sync-CsOnlineApplicationInstance need MicrosoftTeams 7.6.0+ (found 7.5.0) in the commercial or GCC cloud; they are not available in GCC High/DoD. Set-CsOnlineApplicationInstance is never available app-only. If the module and cloud are right, check the app holds Teams Administrator and wait a few minutes for a new token.",
    );
    expect(e.message).not.toContain("lacks the Teams Administrator directory role");
  });

  test("Set-CsOnlineApplicationInstance: never app-only", () => {
    const e = cmdletError("Set-CsOnlineApplicationInstance", forbidden("Set-CsOnlineApplicationInstance"), {
      moduleVersion: "7.6.0",
    });
    expect(e.hint).toContain(
      "Set-CsOnlineApplicationInstance is never available app-only: run it as a Teams administrator user.",
    );
  });

  test("other cmdlets keep the Teams Administrator hint", () => {
    const e = asTenantError(
      cmdletError("Set-CsPhoneNumberAssignment", forbidden("Set-CsPhoneNumberAssignment"), { moduleVersion: "7.6.0" }),
      "assigning",
    );
    expect(e.hint).toMatch(/lacks the Teams Administrator directory role/);
  });
});

describe("isNotFound: the documented and observed not-found forms, and only those", () => {
  const error = (message: string, fullyQualifiedErrorId: string) =>
    cmdletError("Get-CsOnlineApplicationInstance", {
      message,
      fullyQualifiedErrorId,
      category: "NotSpecified",
      exceptionType: "System.Exception",
    });

  test.each([
    [
      "generic 404 (tenant-api.md S33b)",
      "The server responded with a Request Error, Status: NotFound",
      "UndeclaredResponseException,X",
    ],
    [
      "NotFound error id",
      "Resource account is gone",
      "NotFound,Microsoft.Teams.ConfigApi.Cmdlets.GetCsOnlineApplicationInstance",
    ],
    ["ManagementObjectNotFound text", 'Management object not found for identity "x@contoso.com".', "X"],
  ])("absent: %s", (_what, message, id) => {
    expect(isNotFound(error(message, id))).toBe(true);
  });

  test.each([
    [
      "replication / licence refusal (S26)",
      "The user 'b2a4c6e8-1111-4222-8333-944455556666' is not found",
      "BadRequest,X",
    ],
    [
      "a number, not the instance (S33a)",
      "BadRequest - Telephone Number '+14255550100' is not found from tenant 't'",
      "BadRequest,X",
    ],
    ["an unlisted phrasing", "BadRequest - No application instance matches identity 'x'.", "BadRequest,X"],
  ])("an error, not absent: %s", (_what, message, id) => {
    expect(isNotFound(error(message, id))).toBe(false);
  });
});

describe("number hints (issue 11 item 10)", () => {
  test("a subscriber number offered to a resource account: a usage change order", () => {
    const d = explain<Explainable>({
      operation: "assigning +14255550100",
      reason:
        "Telephone number '+14255550100' does not have required capabilities to be assigned to target type 'ResourceAccount'",
    });
    expect(d.hint).toContain("New-CsPhoneNumberUsageChangeOrder -TelephoneNumber <number> -Usage ServiceType");
  });

  test("a Calling Plan number of another country than the account's usage location", () => {
    const d = explain<Explainable>({
      operation: "assigning +442071234567",
      reason: "The number's country GB does not match the usage location US of the user.",
    });
    expect(d.hint).toMatch(
      /^A Calling Plan number can only go to an account whose usage location is the number's country/,
    );
  });

  test("the licence's usage-location refusal keeps its own hint", () => {
    const d = explain<Explainable>({
      operation: "assigning a licence",
      reason: "License assignment cannot be done for user with invalid usage location.",
    });
    expect(d.hint).toMatch(/^Set the bot's usageLocation in the stack config/);
  });
});
