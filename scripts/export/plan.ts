/**
 * From a tenant snapshot to stack config (pure): which resource account becomes which bot, what is
 * left out (voice apps, outside --match, already declared) and what needs a person's decision
 * because the stack cannot express it as it is (adopting it would have to write to the tenant, or
 * cannot be stated at all). Nothing is dropped silently: every account ends up in one list.
 */
import { parseStackConfig, StackConfigError, type BotEntry } from "../../stacks/config";
import type { ApplicationInstance, NumberAssignment, TenantSnapshot, TenantUser } from "./read-tenant";

/** Auto attendant and call queue application ids (Microsoft's well-known ids). */
export const VOICE_APP_IDS: Record<string, string> = {
  "ce933385-9390-45d1-9512-c8d228074e07": "auto attendant",
  "11cd3e2e-fccb-42ad-ad00-878b93575e07": "call queue",
};
/** The only licence the stack manages on a resource account. */
export const MANAGED_SKU = "PHONESYSTEM_VIRTUALUSER";
const ZERO_GUID = "00000000-0000-0000-0000-000000000000";
const NAME_MAX = 40;

/** One bot as the export writes it: a stack-config bot entry with what the export always states, adopted. */
export type ExportedBot = Required<
  Pick<BotEntry, "name" | "userPrincipalName" | "displayName" | "appId" | "usageLocation">
> &
  Pick<BotEntry, "phoneNumber" | "numberType" | "locationId"> & { adopt: true };

/** An account the export writes as a commented-out entry, with what needs deciding. */
export interface Decision {
  userPrincipalName: string;
  objectId: string;
  /** What needs a decision, one line each. */
  reasons: string[];
  /** As much of the entry as could be stated (to uncomment once decided). */
  draft: Partial<ExportedBot> & { name: string };
}

/** An account the export did not write, and why. */
export interface Skipped {
  userPrincipalName: string;
  objectId: string;
  reason: string;
}

/** What the export found. */
export interface ExportPlan {
  bots: ExportedBot[];
  decisions: Decision[];
  /** Voice apps (left out unless asked for), outside --match, already declared. */
  skipped: Skipped[];
}

/** Options of the export. */
export interface PlanOptions {
  includeVoiceApps: boolean;
  /** UPN glob (`*` any run of characters, `?` one character), case-insensitive. */
  match?: string;
  /** Bots the stack already declares (raw entries: their names and UPNs are kept). */
  existing: { name?: unknown; userPrincipalName?: unknown }[];
}

/** A UPN glob as a RegExp (`*`, `?`; everything else literal). */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`, "i");
}

/** The voice app kind of an application id, if it is one. */
export function voiceAppKind(applicationId: string): string | undefined {
  return VOICE_APP_IDS[applicationId.toLowerCase()];
}

/** A bot name from a UPN's local part: lower-case letters, digits and dashes, starting with a letter, ≤ 40. */
export function baseName(userPrincipalName: string): string {
  const local = userPrincipalName.split("@")[0] ?? "";
  let name = local
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (!/^[a-z]/.test(name)) name = `bot-${name}`.replace(/-+$/, "");
  return name.slice(0, NAME_MAX).replace(/-+$/, "");
}

/**
 * Names for UPNs, unique among themselves and the `taken` names: the base name, else
 * `<base>-2`, `-3`, … Deterministic: UPNs are named in sorted order.
 */
export function assignNames(upns: string[], taken: Iterable<string>): Map<string, string> {
  const used = new Set(taken);
  const names = new Map<string, string>();
  for (const upn of [...upns].sort()) {
    const base = baseName(upn);
    let name = base;
    for (let n = 2; used.has(name); n++) {
      const suffix = `-${n}`;
      name = `${base.slice(0, NAME_MAX - suffix.length).replace(/-+$/, "")}${suffix}`;
    }
    used.add(name);
    names.set(upn, name);
  }
  return names;
}

/** PascalCase number type of the config from the tenant's (camelCase) one, if it is one we manage. */
function configNumberType(value: string): string | undefined {
  const known = ["CallingPlan", "DirectRouting", "OperatorConnect"];
  return known.find((k) => k.toLowerCase() === value.toLowerCase());
}

/** What one account becomes, before naming. */
type Draft = Omit<ExportedBot, "name">;

function describeAccount(
  instance: ApplicationInstance,
  user: TenantUser | undefined,
  snapshot: TenantSnapshot,
  numbersByTarget: Map<string, NumberAssignment[]>,
): { draft: Partial<Draft>; reasons: string[] } {
  const reasons: string[] = [];
  const draft: Partial<Draft> = { userPrincipalName: instance.userPrincipalName };
  if (!user) {
    reasons.push(
      `Microsoft Graph has no user for object id ${instance.objectId}: the account may be half deleted; check it in the Teams admin center`,
    );
  }
  const displayName = user?.displayName ?? instance.displayName;
  if (displayName) draft.displayName = displayName;
  else reasons.push("no display name: write one (Teams shows it)");
  const appId = instance.applicationId;
  if (appId && appId !== ZERO_GUID) draft.appId = appId;
  else
    reasons.push(
      "no application id: the account is not mapped to an app; set appId to the bot's Entra app id (adopt then syncs the mapping)",
    );
  if (user?.usageLocation) draft.usageLocation = user.usageLocation;
  else if (user) reasons.push("no usage location: choose the country the account is used in (up sets it)");

  if (user) {
    const parts = (user.assignedLicenses ?? []).map(
      (l) => snapshot.skuPartNumbers.get(l.skuId.toLowerCase()) ?? `unknown SKU ${l.skuId}`,
    );
    const others = parts.filter((p) => p !== MANAGED_SKU);
    if (parts.length === 0)
      reasons.push(
        `no licence: \`pulumi up\` would assign ${MANAGED_SKU} (a write, and a seat); uncomment to license it, or delete the account`,
      );
    else if (others.length > 0)
      reasons.push(
        `licence ${others.join(", ")} other than ${MANAGED_SKU}: the stack manages only ${MANAGED_SKU}; swap the licence (Microsoft: remove and add in one operation) or keep the account out of the stack`,
      );
  }

  const held = numbersByTarget.get(instance.objectId) ?? [];
  if (held.length > 1) {
    reasons.push(
      `${held.length} numbers (${held.map((n) => n.telephoneNumber).join(", ")}): a bot declares one; choose which stays`,
    );
  } else if (held.length === 1) {
    const number = held[0]!;
    draft.phoneNumber = number.telephoneNumber;
    const type = configNumberType(String(number.numberType));
    if (type) draft.numberType = type;
    else
      reasons.push(
        `number ${number.telephoneNumber} has number type "${number.numberType || "unknown"}", which the stack cannot tell as CallingPlan, DirectRouting or OperatorConnect: set numberType`,
      );
    const location = number.locationId?.toLowerCase();
    if (location && location !== ZERO_GUID) draft.locationId = location;
  } else if (instance.phoneNumber) {
    draft.phoneNumber = instance.phoneNumber;
    reasons.push(
      `number ${instance.phoneNumber} is on the account but not in the number inventory, so its type cannot be told: set numberType (a Direct Routing number not uploaded is the usual cause)`,
    );
  }
  return { draft, reasons };
}

/** Problems the stack's own config validation finds in an entry (so an exported entry is always valid). */
function configProblems(bot: ExportedBot): string[] {
  try {
    parseStackConfig({ bots: [bot] });
    return [];
  } catch (e) {
    if (!(e instanceof StackConfigError)) throw e;
    return e.problems.map((p) => `the stack config would refuse it: ${p.replace(/^bots\[0\]\./, "")}`);
  }
}

/** Plans the export of a snapshot. */
export function planExport(snapshot: TenantSnapshot, options: PlanOptions): ExportPlan {
  const match = options.match ? globToRegExp(options.match) : undefined;
  const declared = new Set(
    options.existing.map((b) => (typeof b.userPrincipalName === "string" ? b.userPrincipalName.toLowerCase() : "")),
  );
  const takenNames = options.existing.map((b) => (typeof b.name === "string" ? b.name : "")).filter(Boolean);
  const numbersByTarget = new Map<string, NumberAssignment[]>();
  for (const n of snapshot.numbers) {
    if (!n.assignmentTargetId) continue;
    const list = numbersByTarget.get(n.assignmentTargetId) ?? [];
    list.push(n);
    numbersByTarget.set(n.assignmentTargetId, list);
  }
  const byUpn = new Map<string, ApplicationInstance[]>();
  for (const i of snapshot.instances) {
    const list = byUpn.get(i.userPrincipalName) ?? [];
    list.push(i);
    byUpn.set(i.userPrincipalName, list);
  }

  const skipped: Skipped[] = [];
  const candidates: { instance: ApplicationInstance; draft: Partial<Draft>; reasons: string[] }[] = [];
  for (const upn of [...byUpn.keys()].sort()) {
    const instances = byUpn.get(upn)!;
    for (const instance of instances) {
      const voice = voiceAppKind(instance.applicationId);
      const skip = (reason: string): void =>
        void skipped.push({ userPrincipalName: upn, objectId: instance.objectId, reason });
      if (match && !match.test(upn)) skip(`outside --match ${options.match}`);
      else if (voice && !options.includeVoiceApps) skip(`${voice} account (--include-voice-apps exports it)`);
      else if (declared.has(upn)) skip("already declared in the stack config (kept as it is)");
      else {
        const { draft, reasons } = describeAccount(
          instance,
          snapshot.users.get(instance.objectId),
          snapshot,
          numbersByTarget,
        );
        if (instances.length > 1)
          reasons.unshift(
            `${instances.length} resource accounts share this user principal name (object ids ${instances.map((i) => i.objectId).join(", ")}): keep one`,
          );
        candidates.push({ instance, draft, reasons });
      }
    }
  }

  const names = assignNames([...new Set(candidates.map((c) => c.instance.userPrincipalName))], takenNames);
  const bots: ExportedBot[] = [];
  const decisions: Decision[] = [];
  for (const { instance, draft, reasons } of candidates) {
    const name = names.get(instance.userPrincipalName)!;
    const entry = { name, ...draft, adopt: true as const };
    if (reasons.length === 0) {
      const bot = entry as ExportedBot;
      const problems = configProblems(bot);
      if (problems.length === 0) {
        bots.push(bot);
        continue;
      }
      reasons.push(...problems);
    }
    decisions.push({
      userPrincipalName: instance.userPrincipalName,
      objectId: instance.objectId,
      reasons,
      draft: entry,
    });
  }
  return { bots, decisions, skipped };
}
