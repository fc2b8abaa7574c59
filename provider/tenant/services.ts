/**
 * The services resources use (accounts, licences, numbers, locations, voice routing policies), built over the tenant operations — the
 * real ones (index.ts: Graph and the Teams cmdlets) or a test's in-memory ones — with the write
 * guard that checks every change. One builder for both, so a fake tenant runs the same services.
 */
import type { AccountOps } from "./accounts/ops";
import { accountService, type Accounts } from "./accounts/service";
import type { LicenceOps } from "./licences/ops";
import { licenceService, type Licences } from "./licences/service";
import type { MoveRegistry, MoveTuning } from "./moves/index";
import { locationService, type Locations } from "./numbers/locations";
import type { NumberOps } from "./numbers/ops";
import { numberService, type Numbers } from "./numbers/service";
import type { PolicyOps } from "./policies/ops";
import { policyService, type Policies } from "./policies/service";
import type { WriteGuard } from "./writes";

/** What the services are built on. */
export interface TenantOps {
  accounts: AccountOps;
  licences: LicenceOps;
  numbers: NumberOps;
  policies: PolicyOps;
}

/** The services by intent. */
export interface TenantServices {
  accounts: Accounts;
  licences: Licences;
  numbers: Numbers;
  locations: Locations;
  policies: Policies;
}

/** The services over `ops`, every change checked by `guard`; number moves waiting as `moves` says. */
export function servicesOver(
  ops: TenantOps,
  guard: WriteGuard,
  moves: { tuning: () => MoveTuning; registry?: MoveRegistry },
): TenantServices {
  return {
    accounts: accountService(ops.accounts, guard),
    licences: licenceService(ops.licences, guard),
    numbers: numberService(ops.numbers, guard, { userOf: (id) => ops.accounts.user(id), ...moves }),
    locations: locationService(ops.numbers, guard),
    policies: policyService(ops.policies, guard),
  };
}
