/**
 * Number moves as one plan, inside the provider process (README "How number moves work"):
 * - registry.ts  what this run intends (the diff-time declaration: NumberPlan and BotPhoneNumber diffs);
 * - plan.ts      the pure planner: the chain of holders, the steps, the roll-back steps;
 * - reads.ts     what a plan reads of the tenant; coordinator.ts: one move, step by step;
 * - apply.ts     running a plan and rolling it back; messages.ts: what the user is told; names.ts.
 */
export { NumberMoves } from "./coordinator";
export { numberNotFound, numberTypeMismatch, numberTypeOf } from "./messages";
export type { Member, NumberRef, Target } from "./plan";
export { announceMove, declareStack, MoveRegistry, moveRegistry, resetMoves } from "./registry";
export type * from "./types";
