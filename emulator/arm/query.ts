/**
 * The ARM equivalent of graph/query.ts: every ARM route declares the api-versions its resource
 * type serves and the query parameters its operation defines; the router checks the query string
 * against them before anything else (ARM answers MissingApiVersionParameter even to unauthenticated
 * requests). A parameter the operation does not define is refused, never silently ignored.
 * Sources: emulator/FIDELITY.md ("Azure Resource Manager").
 */
import { armErrors } from "./errors";

/** What an operation accepts besides `api-version`. */
export interface ArmQueryRules {
  /** The api-versions the resource type serves (the emulator models these specs only). */
  apiVersions: readonly string[];
  /** Resource type as ARM names it in NoRegisteredProviderFound (e.g. `botServices`). */
  resourceType: string;
  /** Locations ARM lists in NoRegisteredProviderFound. */
  locations: readonly string[];
  /** Other query parameters the operation's spec defines (none for the Bot Service operations served). */
  allowed: readonly string[];
}

/** api-version's documented form: a date, optionally `-preview` (or another suffix). */
const API_VERSION_RE = /^\d{4}-\d{2}-\d{2}(-[a-z]+)?$/i;

/** Validates a query string; returns the api-version. */
export function readArmQuery(query: URLSearchParams, rules: ArmQueryRules): string {
  const versions = query.getAll("api-version");
  if (versions.length === 0) throw armErrors.missingApiVersion();
  if (versions.length > 1 || !API_VERSION_RE.test(versions[0]!))
    throw armErrors.invalidApiVersion(versions.join(","), rules.apiVersions);
  const version = versions[0]!.toLowerCase();
  if (!rules.apiVersions.includes(version))
    throw armErrors.unsupportedApiVersion(versions[0]!, rules.resourceType, rules.apiVersions, rules.locations);
  for (const name of new Set(query.keys())) {
    if (name === "api-version") continue;
    if (!rules.allowed.some((a) => a.toLowerCase() === name.toLowerCase()))
      throw armErrors.unsupportedQueryParameter(name);
  }
  return version;
}
