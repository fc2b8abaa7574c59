/**
 * Reads of resource accounts gathered into one instance listing: concurrent reads (a refresh, a
 * bulk create's lookups) wait for a short gathering window and then for a free host; whatever has
 * gathered when the host takes the call is answered by ONE `Get-CsOnlineApplicationInstance`
 * without -Identity ("returns the details of all application instances", Microsoft's cmdlet page),
 * matched by object id or UPN. A read alone still costs one `-Identity` call. Reads that arrive
 * after the host took the call wait for the next one, so none is answered from a listing that
 * started before it was asked.
 */
import type { InvokeRequest } from "../../../protocol/host-protocol";
import { GatherWindow } from "../gather";

/** One gathered read. */
interface Read {
  identity: string;
  resolve: (output: Record<string, unknown>[] | undefined) => void;
  reject: (e: unknown) => void;
}

/** How a group of reads reaches the tenant. */
export interface InstanceReadCall {
  /**
   * Runs Get-CsOnlineApplicationInstance with the parameters `take()` returns when a host takes
   * the call (retries reuse them); resolves with the cmdlet's output.
   */
  (take: () => InvokeRequest["parameters"]): Promise<Record<string, unknown>[]>;
}

/** What an identity is matched on in a listing (object id or UPN, case-insensitive). */
function matches(o: Record<string, unknown>, identity: string): boolean {
  const wanted = identity.toLowerCase();
  return Object.entries(o).some(
    ([k, v]) => /^(objectid|userprincipalname)$/i.test(k) && typeof v === "string" && v.toLowerCase() === wanted,
  );
}

/** Reads waiting for one call; `dispatched` once the call is queued (reads still join until a host takes it). */
interface Group {
  reads: Read[];
  dispatched: boolean;
}

/** Gathers reads of application instances (one per provider process and tenant). */
export class InstanceReads {
  /** Listings and single reads sent (tests and benchmarks). */
  readonly sent = { listings: 0, singles: 0 };
  private open: Group | undefined;
  private readonly window: GatherWindow;

  constructor(
    private readonly call: InstanceReadCall,
    private readonly isNotFound: (e: unknown) => boolean,
    windowMs: number,
  ) {
    this.window = new GatherWindow(windowMs, () => this.flush());
  }

  /**
   * The raw cmdlet output for this identity (object id or UPN): `[]` or undefined when Teams does
   * not know it.
   */
  read(identity: string): Promise<Record<string, unknown>[] | undefined> {
    return new Promise((resolve, reject) => {
      const group = (this.open ??= { reads: [], dispatched: false });
      group.reads.push({ identity, resolve, reject });
      if (!group.dispatched) this.window.arrived();
    });
  }

  private flush(): void {
    const group = this.open;
    if (!group || group.dispatched) return;
    group.dispatched = true;
    const close = (): Read[] => {
      if (this.open === group) this.open = undefined;
      return group.reads;
    };
    // The group closes when a host takes the call; retries reuse what was taken.
    let taken: Read[] | undefined;
    const take = (): InvokeRequest["parameters"] => {
      if (!taken) {
        taken = close();
        if (taken.length === 1) this.sent.singles += 1;
        else this.sent.listings += 1;
      }
      return taken.length === 1 ? { Identity: taken[0]!.identity } : {};
    };
    this.call(take).then(
      (output) => {
        const reads = taken ?? close();
        if (reads.length === 1) reads[0]!.resolve(output);
        else for (const r of reads) r.resolve(output.filter((o) => matches(o, r.identity)));
      },
      (e: unknown) => {
        const reads = taken ?? close();
        if (reads.length === 1 && this.isNotFound(e)) reads[0]!.resolve(undefined);
        else for (const r of reads) r.reject(e);
      },
    );
  }
}
