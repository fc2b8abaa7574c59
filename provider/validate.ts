/**
 * Pure validation and normalisation of resource inputs. Each normaliser returns the normalised
 * value or a reason; `Checker` collects failures keyed by property for `check()`.
 * Nothing here talks to the tenant.
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";

import { GUID, NUMBER_TYPES, type NumberType } from "./formats";

export { NUMBER_TYPES, type NumberType } from "./formats";

/** A failure keyed by property, as Pulumi's check() expects. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** Either the normalised value or why the input is wrong. */
export type Normalized<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Normalized<T> => ({ ok: true, value });
const fail = <T>(reason: string): Normalized<T> => ({ ok: false, reason });

const E164_HINT = "write it in E.164, e.g. +14255550100";

/**
 * Normalises a phone number to E.164 (`+14255550100`). Accepts `tel:`, spaces, dashes, dots and
 * parentheses; keeps `;ext=1234` (Direct Routing only); rejects national formats.
 */
export function normalizePhoneNumber(raw: unknown, numberType?: NumberType): Normalized<string> {
  if (typeof raw !== "string" || raw.trim() === "") return fail(`a phone number is required: ${E164_HINT}`);
  const text = raw.trim().replace(/^tel:/i, "");
  const extMatch = /;ext=(\d{1,10})$/i.exec(text);
  const body = extMatch ? text.slice(0, extMatch.index) : text;
  if (!/^\+?[\d\s().-]+$/.test(body))
    return fail(
      `"${raw}" is not a phone number (only digits, +, spaces, dashes, dots and parentheses are allowed): ${E164_HINT}`,
    );
  if (/^\s*00/.test(body))
    return fail(`"${raw}" starts with the international prefix 00: replace 00 with + (E.164, e.g. +14255550100)`);
  if (!body.startsWith("+")) return fail(`"${raw}" has no country code: ${E164_HINT}`);
  const parsed = parsePhoneNumberFromString(body);
  if (!parsed || !parsed.isPossible()) return fail(`"${raw}" is not a possible phone number: ${E164_HINT}`);
  if (extMatch && numberType !== undefined && numberType !== "DirectRouting") {
    return fail(`"${raw}" has an extension; extensions (;ext=) are only allowed for DirectRouting numbers`);
  }
  return ok(extMatch ? `${parsed.number};ext=${extMatch[1]}` : String(parsed.number));
}

/** Lower-cased GUID, braces accepted. */
export function normalizeGuid(raw: unknown, what = "a GUID"): Normalized<string> {
  if (typeof raw !== "string") return fail(`${what} is required, e.g. 00000000-0000-0000-0000-000000000000`);
  const text = raw.trim().replace(/^\{(.*)\}$/, "$1");
  return GUID.test(text)
    ? ok(text.toLowerCase())
    : fail(`"${raw}" is not ${what} (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`);
}

/**
 * GUIDs that are never a real app id: the nil GUID (also what Teams shows for an instance without
 * an application mapping), the max GUID, Pulumi's preview placeholder, and the repeated-digit
 * placeholders (`11111111-1111-…`) examples use.
 */
export const PLACEHOLDER_GUIDS: ReadonlySet<string> = new Set([
  ...Array.from(
    "0123456789abcdef",
    (d) => `${d.repeat(8)}-${d.repeat(4)}-${d.repeat(4)}-${d.repeat(4)}-${d.repeat(12)}`,
  ),
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
]);

/** An app (client) id: a GUID that is not a placeholder (see PLACEHOLDER_GUIDS). */
export function normalizeAppId(raw: unknown, what = "an application (client) id"): Normalized<string> {
  const guid = normalizeGuid(raw, what);
  if (!guid.ok || !PLACEHOLDER_GUIDS.has(guid.value)) return guid;
  return fail(
    `"${String(raw)}" is a placeholder, not ${what}: use the bot's Microsoft App ID ` +
      `(Entra admin center > App registrations > the bot's app > Application (client) ID)`,
  );
}

/** Entra ID allows only these in the part of a UPN before @: letters, digits and ' . - _ ! # ^ ~. */
const UPN_LOCAL = /^[a-z0-9'_!#^~-]+(\.[a-z0-9'_!#^~-]+)*$/;
const UPN_LOCAL_CHARS = /^[a-z0-9'._!#^~-]+$/;
const DOMAIN = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** `name@domain.tld`, lower-cased; the domain must be verified in the tenant (checked by Teams). */
export function normalizeUpn(raw: unknown): Normalized<string> {
  if (typeof raw !== "string" || raw.trim() === "")
    return fail("a user principal name is required, e.g. incident-bot@contoso.com");
  const upn = raw.trim().toLowerCase();
  const at = upn.lastIndexOf("@");
  const local = upn.slice(0, at);
  const domain = upn.slice(at + 1);
  if (at > 0 && !UPN_LOCAL_CHARS.test(local) && !/\s/.test(local)) {
    return fail(
      `"${raw}" is not a user principal name: the part before @ may hold only letters, digits and ' . - _ ! # ^ ~ (Entra ID's rule)`,
    );
  }
  if (at <= 0 || !UPN_LOCAL.test(local) || !DOMAIN.test(domain)) {
    return fail(`"${raw}" is not a user principal name: expected name@domain, e.g. incident-bot@contoso.com`);
  }
  if (local.length > 64) return fail(`"${raw}": the part before @ is longer than 64 characters`);
  if (upn.length > 113) return fail(`"${raw}" is longer than 113 characters`);
  return ok(upn);
}

const COUNTRY_ALIASES: Record<string, string> = { UK: "GB", EL: "GR" };

/** ISO 3166-1 alpha-2 country code, upper-cased, must be a real country. */
export function normalizeUsageLocation(raw: unknown): Normalized<string> {
  if (typeof raw !== "string" || raw.trim() === "")
    return fail("a usage location is required: an ISO 3166-1 alpha-2 country code such as US");
  const code = raw.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code))
    return fail(`"${raw}" is not an ISO 3166-1 alpha-2 country code (two letters, e.g. US, GB, DE)`);
  if (COUNTRY_ALIASES[code])
    return fail(`"${raw}" is not an ISO 3166-1 country code: did you mean ${COUNTRY_ALIASES[code]}?`);
  if (!isSupportedCountry(code as CountryCode))
    return fail(`"${raw}" is not a known ISO 3166-1 alpha-2 country code (e.g. US, GB, DE)`);
  return ok(code);
}

/** CallingPlan | DirectRouting | OperatorConnect, case-insensitively. */
export function normalizeNumberType(raw: unknown): Normalized<NumberType> {
  const text =
    typeof raw === "string"
      ? raw
          .trim()
          .replace(/[\s_-]/g, "")
          .toLowerCase()
      : "";
  const found = NUMBER_TYPES.find((t) => t.toLowerCase() === text);
  return found
    ? ok(found)
    : fail(
        `${raw === undefined ? "numberType is required" : `"${String(raw)}" is not a number type`}: use ${NUMBER_TYPES.join(" | ")}`,
      );
}

/** A non-empty display name of at most 256 characters, trimmed. */
export function normalizeDisplayName(raw: unknown): Normalized<string> {
  if (typeof raw !== "string" || raw.trim() === "") return fail("a display name is required");
  const name = raw.trim();
  return name.length > 256
    ? fail(`the display name is ${name.length} characters long; at most 256 are allowed`)
    : ok(name);
}

/** A label for messages (how the stack config names a bot, e.g. `bots[2] (survey-bot, survey-bot@contoso.com)`). */
export function normalizeLabel(raw: unknown): Normalized<string> {
  if (typeof raw !== "string" || raw.trim() === "") return fail("a label is a non-empty text");
  return raw.length > 300
    ? fail(`the label is ${raw.length} characters long; at most 300 are allowed`)
    : ok(raw.trim());
}

/** Whole minutes in [min, max]; numeric strings accepted (stack config values arrive as strings). */
export function normalizeMinutes(raw: unknown, min = 1, max = 24 * 60): Normalized<number> {
  const n = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    return fail(`"${String(raw)}" is not a whole number of minutes between ${min} and ${max}`);
  }
  return ok(n);
}

/** How long to wait for a licence's provisioning, in minutes: 1 minute to 7 days. */
export function normalizeProvisioningMinutes(raw: unknown): Normalized<number> {
  return normalizeMinutes(raw, 1, 7 * 24 * 60);
}

/** true/false, also from "true"/"false" strings. */
export function normalizeBoolean(raw: unknown): Normalized<boolean> {
  if (typeof raw === "boolean") return ok(raw);
  if (raw === "true" || raw === "false") return ok(raw === "true");
  return fail(`"${String(raw)}" is not true or false`);
}

/** A SKU part number such as PHONESYSTEM_VIRTUALUSER, upper-cased. */
export function normalizeSkuPartNumber(raw: unknown): Normalized<string> {
  const text = typeof raw === "string" ? raw.trim().toUpperCase() : "";
  return /^[A-Z0-9_]{2,100}$/.test(text)
    ? ok(text)
    : fail(`"${String(raw)}" is not a SKU part number (letters, digits and _ only, e.g. PHONESYSTEM_VIRTUALUSER)`);
}

/** The Pay-As-You-Go Calling Plan service plans (zone 1, zone 2), matched by name: their SKUs' part numbers differ by country. */
export const PAYG_SERVICE_PLANS = ["MCOPSTN_PAYG_1", "MCOPSTN_PAYG_2"] as const;

/** A Pay-As-You-Go Calling Plan service plan name (PAYG_SERVICE_PLANS), upper-cased. */
export function normalizePaygServicePlan(raw: unknown): Normalized<string> {
  const text = typeof raw === "string" ? raw.trim().toUpperCase() : "";
  return (PAYG_SERVICE_PLANS as readonly string[]).includes(text)
    ? ok(text)
    : fail(
        `"${String(raw)}" is not a Pay-As-You-Go Calling Plan service plan: use ${PAYG_SERVICE_PLANS.join(" (zone 1) or ")} (zone 2)`,
      );
}

/** An online voice routing policy name as Grant-CsOnlineVoiceRoutingPolicy -PolicyName takes it (no `Tag:`). */
export function normalizePolicyName(raw: unknown): Normalized<string> {
  const text = typeof raw === "string" ? raw.trim().replace(/^Tag:/i, "") : "";
  if (text === "" || /^global$/i.test(text))
    return fail(
      `"${String(raw)}" is not a per-user voice routing policy name (Global applies to everyone without one)`,
    );
  return /^[^*?"'\\]{1,256}$/.test(text) ? ok(text) : fail(`"${String(raw)}" is not a voice routing policy name`);
}

/** An emergency location id (GUID), or absent. */
export function normalizeLocationId(raw: unknown): Normalized<string> {
  return normalizeGuid(raw, "an emergency location id (GUID)");
}

/** Pulumi's placeholder for a value not known during preview (`runtime.unknownValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * Collects normalised inputs (typed as `I`, the resource's Inputs) and failures keyed by property;
 * unknown (preview) values pass as they are.
 */
export class Checker<I extends object = Record<string, unknown>> {
  /** Failures so far. */
  readonly failures: CheckFailure[] = [];
  /** Normalised inputs so far (invalid ones keep their raw value). */
  readonly inputs: Record<string, unknown> = {};

  constructor(private readonly raw: Record<string, unknown>) {}

  /** Normalises a required property. */
  required<K extends keyof I & string, T extends I[K]>(
    property: K,
    normalize: (raw: unknown) => Normalized<T>,
  ): T | undefined {
    return this.apply(property, normalize);
  }

  /**
   * Normalises the id of another resource this one depends on (e.g. `ApplicationInstance.objectId`).
   * Absent (undefined/null/"") counts as not known yet, like a preview's unknown: under
   * `--continue-on-error` the engine still checks a resource whose dependency failed, with the
   * dependency's output missing from its inputs; that is no failure of this resource.
   */
  dependency<K extends keyof I & string, T extends I[K]>(
    property: K,
    normalize: (raw: unknown) => Normalized<T>,
  ): T | undefined {
    const value = this.raw[property];
    if (value === undefined || value === null || value === "") return undefined;
    return this.apply(property, normalize);
  }

  /** Normalises an optional property; absent (undefined/null/"") gives `fallback`. */
  optional<K extends keyof I & string, T extends I[K]>(
    property: K,
    normalize: (raw: unknown) => Normalized<T>,
    fallback?: T,
  ): T | undefined {
    const value = this.raw[property];
    if (value === undefined || value === null || value === "") {
      if (fallback !== undefined) this.inputs[property] = fallback;
      return fallback;
    }
    return this.apply(property, normalize);
  }

  private apply<T>(property: string, normalize: (raw: unknown) => Normalized<T>): T | undefined {
    if (this.raw[property] === UNKNOWN) return undefined;
    const result = normalize(this.raw[property]);
    if (result.ok) {
      this.inputs[property] = result.value;
      return result.value;
    }
    // An invalid value is returned as given; an absent one stays absent.
    if (this.raw[property] !== undefined) this.inputs[property] = this.raw[property];
    this.failures.push({ property, reason: result.reason });
    return undefined;
  }

  /**
   * The check() result: all inputs (unknown ones kept as given), normalised ones replaced, and never
   * an `undefined` value (the dynamic provider's serializer refuses one: "Unexpected struct type").
   */
  result(): { inputs: I; failures: CheckFailure[] } {
    const inputs = Object.fromEntries(
      Object.entries({ ...this.raw, ...this.inputs }).filter(([, v]) => v !== undefined),
    );
    return { inputs: inputs as I, failures: this.failures };
  }
}
