/**
 * The one rule for query options, applied by the router to every route of every family: a route
 * declares the OData system query options its operation documents (`QueryRules.allowed`) and how
 * its workload refuses the others (`refuse`); whatever else arrives is refused before the handler
 * runs, never silently ignored. Handlers read the options from the returned `Query` only.
 * Sources: query-parameters.md (the system options), the operations' "Optional query parameters"
 * sections, and the refusals per workload in emulator/FIDELITY.md ("Query options").
 */
import { GraphError, graphErrors } from "./errors";
import { header, type GraphRequest } from "./request";

/** OData system query options and `$skiptoken` (query-parameters.md), by their canonical spelling. */
export const SYSTEM_OPTIONS = [
  "$count",
  "$expand",
  "$filter",
  "$format",
  "$orderby",
  "$search",
  "$select",
  "$skip",
  "$skiptoken",
  "$top",
] as const;
/** One system query option. */
export type SystemOption = (typeof SYSTEM_OPTIONS)[number];

/** What an operation accepts and how its workload refuses the rest. */
export interface QueryRules {
  /** The options the operation's page documents. */
  allowed: readonly SystemOption[];
  /** The workload's error for a system option the operation does not support. */
  refuse: (option: SystemOption) => GraphError;
}

/** Directory objects (users, service principals, applications, licences): `'$skip' is not supported by the service.` */
export const directoryQuery = (...allowed: SystemOption[]): QueryRules => ({
  allowed,
  refuse: graphErrors.directoryOptionNotSupported,
});

/** Workloads behind ASP.NET OData (Teams telephone numbers): `Query option 'Search' is not allowed…`. */
export const workloadQuery = (...allowed: SystemOption[]): QueryRules => ({
  allowed,
  refuse: graphErrors.optionNotAllowed,
});

/** The system query options of one request, validated against its route's rules. */
export class Query {
  constructor(
    private readonly values: ReadonlyMap<SystemOption, string>,
    /** `ConsistencyLevel: eventual` was sent (aad-advanced-queries.md). */
    readonly eventual: boolean,
    /** The query string as received (for @odata.nextLink, which carries the whole query). */
    readonly raw: URLSearchParams,
  ) {}

  /** The raw value of an option, or null when absent. */
  get(option: SystemOption): string | null {
    return this.values.get(option) ?? null;
  }

  /** True when the option was given. */
  has(option: SystemOption): boolean {
    return this.values.has(option);
  }

  /** `$count=true` (false/absent: false; any other value: 400). */
  countRequested(): boolean {
    const raw = this.get("$count");
    if (raw === null || raw === "false") return false;
    if (raw === "true") return true;
    throw graphErrors.badQueryOption("$count", raw);
  }

  /** `$top` as an integer in 1..max, or `dflt` when absent; `tooLarge` makes the error above max. */
  top(dflt: number, max: number, tooLarge: (top: number) => GraphError): number {
    const raw = this.get("$top");
    if (raw === null) return dflt;
    if (!/^-?\d+$/.test(raw.trim())) throw graphErrors.badQueryOption("$top", raw);
    const top = Number(raw.trim());
    if (top <= 0) throw graphErrors.zeroOrFewerResults("$top", raw);
    if (top > max) throw tooLarge(top);
    return top;
  }

  /** `$skip` as a non-negative integer (default 0). */
  skip(): number {
    const raw = this.get("$skip");
    if (raw === null) return 0;
    if (!/^\d+$/.test(raw.trim())) throw graphErrors.badQueryOption("$skip", raw);
    return Number(raw.trim());
  }

  /** The names a `$select` lists (as written, trimmed), or null without `$select`. */
  selectNames(): string[] | null {
    const raw = this.get("$select");
    if (raw === null) return null;
    const names = raw
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean);
    if (names.length === 0) throw graphErrors.badQueryOption("$select", raw);
    return names;
  }
}

/** A query string as Graph writes its links: `$` kept in option names, values percent-encoded. */
export function queryString(params: Iterable<[string, string]>): string {
  return [...params]
    .map(([k, v]) => `${encodeURIComponent(k).replace(/^%24/, "$")}=${encodeURIComponent(v)}`)
    .join("&");
}

/**
 * Reads a request's query string under a route's rules: a `$` name that is no system option, an
 * option given twice, an option the route does not document, or a system option written without
 * its `$` (v1.0 accepts that only on some APIs: query-parameters.md) is refused. Other names are
 * custom query options (OData: not `$`-prefixed), which these operations define none of.
 */
export function readQuery(req: GraphRequest, rules: QueryRules): Query {
  const values = new Map<SystemOption, string>();
  for (const [name, value] of req.query) {
    const lower = name.toLowerCase();
    if (lower.startsWith("$")) {
      const option = SYSTEM_OPTIONS.find((o) => o === lower);
      if (!option) throw graphErrors.unknownQueryOption(name);
      if (values.has(option)) throw graphErrors.duplicateQueryOption(option);
      if (!rules.allowed.includes(option)) throw rules.refuse(option);
      values.set(option, value);
    } else {
      const option = SYSTEM_OPTIONS.find((o) => o === `$${lower}`);
      if (option) throw rules.refuse(option);
    }
  }
  return new Query(values, header(req, "consistencylevel")?.trim().toLowerCase() === "eventual", req.query);
}
