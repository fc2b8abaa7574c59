/**
 * The package's entry point (`require("teams-bot-numbers")`): the three dynamic resources, the
 * stacks program and its config parser, for a stack repository that depends on this package.
 * Requiring it has no side effect; only Pulumi's loader running it as a program is refused (the
 * stacks program is dist/stacks/index.js). The stack runner is `teams-bot-numbers-stack`.
 */
import { refuseToRunAsProgram } from "./stacks/entry-guard";

refuseToRunAsProgram(module);

export * from "./provider";
export { type BotConfig, type StackConfig, parseStackConfig, StackConfigError } from "./stacks/config";
export { botNumbersProgram, type BotOutputs, PROJECT } from "./stacks/program";
