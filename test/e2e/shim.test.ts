/**
 * The serialized provider is a thin shim: state holds the shim (no implementation code, no
 * secret), the engine's provider process loads the implementation at call time, passes it the
 * stack config through `configure`, and provider stderr reaches the `pulumi up` output.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

import { shim } from "../../provider/shim";
import { EngineHarness, tempFile } from "./harness";

const fixtureRoot = path.join(__dirname, "..", "fixtures", "shim-root");

class Probe extends pulumi.dynamic.Resource {
  constructor(name: string, phoneNumber: string) {
    super(shim("botPhoneNumber"), name, { phoneNumber }, {}, "teams", "BotPhoneNumber");
  }
}

describe("provider shim under the real engine", () => {
  const journal = tempFile("journal.log");
  const secret = "shim-test-secret-value-3141";
  let h: EngineHarness;

  beforeAll(async () => {
    h = await EngineHarness.create({
      name: "shim",
      program: async () => {
        new Probe("probe", "+14255550100");
      },
      env: { JOURNAL_FILE: journal, TEAMS_BOT_NUMBERS_ROOT: fixtureRoot },
      config: {
        tenantId: { value: "11111111-2222-3333-4444-555555555555" },
        clientSecret: { value: secret, secret: true },
      },
    });
  });
  afterAll(() => h?.dispose());

  test("create loads the implementation at call time and configures it from stack config", async () => {
    const r = await h.up();
    expect(r.exitCode).toBe(0);
    expect(fs.readFileSync(journal, "utf8")).toContain(
      "create +14255550100 configured=11111111-2222-3333-4444-555555555555",
    );
    // The engine forwards a dynamic provider's stderr to its own stderr (diag Infoerr, no URN),
    // so progress lines reach pipeline logs; pulumi.log calls from a provider do not.
    expect(r.stderr).toContain("[teams] fixture: waiting for something (1/3)");
  });

  test("state holds the shim only: no implementation code, no secret", () => {
    const state = h.stateText();
    const probe = h.resources().find((r) => r.type === "pulumi-nodejs:dynamic/teams:BotPhoneNumber")!;
    const serialized = String(probe.inputs?.__provider);
    expect(serialized).toContain("botPhoneNumber");
    expect(serialized).not.toContain("appendFileSync"); // the fixture implementation's code
    expect(serialized.length).toBeLessThan(20000);
    expect(state).not.toContain(secret);
    // Pulumi records the project's stack config as the default dynamic provider's inputs: the
    // secret is there, encrypted by the stack's secrets provider (docs/security-model.md).
    const provider = h.resources().find((r) => r.type === "pulumi:providers:pulumi-nodejs")!;
    expect(provider.inputs?.["teams-bot-numbers:clientSecret"]).toEqual({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      ciphertext: expect.stringMatching(/^v1:/),
    });
  });

  test("destroy uses the provider from state", async () => {
    const r = await h.destroy();
    expect(r.exitCode).toBe(0);
    expect(fs.readFileSync(journal, "utf8")).toContain("delete fixture-1");
  });
});
