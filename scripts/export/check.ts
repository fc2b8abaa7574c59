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
  /** The bot that declares this account (declared without this number), when one does. */
  bot?: string;
}

/** Something the config declares that the tenant lacks. */
export interface Missing {
  bot: string;
  what: string;
  /** What is missing: the account, the number in the inventory, or the number on the account. */
  kind: "account" | "notInInventory" | "notOnAccount";
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
  const botByUpn = new Map(bots.map((b) => [b.userPrincipalName.toLowerCase(), b.name]));
  const declaredUpns = new Set(botByUpn.keys());
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
    const bot = botByUpn.get(holder.userPrincipalName);
    report.unmanagedNumbers.push({
      telephoneNumber: n.telephoneNumber,
      numberType: String(n.numberType),
      userPrincipalName: holder.userPrincipalName,
      ...(bot ? { bot } : {}),
    });
  }
  for (const bot of bots) {
    const upn = bot.userPrincipalName.toLowerCase();
    if (!inScope(upn)) continue;
    const account = byUpn.get(upn);
    if (!account) {
      report.missing.push({ bot: bot.name, what: `no resource account ${upn}`, kind: "account" });
      continue;
    }
    if (!bot.phoneNumber) continue;
    const record = inventory.get(bot.phoneNumber);
    if (!record)
      report.missing.push({
        bot: bot.name,
        what: `number ${bot.phoneNumber} is not in the tenant's inventory`,
        kind: "notInInventory",
      });
    else if (record.assignmentTargetId !== account.objectId) {
      const other = record.assignmentTargetId
        ? (snapshot.instances.find((i) => i.objectId === record.assignmentTargetId)?.userPrincipalName ??
          record.assignmentTargetId)
        : undefined;
      report.missing.push({
        bot: bot.name,
        what: `number ${bot.phoneNumber} is ${other ? `assigned to ${other}` : "not assigned"}, not to ${upn}`,
        kind: "notOnAccount",
      });
    }
  }
  return report;
}

/** True when the check must fail: something in the tenant is unmanaged. */
export function hasUnmanaged(report: CheckReport): boolean {
  return report.unmanagedAccounts.length > 0 || report.unmanagedNumbers.length > 0;
}

/**
 * What to do about each kind of finding, one line per kind found (a number on a declared bot gets
 * its own line: the keys to add to that bot). `stackFile` is the file name, `stack` the stack name.
 */
export function checkAdvice(report: CheckReport, stackFile: string, stack: string): string[] {
  const advice: string[] = [];
  const onUnmanaged = report.unmanagedNumbers.filter((n) => !n.bot);
  if (report.unmanagedAccounts.length > 0 || onUnmanaged.length > 0)
    advice.push(
      `unmanaged account${onUnmanaged.length > 0 ? " (and its number)" : ""}: \`npm run export -- --stack ${stack}\` declares it in ${stackFile} with adopt: true (an account it cannot express comes as a commented entry to decide on); or remove it from the tenant.`,
    );
  for (const n of report.unmanagedNumbers.filter((x) => x.bot))
    advice.push(
      `number ${n.telephoneNumber} on bot ${n.bot} (assigned by hand; the bot declares no number): add \`phoneNumber: "${n.telephoneNumber}"\` and \`numberType: ${n.numberType}\` to bot ${n.bot} in ${stackFile}, and \`pulumi up\` records it without a write; or unassign it in the tenant (Remove-CsPhoneNumberAssignment). The export leaves declared bots as they are.`,
    );
  if (report.awaitingDecision.length > 0)
    advice.push(
      `awaiting a decision: read the reason in ${stackFile} ("needs a decision: <upn>") and uncomment the entry once decided, or remove the account from the tenant; until then the check does not fail for it.`,
    );
  const missing = new Set(report.missing.map((m) => m.kind));
  if (missing.has("account"))
    advice.push(
      `no resource account: \`pulumi up\` creates the bot's account (licence and number follow); or remove the bot from ${stackFile} if it went on purpose.`,
    );
  if (missing.has("notInInventory"))
    advice.push(
      `number not in the inventory: acquire it in the tenant (or upload the Direct Routing number), or change the bot's phoneNumber.`,
    );
  if (missing.has("notOnAccount"))
    advice.push(
      `number not on the bot's account: \`pulumi up\` assigns it (a number another account outside the stack holds is refused naming the holder); \`pulumi preview --stack ${stack} --refresh\` shows the change first (docs/drift.md).`,
    );
  return advice;
}
