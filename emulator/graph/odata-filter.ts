/**
 * A small OData $filter parser: clauses joined by `and`, each one of `prop eq|ne literal`,
 * `startswith(prop,'x')`, `endswith(prop,'x')` or `prop/any(c:c eq 'x')`; literals are strings
 * (`''` escapes a quote), `null`, `true`, `false`.
 */
import { graphErrors } from "./errors";

/** A literal value. */
export type Literal = string | boolean | null;

/** One parsed clause. */
export type FilterClause =
  | { kind: "eq" | "ne"; property: string; value: Literal }
  | { kind: "startswith" | "endswith"; property: string; value: string }
  | { kind: "any"; property: string; member: string | null; value: string };

const invalid = graphErrors.invalidFilter;

/** Parses an OData string literal starting at `i` (a `'`); `''` is an escaped quote. */
function stringLiteral(s: string, i: number): { value: string; end: number } {
  let out = "";
  let j = i + 1;
  for (;;) {
    if (j >= s.length) throw invalid("unterminated string literal.");
    const ch = s[j]!;
    if (ch === "'") {
      if (s[j + 1] !== "'") return { value: out, end: j + 1 };
      out += "'";
      j += 2;
      continue;
    }
    out += ch;
    j += 1;
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\w-])/i;

function literal(s: string, i: number): { value: Literal; end: number } {
  if (s[i] === "'") return stringLiteral(s, i);
  const guid = GUID.exec(s.slice(i));
  if (guid) return { value: guid[0].toLowerCase(), end: i + guid[0].length };
  const word = /^(null|true|false)(?![\w])/.exec(s.slice(i));
  if (!word) throw invalid("expected a string literal, null, true or false.");
  return { value: word[1] === "null" ? null : word[1] === "true", end: i + word[1]!.length };
}

/** Which properties may appear where. */
export interface FilterSchema {
  /** Properties for eq/ne/startswith/endswith. */
  properties: readonly string[];
  /** Collection properties for any(). */
  collections?: readonly string[];
  /** Also `ne`, `startswith()` and `endswith()` (the directory supports them; the number inventory only `eq`). */
  advanced?: boolean;
}

function property(name: string, schema: readonly string[]): string {
  const k = schema.find((p) => p.toLowerCase() === name.toLowerCase());
  if (!k) throw invalid(`filtering on '${name}' is not supported.`);
  return k;
}

/** Parses a filter into clauses; throws 400 for anything outside the supported grammar. */
export function parseFilter(filter: string, schema: FilterSchema): FilterClause[] {
  const clauses: FilterClause[] = [];
  let i = 0;
  const skipWs = (): void => {
    while (i < filter.length && /\s/.test(filter[i]!)) i += 1;
  };
  const expect = (ch: string): void => {
    skipWs();
    if (filter[i] !== ch) throw invalid(`expected '${ch}' at position ${i}.`);
    i += 1;
  };
  for (;;) {
    skipWs();
    const rest = filter.slice(i);
    const fn = /^(startswith|endswith)\s*\(\s*([A-Za-z]\w*)\s*,\s*/i.exec(rest);
    const any = /^([A-Za-z]+)\/any\(\s*([A-Za-z]\w*)\s*:\s*([A-Za-z]\w*)(?:\/([A-Za-z]\w*))?\s+eq\s+/.exec(rest);
    const cmp = /^([A-Za-z]\w*)\s+(\w+)\s+/.exec(rest);
    if (fn && schema.advanced) {
      const prop = property(fn[2]!, schema.properties);
      i += fn[0].length;
      if (filter[i] !== "'") throw invalid("expected a string literal.");
      const lit = stringLiteral(filter, i);
      i = lit.end;
      expect(")");
      clauses.push({ kind: fn[1]!.toLowerCase() as "startswith" | "endswith", property: prop, value: lit.value });
    } else if (any) {
      if (any[2] !== any[3]) throw invalid(`lambda variable '${any[3]}' is not defined.`);
      const prop = property(any[1]!, schema.collections ?? []);
      i += any[0].length;
      const lit = literal(filter, i);
      if (typeof lit.value !== "string") throw invalid("expected a string literal or a GUID.");
      i = lit.end;
      expect(")");
      clauses.push({ kind: "any", property: prop, member: any[4] ?? null, value: lit.value });
    } else if (cmp) {
      const op = cmp[2]!.toLowerCase();
      if (op !== "eq" && (op !== "ne" || !schema.advanced))
        throw invalid(
          `operator '${cmp[2]}' is not supported; only ${schema.advanced ? "'eq' and 'ne' are" : "'eq' is"}.`,
        );
      const prop = property(cmp[1]!, schema.properties);
      i += cmp[0].length;
      const lit = literal(filter, i);
      i = lit.end;
      clauses.push({ kind: op, property: prop, value: lit.value });
    } else {
      throw invalid(`syntax error at position ${i} in '${filter}'.`);
    }
    skipWs();
    if (i >= filter.length) return clauses;
    const and = /^and\s+/i.exec(filter.slice(i));
    if (!and) throw invalid(`syntax error at position ${i} in '${filter}'; only 'and' may join clauses.`);
    i += and[0].length;
  }
}

/** Evaluates one clause on a view; `same` compares two strings (services differ in case rules). */
export function matches(
  c: FilterClause,
  view: Record<string, unknown>,
  same: (a: string, b: string) => boolean = (a, b) => a === b,
): boolean {
  const v = view[c.property];
  switch (c.kind) {
    case "any":
      return (
        Array.isArray(v) &&
        v.some((x) => {
          const item: unknown = c.member === null ? x : (x as Record<string, unknown> | null)?.[c.member];
          return typeof item === "string" && same(item, c.value);
        })
      );
    case "startswith":
      return typeof v === "string" && v.toLowerCase().startsWith(c.value.toLowerCase());
    case "endswith":
      return typeof v === "string" && v.toLowerCase().endsWith(c.value.toLowerCase());
    case "eq":
    case "ne": {
      const eq =
        typeof v === "string" && typeof c.value === "string" ? same(v, c.value) : (v ?? null) === (c.value ?? null);
      return c.kind === "eq" ? eq : !eq;
    }
  }
}
