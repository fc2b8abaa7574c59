/**
 * Settings that cannot work, refused before any call (issue 11 items 9 and 10): national clouds
 * where the Graph number API or the app-only instance cmdlets do not exist, and certificate keys
 * msal-node cannot sign with (encrypted, not RSA).
 */
import { spawnSync } from "child_process";
import { createPrivateKey } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { readCertificate } from "../../provider/access/certificate";
import { TenantError } from "../../provider/errors";
import { resolveTenantSettings, SettingsError } from "../../provider/settings";

const BASE = {
  tenantId: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
  clientId: "3f1c2b7e-6a59-4d0e-9b8a-5c4d3e2f1a07",
  clientSecret: "s3cret",
};
const resolve = (config: Record<string, string>) => () =>
  resolveTenantSettings((k) => ({ ...BASE, ...config })[k as keyof typeof BASE], {});

describe("national clouds fail fast, naming the key", () => {
  test.each([
    [
      "graphUrl",
      "https://graph.microsoft.us",
      /teams-bot-numbers:graphUrl \(or TEAMS_GRAPH_URL\) is https:\/\/graph\.microsoft\.us, the US Government \(GCC High \/ DoD\) cloud, where teams-bot-numbers cannot run: the app-only New\/Get\/Sync-CsOnlineApplicationInstance .* not available in GCC High \/ DoD.*For a GCC \(not GCC High\) tenant leave it unset/,
    ],
    [
      "graphUrl",
      "https://dod-graph.microsoft.us",
      /teams-bot-numbers:graphUrl \(or TEAMS_GRAPH_URL\) is https:\/\/dod-graph\.microsoft\.us, the US Government/,
    ],
    [
      "authorityHost",
      "https://login.microsoftonline.us",
      /teams-bot-numbers:authorityHost \(or AZURE_AUTHORITY_HOST\) is https:\/\/login\.microsoftonline\.us, the US Government/,
    ],
    [
      "graphUrl",
      "https://microsoftgraph.chinacloudapi.cn",
      /teams-bot-numbers:graphUrl \(or TEAMS_GRAPH_URL\) is https:\/\/microsoftgraph\.chinacloudapi\.cn, the China \(21Vianet\) cloud, where numbers cannot be assigned: the Graph telephone-number API \(teams-bot-numbers:numberAssignment \(or TEAMS_NUMBER_ASSIGNMENT\) "graph", now "graph"\) is global-only/,
    ],
  ])("%s %s", (key, url, message) => {
    expect(resolve({ [key]: url })).toThrow(SettingsError);
    expect(resolve({ [key]: url })).toThrow(message);
  });

  test("China with numberAssignment powershell: Set-CsPhoneNumberAssignment is commercial and GCC only", () => {
    expect(resolve({ graphUrl: "https://microsoftgraph.chinacloudapi.cn", numberAssignment: "powershell" })).toThrow(
      /now "powershell"\) is global-only and Set-CsPhoneNumberAssignment \("powershell"\) is available only in the commercial and GCC clouds/,
    );
  });

  test("a graphUrl with the API version is refused naming the key and the root to give", () => {
    expect(resolve({ graphUrl: "https://graph.microsoft.com/v1.0" })).toThrow(
      /teams-bot-numbers:graphUrl \(or TEAMS_GRAPH_URL\) ends with the API version "\/v1\.0", got "https:\/\/graph\.microsoft\.com\/v1\.0": give the Graph root without it \(e\.g\. https:\/\/graph\.microsoft\.com\)/,
    );
    expect(resolve({ graphUrl: "https://graph.microsoft.com/beta/" })).toThrow(/ends with the API version "\/beta"/);
  });

  test("commercial and GCC (the commercial endpoints) pass", () => {
    expect(resolve({})().graphUrl).toBe("https://graph.microsoft.com");
    expect(
      resolve({ authorityHost: "https://login.microsoftonline.com", graphUrl: "https://graph.microsoft.com" })()
        .authorityHost,
    ).toBe("https://login.microsoftonline.com");
  });
});

describe("certificate keys msal-node cannot sign with", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-cert-"));
  const deployer = fs.readFileSync(path.join(__dirname, "../../emulator/fixtures/deployer-cert.pem"), "utf8");
  const certOf = (pem: string) => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0];
  const keyOf = (pem: string) =>
    pem.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/)![0];
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const failure = (file: string): TenantError => {
    try {
      readCertificate(file);
    } catch (e) {
      return e as TenantError;
    }
    throw new Error(`readCertificate(${file}) accepted the file`);
  };

  test("an encrypted (password-protected) key is refused with the fix", () => {
    const encrypted = createPrivateKey(keyOf(deployer))
      .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" })
      .toString();
    const file = path.join(dir, "encrypted.pem");
    fs.writeFileSync(file, `${certOf(deployer)}\n${encrypted}`);
    const e = failure(file);
    expect(e).toBeInstanceOf(TenantError);
    expect(e.code).toBe("CertificateInvalid");
    expect(e.message).toContain("the private key is encrypted (password-protected)");
    expect(e.message).toContain("AZURE_CLIENT_CERTIFICATE_PASSWORD is not supported");
    expect(e.message).toContain("openssl pkey -in <file> -out <key.pem>");
  });

  test("an EC key is refused: msal-node signs PS256, RSA only", () => {
    const file = path.join(dir, "ec.pem");
    const keyFile = path.join(dir, "ec-key.pem");
    const certFile = path.join(dir, "ec-cert.pem");
    const r = spawnSync("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "2",
      "-subj",
      "/CN=tbn-ec-test",
    ]);
    expect(r.status).toBe(0);
    fs.writeFileSync(file, fs.readFileSync(certFile, "utf8") + fs.readFileSync(keyFile, "utf8"));
    const e = failure(file);
    expect(e.code).toBe("CertificateInvalid");
    expect(e.message).toContain("the private key is EC, not RSA: msal-node signs the client assertion with PS256");
  });

  test("the RSA deployer certificate still reads", () => {
    expect(readCertificate(path.join(__dirname, "../../emulator/fixtures/deployer-cert.pem")).privateKey).toMatch(
      /^-----BEGIN PRIVATE KEY-----/,
    );
  });
});
