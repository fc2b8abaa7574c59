/**
 * Injection: values carrying PowerShell metacharacters travel as data. Display names (which allow
 * any text) reach New-CsOnlineApplicationInstance verbatim (the stand-in's log of every line it
 * received proves it) and nothing runs; UPNs and numbers with metacharacters fail in check();
 * quotes reaching OData $filter are doubled on the wire and match nothing.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";

import { ALLOWED_CMDLETS } from "../../protocol/host-protocol";
import { currentSettings } from "../../provider/access/session";
import { provider as applicationInstance } from "../../provider/resources/applicationInstance";
import { provider as botPhoneNumber } from "../../provider/resources/botPhoneNumber";
import { tenantParts } from "../../provider/tenant";
import { odataString } from "../../provider/tenant/graph";
import { REPO_ROOT } from "../helpers/emulator";
import { captureProgress, checked, Harness, startHarness } from "../provider/harness";
import { recordResults, ResultRow } from "./support";

const rows: ResultRow[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-inject-"));
const canary = (n: number): string => path.join(dir, `pwned-${n}`);

/** Display names that would run code if pasted into PowerShell. */
const DISPLAY_NAMES: Array<[string, string]> = [
  ["subexpression $(…)", `Bot $(New-Item -ItemType File -Path '${canary(1)}')`],
  ["backticks and $env:", "Bot `whoami` `$env:AZURE_CLIENT_SECRET $env:PATH"],
  ["statement separator ;", `Bot'; New-Item -ItemType File -Path '${canary(3)}'; '`],
  ["double quotes and | iex", `Bot" | iex; "New-Item ${canary(4)}" | Invoke-Expression; "`],
  ["script block and splat", "Bot & { Remove-Item -Recurse -Force ~ } @args ${function:prompt}"],
  ["here-string and comment", "Bot @'\n'@ <# #> # rest"],
];

describe("injection", () => {
  let h: Harness;
  let log: string;
  const savedLog = process.env.TEAMS_STANDIN_LOG;

  beforeAll(async () => {
    log = path.join(dir, "standin.log");
    // The provider hands its environment (secrets removed) to the PowerShell host: the stand-in logs every line.
    process.env.TEAMS_STANDIN_LOG = log;
    h = await startHarness();
  });
  afterAll(async () => {
    recordResults("injection", rows);
    await h?.stop();
    if (savedLog === undefined) delete process.env.TEAMS_STANDIN_LOG;
    else process.env.TEAMS_STANDIN_LOG = savedLog;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const received = (): Array<Record<string, unknown>> =>
    fs
      .readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  test.each(DISPLAY_NAMES.map(([what, name], i) => [what, name, i] as const))(
    "display name with %s travels verbatim as data",
    async (what, displayName, i) => {
      const p = applicationInstance as pulumi.dynamic.ResourceProvider;
      await h.configure(p);
      const upn = `inject-${i}@contoso.com`;
      const auditBefore = (await h.audit()).length;
      const progress = captureProgress();
      let created: { id: string };
      try {
        created = await p.create(
          await checked(p, {
            userPrincipalName: upn,
            displayName,
            applicationId: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
            usageLocation: "US",
          }),
        );
      } finally {
        progress.restore();
      }
      // The stand-in got the value as one JSON string parameter, byte for byte.
      const news = received().filter(
        (r) =>
          r.cmdlet === "New-CsOnlineApplicationInstance" &&
          (r.parameters as Record<string, unknown>).UserPrincipalName === upn,
      );
      expect(news).toHaveLength(1);
      expect((news[0]!.parameters as Record<string, unknown>).DisplayName).toBe(displayName);
      expect(fs.readFileSync(log, "utf8")).toContain(JSON.stringify(displayName));
      // The tenant stores it as the name; nothing ran: no canary file, only the expected calls.
      const user = ((await h.state()).users as Array<{ id: string; displayName: string }>).find(
        (u) => u.id === created.id,
      );
      expect(user?.displayName).toBe(displayName);
      for (let n = 1; n <= 4; n++) expect(fs.existsSync(canary(n))).toBe(false);
      expect((await h.audit()).slice(auditBefore).map((e) => `${e.operation} ${e.outcome}`)).toEqual([
        "New-CsOnlineApplicationInstance ok",
        "PATCH user ok",
      ]);
      expect(
        received().every(
          (r) =>
            r.type === "connect" ||
            (r.type === "invoke" && (ALLOWED_CMDLETS as readonly string[]).includes(String(r.cmdlet))),
        ),
      ).toBe(true);
      rows.push({
        area: "injection",
        check: `displayName: ${what}`,
        cases: 1,
        passed: 1,
        detail:
          "stand-in received it verbatim as a JSON string parameter; account named with it; no canary file; only New-CsOnlineApplicationInstance + PATCH user",
      });
    },
  );

  test("a UPN with an apostrophe (allowed by Entra) travels verbatim to Graph and the cmdlets", async () => {
    const p = applicationInstance as pulumi.dynamic.ResourceProvider;
    await h.configure(p);
    const upn = "o'brien-bot@contoso.com";
    const progress = captureProgress();
    try {
      await p.create(
        await checked(p, {
          userPrincipalName: "O'Brien-Bot@contoso.com",
          displayName: "O'Brien",
          applicationId: "8b2e4c6a-1d3f-4a5b-8c7d-9e0f1a2b3c20",
          usageLocation: "US",
        }),
      );
    } finally {
      progress.restore();
    }
    const lines = received().filter((r) =>
      Object.values((r.parameters ?? {}) as Record<string, unknown>).includes(upn),
    );
    // Graph answered "no such user" for the UPN, so Teams is only asked to create it.
    expect(lines.map((r) => r.cmdlet)).toEqual(["New-CsOnlineApplicationInstance"]);
    expect(
      ((await h.state()).users as Array<{ userPrincipalName: string }>).filter((u) => u.userPrincipalName === upn),
    ).toHaveLength(1);
    rows.push({
      area: "injection",
      check: "UPN with an apostrophe",
      cases: 1,
      passed: 1,
      detail: "Get- and New-CsOnlineApplicationInstance received it verbatim; one account",
    });
  });

  test.each([
    [
      "UPN",
      applicationInstance,
      {
        userPrincipalName: "bot$(whoami)@contoso.com",
        displayName: "x",
        applicationId: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
        usageLocation: "US",
      },
      "userPrincipalName",
    ],
    [
      "UPN",
      applicationInstance,
      {
        userPrincipalName: "bot`;iex@contoso.com",
        displayName: "x",
        applicationId: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
        usageLocation: "US",
      },
      "userPrincipalName",
    ],
    [
      "UPN",
      applicationInstance,
      {
        userPrincipalName: 'bot"|iex@contoso.com',
        displayName: "x",
        applicationId: "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
        usageLocation: "US",
      },
      "userPrincipalName",
    ],
    [
      "number",
      botPhoneNumber,
      {
        instanceId: "2e8b3c4d-9f6a-4b02-9c35-7d4e0f1a2b33",
        phoneNumber: "+14255550100;$(whoami)",
        numberType: "DirectRouting",
      },
      "phoneNumber",
    ],
    [
      "number",
      botPhoneNumber,
      { instanceId: "2e8b3c4d-9f6a-4b02-9c35-7d4e0f1a2b33", phoneNumber: "+14255550100`n", numberType: "CallingPlan" },
      "phoneNumber",
    ],
    [
      "number",
      botPhoneNumber,
      {
        instanceId: "2e8b3c4d-9f6a-4b02-9c35-7d4e0f1a2b33",
        phoneNumber: "+14255550100' or '1' eq '1",
        numberType: "CallingPlan",
      },
      "phoneNumber",
    ],
  ] as const)("%s with metacharacters fails in check: %#", async (what, p, args, property) => {
    const lines = fs.existsSync(log) ? fs.readFileSync(log, "utf8").length : 0;
    const r = await (p as pulumi.dynamic.ResourceProvider).check!({}, args);
    expect(r.failures?.map((f) => f.property)).toEqual([property]);
    expect(r.failures![0]!.reason).toContain(`"${(args as Record<string, string>)[property]}" is not a`);
    expect(fs.existsSync(log) ? fs.readFileSync(log, "utf8").length : 0).toBe(lines);
    rows.push({
      area: "injection",
      check: `${what} ${JSON.stringify((args as Record<string, string>)[property])} rejected in check()`,
      cases: 1,
      passed: 1,
      detail: `failure on ${property}; nothing reached the stand-in`,
    });
  });

  test("quotes reaching OData $filter are doubled on the wire and match nothing", async () => {
    await h.configure(applicationInstance as pulumi.dynamic.ResourceProvider);
    const t = tenantParts(currentSettings()).graph.numbers;
    const sent: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      sent.push(decodeURIComponent(String(input instanceof Request ? input.url : input)));
      if (typeof init?.body === "string") sent.push(init.body);
      return realFetch(input, init);
    }) as typeof fetch;
    let rowsFound: unknown[];
    try {
      const all = await t.list({});
      expect(all.length).toBeGreaterThan(5);
      rowsFound = await t.list({
        telephoneNumber: "+14255550100' or telephoneNumber ne '",
        assignmentTargetId: "x' or '1' eq '1",
      });
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(rowsFound).toEqual([]);
    const escaped =
      "telephoneNumber eq '+14255550100'' or telephoneNumber ne ''' and assignmentTargetId eq 'x'' or ''1'' eq ''1'";
    expect(sent.some((s) => s.includes(escaped) || decodeURIComponent(s).includes(escaped))).toBe(true);
    expect(odataString("O'Brien")).toBe("'O''Brien'");
    rows.push({
      area: "injection",
      check: "OData $filter with quotes",
      cases: 1,
      passed: 1,
      detail:
        "literals sent with doubled quotes; the emulator's parser read them as one value each: 0 rows (unescaped, 'or' would match every number)",
    });
  });

  test("the real host script never turns data into code", () => {
    const script = fs
      .readFileSync(path.join(REPO_ROOT, "protocol", "teams-host.ps1"), "utf8")
      .replace(/<#[\s\S]*?#>/g, "")
      .replace(/#.*$/gm, "");
    expect(script).not.toMatch(
      /Invoke-Expression|\biex\b|ScriptBlock\]::Create|Add-Type|\$ExecutionContext|NewScriptBlock/i,
    );
    // The only call operator runs an allow-listed cmdlet name with splatted parameters.
    expect(script.match(/&\s*\$\w+/g)).toEqual(["& $cmdlet"]);
    expect(script).toMatch(/if \(\$AllowedCmdlets -notcontains \$cmdlet\)/);
    rows.push({
      area: "injection",
      check: "teams-host.ps1: no Invoke-Expression / script blocks; one call operator on an allow-listed name",
      cases: 1,
      passed: 1,
      detail: "static check of the real host script (PowerShell cannot run here)",
    });
  });
});
