/**
 * A bot's calling in the number plan (pure): its outbound calling change, read from the engine's
 * steps (CallingPlanLicence: the Pay-As-You-Go licence; VoiceRoutingPolicyAssignment: the voice
 * routing policy), and the pieces of the calling chain its config does not declare.
 *
 * Readiness comes from the config, not from the stack's `callingReady` output: in a preview that
 * output is the last run's value or unknown, and most of what it judges (licence `Success`, the
 * number assigned) exists only after `pulumi up`. What the stack declares is known before the run
 * and is what the pull request changes. The pieces are the ones `callingReady` names
 * (stacks/readiness.ts); the tenant's side is `npm run preflight -- --calling`.
 */
import type { BotConfig } from "../../stacks/config";
import { READINESS_PIECES, type ReadinessPiece } from "../../stacks/readiness";
import { str, TEAMS, type Tracked } from "./steps";

export const CALLING_PLAN_LICENCE = `${TEAMS}CallingPlanLicence`;
export const VOICE_ROUTING = `${TEAMS}VoiceRoutingPolicyAssignment`;

/** What happens to a bot's outbound calling in this run. */
export interface OutboundChange {
  kind: "callingPlan" | "voiceRoutingPolicy";
  op: "create" | "update" | "replace" | "delete" | "keep";
  /** Service plan (MCOPSTN_PAYG_1/2) or policy name, before and after the run. */
  before?: string;
  after?: string;
}

const valueOf = (kind: OutboundChange["kind"], s: Tracked["before"]): string | undefined =>
  kind === "callingPlan" ? str(s?.inputs.servicePlanName) : str(s?.inputs.policyName);

/** The engine's op → the row's (an import of an outbound resource would be a create: the stack does not adopt them). */
const OPS: Record<string, OutboundChange["op"] | undefined> = {
  create: "create",
  import: "create",
  update: "update",
  replace: "replace",
  delete: "delete",
};

/** The outbound change of a bot's CallingPlanLicence or VoiceRoutingPolicyAssignment step. */
export function outboundOf(t: (Tracked & { step: { type: string } }) | undefined): OutboundChange | undefined {
  if (!t) return undefined;
  const kind = t.step.type === CALLING_PLAN_LICENCE ? "callingPlan" : "voiceRoutingPolicy";
  const op = OPS[t.op];
  if (!op && !t.after) return undefined;
  return {
    kind,
    op: op ?? "keep",
    before: valueOf(kind, t.before),
    after: t.after ? valueOf(kind, t.after) : undefined,
  };
}

/** A bot that declares part of the calling chain (an Azure Bot, outbound calling or a created app's credential). */
export function declaresCalling(b: BotConfig): boolean {
  return b.azureBot !== undefined || b.outboundCalling !== undefined || b.createApp?.credential !== undefined;
}

/**
 * The pieces of the calling chain the bot's config leaves out, in `callingReady`'s names. Only for
 * bots that declare part of the chain: a stack that manages numbers only (its Azure Bots registered
 * by hand) would otherwise carry the same warning on every bot of every pull request.
 */
export function undeclaredPieces(b: BotConfig): ReadinessPiece[] {
  if (!declaresCalling(b)) return [];
  const missing: ReadinessPiece[] = [];
  if (!b.azureBot) missing.push("botRegistration");
  if (!b.phoneNumber) missing.push("number");
  else if (!b.outboundCalling && b.numberType === "CallingPlan") missing.push("paygLicence");
  else if (!b.outboundCalling && b.numberType === "DirectRouting") missing.push("voiceRoutingPolicy");
  if (b.createApp && !b.createApp.credential) missing.push("credential");
  return missing;
}

/** Short words for a piece in a warning (the field that declares it). */
const PIECE_WORDS: Partial<Record<ReadinessPiece, string>> = {
  botRegistration: "no Azure Bot with Teams calling (azureBot)",
  number: "no phone number (phoneNumber)",
  paygLicence: "no outbound calls (outboundCalling.callingPlan)",
  voiceRoutingPolicy: "no outbound calls (outboundCalling.voiceRoutingPolicy)",
  credential: "no credential for the bot's code (createApp.credential)",
};

/** The warning text for a bot with undeclared pieces. */
export function readinessWarning(name: string, pieces: ReadinessPiece[]): string {
  const words = pieces.map((p) => PIECE_WORDS[p] ?? READINESS_PIECES[p].title);
  return `${name} is not ready for calls as declared: ${words.join("; ")}. See docs/calling-readiness.md; \`npm run preflight -- --calling\` checks the tenant's side.`;
}
