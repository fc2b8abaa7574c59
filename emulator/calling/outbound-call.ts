/**
 * A synthetic outbound PSTN call placed by a resource account (on behalf of its bot): what Teams
 * requires by number type. Calling Plan numbers need a Pay-As-You-Go Calling Plan licence on the
 * account (azure-docs teams-phone-extensibility-connectivity-cost.md: "Outbound calls will fail after
 * November 1, 2025, if licenses aren't assigned"); Direct Routing numbers need an online voice
 * routing policy with PSTN usages (Grant-CsOnlineVoiceRoutingPolicy.md; "Direct Routing numbers aren't
 * affected by these licensing changes"); Operator Connect depends on the carrier (placed). Sources:
 * emulator/FIDELITY.md ("Calling").
 */
import { PAYG_SERVICE_PLANS } from "../constants";
import { EmulatorContext } from "../context";
import { isResourceAccount, planStatus } from "../rules";
import { UserRec } from "../state";
import { effectivePolicy } from "../teams/voice-routing";
import { ResultInfo } from "./incoming-call";

/** The admin action's answer. */
export type OutboundCallReport =
  | { placed: true; from: string; to: string; numberType: string; route: string }
  | {
      placed: false;
      from: string;
      to: string;
      missing: "resourceAccount" | "number" | "paygLicence" | "voiceRoutingPolicy";
      detail: string;
      numberType?: string;
      /** The field-reported failure of a Calling Plan call without funding (microsoft-graph-comms-samples issue 498). */
      message?: string;
      resultInfo?: ResultInfo;
    };

const CANNOT_ROUTE: ResultInfo = {
  code: 480,
  subcode: 10134,
  message: "Call rejected due to inability to route the call.",
};

/** The PAYG service plan the account holds provisioned, if any. */
function paygPlan(ctx: EmulatorContext, u: UserRec): string | undefined {
  const delay = ctx.faults.timings.licenceProvisioningDelayMs;
  for (const l of u.licenses)
    for (const p of ctx.store.sku(l.skuId)?.servicePlans ?? [])
      if (
        (PAYG_SERVICE_PLANS as readonly string[]).includes(p.servicePlanName) &&
        planStatus(l.assignedAtMs, l.disabledPlans.includes(p.servicePlanId), delay) === "Success"
      )
        return p.servicePlanName;
  return undefined;
}

/** Places an outbound call from a resource account (by UPN, object id, or its number) to a PSTN number. */
export function placeOutboundCall(ctx: EmulatorContext, from: string, to: string): OutboundCallReport {
  const byNumber = ctx.store.state.numbers.find((n) => n.telephoneNumber === from);
  const u = byNumber?.assignmentTargetId ? ctx.store.findUser(byNumber.assignmentTargetId) : ctx.store.findUser(from);
  if (!u || !isResourceAccount(u))
    return { placed: false, from, to, missing: "resourceAccount", detail: `${from} names no resource account.` };
  const rec = byNumber ?? ctx.store.state.numbers.find((n) => n.assignmentTargetId === u.id);
  if (!rec)
    return {
      placed: false,
      from,
      to,
      missing: "number",
      detail: `The resource account ${u.userPrincipalName} has no phone number to call from.`,
    };
  ctx.stats.calls.outgoing += 1;
  const base = { from: u.userPrincipalName, to, numberType: rec.numberType };
  if (rec.numberType === "callingPlan") {
    const plan = paygPlan(ctx, u);
    if (!plan)
      return {
        placed: false,
        ...base,
        missing: "paygLicence",
        detail: `${u.userPrincipalName} calls from the Calling Plan number ${rec.telephoneNumber} but holds no provisioned Pay-As-You-Go Calling Plan licence (service plan ${PAYG_SERVICE_PLANS.join(" or ")}).`,
        message: "CreateUsageRequest: Balance not found",
      };
    return { placed: true, ...base, route: `Calling Plan, billed through ${plan}` };
  }
  if (rec.numberType === "directRouting") {
    const policy = effectivePolicy(ctx, u);
    if (!policy || policy.onlinePstnUsages.length === 0)
      return {
        placed: false,
        ...base,
        missing: "voiceRoutingPolicy",
        detail: `${u.userPrincipalName} calls from the Direct Routing number ${rec.telephoneNumber}; its online voice routing policy (${policy ? policy.identity : "none"}) has no PSTN usages. Grant one with Grant-CsOnlineVoiceRoutingPolicy.`,
        resultInfo: CANNOT_ROUTE,
      };
    return {
      placed: true,
      ...base,
      route: `Direct Routing through ${policy.identity} (${policy.onlinePstnUsages.join(", ")})`,
    };
  }
  return { placed: true, ...base, route: "Operator Connect (the carrier's terms apply)" };
}
