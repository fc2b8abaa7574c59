/**
 * The example pipelines sign in without a stored tenant credential (issue 16): the GitHub jobs that
 * run Pulumi ask for an OIDC token (`id-token: write`) and carry no client secret or certificate;
 * pull-request previews and the drift check use the preview identity, the deploy the deploy identity
 * behind the `production` environment; the Azure DevOps pipeline uses workload-identity service
 * connections, maps System.AccessToken and keeps the deploy connection in a deployment job.
 */
import * as fs from "fs";
import * as path from "path";

const yaml = require("js-yaml") as { load(text: string): unknown };
const examples = path.join(__dirname, "..", "..", "examples");

interface Job {
  environment?: string;
  env?: Record<string, string>;
  steps: Array<{ uses?: string; with?: Record<string, unknown> }>;
}
interface Workflow {
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}
const load = (file: string): Workflow =>
  yaml.load(fs.readFileSync(path.join(examples, "github-actions", file), "utf8")) as Workflow;
const pulumiJob = (w: Workflow): Job =>
  Object.values(w.jobs).find((j) => j.steps.some((s) => s.uses?.startsWith("pulumi/actions@")))!;

describe("example pipelines: credentials", () => {
  test.each(["deploy.yml", "pr-preview.yml", "drift-check.yml"])(
    "%s: id-token: write, no stored tenant or storage credential",
    (file) => {
      const w = load(file);
      expect(w.permissions?.["id-token"]).toBe("write");
      const text = fs.readFileSync(path.join(examples, "github-actions", file), "utf8");
      expect(text).not.toMatch(/AZURE_CLIENT_SECRET|AZURE_CLIENT_CERTIFICATE|AZURE_STORAGE_KEY/);
      // No Azure CLI session (it cannot renew): the state backend reads the job's renewed token file.
      expect(pulumiJob(w).steps.find((s) => s.uses?.startsWith("azure/login@"))).toBeUndefined();
      expect(text).toMatch(/AZURE_FEDERATED_TOKEN_FILE=\$RUNNER_TEMP\/azure-federated-token/);
      // …which the provider would take first: it keeps requesting its own tokens.
      expect(pulumiJob(w).env?.TEAMS_CREDENTIAL).toBe("githubOidc");
    },
  );

  test("the deploy signs in as the deploy identity behind the production environment; previews and the drift check as the preview identity", () => {
    const deploy = pulumiJob(load("deploy.yml"));
    expect(deploy.environment).toBe("production");
    expect(deploy.env?.AZURE_CLIENT_ID).toBe("${{ vars.AZURE_CLIENT_ID }}");
    for (const file of ["pr-preview.yml", "drift-check.yml"]) {
      const job = pulumiJob(load(file));
      expect([file, job.env?.AZURE_CLIENT_ID]).toEqual([file, "${{ vars.AZURE_PREVIEW_CLIENT_ID }}"]);
      expect(job.environment).toBeUndefined();
      const step = job.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
      expect(step.with?.command).toBe("preview");
    }
  });

  test("Azure DevOps: workload-identity service connections per identity, System.AccessToken mapped, deploy in a deployment job", () => {
    const pipeline = fs.readFileSync(path.join(examples, "azure-devops", "azure-pipelines.yml"), "utf8");
    const steps = yaml.load(fs.readFileSync(path.join(examples, "azure-devops", "steps.yml"), "utf8")) as {
      steps: Array<{ task?: string; inputs?: Record<string, string>; env?: Record<string, string> }>;
    };
    const doc = yaml.load(pipeline) as {
      stages: Array<{ stage: string; jobs: Array<Record<string, unknown>> }>;
    };
    const byStage = Object.fromEntries(doc.stages.map((s) => [s.stage, JSON.stringify(s.jobs)]));
    expect(byStage.preview).toContain('"serviceConnection":"teams-bot-numbers-preview"');
    expect(byStage.deploy).toContain('"serviceConnection":"teams-bot-numbers-prod"');
    expect(byStage.deploy).toContain('"deployment":"up"');
    const cli = steps.steps.find((s) => s.task === "AzureCLI@2")!;
    expect(cli.inputs?.azureSubscription).toBe("${{ parameters.serviceConnection }}");
    expect(cli.env?.SYSTEM_ACCESSTOKEN).toBe("$(System.AccessToken)");
    expect(pipeline + JSON.stringify(steps)).not.toMatch(/AZURE_CLIENT_SECRET|AZURE_STORAGE_KEY|servicePrincipalKey/);
  });
});
