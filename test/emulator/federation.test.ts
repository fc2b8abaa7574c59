/* eslint-disable @typescript-eslint/no-explicit-any -- contract tests assert on untyped JSON wire bodies */
/**
 * Workload identity federation and managed identity contract: the local OIDC issuers (discovery +
 * JWKS), the CI request endpoints (GitHub Actions, Azure DevOps), the token endpoint validating an
 * external `client_assertion` against the app's federated identity credentials with the documented
 * AADSTS code per mismatch, and the App Service-form managed-identity endpoint — with the real MSAL.
 */
import { ConfidentialClientApplication, ManagedIdentityApplication } from "@azure/msal-node";
import jwt from "jsonwebtoken";

import { TestEmulator, withEmulator } from "../helpers/emulator";
import { GRAPH_SCOPE } from "../helpers/tenant-clients";

const emu = withEmulator();
const PREVIEW_APP = "5b8e2c1d-9f4a-4e6b-8c3d-2a1f0e9d8c71";
const SYSTEM_MI = "c4a1e7d2-3b5f-4a8c-9d6e-1f2a3b4c5d81";
const USER_MI = "e9d8c7b6-a5f4-4e3d-8c2b-1a0f9e8d7c92";
const MAIN = "repo:contoso/teams-bot-numbers:ref:refs/heads/main";

async function mint(body: Record<string, unknown>): Promise<string> {
  return (await emu().admin.post<{ token: string }>("/identity/mint", body)).token;
}

/** MSAL with an external token as client assertion. */
function federatedApp(t: TestEmulator, clientId: string, assertion: string): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId,
      authority: `${t.url}/${t.tenantId}`,
      knownAuthorities: [`localhost:${t.port}`],
      clientAssertion: assertion,
    },
  });
}

async function postAssertion(clientId: string, assertion: string): Promise<{ status: number; body: any }> {
  const t = emu();
  const res = await fetch(`${t.url}/${t.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      scope: GRAPH_SCOPE,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    }).toString(),
  });
  return { status: res.status, body: await res.json() };
}

describe("OIDC issuers", () => {
  test.each(["github", "azure-devops", "kubernetes"])(
    "%s: discovery document and JWKS verify its tokens",
    async (name) => {
      const t = emu();
      const iss = `${t.url}/oidc/${name}`;
      const meta: any = await (await fetch(`${iss}/.well-known/openid-configuration`)).json();
      expect(meta.issuer).toBe(iss);
      expect(meta.id_token_signing_alg_values_supported).toEqual(["RS256"]);
      const jwks: any = await (await fetch(meta.jwks_uri)).json();
      const token = await mint({ issuer: name, subject: "s" });
      const header = jwt.decode(token, { complete: true })!.header;
      const key = jwks.keys.find((k: any) => k.kid === header.kid);
      const { createPublicKey } = await import("crypto");
      const claims = jwt.verify(token, createPublicKey({ key, format: "jwk" }), { algorithms: ["RS256"] }) as any;
      expect(claims).toMatchObject({ iss, sub: "s", aud: "api://AzureADTokenExchange" });
    },
  );

  test("GitHub request endpoint: the job's request token gets an ID token for the asked audience; a wrong one 401", async () => {
    const t = emu();
    const job = await t.admin.post<{ requestUrl: string; requestToken: string }>("/identity/jobs", {
      kind: "github",
      subject: MAIN,
    });
    const ok = await fetch(`${job.requestUrl}&audience=${encodeURIComponent("api://AzureADTokenExchange")}`, {
      headers: { authorization: `Bearer ${job.requestToken}` },
    });
    expect(ok.status).toBe(200);
    const { value } = (await ok.json()) as { value: string };
    expect(jwt.decode(value)).toMatchObject({ sub: MAIN, aud: "api://AzureADTokenExchange" });
    const bad = await fetch(`${job.requestUrl}&audience=x`, { headers: { authorization: "Bearer nope" } });
    expect(bad.status).toBe(401);
  });

  test("Azure DevOps request endpoint: System.AccessToken + serviceConnectionId gets an ID token; another connection 400", async () => {
    const t = emu();
    const sc = "0d4f6a2b-7c1e-4b3a-9f8d-5e6c7b8a9d01";
    const job = await t.admin.post<{ requestUrl: string; requestToken: string }>("/identity/jobs", {
      kind: "azure-devops",
      subject: "sc://contoso/teams-bots/teams-bot-numbers-prod",
      serviceConnectionId: sc,
    });
    const call = (id: string) =>
      fetch(`${job.requestUrl}?api-version=7.1&serviceConnectionId=${id}`, {
        method: "POST",
        headers: { authorization: `Bearer ${job.requestToken}`, "content-type": "application/json" },
      });
    const ok = await call(sc);
    expect(ok.status).toBe(200);
    const { oidcToken } = (await ok.json()) as { oidcToken: string };
    expect(jwt.decode(oidcToken)).toMatchObject({ sub: "sc://contoso/teams-bots/teams-bot-numbers-prod" });
    expect((await call("11111111-1111-4111-8111-111111111111")).status).toBe(400);
  });
});

describe("token endpoint: federated client assertion", () => {
  test("a GitHub token for main is exchanged by MSAL for a Graph token of the deployer app", async () => {
    const t = emu();
    const app = federatedApp(t, t.clientId, await mint({ issuer: "github", subject: MAIN }));
    const r = await app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
    expect(jwt.decode(r!.accessToken)).toMatchObject({
      appid: t.clientId,
      roles: expect.arrayContaining(["User.ReadWrite.All"]),
    });
  });

  test("a Kubernetes service-account token is exchanged for the deployer (token-file case)", async () => {
    const t = emu();
    const r = await postAssertion(
      t.clientId,
      await mint({ issuer: "kubernetes", subject: "system:serviceaccount:deploy:teams-bot-numbers" }),
    );
    expect(r.status).toBe(200);
    expect(typeof r.body.access_token).toBe("string");
  });

  test.each([
    ["issuer the app does not trust", PREVIEW_APP, { issuer: "kubernetes", subject: MAIN }, 700211, "issuer"],
    [
      "subject of a fork's pull request",
      "",
      { issuer: "github", subject: "repo:mallory/teams-bot-numbers:pull_request" },
      700213,
      "subject",
    ],
    ["audience", "", { issuer: "github", subject: MAIN, audience: "api://SomethingElse" }, 700212, "audience"],
  ] as const)(
    "mismatch: %s → the documented AADSTS code naming what was presented",
    async (_l, client, m, code, what) => {
      const t = emu();
      const r = await postAssertion(client || t.clientId, await mint(m));
      expect(r.status).toBe(400);
      expect(r.body.error).toBe("invalid_client");
      expect(r.body.error_codes).toEqual([code]);
      expect(r.body.error_description).toMatch(
        new RegExp(`^AADSTS${code}: No matching federated identity record found for presented assertion ${what} '`),
      );
      expect(r.body.access_token).toBeUndefined();
    },
  );

  test("expired token → AADSTS700024 (not within its valid time range)", async () => {
    const r = await postAssertion(
      emu().clientId,
      await mint({ issuer: "github", subject: MAIN, offsetS: -600, lifetimeS: 300 }),
    );
    expect(r.body.error_codes).toEqual([700024]);
    expect(r.body.error_description).toContain("AADSTS700024: Client assertion is not within its valid time range.");
  });

  test("token signed with a key not in the issuer's JWKS → AADSTS700027", async () => {
    const r = await postAssertion(emu().clientId, await mint({ issuer: "github", subject: MAIN, forge: true }));
    expect(r.status).toBe(401);
    expect(r.body.error_codes).toEqual([700027]);
  });

  test("app without federated credentials → AADSTS70025", async () => {
    const t = emu();
    const r = await postAssertion(t.reader.clientId, await mint({ issuer: "github", subject: MAIN }));
    expect(r.body.error_codes).toEqual([70025]);
  });

  test("the preview app trusts pull requests; the deployer does not", async () => {
    const t = emu();
    const pr = await mint({ issuer: "github", subject: "repo:contoso/teams-bot-numbers:pull_request" });
    expect((await postAssertion(PREVIEW_APP, pr)).status).toBe(200);
    expect((await postAssertion(t.clientId, pr)).body.error_codes).toEqual([700213]);
  });

  test("federated credentials can be replaced at run time (exactly one audience, as Graph requires)", async () => {
    const t = emu();
    await expect(
      t.admin.put(`/identity/apps/${t.reader.clientId}/federatedIdentityCredentials`, [
        { name: "x", issuer: "/oidc/github", subject: "s", audiences: ["a", "b"] },
      ]),
    ).rejects.toThrow(/exactly one audience/);
    await t.admin.put(`/identity/apps/${t.reader.clientId}/federatedIdentityCredentials`, [
      { name: "reader-gh", issuer: "/oidc/github", subject: "s", audiences: ["api://AzureADTokenExchange"] },
    ]);
    expect((await postAssertion(t.reader.clientId, await mint({ issuer: "github", subject: "s" }))).status).toBe(200);
  });
});

describe("managed-identity endpoint (App Service form)", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test("MSAL's ManagedIdentityApplication gets system- and user-assigned tokens over loopback HTTP", async () => {
    const t = emu();
    expect(t.emulator.managedIdentity.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/msi\/token$/);
    process.env.IDENTITY_ENDPOINT = t.emulator.managedIdentity.endpoint;
    process.env.IDENTITY_HEADER = t.emulator.managedIdentity.identityHeader;
    const system = new ManagedIdentityApplication({});
    expect(system.getManagedIdentitySource()).toBe("AppService");
    const s = await system.acquireToken({ resource: "https://graph.microsoft.com" });
    expect(jwt.decode(s.accessToken)).toMatchObject({ appid: SYSTEM_MI, aud: "https://graph.microsoft.com" });
    const user = new ManagedIdentityApplication({ managedIdentityIdParams: { userAssignedClientId: USER_MI } });
    const u = await user.acquireToken({ resource: "48ac35b8-9aa8-4d74-927d-1f4a14a0b239" });
    expect(jwt.decode(u.accessToken)).toMatchObject({ appid: USER_MI, aud: "48ac35b8-9aa8-4d74-927d-1f4a14a0b239" });
  });

  test("a wrong X-IDENTITY-HEADER is refused with 401; an unknown user-assigned id with 400", async () => {
    const t = emu();
    const base = `${t.emulator.managedIdentity.endpoint}?api-version=2019-08-01&resource=https://graph.microsoft.com`;
    expect((await fetch(base, { headers: { "x-identity-header": "wrong" } })).status).toBe(401);
    const r = await fetch(`${base}&client_id=11111111-1111-4111-8111-111111111111`, {
      headers: { "x-identity-header": t.emulator.managedIdentity.identityHeader },
    });
    expect(r.status).toBe(400);
  });
});
