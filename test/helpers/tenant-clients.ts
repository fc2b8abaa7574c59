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
export function msalApp(t: TestEmulator, cred: { clientId?: string; clientSecret?: string; certificate?: boolean } = {}): ConfidentialClientApplication {
  const clientId = cred.clientId ?? t.clientId;
  const auth = { clientId, authority: `${t.url}/${t.tenantId}`, knownAuthorities: [`localhost:${t.port}`] };
  if (cred.certificate) {
    const pem = fs.readFileSync(t.certificatePath, "utf8");
    const privateKey = pem.slice(pem.indexOf("-----BEGIN PRIVATE KEY-----"));
    return new ConfidentialClientApplication({ auth: { ...auth, clientCertificate: { thumbprintSha256: t.certificateThumbprintSha256, privateKey } } });
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
export function graphClient(t: TestEmulator, app: ConfidentialClientApplication | (() => Promise<string>) = msalApp(t)): Client {
  const getAccessToken = typeof app === "function" ? app : () => token(app, GRAPH_SCOPE);
  return Client.initWithMiddleware({ authProvider: { getAccessToken }, baseUrl: t.url, customHosts: new Set(["localhost"]) });
}
