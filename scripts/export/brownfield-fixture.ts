/**
 * A brownfield tenant for the emulator: the default fixture plus resource accounts "made by hand"
 * before this project managed anything — bots with and without numbers (Calling Plan, Direct
 * Routing, Operator Connect, some with emergency locations), auto attendant and call queue
 * accounts, and the accounts an export cannot express on its own (no licence, a number but no
 * licence, a licence other than PHONESYSTEM_VIRTUALUSER, no usage location).
 *
 *   node dist/scripts/export/brownfield-fixture.js [--accounts 40] [--out emulator/fixtures/brownfield.json]
 *
 * Deterministic: the same count gives the same file (ids derive from the UPN). Tests and the bench
 * build it in memory (`brownfieldFixture(n)`); the 40-account file is committed for the demo.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

import type { FixtureInput } from "../../emulator/fixture";

/** Auto attendant application id (New-CsOnlineApplicationInstance -ApplicationId). */
export const AUTO_ATTENDANT_APP_ID = "ce933385-9390-45d1-9512-c8d228074e07";
/** Call queue application id. */
export const CALL_QUEUE_APP_ID = "11cd3e2e-fccb-42ad-ad00-878b93575e07";
const VIRTUAL_USER_SKU = "440eaaa8-b3e0-484b-a8be-62870b9ba70a";
const E5_SKU = "06ebc4ee-1bb5-47dd-8120-11324bc54e06";
const DEPARTMENT = "Microsoft Communication Application Instance";

type FixtureUser = NonNullable<FixtureInput["users"]>[number];
type FixtureNumber = FixtureInput["numbers"][number];

/** A stable GUID from a string. */
function guidOf(s: string): string {
  const h = createHash("sha256").update(s).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** What kind of hand-made account one slot is. */
export type AccountKind =
  | "callingPlan"
  | "directRouting"
  | "operatorConnect"
  | "noNumber"
  | "autoAttendant"
  | "callQueue"
  | "noLicence"
  | "numberNoLicence"
  | "otherLicence"
  | "noUsageLocation";

/** One account of the brownfield tenant, as the generator made it (tests compare against this). */
export interface BrownfieldAccount {
  kind: AccountKind;
  objectId: string;
  userPrincipalName: string;
  displayName: string;
  applicationId: string;
  usageLocation: string | null;
  licensed: boolean;
  phoneNumber: string | null;
  numberType: "callingPlan" | "directRouting" | "operatorConnect" | null;
  locationId: string | null;
}

/**
 * The mix of the 40-account tenant; larger tenants repeat it. Special accounts (voice apps and the
 * ones needing a decision) keep their count; the rest is filled with bots in the ratio below.
 */
const SPECIAL: AccountKind[] = [
  "autoAttendant",
  "autoAttendant",
  "callQueue",
  "callQueue",
  "noLicence",
  "numberNoLicence",
  "otherLicence",
  "noUsageLocation",
];
const BOT_CYCLE: AccountKind[] = [
  "callingPlan",
  "directRouting",
  "callingPlan",
  "operatorConnect",
  "noNumber",
  "callingPlan",
  "directRouting",
  "operatorConnect",
];

/** Names that exercise the name derivation: dots, underscores, a leading digit, the same local part twice. */
const AWKWARD_LOCAL_PARTS = ["Sales.Line", "sales_line", "1800-support", "Front Desk"];

/** The kinds of `count` accounts (deterministic). */
export function accountKinds(count: number): AccountKind[] {
  const special = SPECIAL.slice(0, Math.min(SPECIAL.length, Math.max(0, count - 1)));
  const kinds = [...special];
  for (let i = 0; kinds.length < count; i++) kinds.push(BOT_CYCLE[i % BOT_CYCLE.length]!);
  return kinds;
}

function localPart(kind: AccountKind, i: number): string {
  if (kind === "autoAttendant") return `aa-main-line-${i}`;
  if (kind === "callQueue") return `cq-helpdesk-${i}`;
  const awkward = AWKWARD_LOCAL_PARTS[i - SPECIAL.length];
  if (awkward && kind !== "noLicence" && kind !== "numberNoLicence") return awkward.replace(/ /g, "");
  return `${kind.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}-bot-${String(i).padStart(3, "0")}`;
}

/** The accounts of a brownfield tenant of `count` resource accounts. */
export function brownfieldAccounts(count = 40): BrownfieldAccount[] {
  let callingPlan = 0;
  let directRouting = 0;
  let operatorConnect = 0;
  return accountKinds(count).map((kind, i) => {
    const local = localPart(kind, i);
    // "sales_line" and every seventh account live on the initial domain.
    const domain = local === "sales_line" || i % 7 === 3 ? "contoso.onmicrosoft.com" : "contoso.com";
    const upn = `${local}@${domain}`;
    const objectId = guidOf(`brownfield:user:${upn.toLowerCase()}`);
    const applicationId =
      kind === "autoAttendant"
        ? AUTO_ATTENDANT_APP_ID
        : kind === "callQueue"
          ? CALL_QUEUE_APP_ID
          : guidOf(`brownfield:app:${upn.toLowerCase()}`);
    let numberType: BrownfieldAccount["numberType"] = null;
    let phoneNumber: string | null = null;
    let locationId: string | null = null;
    const withNumber =
      kind === "callingPlan" ||
      kind === "directRouting" ||
      kind === "operatorConnect" ||
      kind === "numberNoLicence" ||
      ((kind === "autoAttendant" || kind === "callQueue") && i % 2 === 0);
    if (withNumber) {
      if (kind === "directRouting") {
        numberType = "directRouting";
        phoneNumber = `+1206555${String(1000 + directRouting++).padStart(4, "0")}`;
      } else if (kind === "operatorConnect") {
        numberType = "operatorConnect";
        phoneNumber = `+4420794${String(60000 + operatorConnect++).padStart(5, "0")}`;
      } else {
        numberType = "callingPlan";
        phoneNumber = `+1425557${String(callingPlan++).padStart(4, "0")}`;
      }
      // Every third number carries an emergency location (Direct Routing ones mostly have none).
      if (i % 3 === 0 && kind !== "numberNoLicence") locationId = guidOf(`brownfield:location:${i % 4}`);
    }
    const usageLocation = kind === "noUsageLocation" ? null : kind === "operatorConnect" ? "GB" : "US";
    const displayName =
      kind === "autoAttendant"
        ? `Main Line ${i}`
        : kind === "callQueue"
          ? `Helpdesk Queue ${i}`
          : local
              .split(/[-._]/)
              .filter(Boolean)
              .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
              .join(" ");
    return {
      kind,
      objectId,
      userPrincipalName: upn,
      displayName,
      applicationId,
      usageLocation,
      licensed: kind !== "noLicence" && kind !== "numberNoLicence" && kind !== "noUsageLocation",
      phoneNumber,
      numberType,
      locationId,
    };
  });
}

/** Reads the shipped default fixture (tenant, SKUs, apps, the default inventory). */
function defaultFixture(): FixtureInput {
  const candidates = [
    path.resolve(__dirname, "../../emulator/fixtures/default.json"),
    path.resolve(__dirname, "../../../emulator/fixtures/default.json"),
  ];
  const file = candidates.find((c) => fs.existsSync(c));
  if (!file) throw new Error(`emulator/fixtures/default.json not found (looked at ${candidates.join(", ")})`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as FixtureInput;
}

/** The brownfield fixture with `count` hand-made resource accounts (plus the default fixture's own). */
export function brownfieldFixture(count = 40): FixtureInput {
  const base = defaultFixture();
  const accounts = brownfieldAccounts(count);
  const users: FixtureUser[] = accounts.map((a) => ({
    id: a.objectId,
    userPrincipalName: a.userPrincipalName,
    displayName: a.displayName,
    accountEnabled: false,
    department: DEPARTMENT,
    usageLocation: a.usageLocation,
    licenses: a.kind === "otherLicence" ? [E5_SKU] : a.licensed ? [VIRTUAL_USER_SKU] : [],
    applicationInstance: { applicationId: a.applicationId },
  }));
  const numbers: FixtureNumber[] = accounts
    .filter((a) => a.phoneNumber && a.numberType)
    .map((a) => ({
      telephoneNumber: a.phoneNumber!,
      numberType: a.numberType!,
      capabilities: ["conferenceAssignment", "voiceApplicationAssignment"],
      isoCountryCode: a.numberType === "operatorConnect" ? "GB" : "US",
      city: a.numberType === "operatorConnect" ? "London" : a.numberType === "directRouting" ? "Seattle" : "Redmond",
      operatorId: a.numberType === "operatorConnect" ? guidOf("brownfield:operator") : null,
      assignmentTargetId: a.objectId,
      locationId: a.locationId,
    }));
  const seats = Math.max(25, Math.ceil((accounts.length * 1.2) / 5) * 5);
  return {
    ...base,
    $comment: `Brownfield tenant: the default fixture plus ${count} resource accounts made by hand (generated by scripts/export/brownfield-fixture.ts; see emulator/fixtures/README.md). TEST credentials for the offline emulator only.`,
    skus: base.skus.map((s) =>
      s.skuId === VIRTUAL_USER_SKU ? { ...s, prepaidUnits: { ...s.prepaidUnits, enabled: seats } } : s,
    ),
    users: [...(base.users ?? []), ...users],
    numbers: [...base.numbers, ...numbers],
  };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const count = Number(option("--accounts") ?? 40);
  if (!Number.isInteger(count) || count < 1) {
    process.stderr.write(`--accounts must be a positive integer, got ${option("--accounts")}\n`);
    process.exit(2);
  }
  const text = JSON.stringify(brownfieldFixture(count), null, 2) + "\n";
  const out = option("--out");
  if (out) fs.writeFileSync(out, text);
  else process.stdout.write(text);
}
