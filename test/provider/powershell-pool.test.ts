/**
 * The PowerShell side at scale, against the emulator through real execa-spawned stand-in hosts:
 * reads of many resource accounts answered by one instance listing, a pool of hosts that grows only
 * when cmdlets queue up (connects = hosts started), and throttling that pauses the whole pool.
 */
import type * as pulumi from "@pulumi/pulumi";

import type { Stats } from "../../emulator/context";
import { TokenSource } from "../../provider/access/tokens";
import { provider as typed } from "../../provider/resources/applicationInstance";
import { resolveTenantSettings } from "../../provider/settings";
import { HostPool, TeamsCmdlets } from "../../provider/tenant/powershell";
import { useTestClock } from "../helpers/clock";
import { captureProgress, checked, startHarness, type Harness } from "./harness";

const APP = "b2a4c6e8-1111-4222-8333-944455556666";
const provider = typed as pulumi.dynamic.ResourceProvider;

describe("PowerShell pool and instance listing", () => {
  let h: Harness;
  let progress: ReturnType<typeof captureProgress>;
  beforeAll(async () => {
    h = await startHarness();
    await h.configure(provider);
  });
  afterAll(async () => h?.stop());
  beforeEach(() => (progress = captureProgress()));
  afterEach(() => progress.restore());

  const stats = () => h.emulator.admin.get<Stats>("/stats");
  /** A pool of its own (not the provider's cached one), with these limits. */
  const pool = (maxHosts: number, backlogPerHost: number): HostPool => {
    const settings = resolveTenantSettings((k) => h.config[k], {});
    return new HostPool(settings, new TokenSource(settings), { callMs: 60_000, startMs: 120_000 }, () => ({
      maxHosts,
      backlogPerHost,
    }));
  };

  test("regress-refresh-one-listing: reads of many accounts in one provider process cost one cmdlet", async () => {
    const ids: { id: string; outs: Record<string, unknown> }[] = [];
    for (let i = 0; i < 6; i++) {
      const inputs = await checked<Record<string, unknown>>(provider, {
        userPrincipalName: `listed-${i}@contoso.com`,
        displayName: `Listed ${i}`,
        applicationId: APP,
        usageLocation: "US",
      });
      const r = await provider.create(inputs);
      ids.push({ id: r.id, outs: r.outs as Record<string, unknown> });
    }
    const before = await stats();
    const reads = await Promise.all(ids.map(({ id, outs }) => provider.read!(id, outs)));
    const after = await stats();
    expect(after.readCount.teams - before.readCount.teams).toBe(1);
    expect(reads.map((r) => r.props?.userPrincipalName)).toEqual(ids.map((_, i) => `listed-${i}@contoso.com`));
    expect(reads.every((r, i) => r.id === ids[i]!.id && r.props?.applicationId === APP)).toBe(true);
    // A read alone still costs one call (by identity), and a deleted account still reads as gone.
    const one = await stats();
    expect((await provider.read!(ids[0]!.id, ids[0]!.outs)).id).toBe(ids[0]!.id);
    expect((await stats()).readCount.teams - one.readCount.teams).toBe(1);
  });

  test("a few cmdlets keep one host; a backlog starts more, each connecting once", async () => {
    const p = pool(3, 4);
    const cmdlets = new TeamsCmdlets(p);
    try {
      const before = await stats();
      await Promise.all([0, 1, 2].map((i) => cmdlets.getPhoneNumberAssignment(`+1425555010${i}`)));
      expect({ hosts: p.hosts.length, starts: p.starts, connects: p.connects }).toEqual({
        hosts: 1,
        starts: 1,
        connects: 1,
      });
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          cmdlets.getPhoneNumberAssignment(`+142555501${String(i).padStart(2, "0")}`),
        ),
      );
      expect({ hosts: p.hosts.length, starts: p.starts, connects: p.connects }).toEqual({
        hosts: 3,
        starts: 3,
        connects: 3,
      });
      const after = await stats();
      expect(after.httpRequests.connect - before.httpRequests.connect).toBe(3);
      expect(after.readCount.teams - before.readCount.teams).toBe(33);
    } finally {
      await p.stop();
    }
  });

  describe("on the test clock (a pause lasts until the test moves the clock)", () => {
    const clock = useTestClock();

    test("a throttled cmdlet pauses the whole pool for its Retry-After; every call still succeeds", async () => {
      const p = pool(2, 1);
      const cmdlets = new TeamsCmdlets(p);
      const realSleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      try {
        // Both hosts up and connected before the storm.
        await Promise.all([0, 1, 2, 3].map((i) => cmdlets.getPhoneNumberAssignment(`+1425555010${i}`)));
        expect(p.hosts.length).toBe(2);
        await h.faults({ families: { teams: { throttleNext: 1, retryAfterSeconds: 2 } } });
        const before = await stats();
        const numbers = Array.from({ length: 8 }, (_, i) => `+1425555010${i % 6}`); // the fixture has six
        let settled = false;
        const all = Promise.all(numbers.map((n) => cmdlets.getPhoneNumberAssignment(n))).finally(
          () => (settled = true),
        );
        while (p.throttlePauses === 0) await realSleep(10);
        // A second into the pause (which lasts until the clock moves, however busy the machine is)
        // only what was handed out before the throttled answer arrived has run (each host's first
        // call, the throttled one counted too, and maybe one more from the host answered first);
        // without the pause the other host would have run all of them, 8, in well under a second.
        await realSleep(1_000);
        const halfway = await stats();
        expect(halfway.readCount.teams - before.readCount.teams).toBeLessThanOrEqual(4);
        while (!settled) {
          clock.advance(100);
          await realSleep(50);
        }
        const out = await all;
        expect(out.map((n) => n?.telephoneNumber)).toEqual(numbers);
        expect(p.throttlePauses).toBe(1);
        expect(progress.lines.join("")).toMatch(/Get-CsPhoneNumberAssignment: throttled, retrying in 2\.0s/);
      } finally {
        await h.faults({ families: { teams: { throttleNext: 0 } } });
        await p.stop();
      }
    });
  });
});
