/**
 * The managed-identity endpoints of the emulated Azure host, on one plain-HTTP listener on 127.0.0.1
 * (sources and assumptions: emulator/FIDELITY.md, "Managed-identity endpoint"):
 * - App Service / Container Apps form (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`): `GET /msi/token`
 *   (any case, with or without a trailing slash) `?resource=&api-version=2019-08-01` with the
 *   `X-IDENTITY-HEADER` secret; `client_id` / `principal_id` / `object_id` / `mi_res_id` select a
 *   user-assigned identity;
 * - Azure VM form (IMDS, how-to-use-vm-token.md): `GET /metadata/identity/oauth2/token
 *   ?api-version=2018-02-01&resource=` with `Metadata: true`; `client_id` / `object_id` /
 *   `msi_res_id` select a user-assigned identity. msal-node and azure-identity reach it through
 *   `AZURE_POD_IDENTITY_AUTHORITY_HOST` (`imdsAuthorityHost`).
 * Tokens are issued by the emulator's Entra for the app registrations marked as the host's managed
 * identities in the fixture (`managedIdentity`: systemAssigned | userAssigned).
 */
import * as crypto from "crypto";
import * as http from "http";
import { AddressInfo } from "net";

import { ARM_AUDIENCES, GRAPH_RESOURCE, TEAMS_ADMIN_API } from "./constants";
import { EmulatorContext } from "./context";
import type { AppRec } from "./state";

/** The running managed-identity endpoints. */
export interface ManagedIdentityEndpoint {
  /** Value for IDENTITY_ENDPOINT (App Service form). */
  endpoint: string;
  /** Value for IDENTITY_HEADER (random per start, like the platform's rotated value). */
  identityHeader: string;
  /** Value for AZURE_POD_IDENTITY_AUTHORITY_HOST: where IMDS clients find `/metadata/identity/oauth2/token`. */
  imdsAuthorityHost: string;
  /** Token requests answered (successfully or not). */
  requests(): number;
  stop(): Promise<void>;
}

/** The audience for a `resource` query value, or undefined when the emulator does not serve it. */
function audienceFor(resource: string): string | undefined {
  const r = resource.replace(/\/\.default$/, "").replace(/\/+$/, "");
  if (r === GRAPH_RESOURCE || r === "00000003-0000-0000-c000-000000000000") return GRAPH_RESOURCE;
  if (r === TEAMS_ADMIN_API || r === `api://${TEAMS_ADMIN_API}`) return TEAMS_ADMIN_API;
  if ((ARM_AUDIENCES as readonly string[]).includes(r)) return r;
  return undefined;
}

class Refusal {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {}
}

/** How the two forms differ: path, secret header, id parameter names, API version, answer shape. */
interface Form {
  path: RegExp;
  check(req: http.IncomingMessage, ctx: EmulatorContext): Refusal | undefined;
  minApiVersion: string;
  ids: { param: string; by: "clientId" | "objectId" | "resourceId" }[];
  /** The error for an unknown resource. */
  unknownResource(resource: string, ctx: EmulatorContext): Refusal;
  /** The error when no identity the request names (or no system-assigned one) is on this host. */
  noIdentity(which: string | null): Refusal;
  answer(a: { token: string; expiresInS: number; resource: string; app: AppRec }): Record<string, string>;
}

const APP_SERVICE = (identityHeader: string): Form => ({
  path: /^\/msi\/token\/?$/i,
  check: (req) =>
    req.headers["x-identity-header"] !== identityHeader
      ? new Refusal(
          401,
          "invalid_request",
          "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.",
        )
      : undefined,
  minApiVersion: "2019-08-01",
  ids: [
    { param: "client_id", by: "clientId" },
    { param: "principal_id", by: "objectId" },
    { param: "object_id", by: "objectId" },
    { param: "mi_res_id", by: "resourceId" },
  ],
  unknownResource: (resource, ctx) =>
    new Refusal(
      400,
      "invalid_resource",
      `AADSTS500011: The resource principal named ${resource || "(none)"} was not found in the tenant named ${ctx.store.state.tenant.displayName}.`,
    ),
  noIdentity: (which) =>
    new Refusal(
      400,
      "invalid_request",
      which
        ? `No user-assigned managed identity with ${which} is assigned to this host.`
        : "No system-assigned managed identity is enabled on this host.",
    ),
  answer: ({ token, expiresInS, resource, app }) => ({
    access_token: token,
    expires_on: String(Math.floor(Date.now() / 1000) + expiresInS),
    resource,
    token_type: "Bearer",
    client_id: app.clientId,
  }),
});

const IMDS: Form = {
  path: /^\/metadata\/identity\/oauth2\/token\/?$/i,
  check: (req) =>
    req.headers.metadata !== "true"
      ? new Refusal(400, "bad_request_102", "Required metadata header not specified")
      : undefined,
  minApiVersion: "2018-02-01",
  ids: [
    { param: "client_id", by: "clientId" },
    { param: "object_id", by: "objectId" },
    { param: "msi_res_id", by: "resourceId" },
  ],
  unknownResource: (resource, ctx) =>
    new Refusal(
      400,
      "invalid_resource",
      `AADSTS50001: The application named ${resource || "(none)"} wasn't found in the tenant named ${ctx.store.state.tenant.id}. This message shows if the tenant administrator hasn't installed the application or no tenant user consented to it. You might have sent your authentication request to the wrong tenant.`,
    ),
  noIdentity: (which) =>
    which
      ? new Refusal(400, "invalid_request", "Identity not found")
      : new Refusal(
          400,
          "unauthorized_client",
          "The client isn't authorized to request an access token using this method.",
        ),
  answer: ({ token, expiresInS, resource }) => {
    const now = Math.floor(Date.now() / 1000);
    return {
      access_token: token,
      refresh_token: "",
      expires_in: String(expiresInS),
      expires_on: String(now + expiresInS),
      not_before: String(now),
      resource,
      token_type: "Bearer",
    };
  },
};

/** Picks the identity a request asks for (documented: no id parameter = system-assigned). */
function pick(ctx: EmulatorContext, form: Form, q: URLSearchParams): AppRec | Refusal {
  const given = form.ids.filter((i) => q.has(i.param));
  if (given.length > 1)
    return new Refusal(400, "invalid_request", `Only one of ${given.map((i) => i.param).join(", ")} may be given.`);
  const apps = ctx.store.state.apps;
  if (given.length === 0) return apps.find((a) => a.managedIdentity === "systemAssigned") ?? form.noIdentity(null);
  const { param, by } = given[0]!;
  const value = q.get(param)!.toLowerCase();
  const key = (a: AppRec): string | undefined =>
    by === "clientId"
      ? a.clientId
      : by === "objectId"
        ? a.servicePrincipalId
        : a.managedIdentityResourceId?.toLowerCase();
  return (
    apps.find((a) => a.managedIdentity === "userAssigned" && key(a) === value) ?? form.noIdentity(`${param} '${value}'`)
  );
}

function send(res: http.ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

/** Answers one token request of either form. */
function answer(ctx: EmulatorContext, form: Form, req: http.IncomingMessage, url: URL): [number, object] {
  const fail = (r: Refusal): [number, object] => [r.status, { error: r.error, error_description: r.description }];
  const refused = form.check(req, ctx);
  if (refused) return fail(refused);
  const apiVersion = url.searchParams.get("api-version");
  if (!apiVersion || apiVersion < form.minApiVersion)
    return fail(
      new Refusal(
        400,
        "invalid_request",
        `api-version must be ${form.minApiVersion} or later, got '${apiVersion ?? ""}'.`,
      ),
    );
  const resource = url.searchParams.get("resource") ?? "";
  const audience = audienceFor(resource);
  if (!audience) return fail(form.unknownResource(resource, ctx));
  const app = pick(ctx, form, url.searchParams);
  if (app instanceof Refusal) return fail(app);
  ctx.stats.tokenRequests += 1;
  const tid = ctx.store.state.tenant.id;
  const roles = audience === GRAPH_RESOURCE ? [...app.graphRoles] : [];
  const { token, expiresInS } = ctx.tokens.issue(app, audience, roles, `${ctx.baseUrl}/${tid}/v2.0`, tid);
  return [200, form.answer({ token, expiresInS, resource, app })];
}

/** Starts the endpoints on 127.0.0.1 (ephemeral port). */
export async function startManagedIdentityEndpoint(ctx: EmulatorContext): Promise<ManagedIdentityEndpoint> {
  const identityHeader = crypto.randomUUID();
  const forms = [APP_SERVICE(identityHeader), IMDS];
  let requests = 0;
  const server = http.createServer((req, res) => {
    void (async () => {
      requests += 1;
      await ctx.faults.delay("entra");
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const form = forms.find((f) => f.path.test(url.pathname));
      if (req.method !== "GET" || !form)
        return send(res, 404, { error: "not_found", error_description: `No endpoint ${req.method} ${url.pathname}.` });
      const [status, body] = answer(ctx, form, req, url);
      send(res, status, body);
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
    imdsAuthorityHost: `http://127.0.0.1:${port}`,
    requests: () => requests,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
