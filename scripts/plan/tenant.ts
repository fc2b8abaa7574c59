/**
 * The tenant reads of a number plan: read-only Graph GETs with whatever identity the job signs in
 * as (the pull-request preview identity: Graph *.Read.All). Each family is read on its own, so a
 * permission the identity lacks costs that part of the plan only, named in the plan's gaps:
 *   - numbers:  GET /admin/teams/telephoneNumberManagement/numberAssignments (one per wanted number,
 *               gathered by the provider's Graph client) — TeamsTelephoneNumber.Read.All
 *   - accounts: GET /users/{upn or id} (new and adopted accounts, holders of wanted numbers) — User.Read.All
 *   - seats:    GET /subscribedSkus — Organization.Read.All (or LicenseAssignment.Read.All)
 * Built on the provider's tenant layer (`tenantParts`), the way `npm run export` reads; nothing here
 * writes, and no PowerShell host is started.
 */
import { describeCredential } from "../../provider/access/index";
import { redact } from "../../provider/errors";
import type { TenantSettings } from "../../provider/settings";
import { closeTenants, tenantParts } from "../../provider/tenant/index";
import type { TenantFacts, TenantNeeds, TenantNumber } from "./plan";

/** The reads a plan makes (tests may pass their own; the default is Graph through the provider's client). */
export interface PlanReader {
  /** Who reads, in words for the plan (no secret). */
  identity: string;
  number(
    phoneNumber: string,
  ): Promise<{ numberType: string; assignmentTargetId: string | null; locationId: string | null } | undefined>;
  user(
    idOrUpn: string,
  ): Promise<{ id: string; userPrincipalName: string; displayName: string | null; skuIds: string[] } | undefined>;
  /** Subscribed SKUs with their service plans (a Pay-As-You-Go licence is named by its service plan). */
  skus(): Promise<
    { skuId: string; skuPartNumber: string; servicePlans: string[]; enabled: number; consumed: number }[]
  >;
  close(): Promise<void>;
}

/** A reader on the provider's Graph client for these settings. */
export function openPlanReader(settings: TenantSettings): PlanReader {
  const { graph } = tenantParts(settings);
  const who = settings.clientId ? `app ${settings.clientId}` : "the host's managed identity";
  return {
    identity: `${who} with ${describeCredential(settings.credential)}`,
    async number(n) {
      const r = await graph.numbers.get(n);
      const none = !r?.locationId || r.locationId === "00000000-0000-0000-0000-000000000000";
      return (
        r && {
          numberType: String(r.numberType),
          assignmentTargetId: r.assignmentTargetId,
          locationId: none ? null : r.locationId!.toLowerCase(),
        }
      );
    },
    async user(idOrUpn) {
      const u = await graph.users.get(idOrUpn);
      return (
        u && {
          id: u.id,
          userPrincipalName: u.userPrincipalName,
          displayName: u.displayName,
          skuIds: (u.assignedLicenses ?? []).map((l) => l.skuId.toLowerCase()),
        }
      );
    },
    async skus() {
      return (await graph.licences.subscribedSkus()).map((s) => ({
        skuId: s.skuId.toLowerCase(),
        skuPartNumber: s.skuPartNumber,
        servicePlans: (s.servicePlans ?? []).map((p) => p.servicePlanName),
        enabled: s.prepaidUnits.enabled,
        consumed: s.consumedUnits,
      }));
    },
    close: () => closeTenants(),
  };
}

const why = (e: unknown): string => redact(e instanceof Error ? e.message : String(e)).split("\n")[0]!;

/** Reads what the plan needs; a family that cannot be read becomes a gap, never a failure. */
export async function readTenantFacts(reader: PlanReader, needs: TenantNeeds): Promise<TenantFacts> {
  const facts: TenantFacts = {
    numbers: new Map(),
    accounts: new Map(),
    skus: new Map(),
    gaps: [],
    identity: reader.identity,
  };
  const failed = new Map<string, string>();
  const attempt = async <T>(family: string, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (e) {
      if (!failed.has(family)) failed.set(family, why(e));
      return undefined;
    }
  };

  const [skus] = await Promise.all([
    needs.skus.length ? attempt("licence seats (GET /subscribedSkus)", () => reader.skus()) : undefined,
    ...needs.numbers.map(async (n) => {
      const r = await attempt("numbers (numberAssignments)", () => reader.number(n));
      if (r === undefined && failed.has("numbers (numberAssignments)")) return;
      const record: TenantNumber | null = r
        ? { numberType: r.numberType, holderId: r.assignmentTargetId, locationId: r.locationId }
        : null;
      facts.numbers.set(n, record);
    }),
  ]);
  const partNumbers = new Map((skus ?? []).map((s) => [s.skuId, s.skuPartNumber]));
  // A seat is wanted by SKU part number, or (Pay-As-You-Go) by the service plan the SKU holds.
  for (const want of needs.skus) {
    const s =
      (skus ?? []).find((k) => k.skuPartNumber === want) ?? (skus ?? []).find((k) => k.servicePlans.includes(want));
    if (s) facts.skus.set(want, { enabled: s.enabled, consumed: s.consumed });
  }

  const holders = [...facts.numbers.values()].flatMap((r) => (r?.holderId ? [r.holderId] : []));
  const users = new Map<string, Awaited<ReturnType<PlanReader["user"]>> | null>();
  await Promise.all(
    [...new Set([...needs.accounts.map((u) => u.toLowerCase()), ...holders])].map(async (key) => {
      const u = await attempt("accounts (GET /users)", () => reader.user(key));
      if (u !== undefined || !failed.has("accounts (GET /users)")) users.set(key, u ?? null);
    }),
  );
  for (const upn of needs.accounts) {
    const key = upn.toLowerCase();
    if (!users.has(key)) continue;
    const u = users.get(key);
    facts.accounts.set(
      key,
      u ? { id: u.id.toLowerCase(), licences: u.skuIds.map((id) => partNumbers.get(id) ?? id) } : null,
    );
  }
  for (const record of facts.numbers.values()) {
    const u = record?.holderId ? users.get(record.holderId) : undefined;
    if (record && u) record.holder = { userPrincipalName: u.userPrincipalName, displayName: u.displayName };
  }
  for (const [family, reason] of failed) facts.gaps.push(`${family}: ${reason}`);
  return facts;
}
