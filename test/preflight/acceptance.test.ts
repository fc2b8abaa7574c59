/**
 * `npm run test:tenant` cannot reach a real tenant here: this proves its wiring against the
 * emulator (everything but the separate-pwsh Get-Member step, which needs real PowerShell).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { TEAMS_MODULE_FLOOR } from "../../protocol/host-protocol";
import { closeTenants } from "../../provider/tenant/index";
import { runAcceptance, scrub, skipReason } from "../../scripts/acceptance";
import { REPO_ROOT, withEmulator } from "../helpers/emulator";
import { emulatorEnv } from "../helpers/emulator-settings";

const emu = withEmulator({ licenceProvisioningDelayMs: 0 });
jest.setTimeout(600_000);

describe("test:tenant", () => {
  test("without the tenant variables it prints why it skipped and exits 0", () => {
    const out = execFileSync(process.execPath, [path.join(REPO_ROOT, "dist", "scripts", "acceptance.js")], {
      env: { PATH: process.env.PATH ?? "" },
      encoding: "utf8",
    });
    expect(out).toContain("test:tenant skipped: tenant variables not set: AZURE_TENANT_ID, AZURE_CLIENT_ID");
    expect(skipReason({ AZURE_TENANT_ID: "t", AZURE_CLIENT_ID: "c", TBN_ACCEPTANCE_UPN_DOMAIN: "d" })).toContain(
      "AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH",
    );
  });

  test("scrub removes ids, tokens, addresses and numbers", () => {
    expect(scrub("user a.b@contoso.com id 3f1c2b7e-6a59-4d0e-9b8a-5c4d3e2f1a07 tel:+14255550100 eyJabc.def.ghi")).toBe(
      "user <upn> id <guid> <number> <token>",
    );
  });

  test("pointed at the emulator: preflight, host, unknown identity, number properties, up / up / change / destroy on the real engine; scrubbed; tenant left as found", async () => {
    const t = emu();
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tbn-acc-")), "observed.json");
    const users = async () =>
      (await t.admin.get<{ users: Array<{ userPrincipalName: string }> }>("/state")).users.map(
        (u) => u.userPrincipalName,
      );
    const usersBefore = await users();
    try {
      const obs = await runAcceptance(
        {
          ...emulatorEnv(t),
          TBN_ACCEPTANCE_UPN_DOMAIN: "contoso.com",
          TBN_ACCEPTANCE_CALLING_PLAN_NUMBER: "+14255550101",
          TBN_ACCEPTANCE_DIRECT_ROUTING_NUMBER: "+14255550201",
          TBN_ACCEPTANCE_BOT_APP_ID: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
        },
        out,
      );
      const step = (name: string) => obs.find((o) => o.step === name);
      expect(step("preflight")?.outcome).toBe("ok");
      expect(step("host ready")).toMatchObject({
        outcome: "ok",
        facts: { psVersion: "7.4.6", teamsModuleVersion: TEAMS_MODULE_FLOOR },
      });
      expect(step("Get-CsOnlineApplicationInstance (unknown identity)")).toMatchObject({
        outcome: "ok",
        facts: { raised: true, reason: expect.stringContaining("<upn>") },
      });
      expect(step("Get-CsPhoneNumberAssignment (protocol)")).toMatchObject({
        outcome: "ok",
        facts: { properties: { TelephoneNumber: "string", NumberType: "string" } },
      });
      expect(step("Get-CsPhoneNumberAssignment | Get-Member")).toMatchObject({ outcome: "skipped" });
      expect(step("up (throwaway bot)")).toMatchObject({
        outcome: "ok",
        facts: { changes: { create: expect.any(Number) } },
      });
      expect(step("up again (expect no changes)")).toMatchObject({ outcome: "ok" });
      expect(Object.keys((step("up again (expect no changes)")!.facts as { changes: object }).changes)).toEqual([
        "same",
      ]);
      expect(step("number change")).toMatchObject({
        outcome: "ok",
        facts: { changes: { update: expect.any(Number) } },
      });
      expect(step("destroy")).toMatchObject({ outcome: "ok", facts: { changes: { delete: expect.any(Number) } } });
      const written = fs.readFileSync(out, "utf8");
      expect(JSON.parse(written).observations).toHaveLength(obs.length);
      expect(written).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-|@contoso\.com|\+1425|eyJ/);
      // the tenant is left as it was found: the throwaway account is gone again
      expect(await users()).toEqual(usersBefore);
    } finally {
      await closeTenants();
    }
  });
});
