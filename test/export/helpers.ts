/** Runs `npm run export` in-process against a test emulator, capturing what it prints. */
import * as fs from "fs";
import * as path from "path";

import { parseExportArgs, runExport, type ExportResult } from "../../scripts/export";
import type { TestEmulator } from "../helpers/emulator";
import { secretEnv, stackConfigYaml } from "../helpers/emulator-settings";

/** An export run with its output. */
export interface CapturedExport extends ExportResult {
  stdout: string;
  stderr: string;
}

/** A minimal stack file pointing at the emulator (settings only, no bots). */
export function writeStackFile(t: TestEmulator, dir: string, stack: string, extra = ""): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, ["config:", ...stackConfigYaml(t), extra].join("\n") + "\n");
  return file;
}

/** Runs the export with these arguments; the deployer's secret comes through the environment. */
export async function exportWith(t: TestEmulator, args: string[]): Promise<CapturedExport> {
  let stdout = "";
  let stderr = "";
  const result = await runExport(parseExportArgs(args), {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    env: { ...process.env, ...secretEnv(t) },
  });
  return { ...result, stdout, stderr };
}
