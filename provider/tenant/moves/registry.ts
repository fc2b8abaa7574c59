/**
 * What this run intends to do with numbers, as the provider process learns it — the one home of the
 * diff-time declaration.
 *
 * Pulumi runs every dynamic resource of a stack in ONE provider process and calls it concurrently
 * for independent updates, so the moves of one `pulumi up` meet here. Two hooks declare, from
 * `diff` (which the engine calls for a resource before its update, in preview too, where nothing
 * moves), and nothing else writes this state:
 * - the stack's NumberPlan (`declareStack`): every bot's UPN and wanted number, and the accounts
 *   the stack removes. Every BotPhoneNumber depends on the plan, so this comes before any number
 *   changes; its create and update declare again (a run after a failure keeps it). The plan holds
 *   plain values only (no account ids, which are outputs of the accounts): so it depends on no
 *   account, and one refused account skips only its own bot's steps under --continue-on-error.
 *   A holder's account id is matched to the plan by its UPN, read from the tenant when the
 *   coordinator meets it (`learn`; reads.ts).
 * - each BotPhoneNumber whose number changes (`announceMove`), for programs without a plan: a
 *   later update may find it here; without a plan, a holder not known to move is waited for
 *   (bounded), since its diff may still come.
 * The coordinator (coordinator.ts) reads it through `wantOf`, `nameOf`, `isRemoved`, `isKept`, `hasPlan`.
 */
import type { Target } from "./plan";
import type { DeclaredBot, DeclaredStack } from "./types";

/** The declared stack and the announced moves; state private, read through the questions below. */
export class MoveRegistry {
  /** Declared bots by UPN (lower case): the plan declares plain values, not account ids. */
  #declared: Map<string, DeclaredBot> | undefined;
  #removed = new Map<string, string>();
  #kept = new Map<string, string>();
  #announced = new Map<string, { to?: Target }>();
  /** Account id → UPN (lower case), or null when it was looked up and could not be read. */
  #upnOf = new Map<string, string | null>();

  /** The stack's NumberPlan: who should end with which number, and which accounts the stack removes. */
  declareStack(stack: DeclaredStack): void {
    const byUpn = <T extends { userPrincipalName: string; instanceId?: string }>(list: T[]) =>
      new Map(
        list.map((b) => {
          if (b.instanceId) this.learn(b.instanceId, b.userPrincipalName);
          return [b.userPrincipalName.toLowerCase(), b] as const;
        }),
      );
    this.#declared = byUpn(stack.bots);
    this.#removed = new Map([...byUpn(stack.removed)].map(([k, r]) => [k, r.userPrincipalName]));
    this.#kept = new Map([...byUpn(stack.kept ?? [])].map(([k, r]) => [k, r.userPrincipalName]));
  }

  /** Records an account's UPN (read from the tenant; null: it could not be read). */
  learn(instanceId: string, userPrincipalName: string | null): void {
    this.#upnOf.set(instanceId.toLowerCase(), userPrincipalName?.toLowerCase() ?? null);
  }

  /** True when the account's UPN was recorded or looked up (the plan's questions can be answered for it). */
  knows(instanceId: string): boolean {
    return this.#upnOf.has(instanceId.toLowerCase());
  }

  /** A BotPhoneNumber's diff: this account moves to `to` (undefined: gives its number up) in this run. */
  announce(instanceId: string, to: Target | undefined): void {
    this.#announced.set(instanceId.toLowerCase(), { to });
  }

  /** True once a NumberPlan declared the stack: a holder not moving then fails at once, without waiting. */
  hasPlan(): boolean {
    return this.#declared !== undefined;
  }

  /** What the account wants at the end of this run (announced, else declared); undefined when unknown. */
  wantOf(instanceId: string): { to?: Target } | undefined {
    const announced = this.#announced.get(instanceId.toLowerCase());
    if (announced) return announced;
    const bot = this.#declared?.get(this.upn(instanceId));
    return bot ? { to: bot.target } : undefined;
  }

  /** True when the stack removes the account in this run (its number may be taken). */
  isRemoved(instanceId: string): boolean {
    return this.#removed.has(this.upn(instanceId));
  }

  /** True when the stack no longer declares the account but protects it: it keeps its number. */
  isKept(instanceId: string): boolean {
    return this.#kept.has(this.upn(instanceId));
  }

  /** The UPN the plan declares (or recorded for a removed account). */
  nameOf(instanceId: string): string | undefined {
    const upn = this.upn(instanceId);
    return this.#declared?.get(upn)?.userPrincipalName ?? this.#removed.get(upn);
  }

  /** Forgets everything (tests). */
  reset(): void {
    this.#declared = undefined;
    this.#removed.clear();
    this.#kept.clear();
    this.#announced.clear();
    this.#upnOf.clear();
  }

  private upn(instanceId: string): string {
    return this.#upnOf.get(instanceId.toLowerCase()) ?? "";
  }
}

/** The registry of this provider process (all number resources of a stack share it, whatever the tenant settings). */
export const moveRegistry = new MoveRegistry();

/** NumberPlan's diff, create and update: declares the stack (see the module comment). */
export function declareStack(stack: DeclaredStack): void {
  moveRegistry.declareStack(stack);
}

/** BotPhoneNumber's diff: announces this account's move (see the module comment). */
export function announceMove(instanceId: string, to: Target | undefined): void {
  moveRegistry.announce(instanceId, to);
}

/** Forgets declarations and announcements (tests). */
export function resetMoves(): void {
  moveRegistry.reset();
}
