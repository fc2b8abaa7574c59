/**
 * The number plan shows a removed `locationId` as the number's original location coming back (the
 * state's originalLocationId), not as a clear; state from before originals were recorded still reads
 * as a clear. Built on the saved real preview (test/fixtures/plan/swap.preview.json).
 */
import * as fs from "fs";
import * as path from "path";

import { buildPlan } from "../../scripts/plan/plan";
import { fromPreviewJson, type EnginePreview } from "../../scripts/plan/preview";

const DECLARED = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const ORIGINAL = "3b1c5a7e-0a2d-4f6b-9c8e-1d2f3a4b5c61";
const text = fs.readFileSync(path.join(__dirname, "..", "fixtures", "plan", "swap.preview.json"), "utf8");

/** The saved preview, where gamma-bot's state declared a location (and, optionally, recorded an original). */
function declaredBefore(original?: string | null): EnginePreview {
  const preview = fromPreviewJson(text);
  for (const step of preview.steps.filter((s) => s.name === "gamma-bot-number"))
    for (const state of [step.old, step.new]) {
      if (!state) continue;
      Object.assign(state.inputs, { locationId: DECLARED });
      Object.assign(state.outputs, { locationId: DECLARED, tenantLocationId: DECLARED });
      if (original !== undefined) state.outputs.originalLocationId = original;
    }
  return preview;
}

describe("a removed locationId in the number plan", () => {
  const gamma = (p: EnginePreview) => buildPlan("prod", p).bots.find((b) => b.name === "gamma-bot")!;

  test("the original recorded in state comes back", () => {
    const row = gamma(declaredBefore(ORIGINAL));
    expect(row.before).toMatchObject({ locationId: DECLARED, locationFrom: "declared" });
    expect(row.after).toMatchObject({ locationId: ORIGINAL, locationFrom: "tenant" });
  });

  test("none recorded, or state from before originals were recorded: cleared", () => {
    expect(gamma(declaredBefore(null)).after).toMatchObject({ locationId: null, locationFrom: "none" });
    expect(gamma(declaredBefore()).after).toMatchObject({ locationId: null, locationFrom: "none" });
  });
});
