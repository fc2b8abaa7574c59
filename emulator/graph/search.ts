/**
 * `$search` on directory objects (search-query-parameter.md, "Using $search on directory object
 * collections"): clauses `"property:text"` joined by upper-case `AND` / `OR` (AND binds tighter),
 * parentheses for precedence, `\"` and `\\` escaped inside a clause. On displayName and description
 * the text is matched by tokens: both sides are split at spaces, at a lower-to-upper case change, at
 * letter/digit changes and at symbols (words joined only by symbols also count joined), and every
 * search token must begin some value token, in any order, ignoring case. Other properties match as
 * `startswith`. Any property `$filter` accepts may be searched.
 */
import { EntityType, propName } from "./entity";
import { graphErrors } from "./errors";

type Node = { kind: "clause"; property: string; text: string } | { kind: "and" | "or"; left: Node; right: Node };

/** Tokens of a value or a search text, lower-cased. */
export function searchTokens(value: string): string[] {
  const out: string[] = [];
  for (const word of value.split(/\s+/).filter(Boolean)) {
    const spaced = word.replace(/(\p{Ll})(?=\p{Lu})/gu, "$1 ");
    for (const part of spaced.split(" "))
      for (const t of part.match(/\p{L}+|\p{N}+|[^\p{L}\p{N}]/gu) ?? []) out.push(t.toLowerCase());
    if (/[^\p{L}\p{N}]/u.test(word)) {
      const joined = word.replace(/[^\p{L}\p{N}]/gu, "").toLowerCase();
      if (joined) out.push(joined);
    }
  }
  return out;
}

/** Parses a `$search` value against an entity type; throws 400 for anything outside the grammar. */
export function parseSearch(raw: string, type: EntityType): (view: Record<string, unknown>) => boolean {
  const searchable = new Set([...type.filter.eq, ...type.filter.startswith, ...type.tokenized]);
  let i = 0;
  const ws = (): void => {
    while (i < raw.length && /\s/.test(raw[i]!)) i += 1;
  };
  const clause = (): Node => {
    ws();
    if (raw[i] === "(") {
      i += 1;
      const inner = or();
      ws();
      if (raw[i] !== ")") throw graphErrors.badSearch(`expected ')' at position ${i}.`);
      i += 1;
      return inner;
    }
    if (raw[i] !== '"')
      throw graphErrors.badSearch(`a clause must be in double quotes ("property:text") at position ${i}.`);
    let text = "";
    for (i += 1; ; i += 1) {
      if (i >= raw.length) throw graphErrors.badSearch("unterminated clause.");
      const ch = raw[i]!;
      if (ch === "\\" && (raw[i + 1] === '"' || raw[i + 1] === "\\")) text += raw[++i]!;
      else if (ch === '"') break;
      else text += ch;
    }
    i += 1;
    const colon = text.indexOf(":");
    if (colon <= 0) throw graphErrors.badSearch(`the clause "${text}" names no property ("property:text").`);
    const property = propName(type, text.slice(0, colon).trim());
    if (!property || !searchable.has(property))
      throw graphErrors.badSearch(`'${text.slice(0, colon).trim()}' cannot be searched on ${type.name}.`);
    return { kind: "clause", property, text: text.slice(colon + 1) };
  };
  const and = (): Node => {
    let left = clause();
    for (;;) {
      ws();
      if (!raw.startsWith("AND", i) || /\w/.test(raw[i + 3] ?? "")) return left;
      i += 3;
      left = { kind: "and", left, right: clause() };
    }
  };
  const or = (): Node => {
    let left = and();
    for (;;) {
      ws();
      if (!raw.startsWith("OR", i) || /\w/.test(raw[i + 2] ?? "")) return left;
      i += 2;
      left = { kind: "or", left, right: and() };
    }
  };
  const tree = or();
  ws();
  if (i < raw.length) throw graphErrors.badSearch(`unexpected '${raw.slice(i, i + 10)}' at position ${i}.`);
  const tokenized = new Set(type.tokenized);
  const test = (n: Node, view: Record<string, unknown>): boolean => {
    if (n.kind !== "clause")
      return n.kind === "and" ? test(n.left, view) && test(n.right, view) : test(n.left, view) || test(n.right, view);
    const v = view[n.property];
    if (typeof v !== "string") return false;
    if (!tokenized.has(n.property)) return v.toLowerCase().startsWith(n.text.toLowerCase());
    const have = searchTokens(v);
    const want = searchTokens(n.text);
    return want.length > 0 && want.every((w) => have.some((h) => h.startsWith(w)));
  };
  return (view) => test(tree, view);
}
