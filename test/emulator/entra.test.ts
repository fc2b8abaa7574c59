/* eslint-disable @typescript-eslint/no-explicit-any -- contract tests assert on untyped JSON wire bodies */
/** Entra contract: OIDC metadata, JWKS, client credentials (secret and certificate) with the real MSAL, and AADSTS errors. */
import * as crypto from "crypto";
import * as fs from "fs";
import jwt from "jsonwebtoken";

import { withEmulator } from "../helpers/emulator";
import { GRAPH_SCOPE, msalApp, TEAMS_SCOPE, token } from "../helpers/tenant-clients";

const emu = withEmulator();

async function postToken(
  form: Record<string, string>,
  tenant?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const t = emu();
  const res = await fetch(`${t.url}/${tenant ?? t.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: await res.json() };
}

function secretForm(over: Record<string, string> = {}): Record<string, string> {
  const t = emu();
  return {
    grant_type: "client_credentials",
    client_id: t.clientId,
    client_secret: t.clientSecret,
    scope: GRAPH_SCOPE,
    ...over,
  };
}

function expectAadsts(
  r: { status: number; body: any },
  status: number,
  error: string,
  code: number,
  text: string,
): void {
  expect(r.status).toBe(status);
  expect(r.body.error).toBe(error);
  expect(r.body.error_codes).toEqual([code]);
  expect(r.body.error_description).toContain(`AADSTS${code}: ${text}`);
  for (const k of ["timestamp", "trace_id", "correlation_id"]) expect(typeof r.body[k]).toBe("string");
}

/** Builds a client assertion like MSAL does, with overrides. */
function assertion(
  opts: {
    key?: string;
    alg?: "PS256" | "RS256";
    aud?: string;
    iss?: string;
    expOffsetS?: number;
    x5t256?: string;
  } = {},
): string {
  const t = emu();
  const pem = fs.readFileSync(t.certificatePath, "utf8");
  const key = opts.key ?? pem.slice(pem.indexOf("-----BEGIN PRIVATE KEY-----"));
  const now = Math.floor(Date.now() / 1000);
  const x5t = opts.x5t256 ?? Buffer.from(t.certificateThumbprintSha256, "hex").toString("base64url");
  return jwt.sign(
    {
      aud: opts.aud ?? `${t.url}/${t.tenantId}/oauth2/v2.0/token`,
      iss: opts.iss ?? t.clientId,
      sub: opts.iss ?? t.clientId,
      jti: crypto.randomUUID(),
      nbf: now - 10,
      exp: now + (opts.expOffsetS ?? 600),
    },
    key,
    {
      algorithm: opts.alg ?? "PS256",
      header: { alg: opts.alg ?? "PS256", typ: "JWT", "x5t#S256": x5t } as jwt.JwtHeader,
    },
  );
}

function assertionForm(a: string): Record<string, string> {
  const t = emu();
  return {
    grant_type: "client_credentials",
    client_id: t.clientId,
    scope: GRAPH_SCOPE,
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    client_assertion: a,
  };
}

describe("metadata", () => {
  test("openid-configuration names issuer and endpoints on the emulator host", async () => {
    const t = emu();
    const res = await fetch(`${t.url}/${t.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const m = (await res.json()) as Record<string, string>;
    expect(m.issuer).toBe(`${t.url}/${t.tenantId}/v2.0`);
    expect(m.token_endpoint).toBe(`${t.url}/${t.tenantId}/oauth2/v2.0/token`);
    expect(m.jwks_uri).toBe(`${t.url}/${t.tenantId}/discovery/v2.0/keys`);
    expect(m.authorization_endpoint).toBe(`${t.url}/${t.tenantId}/oauth2/v2.0/authorize`);
  });

  test("the tenant may be addressed by a verified domain; unknown tenants get AADSTS90002", async () => {
    const t = emu();
    const ok = await fetch(`${t.url}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`);
    expect(ok.status).toBe(200);
    const r = await postToken(secretForm(), "fabrikam.onmicrosoft.com");
    expectAadsts(r, 400, "invalid_request", 90002, "Tenant 'fabrikam.onmicrosoft.com' not found.");
  });

  test("tokens verify against the published JWKS", async () => {
    const t = emu();
    const tok = await token(msalApp(t), GRAPH_SCOPE);
    const jwks = (await (await fetch(`${t.url}/${t.tenantId}/discovery/v2.0/keys`)).json()) as {
      keys: (crypto.JsonWebKey & { kid: string })[];
    };
    const header = jwt.decode(tok, { complete: true })!.header;
    const jwk = jwks.keys.find((k) => k.kid === header.kid)!;
    expect(jwk).toBeDefined();
    const key = crypto.createPublicKey({ key: jwk, format: "jwk" });
    expect(() => jwt.verify(tok, key, { algorithms: ["RS256"] })).not.toThrow();
  });
});

describe("client credentials with the real MSAL", () => {
  test("secret: Graph token carries aud, tid, appid, roles, wids and a 1 h lifetime", async () => {
    const t = emu();
    const c = jwt.decode(await token(msalApp(t), GRAPH_SCOPE)) as Record<string, any>;
    expect(c.aud).toBe("https://graph.microsoft.com");
    expect(c.iss).toBe(`${t.url}/${t.tenantId}/v2.0`);
    expect(c.tid).toBe(t.tenantId);
    expect(c.appid).toBe(t.clientId);
    expect(c.azp).toBe(t.clientId);
    expect(typeof c.oid).toBe("string");
    expect(c.roles).toEqual(
      expect.arrayContaining([
        "User.ReadWrite.All",
        "LicenseAssignment.ReadWrite.All",
        "Organization.Read.All",
        "TeamsTelephoneNumber.ReadWrite.All",
      ]),
    );
    expect(c.wids).toEqual(["69091246-20e8-4a56-aa4d-066075b2a7a8"]);
    expect(c.exp - c.iat).toBe(3600);
  });

  test("secret: Teams admin API token (both scope spellings)", async () => {
    const t = emu();
    const a = jwt.decode(await token(msalApp(t), TEAMS_SCOPE)) as Record<string, any>;
    expect(a.aud).toBe("48ac35b8-9aa8-4d74-927d-1f4a14a0b239");
    const b = jwt.decode(await token(msalApp(t), "api://48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default")) as Record<
      string,
      any
    >;
    expect(b.aud).toBe("48ac35b8-9aa8-4d74-927d-1f4a14a0b239");
  });

  test("certificate (PS256 + x5t#S256 assertion built by MSAL)", async () => {
    const t = emu();
    const c = jwt.decode(await token(msalApp(t, { certificate: true }), GRAPH_SCOPE)) as Record<string, any>;
    expect(c.appid).toBe(t.clientId);
    expect(c.aud).toBe("https://graph.microsoft.com");
  });

  test("a wrong secret surfaces through MSAL as invalid_client / AADSTS7000215", async () => {
    const t = emu();
    await expect(token(msalApp(t, { clientSecret: "wrong" }), GRAPH_SCOPE)).rejects.toMatchObject({
      errorCode: "invalid_client",
      errorMessage: expect.stringContaining("AADSTS7000215"),
    });
  });

  test("the reader app gets only its granted roles and no directory role", async () => {
    const t = emu();
    const c = jwt.decode(await token(msalApp(t, t.reader), GRAPH_SCOPE)) as Record<string, any>;
    expect(c.roles.sort()).toEqual(["TeamsTelephoneNumber.Read.All", "User.Read.All"]);
    expect(c.wids).toEqual([]);
  });
});

describe("token endpoint errors", () => {
  test("HTTP Basic client authentication is accepted", async () => {
    const t = emu();
    const basic = Buffer.from(`${t.clientId}:${encodeURIComponent(t.clientSecret)}`).toString("base64");
    const r = await postToken({ grant_type: "client_credentials", scope: GRAPH_SCOPE }, undefined, {
      authorization: `Basic ${basic}`,
    });
    expect(r.status).toBe(200);
    expect(r.body.token_type).toBe("Bearer");
    expect(r.body.expires_in).toBe(3599);
  });

  test("unknown app: AADSTS700016", async () => {
    const r = await postToken(secretForm({ client_id: "11111111-2222-4333-8444-555555555555" }));
    expectAadsts(
      r,
      400,
      "unauthorized_client",
      700016,
      "Application with identifier '11111111-2222-4333-8444-555555555555' was not found in the directory",
    );
  });

  test("invalid secret: AADSTS7000215, never echoing the secret", async () => {
    const r = await postToken(secretForm({ client_secret: "not-the-secret-xyz" }));
    expectAadsts(r, 401, "invalid_client", 7000215, "Invalid client secret provided.");
    expect(JSON.stringify(r.body)).not.toContain("not-the-secret-xyz");
  });

  test("no credential at all: AADSTS7000218", async () => {
    const f = secretForm();
    delete (f as Partial<typeof f>).client_secret;
    expectAadsts(
      await postToken(f),
      401,
      "invalid_client",
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  });

  test.each([["https://graph.microsoft.com/User.Read"], ["openid"]])("invalid scope %s: AADSTS70011", async (scope) => {
    expectAadsts(
      await postToken(secretForm({ scope })),
      400,
      "invalid_scope",
      70011,
      "The provided value for the input parameter 'scope' is not valid.",
    );
  });

  test("scopes of two resources: AADSTS700022 (reference-error-codes.md, InvalidMultipleResourcesScope)", async () => {
    expectAadsts(
      await postToken(
        secretForm({ scope: "https://graph.microsoft.com/.default 48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default" }),
      ),
      400,
      "invalid_scope",
      700022,
      "The provided value for the input parameter scope isn't valid because it contains more than one resource.",
    );
  });

  test("unknown resource: AADSTS500011", async () => {
    expectAadsts(
      await postToken(secretForm({ scope: "https://vault.azure.net/.default" })),
      400,
      "invalid_resource",
      500011,
      "The resource principal named https://vault.azure.net was not found",
    );
  });

  test("unsupported grant type: AADSTS70003", async () => {
    expectAadsts(
      await postToken(secretForm({ grant_type: "password" })),
      400,
      "unsupported_grant_type",
      70003,
      "The app requested an unsupported grant type 'password'.",
    );
  });

  test("assertion signed by another key with the registered thumbprint: AADSTS700027", async () => {
    const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    const other = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expectAadsts(
      await postToken(assertionForm(assertion({ key: other }))),
      401,
      "invalid_client",
      700027,
      "Client assertion failed signature validation.",
    );
  });

  test("assertion naming an unregistered certificate: AADSTS700027", async () => {
    const r = await postToken(assertionForm(assertion({ x5t256: Buffer.alloc(32, 7).toString("base64url") })));
    expectAadsts(
      r,
      401,
      "invalid_client",
      700027,
      "The certificate with identifier used to sign the client assertion is not registered on application.",
    );
  });

  test("expired assertion: AADSTS700024", async () => {
    expectAadsts(
      await postToken(assertionForm(assertion({ expOffsetS: -30 }))),
      401,
      "invalid_client",
      700024,
      "Client assertion is not within its valid time range.",
    );
  });

  test("assertion for another audience: AADSTS50013", async () => {
    expectAadsts(
      await postToken(assertionForm(assertion({ aud: "https://login.microsoftonline.com/x/oauth2/v2.0/token" }))),
      401,
      "invalid_client",
      50013,
      "Assertion audience does not match",
    );
  });

  test("assertion whose iss/sub is another app: AADSTS700021", async () => {
    expectAadsts(
      await postToken(assertionForm(assertion({ iss: "7a4d0e2f-1c3b-4e5a-8f69-0b1c2d3e4f58" }))),
      401,
      "invalid_client",
      700021,
      "Client assertion application identifier doesn't match 'client_id' parameter.",
    );
  });

  test("a hand-built RS256 assertion is accepted too", async () => {
    const r = await postToken(assertionForm(assertion({ alg: "RS256" })));
    expect(r.status).toBe(200);
  });
});
