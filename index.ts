/**
 * The package's entry point (`require("teams-bot-numbers")`): the three dynamic resources, the
 * stacks program and its config parser, for a stack repository that depends on this package.
 * The stack runner is the `teams-bot-numbers-stack` command (dist/scripts/stack.js).
 */
export * from "./provider";
export { type BotConfig, type StackConfig, parseStackConfig, StackConfigError } from "./stacks/config";
export { botNumbersProgram, type BotOutputs, PROJECT } from "./stacks/program";
