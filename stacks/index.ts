/**
 * The stacks program, as Pulumi runs it: Pulumi.yaml `main: dist/stacks/index.js` (this repository)
 * or `main: node_modules/teams-bot-numbers/dist/stacks/index.js` (a stack repository); the directory
 * form of either reaches this file through stacks/package.json.
 */
import { botNumbersProgram } from "./program";

const program = botNumbersProgram();
// Pulumi's loader awaits the exported promise a few ticks after loading this file; a config error
// rejects it at once. Marked as handled here, Node does not report it in between
// (PromiseRejectionHandledWarning); the loader still receives the rejection and reports it once.
program.catch(() => undefined);

export = program;
