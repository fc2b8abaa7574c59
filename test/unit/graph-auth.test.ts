import * as path from "path";

import { readCertificate } from "../../provider/access/certificate";
import { graphScope, msalConfiguration, TEAMS_ADMIN_SCOPE } from "../../provider/access/tokens";
import { fromWireEnum as fromWireNumberType, toWireEnum as wireNumberType } from "../../provider/formats";
import type { TenantSettings } from "../../provider/settings";
import { odataString } from "../../provider/tenant/graph";

const settings = (over: Partial<TenantSettings>): TenantSettings => ({
  tenantId: "5f1c8e2a-3b7d-4c9e-a1f0-2d6b8e4c7a91",
  clientId: "3f1c2b7e-6a59-4d0e-9b8a-5c4d3e2f1a07",
  credential: { kind: "secret", clientSecret: "s" },
  authorityHost: "https://login.microsoftonline.com",
  graphUrl: "https://graph.microsoft.com",
  numberAssignment: "graph",
  pwshPath: "pwsh",
  ...over,
});

describe("Graph and MSAL wiring", () => {
  test("OData string literals double single quotes (values travel as data)", () => {
    expect(odataString("+14255550100")).toBe("'+14255550100'");
    expect(odataString("o'brien' or 1 eq 1")).toBe("'o''brien'' or 1 eq 1'");
  });

  test("number types are camelCase on the wire", () => {
    expect(wireNumberType("DirectRouting")).toBe("directRouting");
    expect(fromWireNumberType("operatorConnect")).toBe("OperatorConnect");
  });

  test("a non-Microsoft authority is known to MSAL by host and port (no discovery on the internet)", () => {
    expect(msalConfiguration(settings({ authorityHost: "https://localhost:8443" })).auth).toMatchObject({
      authority: "https://localhost:8443/5f1c8e2a-3b7d-4c9e-a1f0-2d6b8e4c7a91",
      knownAuthorities: ["localhost:8443"],
      clientSecret: "s",
    });
    expect(msalConfiguration(settings({})).auth.knownAuthorities).toBeUndefined();
  });

  test("scopes: Graph of the cloud (the global one for an emulator) and the Teams admin API", () => {
    expect(graphScope("https://localhost:8443")).toBe("https://graph.microsoft.com/.default");
    expect(graphScope("https://graph.microsoft.us")).toBe("https://graph.microsoft.us/.default");
    expect(TEAMS_ADMIN_SCOPE).toBe("48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default");
  });

  test("certificate: SHA-256 thumbprint of the DER, PKCS#8 key, x5c", () => {
    const cert = readCertificate(path.join(__dirname, "../../emulator/fixtures/deployer-cert.pem"));
    // The fixture lists the thumbprint the emulator expects.
    expect(cert.thumbprintSha256).toBe("f9f0cf6934669ae3c97b33e4c3da3fa5b0a125d0071f9adb10ee0abdf1ac0ae2");
    expect(cert.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(cert.x5c).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(() => readCertificate("/nonexistent.pem")).toThrow(
      /^reading the client certificate \/nonexistent\.pem: ENOENT/,
    );
  });
});
