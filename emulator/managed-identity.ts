/**
 * The managed-identity endpoint of an Azure-hosted runner, in the App Service / Container Apps form
 * (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`): plain HTTP on 127.0.0.1, `GET ?resource=&api-version=2019-08-01`
 * with the `X-IDENTITY-HEADER` secret, optional `client_id` / `principal_id` / `object_id` for a
 * user-assigned identity. Tokens are issued by the emulator's Entra for the app registration marked
 * as the host's managed identity in the fixture (`managedIdentity`: systemAssigned | userAssigned).
 */
import * as crypto from "crypto";
import * as http from "http";
import { AddressInfo } from "net";

import { GRAPH_RESOURCE, TEAMS_ADMIN_API } from "./constants";
import { EmulatorContext } from "./context";
import type { AppRec } from "./state";

/** A running managed-identity endpoint. */
export interface ManagedIdentityEndpoint {
  /** Value for IDENTITY_ENDPOINT. */
  endpoint: string;
  /** Value for IDENTITY_HEADER (random per start, like the platform's rotated value). */
  identityHeader: string;
  /** Token requests answered (successfully or not). */
  requests(): number;
  stop(): Promise<void>;
}

/** The audience for a `resource` query value, or undefined when the emulator does not serve it. */
function audienceFor(resource: string): string | undefined {
  const r = resource.replace(/\/\.default$/, "").replace(/\/+$/, "");
  if (r === GRAPH_RESOURCE || r === "00000003-0000-0000-c000-000000000000") return GRAPH_RESOURCE;
  if (r === TEAMS_ADMIN_API || r === `api://${TEAMS_ADMIN_API}`) return TEAMS_ADMIN_API;
  return undefined;
}

function send(res: http.ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

/** Picks the identity a request asks for (documented: no id parameter = system-assigned). */
function pick(ctx: EmulatorContext, q: URLSearchParams): { app?: AppRec; problem?: string } {
  const ids = ["client_id", "principal_id", "object_id", "mi_res_id"].filter((k) => q.has(k));
  if (ids.length > 1) return { problem: `Only one of ${ids.join(", ")} may be given.` };
  const apps = ctx.store.state.apps;
  if (ids.length === 0) {
    const app = apps.find((a) => a.managedIdentity === "systemAssigned");
    return app ? { app } : { problem: "No system-assigned managed identity is enabled on this host." };
  }
  const value = q.get(ids[0]!)!.toLowerCase();
  const app = apps.find(
    (a) =>
      a.managedIdentity === "userAssigned" &&
      (ids[0] === "client_id" ? a.clientId === value : a.servicePrincipalId === value),
  );
  return app
    ? { app }
    : { problem: `No user-assigned managed identity with ${ids[0]} '${value}' is assigned to this host.` };
}

/** Starts the endpoint on 127.0.0.1 (ephemeral port). */
export async function startManagedIdentityEndpoint(ctx: EmulatorContext): Promise<ManagedIdentityEndpoint> {
  const identityHeader = crypto.randomUUID();
  let requests = 0;
  const server = http.createServer((req, res) => {
    void (async () => {
      requests += 1;
      await ctx.faults.delay("entra");
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (req.method !== "GET" || url.pathname !== "/msi/token")
        return send(res, 404, { error: "not_found", error_description: `No endpoint ${req.method} ${url.pathname}.` });
      if (req.headers["x-identity-header"] !== identityHeader)
        return send(res, 401, {
          error: "invalid_request",
          error_description: "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.",
        });
      const apiVersion = url.searchParams.get("api-version");
      if (!apiVersion || apiVersion < "2019-08-01")
        return send(res, 400, {
          error: "invalid_request",
          error_description: `api-version must be 2019-08-01 or later, got '${apiVersion ?? ""}'.`,
        });
      const resource = url.searchParams.get("resource") ?? "";
      const audience = audienceFor(resource);
      if (!audience)
        return send(res, 400, {
          error: "invalid_resource",
          error_description: `AADSTS500011: The resource principal named ${resource || "(none)"} was not found in the tenant named ${ctx.store.state.tenant.displayName}.`,
        });
      const { app, problem } = pick(ctx, url.searchParams);
      if (!app) return send(res, 400, { error: "invalid_request", error_description: problem });
      ctx.stats.tokenRequests += 1;
      const tid = ctx.store.state.tenant.id;
      const roles = audience === GRAPH_RESOURCE ? [...app.graphRoles] : [];
      const { token, expiresInS } = ctx.tokens.issue(app, audience, roles, `${ctx.baseUrl}/${tid}/v2.0`, tid);
      send(res, 200, {
        access_token: token,
        expires_on: String(Math.floor(Date.now() / 1000) + expiresInS),
        resource,
        token_type: "Bearer",
        client_id: app.clientId,
      });
    })().catch((e: Error) => send(res, 400, { error: "invalid_request", error_description: e.message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}/msi/token`,
    identityHeader,
    requests: () => requests,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
