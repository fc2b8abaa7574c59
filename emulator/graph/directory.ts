/**
 * Lists and reads of directory objects (users, service principals) under the directory's query
 * rules, the same for every directory type (sources: concepts/aad-advanced-queries.md, paging.md,
 * query-parameters.md, search-query-parameter.md, the list pages):
 * - `$count=true` adds `@odata.count` only with `ConsistencyLevel: eventual`, and only on the first
 *   page; without the header it is ignored (200, no count), as aad-advanced-queries.md documents;
 * - advanced-only capabilities (`ne`, `not`, `endswith`, `$filter` with `$orderby`, sorting on
 *   advanced-only properties) need the header and `$count=true`; `$search` needs the header;
 * - `$top` 1..999 (default 100) and `@odata.nextLink` with an opaque `$skiptoken` that carries the
 *   rest of the query; a page token of an eventual-consistency query needs the header again on the
 *   later page (paging.md: headers are not carried over);
 * - `$expand` of one relationship (none in advanced queries), `$select` of documented properties.
 */
import { EmulatorContext } from "../context";
import { EntityType, project, propName, selectedProps } from "./entity";
import { GraphError, graphErrors } from "./errors";
import { FilterClause, matches, parseFilter } from "./odata-filter";
import { Query, queryString } from "./query";
import { HandlerResult } from "./route";
import { parseSearch } from "./search";

const PAGE_DEFAULT = 100;
const PAGE_MAX = 999;
const pageSizeOutOfRange = (top: number): GraphError =>
  graphErrors.directoryBadRequest(
    `Invalid page size specified: '${top}'. Must be between 1 and ${PAGE_MAX} inclusive.`,
  );
const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** A page token: the offset of the next page and whether the query ran under eventual consistency. */
interface PageToken {
  o: number;
  e: boolean;
}

function readToken(raw: string | null, eventual: boolean): number {
  if (raw === null) return 0;
  let t: PageToken | undefined;
  try {
    t = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as PageToken;
  } catch {
    t = undefined;
  }
  if (!t || !Number.isInteger(t.o) || t.o < 0 || typeof t.e !== "boolean") throw graphErrors.invalidPageToken();
  if (t.e && !eventual) throw graphErrors.invalidPageToken();
  return t.o;
}

/** The `$expand` of a directory read: one relationship, no nested options, never in an advanced query. */
function expansion(type: EntityType, q: Query): { name: string; value: unknown } | null {
  const raw = q.get("$expand");
  if (raw === null) return null;
  if (q.eventual) throw graphErrors.expandNotSupported("$expand is not currently supported with advanced queries.");
  const name = raw.trim();
  if (name.includes(","))
    throw graphErrors.expandNotSupported("Only one relationship can be expanded in a single request.");
  if (name.includes("("))
    throw graphErrors.unsupportedQuery(`Options inside $expand (${name}) are not modelled by the emulator.`);
  const k = Object.keys(type.relationships).find((r) => r.toLowerCase() === name.toLowerCase());
  if (!k) throw graphErrors.unknownProperty(name, type.name);
  const rel = type.relationships[k]!;
  if (rel === "notModelled")
    throw graphErrors.unsupportedQuery(`Expanding '${k}' of ${type.name} is not modelled by the emulator.`);
  return { name: k, value: rel === "single" ? null : [] };
}

/** Adds an expanded relationship to an item (a missing single-valued one is left out). */
function withExpansion(
  item: Record<string, unknown>,
  exp: { name: string; value: unknown } | null,
): Record<string, unknown> {
  if (!exp || exp.value === null) return item;
  return { ...item, [exp.name]: exp.value };
}

/** The `$filter` clauses, checked against the type's operator support and the advanced query rules. */
function filterClauses(type: EntityType, q: Query, advanced: boolean): FilterClause[] {
  const raw = q.get("$filter");
  if (raw === null) return [];
  const properties = [...new Set([...type.filter.eq, ...type.filter.startswith, ...type.filter.endswith])];
  const clauses = parseFilter(raw, { advanced: true, properties, collections: type.filter.collections });
  for (const c of clauses) {
    const supported =
      c.kind === "startswith"
        ? type.filter.startswith.includes(c.property)
        : c.kind === "endswith"
          ? type.filter.endswith.includes(c.property)
          : c.kind === "any" || type.filter.eq.includes(c.property);
    if (!supported) throw graphErrors.unsupportedFilterClause(c.property, type.resource);
    if ((c.kind === "ne" || c.kind === "endswith") && !advanced) throw graphErrors.needsAdvancedQuery();
  }
  return clauses;
}

/** The `$orderby` as a comparator, or null. */
function ordering(
  type: EntityType,
  q: Query,
  advanced: boolean,
): ((a: Record<string, unknown>, b: Record<string, unknown>) => number) | null {
  const raw = q.get("$orderby");
  if (raw === null) return null;
  const keys = raw.split(",").map((part) => {
    const m = /^\s*([A-Za-z]\w*)(?:\s+(asc|desc))?\s*$/i.exec(part);
    if (!m) throw graphErrors.badQueryOption("$orderby", raw);
    const k = propName(type, m[1]!);
    if (!k) throw graphErrors.unknownProperty(m[1]!, type.name);
    const byDefault = type.orderby.byDefault.includes(k);
    if (!byDefault && !type.orderby.advanced.includes(k)) throw graphErrors.sortNotSupported();
    // aad-advanced-queries.md: $orderby with $filter (or $search), or on advanced-only properties, is an advanced query.
    if ((!byDefault || q.has("$filter") || q.has("$search")) && !advanced) throw graphErrors.sortNotSupported();
    return { k, dir: m[2]?.toLowerCase() === "desc" ? -1 : 1 };
  });
  return (a, b) => {
    for (const { k, dir } of keys) {
      const c = String(a[k] ?? "").localeCompare(String(b[k] ?? ""));
      if (c !== 0) return dir * c;
    }
    return 0;
  };
}

/** The views a query selects, in order (filter, search, orderby), with whether it runs as an advanced query. */
function selectViews(type: EntityType, q: Query, views: Record<string, unknown>[]): Record<string, unknown>[] {
  const advanced = q.eventual && q.countRequested();
  if (q.has("$search") && !q.eventual) throw graphErrors.searchNeedsEventual();
  const clauses = filterClauses(type, q, advanced);
  const search = q.has("$search") ? parseSearch(q.get("$search")!, type) : null;
  const order = ordering(type, q, advanced);
  const out = views.filter((v) => clauses.every((c) => matches(c, v, same)) && (!search || search(v)));
  return order ? out.sort(order) : out;
}

/** One directory collection: its type, every item's full view, and its path under /v1.0. */
export interface DirectoryCollection {
  type: EntityType;
  views: Record<string, unknown>[];
  /** e.g. `users`, `servicePrincipals` (for @odata.context and @odata.nextLink). */
  path: string;
}

/** GET on a directory collection. */
export function listDirectory(ctx: EmulatorContext, q: Query, c: DirectoryCollection): HandlerResult {
  const offset = readToken(q.get("$skiptoken"), q.eventual);
  const names = selectedProps(c.type, q.selectNames(), true);
  const exp = expansion(c.type, q);
  const top = q.top(PAGE_DEFAULT, PAGE_MAX, pageSizeOutOfRange);
  const all = selectViews(c.type, q, c.views);
  const select = q.has("$select") ? `(${names.join(",")})` : "";
  const body: Record<string, unknown> = { "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#${c.path}${select}` };
  if (q.countRequested() && q.eventual && offset === 0) body["@odata.count"] = all.length;
  if (offset + top < all.length) {
    const token: PageToken = { o: offset + top, e: q.eventual };
    const next = [...q.raw].filter(([k]) => k.toLowerCase() !== "$skiptoken");
    next.push(["$skiptoken", Buffer.from(JSON.stringify(token)).toString("base64url")]);
    body["@odata.nextLink"] = `${ctx.baseUrl}/v1.0/${c.path}?${queryString(next)}`;
  }
  body.value = all.slice(offset, offset + top).map((v) => withExpansion(project(v, names), exp));
  return { status: 200, body };
}

/** GET on a directory collection's `/$count` segment: needs ConsistencyLevel: eventual (text/plain). */
export function countDirectory(q: Query, c: DirectoryCollection): HandlerResult {
  if (!q.eventual) throw graphErrors.countNeedsEventual();
  return { status: 200, headers: { "content-type": "text/plain" }, body: selectViews(c.type, q, c.views).length };
}

/** GET of one directory object, with `$select` and `$expand`. */
export function readDirectoryObject(
  ctx: EmulatorContext,
  q: Query,
  type: EntityType,
  view: Record<string, unknown>,
  path: string,
): HandlerResult {
  const names = selectedProps(type, q.selectNames(), false);
  const exp = expansion(type, q);
  const select = q.has("$select") ? `(${names.join(",")})` : "";
  return {
    status: 200,
    body: {
      "@odata.context": `${ctx.baseUrl}/v1.0/$metadata#${path}${select}/$entity`,
      ...withExpansion(project(view, names), exp),
    },
  };
}
