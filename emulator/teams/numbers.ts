/** Set-, Remove-, Get-CsPhoneNumberAssignment: same rules and texts as Graph, PowerShell spelling. */
import { EmulatorContext } from "../context";
import {
  applyAssign,
  applyUnassign,
  AssignFailure,
  assignmentBlockOf,
  assignTexts,
  checkAssign,
  findNumber,
  isResourceAccount,
  locationRemovable,
  normaliseNumber,
  numberForAssignment,
  parseNumberType,
} from "../rules";
import { NumberRec, NumberType, UserRec } from "../state";
import { CmdletDef } from "./cmdlet";
import { CmdletError, teamsErrors } from "./errors";
import { matchesNumberFilter, parseNumberFilter } from "./number-filter";

const cmdletBadRequest = teamsErrors.badRequest;
const NUMBER_TYPES = ["DirectRouting", "CallingPlan", "OperatorConnect"];
const pascal = (s: string): string => s[0]!.toUpperCase() + s.slice(1);
/** What Get-CsPhoneNumberAssignment shows for "no location" on a Direct Routing number. */
const ZERO_GUID = "00000000-0000-0000-0000-000000000000";

/** Parses -TelephoneNumber as the cmdlet does: no `tel:`, `+` optional. */
function cmdletNumber(cmdlet: string, raw: string): string {
  const p = normaliseNumber(raw);
  if (p.ok) return p.number;
  if (p.reason === "tel") {
    throw cmdletBadRequest(
      cmdlet,
      `BadRequest - The telephone number '${raw}' is not in a valid format: remove the 'tel:' prefix and use E.164, e.g. +12065551234 or 12065551234.`,
    );
  }
  throw cmdletBadRequest(
    cmdlet,
    `BadRequest - The telephone number '${raw}' is not in a valid format; use E.164, e.g. +12065551234 or 12065551234.`,
  );
}

/** The inventory's record of a -TelephoneNumber (of -NumberType when given), or the cmdlet's "not found". */
function inventoryNumber(ctx: EmulatorContext, cmdlet: string, raw: unknown, type?: NumberType): NumberRec {
  const number = cmdletNumber(cmdlet, String(raw));
  const n = findNumber(ctx.store, number, type);
  if (!n)
    throw cmdletBadRequest(cmdlet, `BadRequest - ${assignTexts.numberNotFound(number, ctx.store.state.tenant.id)}`);
  return n;
}

/** Resolves -Identity (ObjectId, UPN or sip: address) to a user. */
function resolveIdentity(ctx: EmulatorContext, identity: string): UserRec | undefined {
  return ctx.store.findUser(identity.replace(/^sip:/i, ""));
}

function failureError(cmdlet: string, f: AssignFailure): CmdletError {
  switch (f.kind) {
    case "numberNotFound":
    case "lacksLicence":
    case "blocked":
    case "country":
      return cmdletBadRequest(cmdlet, `BadRequest - ${f.message}`);
    case "alreadyAssigned":
      return cmdletBadRequest(cmdlet, `BadRequest ${f.message}`);
    case "userNotFound":
    case "capability":
      return cmdletBadRequest(cmdlet, f.message);
  }
}

/** Get-CsPhoneNumberAssignment output object. */
export function psNumberView(ctx: EmulatorContext, n: NumberRec): Record<string, unknown> {
  const block = assignmentBlockOf(n);
  const target = n.assignmentTargetId ? ctx.store.state.users.find((u) => u.id === n.assignmentTargetId) : undefined;
  const status = !n.assignmentTargetId
    ? "Unassigned"
    : target && isResourceAccount(target)
      ? "VoiceApplicationAssigned"
      : "UserAssigned";
  return {
    TelephoneNumber: n.telephoneNumber,
    OperatorId: n.operatorId,
    NumberType: pascal(n.numberType),
    ActivationState: "Activated",
    AssignedPstnTargetId: n.assignmentTargetId,
    AssignmentCategory: n.assignmentTargetId ? pascal(n.assignmentCategory) : null,
    Capability: n.capabilities.map(pascal),
    City: n.city,
    // Direct Routing numbers without one show the zero GUID (examples 2, 10-13).
    CivicAddressId: n.numberType === "directRouting" && !n.locationId ? ZERO_GUID : null,
    IsoCountryCode: n.isoCountryCode,
    IsoSubdivision: null,
    LocationId: n.locationId ?? (n.numberType === "directRouting" ? ZERO_GUID : null),
    // True for Calling Plan and Direct Routing numbers alike in the documented examples 1 and 2.
    LocationUpdateSupported: true,
    NetworkSiteId: n.networkSiteId,
    PortInOrderStatus: null,
    PstnAssignmentStatus: status,
    PstnPartnerId: n.operatorId,
    PstnPartnerName:
      n.numberType === "operatorConnect"
        ? "Contoso Telecom (emulated)"
        : n.numberType === "callingPlan"
          ? "Microsoft"
          : null,
    NumberSource: n.numberType === "directRouting" ? "OnPremises" : "Online",
    ReverseNumberLookup: n.reverseNumberLookupOptions.map(pascal),
    Tag: [...(n.tags ?? [])],
    AssignmentBlockedState: block.state,
    AssignmentBlockedUntil: block.until,
    SmsActivationState: null,
    SmsProfileId: null,
  };
}

/** Set-CsPhoneNumberAssignment (Assignment, Attribute and the update parameter sets). */
export const setAssignment: CmdletDef = {
  name: "Set-CsPhoneNumberAssignment",
  mutating: true,
  params: [
    { name: "Identity", type: "string" },
    { name: "TelephoneNumber", type: "string", aliases: ["PhoneNumber"] },
    { name: "NumberType", type: "string", aliases: ["PhoneNumberType"], validateSet: NUMBER_TYPES },
    { name: "LocationId", type: "string" },
    { name: "NetworkSiteId", type: "string" },
    { name: "AssignmentCategory", type: "string", validateSet: ["Primary", "Private", "Alternate"] },
    { name: "ReverseNumberLookup", type: "string", validateSet: ["SkipInternalVoip", ""] },
    { name: "EnterpriseVoiceEnabled", type: "bool" },
    { name: "Notify", type: "switch" },
  ],
  run(ctx, p) {
    const has = (k: string): boolean => k in p;
    if (has("Identity") && has("TelephoneNumber") && has("NumberType")) {
      const number = cmdletNumber(this.name, String(p.TelephoneNumber));
      const type = parseNumberType(String(p.NumberType))!;
      const identity = String(p.Identity);
      const target = resolveIdentity(ctx, identity);
      const category = typeof p.AssignmentCategory === "string" ? p.AssignmentCategory : null;
      const failure = checkAssign(ctx.store, number, type, target, identity, ctx.faults.timings, Date.now(), category);
      if (failure) throw failureError(this.name, failure);
      const injected = ctx.faults.assignFault(number);
      if (injected) throw cmdletBadRequest(this.name, injected);
      applyAssign(ctx.store, numberForAssignment(ctx.store, number, type)!, target!, {
        locationId: typeof p.LocationId === "string" ? p.LocationId : undefined,
        assignmentCategory: typeof p.AssignmentCategory === "string" ? p.AssignmentCategory : null,
        uploads: ctx.faults.timings.directRoutingAssignUploads,
      });
      return { output: [], audit: { target: target!.id, number } };
    }
    if (has("Identity") && has("EnterpriseVoiceEnabled") && !has("TelephoneNumber")) {
      const target = resolveIdentity(ctx, String(p.Identity));
      if (!target) throw cmdletBadRequest(this.name, assignTexts.userNotFound(String(p.Identity)));
      return { output: [], audit: { target: target.id, number: null } };
    }
    if (
      !has("Identity") &&
      has("TelephoneNumber") &&
      (has("LocationId") || has("NetworkSiteId") || has("ReverseNumberLookup"))
    ) {
      const n = inventoryNumber(ctx, this.name, p.TelephoneNumber);
      if (p.LocationId === "null" && n.locationId && !locationRemovable(n))
        throw cmdletBadRequest(this.name, `BadRequest - ${assignTexts.locationRemoval(n.telephoneNumber)}`);
      if (typeof p.LocationId === "string") n.locationId = p.LocationId === "null" ? null : p.LocationId;
      if (typeof p.NetworkSiteId === "string") n.networkSiteId = p.NetworkSiteId === "null" ? null : p.NetworkSiteId;
      if (typeof p.ReverseNumberLookup === "string")
        n.reverseNumberLookupOptions = p.ReverseNumberLookup === "" ? [] : ["skipInternalVoip"];
      return { output: [], audit: { target: n.assignmentTargetId, number: n.telephoneNumber } };
    }
    throw teamsErrors.ambiguousParameterSet(this.name);
  },
};

/** Remove-CsPhoneNumberAssignment (RemoveSome and RemoveAll). */
export const removeAssignment: CmdletDef = {
  name: "Remove-CsPhoneNumberAssignment",
  mutating: true,
  params: [
    { name: "Identity", type: "string", mandatory: true },
    { name: "TelephoneNumber", type: "string", aliases: ["PhoneNumber"] },
    { name: "NumberType", type: "string", aliases: ["PhoneNumberType"], validateSet: NUMBER_TYPES },
    { name: "RemoveAll", type: "switch" },
    { name: "Notify", type: "switch" },
    { name: "AssignmentBlockedForever", type: "switch" },
    { name: "AssignmentBlockedDays", type: "int", max: 365 },
  ],
  run(ctx, p) {
    const identity = String(p.Identity);
    const target = resolveIdentity(ctx, identity);
    if (p.RemoveAll === true && !("TelephoneNumber" in p) && !("NumberType" in p)) {
      if (!target) throw cmdletBadRequest(this.name, assignTexts.userNotFound(identity));
      const mine = ctx.store.state.numbers.filter((n) => n.assignmentTargetId === target.id);
      mine.forEach((n) => applyUnassign(ctx.store, n));
      return { output: [], audit: { target: target.id, number: mine.map((n) => n.telephoneNumber).join(",") || null } };
    }
    if (!("TelephoneNumber" in p) || !("NumberType" in p) || p.RemoveAll === true) {
      throw teamsErrors.ambiguousParameterSet(this.name);
    }
    const n = inventoryNumber(ctx, this.name, p.TelephoneNumber, parseNumberType(String(p.NumberType))!);
    const number = n.telephoneNumber;
    if (!target) throw cmdletBadRequest(this.name, assignTexts.userNotFound(identity));
    if (n.assignmentTargetId !== target.id) {
      throw cmdletBadRequest(
        this.name,
        `BadRequest - Telephone Number '${number}' is not assigned to the user '${target.id}'`,
      );
    }
    const block = blockRequest(this.name, p);
    applyUnassign(ctx.store, n);
    // A Direct Routing number that left the inventory has nothing left to block.
    if (block && ctx.store.state.numbers.includes(n)) n.assignmentBlock = block;
    return { output: [], audit: { target: target.id, number } };
  },
};

/** -AssignmentBlockedForever / -AssignmentBlockedDays (1–365) as a block; not both; undefined for neither. */
function blockRequest(cmdlet: string, p: Record<string, unknown>): NumberRec["assignmentBlock"] {
  const forever = p.AssignmentBlockedForever === true;
  const days = typeof p.AssignmentBlockedDays === "number" ? p.AssignmentBlockedDays : undefined;
  if (forever && days !== undefined)
    throw cmdletBadRequest(
      cmdlet,
      "BadRequest - -AssignmentBlockedForever and -AssignmentBlockedDays cannot be set together: give one of them.",
    );
  if (days !== undefined && (days < 1 || days > 365))
    throw cmdletBadRequest(cmdlet, `BadRequest - -AssignmentBlockedDays must be between 1 and 365, got ${days}.`);
  if (forever) return { untilMs: null };
  return days === undefined ? undefined : { untilMs: Date.now() + days * 86_400_000 };
}

/** Set-CsPhoneNumberAssignmentBlock: a block until cleared or for 1–365 days; an existing block must be removed first. */
export const setAssignmentBlock: CmdletDef = {
  name: "Set-CsPhoneNumberAssignmentBlock",
  mutating: true,
  params: [
    { name: "TelephoneNumber", type: "string", mandatory: true },
    { name: "AssignmentBlockedForever", type: "switch" },
    { name: "AssignmentBlockedDays", type: "int" },
  ],
  run(ctx, p) {
    const n = inventoryNumber(ctx, this.name, p.TelephoneNumber);
    const block = blockRequest(this.name, p);
    if (!block)
      throw cmdletBadRequest(this.name, "BadRequest - give -AssignmentBlockedForever or -AssignmentBlockedDays.");
    if (assignmentBlockOf(n).state !== "NotBlocked")
      throw cmdletBadRequest(this.name, `BadRequest - ${assignTexts.blockExists(n.telephoneNumber)}`);
    n.assignmentBlock = block;
    return { output: [], audit: { target: n.assignmentTargetId, number: n.telephoneNumber } };
  },
};

/** Remove-CsPhoneNumberAssignmentBlock: clears a number's assignment block (none: nothing to do). */
export const removeAssignmentBlock: CmdletDef = {
  name: "Remove-CsPhoneNumberAssignmentBlock",
  mutating: true,
  params: [{ name: "TelephoneNumber", type: "string", mandatory: true }],
  run(ctx, p) {
    const n = inventoryNumber(ctx, this.name, p.TelephoneNumber);
    delete n.assignmentBlock;
    return { output: [], audit: { target: n.assignmentTargetId, number: n.telephoneNumber } };
  },
};

/** Get-CsPhoneNumberAssignment with its common filters; sorted by number, Top default 500 max 1000. */
export const getAssignment: CmdletDef = {
  name: "Get-CsPhoneNumberAssignment",
  mutating: false,
  params: [
    { name: "TelephoneNumber", type: "string", aliases: ["PhoneNumber"] },
    { name: "AssignedPstnTargetId", type: "string" },
    { name: "NumberType", type: "string", aliases: ["PhoneNumberType"], validateSet: NUMBER_TYPES },
    {
      name: "PstnAssignmentStatus",
      type: "string",
      validateSet: [
        "Unassigned",
        "UserAssigned",
        "ConferenceAssigned",
        "VoiceApplicationAssigned",
        "ThirdPartyAppAssigned",
        "PolicyAssigned",
      ],
    },
    {
      name: "ActivationState",
      type: "string",
      validateSet: ["Activated", "AssignmentPending", "AssignmentFailed", "UpdatePending", "UpdateFailed"],
    },
    { name: "CapabilitiesContain", type: "string" },
    { name: "IsoCountryCode", type: "string" },
    { name: "LocationId", type: "string" },
    { name: "NetworkSiteId", type: "string" },
    { name: "TelephoneNumberContain", type: "string" },
    { name: "TelephoneNumberStartsWith", type: "string" },
    { name: "TelephoneNumberGreaterThan", type: "string" },
    { name: "TelephoneNumberLessThan", type: "string" },
    { name: "AssignmentCategory", type: "string" },
    { name: "CivicAddressId", type: "string" },
    { name: "Filter", type: "string" },
    { name: "Break", type: "switch" },
    { name: "Top", type: "int", max: 1000 },
    { name: "Skip", type: "int" },
  ],
  run(ctx, p) {
    let list = [...ctx.store.state.numbers].sort((a, b) =>
      a.telephoneNumber < b.telephoneNumber ? -1 : a.telephoneNumber > b.telephoneNumber ? 1 : 0,
    );
    if (typeof p.TelephoneNumber === "string") {
      const number = cmdletNumber(this.name, p.TelephoneNumber);
      list = list.filter((n) => n.telephoneNumber === number);
    }
    if (typeof p.AssignedPstnTargetId === "string") {
      const u = resolveIdentity(ctx, p.AssignedPstnTargetId);
      list = u ? list.filter((n) => n.assignmentTargetId === u.id) : [];
    }
    let views = list.map((n) => psNumberView(ctx, n));
    const eq = (field: string, v: unknown): void => {
      if (typeof v === "string") views = views.filter((x) => String(x[field] ?? "").toLowerCase() === v.toLowerCase());
    };
    eq("NumberType", p.NumberType);
    eq("PstnAssignmentStatus", p.PstnAssignmentStatus);
    eq("ActivationState", p.ActivationState);
    eq("IsoCountryCode", p.IsoCountryCode);
    eq("LocationId", p.LocationId);
    eq("NetworkSiteId", p.NetworkSiteId);
    eq("AssignmentCategory", p.AssignmentCategory);
    eq("CivicAddressId", p.CivicAddressId);
    if (typeof p.TelephoneNumberGreaterThan === "string")
      views = views.filter((x) => String(x.TelephoneNumber) > String(p.TelephoneNumberGreaterThan));
    if (typeof p.TelephoneNumberLessThan === "string")
      views = views.filter((x) => String(x.TelephoneNumber) < String(p.TelephoneNumberLessThan));
    if (typeof p.Filter === "string") {
      const clauses = parseNumberFilter(p.Filter);
      views = views.filter((x) => matchesNumberFilter(x, clauses));
    }
    if (typeof p.CapabilitiesContain === "string") {
      const want = p.CapabilitiesContain.split(",").map((s) => s.trim().toLowerCase());
      views = views.filter((x) => want.every((w) => (x.Capability as string[]).some((c) => c.toLowerCase() === w)));
    }
    if (typeof p.TelephoneNumberContain === "string")
      views = views.filter((x) => String(x.TelephoneNumber).includes(String(p.TelephoneNumberContain)));
    if (typeof p.TelephoneNumberStartsWith === "string") {
      const prefix = String(p.TelephoneNumberStartsWith).replace(/^\+?/, "+");
      views = views.filter((x) => String(x.TelephoneNumber).startsWith(prefix));
    }
    const skip = typeof p.Skip === "number" ? p.Skip : 0;
    const top = typeof p.Top === "number" ? p.Top : 500;
    return { output: views.slice(skip, skip + top) };
  },
};
