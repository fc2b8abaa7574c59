/** Readable names of accounts for move messages: the declared UPN, else the Graph user's, else the id. */
import type { MoveRegistry } from "./registry";
import type { MoveOps } from "./types";

/** Names resolved once per account (and once more with the display name, for holders). */
export class AccountNames {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly account: MoveOps["account"],
    private readonly registry: MoveRegistry,
  ) {}

  /** The declared UPN, else the Graph user's UPN (with the display name when `full`), else the id. */
  async resolve(instanceId: string, full = false): Promise<string> {
    const id = instanceId.toLowerCase();
    const key = id + (full ? "+" : "");
    const cached = this.cache.get(key);
    if (cached) return cached;
    const declared = this.registry.nameOf(id);
    let text = declared ?? id;
    if (full || !declared) {
      const account = await this.account(id).catch(() => undefined);
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
