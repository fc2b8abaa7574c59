/** The dev stack's file (Pulumi.dev.yaml), as the demo and its call read it. */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";

import { REPO_ROOT } from "../../engine/workspace";

export const DEV_STACK_FILE = path.join(REPO_ROOT, "Pulumi.dev.yaml");

/** Pulumi.dev.yaml's config, keys with their namespace. */
export function devStackConfig(): Record<string, unknown> {
  return (parseYaml(fs.readFileSync(DEV_STACK_FILE, "utf8")) as { config?: Record<string, unknown> }).config ?? {};
}

/** A setting of the dev stack (`teams-bot-numbers:<key>`), as provider/settings.ts reads config. */
export function devStackSetting(key: string): string | undefined {
  const v = devStackConfig()[`teams-bot-numbers:${key}`];
  return typeof v === "string" ? v : undefined;
}
