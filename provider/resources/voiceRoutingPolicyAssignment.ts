/**
 * VoiceRoutingPolicyAssignment: the online voice routing policy granted to a bot's resource
 * account, so the bot can place outbound PSTN calls from its Direct Routing number
 * (Grant-CsOnlineVoiceRoutingPolicy; office-docs-powershell Grant-CsOnlineVoiceRoutingPolicy.md).
 *
 * check: the policy name, and — when the identity may read them — that the tenant has the policy
 * (Get-CsOnlineVoiceRoutingPolicy), so a wrong name fails at preview. create/update: grant it.
 * read: Get-CsOnlineUser's OnlineVoiceRoutingPolicy ("" when none), so refresh shows another or a
 * removed grant as drift and `up` grants it again. replace: instanceId. delete: `-PolicyName $null`,
 * only while the account still holds this policy. The orchestration lives in the policies service.
 */
import * as pulumi from "@pulumi/pulumi";

import { voiceRoutingPolicyId } from "../ids";
import { RESOURCE_MODULES, TYPE_MODULE } from "../registry";
import { shim } from "../shim";
import { configureSession, tenant } from "../tenant";
import { normalizeGuid, normalizeLabel, normalizePolicyName, UNKNOWN, type CheckFailure } from "../validate";
import { checkWith, diffByRules, namedBy, type BotLabel, type Hooks } from "./common";

/** Inputs of a VoiceRoutingPolicyAssignment. */
export interface VoiceRoutingPolicyAssignmentArgs {
  /** Object id of the resource account (ApplicationInstance.objectId). */
  instanceId: pulumi.Input<string>;
  /** The per-user online voice routing policy, as `-PolicyName` takes it (e.g. US-DirectRouting). */
  policyName: pulumi.Input<string>;
  /** How the stack config names the bot, for messages. */
  bot?: pulumi.Input<string>;
}

/** Normalised inputs as check() returns them. */
interface Inputs extends BotLabel {
  instanceId: string;
  policyName: string;
}

/** Outputs recorded in state: the inputs as the tenant shows them. */
export type VoiceRoutingPolicyAssignmentOutputs = Inputs;

/** The voice routing policy of a resource account: `pulumi-nodejs:dynamic/teams:VoiceRoutingPolicyAssignment`. */
export class VoiceRoutingPolicyAssignment extends pulumi.dynamic.Resource {
  declare readonly instanceId: pulumi.Output<string>;
  declare readonly policyName: pulumi.Output<string>;

  constructor(name: string, args: VoiceRoutingPolicyAssignmentArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      shim("voiceRoutingPolicyAssignment"),
      name,
      args,
      opts,
      TYPE_MODULE,
      RESOURCE_MODULES.voiceRoutingPolicyAssignment.type,
    );
  }
}

const label = (i: Inputs): string => `voice routing policy ${i.policyName} on ${i.instanceId}`;

const checkShape = checkWith<Inputs>((c) => {
  c.dependency("instanceId", (v) => normalizeGuid(v, "an object id (ApplicationInstance.objectId)"));
  c.required("policyName", normalizePolicyName);
  c.optional("bot", normalizeLabel);
});

/**
 * The tenant's policies when the identity may read them; undefined (not checked) when it may not or
 * the host cannot start: the grant names a missing policy then.
 */
async function tenantPolicies(who: string): Promise<string[] | undefined> {
  try {
    return await tenant().policies.names(who);
  } catch {
    return undefined;
  }
}

/** The implementation the shim loads at call time. */
export const provider: Hooks<Inputs, VoiceRoutingPolicyAssignmentOutputs> = namedBy({
  configure: configureSession,

  async check(olds, news) {
    const checked = await checkShape(olds, news);
    const name = checked.inputs.policyName;
    if (checked.failures.length > 0 || !name || name === UNKNOWN) return checked;
    const known = await tenantPolicies(checked.inputs.bot ?? name);
    if (known && !known.some((k) => k.toLowerCase() === name.toLowerCase())) {
      const failure: CheckFailure = {
        property: "policyName",
        reason:
          `${checked.inputs.bot ? `${checked.inputs.bot}: ` : ""}the tenant has no online voice routing policy "${name}" ` +
          `(it has ${known.join(", ") || "none but Global"}). Correct outboundCalling.voiceRoutingPolicy, or create the ` +
          `policy first (New-CsOnlineVoiceRoutingPolicy). Nothing was changed.`,
      };
      return { inputs: checked.inputs, failures: [failure] };
    }
    return checked;
  },

  diff: async (_id, olds, news) =>
    diffByRules<Inputs>(olds, news, { compare: ["instanceId", "policyName"], replaceOn: ["instanceId"], stables: [] }),

  async create(inputs) {
    await tenant().policies.grant({ ...inputs, label: label(inputs) });
    return { id: voiceRoutingPolicyId.format(inputs), outs: inputs };
  },

  async read(id, props) {
    const { instanceId } = voiceRoutingPolicyId.parse(id);
    const policyName = await tenant().policies.current(instanceId, props?.bot ?? instanceId);
    if (policyName === undefined) return {};
    return { id, props: { ...(props?.bot ? { bot: props.bot } : {}), instanceId, policyName } };
  },

  async update(_id, _olds, news) {
    await tenant().policies.grant({ ...news, label: label(news) });
    return { outs: news };
  },

  async delete(_id, props) {
    await tenant().policies.revoke({ ...props, label: label(props) });
  },
});
