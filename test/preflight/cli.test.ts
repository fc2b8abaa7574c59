/**
 * The preflight as users run it: `node dist/scripts/preflight.js --stack dev`, reading the stack's
 * Pulumi.<stack>.yaml through the Automation API (copies of the shipped Pulumi.yaml and
 * Pulumi.dev.yaml, re-pointed at a test emulator), the secret from the environment as the demo does.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";

import { LOCAL_DIR } from "../../engine/workspace";
import { REPO_ROOT, withEmulator } from "../helpers/emulator";
import { secretEnv } from "../helpers/emulator-settings";

const emu = withEmulator({ licenceProvisioningDelayMs: 0 });
jest.setTimeout(180_000);

/** Runs the CLI asynchronously: the emulator lives in this process and must keep answering. */
async function preflightCli(devYaml: (text: string) => string): Promise<{ code: number | null; out: string }> {
  const t = emu();
  fs.mkdirSync(LOCAL_DIR, { recursive: true });
  const dir = fs.mkdtempSync(path.join(LOCAL_DIR, "preflight-cli-"));
  const work = path.join(dir, "work");
  fs.mkdirSync(work);
  fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(work, "Pulumi.yaml"));
  const dev = fs
    .readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")
    .replaceAll("https://localhost:8443", t.url);
  fs.writeFileSync(path.join(work, "Pulumi.dev.yaml"), devYaml(dev));
  try {
    return await new Promise((resolve) => {
      execFile(
        process.execPath,
        [
          path.join(REPO_ROOT, "dist", "scripts", "preflight.js"),
          "--stack",
          "dev",
          "--work-dir",
          work,
          "--backend-dir",
          path.join(dir, "backend"),
          "--pulumi-home",
          path.join(dir, "home"),
        ],
        {
          cwd: REPO_ROOT,
          encoding: "utf8",
          env: { ...process.env, ...secretEnv(t) },
          timeout: 170_000,
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
      );
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("preflight CLI on the dev stack's Pulumi.dev.yaml", () => {
  test("all ✓: exit 0", async () => {
    const r = await preflightCli((y) => y);
    expect(r.out).toContain('teams-bot-numbers preflight for stack "dev"');
    expect(r.out).not.toMatch(/^✗/m);
    expect(r.out).toContain("All checks passed.");
    expect(r.code).toBe(0);
  });

  test("a ✗ (a Calling Plan number the tenant lacks): exit 1 with the fix", async () => {
    const r = await preflightCli((y) => y.replace('"+1 425 555 0100"', '"+1 425 555 0199"'));
    expect(r.out).toMatch(/^✗ incident-bot: \+14255550199 \(CallingPlan\)$/m);
    expect(r.out).toContain("fix: Acquire or port the number");
    expect(r.code).toBe(1);
  });
});
