/**
 * What this run intends to do with numbers, as the provider process learns it — the one home of the
 * diff-time declaration.
 *
 * Pulumi runs every dynamic resource of a stack in ONE provider process and calls it concurrently
 * for independent updates, so the moves of one `pulumi up` meet here. Two hooks declare, from
 * `diff` (which the engine calls for a resource before its update, in preview too, where nothing
 * moves), and nothing else writes this state:
 * - the stack's NumberPlan (`declareStack`): every bot's account and wanted number, and the
 *   accounts the stack removes. Every BotPhoneNumber depends on the plan, so this comes before any
 *   number changes; its create and update declare again (a run after a failure keeps it).
 * - each BotPhoneNumber whose number changes (`announceMove`), for programs without a plan: a
 *   later update may find it here; without a plan, a holder not known to move is waited for
 *   (bounded), since its diff may still come.
 * The coordinator (coordinator.ts) reads it through `wantOf`, `nameOf`, `isRemoved`, `isKept`, `hasPlan`.
 */
import type { Target } from "./plan";
import type { DeclaredBot, DeclaredStack } from "./types";

/** The declared stack and the announced moves; state private, read through the questions below. */
export class MoveRegistry {
  #declared: Map<string, DeclaredBot> | undefined;
  #removed = new Map<string, string>();
  #kept = new Map<string, string>();
  #announced = new Map<string, { to?: Target }>();

  /** The stack's NumberPlan: who should end with which number, and which accounts the stack removes. */
  declareStack(stack: DeclaredStack): void {
    this.#declared = new Map(stack.bots.map((b) => [b.instanceId.toLowerCase(), b]));
    this.#removed = new Map(stack.removed.map((r) => [r.instanceId.toLowerCase(), r.userPrincipalName]));
    this.#kept = new Map((stack.kept ?? []).map((r) => [r.instanceId.toLowerCase(), r.userPrincipalName]));
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
    const id = instanceId.toLowerCase();
    const announced = this.#announced.get(id);
    if (announced) return announced;
    const bot = this.#declared?.get(id);
    return bot ? { to: bot.target } : undefined;
  }

  /** True when the stack removes the account in this run (its number may be taken). */
  isRemoved(instanceId: string): boolean {
    return this.#removed.has(instanceId.toLowerCase());
  }

  /** True when the stack no longer declares the account but protects it: it keeps its number. */
  isKept(instanceId: string): boolean {
    return this.#kept.has(instanceId.toLowerCase());
  }

  /** The UPN the plan declares (or recorded for a removed account). */
  nameOf(instanceId: string): string | undefined {
    const id = instanceId.toLowerCase();
    return this.#declared?.get(id)?.userPrincipalName ?? this.#removed.get(id);
  }

  /** Forgets everything (tests). */
  reset(): void {
    this.#declared = undefined;
    this.#removed.clear();
    this.#kept.clear();
    this.#announced.clear();
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
