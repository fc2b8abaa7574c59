/**
 * The policies service: what the VoiceRoutingPolicyAssignment resource asks for — the online voice
 * routing policy a Direct Routing bot places outbound calls through, granted to its resource account,
 * read back for drift, and removed (`-PolicyName $null`) only while the account still holds it.
 * Every change declares its write need in POLICY_WRITES (the Teams cmdlets: the `teams` need).
 */
import { during } from "../../errors";
import { progress } from "../../log";
import { guardWrites, type WriteGuard, type WriteTable } from "../writes";
import type { PolicyOps } from "./ops";

/** The policy a resource declares on an account (`label` names the resource in messages). */
export interface PolicyRequest {
  instanceId: string;
  policyName: string;
  label: string;
}

/** The changes of the policies service. */
export interface PolicyWrites {
  /** Grants the policy to the account (a grant of the policy it holds changes nothing in Teams). */
  grant(request: PolicyRequest): Promise<void>;
  /** Removes the account's own policy when it is still `policyName`; another one is left alone. */
  revoke(request: PolicyRequest): Promise<void>;
}

/** Online voice routing policies of resource accounts: the reads, and the changes of PolicyWrites. */
export interface Policies extends PolicyWrites {
  /** The policy granted to the account ("" when none); undefined when the account is gone. */
  current(instanceId: string, label: string): Promise<string | undefined>;
  /** The tenant's per-user policy names. */
  names(label: string): Promise<string[]>;
}

/** What each change writes, and how a refusal names it. */
export const POLICY_WRITES: WriteTable<PolicyWrites> = {
  grant: {
    needs: ["teams"],
    names: (r) => ({
      operation: `granting voice routing policy ${r.policyName} to ${r.instanceId}`,
      resource: r.label,
    }),
  },
  revoke: {
    needs: ["teams"],
    names: (r) => ({
      operation: `removing voice routing policy ${r.policyName} from ${r.instanceId}`,
      resource: r.label,
    }),
  },
};

/** The policies service over these operations; every change checked by `guard`. */
export function policyService(ops: PolicyOps, guard: WriteGuard): Policies {
  const current = async (instanceId: string, label: string): Promise<string | undefined> => {
    const held = await during(`reading the voice routing policy of ${instanceId}`, label, () =>
      ops.policyOf(instanceId),
    );
    return held === undefined ? undefined : (held.policyName ?? "");
  };
  return {
    current,
    names: (label) => during("reading the tenant's voice routing policies", label, () => ops.policies()),
    ...guardWrites(guard, POLICY_WRITES, {
      grant: (r) =>
        during(`granting voice routing policy ${r.policyName} to ${r.instanceId}`, r.label, () =>
          ops.grant(r.instanceId, r.policyName),
        ),
      revoke: async (r) => {
        const held = await current(r.instanceId, r.label);
        if (held === undefined || held.toLowerCase() !== r.policyName.toLowerCase()) {
          progress(r.label, `voice routing policy ${r.policyName} not held (${held || "none"}): nothing to remove`);
          return;
        }
        await during(`removing voice routing policy ${r.policyName} from ${r.instanceId}`, r.label, () =>
          ops.grant(r.instanceId, null),
        );
      },
    }),
  };
}
