/**
 * Graph federated identity credentials of app registrations: list, create, get, update, delete, the
 * application addressed by object id (`/applications/{id}`) or by its `appId` alternate key
 * (`/applications(appId='…')`), the credential by id or by name. What is written here is what the
 * token endpoint matches external tokens against (emulator/federation.ts). Sources:
 * microsoft-graph-docs-contrib api-reference/v1.0/api/application-list-federatedidentitycredentials.md
 * (`$filter` eq, `$select`; Application.Read.All, Application.ReadWrite.OwnedBy, Application.ReadWrite.All),
 * application-post-federatedidentitycredentials.md (201; required audiences, issuer, name, subject;
 * at most 20 per application), federatedidentitycredential-get.md (`$select`), -update.md (204),
 * -delete.md (204), resources/federatedidentitycredential.md (properties and limits).
 */
import { EmulatorContext } from "../context";
import { appObjectId, AppRec, FederatedCredentialRec, ficId, newFicId } from "../state";
import { EntityType, fullView, project, selectedProps } from "./entity";
import { graphErrors } from "./errors";
import { matches, parseFilter } from "./odata-filter";
import { directoryQuery } from "./query";
import { GraphRoute, HandlerArgs, objectBody } from "./route";

/** Ownership is not modelled, so Application.ReadWrite.OwnedBy grants nothing here. */
const READ = ["Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];
const WRITE = ["Application.ReadWrite.All", "Directory.ReadWrite.All"];
const MAX_PER_APP = 20;
const MAX_LENGTH = 600;

/** The federatedIdentityCredential entity type (for `$select`). */
const FIC_TYPE: EntityType = {
  name: "microsoft.graph.federatedIdentityCredential",
  resource: "FederatedIdentityCredential",
  properties: {
    id: { kind: "string", byDefault: true },
    name: { kind: "string", byDefault: true },
    issuer: { kind: "string", byDefault: true },
    subject: { kind: "string", byDefault: true },
    description: { kind: "string", byDefault: true },
    audiences: { kind: "strings", byDefault: true },
  },
  filter: {
    eq: ["id", "name", "issuer", "subject", "description"],
    startswith: [],
    endswith: [],
    collections: ["audiences"],
  },
  orderby: { byDefault: [], advanced: [] },
  tokenized: [],
  relationships: {},
};

const bad = graphErrors.directoryBadRequest;

/** The application a route addresses (by object id or appId). */
function application(ctx: EmulatorContext, params: Record<string, string>): AppRec {
  const key = (params.appId ?? params.id ?? "").toLowerCase();
  const app = ctx.store.state.apps.find((a) => (params.appId ? a.clientId === key : appObjectId(a) === key));
  if (!app) throw graphErrors.objectNotFound(params.appId ?? params.id ?? "");
  return app;
}

function view(ctx: EmulatorContext, app: AppRec, f: FederatedCredentialRec): Record<string, unknown> {
  const id = ficId(app, f);
  return fullView(FIC_TYPE, {
    "@odata.id": `${ctx.baseUrl}/v2/${ctx.store.state.tenant.id}/directoryObjects/$/Microsoft.DirectoryServices.Application('${appObjectId(app)}')/federatedIdentityCredentials/${id}`,
    id,
    name: f.name,
    issuer: f.issuer,
    subject: f.subject,
    description: f.description,
    audiences: [...f.audiences],
  });
}

const context = (ctx: EmulatorContext, app: AppRec, suffix: string): string =>
  `${ctx.baseUrl}/v1.0/$metadata#applications('${appObjectId(app)}')/federatedIdentityCredentials${suffix}`;

/** The credential a route addresses, by id or by name. */
function credential(app: AppRec, idOrName: string): FederatedCredentialRec {
  const f = (app.federatedIdentityCredentials ?? []).find(
    (x) => ficId(app, x) === idOrName.toLowerCase() || x.name === idOrName,
  );
  if (!f) throw graphErrors.objectNotFound(idOrName);
  return f;
}

function text(body: Record<string, unknown>, k: string, required: boolean): string | undefined {
  const v = body[k];
  if (v === undefined || v === null) {
    if (required) throw bad(`Property '${k}' is required on a federated identity credential.`);
    return undefined;
  }
  if (typeof v !== "string" || v.trim() === "")
    throw bad(`Invalid value specified for property '${k}' of resource 'FederatedIdentityCredential'.`);
  if (v.length > MAX_LENGTH) throw bad(`Property '${k}' has a limit of ${MAX_LENGTH} characters.`);
  return v;
}

/** Validates a create (all required) or update (all optional) body; returns the given values. */
function checkBody(body: Record<string, unknown>, create: boolean): Partial<FederatedCredentialRec> {
  for (const k of Object.keys(body))
    if (!k.startsWith("@odata.") && !(k in FIC_TYPE.properties))
      throw bad(`Property '${k}' does not exist as a declared property or extension property.`);
  if (body.id !== undefined && !create) throw graphErrors.directoryBadRequest("Property 'id' is read-only.");
  const out: Partial<FederatedCredentialRec> = {};
  const name = text(body, "name", create);
  if (name !== undefined) {
    // federatedidentitycredential.md: up to 120 characters, URL friendly; the first one alphanumeric.
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/.test(name))
      throw bad(
        "Property 'name' must be 3 to 120 URL-friendly characters (letters, digits, '-' and '_'), starting with a letter or a digit.",
      );
    out.name = name;
  }
  out.issuer = text(body, "issuer", create);
  out.subject = text(body, "subject", create);
  if (body.description !== undefined)
    out.description = body.description === null ? null : (text(body, "description", false) ?? null);
  const aud = body.audiences;
  if (aud !== undefined || create) {
    if (!Array.isArray(aud) || aud.length !== 1 || typeof aud[0] !== "string" || aud[0].trim() === "")
      throw bad(
        "Property 'audiences' must hold exactly one audience: federated identity credentials must have exactly one audience.",
      );
    if (aud[0].length > MAX_LENGTH) throw bad(`Property 'audiences' has a limit of ${MAX_LENGTH} characters.`);
    out.audiences = [aud[0]];
  }
  for (const k of Object.keys(out) as (keyof FederatedCredentialRec)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/** "The combination of the values of issuer and subject must be unique on the app"; names are unique too. */
function checkUnique(app: AppRec, f: FederatedCredentialRec, replacing?: FederatedCredentialRec): void {
  for (const o of app.federatedIdentityCredentials ?? []) {
    if (o === replacing) continue;
    if (o.name === f.name)
      throw bad(`A federated identity credential named '${f.name}' already exists on this application.`);
    if (o.issuer === f.issuer && o.subject === f.subject)
      throw bad(
        "The combination of issuer and subject must be unique on the application: another federated identity credential has them.",
      );
  }
}

const LIST = directoryQuery("$filter", "$select");
const GET = directoryQuery("$select");
const NONE = directoryQuery();

/** The same operations on both ways of addressing the application. */
function routes(base: string): GraphRoute[] {
  const collection = `${base}/federatedIdentityCredentials`;
  const item = `${collection}/{credential}`;
  return [
    {
      method: "GET",
      path: collection,
      roles: READ,
      query: LIST,
      handler: ({ ctx, params, query }: HandlerArgs) => {
        const app = application(ctx, params);
        const names = selectedProps(FIC_TYPE, query.selectNames(), true);
        const filter = query.get("$filter");
        const clauses = filter
          ? parseFilter(filter, { properties: FIC_TYPE.filter.eq, collections: FIC_TYPE.filter.collections })
          : [];
        const value = (app.federatedIdentityCredentials ?? [])
          .map((f) => view(ctx, app, f))
          .filter((v) => clauses.every((c) => matches(c, v)))
          .map((v) => ({ "@odata.id": v["@odata.id"], ...project(v, names) }));
        return { status: 200, body: { "@odata.context": context(ctx, app, ""), value } };
      },
    },
    {
      method: "POST",
      path: collection,
      roles: WRITE,
      query: NONE,
      audit: "POST federatedIdentityCredential",
      handler: ({ ctx, params, req }: HandlerArgs) => {
        const app = application(ctx, params);
        const given = checkBody(objectBody(req), true);
        const list = (app.federatedIdentityCredentials ??= []);
        if (list.length >= MAX_PER_APP)
          throw bad(`An application can have at most ${MAX_PER_APP} federated identity credentials.`);
        const f: FederatedCredentialRec = {
          id: newFicId(),
          name: given.name!,
          issuer: given.issuer!,
          subject: given.subject!,
          audiences: given.audiences!,
          description: given.description ?? null,
        };
        checkUnique(app, f);
        list.push(f);
        ctx.store.changed();
        return {
          status: 201,
          body: { "@odata.context": context(ctx, app, "/$entity"), ...view(ctx, app, f) },
          audit: { target: app.clientId, number: null },
        };
      },
    },
    {
      method: "GET",
      path: item,
      roles: READ,
      query: GET,
      handler: ({ ctx, params, query }: HandlerArgs) => {
        const app = application(ctx, params);
        const v = view(ctx, app, credential(app, params.credential!));
        const names = selectedProps(FIC_TYPE, query.selectNames(), false);
        return {
          status: 200,
          body: { "@odata.context": context(ctx, app, "/$entity"), "@odata.id": v["@odata.id"], ...project(v, names) },
        };
      },
    },
    {
      method: "PATCH",
      path: item,
      roles: WRITE,
      query: NONE,
      audit: "PATCH federatedIdentityCredential",
      handler: ({ ctx, params, req }: HandlerArgs) => {
        const app = application(ctx, params);
        const f = credential(app, params.credential!);
        const given = checkBody(objectBody(req), false);
        // "It is immutable once created" (name).
        if (given.name !== undefined && given.name !== f.name)
          throw bad("Property 'name' is immutable once the federated identity credential is created.");
        const updated = { ...f, ...given };
        checkUnique(app, updated, f);
        Object.assign(f, updated);
        ctx.store.changed();
        return { status: 204, audit: { target: app.clientId, number: null } };
      },
    },
    {
      method: "DELETE",
      path: item,
      roles: WRITE,
      query: NONE,
      audit: "DELETE federatedIdentityCredential",
      handler: ({ ctx, params }: HandlerArgs) => {
        const app = application(ctx, params);
        const f = credential(app, params.credential!);
        app.federatedIdentityCredentials = (app.federatedIdentityCredentials ?? []).filter((x) => x !== f);
        ctx.store.changed();
        return { status: 204, audit: { target: app.clientId, number: null } };
      },
    },
  ];
}

/** The federated-credential routes of applications. */
export const applicationRoutes: GraphRoute[] = [
  ...routes("/applications/{id}"),
  ...routes("/applications(appId={appId})"),
];
