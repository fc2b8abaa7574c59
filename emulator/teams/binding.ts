/** PowerShell-like parameter binding for the emulated cmdlets: names (case-insensitive), aliases, types, mandatory. */
import { GUID_RE } from "../constants";
import { teamsErrors } from "./errors";

/** Type of a cmdlet parameter. */
export type ParamType = "string" | "guid" | "int" | "switch" | "bool";

/** One declared parameter. */
export interface ParamSpec {
  name: string;
  type: ParamType;
  aliases?: string[];
  mandatory?: boolean;
  /** [AllowNull()]: `$null` binds (as null) instead of being refused or dropped (Grant-Cs*Policy -PolicyName $null). */
  allowNull?: boolean;
  validateSet?: string[];
  max?: number;
}

/** Bound parameters keyed by canonical name (null only for `allowNull` parameters given `$null`). */
export type Bound = Record<string, string | number | boolean | null>;

/** PowerShell common parameters: accepted and ignored (the host adds -ErrorAction Stop itself). */
const COMMON = [
  "Verbose",
  "Debug",
  "ErrorAction",
  "WarningAction",
  "InformationAction",
  "ProgressAction",
  "ErrorVariable",
  "WarningVariable",
  "InformationVariable",
  "OutVariable",
  "OutBuffer",
  "PipelineVariable",
];

/** Binds raw JSON parameters to a cmdlet's declared parameters, raising PowerShell's binding errors. */
export function bind(cmdlet: string, specs: ParamSpec[], raw: Record<string, unknown>): Bound {
  const out: Bound = {};
  for (const [given, value] of Object.entries(raw)) {
    const key = given.replace(/^-/, "").toLowerCase();
    if (COMMON.some((c) => c.toLowerCase() === key)) continue;
    const spec = specs.find(
      (s) => s.name.toLowerCase() === key || (s.aliases ?? []).some((a) => a.toLowerCase() === key),
    );
    if (!spec) throw teamsErrors.parameterNotFound(cmdlet, given);
    if (spec.name in out) throw teamsErrors.parameterAlreadyBound(cmdlet, spec.name);
    if (value === null || value === undefined) {
      if (spec.allowNull) {
        out[spec.name] = null;
        continue;
      }
      if (spec.mandatory) throw teamsErrors.nullNotAllowed(cmdlet, spec.name);
      continue;
    }
    out[spec.name] = convert(cmdlet, spec, value);
  }
  const missing = specs.filter((s) => s.mandatory && !(s.name in out)).map((s) => s.name);
  if (missing.length > 0) throw teamsErrors.missingMandatory(cmdlet, missing);
  return out;
}

function convert(cmdlet: string, spec: ParamSpec, value: unknown): string | number | boolean {
  const cannot = (target: string, detail: string) =>
    teamsErrors.cannotConvert(cmdlet, spec.name, value, target, detail);
  switch (spec.type) {
    case "string": {
      const s = String(value);
      if (spec.validateSet && !spec.validateSet.some((v) => v.toLowerCase() === s.toLowerCase())) {
        throw teamsErrors.validation(
          cmdlet,
          `Cannot validate argument on parameter '${spec.name}'. The argument "${s}" does not belong to the set "${spec.validateSet.join(",")}" specified by the ValidateSet attribute. Supply an argument that is in the set and then try the command again.`,
        );
      }
      return s;
    }
    case "guid": {
      const s = String(value).trim();
      if (!GUID_RE.test(s)) throw cannot("System.Guid", "Unrecognized Guid format.");
      return s.toLowerCase();
    }
    case "int": {
      const n = typeof value === "number" ? value : /^-?\d+$/.test(String(value)) ? Number(value) : NaN;
      if (!Number.isInteger(n)) throw cannot("System.Int32", "Input string was not in a correct format.");
      if (spec.max !== undefined && n > spec.max) {
        throw teamsErrors.validation(
          cmdlet,
          `Cannot validate argument on parameter '${spec.name}'. The ${n} argument is greater than the maximum allowed range of ${spec.max}. Supply an argument that is less than or equal to ${spec.max} and then try the command again.`,
        );
      }
      return n;
    }
    case "switch":
    case "bool": {
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "True" || value === "$true") return true;
      if (value === "false" || value === "False" || value === "$false") return false;
      throw cannot(
        spec.type === "switch" ? "System.Management.Automation.SwitchParameter" : "System.Boolean",
        "Boolean parameters accept only Boolean values and numbers.",
      );
    }
  }
}
