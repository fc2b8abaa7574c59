/** The tenant's business rules, shared by Graph and the Teams cmdlets so both enforce the same thing. */
import * as crypto from "crypto";

import { APP_INSTANCE_DEPARTMENT, MCOEV_VIRTUALUSER_PLAN_ID, VIRTUAL_USER_SKU_ID } from "./constants";
import { NumberRec, NumberType, Store, UserRec } from "./state";

/** Result of parsing a telephone number as the service does. */
export type ParsedNumber = { ok: true; number: string } | { ok: false; reason: "tel" | "format" };

/** Accepts E.164 with or without `+` (and `;ext=`), stores with `+`; `tel:` is a separate failure. */
export function normaliseNumber(input: string): ParsedNumber {
  const s = input.trim();
  if (/^tel:/i.test(s)) return { ok: false, reason: "tel" };
  const m = /^\+?([1-9]\d{6,14})(;ext=\d{1,10})?$/i.exec(s);
  if (!m) return { ok: false, reason: "format" };
  return { ok: true, number: `+${m[1]}${(m[2] ?? "").toLowerCase()}` };
}

/** Parses a number type in either wire spelling (callingPlan / CallingPlan). */
export function parseNumberType(input: string): NumberType | null {
  const k = input.toLowerCase();
  if (k === "callingplan") return "callingPlan";
  if (k === "directrouting") return "directRouting";
  if (k === "operatorconnect") return "operatorConnect";
  return null;
}

/** True when Graph can see the user (replication delay elapsed). */
export function visibleToGraph(u: UserRec, nowMs = Date.now()): boolean {
  return nowMs >= u.visibleFromMs;
}

/** True when the user is a resource account (application instance). */
export function isResourceAccount(u: UserRec): boolean {
  return u.applicationInstance !== undefined || u.department === APP_INSTANCE_DEPARTMENT;
}

/** Provisioning status of a service plan of a held licence. */
export function planStatus(
  assignedAtMs: number,
  disabled: boolean,
  provisioningDelayMs: number,
  nowMs = Date.now(),
): string {
  if (disabled) return "Disabled";
  return nowMs >= assignedAtMs + provisioningDelayMs ? "Success" : "PendingProvisioning";
}

/** When MCOEV_VIRTUALUSER of the user's PHONESYSTEM_VIRTUALUSER licence reached (or reaches) Success; undefined without it. */
function virtualUserReadyAtMs(u: UserRec, provisioningDelayMs: number): number | undefined {
  const l = u.licenses.find((x) => x.skuId === VIRTUAL_USER_SKU_ID);
  if (!l || l.disabledPlans.includes(MCOEV_VIRTUALUSER_PLAN_ID)) return undefined;
  return l.assignedAtMs + provisioningDelayMs;
}

/** True when the user holds PHONESYSTEM_VIRTUALUSER with MCOEV_VIRTUALUSER provisioned. */
export function virtualUserReady(u: UserRec, provisioningDelayMs: number, nowMs = Date.now()): boolean {
  const at = virtualUserReadyAtMs(u, provisioningDelayMs);
  return at !== undefined && nowMs >= at;
}

/** The timings the assignment rules read (the profile's). */
export interface AssignTimings {
  licenceProvisioningDelayMs: number;
  /** Teams refuses the account for this long after Graph shows the licence provisioned. */
  teamsLicenceLagMs: number;
}

/** Why a number assignment fails (texts from tenant-api.md §1.10). */
export type AssignFailure =
  | { kind: "numberNotFound"; message: string }
  | { kind: "userNotFound"; message: string }
  | { kind: "lacksLicence"; message: string }
  | { kind: "capability"; message: string }
  | { kind: "blocked"; message: string }
  | { kind: "country"; message: string }
  | { kind: "alreadyAssigned"; message: string };

/** Texts of the assignment failures. */
export const assignTexts = {
  numberNotFound: (n: string, tid: string) => `Telephone Number '${n}' is not found from tenant '${tid}'`,
  userNotFound: (id: string) => `The user '${id}' is not found`,
  lacksLicence: (id: string, t: NumberType) =>
    `User '${id}' lacks appropriate licenses to assign a '${t[0]!.toUpperCase()}${t.slice(1)}' number`,
  capability: (n: string, target: "ResourceAccount" | "User") =>
    `Telephone number '${n}' does not have required capabilities to be assigned to target type '${target}'`,
  alreadyAssigned: (n: string) => `Telephone Number '${n}' has already been assigned to another user`,
  blocked: (n: string, until: string | null) =>
    `Telephone Number '${n}' cannot be assigned: it has an assignment block${until ? ` until ${until}` : ""}`,
  country: (n: string, country: string, usageLocation: string) =>
    `Telephone Number '${n}' is a '${country}' number and cannot be assigned to a target whose usage location is '${usageLocation}'`,
  blockExists: (n: string) =>
    `Telephone Number '${n}' already has an assignment block: remove it with Remove-CsPhoneNumberAssignmentBlock first`,
  locationRemoval: (n: string) =>
    `Removal of location is not supported for telephone number '${n}': it is supported for Direct Routing numbers and Operator Connect numbers that are not managed by the Service Desk`,
};

/** Get-CsPhoneNumberAssignment's view of a number's assignment block (an expired one is gone). */
export function assignmentBlockOf(
  rec: NumberRec,
  nowMs = Date.now(),
): { state: "NotBlocked" | "BlockedForever" | "BlockedUntil"; until: string | null } {
  const b = rec.assignmentBlock;
  if (!b) return { state: "NotBlocked", until: null };
  if (b.untilMs === null) return { state: "BlockedForever", until: null };
  return b.untilMs > nowMs
    ? { state: "BlockedUntil", until: new Date(b.untilMs).toISOString() }
    : { state: "NotBlocked", until: null };
}

/** Whether a number's emergency location may be removed (Set-CsPhoneNumberAssignment -LocationId). */
export function locationRemovable(rec: NumberRec): boolean {
  // Operator Connect numbers managed by the service desk are not modelled: every one counts as removable.
  return rec.numberType !== "callingPlan";
}

/** Finds a number of a given type in the inventory. */
export function findNumber(store: Store, number: string, type?: NumberType): NumberRec | undefined {
  return store.state.numbers.find(
    (n) => n.telephoneNumber.toLowerCase() === number.toLowerCase() && (type === undefined || n.numberType === type),
  );
}

/**
 * The record an assignment of `number` as `type` works on: the inventory's, or for a Direct Routing
 * number the tenant has not seen (nor under another type) a new one, not yet in the inventory:
 * assigning puts it there (`admitNumber`).
 */
export function numberForAssignment(store: Store, number: string, type: NumberType): NumberRec | undefined {
  const rec = findNumber(store, number, type);
  if (rec || type !== "directRouting" || findNumber(store, number)) return rec;
  return {
    telephoneNumber: number,
    numberType: "directRouting",
    // What the documented list examples show for Direct Routing numbers.
    capabilities: ["conferenceAssignment", "voiceApplicationAssignment", "userAssignment"],
    isoCountryCode: null,
    city: null,
    operatorId: null,
    assignmentTargetId: null,
    assignmentCategory: "primary",
    locationId: null,
    networkSiteId: null,
    reverseNumberLookupOptions: [],
    tags: [],
    uploaded: false,
  };
}

/** Checks every rule for putting `number` (type `type`) on `target`; null when allowed. */
export function checkAssign(
  store: Store,
  number: string,
  type: NumberType,
  target: UserRec | undefined,
  targetRef: string,
  timings: AssignTimings,
  nowMs = Date.now(),
  category: string | null = null,
): AssignFailure | null {
  const tid = store.state.tenant.id;
  const rec = numberForAssignment(store, number, type);
  if (!rec) return { kind: "numberNotFound", message: assignTexts.numberNotFound(number, tid) };
  if (!target || !visibleToGraph(target)) return { kind: "userNotFound", message: assignTexts.userNotFound(targetRef) };
  const ra = isResourceAccount(target);
  if (ra) {
    const readyAt = virtualUserReadyAtMs(target, timings.licenceProvisioningDelayMs);
    if (readyAt === undefined || nowMs < readyAt)
      return { kind: "userNotFound", message: assignTexts.userNotFound(target.id) };
    // Graph already says Success; Teams has not caught up yet.
    if (nowMs < readyAt + timings.teamsLicenceLagMs)
      return { kind: "lacksLicence", message: assignTexts.lacksLicence(target.id, type) };
    if (!rec.capabilities.includes("voiceApplicationAssignment"))
      return { kind: "capability", message: assignTexts.capability(rec.telephoneNumber, "ResourceAccount") };
  } else {
    const voice = target.licenses.some((l) =>
      store
        .sku(l.skuId)
        ?.servicePlans.some((p) => p.servicePlanName.startsWith("MCOEV") && !l.disabledPlans.includes(p.servicePlanId)),
    );
    if (!voice) return { kind: "lacksLicence", message: assignTexts.lacksLicence(target.id, type) };
    if (!rec.capabilities.includes("userAssignment"))
      return { kind: "capability", message: assignTexts.capability(rec.telephoneNumber, "User") };
  }
  if (rec.assignmentTargetId && rec.assignmentTargetId !== target.id)
    return { kind: "alreadyAssigned", message: assignTexts.alreadyAssigned(rec.telephoneNumber) };
  if (rec.assignmentTargetId === target.id) return null;
  const block = assignmentBlockOf(rec, nowMs);
  if (block.state !== "NotBlocked")
    return { kind: "blocked", message: assignTexts.blocked(rec.telephoneNumber, block.until) };
  // A Calling Plan number goes to an account of its own country; an alternate line may be of any.
  const alternate = (category ?? "").toLowerCase() === "alternate";
  if (rec.numberType === "callingPlan" && !alternate && rec.isoCountryCode && target.usageLocation)
    if (rec.isoCountryCode.toUpperCase() !== target.usageLocation.toUpperCase())
      return {
        kind: "country",
        message: assignTexts.country(rec.telephoneNumber, rec.isoCountryCode, target.usageLocation),
      };
  return null;
}

/**
 * Puts a number on a target (rules already checked). A Direct Routing number not in the inventory
 * enters it; `uploads` says whether it then stays after an unassign (profile directRoutingAssignUploads).
 */
export function applyAssign(
  store: Store,
  rec: NumberRec,
  target: UserRec,
  opts: { locationId?: string | null; assignmentCategory?: string | null; uploads?: boolean },
): void {
  if (!store.state.numbers.includes(rec)) {
    rec.uploaded = opts.uploads ?? false;
    store.state.numbers.push(rec);
  }
  rec.assignmentTargetId = target.id;
  if (opts.locationId !== undefined && opts.locationId !== null)
    rec.locationId = opts.locationId === "null" ? null : opts.locationId;
  const cat = (opts.assignmentCategory ?? "primary").toLowerCase();
  rec.assignmentCategory = cat === "private" || cat === "alternate" ? cat : "primary";
}

/**
 * Takes a number off its target. A Direct Routing number that is in the inventory only because it
 * was assigned (never uploaded) leaves the inventory again.
 */
export function applyUnassign(store: Store, rec: NumberRec): void {
  rec.assignmentTargetId = null;
  rec.assignmentCategory = "primary";
  if (rec.numberType === "directRouting" && rec.uploaded === false) {
    store.state.numbers = store.state.numbers.filter((n) => n !== rec);
  }
}

/** Graph assignmentStatus of a number. */
export function assignmentStatus(store: Store, rec: NumberRec): string {
  if (!rec.assignmentTargetId) return "unassigned";
  const u = store.state.users.find((x) => x.id === rec.assignmentTargetId);
  return u && isResourceAccount(u) ? "voiceApplicationAssigned" : "userAssigned";
}

/** Deletes a user: frees its licence seats, releases its numbers, removes its APS mapping. */
export function deleteUser(store: Store, u: UserRec): void {
  for (const n of store.state.numbers.filter((x) => x.assignmentTargetId === u.id)) applyUnassign(store, n);
  delete store.state.aps[u.id];
  store.state.users = store.state.users.filter((x) => x.id !== u.id);
}

/** A new object id. */
export function newId(): string {
  return crypto.randomUUID();
}

/** ISO 3166-1 alpha-2 codes (usageLocation must be one). */
const ISO_ALPHA2 = new Set(
  (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
    "DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT " +
    "JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI " +
    "NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK " +
    "TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
  ).split(" "),
);

/** True for an ISO 3166-1 alpha-2 country code (upper case). */
export function isIsoAlpha2(code: string): boolean {
  return ISO_ALPHA2.has(code);
}
