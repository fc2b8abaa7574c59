/* eslint-disable @typescript-eslint/no-explicit-any -- contract tests assert on untyped JSON wire bodies */
/**
 * Issue 23, identity side: the managed-identity endpoint's path forms and `mi_res_id`, the IMDS
 * form (Azure VMs) through the real msal-node, Graph's federatedIdentityCredentials routes on
 * applications used end to end by a federated sign-in, and Entra's documented AADSTS per case.
 * Each regress test was red before its fix.
 */
import { ManagedIdentityApplication } from "@azure/msal-node";
import jwt from "jsonwebtoken";

import { loadFixture, type FixtureInput } from "../../emulator";
import { withEmulator, type TestEmulator } from "../helpers/emulator";
import { GRAPH_SCOPE, msalApp, token } from "../helpers/tenant-clients";

const SYSTEM_MI = "c4a1e7d2-3b5f-4a8c-9d6e-1f2a3b4c5d81";
const USER_MI = "e9d8c7b6-a5f4-4e3d-8c2b-1a0f9e8d7c92";
/** The user-assigned identity's Azure resource id (fixture apps[4].managedIdentityResourceId). */
const USER_MI_RESOURCE_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-teams-bot-numbers/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-teams-bot-numbers";

const fixture = structuredClone(loadFixture()) as unknown as FixtureInput & { apps: { graphRoles: string[] }[] };
// The deployer may manage app registrations here (Application.ReadWrite.All), to write federated credentials.
fixture.apps[0]!.graphRoles.push("Application.ReadWrite.All");
const emu = withEmulator(undefined, { fixture });

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("managed identity: App Service path forms and mi_res_id", () => {
  const root = (t: TestEmulator): string => new URL(t.emulator.managedIdentity.endpoint).origin;
  const ask = (t: TestEmulator, path: string, extra = ""): Promise<Response> =>
    fetch(`${root(t)}${path}?api-version=2019-08-01&resource=https://graph.microsoft.com${extra}`, {
      headers: { "x-identity-header": t.emulator.managedIdentity.identityHeader },
    });

  test.each(["/MSI/token", "/msi/token/", "/MSI/token/"])("regress: %s answers like /msi/token", async (path) => {
    const r = await ask(emu(), path);
    expect(r.status).toBe(200);
    expect(jwt.decode(((await r.json()) as any).access_token)).toMatchObject({ appid: SYSTEM_MI });
  });

  test("regress: mi_res_id (the identity's Azure resource id) selects the user-assigned identity", async () => {
    const r = await ask(emu(), "/msi/token", `&mi_res_id=${encodeURIComponent(USER_MI_RESOURCE_ID)}`);
    expect(r.status).toBe(200);
    expect(jwt.decode(((await r.json()) as any).access_token)).toMatchObject({ appid: USER_MI });
  });
});

describe("managed identity: the IMDS form (Azure VMs), through msal-node", () => {
  const host = (t: TestEmulator): string => t.emulator.managedIdentity.imdsAuthorityHost;

  test("regress: msal-node's IMDS source gets system- and user-assigned tokens from the emulator", async () => {
    const t = emu();
    delete process.env.IDENTITY_ENDPOINT;
    delete process.env.IDENTITY_HEADER;
    process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = host(t);
    const system = new ManagedIdentityApplication({});
    // msal-node names IMDS "DefaultToImds" when no other source's variables are set.
    expect(system.getManagedIdentitySource()).toBe("DefaultToImds");
    const s = await system.acquireToken({ resource: "https://graph.microsoft.com" });
    expect(jwt.decode(s.accessToken)).toMatchObject({ appid: SYSTEM_MI, aud: "https://graph.microsoft.com" });
    const user = new ManagedIdentityApplication({ managedIdentityIdParams: { userAssignedClientId: USER_MI } });
    const u = await user.acquireToken({ resource: "https://graph.microsoft.com" });
    expect(jwt.decode(u.accessToken)).toMatchObject({ appid: USER_MI });
  });

  test("regress: without `Metadata: true` IMDS answers 400 bad_request_102, as how-to-use-vm-token.md documents", async () => {
    const t = emu();
    const url = `${host(t)}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://graph.microsoft.com`;
    const r = await fetch(url);
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({
      error: "bad_request_102",
      error_description: "Required metadata header not specified",
    });
    const ok = await fetch(url, { headers: { Metadata: "true" } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      token_type: "Bearer",
      resource: "https://graph.microsoft.com",
      refresh_token: "",
    });
  });
});

describe("Graph: federatedIdentityCredentials on applications", () => {
  async function graph(
    t: TestEmulator,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: any }> {
    const res = await fetch(`${t.url}/v1.0${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await token(msalApp(t), GRAPH_SCOPE)}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function exchange(t: TestEmulator, subject: string): Promise<{ status: number; body: any }> {
    const assertion = (await t.admin.post<{ token: string }>("/identity/mint", { issuer: "github", subject })).token;
    const res = await fetch(`${t.url}/${t.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: t.clientId,
        scope: GRAPH_SCOPE,
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: assertion,
      }).toString(),
    });
    return { status: res.status, body: await res.json() };
  }

  test("regress: create, list, get by name, update and delete, by object id and by appId; the credential works at the token endpoint", async () => {
    const t = emu();
    const subject = "repo:contoso/teams-bot-numbers:environment:staging";
    const issuer = `${t.url}/oidc/github`;
    const byAppId = `/applications(appId='${t.clientId}')/federatedIdentityCredentials`;
    expect((await exchange(t, subject)).status).toBe(400);

    const created = await graph(t, "POST", byAppId, {
      name: "github-staging",
      issuer,
      subject,
      audiences: ["api://AzureADTokenExchange"],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "github-staging", issuer, subject, description: null });
    expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
    const objectId = /applications\('([0-9a-f-]{36})'\)/.exec(created.body["@odata.context"])![1]!;
    expect(objectId).not.toBe(t.clientId);
    expect((await exchange(t, subject)).status).toBe(200);

    const listed = await graph(t, "GET", `/applications/${objectId}/federatedIdentityCredentials`);
    expect(listed.status).toBe(200);
    expect(listed.body.value.map((f: any) => f.name)).toContain("github-staging");
    const filtered = await graph(
      t,
      "GET",
      `/applications/${objectId}/federatedIdentityCredentials?$filter=${encodeURIComponent(`subject eq '${subject}'`)}`,
    );
    expect(filtered.body.value).toEqual([expect.objectContaining({ name: "github-staging" })]);

    const patched = await graph(t, "PATCH", `/applications/${objectId}/federatedIdentityCredentials/github-staging`, {
      description: "staging deploys",
    });
    expect(patched.status).toBe(204);
    const byName = await graph(t, "GET", `${byAppId}/github-staging`);
    expect(byName.body).toMatchObject({ id: created.body.id, description: "staging deploys" });

    const gone = await graph(t, "DELETE", `/applications/${objectId}/federatedIdentityCredentials/${created.body.id}`);
    expect(gone.status).toBe(204);
    expect((await graph(t, "GET", `${byAppId}/github-staging`)).status).toBe(404);
    expect((await exchange(t, subject)).body.error_codes).toEqual([700213]);
  });

  test("regress: a second audience is refused, as federatedidentitycredential.md documents", async () => {
    const t = emu();
    const r = await graph(t, "POST", `/applications(appId='${t.clientId}')/federatedIdentityCredentials`, {
      name: "two-audiences",
      issuer: `${t.url}/oidc/github`,
      subject: "s",
      audiences: ["api://AzureADTokenExchange", "api://other"],
    });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/audiences/);
  });
});

describe("Entra token endpoint: the AADSTS Microsoft documents per case", () => {
  async function tokenRequest(t: TestEmulator, fields: Record<string, string>): Promise<{ status: number; body: any }> {
    const res = await fetch(`${t.url}/${t.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", ...fields }).toString(),
    });
    return { status: res.status, body: await res.json() };
  }

  test("unknown client id: 400 unauthorized_client AADSTS700016", async () => {
    const t = emu();
    const r = await tokenRequest(t, {
      client_id: "0d0d0d0d-1111-4222-8333-444455556666",
      client_secret: "x",
      scope: GRAPH_SCOPE,
    });
    expect(r).toMatchObject({ status: 400, body: { error: "unauthorized_client", error_codes: [700016] } });
  });

  test("a scope that is not <resource>/.default: 400 invalid_scope AADSTS70011", async () => {
    const t = emu();
    const r = await tokenRequest(t, {
      client_id: t.clientId,
      client_secret: t.clientSecret,
      scope: "https://graph.microsoft.com/User.Read.All",
    });
    expect(r).toMatchObject({ status: 400, body: { error: "invalid_scope", error_codes: [70011] } });
  });

  test("regress: two resources in one scope: AADSTS700022 InvalidMultipleResourcesScope", async () => {
    const t = emu();
    const r = await tokenRequest(t, {
      client_id: t.clientId,
      client_secret: t.clientSecret,
      scope: `${GRAPH_SCOPE} 48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default`,
    });
    expect(r).toMatchObject({ status: 400, body: { error: "invalid_scope", error_codes: [700022] } });
  });
});
