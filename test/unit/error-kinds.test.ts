/**
 * Error kinds: our codes map to kinds in one table (ERROR_KINDS), never through their message text;
 * text decides only for failures known as text from outside (a service's or a library's words).
 * regress-wait-timeout-repeats-an-assign: a number operation that ran out of time (WaitTimeout,
 * "…timed out…" in words) read as transient, so the assign was sent again while it still ran.
 */
import { ERROR_CODES, ERROR_KINDS, TenantError } from "../../provider/errors";
import type { NumberOnAccount } from "../../provider/tenant/model";
import { TenantNumberOps, type NumberTransport } from "../../provider/tenant/numbers/ops";
import { resolveTuning } from "../../provider/tuning";

const INSTANCE = "8f0e0f3e-1c77-4c52-9a43-2b1f2b9c5a11";

describe("error kinds", () => {
  test("every code has its kind in the table; the message text does not change it", () => {
    expect(ERROR_CODES).toEqual(Object.keys(ERROR_KINDS));
    for (const code of ERROR_CODES) {
      // Words that read as transient or throttled when matched as text.
      const e = new TenantError({ operation: "x", code, reason: "timed out after 503 ServiceUnavailable, 429" });
      expect([code, e.kind]).toEqual([code, ERROR_KINDS[code]]);
    }
    expect(ERROR_KINDS.WaitTimeout).toBe("permanent");
    expect(ERROR_KINDS.HostTimeout).toBe("outcomeUnknown");
  });

  test("a kind set where the error is raised wins; without a code, the status, then the outside words", () => {
    expect(
      new TenantError({ operation: "x", code: "FederatedTokenUnavailable", kind: "transient", reason: "r" }).kind,
    ).toBe("transient");
    expect(new TenantError({ operation: "x", status: 503, reason: "Service Unavailable" }).kind).toBe("transient");
    expect(new TenantError({ operation: "x", status: 400, reason: "timed out" }).kind).toBe("permanent");
    expect(new TenantError({ operation: "x", reason: "socket hang up" }).kind).toBe("transient");
    expect(new TenantError({ operation: "x", serviceCode: "TooManyRequests", reason: "slow down" }).kind).toBe(
      "throttled",
    );
  });

  test("regress-wait-timeout-repeats-an-assign: an assign whose operation wait timed out is sent once", async () => {
    const sent: string[] = [];
    const transport: NumberTransport = {
      get: async (n) => ({
        telephoneNumber: n,
        numberType: "CallingPlan",
        assignmentTargetId: null,
        assignmentStatus: "unassigned",
        activationState: "activated",
        locationId: null,
        capabilities: [],
      }),
      assign: async (r: NumberOnAccount) => {
        sent.push(r.phoneNumber);
        // What waitFor raises when the assign operation is still running at numberOperationTimeoutMs.
        throw new TenantError({
          operation: "waiting for the tenant to finish assigning +14255550100",
          code: "WaitTimeout",
          reason: "still not there after 10m (last seen: running)",
        });
      },
      unassign: async () => undefined,
      setLocation: async () => undefined,
    };
    const numbers = new TenantNumberOps(transport, () => ({ ...resolveTuning({}), pollIntervalMs: 1 }));
    const request = { phoneNumber: "+14255550100", instanceId: INSTANCE, numberType: "CallingPlan" as const };
    await expect(numbers.assign(request, "label")).rejects.toMatchObject({ errorCode: "WaitTimeout" });
    expect(sent).toEqual(["+14255550100"]);
  });
});
