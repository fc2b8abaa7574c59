/**
 * A program that declares nothing cannot delete protected bots (issue 20), on the real engine through
 * Pulumi.yaml's `main` against the emulator: a stack with three bots and `protect` on (the default),
 * then `main` pointed at a program that declares nothing (what Pulumi ran before the entry-point fix:
 * the package's library exports) → preview and up fail naming the protected resources, no tenant
 * write; the documented way (docs/removing-bots.md) to remove bots on purpose (protect: false, up, then destroy) works.
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";

import { REPO_ROOT } from "../../engine/workspace";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";
import { secretEnv, stackConfigFor } from "../helpers/emulator-settings";
import { EngineHarness } from "./harness";

interface TenantDump {
  users: Array<{ id: string; userPrincipalName: string }>;
  numbers: Array<{ telephoneNumber: string; assignmentTargetId: string | null }>;
}

const BOTS = [
  ["alpha", "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10", "+14255550100", "CallingPlan"],
  ["beta", "8b2e4c6a-1d3f-4a5b-8c7d-9e0f1a2b3c20", "+14255550200", "DirectRouting"],
  ["gamma", "1f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e30", "+14255550300", "OperatorConnect"],
].map(([name, appId, phoneNumber, numberType]) => ({
  name: `${name}-bot`,
  userPrincipalName: `${name}-bot@contoso.com`,
  displayName: `${name} bot`,
  appId,
  usageLocation: "US",
  phoneNumber,
  numberType,
}));

describe("protected bots (real engine, Pulumi.yaml main)", () => {
  let t: TestEmulator;
  let h: EngineHarness;
  let projectFile: string;
  let stacksMain: string;

  const dump = (): Promise<TenantDump> => t.admin.get<TenantDump>("/state");
  const setMain = (main: string): void => {
    const doc = parseDocument(fs.readFileSync(projectFile, "utf8"));
    doc.set("main", main);
    fs.writeFileSync(projectFile, doc.toString());
  };

  beforeAll(async () => {
    t = await startTestEmulator();
    h = await EngineHarness.create({
      name: "protect",
      env: secretEnv(t),
      config: {
        ...stackConfigFor(t),
        bots: { value: JSON.stringify(BOTS) },
        // What every stack but the dev stack gets when it says nothing.
        protect: { value: "true" },
      },
    });
    projectFile = path.join(h.dir, "work", "Pulumi.yaml");
    stacksMain = String(parseDocument(fs.readFileSync(projectFile, "utf8")).get("main"));
  });
  afterAll(async () => {
    await h?.dispose();
    await t?.stop();
  });

  test("up: every resource of the three bots is protected in the state", async () => {
    const r = await h.up();
    expect(r.exitCode).toBe(0);
    const bots = h
      .resources()
      .filter((x) => x.type.startsWith("pulumi-nodejs:dynamic/teams:") || x.type === "teams:index:Bot");
    const botResources = bots.filter((x) => !x.type.endsWith("NumberPlan"));
    expect(botResources).toHaveLength(12); // 3 × (component, account, licence, number)
    expect(botResources.every((x) => (x as { protect?: boolean }).protect === true)).toBe(true);
  });

  test("a program that declares nothing: preview and up fail naming the protected resources, no tenant write", async () => {
    const before = (await dump()).users.filter((u) => /-bot@contoso\.com$/.test(u.userPrincipalName)).length;
    // The package's library exports as the program: what `main: node_modules/teams-bot-numbers/dist/stacks/`
    // ran before the entry-point fix. It declares no resource.
    const nothing = path.join(h.dir, "work", "declares-nothing.js");
    fs.writeFileSync(
      nothing,
      `module.exports = require(${JSON.stringify(path.join(REPO_ROOT, "dist", "provider"))});\n`,
    );
    setMain(nothing);
    const auditFrom = (await t.admin.audit()).length;

    const preview = await h.preview();
    expect(preview.exitCode).not.toBe(0);
    const up = await h.up();
    expect(up.exitCode).not.toBe(0);
    for (const r of [preview, up]) {
      const out = r.stdout + r.stderr;
      for (const b of BOTS)
        expect(out).toMatch(
          new RegExp(`BotPhoneNumber::${b.name}-number" cannot be deleted\\s+because it is protected`),
        );
    }
    // The audit log records every tenant write (Graph and Teams).
    expect((await t.admin.audit()).slice(auditFrom)).toEqual([]);
    expect((await dump()).users.filter((u) => /-bot@contoso\.com$/.test(u.userPrincipalName))).toHaveLength(before);
  });

  test("a removed bot keeps its number while protected: a new bot wanting it is refused, even in an up without preview", async () => {
    setMain(stacksMain);
    const [alpha, beta, gamma] = BOTS;
    const delta = {
      ...alpha,
      name: "delta-bot",
      userPrincipalName: "delta-bot@contoso.com",
      displayName: "delta bot",
      appId: "2a8f7e6d-5c4b-4a39-8d1e-0f9a8b7c6d40",
    };
    await h.stack.setConfig("bots", { value: JSON.stringify([beta, gamma, delta]) });
    const holder = async (): Promise<string | undefined> => {
      const d = await dump();
      const id = d.numbers.find((n) => n.telephoneNumber === alpha!.phoneNumber)?.assignmentTargetId;
      return d.users.find((u) => u.id === id)?.userPrincipalName;
    };
    // The Automation API's up is `pulumi up --yes --skip-preview`, as the example pipelines run it:
    // Pulumi refuses a protected delete only when the deletes run, after every create and update.
    const r = await h.up();
    expect(r.exitCode).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain(
      `${alpha!.phoneNumber} is assigned to alpha-bot@contoso.com (alpha bot), a bot this stack no longer declares but still protects, so it keeps its number`,
    );
    expect(await holder()).toBe("alpha-bot@contoso.com");
    // Delta's account was created (and protected) before the refusal: it stays declared, without a number.
    const { phoneNumber: _n, numberType: _t, ...deltaWithoutNumber } = delta;
    await h.stack.setConfig("bots", { value: JSON.stringify([...BOTS, deltaWithoutNumber]) });
  });

  test("removing the bots on purpose: protect false, up, then destroy", async () => {
    setMain(stacksMain);
    await h.stack.setConfig("protect", { value: "false" });
    const unprotect = await h.up();
    if (unprotect.exitCode !== 0) console.log(unprotect.stdout, unprotect.stderr);
    expect(unprotect.exitCode).toBe(0);
    expect(h.resources().some((x) => (x as { protect?: boolean }).protect)).toBe(false);
    const destroyed = await h.destroy();
    expect(destroyed.exitCode).toBe(0);
    const d = await dump();
    expect(d.users.filter((u) => /^(alpha|beta|gamma|delta)-bot@/.test(u.userPrincipalName))).toEqual([]);
  });
});
