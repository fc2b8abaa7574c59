/** Reading the engine's preview: both forms, and a clear error for what is not a preview. */
import * as fs from "fs";
import * as path from "path";

import { fromEngineEvents, fromPreviewJson, PreviewFormatError } from "../../scripts/plan/preview";

const saved = fs.readFileSync(path.join(__dirname, "..", "fixtures", "plan", "swap.preview.json"), "utf8");

describe("the engine's preview", () => {
  test("pulumi preview --json: steps with their states, the stack config, no failure", () => {
    const p = fromPreviewJson(saved);
    expect(p.failed).toBe(false);
    expect(p.config["teams-bot-numbers:bots"]).toContain("alpha-bot");
    const update = p.steps.find((s) => s.op === "update" && s.name === "alpha-bot-number")!;
    expect(update.type).toBe("pulumi-nodejs:dynamic/teams:BotPhoneNumber");
    expect([update.old?.inputs.phoneNumber, update.new?.inputs.phoneNumber]).toEqual(["+14255550100", "+14255550101"]);
    expect(update.new?.parent).toMatch(/teams:index:Bot::alpha-bot$/);
  });

  test("Automation API events give the same steps", () => {
    const json = JSON.parse(saved) as {
      steps: { op: string; urn: string; oldState?: unknown; newState?: unknown }[];
      config: Record<string, string>;
    };
    const events = [
      { sequence: 0, timestamp: 0, preludeEvent: { config: json.config } },
      ...json.steps.map((s, i) => ({
        sequence: i + 1,
        timestamp: 0,
        resourcePreEvent: {
          metadata: { op: s.op, urn: s.urn, type: "", old: s.oldState, new: s.newState, provider: "" },
        },
      })),
    ];
    const fromEvents = fromEngineEvents(events as never);
    const fromJson = fromPreviewJson(saved);
    expect(fromEvents.steps).toEqual(fromJson.steps);
    expect(fromEvents.config).toEqual(fromJson.config);
  });

  test.each([
    ["", /is empty: save the output of `pulumi preview --json/],
    ["Previewing update (prod):", /is not JSON .*pass the stdout of `pulumi preview --json`, not its display/],
    ['{"resources": []}', /is JSON but not a preview: expected "steps" and "diagnostics"/],
  ])("not a preview (%j): a clear error", (text, message) => {
    expect(() => fromPreviewJson(text, "preview.json")).toThrow(PreviewFormatError);
    expect(() => fromPreviewJson(text, "preview.json")).toThrow(message);
  });

  test("a failed preview: its error diagnostics make it failed", () => {
    const p = fromPreviewJson(
      JSON.stringify({ steps: [], diagnostics: [{ severity: "error", message: "preview failed" }], config: {} }),
    );
    expect(p.failed).toBe(true);
  });
});
