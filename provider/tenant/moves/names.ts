/** Accounts as moves see them: readable names for messages (the declared UPN, else the Graph user's), and their usage location. */
import type { MoveRegistry } from "./registry";
import type { AccountFacts, MoveOps } from "./types";

/** Each account read once (Graph user by id); names resolved from it. */
export class AccountNames {
  private readonly read = new Map<string, Promise<AccountFacts | undefined>>();
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly account: MoveOps["account"],
    private readonly registry: MoveRegistry,
  ) {}

  /** The account's UPN, display name and usage location (read once, or again when `fresh`; undefined when it cannot be read). */
  facts(instanceId: string, fresh = false): Promise<AccountFacts | undefined> {
    const id = instanceId.toLowerCase();
    let facts = fresh ? undefined : this.read.get(id);
    if (!facts) {
      facts = this.account(id).catch(() => undefined);
      this.read.set(id, facts);
    }
    return facts;
  }

  /** The declared UPN, else the Graph user's UPN (with the display name when `full`), else the id. */
  async resolve(instanceId: string, full = false): Promise<string> {
    const id = instanceId.toLowerCase();
    const key = id + (full ? "+" : "");
    const cached = this.cache.get(key);
    if (cached) return cached;
    const declared = this.registry.nameOf(id);
    let text = declared ?? id;
    if (full || !declared) {
      const account = await this.facts(id);
      if (account)
        text =
          full && account.displayName
            ? `${account.userPrincipalName} (${account.displayName})`
            : account.userPrincipalName;
    }
    this.cache.set(key, text);
    if (!full) this.cache.set(id, text);
    return text;
  }

  /** Synchronous name for plan descriptions: resolved while planning, else declared, else the id. */
  label(instanceId: string): string {
    const id = instanceId.toLowerCase();
    return this.cache.get(id) ?? this.registry.nameOf(id) ?? id;
  }
}
