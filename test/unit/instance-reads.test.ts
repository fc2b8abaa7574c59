/**
 * InstanceReads: concurrent reads of resource accounts are answered by ONE instance listing
 * (Get-CsOnlineApplicationInstance without -Identity), a read alone by one -Identity call; reads
 * join until a host takes the call, later ones wait for the next call. Pure logic: the call is a fake.
 */
import type { InvokeRequest } from "../../protocol/host-protocol";
import { TenantError } from "../../provider/errors";
import { InstanceReads } from "../../provider/tenant/powershell";
import { isNotFound } from "../../provider/tenant/powershell/errors";

const tenant = [
  { ObjectId: "AAAA-1", UserPrincipalName: "bot-1@contoso.com", DisplayName: "Bot 1" },
  { ObjectId: "aaaa-2", UserPrincipalName: "Bot-2@contoso.com", DisplayName: "Bot 2" },
  { ObjectId: "aaaa-3", UserPrincipalName: "bot-3@contoso.com", DisplayName: "Bot 3" },
];

/** A fake cmdlet call: records the parameters taken; `hold` delays when the "host" takes the call. */
function fakeCall(opts: { hold?: Promise<void>; fail?: unknown } = {}) {
  const calls: InvokeRequest["parameters"][] = [];
  const call = async (take: () => InvokeRequest["parameters"]): Promise<Record<string, unknown>[]> => {
    await opts.hold;
    const p = take();
    // A retry takes the same parameters again.
    expect(take()).toEqual(p);
    calls.push(p);
    if (opts.fail) throw opts.fail;
    if (p.Identity === undefined) return tenant;
    const one = tenant.filter((t) => t.ObjectId.toLowerCase() === String(p.Identity).toLowerCase());
    if (!one.length)
      throw new TenantError({ operation: "Get-CsOnlineApplicationInstance", status: 404, reason: "NotFound" });
    return one;
  };
  return { calls, call };
}

describe("InstanceReads", () => {
  test("regress-refresh-one-listing: concurrent reads cost one listing, each gets its own account", async () => {
    const f = fakeCall();
    const reads = new InstanceReads(f.call, isNotFound, 5);
    const [a, b, missing] = await Promise.all([
      reads.read("aaaa-1"),
      reads.read("bot-2@contoso.com"),
      reads.read("zzzz-9"),
    ]);
    expect(f.calls).toEqual([{}]);
    expect(a).toEqual([tenant[0]]);
    expect(b).toEqual([tenant[1]]);
    expect(missing).toEqual([]);
    expect(reads.sent).toEqual({ listings: 1, singles: 0 });
  });

  test("a read alone costs one -Identity call; not found reads as undefined", async () => {
    const f = fakeCall();
    const reads = new InstanceReads(f.call, isNotFound, 5);
    expect(await reads.read("aaaa-3")).toEqual([tenant[2]]);
    expect(await reads.read("zzzz-9")).toBeUndefined();
    expect(f.calls).toEqual([{ Identity: "aaaa-3" }, { Identity: "zzzz-9" }]);
    expect(reads.sent).toEqual({ listings: 0, singles: 2 });
  });

  test("reads join the call until a host takes it; later reads wait for the next call", async () => {
    let release!: () => void;
    const f = fakeCall({ hold: new Promise<void>((r) => (release = r)) });
    const reads = new InstanceReads(f.call, isNotFound, 5);
    const first = reads.read("aaaa-1");
    await new Promise((r) => setTimeout(r, 30)); // the window closed, the call waits for a host
    const joined = reads.read("aaaa-2");
    release();
    expect(await first).toEqual([tenant[0]]);
    expect(await joined).toEqual([tenant[1]]);
    expect(f.calls).toEqual([{}]);
    const later = await reads.read("aaaa-3");
    expect(later).toEqual([tenant[2]]);
    expect(f.calls).toEqual([{}, { Identity: "aaaa-3" }]);
  });

  test("a failed listing fails every read of it with the cmdlet's error", async () => {
    const error = new TenantError({ operation: "Get-CsOnlineApplicationInstance", status: 403, reason: "Forbidden" });
    const f = fakeCall({ fail: error });
    const reads = new InstanceReads(f.call, isNotFound, 5);
    const results = await Promise.allSettled([reads.read("aaaa-1"), reads.read("aaaa-2")]);
    expect(results).toEqual([
      { status: "rejected", reason: error },
      { status: "rejected", reason: error },
    ]);
  });
});
