/**
 * From the engine's preview and the stack config to a number plan (pure): one row per bot (account,
 * number before → after, type, emergency location, licence, adopt), the groups of number moves and
 * their order, the licence seats a run needs, the warnings a reviewer must see, and the engine's
 * steps as a raw diff. What the tenant says (tenant.ts) is folded in by `withTenant`: who holds each
 * wanted number now (a move `pulumi up` would refuse), which accounts already exist, free seats.
 * Without it the plan is the config-only plan, and says so.
 */
import { parseStackConfig, StackConfigError, type BotConfig } from "../../stacks/config";
import { PROJECT } from "../../stacks/program";
import {
  CALLING_PLAN_LICENCE,
  outboundOf,
  readinessWarning,
  undeclaredPieces,
  VOICE_ROUTING,
  type OutboundChange,
} from "./calling";
import { moveGroups, type MoveGroup } from "./moves";
import { nameFromUrn, typeFromUrn, type EnginePreview, type ResourceState } from "./preview";
import { BOT_COMPONENT, driftOf, inputChanges, rawDiffOf, str, TEAMS, trackResources, type Tracked } from "./steps";

/** The licence the stack assigns unless a resource says otherwise. */
export const DEFAULT_SKU = "PHONESYSTEM_VIRTUALUSER";

/** A number as a row shows it. */
export interface NumberView {
  phoneNumber: string;
  numberType?: string;
  /** Emergency location id (null for none). */
  locationId?: string | null;
  /**
   * declared: the stack sets it; tenant: not declared, the tenant's (a number keeps its own location
   * when assigned without one); none: no location; unknown: not declared, and the tenant was not read.
   */
  locationFrom: "declared" | "tenant" | "none" | "unknown";
  /** The location the number had before the stack claimed it (state's originalLocationId), when recorded. */
  original?: string | null;
}

/** What happens to one of a bot's resources in this run. */
export type Change = "create" | "adopt" | "update" | "replace" | "delete" | "keep";

/** One bot of the plan. */
export interface BotRow {
  name: string;
  /** Index in `teams-bot-numbers:bots` (absent for a bot the run removes). */
  index?: number;
  userPrincipalName: string;
  status: "added" | "adopted" | "removed" | "changed" | "unchanged";
  account: Change;
  /** Inputs of the account that change (display name, usage location, …). */
  accountChanges: string[];
  licence: Change | "none";
  skuPartNumber: string;
  /** Outbound calling: the Pay-As-You-Go licence or the voice routing policy (absent: none before or after). */
  outbound?: OutboundChange;
  /** The other kind, removed when a bot switches (a Calling Plan licence given up for a voice routing policy, or back). */
  outboundGone?: OutboundChange;
  number: Change | "none";
  before?: NumberView;
  after?: NumberView;
  adopt: boolean;
  /** Resources of the bot the run would delete or replace while they are protected. */
  protectedResources: string[];
  /** Filled from the tenant: why `pulumi up` would refuse this bot's number. */
  refused?: string;
  /** Filled from the tenant: the account already holds the licence (adopt / an existing account). */
  licenceHeld?: boolean;
}

/** Seats of one licence SKU. */
export interface Seats {
  skuPartNumber: string;
  /** New licences the run assigns. */
  needed: number;
  /** Licences the run removes (Pulumi deletes last: these come back at the end of the run). */
  freed: number;
  /** `needed` counts adopted accounts, which need no seat when they hold the licence already (unknown without the tenant). */
  upTo?: boolean;
  /** From the tenant (undefined in a config-only plan or when it could not be read). */
  enabled?: number;
  consumed?: number;
}

/** Something a reviewer must not miss. */
export interface Warning {
  kind:
    | "preview-failed"
    | "protected"
    | "refused"
    | "seats"
    | "leaves-stack"
    | "replaced"
    | "location"
    | "drift"
    | "config"
    | "calling";
  text: string;
}

/** Whether and how the tenant was read. */
export interface TenantMode {
  read: boolean;
  /** Who read (identity words) or why not. */
  detail: string;
  /** Reads that failed (permission, …): what the plan does not know. */
  gaps: string[];
}

/** The whole plan. */
export interface NumberPlanReport {
  stack: string;
  tenant: TenantMode;
  previewFailed: boolean;
  /** Error messages of a failed preview. */
  errors: string[];
  bots: BotRow[];
  groups: MoveGroup[];
  seats: Seats[];
  /** Numbers the stack holds before and no bot holds after (unassigned, back in the tenant's inventory). */
  leaving: { phoneNumber: string; from: string }[];
  warnings: Warning[];
  /** The engine's steps, one line each (`~ BotPhoneNumber alpha-bot-number phoneNumber: a → b`). */
  rawDiff: string[];
  /** Changes the refresh read back from the tenant. */
  drift: string[];
}

/** What the plan would like the tenant to say (tenant.ts reads exactly this). */
export interface TenantNeeds {
  /** Numbers bots want (to learn their holder, type and inventory entry). */
  numbers: string[];
  /** UPNs of accounts the run creates or adopts (do they exist? which licences do they hold?). */
  accounts: string[];
  /** Licence SKUs whose seats to count. */
  skus: string[];
}

/** A number record as the tenant shows it (tenant.ts). */
export interface TenantNumber {
  numberType: string;
  /** The number's emergency location (null for none). */
  locationId: string | null;
  holderId: string | null;
  /** UPN and display name of the holder, when it could be read. */
  holder?: { userPrincipalName: string; displayName: string | null };
}

/** What the tenant said. */
export interface TenantFacts {
  /** Number → record; null = not in the inventory; absent = not read. */
  numbers: Map<string, TenantNumber | null>;
  /** Lower-case UPN → the existing account (object id, licence part numbers); null = no such account. */
  accounts: Map<string, { id: string; licences: string[] } | null>;
  /** Part number → seats. */
  skus: Map<string, { enabled: number; consumed: number }>;
  gaps: string[];
  identity: string;
}

function changeOf(t: Tracked | undefined, adopt: boolean): Change | "none" {
  if (!t) return "none";
  switch (t.op) {
    case "create":
    case "import":
      return adopt ? "adopt" : "create";
    case "update":
      return "update";
    case "replace":
      return "replace";
    case "delete":
      return "delete";
    default:
      return t.after ? "keep" : "none";
  }
}

/** The number a BotPhoneNumber state holds. */
function numberOfState(s: ResourceState | undefined): NumberView | undefined {
  const phoneNumber = str(s?.outputs.phoneNumber) ?? str(s?.inputs.phoneNumber);
  if (!s || !phoneNumber) return undefined;
  const declared = str(s.outputs.locationId) ?? str(s.inputs.locationId);
  const tenants = str(s.outputs.tenantLocationId);
  return {
    phoneNumber,
    numberType: str(s.outputs.numberType) ?? str(s.inputs.numberType),
    locationId: declared ?? tenants ?? null,
    locationFrom: declared ? "declared" : tenants ? "tenant" : "none",
    ...("originalLocationId" in s.outputs ? { original: str(s.outputs.originalLocationId) ?? null } : {}),
  };
}

function numberOfConfig(b: BotConfig, before: NumberView | undefined): NumberView | undefined {
  if (!b.phoneNumber) return undefined;
  if (b.locationId)
    return { phoneNumber: b.phoneNumber, numberType: b.numberType, locationId: b.locationId, locationFrom: "declared" };
  // Undeclared, a number keeps the location the tenant gives it: known for the number the bot
  // holds already, for another number only once the tenant is read (withTenant).
  // A declared location the stack no longer declares: the number's original comes back (none when not recorded).
  const same = before?.phoneNumber === b.phoneNumber;
  if (!same) return { phoneNumber: b.phoneNumber, numberType: b.numberType, locationId: null, locationFrom: "unknown" };
  const kept = before?.locationFrom === "tenant" || before?.locationFrom === "unknown";
  if (!kept && before?.locationFrom === "declared" && before.original)
    return {
      phoneNumber: b.phoneNumber,
      numberType: b.numberType,
      locationId: before.original,
      locationFrom: "tenant",
    };
  return {
    phoneNumber: b.phoneNumber,
    numberType: b.numberType,
    locationId: kept ? (before?.locationId ?? null) : null,
    locationFrom: kept ? before!.locationFrom : "none",
  };
}

/** Bot config and protect from the preview's config (the engine's own view of Pulumi.<stack>.yaml). */
export function stackConfigOf(config: Record<string, string>): { bots: BotConfig[]; protect: boolean } {
  const json = (raw: string | undefined): unknown => {
    if (typeof raw !== "string") return raw;
    try {
      return JSON.parse(raw);
    } catch {
      return raw; // Not JSON: parseStackConfig names the wrong shape.
    }
  };
  // azureBots too: a bot's azureBot is refused without it.
  return parseStackConfig({
    bots: json(config[`${PROJECT}:bots`]),
    protect: config[`${PROJECT}:protect`],
    azureBots: json(config[`${PROJECT}:azureBots`]),
  });
}

/** The plan from the preview and the stack's bots, before the tenant is read. */
export function buildPlan(stack: string, preview: EnginePreview): NumberPlanReport {
  const warnings: Warning[] = [];
  let config: { bots: BotConfig[]; protect: boolean };
  try {
    config = stackConfigOf(preview.config);
  } catch (e) {
    if (!(e instanceof StackConfigError)) throw e;
    warnings.push({ kind: "config", text: e.message });
    config = { bots: [], protect: true };
  }
  const tracked = trackResources(preview.steps);
  // Resources per bot, by the bot component that parents them.
  const perBot = new Map<
    string,
    {
      account?: Tracked;
      licence?: Tracked;
      number?: Tracked;
      outbound?: Tracked & { step: { type: string } };
      outboundGone?: Tracked & { step: { type: string } };
      urns: string[];
    }
  >();
  for (const [urn, t] of tracked) {
    const parent = t.step.new?.parent ?? t.step.old?.parent;
    const bot = parent && typeFromUrn(parent) === BOT_COMPONENT ? nameFromUrn(parent) : undefined;
    if (!bot) continue;
    const entry = perBot.get(bot) ?? { urns: [] };
    entry.urns.push(urn);
    if (t.step.type === `${TEAMS}ApplicationInstance`) entry.account = t;
    else if (t.step.type === `${TEAMS}VirtualUserLicense`) entry.licence = t;
    else if (t.step.type === `${TEAMS}BotPhoneNumber`) entry.number = t;
    else if (t.step.type === CALLING_PLAN_LICENCE || t.step.type === VOICE_ROUTING) {
      // Switching from one kind to the other: the one the run keeps is the bot's outbound calling.
      if (entry.outbound && !t.after) entry.outboundGone = t;
      else {
        if (entry.outbound) entry.outboundGone = entry.outbound;
        entry.outbound = t;
      }
    }
    perBot.set(bot, entry);
  }

  const rows: BotRow[] = [];
  const seen = new Set<string>();
  const protectedOf = (name: string): string[] =>
    (perBot.get(name)?.urns ?? [])
      .map((u) => tracked.get(u)!)
      .filter((t) => (t.op === "delete" || t.op === "replace") && t.before?.protect)
      .map((t) => `${t.step.type.startsWith(TEAMS) ? t.step.type.slice(TEAMS.length) : t.step.type} ${t.step.name}`);

  config.bots.forEach((b, index) => {
    seen.add(b.name);
    const r = perBot.get(b.name);
    const adopt = b.adopt === true;
    const account = changeOf(r?.account, adopt);
    const numberStep = r?.number;
    // No step for the number (no refresh, nothing changes): it is as declared, before and after.
    const unchanged: NumberView | undefined = b.phoneNumber
      ? {
          phoneNumber: b.phoneNumber,
          numberType: b.numberType,
          locationId: b.locationId ?? null,
          locationFrom: b.locationId ? "declared" : "unknown",
        }
      : undefined;
    const before = numberStep ? numberOfState(numberStep.before) : unchanged;
    const after = numberStep ? numberOfConfig(b, before) : unchanged;
    const accountOp = r?.account ? account : "keep";
    const licenceOp = r?.licence ? changeOf(r.licence, adopt) : "keep";
    const numberOp = numberStep ? changeOf(numberStep, adopt) : b.phoneNumber ? "keep" : "none";
    const accountChanges =
      r?.account?.op === "update" || r?.account?.op === "replace"
        ? inputChanges(r.account.before?.inputs ?? {}, r.account.after?.inputs ?? {})
        : [];
    const outbound = outboundOf(r?.outbound);
    const outboundGone = outboundOf(r?.outboundGone);
    const changed =
      (outbound !== undefined && outbound.op !== "keep") ||
      outboundGone !== undefined ||
      accountOp !== "keep" ||
      (licenceOp !== "keep" && licenceOp !== "none") ||
      (numberOp !== "keep" && numberOp !== "none");
    rows.push({
      name: b.name,
      index,
      userPrincipalName: b.userPrincipalName,
      status: accountOp === "create" ? "added" : accountOp === "adopt" ? "adopted" : changed ? "changed" : "unchanged",
      account: accountOp as Change,
      accountChanges,
      licence: licenceOp,
      skuPartNumber: str(r?.licence?.after?.inputs.skuPartNumber) ?? DEFAULT_SKU,
      ...(outbound ? { outbound } : {}),
      ...(outboundGone ? { outboundGone } : {}),
      number: numberOp,
      before: accountOp === "create" || accountOp === "adopt" ? undefined : before,
      after,
      adopt,
      protectedResources: protectedOf(b.name),
    });
  });
  // Bots the run removes: in the state, not in the config. Everything they have is deleted (a
  // failed preview, such as one refusing a protected delete, may not have reached those steps).
  for (const [name, r] of [...perBot].sort(([a], [b]) => a.localeCompare(b))) {
    if (seen.has(name)) continue;
    const upn = str(r.account?.before?.inputs.userPrincipalName) ?? str(r.account?.before?.outputs.userPrincipalName);
    const gone = (t: Tracked | undefined): Change | "none" => (t?.before ? "delete" : "none");
    const protectedAll = (r.urns ?? [])
      .map((u) => tracked.get(u)!)
      .filter((t) => t.before?.protect)
      .map((t) => `${t.step.type.startsWith(TEAMS) ? t.step.type.slice(TEAMS.length) : t.step.type} ${t.step.name}`);
    rows.push({
      name,
      userPrincipalName: upn ?? "(unknown account)",
      status: "removed",
      account: "delete",
      accountChanges: [],
      licence: gone(r.licence),
      skuPartNumber: str(r.licence?.before?.inputs.skuPartNumber) ?? DEFAULT_SKU,
      ...(r.outbound?.before
        ? { outbound: { ...outboundOf(r.outbound)!, op: "delete" as const, after: undefined } }
        : {}),
      number: gone(r.number),
      before: numberOfState(r.number?.before),
      after: undefined,
      adopt: false,
      protectedResources: protectedAll,
    });
  }

  const groups = groupsOf(rows, false);
  const afterNumbers = new Set(rows.flatMap((r) => (r.after ? [r.after.phoneNumber] : [])));
  const leaving = rows.flatMap((r) =>
    r.before && !afterNumbers.has(r.before.phoneNumber) ? [{ phoneNumber: r.before.phoneNumber, from: r.name }] : [],
  );

  const seats = new Map<string, Seats>();
  const seat = (sku: string): Seats => {
    const s = seats.get(sku) ?? { skuPartNumber: sku, needed: 0, freed: 0 };
    seats.set(sku, s);
    return s;
  };
  // The resource accounts' licence first, always: a plan of outbound calling alone still shows its seats.
  seat(DEFAULT_SKU);
  for (const r of rows) {
    if (r.licence === "create" || r.licence === "adopt" || r.licence === "replace") seat(r.skuPartNumber).needed++;
    // A Pay-As-You-Go licence takes a seat of the SKU holding that service plan (tenant.ts finds it).
    for (const o of [r.outbound, r.outboundGone]) {
      if (o?.kind !== "callingPlan") continue;
      if (o.after && (o.op === "create" || o.op === "replace" || (o.op === "update" && o.before !== o.after)))
        seat(o.after).needed++;
      if (o.before && (o.op === "delete" || o.op === "replace" || (o.op === "update" && o.before !== o.after)))
        seat(o.before).freed++;
    }
    if (r.licence === "adopt") seat(r.skuPartNumber).upTo = true;
    if (r.licence === "delete") seat(r.skuPartNumber).freed++;
  }

  const errors = preview.diagnostics.filter((d) => d.severity === "error").map((d) => d.message.trim());
  const failed = preview.failed || errors.length > 0;
  if (failed)
    warnings.unshift({
      kind: "preview-failed",
      text: `The preview failed: \`pulumi up\` would stop before changing anything.${errors.length ? "" : " (No error message was recorded.)"}`,
    });
  for (const r of rows)
    if (r.protectedResources.length)
      warnings.push({
        kind: "protected",
        text:
          r.status === "removed"
            ? `${r.name} is no longer in teams-bot-numbers:bots, so the run would delete it, and its resources are protected (teams-bot-numbers:protect): ${r.protectedResources.join(", ")}. The preview refuses; to remove a bot on purpose, see docs/pull-request-plans.md#removing-a-protected-bot.`
            : `${r.name}: the run would replace protected ${r.protectedResources.join(", ")} (teams-bot-numbers:protect); the preview refuses. See docs/pull-request-plans.md#removing-a-protected-bot.`,
      });
  // The engine's own refusal names the resource; one no bot row covers (no refresh ran) is named from it.
  for (const d of errors)
    for (const m of d.matchAll(/resource "?(urn:pulumi:[^"\s]+)"? cannot be deleted\s+because it is protected/g)) {
      const name = nameFromUrn(m[1]!);
      if (rows.some((r) => r.protectedResources.some((p) => p.endsWith(` ${name}`)))) continue;
      warnings.push({
        kind: "protected",
        text: `${typeFromUrn(m[1]!).replace(TEAMS, "")} ${name}: the run would delete it, and it is protected (teams-bot-numbers:protect), so the preview refuses. See docs/pull-request-plans.md#removing-a-protected-bot.`,
      });
    }
  for (const r of rows)
    if (r.account === "replace")
      warnings.push({
        kind: "replaced",
        text: `${r.name}: the account is replaced (deleted, then created again: ${r.accountChanges.join("; ")}); its number and licence go with it.`,
      });
  config.bots.forEach((b) => {
    const pieces = undeclaredPieces(b);
    if (pieces.length) warnings.push({ kind: "calling", text: readinessWarning(b.name, pieces) });
  });
  for (const l of leaving)
    warnings.push({
      kind: "leaves-stack",
      text: `${l.phoneNumber} leaves the stack: unassigned from ${l.from}, no bot takes it (it stays in the tenant's inventory).`,
    });

  return {
    stack,
    tenant: { read: false, detail: "not read", gaps: [] },
    previewFailed: failed,
    errors,
    bots: rows,
    groups,
    seats: [...seats.values()],
    leaving,
    warnings,
    rawDiff: rawDiffOf(preview.steps),
    drift: driftOf(preview.steps),
  };
}

/**
 * The move groups of the rows. An adopted bot's number is in place or not only the tenant can say:
 * without the tenant it is left out of the moves (the row says "as the tenant has it").
 */
function groupsOf(rows: BotRow[], tenantRead: boolean): MoveGroup[] {
  return moveGroups(
    rows
      .filter((r) => tenantRead || !(r.account === "adopt" && !r.before))
      .map((r) => ({
        bot: r.name,
        before: r.before?.phoneNumber,
        after: r.after?.phoneNumber,
        newAccount: r.account === "create",
      })),
  );
}

/** What to ask the tenant for this plan. */
export function tenantNeeds(plan: NumberPlanReport): TenantNeeds {
  const numbers = new Set<string>();
  for (const r of plan.bots) {
    if (!r.after) continue;
    const moves = r.before?.phoneNumber !== r.after.phoneNumber;
    const retyped = r.before && !moves && r.before.numberType !== r.after.numberType;
    if (moves || retyped) numbers.add(r.after.phoneNumber);
  }
  return {
    numbers: [...numbers],
    accounts: plan.bots.filter((r) => r.account === "create" || r.account === "adopt").map((r) => r.userPrincipalName),
    skus: plan.seats.map((s) => s.skuPartNumber),
  };
}

const camel = (t: string | undefined): string => (t ? t[0]!.toLowerCase() + t.slice(1) : "");

/** The plan with what the tenant says folded in: refused moves, existing accounts, seats. */
export function withTenant(plan: NumberPlanReport, facts: TenantFacts, stackAccounts: Set<string>): NumberPlanReport {
  const bots = plan.bots.map((r) => ({ ...r }));
  const warnings = [...plan.warnings];
  for (const r of bots) {
    const account = facts.accounts.get(r.userPrincipalName.toLowerCase());
    if (account && (r.licence === "create" || r.licence === "adopt"))
      r.licenceHeld = account.licences.includes(r.skuPartNumber);
    if (!r.after) continue;
    const record = facts.numbers.get(r.after.phoneNumber);
    if (record === undefined) continue;
    const n = r.after.phoneNumber;
    if (r.after.locationFrom === "unknown") {
      // Undeclared, a number keeps its own location, except a Direct Routing number released in
      // this run: one that was only in the inventory because it was assigned leaves it on release,
      // location and all (emulator/FIDELITY.md, numbers, issue 11).
      const lost = r.after.numberType === "DirectRouting" && !!record?.holderId && !!record.locationId;
      r.after = {
        ...r.after,
        locationId: lost ? null : (record?.locationId ?? null),
        locationFrom: record?.locationId && !lost ? "tenant" : "none",
      };
      if (lost)
        warnings.push({
          kind: "location",
          text: `${r.name} takes ${n} (Direct Routing) without declaring its emergency location; it has ${record!.locationId} now, which a Direct Routing number can lose when it is released and assigned again: declare locationId to keep it.`,
        });
    }
    if (record === null) {
      if (r.after.numberType !== "DirectRouting")
        r.refused = `${n} is not in the tenant's number inventory (a ${r.after.numberType} number must be acquired or ported first)`;
      continue;
    }
    if (camel(record.numberType).toLowerCase() !== camel(r.after.numberType).toLowerCase()) {
      r.refused = `${n} is a ${record.numberType} number in the tenant, not ${r.after.numberType}: set numberType to match`;
      continue;
    }
    const holder = record.holderId?.toLowerCase() ?? null;
    const own = account?.id.toLowerCase();
    if (holder === null || holder === own || stackAccounts.has(holder)) {
      if (holder !== null && holder === own && r.account === "adopt" && !r.before)
        r.before = { ...r.after, locationFrom: r.after.locationFrom };
      continue;
    }
    const who = record.holder
      ? `${record.holder.userPrincipalName}${record.holder.displayName ? ` (${record.holder.displayName})` : ""}`
      : `the account with object id ${record.holderId}`;
    r.refused = `${n} is assigned to ${who}, which is not a bot of this stack and is not giving it up: \`pulumi up\` refuses this move before changing anything`;
  }
  for (const r of bots)
    if (r.refused) warnings.push({ kind: "refused", text: `${r.name} (${r.userPrincipalName}): ${r.refused}.` });

  const seats = plan.seats.map((s) => {
    const held = bots.filter(
      (r) => r.licenceHeld && r.skuPartNumber === s.skuPartNumber && (r.licence === "create" || r.licence === "adopt"),
    ).length;
    const counts = facts.skus.get(s.skuPartNumber);
    return { ...s, needed: s.needed - held, upTo: false, ...(counts ?? {}) };
  });
  for (const s of seats) {
    if (s.enabled === undefined || s.consumed === undefined) continue;
    const free = s.enabled - s.consumed;
    if (s.needed > free)
      warnings.push({
        kind: "seats",
        text: `${s.skuPartNumber}: the run needs ${s.needed} new licence(s), ${free} seat(s) are free: the licence of the ${free + 1}${ordinal(free + 1)} new bot fails.${s.freed ? ` The ${s.freed} seat(s) of removed bots come back only at the end of the run (Pulumi deletes last).` : ""}`,
      });
  }
  return {
    ...plan,
    tenant: { read: true, detail: facts.identity, gaps: facts.gaps },
    bots,
    groups: groupsOf(bots, true),
    seats,
    warnings,
  };
}

function ordinal(n: number): string {
  const rem = n % 100;
  if (rem >= 11 && rem <= 13) return "th";
  return ["th", "st", "nd", "rd"][n % 10] ?? "th";
}
