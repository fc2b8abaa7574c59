/**
 * Shared pieces of the hardening suite: one emulator + one real-engine stack of the stacks
 * program, the declaration → tenant convergence check, the "no bot without its number" check
 * from the audit order, and the RESULTS.md table the suite writes.
 */
import * as fs from "fs";
import * as path from "path";

import type { ProfileInput } from "../../emulator";
import { writeAtomic } from "../../emulator/atomic-file";
import type { AuditEntry } from "../../emulator/state";
import type { BotEntry } from "../../stacks/config";
import { EngineHarness } from "../e2e/harness";
import { startTestEmulator, TestEmulator, type TestEmulatorOptions } from "../helpers/emulator";
import { secretEnv, stackConfigFor } from "../helpers/emulator-settings";

/** One mutating call as the emulator's audit log records it. */
export type Audit = AuditEntry;

/** The parts of /_emulator/state the checks read. */
export interface TenantDump {
  users: Array<{
    id: string;
    userPrincipalName: string;
    displayName: string;
    usageLocation: string | null;
    licenses: Array<{ skuId: string }>;
    applicationInstance?: { applicationId: string | null };
  }>;
  numbers: Array<{ telephoneNumber: string; assignmentTargetId: string | null }>;
}

/** A bot as the stack config declares it, with its app id. */
export type Bot = BotEntry & { appId: string };

export const VIRTUAL_USER_SKU = "440eaaa8-b3e0-484b-a8be-62870b9ba70a";
export const APPS = [
  "6d3a1f0e-2b4c-4e8a-9f71-0c5d2e8b4a10",
  "8b2e4c6a-1d3f-4a5b-8c7d-9e0f1a2b3c20",
  "1f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e30",
  "2a8f7e6d-5c4b-4a3d-9e2f-0b1c2d3e4f40",
  "6513270e-269e-4d37-b2a7-4de452e6b438",
  "d23f0824-128b-4f33-8c5c-7fd0a6a3a450",
  "9531985d-5d9d-49f8-9818-e811892f902b",
  "36f675cc-81e7-4ef5-a8e2-5d940ed90475",
  "6b0d549b-6f03-475a-9600-a35a099950d8",
  "8d116ece-1738-47d9-bd9c-172411e20b8f",
  "90c192cf-d3ac-44af-8f21-ddb66cad4a26",
  "a170b338-3926-4059-b28c-105d1fb17c23",
];

/** A bot named `name` on app APPS[i], optionally with a number. */
export function bot(name: string, i: number, phoneNumber?: string, numberType = "CallingPlan"): Bot {
  return {
    name,
    userPrincipalName: `${name}@contoso.com`,
    displayName: name.replace(/-/g, " "),
    appId: APPS[i]!,
    usageLocation: "US",
    ...(phoneNumber ? { phoneNumber, numberType } : {}),
  };
}

/** Environment every provider process of the suite gets: fast polls, short release wait. */
export const FAST_ENV = { TEAMS_POLL_INTERVAL_MS: "200", TEAMS_NUMBER_RELEASE_WAIT_MS: "20000" };

/** An emulator plus a stack of the stacks program configured against it. */
export interface StackRig {
  t: TestEmulator;
  h: EngineHarness;
  seed: TenantDump;
  audit(): Promise<Audit[]>;
  dump(): Promise<TenantDump>;
  setBots(bots: Bot[]): Promise<void>;
  faults(p: ProfileInput, replace?: boolean): Promise<void>;
  dispose(): Promise<void>;
}

/** Starts an emulator and a stack with secret auth (AZURE_CLIENT_SECRET in the environment). */
export async function startRig(
  name: string,
  profile: ProfileInput = {},
  o: {
    env?: Record<string, string>;
    config?: Record<string, { value: string; secret?: boolean }>;
    emulator?: TestEmulatorOptions;
    secretInEnv?: boolean;
  } = {},
): Promise<StackRig> {
  const t = await startTestEmulator({ latencyScale: 0.2, ...profile }, o.emulator);
  const seed = await t.admin.get<TenantDump>("/state");
  const h = await EngineHarness.create({
    name,
    env: { ...FAST_ENV, ...(o.secretInEnv === false ? {} : secretEnv(t)), ...o.env },
    config: {
      ...stackConfigFor(t),
      ...o.config,
    },
  });
  return {
    t,
    h,
    seed,
    audit: () => t.admin.audit(),
    dump: () => t.admin.get<TenantDump>("/state"),
    setBots: (bots) => h.stack.setConfig("bots", { value: JSON.stringify(bots) }),
    faults: async (p, replace = false) => void (await t.admin.put(`/faults${replace ? "?replace=true" : ""}`, p)),
    async dispose() {
      await h?.dispose();
      await t?.stop();
    },
  };
}

/** What differs between the declaration and the tenant, and the orphans (empty lists = converged). */
export interface Convergence {
  problems: string[];
  orphanAccounts: string[];
  orphanLicences: string[];
  orphanNumbers: string[];
}

/**
 * Compares the tenant with the declared bots: each bot has exactly one resource account with its
 * app id and usage location, the resource-account licence and exactly its number; nothing that is
 * neither seed nor declared holds an account, a licence seat or a number.
 */
export function convergence(d: TenantDump, seed: TenantDump, bots: Bot[]): Convergence {
  const problems: string[] = [];
  const seedIds = new Set(seed.users.map((u) => u.id));
  const declared = new Set(bots.map((b) => b.userPrincipalName.toLowerCase()));
  for (const b of bots) {
    const matches = d.users.filter((u) => u.userPrincipalName.toLowerCase() === b.userPrincipalName.toLowerCase());
    if (matches.length !== 1) {
      problems.push(`${b.name}: ${matches.length} accounts`);
      continue;
    }
    const u = matches[0]!;
    if (u.applicationInstance?.applicationId !== b.appId)
      problems.push(`${b.name}: application id ${u.applicationInstance?.applicationId}`);
    if (u.usageLocation !== b.usageLocation) problems.push(`${b.name}: usage location ${u.usageLocation}`);
    if (!u.licenses.some((l) => l.skuId === VIRTUAL_USER_SKU)) problems.push(`${b.name}: no licence`);
    const held = d.numbers.filter((n) => n.assignmentTargetId === u.id).map((n) => n.telephoneNumber);
    const want = b.phoneNumber ? [b.phoneNumber] : [];
    if (JSON.stringify(held) !== JSON.stringify(want))
      problems.push(`${b.name}: numbers ${JSON.stringify(held)}, declared ${JSON.stringify(want)}`);
  }
  const extra = d.users.filter((u) => !seedIds.has(u.id) && !declared.has(u.userPrincipalName.toLowerCase()));
  const extraIds = new Set(extra.map((u) => u.id));
  const seedNumbers = new Map(seed.numbers.map((n) => [n.telephoneNumber, n.assignmentTargetId]));
  return {
    problems,
    orphanAccounts: extra.map((u) => u.userPrincipalName),
    orphanLicences: extra.filter((u) => u.licenses.length > 0).map((u) => u.userPrincipalName),
    orphanNumbers: d.numbers
      .filter(
        (n) =>
          n.assignmentTargetId &&
          (extraIds.has(n.assignmentTargetId) ||
            (seedIds.has(n.assignmentTargetId) && seedNumbers.get(n.telephoneNumber) !== n.assignmentTargetId)),
      )
      .map((n) => n.telephoneNumber),
  };
}

const NUMBER_OPS = /^(assignNumber|unassignNumber|Set-CsPhoneNumberAssignment|Remove-CsPhoneNumberAssignment)$/;
const ASSIGN_OPS = /^(assignNumber|Set-CsPhoneNumberAssignment)$/;

/**
 * For every successful unassign of a number from an account that still exists (a bot keeping its
 * account), the account got its new number just before (a chain: claim, then release) or gets one
 * by the next successful number operation on it (a cycle: release, then claim): the bot is without
 * a number at most between the two calls of one update. Returns the violations.
 */
export function numberGaps(entries: Audit[], d: TenantDump): string[] {
  const alive = new Set(d.users.map((u) => u.id));
  const ok = entries.filter((e) => e.outcome === "ok" && NUMBER_OPS.test(e.operation) && e.target);
  const gaps: string[] = [];
  ok.forEach((e, i) => {
    if (!/^(unassignNumber|Remove-CsPhoneNumberAssignment)$/.test(e.operation) || !alive.has(e.target!)) return;
    const before = ok
      .slice(0, i)
      .reverse()
      .find((x) => x.target === e.target);
    if (before && ASSIGN_OPS.test(before.operation) && before.number !== e.number) return;
    const next = ok.slice(i + 1).find((x) => x.target === e.target);
    if (!next || !ASSIGN_OPS.test(next.operation)) {
      gaps.push(
        `#${e.seq} ${e.operation} ${e.number} from ${e.target}: next number call on it is ${next ? `#${next.seq} ${next.operation}` : "none"}`,
      );
    }
  });
  return gaps;
}

/** Rows of the results table, collected by every hardening file and written to RESULTS.md. */
export interface ResultRow {
  area: string;
  check: string;
  cases: number;
  passed: number;
  detail: string;
}

const RESULTS_DIR = path.join(__dirname, "..", "..", ".tbn", "hardening-results");

/** Records rows of one test file (merged into test/hardening/RESULTS.md by writeResults). */
export function recordResults(file: string, rows: ResultRow[]): void {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  // Hardening files run in parallel workers: rows and table are written atomically (no torn reads),
  // and the table is written again when other rows arrived while it was being built.
  writeAtomic(path.join(RESULTS_DIR, `${file}.json`), JSON.stringify(rows, null, 2));
  let before: string;
  do {
    before = resultsVersion();
    writeResults();
  } while (resultsVersion() !== before);
}

/** The recorded rows' files (one per hardening test file). */
function resultFiles(): string[] {
  return fs.existsSync(RESULTS_DIR) ? fs.readdirSync(RESULTS_DIR).filter((f) => f.endsWith(".json")) : [];
}

/** Names and modification times of the recorded rows' files. */
function resultsVersion(): string {
  return resultFiles()
    .map((f) => `${f}@${fs.statSync(path.join(RESULTS_DIR, f)).mtimeMs}`)
    .join(",");
}

/**
 * Rewrites the results table from every file's recorded rows: .tbn/hardening-results/RESULTS.md on
 * every run, and the committed test/hardening/RESULTS.md when TBN_HARDENING_RESULTS=1 (so a test
 * run does not leave the tracked copy modified).
 */
export function writeResults(): void {
  const order = ["faults", "bad-input", "secrets", "injection", "least-privilege"];
  const files = resultFiles();
  const rank = (f: string): number => order.findIndex((o) => f.startsWith(o));
  files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const lines = [
    "# Hardening results",
    "",
    "Written by `test/hardening/*.test.ts` (`TBN_HARDENING_RESULTS=1 npm test -- test/hardening`; every run also",
    "writes `.tbn/hardening-results/RESULTS.md`). Every row is asserted by a test: a failing check fails the suite.",
    "`cases` counts checks; `passed` < `cases` marks a known limitation explained in the row.",
    "",
    "| area | check | cases | passed | detail |",
    "|---|---|---:|---:|---|",
  ];
  let total = 0;
  let passed = 0;
  for (const f of files) {
    for (const r of JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, f), "utf8")) as ResultRow[]) {
      const cell = (text: string): string => text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
      lines.push(`| ${r.area} | ${cell(r.check)} | ${r.cases} | ${r.passed} | ${cell(r.detail)} |`);
      total += r.cases;
      passed += r.passed;
    }
  }
  lines.push(`| **total** | | **${total}** | **${passed}** | |`, "");
  writeAtomic(path.join(RESULTS_DIR, "RESULTS.md"), lines.join("\n"));
  if (process.env.TBN_HARDENING_RESULTS === "1") writeAtomic(path.join(__dirname, "RESULTS.md"), lines.join("\n"));
}
