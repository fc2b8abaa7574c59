/**
 * Calling readiness: the pieces a call to a bot's number needs, each with its fix, in one table that
 * the stack output `callingReady` and the preflight (scripts/preflight/calling.ts) both name. The
 * output judges what this stack declares, from its resources' outputs (no extra tenant reads, so
 * it never changes between two runs that change nothing); the preflight reads the tenant.
 * Sources: docs/calling-readiness.md.
 */
import * as pulumi from "@pulumi/pulumi";

import type {
  ApplicationInstance,
  BotPhoneNumber,
  CallingPlanLicence,
  VirtualUserLicense,
  VoiceRoutingPolicyAssignment,
} from "../provider";
import type { BotConfig } from "./config";

/** Each piece of the chain, named as the synthetic call names it, with its fix. */
export const READINESS_PIECES = {
  resourceAccount: {
    title: "the resource account exists (an Entra user Teams lists as an application instance)",
    fix: "Run pulumi up (the ApplicationInstance creates it), or check bots[].userPrincipalName.",
  },
  app: {
    title: "the bot's Entra app has a service principal in this tenant",
    fix: "Consent to the app in this tenant and grant it the Calls.* application permissions (or let the stack create it: createApp).",
  },
  botRegistration: {
    title: "an Azure Bot is registered with the bot's app id (msaAppId)",
    fix: "Declare azureBot on the bot (docs/calling-readiness.md), or register an Azure Bot whose Microsoft App ID is the bot's app id.",
  },
  teamsChannel: {
    title: "the Azure Bot has the Microsoft Teams channel, enabled",
    fix: "Add the Microsoft Teams channel to the Azure Bot (azureBot declares it).",
  },
  calling: {
    title: "calling is on in the Teams channel (enableCalling)",
    fix: "Azure portal → the Azure Bot → Channels → Microsoft Teams → Calling → Enable calling (azureBot declares it on).",
  },
  callingWebhook: {
    title: "the Teams channel has an https calling webhook",
    fix: "Set the Teams channel's Webhook (for calling) to the bot's https URL (azureBot.callingWebhook).",
  },
  applicationId: {
    title: "the resource account is mapped to the bot's app id",
    fix: "Run pulumi up (the ApplicationInstance maps it), or Sync-CsOnlineApplicationInstance -ApplicationId <app id>.",
  },
  licence: {
    title: "the resource account's licence is provisioned (MCOEV_VIRTUALUSER Success)",
    fix: "Run pulumi up again to keep waiting for provisioning (provisioningTimeoutMinutes).",
  },
  number: {
    title: "a phone number is assigned to the resource account",
    fix: "Give the bot a phoneNumber and numberType, then run pulumi up.",
  },
  paygLicence: {
    title: "outbound: a Pay-As-You-Go Calling Plan licence (MCOPSTN_PAYG_1/2) is provisioned",
    fix: "Declare outboundCalling.callingPlan (MCOPSTN_PAYG_1 zone 1, MCOPSTN_PAYG_2 zone 2) and fund Communications Credits.",
  },
  voiceRoutingPolicy: {
    title: "outbound: an online voice routing policy with PSTN usages is granted",
    fix: "Declare outboundCalling.voiceRoutingPolicy with a policy whose PSTN usages route the calls.",
  },
  credential: {
    title: "the app the stack creates has a credential for the bot's code",
    fix: "Declare createApp.credential (federated, certificate or password): createApp alone makes an app nobody can sign in as.",
  },
} as const;

/** A piece of the chain. */
export type ReadinessPiece = keyof typeof READINESS_PIECES;

/** What the `callingReady` output says. */
export interface CallingReadiness {
  ready: boolean;
  /** Pieces missing, each with its fix. */
  missing: { piece: ReadinessPiece; fix: string }[];
  /** Pieces this stack does not manage: `npm run preflight` reads them from the tenant. */
  unverified: ReadinessPiece[];
}

/** What the output is computed from: the bot's resources. */
export interface ReadinessInputs {
  appCreated: boolean;
  appId: pulumi.Output<string>;
  account: ApplicationInstance;
  licence: VirtualUserLicense;
  number: BotPhoneNumber | undefined;
  outbound: CallingPlanLicence | VoiceRoutingPolicyAssignment | undefined;
}

const missingPiece = (piece: ReadinessPiece) => ({ piece, fix: READINESS_PIECES[piece].fix });

/** The bot's `callingReady` output. */
export function callingReadiness(bot: BotConfig, r: ReadinessInputs): pulumi.Output<CallingReadiness> {
  const outbound: pulumi.Output<string | undefined> = !r.outbound
    ? pulumi.output(undefined)
    : "servicePlanStatus" in r.outbound
      ? r.outbound.servicePlanStatus
      : r.outbound.policyName;
  return pulumi
    .all([r.appId, r.account.applicationId, r.licence.servicePlanStatus, r.number?.assignmentStatus, outbound])
    .apply(([appId, mapped, licence, numberStatus, outboundState]) => {
      const missing: CallingReadiness["missing"] = [];
      const unverified: ReadinessPiece[] = [];
      if (!r.appCreated) unverified.push("app");
      if (!bot.azureBot) missing.push(missingPiece("botRegistration"));
      if ((mapped ?? "").toLowerCase() !== (appId ?? "").toLowerCase()) missing.push(missingPiece("applicationId"));
      if (licence !== "Success") missing.push(missingPiece("licence"));
      if (!numberStatus || numberStatus === "unassigned" || numberStatus === "unknown")
        missing.push(missingPiece("number"));
      const o = bot.outboundCalling;
      if (o?.callingPlan && outboundState !== "Success") missing.push(missingPiece("paygLicence"));
      if (o?.voiceRoutingPolicy && outboundState?.toLowerCase() !== o.voiceRoutingPolicy.toLowerCase())
        missing.push(missingPiece("voiceRoutingPolicy"));
      return { ready: missing.length === 0, missing, unverified };
    });
}
