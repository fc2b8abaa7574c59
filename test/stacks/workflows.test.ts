/** The pipeline workflows users copy are valid GitHub Actions (actionlint, built from the Go proxy). */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

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

  test("PR preview comments its number plan, deploy runs up, drift check expects no changes", () => {
    const text = (name: string): string => fs.readFileSync(path.join(workflowsDir, name), "utf8");
    expect(text("pr-preview.yml")).toMatch(/plan-comment\.js github --stack prod/);
    expect(text("deploy.yml")).toMatch(/command: up/);
    expect(text("drift-check.yml")).toMatch(/refresh: true[\s\S]*expect-no-changes: true/);
    expect(files).toHaveLength(4);
    expect(text("acceptance.yml")).toMatch(/workflow_dispatch[\s\S]*npm run test:tenant/);
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
