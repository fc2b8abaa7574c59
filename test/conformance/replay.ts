/**
 * Replays Microsoft's documented examples (test/conformance/cases/*.json) against the emulator and
 * compares what matters: the status, the Location / Content-Type / request-id headers, and the
 * body's shape (field names, JSON types, @odata annotations, Graph's error envelope). Placeholder
 * values need not match; `exact` paths must. Plain fetch over HTTPS; tokens from the emulator's
 * own token endpoint.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import jwt from "jsonwebtoken";

import { loadFixture } from "../../emulator";
import { TestEmulator } from "../helpers/emulator";
import { ARM_SCOPE, GRAPH_SCOPE, TEAMS_SCOPE } from "../helpers/tenant-clients";

/** A documented request. */
export interface DocRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** application/x-www-form-urlencoded fields (token endpoint). */
  form?: Record<string, string>;
}

/** What the documentation says comes back (its evident intent where it is malformed). */
export interface DocResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** A text/plain body (e.g. /users/$count): an integer. */
  text?: string;
  /** Dot paths whose values must equal the documented ones (`*` = every array item, paired by `id`). */
  exact?: string[];
  /** Objects may carry no keys beyond the documented ones (besides @odata annotations). */
  exactKeys?: boolean;
}

/** One documented example. */
export interface DocCase {
  example: string;
  source?: { repo: string; path: string };
  adapted?: string;
  defects?: string[];
  /** Latency/fault profile put before the request (e.g. a throttled request, throttling.md). */
  faults?: Record<string, unknown>;
  setup?: DocRequest[];
  request: DocRequest;
  response: DocResponse;
}

/** One file of cases: an endpoint and its page. */
export interface CaseFile {
  endpoint: string;
  source: { repo: string; path: string };
  cases: DocCase[];
  excluded: { example: string; reason: string }[];
}

const CASES_DIR = path.join(__dirname, "cases");

/** Every case file, in name order. */
export function caseFiles(): { name: string; file: CaseFile }[] {
  return fs
    .readdirSync(CASES_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((name) => ({ name, file: JSON.parse(fs.readFileSync(path.join(CASES_DIR, name), "utf8")) as CaseFile }));
}

/** The conformance tenant: the default fixture plus the documented entities (tenant.json). */
export function conformanceFixture(): Record<string, unknown> {
  const base = structuredClone(loadFixture()) as unknown as Record<string, unknown[]> & Record<string, unknown>;
  const extra = JSON.parse(fs.readFileSync(path.join(__dirname, "tenant.json"), "utf8")) as Record<string, unknown>;
  const [deployer, ...apps] = base.apps as { graphRoles: string[] }[];
  const teams = base.teams as unknown as { onlineVoiceRoutingPolicies: unknown[] };
  // The documented writes of app registrations (federated credentials) need Application.ReadWrite.All.
  deployer!.graphRoles.push(...((extra.deployerGraphRoles as string[] | undefined) ?? []));
  return {
    ...base,
    tenantId: extra.tenantId,
    skus: [...base.skus!, ...(extra.skus as unknown[])],
    users: [...base.users!, ...(extra.users as unknown[])],
    numbers: [...base.numbers!, ...(extra.numbers as unknown[])],
    apps: [deployer, ...apps, ...((extra.apps as unknown[] | undefined) ?? [])],
    servicePrincipals: [...base.servicePrincipals!, ...((extra.servicePrincipals as unknown[] | undefined) ?? [])],
    teams: {
      ...teams,
      onlineVoiceRoutingPolicies: [
        ...teams.onlineVoiceRoutingPolicies,
        ...((extra.onlineVoiceRoutingPolicies as unknown[] | undefined) ?? []),
      ],
    },
  };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Tokens and substitutions for one emulator. */
export class Replayer {
  private tokens = new Map<string, string>();

  constructor(readonly t: TestEmulator) {}

  /** A client-credentials token for a scope, from the emulator's token endpoint. */
  async token(scope: string): Promise<string> {
    const cached = this.tokens.get(scope);
    if (cached) return cached;
    const res = await fetch(`${this.t.url}/${this.t.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_id: this.t.clientId,
        client_secret: this.t.clientSecret,
        scope,
        grant_type: "client_credentials",
      }).toString(),
    });
    const tok = ((await res.json()) as { access_token: string }).access_token;
    this.tokens.set(scope, tok);
    return tok;
  }

  /** A client assertion signed with the deployer's registered certificate. */
  assertion(): string {
    const pem = fs.readFileSync(this.t.certificatePath, "utf8");
    const now = Math.floor(Date.now() / 1000);
    return jwt.sign(
      {
        aud: `${this.t.url}/${this.t.tenantId}/oauth2/v2.0/token`,
        iss: this.t.clientId,
        sub: this.t.clientId,
        jti: crypto.randomUUID(),
        nbf: now - 10,
        exp: now + 600,
      },
      pem.slice(pem.indexOf("-----BEGIN PRIVATE KEY-----")),
      {
        algorithm: "RS256",
        header: {
          alg: "RS256",
          typ: "JWT",
          "x5t#S256": Buffer.from(this.t.certificateThumbprintSha256, "hex").toString("base64url"),
        } as jwt.JwtHeader,
      },
    );
  }

  /** An external token the deployer's federated credential `github-main` trusts (workload identity federation). */
  async federatedAssertion(): Promise<string> {
    const subject = "repo:contoso/teams-bot-numbers:ref:refs/heads/main";
    return (await this.t.admin.post<{ token: string }>("/identity/mint", { issuer: "github", subject })).token;
  }

  /** Sends a documented request to the emulator (hosts, tenant, endpoint and credential placeholders replaced). */
  async send(r: DocRequest, location?: string): Promise<Response> {
    const mi = this.t.emulator.managedIdentity;
    const url = (r.url === "{location}" ? (location ?? "") : r.url)
      .replace(/^https:\/\/graph\.microsoft\.com/, this.t.url)
      .replace(/^https:\/\/login\.microsoftonline\.com/, this.t.url)
      .replace(/^https:\/\/management\.azure\.com/, this.t.url)
      .replace(/^http:\/\/169\.254\.169\.254/, mi.imdsAuthorityHost)
      .replace(/^http:\/\/localhost:4141/, new URL(mi.endpoint).origin)
      .replace("{IDENTITY_ENDPOINT}", mi.endpoint)
      .replace("{tenant}", this.t.tenantId);
    const headers: Record<string, string> = Object.fromEntries(
      Object.entries(r.headers ?? {}).map(([k, v]) => [k, v === "{IDENTITY_HEADER}" ? mi.identityHeader : v]),
    );
    if (url.startsWith(`${this.t.url}/v1.0/`)) headers.Authorization = `Bearer ${await this.token(GRAPH_SCOPE)}`;
    if (url.startsWith(`${this.t.url}/subscriptions/`)) {
      headers.Authorization = `Bearer ${await this.token(ARM_SCOPE)}`;
      headers["Content-Type"] ??= "application/json";
    }
    let body: string | undefined;
    if (r.form) {
      const fill: Record<string, string> = {
        "{client_id}": this.t.clientId,
        "{client_secret}": this.t.clientSecret,
        "{client_assertion}": this.assertion(),
        "{federated_assertion}": await this.federatedAssertion(),
      };
      body = new URLSearchParams(
        Object.entries(r.form).map(([k, v]): [string, string] => [k, fill[v] ?? v]),
      ).toString();
    } else if (r.body !== undefined) body = JSON.stringify(r.body);
    return fetch(url, { method: r.method, headers, body });
  }

  /** Resets the tenant, runs the setup, replays the case; returns the differences (empty = conforms). */
  async replay(c: DocCase): Promise<string[]> {
    await this.t.admin.post("/reset");
    let location: string | undefined;
    for (const s of c.setup ?? []) {
      const res = await this.send(s);
      if (res.status >= 400) return [`setup ${s.method} ${s.url}: HTTP ${res.status} ${await res.text()}`];
      location = res.headers.get("location") ?? location;
    }
    if (c.faults) await this.t.admin.put("/faults", c.faults);
    const res = await this.send(c.request, location);
    const text = await res.text();
    return compareResponse(
      c.response,
      res,
      text,
      c.request.url.startsWith("https://graph.microsoft.com") || c.request.url === "{location}",
    );
  }
}

/** Compares a response with the documented one. */
export function compareResponse(doc: DocResponse, res: Response, text: string, graph: boolean): string[] {
  const problems: string[] = [];
  if (res.status !== doc.status) problems.push(`status ${res.status}, documented ${doc.status}: ${text.slice(0, 300)}`);
  for (const [name, value] of Object.entries(doc.headers ?? {})) {
    const got = res.headers.get(name);
    if (got === null) problems.push(`header ${name} missing`);
    else if (name.toLowerCase() === "content-type") {
      if (mediaType(got) !== mediaType(value)) problems.push(`Content-Type ${got}, documented ${value}`);
    } else if (name.toLowerCase() === "location") {
      if (urlShape(got) !== urlShape(value)) problems.push(`Location ${got} is not shaped like ${value}`);
    }
  }
  if (graph && !GUID.test(res.headers.get("request-id") ?? "")) problems.push("no request-id header with a GUID");
  if (doc.text !== undefined && !/^\d+$/.test(text)) problems.push(`body ${JSON.stringify(text)} is not an integer`);
  if (doc.body !== undefined) {
    let actual: unknown;
    try {
      actual = JSON.parse(text);
    } catch {
      return [...problems, `body is not JSON: ${text.slice(0, 200)}`];
    }
    shape(doc.body, actual, "", !!doc.exactKeys, problems);
    for (const p of doc.exact ?? []) exactAt(p, doc.body, actual, problems);
    // Graph's envelope carries innerError ids; ARM's (common-types ErrorResponse) is code and message only.
    if (isErrorEnvelope(doc.body) && graph) envelope(actual, problems);
  }
  return problems;
}

const mediaType = (v: string): string => v.split(";")[0]!.trim().toLowerCase();

/** A URL without origin, with OData keys and version replaced, for shape comparison. */
function urlShape(u: string): string {
  return u
    .replace(/^https?:\/\/[^/]+/, "")
    .replace(/\('[^']*'\)/g, "('…')")
    .replace(/\/(v1\.0|beta)\//, "/{version}/");
}

function kind(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

function isErrorEnvelope(v: unknown): boolean {
  return kind(v) === "object" && kind((v as Record<string, unknown>).error) === "object";
}

/** Graph's envelope: error.code/message strings, innerError date, request-id, client-request-id. */
function envelope(actual: unknown, problems: string[]): void {
  const e = (actual as { error?: Record<string, unknown> } | null)?.error;
  const inner = e?.innerError as Record<string, unknown> | undefined;
  if (typeof e?.code !== "string" || typeof e?.message !== "string") problems.push("error.code/message not strings");
  if (!inner) return void problems.push("error.innerError missing");
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(String(inner.date)))
    problems.push(`innerError.date ${String(inner.date)}`);
  if (!GUID.test(String(inner["request-id"]))) problems.push("innerError.request-id is not a GUID");
  if (typeof inner["client-request-id"] !== "string") problems.push("innerError.client-request-id missing");
}

/** @odata.context after '#', keys and version neutralised. */
function contextShape(v: string): string {
  return v.slice(v.indexOf("#") + 1).replace(/\('[^']*'\)/g, "('…')");
}

function shape(doc: unknown, actual: unknown, at: string, exactKeys: boolean, problems: string[]): void {
  const where = at || "(body)";
  if (doc === null || actual === null) return; // a documented null, or a value this tenant does not have
  if (kind(doc) !== kind(actual)) return void problems.push(`${where}: ${kind(actual)}, documented ${kind(doc)}`);
  if (Array.isArray(doc)) {
    const a = actual as unknown[];
    if (doc.length === 0 || a.length === 0) return;
    const byId = doc.every((d) => kind(d) === "object" && "id" in (d as object)) && at.endsWith("responses");
    if (byId) {
      for (const d of doc as Record<string, unknown>[]) {
        const m = a.find((x) => (x as Record<string, unknown>).id === d.id);
        if (!m) problems.push(`${where}: no item with id ${String(d.id)}`);
        else shape(d, m, `${at}[id=${String(d.id)}]`, exactKeys, problems);
      }
    } else shape(doc[0], a[0], `${at}[0]`, exactKeys, problems);
    return;
  }
  if (kind(doc) !== "object") return;
  const d = doc as Record<string, unknown>;
  const o = actual as Record<string, unknown>;
  for (const [k, v] of Object.entries(d)) {
    const p = at ? `${at}.${k}` : k;
    if (!(k in o)) {
      problems.push(`${p}: missing`);
      continue;
    }
    if (k === "@odata.context") {
      if (contextShape(String(o[k])) !== contextShape(String(v)))
        problems.push(`${p}: ${String(o[k])}, documented ${String(v)}`);
    } else if (k === "@odata.type") {
      if (o[k] !== v) problems.push(`${p}: ${String(o[k])}, documented ${String(v)}`);
    } else if (k === "headers" && at.includes("responses")) {
      // Inner responses: Content-Type (media type), OData-Version and Cache-Control, named as documented.
      const doc = v as Record<string, string>;
      const got = (o[k] ?? {}) as Record<string, string>;
      if (
        doc["Content-Type"] !== undefined &&
        (got["Content-Type"] === undefined || mediaType(got["Content-Type"]) !== mediaType(doc["Content-Type"]))
      )
        problems.push(`${p}: Content-Type ${got["Content-Type"]}, documented ${doc["Content-Type"]}`);
      for (const h of ["OData-Version", "Cache-Control"])
        if (doc[h] !== undefined && got[h] !== doc[h]) problems.push(`${p}: ${h} ${got[h]}, documented ${doc[h]}`);
    } else shape(v, o[k], p, exactKeys, problems);
  }
  if (exactKeys)
    for (const k of Object.keys(o))
      if (!(k in d) && !k.startsWith("@odata.")) problems.push(`${at ? `${at}.` : ""}${k}: not documented`);
}

function exactAt(p: string, doc: unknown, actual: unknown, problems: string[]): void {
  const walk = (d: unknown, a: unknown, parts: string[], at: string): void => {
    if (parts.length === 0) {
      if (JSON.stringify(d) !== JSON.stringify(a))
        problems.push(`${at}: ${JSON.stringify(a)}, documented ${JSON.stringify(d)}`);
      return;
    }
    const [part, ...tail] = parts as [string, ...string[]];
    if (part === "*") {
      const ds = (d ?? []) as Record<string, unknown>[];
      const as = (a ?? []) as Record<string, unknown>[];
      ds.forEach((item, i) => {
        const m = "id" in item ? as.find((x) => x?.id === item.id) : as[i];
        walk(item, m, tail, `${at}[${String(item.id ?? i)}]`);
      });
      return;
    }
    const get = (o: unknown): unknown =>
      o === null || o === undefined ? undefined : (o as Record<string, unknown>)[part];
    walk(get(d), get(a), tail, at ? `${at}.${part}` : part);
  };
  walk(doc, actual, splitPath(p), "");
}

/** `value.0.@odata.type` → ["value","0","@odata.type"] (annotation names keep their dots). */
function splitPath(p: string): string[] {
  const out: string[] = [];
  for (const seg of p.split(".")) {
    if (out.length > 0 && out[out.length - 1] === "@odata") out[out.length - 1] = `@odata.${seg}`;
    else out.push(seg);
  }
  return out;
}

export { TEAMS_SCOPE };

/** A cmdlet call as the stand-in forwards it. */
export interface CmdletCall {
  cmdlet: string;
  parameters: Record<string, unknown>;
}

/** What a cmdlet call must give: output objects (shape, `exact` paths), counts, or an error record. */
export interface CmdletExpect {
  output?: Record<string, unknown>[];
  exact?: string[];
  count?: number;
  minOutput?: number;
  maxOutput?: number;
  /** Every output object has these values (lists: contains every listed item). */
  allHave?: Record<string, unknown>;
  /** At least one output object has these values. */
  someHave?: Record<string, unknown>;
  error?: { message: string; fullyQualifiedErrorId: string };
}

/** One documented cmdlet example. */
export interface CmdletCase extends CmdletCall, CmdletExpect {
  example: string;
  source?: { repo: string; path: string };
  adapted?: string;
  defects?: string[];
  setup?: CmdletCall[];
  /** A call (with its expectation) run before the example. */
  before?: CmdletCall & CmdletExpect;
  /** A read after the example that shows its effect. */
  then?: CmdletCall & CmdletExpect;
}

/** One file of cmdlet cases. */
export interface CmdletCaseFile {
  endpoint: string;
  source: { repo: string; path: string };
  cases: CmdletCase[];
  excluded: { example: string; reason: string }[];
}

/** Every cmdlet case file (cases/cmdlets/*.json). */
export function cmdletCaseFiles(): { name: string; file: CmdletCaseFile }[] {
  const dir = path.join(CASES_DIR, "cmdlets");
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((name) => ({ name, file: JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")) as CmdletCaseFile }));
}

type CmdletReply = { status: number; output?: Record<string, unknown>[]; error?: Record<string, unknown> };

function holds(o: Record<string, unknown>, want: Record<string, unknown>): boolean {
  return Object.entries(want).every(([k, v]) =>
    Array.isArray(v)
      ? Array.isArray(o[k]) && v.every((x) => (o[k] as unknown[]).includes(x))
      : JSON.stringify(o[k] ?? null) === JSON.stringify(v),
  );
}

/** Compares a cmdlet reply with its expectation. */
export function compareCmdlet(e: CmdletExpect, r: CmdletReply, what: string): string[] {
  const problems: string[] = [];
  if (e.error) {
    if (r.status < 400 || !r.error) return [`${what}: succeeded, documented error ${e.error.message}`];
    if (r.error.message !== e.error.message) problems.push(`${what}: message ${String(r.error.message)}`);
    if (r.error.fullyQualifiedErrorId !== e.error.fullyQualifiedErrorId)
      problems.push(`${what}: FullyQualifiedErrorId ${String(r.error.fullyQualifiedErrorId)}`);
    return problems;
  }
  if (r.status !== 200 || !r.output) return [`${what}: HTTP ${r.status} ${JSON.stringify(r.error)}`];
  const out = r.output;
  if (e.count !== undefined && out.length !== e.count)
    problems.push(`${what}: ${out.length} objects, documented ${e.count}`);
  if (e.minOutput !== undefined && out.length < e.minOutput)
    problems.push(`${what}: ${out.length} objects, want ≥ ${e.minOutput}`);
  if (e.maxOutput !== undefined && out.length > e.maxOutput)
    problems.push(`${what}: ${out.length} objects, want ≤ ${e.maxOutput}`);
  if (e.allHave)
    for (const o of out)
      if (!holds(o, e.allHave)) problems.push(`${what}: ${JSON.stringify(o)} lacks ${JSON.stringify(e.allHave)}`);
  if (e.someHave && !out.some((o) => holds(o, e.someHave!)))
    problems.push(`${what}: no object has ${JSON.stringify(e.someHave)}`);
  if (e.output) {
    if (out.length === 0) problems.push(`${what}: no output, documented ${e.output.length} object(s)`);
    else shape(e.output, out, "", false, problems);
    for (const p of e.exact ?? []) exactAt(p, e.output, out, problems);
  }
  return problems;
}

/** Replays documented cmdlet examples over the Teams admin endpoint the stand-in forwards to. */
export class CmdletReplayer {
  constructor(
    readonly t: TestEmulator,
    private readonly replayer = new Replayer(t),
  ) {}

  /** Runs one cmdlet; `{setup.X}` in a parameter is property X of the setup's last output object. */
  async call(c: CmdletCall, from: Record<string, unknown> = {}): Promise<CmdletReply> {
    const parameters = Object.fromEntries(
      Object.entries(c.parameters).map(([k, v]) => {
        const m = typeof v === "string" ? /^\{setup\.(\w+)\}$/.exec(v) : null;
        return [k, m ? from[m[1]!] : v];
      }),
    );
    const res = await fetch(`${this.t.url}/teams/cmdlets/${c.cmdlet}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await this.replayer.token(TEAMS_SCOPE)}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ parameters }),
    });
    return { status: res.status, ...((await res.json()) as Omit<CmdletReply, "status">) };
  }

  /** Resets the tenant, runs setup, the example and its follow-up read; returns the differences. */
  async replay(c: CmdletCase): Promise<string[]> {
    await this.t.admin.post("/reset");
    let from: Record<string, unknown> = {};
    for (const s of c.setup ?? []) {
      const r = await this.call(s, from);
      if (r.status !== 200) return [`setup ${s.cmdlet}: HTTP ${r.status} ${JSON.stringify(r.error)}`];
      from = r.output?.[0] ?? from;
    }
    const problems: string[] = [];
    if (c.before)
      problems.push(...compareCmdlet(c.before, await this.call(c.before, from), `before ${c.before.cmdlet}`));
    problems.push(...compareCmdlet(c, await this.call(c, from), c.cmdlet));
    if (c.then) problems.push(...compareCmdlet(c.then, await this.call(c.then, from), `then ${c.then.cmdlet}`));
    return problems;
  }
}
