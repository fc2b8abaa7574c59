/** `node dist/scripts/plan.js` as a user runs it: bad arguments and files that are not a preview get a clear error and exit 2. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { REPO_ROOT } from "../../engine/workspace";

const fixture = path.join(REPO_ROOT, "test", "fixtures", "plan", "swap.preview.json");
const run = (args: string[], input?: string): { status: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "dist", "scripts", "plan.js"), ...args], {
    cwd: os.tmpdir(),
    env: { PATH: process.env.PATH! },
    encoding: "utf8",
    input,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe("npm run plan (the command)", () => {
  test.each([
    [[], "--stack <name> is required"],
    [["--stack", "prod", "--format", "html"], '--format must be text or markdown, got "html"'],
    [["--stack", "prod", "--flavor", "gitlab"], '--flavor must be github or azure-devops, got "gitlab"'],
    [["--stack", "prod", "--preview-json"], "--preview-json needs a value"],
    [
      ["--stack", "prod", "--preview-json", fixture, "--backend", "file:///tmp/x"],
      "--backend and --pulumi-home run a preview",
    ],
    [["--stack", "prod", "--max-chars", "10"], "--max-chars must be a whole number of 2000 or more"],
    [["--stack", "pr od"], '--stack "pr od" is not a stack name'],
  ])("%j: exit 2, %s", (args, message) => {
    const r = run(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`plan: ${message}`);
    expect(r.stderr).toContain("usage: npm run plan -- --stack <name>");
    expect(r.stdout).toBe("");
  });

  test("a file that is not a preview (the display instead of the JSON): exit 2 naming the file and the fix", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tbn-plan-")), "preview.txt");
    fs.writeFileSync(file, "Previewing update (prod):\n  ~ teams:BotPhoneNumber alpha-bot-number update\n");
    const r = run(["--stack", "prod", "--preview-json", file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`plan: ${file} is not JSON`);
    expect(r.stderr).toContain("pass the stdout of `pulumi preview --json`, not its display");
    const missing = run(["--stack", "prod", "--preview-json", `${file}.nope`]);
    expect([missing.status, missing.stderr]).toEqual([2, expect.stringContaining("ENOENT")]);
  });

  test("a saved preview from stdin: the text plan, exit 0", () => {
    const r = run(["--stack", "prod", "--preview-json", "-", "--no-tenant"], fs.readFileSync(fixture, "utf8"));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Number plan · stack prod");
    expect(r.stdout).toContain("Group 1 · swap (cycle): alpha-bot ⇄ beta-bot");
  });
});
