/**
 * Keeps the package's library entry (dist/index.js) from running as a Pulumi program. Pulumi's
 * Node.js loader runs it when Pulumi.yaml's `main` points at the package itself (`main: .` in this
 * repository, `main: node_modules/teams-bot-numbers/` in a stack repository): it declares no
 * resource, and `pulumi up` would then delete every bot of the stack. The loader `require`s the
 * program from `@pulumi/pulumi/cmd/run/run.js`; a program of your own that imports the package is
 * required from your file instead and is not affected.
 */
import { RunError } from "@pulumi/pulumi";

/** The loader's module that requires the program (`@pulumi/pulumi/cmd/run/run.js`). */
const PULUMI_LOADER = /[\\/]@pulumi[\\/]pulumi[\\/]cmd[\\/]run[\\/]run\.js$/;

/** Throws when `entry` (the package's entry module) was loaded by Pulumi's loader as the program. */
export function refuseToRunAsProgram(entry: NodeJS.Module): void {
  // `module.parent` is the module that first required this one (deprecated in docs only, kept by Node).
  const loader = entry.parent?.filename ?? "";
  if (!PULUMI_LOADER.test(loader)) return;
  throw new RunError(
    "Pulumi.yaml's main points at the teams-bot-numbers package, whose entry is a library that declares no resources " +
      "(running it would delete every bot of the stack); nothing was changed. Point main at the stacks program: " +
      "`main: node_modules/teams-bot-numbers/dist/stacks/index.js` in a stack repository, " +
      "`main: dist/stacks/index.js` in the teams-bot-numbers repository (docs/stack-repository.md).",
  );
}
