/**
 * The plan's calling readiness warning (pure), on a saved real preview (test/fixtures/plan) whose
 * stack config is changed: a bot that declares part of the calling chain is warned about each piece
 * it leaves out, by the field that declares it; a bot that declares none is left alone (a stack that
 * manages numbers only); a bot that declares every piece is not warned.
 */
import * as fs from "fs";
import * as path from "path";

import { buildPlan } from "../../scripts/plan/plan";
import { fromPreviewJson, type EnginePreview, type PreviewStep } from "../../scripts/plan/preview";
import { renderPlan } from "../../scripts/plan/render";

const saved = fromPreviewJson(
  fs.readFileSync(path.join(__dirname, "..", "fixtures", "plan", "swap.preview.json"), "utf8"),
);
const BOTS = "teams-bot-numbers:bots";
const savedBots = JSON.parse(saved.config[BOTS]!) as Record<string, unknown>[];
const AZURE_BOT = {
  callingWebhook: "https://bots.contoso.com/api/calls/",
  messagingEndpoint: "https://bots.contoso.com/api/messages",
};
const AZURE_BOTS = JSON.stringify({
  subscriptionId: "0d9b1c3e-5a7f-4e2b-9c8d-1a2b3c4d5e6f",
  resourceGroupName: "rg-bots",
});

/** The saved preview with extra fields on the bots (by name) and more stack config. */
function withBots(extra: Record<string, Record<string, unknown>>, config: Record<string, string> = {}): EnginePreview {
  const bots = savedBots.map((b) => ({ ...b, ...(extra[b.name as string] ?? {}) }));
  return { ...saved, config: { ...saved.config, ...config, [BOTS]: JSON.stringify(bots) } };
}

const callingWarnings = (p: EnginePreview): string[] =>
  buildPlan("prod", p)
    .warnings.filter((w) => w.kind === "calling")
    .map((w) => w.text);

describe("the number plan's calling readiness warning", () => {
  test("bots that declare nothing of the calling chain are not warned (a numbers-only stack)", () => {
    expect(callingWarnings(saved)).toEqual([]);
    expect(buildPlan("prod", saved).warnings.filter((w) => w.kind === "config")).toEqual([]);
  });

  test("outbound calling without an Azure Bot: the bot is warned, naming azureBot", () => {
    const p = withBots({ "alpha-bot": { outboundCalling: { callingPlan: "MCOPSTN_PAYG_1" } } });
    expect(callingWarnings(p)).toEqual([
      "alpha-bot is not ready for calls as declared: no Azure Bot with Teams calling (azureBot). See docs/calling-readiness.md; `npm run preflight -- --calling` checks the tenant's side.",
    ]);
    // The warning is in what a reviewer reads, Markdown and text.
    for (const format of ["markdown", "text"] as const)
      expect(renderPlan(buildPlan("prod", p), { format })).toContain(
        "alpha-bot is not ready for calls as declared: no Azure Bot with Teams calling (azureBot)",
      );
  });

  test("an Azure Bot without outbound calling: the outbound piece for the bot's number type is named", () => {
    const p = withBots(
      { "beta-bot": { azureBot: AZURE_BOT }, "delta-bot": { azureBot: { ...AZURE_BOT, name: "delta-azure-bot" } } },
      { "teams-bot-numbers:azureBots": AZURE_BOTS },
    );
    expect(callingWarnings(p)).toEqual([
      expect.stringMatching(
        /^beta-bot is not ready for calls as declared: no outbound calls \(outboundCalling\.callingPlan\)\./,
      ),
      expect.stringMatching(
        /^delta-bot is not ready for calls as declared: no outbound calls \(outboundCalling\.voiceRoutingPolicy\)\./,
      ),
    ]);
  });

  test("a bot declaring the whole chain is not warned, and azureBots is read from the preview's config", () => {
    const p = withBots(
      { "alpha-bot": { azureBot: AZURE_BOT, outboundCalling: { callingPlan: "MCOPSTN_PAYG_2" } } },
      { "teams-bot-numbers:azureBots": AZURE_BOTS },
    );
    const plan = buildPlan("prod", p);
    expect(plan.warnings).toEqual([]);
    expect(plan.bots).toHaveLength(4);
  });

  test("a bot switching from a Calling Plan licence to a voice routing policy: both changes in its row, the PAYG seat freed", () => {
    const parent = "urn:pulumi:test::teams-bot-numbers::teams:index:Bot::alpha-bot";
    const step = (op: string, type: string, name: string, inputs: Record<string, unknown>): PreviewStep => {
      const state = { inputs, outputs: inputs, protect: false, parent };
      return {
        op,
        urn: `urn:pulumi:test::teams-bot-numbers::teams:index:Bot$pulumi-nodejs:dynamic/teams:${type}::${name}`,
        type: `pulumi-nodejs:dynamic/teams:${type}`,
        name,
        ...(op === "delete" ? { old: state } : { new: state }),
      };
    };
    // Hand-made steps (pure logic): the engine deletes the licence and creates the assignment.
    const p: EnginePreview = {
      ...withBots({
        "alpha-bot": { numberType: "DirectRouting", outboundCalling: { voiceRoutingPolicy: "US-DirectRouting" } },
      }),
      steps: [
        step("create", "VoiceRoutingPolicyAssignment", "alpha-bot-voice-routing", { policyName: "US-DirectRouting" }),
        step("delete", "CallingPlanLicence", "alpha-bot-calling-plan", { servicePlanName: "MCOPSTN_PAYG_2" }),
      ],
    };
    const plan = buildPlan("prod", p);
    expect(plan.warnings.filter((w) => w.kind === "config")).toEqual([]);
    const alpha = plan.bots.find((b) => b.name === "alpha-bot")!;
    expect(alpha.outbound).toMatchObject({ kind: "voiceRoutingPolicy", op: "create", after: "US-DirectRouting" });
    expect(alpha.outboundGone).toMatchObject({ kind: "callingPlan", op: "delete", before: "MCOPSTN_PAYG_2" });
    expect(alpha.status).toBe("changed");
    expect(plan.seats).toContainEqual(
      expect.objectContaining({ skuPartNumber: "MCOPSTN_PAYG_2", needed: 0, freed: 1 }),
    );
    expect(renderPlan(plan, { format: "markdown" })).toContain(
      "| keep; outbound: − MCOPSTN_PAYG_2 (seat freed); outbound: + policy US-DirectRouting |",
    );
  });
});
