/**
 * `Get-CsPhoneNumberAssignment -Filter`: clauses `<Attribute> -eq|-ne|-like|-contains <value>`
 * joined by `-and`; values are '…' strings or ['…'] lists. Attribute names and their aliases are
 * the ones the cmdlet page lists (office-docs-powershell Get-CsPhoneNumberAssignment.md).
 */
import { teamsErrors } from "./errors";

const CMDLET = "Get-CsPhoneNumberAssignment";

/** Filter attribute (and alias) → output property. */
const ATTRIBUTES: Record<string, string> = {
  telephonenumber: "TelephoneNumber",
  operatorid: "OperatorId",
  pstnassignmentstatus: "PstnAssignmentStatus",
  assignmentstatus: "PstnAssignmentStatus",
  activationstate: "ActivationState",
  isocountrycode: "IsoCountryCode",
  capability: "Capability",
  acquiredcapabilities: "Capability",
  pstnpartnername: "PstnPartnerName",
  partnername: "PstnPartnerName",
  locationid: "LocationId",
  civicaddressid: "CivicAddressId",
  networksiteid: "NetworkSiteId",
  numbertype: "NumberType",
  assignedpstntargetid: "AssignedPstnTargetId",
  targetid: "AssignedPstnTargetId",
  assignmentcategory: "AssignmentCategory",
  reversenumberlookup: "ReverseNumberLookup",
  smsactivationstate: "SmsActivationState",
  tags: "Tag",
};

type Clause = { property: string; op: "eq" | "ne" | "like" | "contains"; value: string };

const invalid = (detail: string) => teamsErrors.badRequest(CMDLET, `BadRequest - Invalid filter: ${detail}`);

/** Parses a -Filter string; a 400 BadRequest names what is wrong. */
export function parseNumberFilter(filter: string): Clause[] {
  const clauses: Clause[] = [];
  const re = /^\s*([A-Za-z]+)\s+-(eq|ne|like|contains)\s+(?:'((?:[^']|'')*)'|\[\s*'((?:[^']|'')*)'\s*\])\s*/i;
  let rest = filter;
  for (;;) {
    const m = re.exec(rest);
    if (!m) throw invalid(`cannot read '${rest.trim()}'; write <Attribute> -eq '<value>' joined by -and.`);
    const property = ATTRIBUTES[m[1]!.toLowerCase()];
    if (!property) throw invalid(`'${m[1]}' is not a supported filter attribute.`);
    clauses.push({
      property,
      op: m[2]!.toLowerCase() as Clause["op"],
      value: (m[3] ?? m[4] ?? "").replace(/''/g, "'"),
    });
    rest = rest.slice(m[0].length);
    if (rest.trim() === "") return clauses;
    const and = /^-and\s+/i.exec(rest);
    if (!and) throw invalid(`only -and may join clauses (at '${rest.trim()}').`);
    rest = rest.slice(and[0].length);
  }
}

function like(value: string, pattern: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );
  return re.test(value);
}

/** True when an output object satisfies every clause (comparisons are case-insensitive, like PowerShell's). */
export function matchesNumberFilter(view: Record<string, unknown>, clauses: Clause[]): boolean {
  return clauses.every((c) => {
    const v = view[c.property];
    const values = (Array.isArray(v) ? v : [v]).map((x) => String(x ?? "").toLowerCase());
    const want = c.value.toLowerCase();
    switch (c.op) {
      case "eq":
        return values.includes(want);
      case "ne":
        return !values.includes(want);
      case "like":
        return values.some((x) => like(x, want));
      case "contains":
        return values.includes(want);
    }
  });
}
