/**
 * The README's quick start and docs/getting-started.md as a new user runs them, in a copy of this
 * repository: `npm run demo` (emulator started, the dev stack's three bots created), `npm test`,
 * the curl commands that inspect the tenant, a second demo (no changes), preview, destroy;
 * then docs/existing-tenant.md's "Try it on the emulator" (the brownfield tenant on the demo's port,
 * the export printed). The sandbox's dev stack uses a free port instead of 8443.
 */
import * as fs from "fs";
import * as https from "https";
import * as path from "path";

import { Background, claimsOf, commandsOf, DocSandbox, expectExit, freePort } from "../helpers/doc-snippets";
import { alive } from "../helpers/processes";

const claims = claimsOf(__filename);

interface TenantState {
  users: Array<{ userPrincipalName: string }>;
  numbers: Array<{ telephoneNumber: string; assignmentTargetId: string | null }>;
  audit: unknown[];
}

/** GET of the emulator's admin API, trusting the CA the demo's emulator made in the sandbox. */
function getJson<T>(url: string, caPath: string): Promise<T> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: fs.readFileSync(caPath) }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve(JSON.parse(body) as T));
      })
      .on("error", reject);
  });
}

describe("docs: the demo, as README.md and docs/getting-started.md show it", () => {
  let port: number;
  let sb: DocSandbox;
  let url: string;
  const ca = (): string => path.join(sb.repo, ".tbn", "emulator", "ca.pem");
  const state = (): Promise<TenantState> => getJson<TenantState>(`${url}/_emulator/state`, ca());
  const background: Background[] = [];

  /** The demo's emulator (started detached by `npm run demo`), from the file it writes. */
  const demoEmulatorPid = (): number | undefined => {
    const file = path.join(sb.repo, ".tbn", "emulator", "emulator.json");
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as { pid: number }).pid : undefined;
  };

  beforeAll(async () => {
    port = await freePort();
    url = `https://localhost:${port}`;
    sb = DocSandbox.create("demo", {
      substitutions: [
        {
          from: /\b8443\b/,
          to: String(port),
          why: "the sandbox's dev stack uses a free port (another checkout's demo may hold 8443)",
        },
        {
          from: /^npm test(?= |$)/m,
          to: "npm test -- test/unit/docs-links.test.ts",
          why: "the whole suite holds this test: the same command on one file",
        },
      ],
    });
    const dev = path.join(sb.repo, "Pulumi.dev.yaml");
    fs.writeFileSync(dev, fs.readFileSync(dev, "utf8").replaceAll("https://localhost:8443", url));
  });

  afterAll(async () => {
    try {
      for (const b of background) await b.stop();
    } finally {
      const pid = sb && demoEmulatorPid();
      if (pid !== undefined && alive(pid)) process.kill(pid, "SIGTERM");
      sb?.dispose();
    }
  });

  test("npm run demo creates the dev stack's three bots; npm test runs and reports its count (README, getting started)", async () => {
    const readme = claims.take(
      "README.md",
      "npm run demo   # starts the embedded tenant emulator and runs `pulumi up` on the dev stack (3 bots)",
    );
    // getting-started.md shows the same first command on its own: one run answers both.
    const started = claims.take("docs/getting-started.md", "npm run demo");
    expect(commandsOf(started.text)).toEqual(["npm run demo"]);
    expect(commandsOf(readme.text)[0]!.replace(/\s+#.*$/, "")).toBe("npm run demo");

    const [demo, npmTest] = await sb.run(readme);
    expectExit(demo!, 0);
    expect(demo!.stdout).toMatch(/^incident-bot\s+incident-bot@contoso\.com\s+\S+\s+\+14255550100\s/m);
    expect(demo!.stdout).toMatch(/^reception-bot\s+reception-bot@contoso\.com\s+\S+\s+\+14255550200\s/m);
    expect(demo!.stdout).toMatch(/^survey-bot\s+survey-bot@contoso\.com\s+\S+\s+\+14255550300\s/m);
    // The calling chain of issue 21: a synthetic incoming call reaches the first bot's webhook.
    expect(demo!.stdout).toMatch(
      /^Azure Bot "incident-bot" \(msaAppId 6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10\) with Teams calling/m,
    );
    expect(demo!.stdout).toMatch(
      /^call \+12065550123 → \+14255550100 reached incident-bot's webhook: created, state incoming \(\/communications\/calls\/[0-9a-f-]{36}\)$/m,
    );
    expect(demo!.stdout).toContain(`The emulator keeps running at ${url}`);
    const s = await state();
    for (const upn of ["incident-bot@contoso.com", "reception-bot@contoso.com", "survey-bot@contoso.com"])
      expect(s.users.map((u) => u.userPrincipalName)).toContain(upn);

    expectExit(npmTest!, 0);
    expect(npmTest!.stdout.trim().split("\n").pop()).toMatch(/^[1-9]\d* passed, 0 failed, 0 skipped$/);
  });

  test("the curl commands show the tenant's state and the audit of the demo's changes", async () => {
    const block = claims.take(
      "docs/getting-started.md",
      "curl -s --cacert .tbn/emulator/ca.pem https://localhost:8443/_emulator/state",
    );
    const [stateRun, auditRun] = await sb.run(block);
    expectExit(stateRun!, 0);
    const tenant = JSON.parse(stateRun!.stdout) as TenantState;
    expect(tenant.users.map((u) => u.userPrincipalName)).toContain("incident-bot@contoso.com");
    expectExit(auditRun!, 0);
    expect((JSON.parse(auditRun!.stdout) as { entries: unknown[] }).entries.length).toBeGreaterThan(0);
  });

  test("a second demo changes nothing; preview and destroy do what they say", async () => {
    const block = claims.take(
      "docs/getting-started.md",
      "npm run demo                # a second run reports no changes",
    );
    const [again, preview, destroy] = await sb.run(block);
    for (const r of [again!, preview!, destroy!]) expectExit(r, 0);
    expect(again!.stdout).toMatch(/\d+ unchanged/);
    expect(again!.stdout).not.toMatch(/\d+ (created|updated|deleted)/);
    expect(preview!.stdout).toMatch(/\d+ unchanged/);
    expect(destroy!.stdout).toMatch(/\d+ deleted/);
    const s = await state();
    expect(s.users.map((u) => u.userPrincipalName)).not.toContain("incident-bot@contoso.com");
    expect(s.numbers.find((n) => n.telephoneNumber === "+14255550100")?.assignmentTargetId).toBeNull();
  });

  test("try the export on the brownfield tenant: the emulator on the demo's port, the dev stack file printed with the tenant's accounts", async () => {
    // "Stop the demo's emulator first (the kill command the demo printed)".
    const pid = demoEmulatorPid();
    expect(pid).toBeDefined();
    process.kill(pid!, "SIGTERM");
    for (let i = 0; i < 100 && alive(pid!); i++) await new Promise((r) => setTimeout(r, 100));

    const start = claims.take(
      "docs/existing-tenant.md",
      "npm run emulator -- start --port 8443 --fixture brownfield.json --reset",
    );
    const emulator = await sb.background(start, /tenant emulator listening on/);
    background.push(emulator);
    expect(emulator.output()).toContain(`tenant emulator listening on ${url}`);
    expect(emulator.output()).toContain(`export NODE_EXTRA_CA_CERTS=${ca()}`);

    const block = claims.take(
      "docs/existing-tenant.md",
      "export NODE_EXTRA_CA_CERTS=$PWD/.tbn/emulator/ca.pem        # trust the emulator (its start-up prints this line)",
    );
    const runs = await sb.run(block);
    const exported = runs[runs.length - 1]!;
    expectExit(exported, 0);
    // The dev stack's own bots stay; the tenant's hand-made accounts are appended, adopted.
    expect(exported.stdout).toContain("userPrincipalName: incident-bot@contoso.com");
    expect(exported.stdout).toMatch(/userPrincipalName: calling-plan-bot-\d+@contoso\.com/);
    expect(exported.stdout).toContain("adopt: true");
    expect(exported.stdout).toMatch(/# needs a decision: /);
    // Printed, not written; and the tenant was only read.
    expect(fs.readFileSync(path.join(sb.repo, "Pulumi.dev.yaml"), "utf8")).not.toContain("adopt: true");
    expect((await state()).audit).toEqual([]);

    // Ctrl-C: the emulator stops cleanly.
    await emulator.stop();
    background.pop();
    expect(emulator.output()).toContain("received SIGINT, stopping");
  });

  test("every block this file claims ran; every substitution was needed", () => {
    expect(claims.unrun()).toEqual([]);
    expect(sb.unusedSubstitutions()).toEqual([]);
  });
});
