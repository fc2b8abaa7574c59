/** The example drift workflow runs the unmanaged check beside `preview --refresh --expect-no-changes`. */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

test("drift-check.yml runs `export --check` after the drift preview, even when the preview failed", () => {
  const file = path.join(__dirname, "..", "..", "examples", "github-actions", "drift-check.yml");
  const workflow = parse(fs.readFileSync(file, "utf8")) as {
    jobs: { drift: { steps: { name?: string; uses?: string; run?: string; if?: string }[] } };
  };
  const steps = workflow.jobs.drift.steps;
  const preview = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions"));
  const check = steps.findIndex((s) => s.run === "node dist/scripts/export.js --stack prod --check");
  expect(preview).toBeGreaterThanOrEqual(0);
  expect(check).toBeGreaterThan(preview);
  expect(steps[check]!.if).toBe("${{ !cancelled() }}");
});
