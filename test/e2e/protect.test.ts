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
import { stackConfigFor, startTestEmulator, TestEmulator } from "../helpers/emulator";
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
      env: { AZURE_CLIENT_SECRET: t.clientSecret },
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
      expect(out).toMatch(/cannot be deleted\s+because it is protected/);
      for (const b of BOTS) expect(out).toContain(`${b.name}`);
    }
    // The audit log records every tenant write (Graph and Teams).
    expect((await t.admin.audit()).slice(auditFrom)).toEqual([]);
    expect((await dump()).users.filter((u) => /-bot@contoso\.com$/.test(u.userPrincipalName))).toHaveLength(before);
  });

  test("removing the bots on purpose: protect false, up, then destroy", async () => {
    setMain(stacksMain);
    await h.stack.setConfig("protect", { value: "false" });
    const unprotect = await h.up();
    expect(unprotect.exitCode).toBe(0);
    expect(h.resources().some((x) => (x as { protect?: boolean }).protect)).toBe(false);
    const destroyed = await h.destroy();
    expect(destroyed.exitCode).toBe(0);
    const d = await dump();
    expect(d.users.filter((u) => /^(alpha|beta|gamma)-bot@/.test(u.userPrincipalName))).toEqual([]);
  });
});
