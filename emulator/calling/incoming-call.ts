/**
 * A synthetic incoming PSTN call to a phone number: follows the chain Teams follows — number →
 * resource account → its application id (the APS mapping) → the Azure Bot with that msaAppId → its
 * Microsoft Teams channel with calling on and an https calling webhook — and, when the chain is
 * whole, POSTs Graph's incoming-call notification (commsNotifications with a `call` in state
 * `incoming`) to the webhook with the bearer token call-notifications.md describes. When a piece
 * is missing it reports which, with the error Microsoft's pages or field reports show for it.
 * Sources: emulator/FIDELITY.md ("Calling").
 */
import * as crypto from "crypto";
import * as https from "https";
import * as tls from "tls";

import { botId, botsForApp, findChannel } from "../arm/bots";
import { EmulatorContext } from "../context";
import { isLoopbackHost } from "../net";
import { isResourceAccount, normaliseNumber } from "../rules";

/** A piece of the chain that can be missing. */
export type CallPiece =
  | "number"
  | "resourceAccount"
  | "applicationId"
  | "botRegistration"
  | "teamsChannel"
  | "calling"
  | "callingWebhook"
  | "webhookResponse";

/** The Graph calling error a missing registration gives (field reports: `{"errorCode":"7503",…}`). */
export interface CallingError {
  errorCode: string;
  message: string;
  instanceAnnotations: [];
}

/** A call's end reason (call-delete.md, "Call end reason codes"). */
export interface ResultInfo {
  code: number;
  subcode: number;
  message: string;
}

/** What the chain resolved to, as far as it got. */
export interface CallChain {
  telephoneNumber: string;
  numberType?: string;
  resourceAccount?: { id: string; userPrincipalName: string; displayName: string };
  applicationId?: string;
  bot?: { id: string; name: string; msaAppId: string; msaAppType: string | null };
  teamsChannel?: { isEnabled: boolean; enableCalling: boolean; callingWebhook: string | null };
}

/** The admin action's answer. */
export type IncomingCallReport =
  | {
      delivered: true;
      callId: string;
      chain: CallChain;
      webhook: { url: string; status: number };
      notification: unknown;
    }
  | {
      delivered: false;
      missing: CallPiece;
      detail: string;
      chain: CallChain;
      error?: CallingError;
      resultInfo?: ResultInfo;
      webhook?: { url: string; status?: number; failure?: string };
    };

const NOT_REGISTERED: CallingError = {
  errorCode: "7503",
  message: "Application is not registered in our store.",
  instanceAnnotations: [],
};
const NO_ENDPOINTS: ResultInfo = { code: 480, subcode: 10037, message: "No callee endpoints were found." };
const UNREACHABLE: ResultInfo = { code: 480, subcode: 10076, message: "Callee could not be reached." };

/** How long the webhook has to answer. */
const WEBHOOK_TIMEOUT_MS = 10_000;

/** The incoming-call notification (call-answer.md, "Notification - incoming"), for a PSTN caller and the bot's application instance. */
export function incomingNotification(
  ctx: EmulatorContext,
  callId: string,
  from: string,
  instance: { id: string; displayName: string },
): Record<string, unknown> {
  const resource = `/communications/calls/${callId}`;
  return {
    "@odata.type": "#microsoft.graph.commsNotifications",
    value: [
      {
        "@odata.type": "#microsoft.graph.commsNotification",
        changeType: "created",
        resourceUrl: resource,
        resourceData: {
          "@odata.type": "#microsoft.graph.call",
          "@odata.id": resource,
          "@odata.etag": 'W/"1"',
          state: "incoming",
          direction: "incoming",
          source: {
            "@odata.type": "#microsoft.graph.participantInfo",
            identity: {
              "@odata.type": "#microsoft.graph.identitySet",
              phone: { "@odata.type": "#microsoft.graph.identity", id: from },
            },
            region: null,
            languageId: null,
          },
          targets: [
            {
              "@odata.type": "#microsoft.graph.invitationParticipantInfo",
              identity: {
                "@odata.type": "#microsoft.graph.identitySet",
                applicationInstance: {
                  "@odata.type": "#microsoft.graph.identity",
                  displayName: instance.displayName,
                  id: instance.id,
                },
              },
            },
          ],
          requestedModalities: ["audio"],
          tenantId: ctx.store.state.tenant.id,
        },
      },
    ],
  };
}

/** POSTs JSON over HTTPS, trusting the public roots and the emulator's CA; resolves with the status. */
function postJson(ctx: EmulatorContext, url: URL, body: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
          "user-agent": "teams-bot-numbers-emulator (synthetic call)",
        },
        ca: [...tls.rootCertificates, ctx.caPem],
        timeout: WEBHOOK_TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${WEBHOOK_TIMEOUT_MS} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** Follows the chain for a number and, when it is whole, delivers the notification. */
export async function placeIncomingCall(
  ctx: EmulatorContext,
  telephoneNumber: string,
  from: string,
): Promise<IncomingCallReport> {
  const store = ctx.store;
  const chain: CallChain = { telephoneNumber };
  const refuse = (missing: CallPiece, detail: string, why: { error?: CallingError; resultInfo?: ResultInfo }) =>
    ({ delivered: false, missing, detail, chain, ...why }) as const;

  const rec = store.state.numbers.find((n) => n.telephoneNumber === telephoneNumber);
  if (!rec || !rec.assignmentTargetId)
    return refuse(
      "number",
      `${telephoneNumber} is ${rec ? "not assigned to anyone" : "not in the tenant's inventory"}.`,
      {
        resultInfo: NO_ENDPOINTS,
      },
    );
  chain.numberType = rec.numberType;
  const u = store.findUser(rec.assignmentTargetId);
  if (!u || !isResourceAccount(u))
    return refuse(
      "resourceAccount",
      `${telephoneNumber} is assigned to ${u ? `the user ${u.userPrincipalName}, not a resource account` : "an object that no longer exists"}.`,
      {
        resultInfo: NO_ENDPOINTS,
      },
    );
  chain.resourceAccount = { id: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName };
  const appId = store.state.aps[u.id];
  if (!appId)
    return refuse(
      "applicationId",
      `The resource account ${u.userPrincipalName} is mapped to no application (New-CsOnlineApplicationInstance -ApplicationId, or Sync-CsOnlineApplicationInstance).`,
      {
        resultInfo: NO_ENDPOINTS,
      },
    );
  chain.applicationId = appId;

  const bots = botsForApp(store, appId);
  if (bots.length === 0) {
    const others = store.azure().bots.map((b) => `${b.name} (msaAppId ${String(b.properties.msaAppId)})`);
    const mismatch = others.length > 0 ? ` Azure Bots that exist: ${others.join(", ")}.` : " No Azure Bot exists.";
    return refuse(
      "botRegistration",
      `No Azure Bot has msaAppId ${appId}, the application id of ${u.userPrincipalName}.${mismatch}`,
      {
        error: NOT_REGISTERED,
      },
    );
  }
  const bot = bots[0]!;
  chain.bot = {
    id: botId(bot),
    name: bot.name,
    msaAppId: String(bot.properties.msaAppId),
    msaAppType: typeof bot.properties.msaAppType === "string" ? bot.properties.msaAppType : null,
  };
  const channel = findChannel(bot, "MsTeamsChannel");
  if (!channel)
    return refuse("teamsChannel", `The Azure Bot ${bot.name} has no Microsoft Teams channel (MsTeamsChannel).`, {
      error: NOT_REGISTERED,
    });
  const webhook = typeof channel.properties.callingWebhook === "string" ? channel.properties.callingWebhook : null;
  chain.teamsChannel = {
    isEnabled: channel.properties.isEnabled === true,
    enableCalling: channel.properties.enableCalling === true,
    callingWebhook: webhook,
  };
  if (channel.properties.isEnabled !== true)
    return refuse("teamsChannel", `The Microsoft Teams channel of ${bot.name} is disabled (isEnabled false).`, {
      error: NOT_REGISTERED,
    });
  if (channel.properties.enableCalling !== true)
    return refuse(
      "calling",
      `Calling is off on the Microsoft Teams channel of ${bot.name} (enableCalling is not true).`,
      {
        error: NOT_REGISTERED,
      },
    );
  if (!webhook)
    return refuse("callingWebhook", `The Microsoft Teams channel of ${bot.name} has no callingWebhook.`, {
      error: NOT_REGISTERED,
    });
  let url: URL;
  try {
    url = new URL(webhook);
  } catch {
    return refuse("callingWebhook", `The callingWebhook of ${bot.name} is not a URL: ${webhook}`, {
      resultInfo: UNREACHABLE,
    });
  }
  if (url.protocol !== "https:")
    return refuse(
      "callingWebhook",
      `The callingWebhook of ${bot.name} is ${url.protocol.slice(0, -1)}, not https: ${webhook}`,
      {
        resultInfo: UNREACHABLE,
      },
    );
  if (!isLoopbackHost(url.hostname.replace(/^\[|\]$/g, "")))
    return refuse(
      "callingWebhook",
      `The emulator calls webhooks on this machine only; ${url.hostname} is not a loopback host.`,
      {
        resultInfo: UNREACHABLE,
      },
    );

  const callId = crypto.randomUUID();
  const notification = incomingNotification(ctx, callId, from, { id: u.id, displayName: u.displayName });
  const token = ctx.tokens.signNotification(appId, store.state.tenant.id);
  ctx.stats.calls.incoming += 1;
  let status: number;
  try {
    status = await postJson(ctx, url, JSON.stringify(notification), token);
  } catch (e) {
    return {
      ...refuse("webhookResponse", `The callingWebhook of ${bot.name} could not be reached: ${(e as Error).message}`, {
        resultInfo: UNREACHABLE,
      }),
      webhook: { url: webhook, failure: (e as Error).message },
    };
  }
  if (status < 200 || status > 299)
    return {
      ...refuse("webhookResponse", `The callingWebhook of ${bot.name} answered HTTP ${status}.`, {
        resultInfo: UNREACHABLE,
      }),
      webhook: { url: webhook, status },
    };
  ctx.stats.calls.delivered += 1;
  return { delivered: true, callId, chain, webhook: { url: webhook, status }, notification };
}

/** The caller number of a request (E.164 with `+`), or null when it is not one. */
export function callerNumber(raw: unknown): string | null {
  if (typeof raw !== "string") return null;
  const p = normaliseNumber(raw);
  return p.ok ? p.number : null;
}
