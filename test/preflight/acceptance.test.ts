/**
 * `npm run test:tenant` cannot reach a real tenant here: this proves its wiring against the
 * emulator (everything but the separate-pwsh Get-Member step, which needs real PowerShell).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { TEAMS_MODULE_FLOOR } from "../../protocol/host-protocol";
import { closeTenantClients } from "../../provider/tenant/client";
import { runAcceptance, scrub, skipReason } from "../../scripts/acceptance";
import { REPO_ROOT, withEmulator } from "../helpers/emulator";

const emu = withEmulator({ licenceProvisioningDelayMs: 0 });

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

  test("pointed at the emulator: preflight, host version, unknown identity, number properties; observations scrubbed", async () => {
    const t = emu();
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tbn-acc-")), "observed.json");
    const before = (await t.admin.get<{ entries: unknown[] }>("/audit")).entries.length;
    try {
      const obs = await runAcceptance(
        {
          AZURE_TENANT_ID: t.tenantId,
          AZURE_CLIENT_ID: t.clientId,
          AZURE_CLIENT_SECRET: t.clientSecret,
          AZURE_AUTHORITY_HOST: t.authorityHost,
          TEAMS_GRAPH_URL: t.graphUrl,
          TEAMS_PWSH_PATH: t.pwshPath,
          TBN_ACCEPTANCE_UPN_DOMAIN: "contoso.com",
          TBN_ACCEPTANCE_CALLING_PLAN_NUMBER: "+14255550101",
        },
        out,
      );
      const step = (name: string) => obs.find((o) => o.step === name);
      expect(step("preflight")?.outcome).toBe("ok");
      expect(step("host ready")).toMatchObject({
        outcome: "ok",
        facts: { psVersion: "7.4.6", teamsModuleVersion: TEAMS_MODULE_FLOOR },
      });
      expect(step("Get-CsOnlineApplicationInstance (unknown identity)")?.outcome).toBe("error");
      expect(step("Get-CsPhoneNumberAssignment (protocol)")).toMatchObject({
        outcome: "ok",
        facts: { properties: { TelephoneNumber: "string", NumberType: "string" } },
      });
      expect(step("Get-CsPhoneNumberAssignment | Get-Member")).toMatchObject({ outcome: "skipped" });
      const written = fs.readFileSync(out, "utf8");
      expect(JSON.parse(written).observations).toHaveLength(obs.length);
      expect(written).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-|@contoso\.com|\+1425|eyJ/);
      expect((await t.admin.get<{ entries: unknown[] }>("/audit")).entries.length).toBe(before);
    } finally {
      await closeTenantClients();
    }
  });
});
