/**
 * Credential choice (settings.ts): the documented order, a forced kind, clear errors naming the
 * keys; federated token reuse and refresh (assertions.ts); and the PowerShell host's environment
 * without any credential of the run (regress: storage keys, request tokens, identity headers).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { AssertionSource } from "../../provider/access/assertions";
import { resolveTenantSettings, SettingsError } from "../../provider/settings";
import { spawnHost } from "../../provider/tenant/powershell/locate";

const TENANT = "9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f";
const CLIENT = "3f1c2b7e-6a59-4d0e-9b8a-5c4d3e2f1a07";
const base = { AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT };
const gh = { ACTIONS_ID_TOKEN_REQUEST_URL: "https://runner.example/token?x=1", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "rt" };
const ado = {
  SYSTEM_OIDCREQUESTURI: "https://dev.azure.com/o/p/_apis/oidctoken",
  SYSTEM_ACCESSTOKEN: "at",
  AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: "0d4f6a2b-7c1e-4b3a-9f8d-5e6c7b8a9d01",
};
const mi = { IDENTITY_ENDPOINT: "http://127.0.0.1:1/msi/token", IDENTITY_HEADER: "h" };
const kind = (env: NodeJS.ProcessEnv, config: Record<string, string> = {}): string =>
  resolveTenantSettings((k) => config[k], env).credential.kind;

describe("credential choice", () => {
  test("order: secret, certificate, token file, GitHub OIDC, Azure DevOps OIDC, managed identity", () => {
    const all = {
      ...base,
      AZURE_CLIENT_SECRET: "s",
      AZURE_FEDERATED_TOKEN_FILE: "/f",
      ...gh,
      ...ado,
      ...mi,
    };
    expect(kind(all)).toBe("secret");
    const { AZURE_CLIENT_SECRET: _s, ...noSecret } = all;
    expect(kind({ ...noSecret, AZURE_CLIENT_CERTIFICATE_PATH: "/c.pem" })).toBe("certificate");
    expect(kind(noSecret)).toBe("tokenFile");
    const { AZURE_FEDERATED_TOKEN_FILE: _f, ...noFile } = noSecret;
    expect(kind(noFile)).toBe("githubOidc");
    expect(kind({ ...base, ...ado, ...mi })).toBe("azureDevOpsOidc");
    expect(kind({ ...base, ...mi })).toBe("managedIdentity");
  });

  test("stack config beats the environment; credential forces a kind and says what it misses", () => {
    expect(kind({ ...base, AZURE_CLIENT_SECRET: "s" }, { federatedTokenFile: "/f", credential: "tokenFile" })).toBe(
      "tokenFile",
    );
    expect(() => resolveTenantSettings((k) => ({ credential: "githubOidc" })[k], base)).toThrow(
      /teams-bot-numbers:credential \(or TEAMS_CREDENTIAL\) is "githubOidc", but ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set \(give the job `permissions: id-token: write`\)/,
    );
    expect(() => resolveTenantSettings((k) => ({ credential: "password" })[k], base)).toThrow(
      /must be one of secret, certificate, tokenFile, githubOidc, azureDevOpsOidc, managedIdentity, got "password"/,
    );
  });

  test("Azure DevOps: the service connection's ids from the AzureCLI@2 task's variables", () => {
    const s = resolveTenantSettings(() => undefined, {
      ...ado,
      AZURESUBSCRIPTION_TENANT_ID: TENANT,
      AZURESUBSCRIPTION_CLIENT_ID: CLIENT,
    });
    expect(s).toMatchObject({ tenantId: TENANT, clientId: CLIENT, credential: { kind: "azureDevOpsOidc" } });
  });

  test("managed identity: no client id = system-assigned; a client id = user-assigned; useManagedIdentity without the endpoint", () => {
    expect(resolveTenantSettings(() => undefined, { AZURE_TENANT_ID: TENANT, ...mi }).credential).toEqual({
      kind: "managedIdentity",
      userAssigned: false,
    });
    expect(resolveTenantSettings(() => undefined, { ...base, ...mi }).credential).toEqual({
      kind: "managedIdentity",
      userAssigned: true,
    });
    expect(kind({ AZURE_TENANT_ID: TENANT }, { useManagedIdentity: "true" })).toBe("managedIdentity");
    expect(() => kind({ ...base, ...mi }, { useManagedIdentity: "yes" })).toThrow(/must be "true" or "false"/);
  });

  test("nothing at all: one error listing every way to sign in; a missing client id is named for app credentials", () => {
    let e: unknown;
    try {
      resolveTenantSettings(() => undefined, { AZURE_TENANT_ID: TENANT });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(SettingsError);
    expect((e as Error).message).toMatch(
      /no credential: set teams-bot-numbers:clientSecret .*federatedTokenFile .*GitHub Actions .*Azure Pipelines .*managed identity/,
    );
    expect(() => resolveTenantSettings(() => undefined, { AZURE_TENANT_ID: TENANT, ...gh })).toThrow(
      /teams-bot-numbers:clientId \(or AZURE_CLIENT_ID\) is not set/,
    );
  });
});

/** A JWT-shaped token (unsigned: the source only reads its claims). */
const jwtWith = (claims: Record<string, unknown>): string =>
  ["e30", Buffer.from(JSON.stringify(claims)).toString("base64url"), "sig"].join(".");

describe("federated token source", () => {
  test("a GitHub token is reused until near expiry, then requested again with the audience and bearer", async () => {
    const now = Math.floor(Date.now() / 1000);
    const calls: string[] = [];
    let exp = now + 3600;
    const fake = (async (url: string, init?: RequestInit) => {
      calls.push(`${url} ${(init?.headers as Record<string, string>).authorization}`);
      return new Response(JSON.stringify({ value: jwtWith({ iss: "i", sub: "s", aud: "a", iat: now, exp }) }));
    }) as typeof fetch;
    const src = new AssertionSource(
      {
        kind: "githubOidc",
        requestUrl: "https://r/t?api-version=2.0",
        requestToken: "RT",
        audience: "api://AzureADTokenExchange",
      },
      fake,
    );
    await src.get();
    await src.get();
    expect(calls).toEqual(["https://r/t?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange Bearer RT"]);
    exp = now + 30; // a short-lived token: refreshed at every use
    src.invalidate();
    await src.get();
    await src.get();
    expect(calls).toHaveLength(3);
    expect(src.presented()).toMatchObject({ iss: "i", sub: "s", aud: "a" });
  });

  test("a token file is read again when it nears expiry (the platform rotates it); a missing file names the setting", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-tok-"));
    const file = path.join(dir, "token");
    const now = Math.floor(Date.now() / 1000);
    fs.writeFileSync(file, jwtWith({ sub: "one", iat: now, exp: now + 20 }));
    const src = new AssertionSource({ kind: "tokenFile", path: file });
    await src.get();
    fs.writeFileSync(file, jwtWith({ sub: "two", iat: now, exp: now + 3600 }));
    await src.get();
    expect(src.presented()?.sub).toBe("two");
    await expect(new AssertionSource({ kind: "tokenFile", path: path.join(dir, "none") }).get()).rejects.toThrow(
      /getting a federated token from the federated token file .*none: .*ENOENT.*\(FederatedTokenUnavailable\)\. Set teams-bot-numbers:federatedTokenFile \(or AZURE_FEDERATED_TOKEN_FILE\)/,
    );
  });
});

describe("regress: the PowerShell host gets none of the run's credentials", () => {
  test("storage keys, job request tokens and identity headers are stripped from its environment", async () => {
    const leaks = {
      AZURE_STORAGE_KEY: "k",
      AZURE_STORAGE_SAS_TOKEN: "sas",
      AZURE_STORAGE_CONNECTION_STRING: "cs",
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "rt",
      SYSTEM_ACCESSTOKEN: "at",
      IDENTITY_HEADER: "ih",
      AZURE_FEDERATED_TOKEN_FILE: "/f",
    };
    const saved = { ...process.env };
    Object.assign(process.env, leaks);
    try {
      // A stand-in for pwsh that prints the environment it was given.
      const fakePwsh = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tbn-env-")), "pwsh");
      fs.writeFileSync(fakePwsh, "#!/bin/sh\nenv\n", { mode: 0o755 });
      const child = spawnHost(fakePwsh);
      let out = "";
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      await child;
      const seen = Object.keys(leaks).filter((k) => new RegExp(`^${k}=`, "m").test(out));
      expect(seen).toEqual([]);
      expect(out).toMatch(/^PATH=/m);
    } finally {
      process.env = saved;
    }
  });
});
