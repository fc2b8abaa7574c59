/**
 * Property test (fast-check): whatever arrives — odd paths, broken percent-escapes, OData keys,
 * query options, bodies of any type with or without Content-Type, deeply nested JSON, $batch bodies
 * with wrong types, cmdlet calls with any parameters, token requests with any form — the emulator
 * answers below 500 (no fault is injected here) and never shows internal text. Graph errors come in
 * Graph's envelope with a GUID request-id. One emulator for every generated request. A second
 * property sends documented query options (and undocumented ones) to every served collection and
 * read and checks that a 200 honoured each of them: an option is either applied or refused, never
 * ignored (issue 23). The oracle is the Microsoft pages' option lists (DOCUMENTED below), not the
 * emulator's route table.
 */
import fc from "fast-check";

import { withEmulator } from "../helpers/emulator";
import {
  ARM_SCOPE,
  AZURE_RESOURCE_GROUP,
  AZURE_SUBSCRIPTION,
  azureBot,
  GRAPH_SCOPE,
  TEAMS_SCOPE,
} from "../helpers/tenant-clients";
import { Replayer } from "./replay";

const quiet = { latencyMs: 0, jitterMs: 0 };
const emu = withEmulator({ families: { graph: quiet, entra: quiet, teams: quiet }, operationDurationMs: 0 });
const DEPLOYER_APP = "3f1c2b7e-6a59-4d0e-9b8a-5c4d3e2f1a07";
const BOT_APP = "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10";

/** Text that must never reach a client: stack frames, JS error names, source paths. */
const INTERNAL = [
  /\bat .+\(.*:\d+:\d+\)/,
  /TypeError|ReferenceError|RangeError|SyntaxError: /,
  /node_modules|\/work\/|\.ts:\d+/,
];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const stats = { requests: 0, byStatus: new Map<number, number>(), honoured: 0 };

async function send(url: string, init: RequestInit): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  stats.requests += 1;
  stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1);
  return { status: res.status, text, headers: res.headers };
}

function check(r: { status: number; text: string; headers: Headers }, graph: boolean, what: string): void {
  if (r.status >= 500) throw new Error(`${what}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  for (const re of INTERNAL)
    if (re.test(r.text)) throw new Error(`${what}: internal text ${re} in ${r.text.slice(0, 300)}`);
  if (graph && r.status >= 400) {
    const body = JSON.parse(r.text) as {
      error?: { code?: unknown; message?: unknown; innerError?: Record<string, unknown> };
    };
    if (typeof body.error?.code !== "string" || typeof body.error.message !== "string")
      throw new Error(`${what}: not Graph's envelope: ${r.text.slice(0, 200)}`);
    if (
      !GUID.test(r.headers.get("request-id") ?? "") ||
      body.error.innerError?.["request-id"] !== r.headers.get("request-id")
    )
      throw new Error(`${what}: request-id missing or not matching the envelope`);
  }
}

// ── generators ──
const known = fc.constantFrom(
  "users",
  "me",
  "subscribedSkus",
  "admin",
  "teams",
  "telephoneNumberManagement",
  "numberAssignments",
  "operations",
  "assignNumber",
  "unassignNumber",
  "updateNumber",
  "licenseDetails",
  "assignLicense",
  "$count",
  "$batch",
  "microsoft.graph.assignLicense",
  "microsoft.graph.teamsAdministration.assignNumber",
  "adele.vance@contoso.com",
  "1d7a2b3c-8e5f-4a91-8b24-6c3d9e0f1a22",
  "users('adele.vance@contoso.com')",
  "users('o''brien@contoso.com')",
  "operations('QXNzaWdubWVudHwx')",
  "servicePrincipals",
  `servicePrincipals(appId='${BOT_APP}')`,
  "servicePrincipals(appId='')",
  "servicePrincipals(displayName='x')",
  "applications",
  `applications(appId='${DEPLOYER_APP}')`,
  "applications(appId='nope')",
  "federatedIdentityCredentials",
  "github-main",
  "..",
  ".",
);
const escapes = fc.constantFrom(
  "%",
  "%G1",
  "%E0%A4%A",
  "%C3%28",
  "%00",
  "%2F",
  "%27",
  "%28%29",
  "%25",
  "%FF%FE",
  "%u0041",
);
const segment = fc.oneof(
  known,
  escapes,
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  fc.string({ unit: "binary", maxLength: 8 }).map(encodeURIComponent),
  fc.tuple(known, escapes).map(([a, b]) => a + b),
  fc.tuple(known, fc.string({ maxLength: 6 })).map(([a, b]) => `${a}(${encodeURIComponent(b)})`),
);
const NUMBERS = "/admin/teams/telephoneNumberManagement";
const route = fc.constantFrom(
  "/users",
  "/users/$count",
  "/users/{x}",
  "/users/{x}/assignLicense",
  "/users/{x}/microsoft.graph.assignLicense",
  "/users/{x}/licenseDetails",
  "/subscribedSkus",
  `${NUMBERS}/numberAssignments`,
  `${NUMBERS}/numberAssignments/{x}`,
  `${NUMBERS}/numberAssignments/assignNumber`,
  `${NUMBERS}/numberAssignments/unassignNumber`,
  `${NUMBERS}/numberAssignments/updateNumber`,
  `${NUMBERS}/operations/{x}`,
  `${NUMBERS}/operations('{x}')`,
  "/me/{x}",
  "/servicePrincipals",
  "/servicePrincipals/$count",
  "/servicePrincipals/{x}",
  "/servicePrincipals(appId='{x}')",
  "/subscribedSkus/{x}",
  "/applications/{x}/federatedIdentityCredentials",
  `/applications(appId='${DEPLOYER_APP}')/federatedIdentityCredentials`,
  `/applications(appId='${DEPLOYER_APP}')/federatedIdentityCredentials/{x}`,
  "/applications(appId='{x}')/federatedIdentityCredentials/{x}",
);
/** Paths the routes know, with any value where a parameter goes (reaches the handlers), or any segments. */
const pathArb = fc.oneof(
  fc.tuple(route, segment).map(([r, x]) => r.replace("{x}", x)),
  fc.array(segment, { minLength: 0, maxLength: 7 }).map((s) => `/${s.join("/")}`),
);
const option = fc.constantFrom(
  "$select",
  "$filter",
  "$top",
  "$skip",
  "$count",
  "$orderby",
  "$skiptoken",
  "$search",
  "$expand",
  "$format",
  "$Top",
  "top",
  "$nope",
  "x",
);
const filterish = fc.oneof(
  fc.constantFrom(
    "startswith(displayName,'a')",
    "endswith(mail,'a@contoso.com')",
    "numberType eq 'callingPlan'",
    "capabilities/any(c:c eq 'userAssignment')",
    "assignedLicenses/any(u:u/skuId eq 06ebc4ee-1bb5-47dd-8120-11324bc54e06)",
    "city eq null",
    "accountEnabled eq true",
    "x eq 'unterminated",
    "((((",
    '"displayName:ade"',
    '"displayName:wa" OR "mail:x"',
    "memberOf",
    "manager($select=id)",
  ),
  fc.string({ maxLength: 30 }),
);
const value = fc.oneof(
  filterish,
  fc.integer().map(String),
  escapes,
  fc.constantFrom("true", "false", "-1", "1e9", "displayName desc"),
);
const queryArb = fc
  .array(fc.tuple(option, value), { maxLength: 4 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURI(v).replace(/%25/g, "%")}`).join("&"));
const deep = fc.integer({ min: 1, max: 5_000 }).map((n) => "[".repeat(n) + "]".repeat(n));
const bodyKeys = fc.constantFrom(
  "telephoneNumber",
  "numberType",
  "assignmentTargetId",
  "assignmentCategory",
  "locationId",
  "networkSiteId",
  "reverseNumberLookupOptions",
  "addLicenses",
  "removeLicenses",
  "usageLocation",
  "displayName",
  "accountEnabled",
  "businessPhones",
  "userPrincipalName",
  "passwordProfile",
  "mail",
);
const fieldValue = fc.oneof(
  fc.constantFrom("+14255550100", "14255550200", "callingPlan", "directRouting", "US", "primary", "", "tel:+1425"),
  fc.constant([{ skuId: "440eaaa8-b3e0-484b-a8be-62870b9ba70a", disabledPlans: [] }]),
  fc.json({ maxDepth: 2 }).map((j) => JSON.parse(j) as unknown),
);
/** Bodies whose keys the handlers read, with values of any type. */
const structuredBody = fc.dictionary(bodyKeys, fieldValue, { maxKeys: 4 }).map((o) => JSON.stringify(o));
const bodyArb = fc.oneof(
  fc.constant(undefined),
  structuredBody,
  structuredBody,
  fc.json({ maxDepth: 4 }),
  deep,
  fc.string({ maxLength: 40 }),
  fc.constantFrom("{", "[1,2", '{"a":}', "null", "\u0000"),
);
const contentType = fc.constantFrom(
  undefined,
  "application/json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/json; charset=utf-8",
);
const method = fc.constantFrom("GET", "POST", "PATCH", "DELETE", "PUT");
const anything = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.json({ maxDepth: 2 }).map((j) => JSON.parse(j) as unknown),
);
const innerRequest = fc.record(
  {
    id: fc.oneof(fc.constantFrom("1", "2", "A", "a", ""), anything),
    method: fc.oneof(method, anything),
    url: fc.oneof(
      fc.tuple(pathArb, queryArb).map(([p, q]) => (q ? `${p}?${q}` : p)),
      anything,
      fc.constantFrom("http://[", "//x", "users?$top=%"),
    ),
    dependsOn: fc.oneof(fc.array(fc.constantFrom("1", "2", "a", "A", "9"), { maxLength: 3 }), anything),
    headers: fc.oneof(
      fc.constant({ "Content-Type": "application/json" }),
      fc.dictionary(fc.string({ maxLength: 8 }), anything, { maxKeys: 2 }),
      anything,
    ),
    body: anything,
  },
  { requiredKeys: [] },
);
const batchArb = fc.oneof(
  fc.record({ requests: fc.array(innerRequest, { maxLength: 22 }) }),
  fc.record({ requests: anything }),
  anything,
);

// ── query options: what each served read documents (the Microsoft pages), and how to see an option applied ──
const ADELE = "1d7a2b3c-8e5f-4a91-8b24-6c3d9e0f1a22";
const DIRECTORY_LIST = ["$count", "$expand", "$filter", "$orderby", "$search", "$select", "$top", "$skiptoken"];
interface Target {
  path: string;
  /** The options the operation's page documents; any other one must be refused. */
  documented: string[];
  /** A directory collection: `$count=true` gives @odata.count exactly with ConsistencyLevel: eventual. */
  directory?: boolean;
}
const TARGETS: Target[] = [
  { path: "/users", documented: DIRECTORY_LIST, directory: true }, // user-list.md
  { path: `/users/${ADELE}`, documented: ["$select", "$expand"] }, // user-get.md
  { path: "/servicePrincipals", documented: DIRECTORY_LIST, directory: true }, // serviceprincipal-list.md
  { path: `/servicePrincipals(appId='${BOT_APP}')`, documented: ["$select", "$expand"] }, // serviceprincipal-get.md
  { path: "/subscribedSkus", documented: ["$select"] }, // subscribedsku-list.md
  { path: `/users/${ADELE}/licenseDetails`, documented: ["$select"] }, // user-list-licensedetails.md
  { path: `${NUMBERS}/numberAssignments`, documented: ["$filter", "$top", "$skip"] }, // …-list-numberassignments.md
  { path: `/applications(appId='${DEPLOYER_APP}')/federatedIdentityCredentials`, documented: ["$filter", "$select"] },
];
const targetArb = fc.constantFrom(...TARGETS);
/** Filters with the predicate an item that has the property must satisfy. */
const FILTERS: Record<string, (item: Record<string, unknown>) => boolean | undefined> = {
  "startswith(displayName,'a')": (i) =>
    typeof i.displayName === "string" ? i.displayName.toLowerCase().startsWith("a") : undefined,
  "accountEnabled eq true": (i) => (i.accountEnabled === undefined ? undefined : i.accountEnabled === true),
  "numberType eq 'callingPlan'": (i) => (i.numberType === undefined ? undefined : i.numberType === "callingPlan"),
  "name eq 'github-main'": (i) => (i.name === undefined ? undefined : i.name === "github-main"),
  [`appId eq '${BOT_APP}'`]: (i) => (i.appId === undefined ? undefined : i.appId === BOT_APP),
  "nope eq 'x'": () => false,
};
const VALUES: Record<string, readonly string[]> = {
  $select: ["id,displayName", "displayName", "telephoneNumber,numberType", "skuId", "name,subject", "nope"],
  $filter: Object.keys(FILTERS),
  $top: ["1", "2", "0", "5", "abc"],
  $count: ["true", "false"],
  $orderby: ["displayName", "displayName desc"],
  $search: ['"displayName:ade"', '"displayName:bot"'],
  $expand: ["memberOf", "owners", "manager", "nope"],
  $skip: ["1", "2"],
  $skiptoken: ["garbage"],
  $format: ["json"],
  $nope: ["1"],
  top: ["1"],
};
const optionsArb = fc
  .uniqueArray(fc.constantFrom(...Object.keys(VALUES)), { maxLength: 3 })
  .chain((keys) => fc.tuple(...keys.map((k) => fc.constantFrom(...VALUES[k]!).map((v): [string, string] => [k, v]))));

/** Why a 200 did not honour its options (empty: every option was applied). */
function ignoredOptions(
  t: Target,
  options: [string, string][],
  eventual: boolean,
  body: Record<string, unknown>,
  url: string,
): string[] {
  const problems: string[] = [];
  const o = new Map(options);
  for (const [k] of options)
    if (!t.documented.includes(k)) problems.push(`'${k}' is not documented here, yet answered 200`);
  const items = (Array.isArray(body.value) ? body.value : [body]) as Record<string, unknown>[];
  const data = (i: Record<string, unknown>): string[] => Object.keys(i).filter((k) => !k.startsWith("@odata."));
  if (o.has("$top") && items.length > Number(o.get("$top")))
    problems.push(`${items.length} items for $top=${o.get("$top")}`);
  if (o.has("$select")) {
    const allowed = new Set([...o.get("$select")!.split(","), ...(o.has("$expand") ? [o.get("$expand")!] : [])]);
    for (const i of items) for (const k of data(i)) if (!allowed.has(k)) problems.push(`'${k}' outside $select`);
  }
  const filter = o.get("$filter");
  if (filter) for (const i of items) if (FILTERS[filter]!(i) === false) problems.push(`an item fails ${filter}`);
  if (o.has("$search")) {
    const term = /displayName:(\w+)/.exec(o.get("$search")!)![1]!;
    for (const i of items)
      if (typeof i.displayName === "string" && !i.displayName.toLowerCase().includes(term))
        problems.push(`${i.displayName} does not match $search ${term}`);
  }
  if (o.has("$orderby")) {
    const names = items.map((i) => i.displayName).filter((n): n is string => typeof n === "string");
    const sorted = [...names].sort((a, b) => a.localeCompare(b));
    if (o.get("$orderby")!.endsWith("desc")) sorted.reverse();
    if (JSON.stringify(names) !== JSON.stringify(sorted)) problems.push(`not ordered by ${o.get("$orderby")}`);
  }
  if (o.has("$expand"))
    for (const i of items)
      if (!(o.get("$expand")! in i) && o.get("$expand") !== "manager") problems.push(`no ${o.get("$expand")}`);
  if (t.directory && o.get("$count") === "true" && eventual !== "@odata.count" in body)
    problems.push(
      `@odata.count ${"@odata.count" in body ? "present" : "absent"} with${eventual ? "" : "out"} ConsistencyLevel`,
    );
  if (body["@odata.nextLink"] === url) problems.push("@odata.nextLink points at the page itself");
  return problems;
}

afterAll(() => {
  const statuses = [...stats.byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`);
  console.log(
    `fuzz: ${stats.requests} generated requests, statuses ${statuses.join(" ")}; ${stats.honoured} 200s with query options checked as honoured`,
  );
});

describe("no 5xx and no internal text for any input (no fault injected)", () => {
  let graphToken = "";
  let teamsToken = "";
  beforeAll(async () => {
    const r = new Replayer(emu());
    graphToken = await r.token(GRAPH_SCOPE);
    teamsToken = await r.token(TEAMS_SCOPE);
  });

  test("Graph paths, query strings, methods and bodies", async () => {
    await fc.assert(
      fc.asyncProperty(method, pathArb, queryArb, bodyArb, contentType, fc.boolean(), async (m, p, q, b, ct, ev) => {
        const headers: Record<string, string> = { authorization: `Bearer ${graphToken}` };
        if (ct) headers["content-type"] = ct;
        if (ev) headers.ConsistencyLevel = "eventual";
        const hasBody = b !== undefined && m !== "GET";
        const r = await send(`${emu().url}/v1.0${p}${q ? `?${q}` : ""}`, {
          method: m,
          headers,
          body: hasBody ? b : undefined,
        });
        // A path whose dot segments leave /v1.0 is resolved by the client before it is sent: no Graph request.
        check(r, new URL(`${emu().url}/v1.0${p}`).pathname.startsWith("/v1.0"), `${m} ${p}?${q}`);
      }),
      { numRuns: 2000 },
    );
  }, 120_000);

  test("query options: a 200 honoured every option it was given (never a 200 that ignored one)", async () => {
    await fc.assert(
      fc.asyncProperty(targetArb, optionsArb, fc.boolean(), async (target, options, ev) => {
        const query = options.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
        const url = `${emu().url}/v1.0${target.path}${query ? `?${query}` : ""}`;
        const headers: Record<string, string> = { authorization: `Bearer ${graphToken}` };
        if (ev) headers.ConsistencyLevel = "eventual";
        const r = await send(url, { headers });
        const what = `GET ${target.path}?${query}${ev ? " (eventual)" : ""}`;
        check(r, true, what);
        if (r.status !== 200) return;
        const problems = ignoredOptions(target, options, ev, JSON.parse(r.text) as Record<string, unknown>, url);
        if (problems.length > 0) throw new Error(`${what}: ${problems.join("; ")}`);
        stats.honoured += 1;
      }),
      { numRuns: 800 },
    );
  }, 120_000);

  test("$batch bodies of any shape", async () => {
    await fc.assert(
      fc.asyncProperty(batchArb, async (b) => {
        const r = await send(`${emu().url}/v1.0/$batch`, {
          method: "POST",
          headers: { authorization: `Bearer ${graphToken}`, "content-type": "application/json" },
          body: JSON.stringify(b),
        });
        check(r, true, `$batch ${JSON.stringify(b).slice(0, 200)}`);
        if (r.status === 200) {
          for (const inner of (JSON.parse(r.text) as { responses: { status: number; body?: unknown }[] }).responses) {
            if (inner.status >= 500) throw new Error(`inner ${inner.status}: ${JSON.stringify(inner.body)}`);
          }
        }
      }),
      { numRuns: 1500 },
    );
  }, 120_000);

  test("cmdlet calls with any parameters", async () => {
    const cmdlets = fc.constantFrom(
      "Get-CsPhoneNumberAssignment",
      "Set-CsPhoneNumberAssignment",
      "Remove-CsPhoneNumberAssignment",
      "New-CsOnlineApplicationInstance",
      "Get-CsOnlineApplicationInstance",
      "Sync-CsOnlineApplicationInstance",
      "Set-CsOnlineApplicationInstance",
      "Get-CsOnlineVoiceRoutingPolicy",
      "Grant-CsOnlineVoiceRoutingPolicy",
      "Get-CsOnlineUser",
      "Invoke-Expression",
    );
    const names = fc.constantFrom(
      "Identity",
      "TelephoneNumber",
      "PhoneNumber",
      "NumberType",
      "Filter",
      "Top",
      "Skip",
      "ObjectId",
      "ApplicationId",
      "UserPrincipalName",
      "LocationId",
      "RemoveAll",
      "WhatIf",
      "PolicyName",
      "PassThru",
      "Global",
      "Group",
      "AccountType",
      "Properties",
      "ResultSize",
      "x",
    );
    const policy = fc.constantFrom(
      "US-DirectRouting",
      "International",
      "Global",
      "tag:*",
      "Nope",
      "ResourceAccount",
      "LineURI,Nope",
    );
    const params = fc.oneof(fc.dictionary(names, fc.oneof(anything, filterish, policy), { maxKeys: 4 }), anything);
    await fc.assert(
      fc.asyncProperty(cmdlets, params, async (c, p) => {
        const r = await send(`${emu().url}/teams/cmdlets/${c}`, {
          method: "POST",
          headers: { authorization: `Bearer ${teamsToken}`, "content-type": "application/json" },
          body: JSON.stringify({ parameters: p }),
        });
        check(r, false, `${c} ${JSON.stringify(p).slice(0, 200)}`);
      }),
      { numRuns: 800 },
    );
  }, 120_000);

  test("token requests with any form", async () => {
    const fields = fc.dictionary(
      fc.constantFrom(
        "client_id",
        "client_secret",
        "scope",
        "grant_type",
        "client_assertion",
        "client_assertion_type",
        "x",
      ),
      fc.oneof(
        fc.string({ maxLength: 30 }),
        escapes,
        fc.constantFrom("client_credentials", "https://graph.microsoft.com/.default", "a.b.c"),
      ),
      { maxKeys: 5 },
    );
    const tenant = fc.oneof(
      fc.constant(emu().tenantId),
      fc.constantFrom("contoso.com", "common", "%", "x"),
      fc.string({ maxLength: 8 }).map(encodeURIComponent),
    );
    await fc.assert(
      fc.asyncProperty(tenant, fields, async (t, f) => {
        const r = await send(`${emu().url}/${t}/oauth2/v2.0/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: Object.entries(f)
            .map(([k, v]) => `${k}=${v}`)
            .join("&"),
        });
        check(r, false, `token ${t} ${JSON.stringify(f)}`);
      }),
      { numRuns: 600 },
    );
  }, 120_000);
});

// ── Azure Resource Manager (Microsoft.BotService) and the synthetic calls ──
const ARM_BOTS = `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/${AZURE_RESOURCE_GROUP}/providers/Microsoft.BotService/botServices`;
/** ARM errors: `{"error":{"code","message"}}` with an x-ms-request-id header. */
function checkArm(r: { status: number; text: string; headers: Headers }, what: string): void {
  check(r, false, what);
  if (r.status < 400) return;
  const body = JSON.parse(r.text) as { error?: { code?: unknown; message?: unknown } };
  if (typeof body.error?.code !== "string" || typeof body.error.message !== "string")
    throw new Error(`${what}: not ARM's envelope: ${r.text.slice(0, 200)}`);
  if (!GUID.test(r.headers.get("x-ms-request-id") ?? "")) throw new Error(`${what}: no x-ms-request-id`);
}
const armSegment = fc.oneof(
  fc.constantFrom(
    "fuzz-bot",
    "FUZZ-BOT",
    "x",
    "a".repeat(70),
    "-bad",
    "channels",
    "MsTeamsChannel",
    "msteamschannel",
    "EmailChannel",
    "NoSuchChannel",
    "botServices",
    "providers",
    "..",
  ),
  escapes,
  fc.string({ maxLength: 10 }).map(encodeURIComponent),
);
const armPath = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(
        `${ARM_BOTS}/{x}`,
        `${ARM_BOTS}/{x}/channels`,
        `${ARM_BOTS}/{x}/channels/{y}`,
        `${ARM_BOTS}/fuzz-bot/channels/{y}`,
        `/subscriptions/${AZURE_SUBSCRIPTION}/providers/Microsoft.BotService/botServices`,
        `/subscriptions/{x}/resourceGroups/{y}/providers/Microsoft.BotService/botServices/fuzz-bot`,
        `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/{x}/providers/Microsoft.BotService/botServices`,
        `/subscriptions/{x}`,
      ),
      armSegment,
      armSegment,
    )
    .map(([p, x, y]) => p.replace("{x}", x).replace("{y}", y)),
  fc.array(armSegment, { maxLength: 9 }).map((s) => `/subscriptions/${s.join("/")}`),
);
const armQuery = fc
  .array(
    fc.tuple(
      fc.constantFrom("api-version", "api-version", "API-VERSION", "$expand", "$filter", "$top", "x"),
      fc.constantFrom("2022-09-15", "2022-09-15", "2023-09-15-preview", "2099-01-01", "latest", "", "channels", "1"),
    ),
    { maxLength: 3 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&"));
const armBody = fc.oneof(
  fc.constant(undefined),
  fc.constant(JSON.stringify(azureBot("6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10", "5f1c8e2a-3b7d-4c9e-a1f0-2d6b8e4c7a91"))),
  fc
    .record(
      {
        location: fc.oneof(fc.constantFrom("global", ""), anything),
        kind: fc.oneof(fc.constantFrom("azurebot", "sdk", "nope"), anything),
        properties: fc.oneof(
          fc.record(
            {
              displayName: anything,
              endpoint: anything,
              msaAppId: fc.oneof(fc.constantFrom("8b2e4c6a-1d3f-4a5b-8c7d-9e0f1a2b3c20", "not-a-guid"), anything),
              msaAppType: fc.oneof(fc.constantFrom("SingleTenant", "MultiTenant", "UserAssignedMSI", "x"), anything),
              msaAppTenantId: anything,
              channelName: fc.oneof(fc.constantFrom("MsTeamsChannel", "EmailChannel"), anything),
              properties: fc.oneof(
                fc.record(
                  {
                    isEnabled: anything,
                    enableCalling: anything,
                    callingWebhook: anything,
                    callingWebHook: anything,
                  },
                  { requiredKeys: [] },
                ),
                anything,
              ),
            },
            { requiredKeys: [] },
          ),
          anything,
        ),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
  fc.json({ maxDepth: 3 }),
  deep,
  fc.constantFrom("{", "null", "[]"),
);

describe("Azure Resource Manager and synthetic calls: no 5xx, ARM's envelope, no option ignored", () => {
  let armToken = "";
  beforeAll(async () => {
    armToken = await new Replayer(emu()).token(ARM_SCOPE);
  });

  test("ARM paths, query strings, methods and bodies", async () => {
    await fc.assert(
      fc.asyncProperty(method, armPath, armQuery, armBody, fc.boolean(), async (m, p, q, b, authed) => {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (authed) headers.authorization = `Bearer ${armToken}`;
        const r = await send(`${emu().url}${p}${q ? `?${q}` : ""}`, {
          method: m,
          headers,
          body: m === "GET" || b === undefined ? undefined : b,
        });
        if (!new URL(`${emu().url}${p}`).pathname.startsWith("/subscriptions")) return check(r, false, `${m} ${p}`);
        checkArm(r, `${m} ${p}?${q}`);
      }),
      { numRuns: 1200 },
    );
  }, 120_000);

  test("a 200 only with exactly the documented api-version and no other option (never a 200 that ignored one)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          ARM_BOTS,
          `${ARM_BOTS}/fuzz-bot`,
          `${ARM_BOTS}/fuzz-bot/channels`,
          `${ARM_BOTS}/fuzz-bot/channels/MsTeamsChannel`,
        ),
        armQuery,
        async (p, q) => {
          const r = await send(`${emu().url}${p}${q ? `?${q}` : ""}`, {
            headers: { authorization: `Bearer ${armToken}` },
          });
          checkArm(r, `GET ${p}?${q}`);
          if (r.status !== 200) return;
          const given = [...new URLSearchParams(q).entries()];
          if (given.length !== 1 || given[0]![0] !== "api-version" || given[0]![1] !== "2022-09-15")
            throw new Error(`GET ${p}?${q}: 200 although the query holds more than api-version=2022-09-15`);
          stats.honoured += 1;
        },
      ),
      { numRuns: 400 },
    );
  }, 120_000);

  test("synthetic incoming and outbound calls with any body", async () => {
    const field = fc.oneof(
      fc.constantFrom("+14255550100", "+14255550201", "14255550300", "tel:+1", "", "x@contoso.com"),
      anything,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("incomingCall", "outboundCall"),
        fc.oneof(fc.record({ telephoneNumber: field, from: field, to: field }, { requiredKeys: [] }), anything),
        async (action, b) => {
          const r = await send(`${emu().url}/_emulator/admin/${action}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(b),
          });
          check(r, false, `${action} ${JSON.stringify(b).slice(0, 200)}`);
        },
      ),
      { numRuns: 300 },
    );
  }, 120_000);
});
