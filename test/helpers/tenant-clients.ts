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

/** Azure Resource Manager scope (the emulator issues ARM tokens too). */
export const ARM_SCOPE = "https://management.azure.com/.default";
/** The subscription and resource group the default fixture seeds, and where the deployer is Contributor. */
export const AZURE_SUBSCRIPTION = "7c0e4b2a-9d1f-4e3a-8b5c-6a7d8e9f0a31";
export const AZURE_RESOURCE_GROUP = "rg-teams-bots";

/** The ARM id of an Azure Bot (or of one of its channels) in the seeded resource group. */
export function botPath(name: string, channel?: string): string {
  const bot = `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/${AZURE_RESOURCE_GROUP}/providers/Microsoft.BotService/botServices/${name}`;
  return channel ? `${bot}/channels/${channel}` : bot;
}

/** Sends an ARM request to the emulator (api-version 2022-09-15 unless told; `apiVersion: null` sends none). */
export async function arm(
  t: TestEmulator,
  method: string,
  path: string,
  opts: { body?: unknown; app?: ConfidentialClientApplication; apiVersion?: string | null; token?: string | null } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const version = opts.apiVersion === undefined ? "2022-09-15" : opts.apiVersion;
  const sep = path.includes("?") ? "&" : "?";
  const url = `${t.url}${path}${version === null ? "" : `${sep}api-version=${version}`}`;
  const headers: Record<string, string> = { "content-type": "application/json" };
  const bearer = opts.token === undefined ? await token(opts.app ?? msalApp(t), ARM_SCOPE) : opts.token;
  if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
  const res = await fetch(url, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** A single-tenant Azure Bot body for an app id (PUT botServices). */
export function azureBot(
  msaAppId: string,
  tenantId: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    location: "global",
    kind: "azurebot",
    sku: { name: "F0" },
    properties: {
      displayName: "Incident Bot",
      endpoint: "https://bots.contoso.com/api/messages",
      msaAppId,
      msaAppType: "SingleTenant",
      msaAppTenantId: tenantId,
      ...extra,
    },
  };
}

/** A Microsoft Teams channel body (PUT botServices/channels/MsTeamsChannel). */
export function teamsChannel(properties: Record<string, unknown>): Record<string, unknown> {
  return { location: "global", properties: { channelName: "MsTeamsChannel", properties } };
}
