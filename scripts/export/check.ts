/**
 * `--check` (pure): the tenant against the stack config. Unmanaged = resource accounts and the
 * numbers assigned to them that no bot declares (accounts the export marked as needing a decision
 * are listed apart and do not count); missing = what the config declares that the tenant lacks.
 */
import type { BotConfig } from "../../stacks/config";
import { globToRegExp, voiceAppKind } from "./plan";
import type { ApplicationInstance, TenantSnapshot } from "./read-tenant";

/** A resource account no bot declares. */
export interface UnmanagedAccount {
  userPrincipalName: string;
  objectId: string;
  applicationId: string;
}

/** A number on an in-scope resource account that no bot declares. */
export interface UnmanagedNumber {
  telephoneNumber: string;
  numberType: string;
  userPrincipalName: string;
}

/** Something the config declares that the tenant lacks. */
export interface Missing {
  bot: string;
  what: string;
}

/** What `--check` found. */
export interface CheckReport {
  unmanagedAccounts: UnmanagedAccount[];
  unmanagedNumbers: UnmanagedNumber[];
  /** Accounts the export wrote as needing a decision (comment block in the stack file). */
  awaitingDecision: UnmanagedAccount[];
  missing: Missing[];
  /** Accounts not compared: voice apps (unless included) and those outside --match. */
  outOfScope: number;
}

/** Options of a check. */
export interface CheckOptions {
  includeVoiceApps: boolean;
  match?: string;
  /** UPNs (lower-case) the export marked as needing a decision. */
  pendingDecisions: Set<string>;
}

/** Compares the tenant with the declared bots. */
export function checkTenant(snapshot: TenantSnapshot, bots: BotConfig[], options: CheckOptions): CheckReport {
  const match = options.match ? globToRegExp(options.match) : undefined;
  const inScope = (upn: string): boolean => !match || match.test(upn);
  const scoped: ApplicationInstance[] = [];
  let outOfScope = 0;
  for (const i of snapshot.instances) {
    if (!inScope(i.userPrincipalName) || (voiceAppKind(i.applicationId) && !options.includeVoiceApps)) outOfScope++;
    else scoped.push(i);
  }
  const declaredUpns = new Set(bots.map((b) => b.userPrincipalName.toLowerCase()));
  const declaredNumbers = new Set(bots.flatMap((b) => (b.phoneNumber ? [b.phoneNumber] : [])));
  const byObjectId = new Map(scoped.map((i) => [i.objectId, i]));
  const byUpn = new Map(snapshot.instances.map((i) => [i.userPrincipalName, i]));
  const inventory = new Map(snapshot.numbers.map((n) => [n.telephoneNumber, n]));

  const report: CheckReport = {
    unmanagedAccounts: [],
    unmanagedNumbers: [],
    awaitingDecision: [],
    missing: [],
    outOfScope,
  };
  for (const i of [...scoped].sort((a, b) => a.userPrincipalName.localeCompare(b.userPrincipalName))) {
    if (declaredUpns.has(i.userPrincipalName)) continue;
    const entry = { userPrincipalName: i.userPrincipalName, objectId: i.objectId, applicationId: i.applicationId };
    if (options.pendingDecisions.has(i.userPrincipalName)) report.awaitingDecision.push(entry);
    else report.unmanagedAccounts.push(entry);
  }
  for (const n of [...snapshot.numbers].sort((a, b) => a.telephoneNumber.localeCompare(b.telephoneNumber))) {
    const holder = n.assignmentTargetId ? byObjectId.get(n.assignmentTargetId) : undefined;
    if (!holder || declaredNumbers.has(n.telephoneNumber)) continue;
    if (options.pendingDecisions.has(holder.userPrincipalName)) continue;
    report.unmanagedNumbers.push({
      telephoneNumber: n.telephoneNumber,
      numberType: String(n.numberType),
      userPrincipalName: holder.userPrincipalName,
    });
  }
  for (const bot of bots) {
    const upn = bot.userPrincipalName.toLowerCase();
    if (!inScope(upn)) continue;
    const account = byUpn.get(upn);
    if (!account) {
      report.missing.push({ bot: bot.name, what: `no resource account ${upn}` });
      continue;
    }
    if (!bot.phoneNumber) continue;
    const record = inventory.get(bot.phoneNumber);
    if (!record)
      report.missing.push({ bot: bot.name, what: `number ${bot.phoneNumber} is not in the tenant's inventory` });
    else if (record.assignmentTargetId !== account.objectId) {
      const other = record.assignmentTargetId
        ? (snapshot.instances.find((i) => i.objectId === record.assignmentTargetId)?.userPrincipalName ??
          record.assignmentTargetId)
        : undefined;
      report.missing.push({
        bot: bot.name,
        what: `number ${bot.phoneNumber} is ${other ? `assigned to ${other}` : "not assigned"}, not to ${upn}`,
      });
    }
  }
  return report;
}

/** True when the check must fail: something in the tenant is unmanaged. */
export function hasUnmanaged(report: CheckReport): boolean {
  return report.unmanagedAccounts.length > 0 || report.unmanagedNumbers.length > 0;
}
