/**
 * The Azure Bot model (Microsoft.BotService 2022-09-15): resource ids, the documented properties
 * of botServices and of the Microsoft Teams channel, their validation and their wire views.
 * Source: Azure/azure-rest-api-specs specification/botservice (botservice.json 2022-09-15,
 * definitions Bot, BotProperties, BotChannel, Channel, MsTeamsChannelProperties). Handlers live in
 * arm/bot-service.ts; the calling chain (emulator/calling) reads bots through here.
 */
import * as crypto from "crypto";

import { GUID_RE } from "../constants";
import { BotRec, ChannelRec, Store } from "../state";
import { armErrors } from "./errors";

/** ARM resource type of an Azure Bot. */
export const BOT_TYPE = "Microsoft.BotService/botServices";
/** ARM resource type of a bot's channel. */
export const CHANNEL_TYPE = "Microsoft.BotService/botServices/channels";
/** The ChannelName enum of the spec (path parameter `channelName`). */
export const CHANNEL_NAMES = [
  "AlexaChannel",
  "FacebookChannel",
  "EmailChannel",
  "KikChannel",
  "TelegramChannel",
  "SlackChannel",
  "MsTeamsChannel",
  "SkypeChannel",
  "WebChatChannel",
  "DirectLineChannel",
  "SmsChannel",
  "LineChannel",
  "DirectLineSpeechChannel",
  "OutlookChannel",
  "Omnichannel",
  "TelephonyChannel",
  "AcsChatChannel",
  "SearchAssistant",
  "M365Extensions",
] as const;
/** `Kind` enum. */
const KINDS = ["sdk", "designer", "bot", "function", "azurebot"];
/** `MsaAppType` enum. */
const MSA_APP_TYPES = ["UserAssignedMSI", "SingleTenant", "MultiTenant"];
const SKU_NAMES = ["F0", "S1"];
const PUBLIC_NETWORK_ACCESS = ["Enabled", "Disabled"];
/** Resource name rule of the spec (resourceName: 2–64, `^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`). */
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,63}$/;

type Kind = "string" | "boolean" | "strings" | "stringMap";

/** BotProperties members a client may write (readOnly members are accepted and ignored, as ARM does). */
const BOT_PROPERTIES: Record<string, Kind> = {
  displayName: "string",
  description: "string",
  iconUrl: "string",
  endpoint: "string",
  allSettings: "stringMap",
  parameters: "stringMap",
  manifestUrl: "string",
  msaAppType: "string",
  msaAppId: "string",
  msaAppTenantId: "string",
  msaAppMSIResourceId: "string",
  developerAppInsightKey: "string",
  developerAppInsightsApiKey: "string",
  developerAppInsightsApplicationId: "string",
  luisAppIds: "strings",
  luisKey: "string",
  isCmekEnabled: "boolean",
  cmekKeyVaultUrl: "string",
  tenantId: "string",
  publicNetworkAccess: "string",
  isStreamingSupported: "boolean",
  disableLocalAuth: "boolean",
  schemaTransformationVersion: "string",
  storageResourceId: "string",
  openWithHint: "string",
  appPasswordHint: "string",
  publishingCredentials: "string",
};
/** Written but never returned (the spec's examples echo neither). */
const WRITE_ONLY = ["developerAppInsightsApiKey", "luisKey"];
/** x-ms-mutability read+create. */
const CREATE_ONLY = ["msaAppId", "msaAppTenantId", "tenantId"];
/** MsTeamsChannelProperties members. */
const TEAMS_CHANNEL_PROPERTIES: Record<string, Kind> = {
  enableCalling: "boolean",
  callingWebhook: "string",
  isEnabled: "boolean",
  incomingCallRoute: "string",
  deploymentEnvironment: "string",
  acceptedTerms: "boolean",
};

/** A plain JSON object, or null. */
function asObject(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Reads the documented members of `source` (null members count as absent); unknown members are dropped. */
function readMembers(
  source: Record<string, unknown>,
  schema: Record<string, Kind>,
  at: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(schema)) {
    const v = source[name];
    if (v === undefined || v === null) continue;
    const ok =
      kind === "string"
        ? typeof v === "string"
        : kind === "boolean"
          ? typeof v === "boolean"
          : kind === "strings"
            ? Array.isArray(v) && v.every((x) => typeof x === "string")
            : asObject(v) !== null && Object.values(v as object).every((x) => typeof x === "string");
    if (!ok)
      throw armErrors.invalidRequestContent(
        `Error converting value ${JSON.stringify(v)} to type '${kind}'. Path '${at}.${name}'`,
      );
    out[name] = v;
  }
  return out;
}

/** A value of an enum, canonically spelled; throws naming the property otherwise. */
function enumValue(property: string, value: unknown, allowed: readonly string[]): string {
  const hit = typeof value === "string" ? allowed.find((a) => a.toLowerCase() === value.toLowerCase()) : undefined;
  if (!hit) throw armErrors.invalidProperty(property, value, `Allowed values: ${allowed.join(", ")}.`);
  return hit;
}

/** The ARM id of a bot. */
export function botId(b: BotRec): string {
  return `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/${BOT_TYPE}/${b.name}`;
}

/** The ARM id of a bot's resource group or of a bot not created yet. */
export function botIdFor(subscriptionId: string, resourceGroup: string, name?: string): string {
  const rg = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
  return name === undefined ? rg : `${rg}/providers/${BOT_TYPE}/${name}`;
}

/** Finds a bot (subscription, resource group and name compare without case). */
export function findBot(store: Store, subscriptionId: string, resourceGroup: string, name: string): BotRec | undefined {
  return store
    .azure()
    .bots.find(
      (b) =>
        b.subscriptionId === subscriptionId.toLowerCase() &&
        b.resourceGroup.toLowerCase() === resourceGroup.toLowerCase() &&
        b.name.toLowerCase() === name.toLowerCase(),
    );
}

/** Every bot registered for an Entra app id (msaAppId compares without case). */
export function botsForApp(store: Store, appId: string): BotRec[] {
  return store.azure().bots.filter((b) => String(b.properties.msaAppId ?? "").toLowerCase() === appId.toLowerCase());
}

/** The canonical spelling of a channel name, or undefined for a name outside the enum. */
export function channelName(name: string): string | undefined {
  return CHANNEL_NAMES.find((c) => c.toLowerCase() === name.toLowerCase());
}

/** A channel of a bot by name. */
export function findChannel(b: BotRec, name: string): ChannelRec | undefined {
  return b.channels.find((c) => c.channelName.toLowerCase() === name.toLowerCase());
}

/** Throws unless the resource name follows the spec's pattern. */
export function checkName(name: string): void {
  if (!NAME_RE.test(name)) throw armErrors.invalidResourceName(name);
}

/** A new etag (ARM etags are opaque quoted strings). */
export function newEtag(): string {
  return `"${crypto.randomUUID()}"`;
}

/** The parts of a Bot request body the model keeps. */
export interface BotInput {
  location?: string;
  kind?: string;
  sku?: { name: string };
  etag?: string;
  tags?: Record<string, string>;
  properties?: Record<string, unknown>;
}

/** Reads a Bot body (PUT: `full`, every required member; PATCH: any subset). */
export function readBotBody(body: unknown, full: boolean): BotInput {
  const o = asObject(body);
  if (!o) throw armErrors.invalidRequestContent("The request body must be a JSON object. Path ''");
  const out: BotInput = {};
  if (o.location !== undefined && o.location !== null) {
    if (typeof o.location !== "string" || o.location.trim() === "")
      throw armErrors.invalidRequestContent("Error converting value to type 'string'. Path 'location'");
    out.location = o.location;
  } else if (full) throw armErrors.locationRequired();
  if (o.kind !== undefined && o.kind !== null) out.kind = enumValue("kind", o.kind, KINDS);
  if (o.sku !== undefined && o.sku !== null) {
    const sku = asObject(o.sku);
    if (!sku) throw armErrors.invalidRequestContent("Error converting value to type 'Sku'. Path 'sku'");
    out.sku = { name: enumValue("sku.name", sku.name, SKU_NAMES) };
  }
  if (o.etag !== undefined && o.etag !== null) {
    if (typeof o.etag !== "string")
      throw armErrors.invalidRequestContent("Error converting value to type 'string'. Path 'etag'");
    out.etag = o.etag;
  }
  if (o.tags !== undefined && o.tags !== null) {
    const tags = asObject(o.tags);
    if (!tags || !Object.values(tags).every((v) => typeof v === "string"))
      throw armErrors.invalidRequestContent("Error converting value to type 'Dictionary<string,string>'. Path 'tags'");
    out.tags = tags as Record<string, string>;
  }
  const props = o.properties === undefined || o.properties === null ? null : asObject(o.properties);
  if (o.properties !== undefined && o.properties !== null && !props)
    throw armErrors.invalidRequestContent("Error converting value to type 'BotProperties'. Path 'properties'");
  if (props) out.properties = readMembers(props, BOT_PROPERTIES, "properties");
  if (full) {
    if (!out.properties)
      throw armErrors.invalidRequestContent("Required property 'properties' not found in JSON. Path ''");
    for (const required of ["displayName", "endpoint", "msaAppId"])
      if (out.properties[required] === undefined)
        throw armErrors.invalidRequestContent(`Required property '${required}' not found in JSON. Path 'properties'`);
  }
  return out;
}

/** Checks the properties a bot would have after a write (enums, ids, the app type's companions). */
export function checkBotProperties(p: Record<string, unknown>): Record<string, unknown> {
  const out = { ...p };
  if (out.msaAppType !== undefined) out.msaAppType = enumValue("properties.msaAppType", out.msaAppType, MSA_APP_TYPES);
  if (out.publicNetworkAccess !== undefined)
    out.publicNetworkAccess = enumValue(
      "properties.publicNetworkAccess",
      out.publicNetworkAccess,
      PUBLIC_NETWORK_ACCESS,
    );
  for (const id of ["msaAppId", "msaAppTenantId", "tenantId"])
    if (out[id] !== undefined && !GUID_RE.test(String(out[id])))
      throw armErrors.invalidProperty(`properties.${id}`, out[id], "It must be a GUID.");
  const type = out.msaAppType ?? "MultiTenant";
  if ((type === "SingleTenant" || type === "UserAssignedMSI") && out.msaAppTenantId === undefined)
    throw armErrors.invalidProperty("properties.msaAppTenantId", null, `It is required when msaAppType is ${type}.`);
  if (type === "UserAssignedMSI" && out.msaAppMSIResourceId === undefined)
    throw armErrors.invalidProperty(
      "properties.msaAppMSIResourceId",
      null,
      "It is required when msaAppType is UserAssignedMSI.",
    );
  return out;
}

/** Throws PropertyChangeNotAllowed when a write changes a create-only property. */
export function checkCreateOnly(before: Record<string, unknown>, after: Record<string, unknown>): void {
  for (const p of CREATE_ONLY) {
    const a = before[p];
    const b = after[p];
    if (a !== undefined && String(a).toLowerCase() !== String(b ?? "").toLowerCase())
      throw armErrors.propertyChangeNotAllowed(`properties.${p}`);
  }
}

/** `MsTeamsChannel` → `msteams` (the spec examples' configuredChannels spelling). */
function shortName(channel: string): string {
  return channel.replace(/Channel$/, "").toLowerCase();
}

/** The Bot resource as ARM returns it. */
export function botView(b: BotRec): Record<string, unknown> {
  const props = Object.fromEntries(Object.entries(b.properties).filter(([k]) => !WRITE_ONLY.includes(k)));
  return {
    id: botId(b),
    name: b.name,
    type: BOT_TYPE,
    location: b.location,
    ...(b.kind ? { kind: b.kind } : {}),
    ...(b.sku ? { sku: b.sku } : {}),
    etag: b.etag,
    tags: b.tags,
    properties: {
      ...props,
      publicNetworkAccess: props.publicNetworkAccess ?? "Enabled",
      endpointVersion: "3.3",
      configuredChannels: b.channels.map((c) => shortName(c.channelName)),
      enabledChannels: b.channels.filter((c) => c.properties.isEnabled !== false).map((c) => shortName(c.channelName)),
      isDeveloperAppInsightsApiKeySet: b.properties.developerAppInsightsApiKey !== undefined,
      privateEndpointConnections: [],
      provisioningState: "Succeeded",
    },
  };
}

/** The parts of a BotChannel body the model keeps. */
export interface ChannelInput {
  location?: string;
  etag?: string;
  channelName?: string;
  properties?: Record<string, unknown>;
}

/**
 * Reads a BotChannel body. The Teams channel's members are checked and unknown ones dropped (a
 * `callingWebHook`, which only SkypeChannelProperties defines, does not set `callingWebhook`);
 * other channel types are kept as written.
 */
export function readChannelBody(body: unknown, urlChannel: string, full: boolean): ChannelInput {
  const o = asObject(body);
  if (!o) throw armErrors.invalidRequestContent("The request body must be a JSON object. Path ''");
  const out: ChannelInput = {};
  if (o.location !== undefined && o.location !== null) {
    if (typeof o.location !== "string")
      throw armErrors.invalidRequestContent("Error converting value to type 'string'. Path 'location'");
    out.location = o.location;
  }
  if (o.etag !== undefined && o.etag !== null) {
    if (typeof o.etag !== "string")
      throw armErrors.invalidRequestContent("Error converting value to type 'string'. Path 'etag'");
    out.etag = o.etag;
  }
  const channel = o.properties === undefined || o.properties === null ? null : asObject(o.properties);
  if (!channel) {
    if (o.properties !== undefined && o.properties !== null)
      throw armErrors.invalidRequestContent("Error converting value to type 'Channel'. Path 'properties'");
    if (full) throw armErrors.invalidRequestContent("Required property 'properties' not found in JSON. Path ''");
    return out;
  }
  if (channel.channelName === undefined || channel.channelName === null) {
    if (full)
      throw armErrors.invalidRequestContent("Required property 'channelName' not found in JSON. Path 'properties'");
  } else {
    if (typeof channel.channelName !== "string" || channel.channelName.toLowerCase() !== urlChannel.toLowerCase())
      throw armErrors.channelNameMismatch(String(channel.channelName), urlChannel);
    out.channelName = urlChannel;
  }
  const inner = channel.properties === undefined || channel.properties === null ? null : asObject(channel.properties);
  if (channel.properties !== undefined && channel.properties !== null && !inner)
    throw armErrors.invalidRequestContent(
      "Error converting value to type 'ChannelProperties'. Path 'properties.properties'",
    );
  if (inner)
    out.properties =
      urlChannel === "MsTeamsChannel"
        ? readMembers(inner, TEAMS_CHANNEL_PROPERTIES, "properties.properties")
        : structuredClone(inner);
  return out;
}

/** Checks a channel's properties after a write (the Teams channel needs `isEnabled`; its defaults applied). */
export function checkChannelProperties(channel: string, p: Record<string, unknown>): Record<string, unknown> {
  if (channel !== "MsTeamsChannel") return p;
  if (p.isEnabled === undefined)
    throw armErrors.invalidRequestContent(
      "Required property 'isEnabled' not found in JSON. Path 'properties.properties'",
    );
  return { deploymentEnvironment: "FallbackDeploymentEnvironment", ...p };
}

/** The BotChannel resource as ARM returns it. */
export function channelView(b: BotRec, c: ChannelRec): Record<string, unknown> {
  return {
    id: `${botId(b)}/channels/${c.channelName}`,
    name: c.channelName,
    type: CHANNEL_TYPE,
    location: c.location,
    etag: c.etag,
    properties: {
      channelName: c.channelName,
      etag: c.etag,
      provisioningState: "Succeeded",
      location: c.location,
      properties: c.properties,
    },
  };
}
