/**
 * Graph URL paths as the service reads them: percent-decoding per segment (a broken escape is a
 * 400 naming the segment), OData key syntax `users('a''b@contoso.com')` → `users/a'b@contoso.com`,
 * alternate keys `servicePrincipals(appId='…')` → `servicePrincipals` + a segment that remembers
 * its key name, and namespace-qualified bound actions
 * `…/microsoft.graph.teamsAdministration.assignNumber` → `…/assignNumber` (the form Microsoft's SDKs send).
 */
import { graphErrors } from "./errors";

const KEY_SYNTAX = /^([A-Za-z_$][\w$.]*)\((.*)\)$/s;
const QUALIFIED = /^microsoft\.graph\.(?:[A-Za-z]\w*\.)*([A-Za-z]\w*)$/i;

function decode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw graphErrors.badEscape(raw);
  }
}

const NAMED_KEY = /^([A-Za-z_]\w*)\s*=\s*(.*)$/s;

/** One path segment; `key` names the alternate key it was addressed by (`appId` in `(appId='…')`). */
export interface PathSegment {
  value: string;
  key?: string;
}

function keyValue(inner: string): string {
  const quoted = /^'(.*)'$/s.exec(inner);
  return quoted ? quoted[1]!.replace(/''/g, "'") : inner;
}

/** Splits a `/v1.0`-relative path (or a route template) into decoded segments; throws a GraphError for a malformed one. */
export function pathSegments(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const raw of path.split("/")) {
    if (raw === "") continue;
    const seg = decode(raw);
    const key = KEY_SYNTAX.exec(seg);
    if (key) {
      const named = key[2]!.startsWith("'") ? null : NAMED_KEY.exec(key[2]!);
      out.push(
        { value: key[1]! },
        named ? { value: keyValue(named[2]!), key: named[1]! } : { value: keyValue(key[2]!) },
      );
      continue;
    }
    const qualified = QUALIFIED.exec(seg);
    out.push({ value: qualified ? qualified[1]! : seg });
  }
  return out;
}
