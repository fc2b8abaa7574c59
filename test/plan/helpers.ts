/**
 * Helpers for number-plan tests: run `pulumi preview --json` on a harness stack as a pipeline
 * does, render it with `runPlan` in-process, and make a rendered plan comparable across runs
 * (object ids of accounts the test created become `<id of upn>`).
 */
import * as fs from "fs";
import * as path from "path";

import type { TenantSettings } from "../../provider/settings";
import { resolveTenantSettings } from "../../provider/settings";
import { parsePlanArgs, runPlan, type PlanResult } from "../../scripts/plan";
import type { EngineHarness } from "../e2e/harness";
import type { TestEmulator } from "../helpers/emulator";

/** The read-only preview app of the default fixture (Graph *.Read.All, Global Reader). */
export const PREVIEW_APP = {
  clientId: "5b8e2c1d-9f4a-4e6b-8c3d-2a1f0e9d8c71",
  secret: "emulator-dev-secret-5b8e2c1d-preview",
};

/** `pulumi preview --json` on the harness stack: the CLI as a pipeline runs it. */
export function previewJson(h: EngineHarness): Promise<{ code: number | null; json: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = h.cli(["preview", "--json"]);
    let json = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (s: string) => (json += s));
    child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, json, stderr }));
  });
}

/** Settings of an app of the emulator (secret credential). */
export function appSettings(t: TestEmulator, app: { clientId: string; secret: string }): TenantSettings {
  const config: Record<string, string> = {
    tenantId: t.tenantId,
    clientId: app.clientId,
    clientSecret: app.secret,
    authorityHost: t.authorityHost,
    graphUrl: t.graphUrl,
    pwshPath: t.pwshPath,
  };
  return resolveTenantSettings((k) => config[k], {});
}

/** Renders a saved preview in-process; tenant reads as `reader` (an app's settings), or none. */
export async function renderSaved(
  dir: string,
  stack: string,
  json: string,
  o: { reader?: TenantSettings; format?: "text" | "markdown"; flavor?: "github" | "azure-devops" } = {},
): Promise<PlanResult & { output: string }> {
  const file = path.join(dir, `preview-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, json);
  const args = ["--stack", stack, "--preview-json", file, "--format", o.format ?? "markdown"];
  if (o.flavor) args.push("--flavor", o.flavor);
  if (!o.reader) args.push("--no-tenant");
  let output = "";
  const r = await runPlan(parsePlanArgs(args, dir), {
    stdout: (s) => void (output += s),
    stderr: () => undefined,
    env: {},
    cwd: dir,
    tenantSettings: o.reader ? () => o.reader! : undefined,
  });
  return { ...r, output };
}

/** Replaces the object ids of accounts by `<id of upn>` (they differ from run to run). */
export async function stableIds(t: TestEmulator, text: string): Promise<string> {
  const state = await t.admin.get<{ users: { id: string; userPrincipalName: string }[] }>("/state");
  let out = text;
  for (const u of state.users) out = out.split(u.id).join(`<id of ${u.userPrincipalName}>`);
  return out;
}

/** A saved preview small enough to keep as a fixture: the serialized provider and stack traces elided. */
export function trimPreview(json: string): string {
  const doc = JSON.parse(json) as { steps?: Record<string, unknown>[] };
  const trim = (state: unknown): void => {
    if (!state || typeof state !== "object") return;
    const s = state as Record<string, Record<string, unknown> | unknown>;
    for (const key of ["inputs", "outputs"]) {
      const v = s[key] as Record<string, unknown> | undefined;
      if (v && "__provider" in v) v.__provider = "(serialized dynamic provider, elided)";
    }
    delete s.stackTrace;
    delete s.sourcePosition;
    delete s.propertyDependencies;
  };
  for (const step of doc.steps ?? []) {
    trim(step.oldState);
    trim(step.newState);
  }
  return JSON.stringify(doc, null, 1) + "\n";
}
