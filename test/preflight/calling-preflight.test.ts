/**
 * The preflight before the first `up` of a stack whose bot calls out on a Calling Plan number: a ⚠
 * that Communications Credits must fund the Pay-As-You-Go calls (nothing can read or declare them),
 * which does not fail the preflight; bots without outboundCalling get none.
 */
import * as fs from "fs";
import * as path from "path";

import { closeTenants } from "../../provider/tenant/index";
import { preflightMain } from "../../scripts/preflight";
import { REPO_ROOT, withEmulator } from "../helpers/emulator";
import { emulatorSettings } from "../helpers/emulator-settings";

const emu = withEmulator({ licenceProvisioningDelayMs: 0 });
jest.setTimeout(180_000);

const yaml = require("js-yaml") as { load(text: string): unknown };
const DEV_BOTS = (
  yaml.load(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> }
).config["teams-bot-numbers:bots"] as Array<Record<string, unknown>>;

async function preflight(bots: Array<Record<string, unknown>>): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  try {
    const config = { ...emulatorSettings(emu()), bots: JSON.stringify(bots) };
    const code = await preflightMain("dev", config, (s) => lines.push(s), {});
    return { code, text: lines.join("\n") };
  } finally {
    await closeTenants();
  }
}

test("a Pay-As-You-Go bot gets the Communications Credits ⚠ with where to fund them; exit 0", async () => {
  const bots = structuredClone(DEV_BOTS);
  bots[0]!.outboundCalling = { callingPlan: "MCOPSTN_PAYG_1" };
  const r = await preflight(bots);
  expect(r.code).toBe(0);
  expect(r.text).toContain(
    [
      "⚠ incident-bot: Communications Credits fund the Pay-As-You-Go calls",
      "    cannot be read or declared here: without funding outbound calls fail (Graph: Balance not found)",
      "    fix: Microsoft 365 admin center → Billing → Purchase services → Communications Credits; set up auto-recharge.",
    ].join("\n"),
  );
  expect(r.text.match(/⚠ .*Communications Credits/g)).toHaveLength(1);
});

test("without outboundCalling.callingPlan there is no such line", async () => {
  const r = await preflight(structuredClone(DEV_BOTS));
  expect(r.code).toBe(0);
  expect(r.text).not.toContain("Communications Credits");
});
