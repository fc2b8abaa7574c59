/** A small OData $filter parser: `prop eq 'literal'` clauses joined by `and`, plus `capabilities/any(c:c eq 'x')`. */
import { GraphError } from "../errors";

/** One parsed clause. */
export type FilterClause =
  { kind: "eq"; property: string; value: string | null } | { kind: "any"; property: string; value: string };

function invalid(detail: string): GraphError {
  return new GraphError(400, "BadRequest", `Invalid filter clause: ${detail}`);
}

/** Parses an OData string literal starting at `i` (a `'`); `''` is an escaped quote. */
function literal(s: string, i: number): { value: string; end: number } {
  let out = "";
  let j = i + 1;
  for (;;) {
    if (j >= s.length) throw invalid("unterminated string literal.");
    const ch = s[j]!;
    if (ch === "'") {
      if (s[j + 1] === "'") {
        out += "'";
        j += 2;
        continue;
      }
      return { value: out, end: j + 1 };
    }
    out += ch;
    j += 1;
  }
}

/** Parses a filter into clauses; throws 400 for anything outside the supported grammar. */
export function parseFilter(
  filter: string,
  allowed: readonly string[],
  anyAllowed: readonly string[] = [],
): FilterClause[] {
  const clauses: FilterClause[] = [];
  let i = 0;
  const skipWs = (): void => {
    while (i < filter.length && /\s/.test(filter[i]!)) i += 1;
  };
  for (;;) {
    skipWs();
    const any = /^([A-Za-z]+)\/any\(\s*([A-Za-z]\w*)\s*:\s*([A-Za-z]\w*)\s+eq\s+/.exec(filter.slice(i));
    if (any) {
      if (any[2] !== any[3]) throw invalid(`lambda variable '${any[3]}' is not defined.`);
      const prop = any[1]!;
      if (!anyAllowed.includes(prop)) throw invalid(`filtering on '${prop}' is not supported.`);
      i += any[0].length;
      if (filter[i] !== "'") throw invalid("expected a string literal.");
      const lit = literal(filter, i);
      i = lit.end;
      skipWs();
      if (filter[i] !== ")") throw invalid("expected ')'.");
      i += 1;
      clauses.push({ kind: "any", property: prop, value: lit.value });
    } else {
      const m = /^([A-Za-z]\w*)\s+(\w+)\s+/.exec(filter.slice(i));
      if (!m) throw invalid(`syntax error at position ${i} in '${filter}'.`);
      const prop = m[1]!;
      const op = m[2]!;
      if (op !== "eq") throw invalid(`operator '${op}' is not supported; only 'eq' is.`);
      if (!allowed.includes(prop)) throw invalid(`filtering on '${prop}' is not supported.`);
      i += m[0].length;
      if (filter[i] === "'") {
        const lit = literal(filter, i);
        i = lit.end;
        clauses.push({ kind: "eq", property: prop, value: lit.value });
      } else if (filter.slice(i, i + 4) === "null" && !/\w/.test(filter[i + 4] ?? "")) {
        i += 4;
        clauses.push({ kind: "eq", property: prop, value: null });
      } else {
        throw invalid("expected a string literal or null.");
      }
    }
    skipWs();
    if (i >= filter.length) return clauses;
    const and = /^and\s+/.exec(filter.slice(i));
    if (!and) throw invalid(`syntax error at position ${i} in '${filter}'; only 'and' may join clauses.`);
    i += and[0].length;
  }
}
