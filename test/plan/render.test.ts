/**
 * Printing a plan (pure), on the plan of a saved real preview (test/fixtures/plan): the comment
 * marker first, each flavour's rules, and a plan too long for one comment cut where it hurts least.
 */
import * as fs from "fs";
import * as path from "path";

import { buildPlan, type NumberPlanReport } from "../../scripts/plan/plan";
import { fromPreviewJson } from "../../scripts/plan/preview";
import { commentMarker, renderPlan } from "../../scripts/plan/render";

const saved = fromPreviewJson(
  fs.readFileSync(path.join(__dirname, "..", "fixtures", "plan", "swap.preview.json"), "utf8"),
);

describe("rendering a number plan", () => {
  const plan = buildPlan("prod", saved);

  test("Markdown starts with the marker that finds the comment again; text has none", () => {
    const md = renderPlan(plan, { format: "markdown" });
    expect(md.split("\n")[0]).toBe(commentMarker("prod"));
    expect(md).toContain("### Number plan · stack `prod`");
    expect(renderPlan(plan, { format: "text" })).not.toContain(commentMarker("prod"));
  });

  test("GitHub folds the raw diff and the unchanged bots; Azure DevOps (no HTML in PR comments) prints them as sections", () => {
    const github = renderPlan(plan, { format: "markdown", flavor: "github" });
    expect(github).toContain("<details><summary>Raw diff: the engine's 3 steps</summary>");
    const ado = renderPlan(plan, { format: "markdown", flavor: "azure-devops" });
    expect(ado).not.toMatch(/<\/?details>|<summary>/);
    expect(ado).toContain("#### Raw diff: the engine's 3 steps");
    expect(ado).toContain("Unchanged (2): gamma-bot +14255550102, delta-bot +14255550200");
  });

  test("too long for one comment: the raw diff is cut first, then the unchanged bots; the answers stay", () => {
    // A stack of many bots: the saved plan's rows and steps repeated.
    const many: NumberPlanReport = {
      ...plan,
      bots: Array.from({ length: 300 }, (_, i) => ({ ...plan.bots[i % plan.bots.length]!, name: `bot-${i}` })),
      rawDiff: Array.from(
        { length: 2000 },
        (_, i) => `~ update BotPhoneNumber bot-${i}-number\n    phoneNumber: +1 → +2`,
      ),
    };
    const full = renderPlan(many, { format: "markdown", maxChars: 1_000_000 });
    expect(full.length).toBeGreaterThan(100_000);
    const cut = renderPlan(many, { format: "markdown", maxChars: 60_000 });
    expect(cut.length).toBeLessThanOrEqual(60_000);
    expect(cut).toMatch(/… \d+ more steps not shown \(too long for one comment\): see the job log/);
    expect(cut).toContain("| bot-0 (bots[0]) |"); // the bots stay while the raw diff gives way
    expect(cut).toContain("**Without a number for a moment**");
    const tiny = renderPlan(many, { format: "markdown", maxChars: 20_000 });
    expect(tiny.length).toBeLessThanOrEqual(20_000);
    expect(tiny).toContain("… 150 more unchanged bots not shown");
    expect(tiny).toMatch(/… \d+ more changing bots not shown/);
    expect(tiny).toContain("**Loses its number for good**");
  });
});
