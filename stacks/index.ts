/** Entry point for `pulumi up` with a regular Pulumi install (Pulumi.yaml `main: stacks/`). */
import { botNumbersProgram } from "./program";

export = botNumbersProgram();
