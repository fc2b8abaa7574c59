/**
 * The example pipelines' number-plan steps, run as the runner would run them: the GitHub step's
 * `run:` script and the Azure DevOps step's `bash:` script, taken from the workflow files, on a
 * saved `pulumi preview --json` of a real run (test/fixtures/plan, from test/plan/plan.e2e.test.ts),
 * against a loopback stand-in of the comment APIs. Twice each: the second run updates the comment
 * the first one posted. (actionlint checks the workflow files themselves: workflows.test.ts.)
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { REPO_ROOT } from "../../engine/workspace";
import { commentMarker } from "../../scripts/plan/render";
import { startCommentServer, type CommentServer } from "../helpers/pr-comment-server";

const yaml = require("js-yaml") as { load(text: string): unknown };
const examples = path.join(REPO_ROOT, "examples");
const fixtures = path.join(REPO_ROOT, "test", "fixtures", "plan");
const TOKEN = "ghs_stand-in-token";

interface Step {
  name?: string;
  displayName?: string;
  run?: string;
  bash?: string;
  env?: Record<string, string>;
  if?: string;
  condition?: string;
  inlineScript?: string;
}

/** A workspace as the runner has it after checkout and `npm run build`: dist/ and the saved preview. */
function workspace(preview: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-wf-plan-"));
  fs.symlinkSync(path.join(REPO_ROOT, "dist"), path.join(dir, "dist"));
  fs.copyFileSync(path.join(fixtures, preview), path.join(dir, "preview.json"));
  return dir;
}

/**
 * Runs a script as GitHub's `bash` shell does (`bash --noprofile --norc -eo pipefail`). Asynchronously:
 * the comment stand-in answers from this process.
 */
function bash(
  script: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ status: number | null; out: string }> {
  const file = path.join(cwd, "step.sh");
  fs.writeFileSync(file, script);
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], {
      cwd,
      env: { PATH: process.env.PATH!, HOME: os.tmpdir(), ...env },
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (out += s));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, out }));
  });
}

describe("example pipelines: the number plan step", () => {
  let server: CommentServer;
  beforeAll(async () => {
    server = await startCommentServer(TOKEN);
  });
  afterAll(() => server.close());

  describe("GitHub Actions (pr-preview.yml)", () => {
    const workflow = yaml.load(fs.readFileSync(path.join(examples, "github-actions", "pr-preview.yml"), "utf8")) as {
      permissions: Record<string, string>;
      jobs: Record<string, { steps: Step[] }>;
    };
    const steps = workflow.jobs.preview!.steps;
    const planStep = steps.find((s) => s.name?.startsWith("Number plan"))!;
    const env = (summary: string): Record<string, string> => ({
      GITHUB_API_URL: server.url,
      GITHUB_REPOSITORY: "contoso/bots",
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_TOKEN: TOKEN,
      PR_NUMBER: "31",
    });

    test("the preview step saves the engine's JSON; the plan step runs after it even when it failed, with the token and PR number it needs", () => {
      const preview = steps.find((s) => s.run?.includes("pulumi preview"))!;
      expect(preview.run).toBe("pulumi preview --stack prod --json > preview.json");
      expect(preview.env?.PULUMI_BACKEND_URL).toMatch(/^azblob:\/\//);
      expect(planStep.if).toBe("${{ !cancelled() && steps.preview.outcome != 'skipped' }}");
      expect(planStep.env).toEqual({
        GITHUB_TOKEN: "${{ github.token }}",
        PR_NUMBER: "${{ github.event.pull_request.number }}",
      });
      expect(workflow.permissions["pull-requests"]).toBe("write");
      // pulumi/actions installs the CLI only: its own comment would be a second, rawer one.
      expect(steps.filter((s) => JSON.stringify(s).includes("comment-on-pr"))).toEqual([]);
    });

    test("on a saved preview: posts the plan once, updates it in place on the next push, writes the job summary", async () => {
      const dir = workspace("swap.preview.json");
      const summary = path.join(dir, "summary.md");
      const first = await bash(planStep.run!, dir, env(summary));
      expect([first.status, first.out]).toEqual([0, expect.stringContaining("plan comment created")]);
      // The log has the text plan.
      expect(first.out).toContain("Without a number for a moment: alpha-bot, beta-bot");
      const second = await bash(planStep.run!, dir, env(summary));
      expect([second.status, second.out]).toEqual([0, expect.stringContaining("plan comment updated")]);
      const comments = server.github.get(31)!;
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body.startsWith(commentMarker("prod"))).toBe(true);
      expect(comments[0]!.body).toContain("**Without a number for a moment**: alpha-bot, beta-bot");
      expect(comments[0]!.body).toContain("<details><summary>Raw diff");
      expect(fs.readFileSync(summary, "utf8").split(commentMarker("prod")).length).toBe(3); // appended once per run
    });

    test("on a failed preview (a protected bot removed): the comment says so and the step fails", async () => {
      const dir = workspace("protected.preview.json");
      const r = await bash(planStep.run!, dir, env(path.join(dir, "summary.md")));
      expect(r.status).toBe(1);
      expect(r.out).toContain("plan comment updated");
      const body = server.github.get(31)![0]!.body;
      expect(body).toContain("**The preview FAILED**");
      expect(body).toContain("delta-bot is no longer in teams-bot-numbers:bots");
    });
  });

  describe("Azure Pipelines (steps.yml)", () => {
    const template = yaml.load(fs.readFileSync(path.join(examples, "azure-devops", "steps.yml"), "utf8")) as {
      steps: Array<Step & { task?: string; inputs?: Record<string, string> } & Record<string, unknown>>;
    };
    const inline = template.steps.find((s) => s.task === "AzureCLI@2")!.inputs!.inlineScript!;
    const inserted = template.steps.find((s) =>
      Object.keys(s)[0]?.startsWith("${{ if eq(parameters.command, 'preview') }}"),
    );
    const postStep = (Object.values(inserted ?? {})[0] as Step[] | undefined)?.[0];

    test("the preview renders the plan for Azure DevOps; a preview-only step posts it and uploads the summary", () => {
      expect(inline).toContain('node dist/scripts/plan.js --stack prod --backend "$backend"');
      expect(inline).toContain('--flavor azure-devops --markdown "$(Agent.TempDirectory)/plan.md"');
      expect(postStep?.condition).toBe("not(canceled())");
      expect(postStep?.env).toEqual({ SYSTEM_ACCESSTOKEN: "$(System.AccessToken)" });
    });

    test("on a saved preview: one pull-request thread, updated in place; the summary uploaded", async () => {
      const dir = workspace("swap.preview.json");
      // What the preview step leaves behind (it renders the same way from the engine's events).
      const render = spawnSync(
        process.execPath,
        [
          "dist/scripts/plan.js",
          "--stack",
          "prod",
          "--preview-json",
          "preview.json",
          "--flavor",
          "azure-devops",
          "--markdown",
          path.join(dir, "plan.md"),
        ],
        { cwd: dir, env: { PATH: process.env.PATH! }, encoding: "utf8" },
      );
      expect(render.status).toBe(0);
      // The agent expands macros before it runs the script.
      const script = postStep!
        .bash!.split("$(Agent.TempDirectory)")
        .join(dir)
        .split("$(Build.Reason)")
        .join("PullRequest");
      const env = {
        SYSTEM_ACCESSTOKEN: TOKEN,
        SYSTEM_COLLECTIONURI: `${server.url}/contoso/`,
        SYSTEM_TEAMPROJECTID: "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c",
        BUILD_REPOSITORY_ID: "3411ebc1-d5aa-464f-9615-0b527bc66719",
        SYSTEM_PULLREQUEST_PULLREQUESTID: "40",
      };
      const first = await bash(script, dir, env);
      expect([first.status, first.out]).toEqual([
        0,
        expect.stringContaining(`##vso[task.uploadsummary]${dir}/plan.md`),
      ]);
      expect(first.out).toContain("plan comment created");
      const second = await bash(script, dir, env);
      expect(second.out).toContain("plan comment updated");
      const threads = server.azure.get(40)!;
      expect(threads).toHaveLength(1);
      const body = threads[0]!.comments[0]!.content;
      expect(body).toContain("**Without a number for a moment**: alpha-bot, beta-bot");
      // Azure DevOps pull-request comments take no HTML: no <details> in its flavour.
      expect(body).not.toContain("<details>");
    });
  });
});
