/** The pipeline workflows users copy are valid GitHub Actions (actionlint, built from the Go proxy). */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// js-yaml comes with @pulumi/pulumi (no types here).
const yaml = require("js-yaml") as { load(text: string): unknown };

const ACTIONLINT = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12";
const toolsDir = path.join(
  process.env.TBN_ENGINE_HOME ?? path.join(os.homedir(), ".cache", "teams-bot-numbers"),
  "tools",
);
const workflowsDir = path.join(__dirname, "..", "..", "examples", "github-actions");

function actionlint(): string {
  const bin = path.join(toolsDir, "actionlint");
  if (!fs.existsSync(bin))
    execFileSync("go", ["install", ACTIONLINT], { env: { ...process.env, GOBIN: toolsDir }, stdio: "inherit" });
  return bin;
}

const lint = (files: string[]): { status: number | null; out: string } => {
  const r = spawnSync(actionlint(), ["-shellcheck=", "-no-color", ...files], { encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
};

describe("example pipeline workflows", () => {
  const files = fs
    .readdirSync(workflowsDir)
    .filter((f) => f.endsWith(".yml"))
    .map((f) => path.join(workflowsDir, f));

  test("PR preview comments, deploy runs up, drift check expects no changes", () => {
    const text = (name: string): string => fs.readFileSync(path.join(workflowsDir, name), "utf8");
    expect(text("pr-preview.yml")).toMatch(/comment-on-pr: true/);
    expect(text("deploy.yml")).toMatch(/command: up/);
    expect(text("drift-check.yml")).toMatch(/refresh: true[\s\S]*expect-no-changes: true/);
    expect(files).toHaveLength(4);
    expect(text("acceptance.yml")).toMatch(/workflow_dispatch[\s\S]*npm run test:tenant/);
  });

  // Issue 22: a sign-in made early goes stale (AADSTS700024 at the first state read after slow installs)
  // and cannot renew in long runs; the token file is started right before the engine and kept fresh.
  test("the state backend signs in through a renewed token file started right before pulumi, no azure/login", () => {
    type Step = { uses?: string; run?: string; name?: string };
    for (const file of files.filter((f) => !f.endsWith("acceptance.yml"))) {
      const wf = yaml.load(fs.readFileSync(file, "utf8")) as { jobs: Record<string, { steps: Step[] }> };
      const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
      const where = (match: (s: Step) => boolean): number => steps.findIndex(match);
      const pulumi = where((s) => (s.uses ?? "").startsWith("pulumi/actions"));
      const token = where((s) => /dist\/scripts\/token-file\.js/.test(s.run ?? ""));
      const install = where((s) => /Install-Module MicrosoftTeams/.test(s.run ?? ""));
      expect({ file: path.basename(file), token: token === pulumi - 1, afterInstall: token > install }).toEqual({
        file: path.basename(file),
        token: true,
        afterInstall: true,
      });
      expect(steps[token]!.run).toContain("AZURE_FEDERATED_TOKEN_FILE=");
      expect(steps.some((s) => (s.uses ?? "").startsWith("azure/login"))).toBe(false);
    }
    const ado = fs.readFileSync(path.join(workflowsDir, "..", "azure-devops", "steps.yml"), "utf8");
    expect(ado.indexOf("token-file.js")).toBeGreaterThan(0);
    expect(ado.indexOf("token-file.js")).toBeLessThan(ado.indexOf("dist/scripts/stack.js"));
    expect(fs.readFileSync(path.join(workflowsDir, "..", "azure-devops", "azure-pipelines.yml"), "utf8")).toMatch(
      /Branch control/,
    );
  });

  test("actionlint accepts every workflow", () => {
    const r = lint(files);
    expect(r.out).toBe("");
    expect(r.status).toBe(0);
  });

  test("actionlint rejects a broken workflow (the check can fail)", () => {
    const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tbn-wf-")), "broken.yml");
    fs.writeFileSync(
      broken,
      fs
        .readFileSync(files[0], "utf8")
        .replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout-minutes: soon"),
    );
    const r = lint([broken]);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("timeout-minutes");
  });
});
