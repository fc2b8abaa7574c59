/**
 * Graph URL paths as the service reads them: percent-decoding per segment (a broken escape is a
 * 400 naming the segment), OData key syntax `users('a''b@contoso.com')` → `users/a'b@contoso.com`,
 * and namespace-qualified bound actions `…/microsoft.graph.teamsAdministration.assignNumber` →
 * `…/assignNumber` (the form Microsoft's SDKs send).
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

function keyValue(inner: string): string {
  const quoted = /^'(.*)'$/s.exec(inner);
  return quoted ? quoted[1]!.replace(/''/g, "'") : inner;
}

/** Splits a `/v1.0`-relative path into decoded segments; throws a GraphError for a malformed one. */
export function pathSegments(path: string): string[] {
  const out: string[] = [];
  for (const raw of path.split("/")) {
    if (raw === "") continue;
    const seg = decode(raw);
    const key = KEY_SYNTAX.exec(seg);
    if (key) {
      out.push(key[1]!, keyValue(key[2]!));
      continue;
    }
    const qualified = QUALIFIED.exec(seg);
    out.push(qualified ? qualified[1]! : seg);
  }
  return out;
}
