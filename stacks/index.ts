/**
 * The stacks program, as Pulumi runs it: Pulumi.yaml `main: dist/stacks/index.js` (this repository)
 * or `main: node_modules/teams-bot-numbers/dist/stacks/index.js` (a stack repository); the directory
 * form of either reaches this file through stacks/package.json.
 */
import { botNumbersProgram } from "./program";

export = botNumbersProgram();
