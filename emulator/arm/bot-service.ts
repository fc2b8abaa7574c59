/**
 * ARM routes of Microsoft.BotService: botServices (list by subscription and by resource group,
 * GET, PUT, PATCH, DELETE) and their channels (list, GET, PUT, PATCH, DELETE), api-version
 * 2022-09-15. Source: Azure/azure-rest-api-specs specification/botservice (botservice.json
 * 2022-09-15 and its examples); behaviours per route in emulator/FIDELITY.md.
 */
import { BotRec, ChannelRec } from "../state";
import {
  BOT_TYPE,
  botId,
  botIdFor,
  botsForApp,
  botView,
  CHANNEL_NAMES,
  CHANNEL_TYPE,
  channelName,
  channelView,
  checkBotProperties,
  checkChannelProperties,
  checkCreateOnly,
  checkName,
  findBot,
  findChannel,
  newEtag,
  readBotBody,
  readChannelBody,
} from "./bots";
import { armErrors } from "./errors";
import { ArmQueryRules } from "./query";
import { mayPerform } from "./rbac";
import { ArmHandlerArgs, ArmRoute } from "./route";

/** The api-versions served (the emulator models the 2022-09-15 spec only). */
export const BOT_SERVICE_API_VERSIONS = ["2022-09-15"] as const;

const QUERY: ArmQueryRules = {
  apiVersions: BOT_SERVICE_API_VERSIONS,
  resourceType: "botServices",
  locations: ["global", "westeurope", "centralindia"],
  allowed: [],
};
const CHANNEL_QUERY: ArmQueryRules = { ...QUERY, resourceType: "botServices/channels" };

const SUB = "/subscriptions/{subscriptionId}";
const RG = `${SUB}/resourceGroups/{resourceGroupName}`;
const BOT = `${RG}/providers/Microsoft.BotService/botServices/{resourceName}`;
const CHANNEL = `${BOT}/channels/{channelName}`;

const READ = "Microsoft.BotService/botServices/read";
const WRITE = "Microsoft.BotService/botServices/write";
const DELETE = "Microsoft.BotService/botServices/delete";
const CHANNEL_READ = "Microsoft.BotService/botServices/channels/read";
const CHANNEL_WRITE = "Microsoft.BotService/botServices/channels/write";
const CHANNEL_DELETE = "Microsoft.BotService/botServices/channels/delete";

const rgScope = (p: Record<string, string>): string => botIdFor(p.subscriptionId!, p.resourceGroupName!);
const botScope = (p: Record<string, string>): string =>
  botIdFor(p.subscriptionId!, p.resourceGroupName!, p.resourceName!);
const channelScope = (p: Record<string, string>): string => `${botScope(p)}/channels/${p.channelName!}`;

/** The bot a request names, or 404 ResourceNotFound. */
function existingBot(a: ArmHandlerArgs): BotRec {
  const b = findBot(a.ctx.store, a.params.subscriptionId!, a.params.resourceGroupName!, a.params.resourceName!);
  if (!b) throw armErrors.resourceNotFound(BOT_TYPE, a.params.resourceName!, a.params.resourceGroupName!);
  return b;
}

/** The parent bot of a channel request, or 404 ParentResourceNotFound. */
function parentBot(a: ArmHandlerArgs): BotRec {
  const b = findBot(a.ctx.store, a.params.subscriptionId!, a.params.resourceGroupName!, a.params.resourceName!);
  if (!b) throw armErrors.parentResourceNotFound(a.params.resourceName!);
  return b;
}

/** The canonical channel name of the URL, or 400 naming the valid ones. */
function urlChannel(a: ArmHandlerArgs): string {
  const c = channelName(a.params.channelName!);
  if (!c) throw armErrors.unknownChannelName(a.params.channelName!, CHANNEL_NAMES);
  return c;
}

/** Refuses a bot name another bot holds (bot names are global) and an app id another bot holds. */
function checkUnique(a: ArmHandlerArgs, self: BotRec | undefined, msaAppId: unknown): void {
  const all = a.ctx.store.azure().bots;
  if (all.some((b) => b !== self && b.name.toLowerCase() === a.params.resourceName!.toLowerCase()))
    throw armErrors.botNameTaken(a.params.resourceName!);
  if (botsForApp(a.ctx.store, String(msaAppId)).some((b) => b !== self)) throw armErrors.appIdTaken();
}

function putBot(a: ArmHandlerArgs) {
  checkName(a.params.resourceName!);
  const input = readBotBody(a.req.body, true);
  const properties = checkBotProperties(input.properties!);
  const existing = findBot(a.ctx.store, a.params.subscriptionId!, a.params.resourceGroupName!, a.params.resourceName!);
  if (existing) checkCreateOnly(existing.properties, properties);
  checkUnique(a, existing, properties.msaAppId);
  const rec: BotRec = {
    subscriptionId: a.params.subscriptionId!.toLowerCase(),
    resourceGroup: existing?.resourceGroup ?? a.params.resourceGroupName!,
    name: existing?.name ?? a.params.resourceName!,
    location: input.location!,
    kind: input.kind ?? null,
    sku: input.sku ?? null,
    etag: input.etag ?? newEtag(),
    tags: input.tags ?? {},
    properties,
    channels: existing?.channels ?? [],
  };
  const bots = a.ctx.store.azure().bots;
  if (existing) bots[bots.indexOf(existing)] = rec;
  else bots.push(rec);
  a.ctx.store.changed();
  return { status: existing ? 200 : 201, body: botView(rec), audit: { target: botId(rec) } };
}

function patchBot(a: ArmHandlerArgs) {
  const b = existingBot(a);
  const input = readBotBody(a.req.body, false);
  const properties = checkBotProperties({ ...b.properties, ...(input.properties ?? {}) });
  checkCreateOnly(b.properties, properties);
  b.properties = properties;
  if (input.kind !== undefined) b.kind = input.kind;
  if (input.sku !== undefined) b.sku = input.sku;
  if (input.tags !== undefined) b.tags = input.tags;
  b.etag = input.etag ?? newEtag();
  a.ctx.store.changed();
  return { status: 200, body: botView(b), audit: { target: botId(b) } };
}

function deleteBot(a: ArmHandlerArgs) {
  const b = findBot(a.ctx.store, a.params.subscriptionId!, a.params.resourceGroupName!, a.params.resourceName!);
  if (!b) return { status: 204, audit: null };
  const bots = a.ctx.store.azure().bots;
  bots.splice(bots.indexOf(b), 1);
  a.ctx.store.changed();
  return { status: 200, audit: { target: botId(b) } };
}

function putChannel(a: ArmHandlerArgs) {
  const b = parentBot(a);
  const name = urlChannel(a);
  const input = readChannelBody(a.req.body, name, true);
  const existing = findChannel(b, name);
  const rec: ChannelRec = {
    channelName: name,
    location: input.location ?? "global",
    etag: input.etag ?? newEtag(),
    properties: checkChannelProperties(name, input.properties ?? {}),
  };
  if (existing) b.channels[b.channels.indexOf(existing)] = rec;
  else b.channels.push(rec);
  a.ctx.store.changed();
  return { status: existing ? 200 : 201, body: channelView(b, rec), audit: { target: `${botId(b)}/channels/${name}` } };
}

function patchChannel(a: ArmHandlerArgs) {
  const b = parentBot(a);
  const name = urlChannel(a);
  const c = findChannel(b, name);
  if (!c) throw armErrors.resourceNotFound(CHANNEL_TYPE, `${b.name}/${name}`, a.params.resourceGroupName!);
  const input = readChannelBody(a.req.body, name, false);
  c.properties = checkChannelProperties(name, { ...c.properties, ...(input.properties ?? {}) });
  if (input.location !== undefined) c.location = input.location;
  c.etag = input.etag ?? newEtag();
  a.ctx.store.changed();
  return { status: 200, body: channelView(b, c), audit: { target: `${botId(b)}/channels/${name}` } };
}

function deleteChannel(a: ArmHandlerArgs) {
  const b = parentBot(a);
  const name = urlChannel(a);
  const c = findChannel(b, name);
  if (!c) return { status: 204, audit: null };
  b.channels.splice(b.channels.indexOf(c), 1);
  a.ctx.store.changed();
  return { status: 200, audit: { target: `${botId(b)}/channels/${name}` } };
}

/** Every Bot Service route the emulator serves. */
export const botServiceRoutes: readonly ArmRoute[] = [
  {
    method: "GET",
    path: `${SUB}/providers/Microsoft.BotService/botServices`,
    action: READ,
    // Lists show the bots the caller may read (see FIDELITY.md).
    scope: () => null,
    query: QUERY,
    handler: (a) => ({
      status: 200,
      body: {
        value: a.ctx.store
          .azure()
          .bots.filter((b) => b.subscriptionId === a.params.subscriptionId!.toLowerCase())
          .filter((b) => mayPerform(a.ctx, a.claims, READ, botId(b)))
          .map(botView),
      },
    }),
  },
  {
    method: "GET",
    path: `${RG}/providers/Microsoft.BotService/botServices`,
    action: READ,
    scope: rgScope,
    query: QUERY,
    handler: (a) => ({
      status: 200,
      body: {
        value: a.ctx.store
          .azure()
          .bots.filter(
            (b) =>
              b.subscriptionId === a.params.subscriptionId!.toLowerCase() &&
              b.resourceGroup.toLowerCase() === a.params.resourceGroupName!.toLowerCase(),
          )
          .map(botView),
      },
    }),
  },
  {
    method: "GET",
    path: BOT,
    action: READ,
    scope: botScope,
    query: QUERY,
    handler: (a) => ({ status: 200, body: botView(existingBot(a)) }),
  },
  { method: "PUT", path: BOT, action: WRITE, scope: botScope, query: QUERY, audit: "PUT botServices", handler: putBot },
  {
    method: "PATCH",
    path: BOT,
    action: WRITE,
    scope: botScope,
    query: QUERY,
    audit: "PATCH botServices",
    handler: patchBot,
  },
  {
    method: "DELETE",
    path: BOT,
    action: DELETE,
    scope: botScope,
    query: QUERY,
    audit: "DELETE botServices",
    handler: deleteBot,
  },
  {
    method: "GET",
    path: `${BOT}/channels`,
    action: CHANNEL_READ,
    scope: botScope,
    query: CHANNEL_QUERY,
    handler: (a) => {
      const b = parentBot(a);
      return { status: 200, body: { value: b.channels.map((c) => channelView(b, c)) } };
    },
  },
  {
    method: "GET",
    path: CHANNEL,
    action: CHANNEL_READ,
    scope: channelScope,
    query: CHANNEL_QUERY,
    handler: (a) => {
      const b = parentBot(a);
      const name = urlChannel(a);
      const c = findChannel(b, name);
      if (!c) throw armErrors.resourceNotFound(CHANNEL_TYPE, `${b.name}/${name}`, a.params.resourceGroupName!);
      return { status: 200, body: channelView(b, c) };
    },
  },
  {
    method: "PUT",
    path: CHANNEL,
    action: CHANNEL_WRITE,
    scope: channelScope,
    query: CHANNEL_QUERY,
    audit: "PUT botServices/channels",
    handler: putChannel,
  },
  {
    method: "PATCH",
    path: CHANNEL,
    action: CHANNEL_WRITE,
    scope: channelScope,
    query: CHANNEL_QUERY,
    audit: "PATCH botServices/channels",
    handler: patchChannel,
  },
  {
    method: "DELETE",
    path: CHANNEL,
    action: CHANNEL_DELETE,
    scope: channelScope,
    query: CHANNEL_QUERY,
    audit: "DELETE botServices/channels",
    handler: deleteChannel,
  },
];
