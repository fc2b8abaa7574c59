/**
 * The voice routing policy operations the policies service is built on: the tenant's online voice
 * routing policies (Get-CsOnlineVoiceRoutingPolicy), the one granted to an account (Get-CsOnlineUser's
 * OnlineVoiceRoutingPolicy) and the grant itself (Grant-CsOnlineVoiceRoutingPolicy; `null` removes
 * it). Sources: office-docs-powershell Grant-CsOnlineVoiceRoutingPolicy.md, Get-CsOnlineUser.md.
 */
import type { TeamsCmdlets } from "../powershell/index";

/** Operations on the online voice routing policy of resource accounts. */
export interface PolicyOps {
  /** The names of the tenant's per-user online voice routing policies. */
  policies(): Promise<string[]>;
  /** The policy granted to the account (null: none); undefined when Teams does not know the account. */
  policyOf(instanceId: string): Promise<{ policyName: string | null } | undefined>;
  /** Grants `policyName` to the account; null removes its own policy (the Global one applies again). */
  grant(instanceId: string, policyName: string | null): Promise<void>;
}

/** Policy operations through the Teams cmdlets. */
export function cmdletPolicies(teams: TeamsCmdlets): PolicyOps {
  return {
    policies: () => teams.listVoiceRoutingPolicies(),
    policyOf: (instanceId) => teams.getVoiceRoutingPolicyOf(instanceId),
    grant: (instanceId, policyName) => teams.grantVoiceRoutingPolicy(instanceId, policyName),
  };
}
