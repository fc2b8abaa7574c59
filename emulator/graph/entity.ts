/**
 * What a directory entity type is to the query options: its documented properties (JSON kind,
 * writable, in the default projection, single-read only), which of them `$filter`, `$orderby` and
 * `$search` support and how, and the relationships `$expand` may name. One description per type
 * (user-properties.ts, service-principal-properties.ts); graph/directory.ts applies them.
 */
import { graphErrors } from "./errors";

/** JSON kind of a property. */
export type PropKind = "string" | "strings" | "boolean" | "dateTime" | "object" | "objects";

/** One documented property. */
export interface EntityProp {
  kind: PropKind;
  /** PATCH (and POST) may set it. */
  writable?: boolean;
  /** In the default projection (no $select). */
  byDefault?: boolean;
  /** Only on a single-entity GET (a collection `$select` of it is 501). */
  singleOnly?: boolean;
  /** Never returned on read (e.g. passwordProfile). */
  writeOnly?: boolean;
}

/** How `$expand` treats a relationship: the emulated tenant holds none of them, or does not model them. */
export type Relationship = "single" | "collection" | "notModelled";

/** A directory entity type as the query options see it. */
export interface EntityType {
  /** OData type name, e.g. `microsoft.graph.user`. */
  name: string;
  /** Resource name in directory error texts, e.g. `User`. */
  resource: string;
  properties: Record<string, EntityProp>;
  filter: {
    /** `eq` (and, in advanced queries, `ne`/`not`) works on these by default. */
    eq: readonly string[];
    /** `startswith` works on these by default. */
    startswith: readonly string[];
    /** `endswith` works on these in advanced queries only. */
    endswith: readonly string[];
    /** Collections for `any()`. */
    collections: readonly string[];
  };
  orderby: {
    /** Sortable without the advanced query parameters. */
    byDefault: readonly string[];
    /** Sortable only in advanced queries. */
    advanced: readonly string[];
  };
  /** Properties `$search` tokenizes (search-query-parameter.md: displayName, description); other filterable strings match as startswith. */
  tokenized: readonly string[];
  /** Relationships `$expand` may name. */
  relationships: Record<string, Relationship>;
}

/** The exact name of a property (names match case-insensitively), or undefined. */
export function propName(type: EntityType, name: string): string | undefined {
  const k = name.toLowerCase();
  return Object.keys(type.properties).find((p) => p.toLowerCase() === k);
}

/** The default projection (no $select), in the documented order. */
export function defaultProps(type: EntityType): string[] {
  return Object.keys(type.properties).filter((k) => type.properties[k]!.byDefault);
}

/**
 * The properties a `$select` names (exact spelling), or the default projection without one; an
 * unknown name is 400; on a collection, a single-read-only property is 501 (user-list.md).
 */
export function selectedProps(type: EntityType, names: string[] | null, collection: boolean): string[] {
  if (!names) return defaultProps(type);
  return names.map((n) => {
    const k = propName(type, n);
    if (!k || type.properties[k]!.writeOnly) throw graphErrors.unknownProperty(n, type.name);
    if (collection && type.properties[k]!.singleOnly)
      throw graphErrors.notImplemented(`The property '${k}' cannot be selected on a collection of ${type.resource}s.`);
    return k;
  });
}

/** A full view projected onto property names. */
export function project(view: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of names) out[k] = view[k];
  return out;
}

/** A view with every documented readable property (absent ones null or empty), then the given values. */
export function fullView(type: EntityType, values: Record<string, unknown>): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(type.properties))
    if (!p.writeOnly) view[k] = p.kind === "strings" || p.kind === "objects" ? [] : null;
  return { ...view, ...values };
}

/** True when `v` has the property's JSON kind (null is allowed for every kind but collections). */
export function hasKind(kind: PropKind, v: unknown): boolean {
  if (v === null) return kind !== "strings" && kind !== "objects";
  switch (kind) {
    case "string":
      return typeof v === "string";
    case "strings":
      return Array.isArray(v) && v.every((x) => typeof x === "string");
    case "boolean":
      return typeof v === "boolean";
    case "dateTime":
      return typeof v === "string" && !Number.isNaN(Date.parse(v));
    case "object":
      return typeof v === "object" && !Array.isArray(v);
    case "objects":
      return Array.isArray(v) && v.every((x) => x !== null && typeof x === "object");
  }
}
