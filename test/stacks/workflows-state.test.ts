/**
 * The example pipelines keep state in Azure Blob Storage and never run two updates of one stack at
 * once: every job that runs Pulumi logs in to azblob://, deploys and the drift check sit in the
 * stack's concurrency group, previews (which take no lock) stay out of it, and nothing cancels a
 * running Pulumi command (an update's lock would stay behind).
 */
import * as fs from "fs";
import * as path from "path";

// js-yaml (a dev dependency, untyped) as test/stacks/config.test.ts uses it.
const yaml = require("js-yaml") as { load(text: string): unknown };
const workflowsDir = path.join(__dirname, "..", "..", "examples", "github-actions");

interface Concurrency {
  group: string;
  "cancel-in-progress"?: boolean;
}
interface Job {
  concurrency?: Concurrency;
  env?: Record<string, string>;
  steps: Array<{ uses?: string; with?: Record<string, unknown>; env?: Record<string, string> }>;
}
interface Workflow {
  concurrency?: Concurrency;
  jobs: Record<string, Job>;
}

const workflows = fs
  .readdirSync(workflowsDir)
  .filter((f) => f.endsWith(".yml"))
  .map((f) => [f, yaml.load(fs.readFileSync(path.join(workflowsDir, f), "utf8")) as Workflow] as const);

/** The jobs that run the Pulumi action. */
const pulumiJobs = (w: Workflow): Array<[string, Job]> =>
  Object.entries(w.jobs).filter(([, j]) => j.steps.some((s) => s.uses?.startsWith("pulumi/actions@")));

/**
 * Workflows that deploy no shared stack: the acceptance run (`npm run test:tenant`) makes a
 * throwaway stack with its own temporary state and destroys it before it ends.
 */
const STATELESS = ["acceptance.yml"];
const stateful = workflows.filter(([name]) => !STATELESS.includes(name));

describe("example pipelines: state backend and concurrency", () => {
  test("every workflow but the stateless ones runs Pulumi with shared state", () => {
    expect(workflows.filter(([, w]) => pulumiJobs(w).length === 0).map(([name]) => name)).toEqual(STATELESS);
  });

  test.each(stateful)("%s: logs in to azblob:// with the storage account and a passphrase", (_name, w) => {
    const jobs = pulumiJobs(w);
    expect(jobs.length).toBeGreaterThan(0);
    for (const [, job] of jobs) {
      // pulumi/actions logs in (cloud-url), or a step runs the CLI itself with PULUMI_BACKEND_URL.
      const backends = job.steps.flatMap((s) => [s.with?.["cloud-url"], s.env?.PULUMI_BACKEND_URL].filter(Boolean));
      expect(backends.length).toBeGreaterThan(0);
      for (const b of backends) expect(String(b)).toMatch(/^azblob:\/\//);
      expect(Object.keys(job.env ?? {})).toEqual(
        expect.arrayContaining(["AZURE_STORAGE_ACCOUNT", "PULUMI_CONFIG_PASSPHRASE"]),
      );
      expect(job.env).not.toHaveProperty("PULUMI_ACCESS_TOKEN");
    }
  });

  test("deploy and drift check: one run at a time per stack (group pulumi-prod), never cancelled mid-run", () => {
    for (const [name, w] of workflows.filter(([n]) => n !== "pr-preview.yml"))
      for (const [job, j] of pulumiJobs(w))
        expect([name, job, j.concurrency]).toEqual([name, job, { group: "pulumi-prod", "cancel-in-progress": false }]);
  });

  test("PR preview: one per pull request, outside the stack's group (previews take no lock)", () => {
    const w = new Map(workflows).get("pr-preview.yml")!;
    expect(w.concurrency).toEqual({
      group: "bot-numbers-preview-${{ github.event.pull_request.number }}",
      "cancel-in-progress": false,
    });
    for (const [, j] of pulumiJobs(w)) expect(j.concurrency?.group).not.toBe("pulumi-prod");
  });

  test.each(workflows)("%s: nothing cancels a running Pulumi command", (_name, w) => {
    const all = [w.concurrency, ...Object.values(w.jobs).map((j) => j.concurrency)];
    expect(all.filter((c) => c?.["cancel-in-progress"] === true)).toEqual([]);
  });
});
