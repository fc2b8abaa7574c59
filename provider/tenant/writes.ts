/**
 * Every change a service makes declares what it writes (WriteNeed) and how a refusal names it, in a
 * table beside the service (WriteTable); `guardWrites` checks the need before the change makes any
 * tenant call. Resources never call the write guard themselves, so none can forget it, and a
 * change missing from the table does not compile. The real guard reads the signed-in identity's
 * tokens (access/write-access.ts); the fake tenant's refuses what its identity is not granted.
 */
import type { WriteNeed } from "../access/catalogue";

/** Refuses a change (ReadOnlyIdentity, before any tenant call) when the identity lacks a need. */
export interface WriteGuard {
  require(needs: WriteNeed[], operation: string, resource?: string): Promise<void>;
}

/** How a refused change is named: what we were doing, on which resource. */
export interface Change {
  operation: string;
  resource?: string;
}

/** The changes of a service: methods that write. */
type Writes<W> = { [K in keyof W]: (...args: never[]) => Promise<unknown> };

/** For each change of a service: what it writes, and how a refusal names it (from the change's arguments). */
export type WriteTable<W extends Writes<W>> = {
  [K in keyof W]: { needs: WriteNeed[]; names: (...args: Parameters<W[K]>) => Change };
};

/** The changes `impl` makes, each checked against `table` by `guard` before it runs. */
export function guardWrites<W extends Writes<W>>(guard: WriteGuard, table: WriteTable<W>, impl: W): W {
  const guarded: Partial<W> = {};
  for (const key of Object.keys(table) as (keyof W)[]) {
    const change = impl[key];
    const { needs, names } = table[key];
    guarded[key] = (async (...args: Parameters<W[typeof key]>) => {
      const { operation, resource } = names(...args);
      await guard.require(needs, operation, resource);
      return change(...args);
    }) as W[typeof key];
  }
  return guarded as W;
}
