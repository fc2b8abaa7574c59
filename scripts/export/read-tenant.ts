/**
 * Every tenant read of `npm run export` lives here, behind one narrow interface (TenantReader), so
 * the export and `--check` never touch a transport. Reads only: nothing in this module writes.
 *
 * Implemented on the provider's tenant layer (`tenantParts`): Graph users, licences and numbers (the
 * Graph client gathers concurrent GETs into `$batch` requests of 20), the instance listing through
 * the provider's Teams cmdlets. Cost for N accounts: one `Get-CsOnlineApplicationInstance` without
 * `-Identity` (Microsoft's example 4: "returns the details of all application instances"),
 * ⌈N / 20⌉ `$batch` requests for the users (UPN, display name, usage location, assignedLicenses),
 * one `/subscribedSkus` (licence part numbers), and the number inventory read once (500 per page).
 */
import type { TenantSettings } from "../../provider/settings";
import {
  closeTenants,
  tenantParts,
  type NumberAssignment,
  type TeamsInstance,
  type TenantUser,
} from "../../provider/tenant/index";

/** A resource account as the Teams cmdlets list it. */
export type ApplicationInstance = TeamsInstance;

export type { NumberAssignment, TenantUser };

/** The reads the export needs, and nothing else. */
export interface TenantReader {
  /** Every application instance (resource account) of the tenant. */
  listInstances(): Promise<ApplicationInstance[]>;
  /** The Entra users behind these object ids (absent from the map when Graph does not know one). */
  getUsers(objectIds: string[], onProgress?: (done: number, total: number) => void): Promise<Map<string, TenantUser>>;
  /** Licence part number of every SKU the tenant subscribes to, by skuId (lower-case). */
  licencePartNumbers(): Promise<Map<string, string>>;
  /** The tenant's whole number inventory, read once. */
  listNumbers(): Promise<NumberAssignment[]>;
  /** Stops what the reader started (the PowerShell host). */
  close(): Promise<void>;
}

/** Everything the export knows about the tenant after reading it. */
export interface TenantSnapshot {
  instances: ApplicationInstance[];
  /** By object id. */
  users: Map<string, TenantUser>;
  /** skuId → part number. */
  skuPartNumbers: Map<string, string>;
  numbers: NumberAssignment[];
}

/** A reader on the provider's tenant layer for these settings. */
export function openTenantReader(settings: TenantSettings): TenantReader {
  const { graph, teams } = tenantParts(settings);
  return {
    listInstances: () => teams.listApplicationInstances(),
    async getUsers(objectIds, onProgress) {
      const users = new Map<string, TenantUser>();
      let done = 0;
      // All at once: the Graph client's batcher sends them as $batch requests of 20, 4 in flight.
      await Promise.all(
        objectIds.map(async (id) => {
          const user = await graph.users.get(id);
          if (user) users.set(id, user);
          onProgress?.(++done, objectIds.length);
        }),
      );
      return users;
    },
    async licencePartNumbers() {
      const skus = await graph.licences.subscribedSkus();
      return new Map(skus.map((s) => [s.skuId.toLowerCase(), s.skuPartNumber]));
    },
    listNumbers: () => graph.numbers.list({}),
    close: () => closeTenants(),
  };
}

/** Reads what the export needs, reporting progress (stage lines, users every 10 %). */
export async function readTenant(reader: TenantReader, progress: (line: string) => void): Promise<TenantSnapshot> {
  progress("listing resource accounts (Get-CsOnlineApplicationInstance)");
  // The instance listing (PowerShell) and the Graph reads that do not depend on it run side by side.
  const [instances, skuPartNumbers, numbers] = await Promise.all([
    reader.listInstances(),
    reader.licencePartNumbers(),
    reader.listNumbers(),
  ]);
  progress(`${instances.length} resource accounts, ${numbers.length} numbers in the inventory; reading their users`);
  const ids = [...new Set(instances.map((i) => i.objectId))];
  let lastTenth = 0;
  const users = await reader.getUsers(ids, (done, total) => {
    const tenth = Math.floor((done * 10) / total);
    if (total >= 50 && tenth > lastTenth) {
      lastTenth = tenth;
      progress(`users ${done}/${total}`);
    }
  });
  return { instances, users, skuPartNumbers, numbers };
}
