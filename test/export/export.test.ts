/**
 * `npm run export` against the brownfield tenant (real msal-node + Graph client over HTTPS, the
 * execa-spawned PowerShell stand-in): what it writes, how it merges into a stack file with comments
 * and other keys, how few requests it makes, `--check` before and after a change in the tenant,
 * and bad input refused before any tenant call.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import execa from "execa";
import { parse } from "yaml";

import type { Stats } from "../../emulator/context";
import { brownfieldAccounts, brownfieldFixture } from "../../scripts/export/brownfield-fixture";
import { REPO_ROOT, withEmulator } from "../helpers/emulator";
import { secretEnv } from "../helpers/emulator-settings";
import { newResourceAccount } from "../helpers/tenant-clients";
import { exportWith, writeStackFile } from "./helpers";

const ACCOUNTS = 40;
const PASCAL: Record<string, string> = {
  callingPlan: "CallingPlan",
  directRouting: "DirectRouting",
  operatorConnect: "OperatorConnect",
};

describe("npm run export against the brownfield tenant", () => {
  const emulator = withEmulator(undefined, { fixture: brownfieldFixture(ACCOUNTS) });
  const accounts = brownfieldAccounts(ACCOUNTS);
  const dirs: string[] = [];
  const tempDir = (): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-export-"));
    dirs.push(d);
    return d;
  };
  const stats = (): Promise<Stats> => emulator().admin.get<Stats>("/stats");
  /** The real command line (async: the emulator answers from this process). */
  const cli = async (
    args: string[],
    env: NodeJS.ProcessEnv,
  ): Promise<{ status: number; stdout: string; stderr: string }> => {
    const r = await execa(process.execPath, [path.join(REPO_ROOT, "dist", "scripts", "export.js"), ...args], {
      env,
      extendEnv: false,
      reject: false,
    });
    return { status: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  };
  const botsIn = (text: string): Record<string, unknown>[] =>
    ((parse(text) as { config: Record<string, unknown> }).config["teams-bot-numbers:bots"] ?? []) as Record<
      string,
      unknown
    >[];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  test("export: every expressible account becomes a bot with adopt: true; the rest is a comment saying what to decide", async () => {
    const t = emulator();
    const dir = tempDir();
    const file = writeStackFile(t, dir, "brown");
    const r = await exportWith(t, ["--stack", "brown", "--work-dir", dir]);
    expect(r.exitCode).toBe(0);
    const text = fs.readFileSync(file, "utf8");
    const bots = botsIn(text);

    const expressible = accounts.filter((a) =>
      ["callingPlan", "directRouting", "operatorConnect", "noNumber"].includes(a.kind),
    );
    expect(bots).toHaveLength(expressible.length);
    for (const a of expressible) {
      const bot = bots.find((b) => b.userPrincipalName === a.userPrincipalName.toLowerCase());
      expect(bot).toEqual({
        name: expect.stringMatching(/^[a-z][a-z0-9-]{0,39}$/),
        userPrincipalName: a.userPrincipalName.toLowerCase(),
        displayName: a.displayName,
        appId: a.applicationId,
        usageLocation: a.usageLocation,
        ...(a.phoneNumber ? { phoneNumber: a.phoneNumber, numberType: PASCAL[a.numberType!] } : {}),
        ...(a.locationId ? { locationId: a.locationId } : {}),
        adopt: true,
      });
    }
    // Same local part twice, and one starting with a digit.
    expect(bots.find((b) => b.userPrincipalName === "sales.line@contoso.com")?.name).toBe("sales-line");
    expect(bots.find((b) => b.userPrincipalName === "sales_line@contoso.onmicrosoft.com")?.name).toBe("sales-line-2");
    expect(bots.find((b) => b.userPrincipalName === "1800-support@contoso.onmicrosoft.com")?.name).toBe(
      "bot-1800-support",
    );

    // Never dropped silently: each account needing a decision is a comment with its reason and its entry.
    for (const a of accounts.filter((x) =>
      ["noLicence", "numberNoLicence", "otherLicence", "noUsageLocation"].includes(x.kind),
    )) {
      expect(text).toContain(`# needs a decision: ${a.userPrincipalName} (object id ${a.objectId})`);
      expect(text).toContain(`#   userPrincipalName: ${a.userPrincipalName}`);
    }
    expect(text).toMatch(/# {3}- no licence: `pulumi up` would assign PHONESYSTEM_VIRTUALUSER/);
    expect(text).toMatch(/# {3}- licence SPE_E5 other than PHONESYSTEM_VIRTUALUSER/);
    expect(text).toMatch(/# {3}phoneNumber: "\+14255570002"/); // the number without a licence is kept in the draft

    // Voice apps (3 auto attendants with the default fixture's, 2 call queues) are listed in the summary.
    expect(r.plan!.skipped.map((s) => s.reason.split(" (")[0])).toEqual([
      "auto attendant account",
      "auto attendant account",
      "call queue account",
      "call queue account",
      "auto attendant account",
    ]);
    expect(r.stderr).toContain("export summary");
    expect(r.stderr).toMatch(/exported \(adopt: true\)\s+32/);
    expect(r.stderr).toMatch(/needs a decision \(written as a comment\)\s+4/);
    expect(r.stderr).toMatch(/skipped: auto attendant account\s+3/);
    expect(r.stderr).toMatch(/skipped\s+cq-helpdesk-2@contoso.com\s+call queue account/);
    expect(r.stderr).toContain("listing resource accounts");
  });

  test("reads are batched: one instance listing, users in $batch requests, the inventory and the SKUs once, no write", async () => {
    const t = emulator();
    const dir = tempDir();
    writeStackFile(t, dir, "count");
    const before = await stats();
    const auditBefore = (await t.admin.get<{ entries: unknown[] }>("/audit")).entries.length;
    const r = await exportWith(t, ["--stack", "count", "--work-dir", dir]);
    expect(r.exitCode).toBe(0);
    const after = await stats();
    const instances = r.snapshot!.instances.length;
    expect(after.cmdletCalls - before.cmdletCalls).toBe(1);
    expect(after.httpRequests.connect - before.httpRequests.connect).toBe(1);
    // Inner reads: one per user, one /subscribedSkus, one inventory page (45 numbers < 500) ...
    expect(after.readCount.graph - before.readCount.graph).toBe(instances + 2);
    // ... in ⌈41 / 20⌉ = 3 $batch requests for the users, plus at most 2 (SKUs and inventory, alone or batched).
    expect(after.httpRequests.graphBatch - before.httpRequests.graphBatch).toBeGreaterThanOrEqual(
      Math.ceil(instances / 20),
    );
    expect(after.httpRequests.graph - before.httpRequests.graph).toBeLessThanOrEqual(Math.ceil(instances / 20) + 2);
    expect(after.writeCount.graph - before.writeCount.graph).toBe(0);
    expect(after.writeCount.teams - before.writeCount.teams).toBe(0);
    expect((await t.admin.get<{ entries: unknown[] }>("/audit")).entries.length).toBe(auditBefore);
  });

  test("merge: existing keys, comments and declared bots stay as they are; a second export changes nothing", async () => {
    const t = emulator();
    const dir = tempDir();
    const declared = accounts.find((a) => a.kind === "callingPlan")!;
    const file = writeStackFile(
      t,
      dir,
      "merge",
      [
        "  # Numbers go through Graph (the default); keep this comment.",
        "  teams-bot-numbers:numberAssignment: graph # trailing comment",
        "  aws:region: eu-west-1",
        "  teams-bot-numbers:bots:",
        "    # hand-written, already managed",
        `    - name: my-own-name`,
        `      userPrincipalName: ${declared.userPrincipalName}`,
        `      displayName: ${declared.displayName}`,
        `      appId: ${declared.applicationId}`,
        "      usageLocation: US",
        `      phoneNumber: "${declared.phoneNumber}" # the main line`,
        "      numberType: CallingPlan",
        "# a comment at the end of the file",
        "encryptionsalt: v1:abc:def",
      ].join("\n"),
    );
    const original = fs.readFileSync(file, "utf8");
    const r = await exportWith(t, ["--stack", "merge", "--work-dir", dir]);
    expect(r.exitCode).toBe(0);
    const merged = fs.readFileSync(file, "utf8");
    // Everything that was there is still there, in order, comments included.
    for (const line of original.split("\n").filter((l) => l.trim() !== ""))
      expect(merged).toContain(line.trim().replace(/ {2,}#/, " #"));
    const parsed = parse(merged) as { config: Record<string, unknown>; encryptionsalt: string };
    expect(parsed.encryptionsalt).toBe("v1:abc:def");
    expect(parsed.config["aws:region"]).toBe("eu-west-1");
    expect(parsed.config["teams-bot-numbers:numberAssignment"]).toBe("graph");
    const bots = botsIn(merged);
    expect(bots[0]).toEqual({
      name: "my-own-name",
      userPrincipalName: declared.userPrincipalName,
      displayName: declared.displayName,
      appId: declared.applicationId,
      usageLocation: "US",
      phoneNumber: declared.phoneNumber,
      numberType: "CallingPlan",
    });
    expect(bots.filter((b) => b.userPrincipalName === declared.userPrincipalName)).toHaveLength(1);
    expect(bots).toHaveLength(32);
    expect(r.plan!.skipped.some((s) => s.reason.startsWith("already declared"))).toBe(true);
    expect(merged.indexOf("# hand-written, already managed")).toBeLessThan(merged.indexOf("- name: my-own-name"));
    expect(merged.indexOf("# a comment at the end of the file")).toBeLessThan(merged.indexOf("encryptionsalt"));

    const again = await exportWith(t, ["--stack", "merge", "--work-dir", dir]);
    expect(again.exitCode).toBe(0);
    expect(fs.readFileSync(file, "utf8")).toBe(merged);
  });

  test("--out - prints the merged file and leaves the stack file alone; --include-voice-apps with --match exports the auto attendants", async () => {
    const t = emulator();
    const dir = tempDir();
    const file = writeStackFile(t, dir, "voice");
    const original = fs.readFileSync(file, "utf8");
    const r = await exportWith(t, [
      "--stack",
      "voice",
      "--work-dir",
      dir,
      "--out",
      "-",
      "--include-voice-apps",
      "--match",
      "aa-*",
    ]);
    expect(r.exitCode).toBe(0);
    expect(fs.readFileSync(file, "utf8")).toBe(original);
    const bots = botsIn(r.stdout);
    expect(bots.map((b) => [b.name, b.appId])).toEqual([
      ["aa-main-line-0", "ce933385-9390-45d1-9512-c8d228074e07"],
      ["aa-main-line-1", "ce933385-9390-45d1-9512-c8d228074e07"],
    ]);
    expect(r.plan!.skipped.every((s) => s.reason === "outside --match aa-*")).toBe(true);
  });

  test("--check: nothing unmanaged right after the export; an account made afterwards and a number assigned by hand are listed, exit 1", async () => {
    const t = emulator();
    const dir = tempDir();
    writeStackFile(t, dir, "check");
    expect((await exportWith(t, ["--stack", "check", "--work-dir", dir])).exitCode).toBe(0);

    const clean = await exportWith(t, ["--stack", "check", "--work-dir", dir, "--check"]);
    expect(clean.exitCode).toBe(0);
    expect(clean.stdout).toContain("check: nothing unmanaged.");
    expect(clean.report!.unmanagedAccounts).toEqual([]);
    expect(clean.report!.unmanagedNumbers).toEqual([]);
    expect(clean.report!.missing).toEqual([]);
    expect(clean.report!.awaitingDecision).toHaveLength(4);

    await newResourceAccount(t, "late-bot@contoso.com", "5a5a5a5a-0000-4000-8000-000000000001");
    const numberless = accounts.find((a) => a.kind === "noNumber")!;
    await t.admin.post("/admin/assignNumber", { telephoneNumber: "+14255550101", targetId: numberless.objectId });

    // The real command line, for its exit code.
    const run = await cli(["--stack", "check", "--work-dir", dir, "--check"], {
      ...process.env,
      ...secretEnv(t),
    });
    if (run.status !== 1) console.log(run.stdout, run.stderr);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/unmanaged account\s+late-bot@contoso.com/);
    expect(run.stdout).toMatch(
      new RegExp(`unmanaged number\\s+\\+14255550101\\s+CallingPlan on ${numberless.userPrincipalName}`),
    );
    expect(run.stdout).toContain("check: 1 unmanaged account(s), 1 unmanaged number(s)");
    // Advice per finding: the number hand-assigned to a declared bot names the lines to add to that bot.
    const numberlessBot = botsIn(fs.readFileSync(path.join(dir, "Pulumi.check.yaml"), "utf8")).find(
      (b) => b.userPrincipalName === numberless.userPrincipalName,
    )!.name as string;
    expect(run.stdout).toContain(
      `number +14255550101 on bot ${numberlessBot} (assigned by hand; the bot declares no number): add \`phoneNumber: "+14255550101"\` and \`numberType: CallingPlan\` to bot ${numberlessBot} in Pulumi.check.yaml`,
    );
    expect(run.stdout).toMatch(/unmanaged account: `npm run export -- --stack check` declares it in Pulumi.check.yaml/);
    // Accounts awaiting a decision are listed apart and do not fail the check.
    expect(run.stdout).toMatch(/awaiting a decision\s+no-licence-bot-004@contoso.com/);
  });

  test("bad input: a named error and exit 2 before any tenant call", async () => {
    const t = emulator();
    const dir = tempDir();
    const before = await stats();
    // A secret in the stack file cannot be read without the engine: say which variable to set.
    writeStackFile(t, dir, "secret", "  teams-bot-numbers:clientSecret:\n    secure: v1:AAAA");
    const env = { ...process.env };
    delete env.AZURE_CLIENT_SECRET;
    const secret = await cli(["--stack", "secret", "--work-dir", dir], env);
    expect(secret.status).toBe(2);
    expect(secret.stderr).toContain(
      "teams-bot-numbers:clientSecret is a Pulumi secret in " + path.join(dir, "Pulumi.secret.yaml"),
    );
    expect(secret.stderr).toContain("give it through AZURE_CLIENT_SECRET instead");

    writeStackFile(
      t,
      dir,
      "badbots",
      "  teams-bot-numbers:bots:\n    - name: Bad Name\n      userPrincipalName: x@contoso.com\n      displayName: X\n      appId: nope\n      usageLocation: US",
    );
    const badBots = await exportWith(t, ["--stack", "badbots", "--work-dir", dir, "--check"]);
    expect(badBots.exitCode).toBe(2);
    expect(badBots.stderr).toContain('bots[0].name: "Bad Name" must be lower-case letters');
    expect(badBots.stderr).toContain("bots[0].appId");

    const usage = await cli(["--work-dir", dir], env);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("--stack <name> is required");

    const missing = await cli(["--stack", "nosuch", "--work-dir", dir], env);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("teams-bot-numbers:tenantId (or AZURE_TENANT_ID) is not set");
    expect(missing.stderr).toContain(`${path.join(dir, "Pulumi.nosuch.yaml")} does not exist`);

    const after = await stats();
    expect(after.tokenRequests).toBe(before.tokenRequests);
    expect(after.httpRequests).toEqual(before.httpRequests);
  });
});
