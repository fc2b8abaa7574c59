/**
 * CallingPlanLicence: the Pay-As-You-Go Calling Plan licence a bot's resource account needs to place
 * outbound PSTN calls from a Calling Plan number (azure-docs teams-phone-extensibility-connectivity-cost:
 * outbound calls fail without it). A second licence beside the account's VirtualUserLicense, not one
 * licence resource with a list of SKUs: removing `outboundCalling` deletes exactly this resource
 * (the account keeps the licence every bot needs), its drift and its wait are its own, and a failed
 * change of it can never touch the resource-account licence.
 *
 * The SKU is found by its service plan (MCOPSTN_PAYG_1 zone 1, MCOPSTN_PAYG_2 zone 2: the part
 * numbers differ by country), with the same free-seat check, usage-location wait and provisioning
 * wait as the VirtualUserLicense (the licences service). update: only how long to wait; another
 * plan replaces it. read: licenseDetails. delete: remove the licence.
 */
import * as pulumi from "@pulumi/pulumi";

import { withPartialState } from "../errors";
import { virtualUserLicenseId as licenceId } from "../ids";
import { RESOURCE_MODULES, TYPE_MODULE } from "../registry";
import { shim } from "../shim";
import { configureSession, tenant, type LicenceRequest, type LicenceState, type Outcome } from "../tenant";
import { normalizeGuid, normalizeLabel, normalizePaygServicePlan, normalizeProvisioningMinutes } from "../validate";
import { checkWith, diffByRules, namedBy, type BotLabel, type Hooks } from "./common";

/** Inputs of a CallingPlanLicence. */
export interface CallingPlanLicenceArgs {
  /** Object id of the resource account (ApplicationInstance.objectId). */
  userId: pulumi.Input<string>;
  /** The Pay-As-You-Go Calling Plan service plan: MCOPSTN_PAYG_1 (zone 1) or MCOPSTN_PAYG_2 (zone 2). */
  servicePlanName: pulumi.Input<string>;
  /** How long to wait for provisioning, in minutes (default 30). */
  provisioningTimeoutMinutes?: pulumi.Input<number>;
  /** How the stack config names the bot, for messages. */
  bot?: pulumi.Input<string>;
}

/** Normalised inputs as check() returns them. */
interface Inputs extends BotLabel {
  userId: string;
  servicePlanName: string;
  provisioningTimeoutMinutes: number;
}

/** Outputs recorded in state. */
export interface CallingPlanLicenceOutputs extends Inputs {
  /** The SKU that holds the plan, e.g. Microsoft_Teams_Calling_Plan_pay_as_you_go_(country_zone_1_US). */
  skuPartNumber: string;
  skuId: string;
  /** The plan's provisioningStatus, e.g. Success or PendingProvisioning. */
  servicePlanStatus: string;
}

/** The PAYG Calling Plan licence of a resource account: `pulumi-nodejs:dynamic/teams:CallingPlanLicence`. */
export class CallingPlanLicence extends pulumi.dynamic.Resource {
  declare readonly userId: pulumi.Output<string>;
  declare readonly servicePlanName: pulumi.Output<string>;
  declare readonly skuPartNumber: pulumi.Output<string>;
  declare readonly skuId: pulumi.Output<string>;
  declare readonly servicePlanStatus: pulumi.Output<string>;

  constructor(name: string, args: CallingPlanLicenceArgs, opts?: pulumi.CustomResourceOptions) {
    const props = { skuPartNumber: undefined, skuId: undefined, servicePlanStatus: undefined, ...args };
    super(shim("callingPlanLicence"), name, props, opts, TYPE_MODULE, RESOURCE_MODULES.callingPlanLicence.type);
  }
}

const DEFAULT_TIMEOUT_MINUTES = 30;

function request(inputs: Inputs): LicenceRequest {
  return {
    userId: inputs.userId,
    skuPartNumber: inputs.servicePlanName,
    servicePlanName: inputs.servicePlanName,
    waitForProvisioning: true,
    provisioningTimeoutMinutes: inputs.provisioningTimeoutMinutes,
    label: `${inputs.servicePlanName} on ${inputs.userId}`,
  };
}

/** The outputs of a change (the SKU's part number read back), or the error with what the account holds now. */
async function settled(inputs: Inputs, outcome: Outcome<LicenceState>): Promise<CallingPlanLicenceOutputs> {
  const state = outcome.ok ? outcome.value : outcome.exists;
  const label = request(inputs).label;
  const held = await tenant().licences.find(inputs.userId, state.skuId, label, inputs.servicePlanName);
  const outs = {
    ...inputs,
    skuPartNumber: held?.skuPartNumber ?? "",
    skuId: state.skuId,
    servicePlanStatus: state.servicePlanStatus,
  };
  if (outcome.ok) return outs;
  throw withPartialState(outcome.error, licenceId.format({ userId: inputs.userId, skuId: state.skuId }), outs);
}

/** The implementation the shim loads at call time. */
export const provider: Hooks<Inputs, CallingPlanLicenceOutputs> = namedBy({
  configure: configureSession,

  check: checkWith<Inputs>((c) => {
    c.dependency("userId", (v) => normalizeGuid(v, "an object id (ApplicationInstance.objectId)"));
    c.required("servicePlanName", normalizePaygServicePlan);
    c.optional("provisioningTimeoutMinutes", normalizeProvisioningMinutes, DEFAULT_TIMEOUT_MINUTES);
    c.optional("bot", normalizeLabel);
  }),

  diff: async (_id, olds, news) =>
    diffByRules<Inputs>(olds, news, {
      compare: ["userId", "servicePlanName", "provisioningTimeoutMinutes"],
      replaceOn: ["userId", "servicePlanName"],
      stables: ["skuId", "skuPartNumber"],
    }),

  async create(inputs) {
    const outs = await settled(inputs, await tenant().licences.ensure(request(inputs)));
    return { id: licenceId.format({ userId: inputs.userId, skuId: outs.skuId }), outs };
  },

  async read(id, props) {
    const { userId, skuId } = licenceId.parse(id);
    const plan = props?.servicePlanName;
    const licence = await tenant().licences.find(userId, skuId, licenceId.label({ userId, skuId }, plan), plan);
    if (!licence) return {};
    const inputs: Inputs = {
      userId,
      servicePlanName: plan ?? licence.servicePlanName,
      provisioningTimeoutMinutes: props?.provisioningTimeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES,
      ...(props?.bot ? { bot: props.bot } : {}),
    };
    const { skuPartNumber, servicePlanStatus } = licence;
    return { id, props: { ...inputs, skuPartNumber, skuId, servicePlanStatus } };
  },

  async update(_id, olds, news) {
    const changed = await tenant().licences.change({
      from: {
        skuId: olds.skuId,
        skuPartNumber: olds.servicePlanName,
        servicePlanName: olds.servicePlanName,
        servicePlanStatus: olds.servicePlanStatus,
      },
      to: request(news),
    });
    return { outs: changed ? await settled(news, changed) : { ...olds, ...news } };
  },

  async delete(id, props) {
    const { userId, skuId } = licenceId.parse(id);
    const label = licenceId.label({ userId, skuId }, props.servicePlanName);
    await tenant().licences.remove({ userId, skuId, skuPartNumber: props.servicePlanName, label });
  },
});
