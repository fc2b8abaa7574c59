/* eslint-disable @typescript-eslint/no-explicit-any -- contract tests assert on untyped JSON wire bodies */
/** Real MSAL and Graph clients wired to a test emulator (secret or certificate). */
import * as fs from "fs";
import { ConfidentialClientApplication } from "@azure/msal-node";
import { Client } from "@microsoft/microsoft-graph-client";

import { TestEmulator } from "./emulator";

/** Graph resource scope. */
export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
/** Skype and Teams Tenant Admin API scope. */
export const TEAMS_SCOPE = "48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default";

/** A ConfidentialClientApplication for the deployer (secret by default) or any app. */
export function msalApp(
  t: TestEmulator,
  cred: { clientId?: string; clientSecret?: string; certificate?: boolean } = {},
): ConfidentialClientApplication {
  const clientId = cred.clientId ?? t.clientId;
  const auth = { clientId, authority: `${t.url}/${t.tenantId}`, knownAuthorities: [`localhost:${t.port}`] };
  if (cred.certificate) {
    const pem = fs.readFileSync(t.certificatePath, "utf8");
    const privateKey = pem.slice(pem.indexOf("-----BEGIN PRIVATE KEY-----"));
    return new ConfidentialClientApplication({
      auth: { ...auth, clientCertificate: { thumbprintSha256: t.certificateThumbprintSha256, privateKey } },
    });
  }
  return new ConfidentialClientApplication({ auth: { ...auth, clientSecret: cred.clientSecret ?? t.clientSecret } });
}

/** Acquires an access token for a scope. */
export async function token(app: ConfidentialClientApplication, scope: string): Promise<string> {
  const r = await app.acquireTokenByClientCredential({ scopes: [scope] });
  if (!r) throw new Error("MSAL returned no token");
  return r.accessToken;
}

/** A Graph client whose tokens come from `app` (or a fixed token provider). */
export function graphClient(
  t: TestEmulator,
  app: ConfidentialClientApplication | (() => Promise<string>) = msalApp(t),
): Client {
  const getAccessToken = typeof app === "function" ? app : () => token(app, GRAPH_SCOPE);
  return Client.initWithMiddleware({
    authProvider: { getAccessToken },
    baseUrl: t.url,
    customHosts: new Set(["localhost"]),
  });
}

/** Calls an emulated Teams cmdlet over HTTP (what the stand-in does) with a Teams admin API token. */
export async function cmdlet(
  t: TestEmulator,
  name: string,
  parameters: Record<string, unknown>,
  app = msalApp(t),
): Promise<{
  status: number;
  output?: Record<string, unknown>[];
  error?: { message: string; fullyQualifiedErrorId: string };
}> {
  const res = await fetch(`${t.url}/teams/cmdlets/${name}`, {
    method: "POST",
    headers: { authorization: `Bearer ${await token(app, TEAMS_SCOPE)}`, "content-type": "application/json" },
    body: JSON.stringify({ parameters }),
  });
  const body = (await res.json()) as {
    output?: Record<string, unknown>[];
    error?: { message: string; fullyQualifiedErrorId: string };
  };
  return { status: res.status, ...body };
}

/** Creates a resource account through New-CsOnlineApplicationInstance; returns its object id. */
export async function newResourceAccount(t: TestEmulator, upn: string, applicationId?: string): Promise<string> {
  const r = await cmdlet(t, "New-CsOnlineApplicationInstance", {
    UserPrincipalName: upn,
    DisplayName: upn.split("@")[0],
    ...(applicationId ? { ApplicationId: applicationId } : {}),
  });
  if (r.status !== 200 || !r.output?.[0])
    throw new Error(`New-CsOnlineApplicationInstance failed: ${JSON.stringify(r)}`);
  return r.output[0].ObjectId as string;
}

/** Runs a Graph call and returns its error's status, code and message (fails if it succeeds). */
export async function graphFailure(
  p: Promise<unknown>,
): Promise<{ statusCode: number; code: string; message: string; body: any }> {
  try {
    await p;
  } catch (e) {
    const g = e as { statusCode: number; code: string; message: string; body?: string };
    return {
      statusCode: g.statusCode,
      code: g.code,
      message: g.message,
      body: typeof g.body === "string" ? JSON.parse(g.body) : g.body,
    };
  }
  throw new Error("expected the Graph call to fail, it succeeded");
}
