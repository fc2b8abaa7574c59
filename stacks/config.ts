/**
 * Typed per-environment stack config: `teams-bot-numbers:bots` plus the tenant settings the
 * provider reads at call time. Validation is pure and reports every problem at once, each naming
 * its path (`bots[2].phoneNumber`), before any resource is registered.
 */
import { z } from "zod";

import { settingSource } from "../provider/settings";
import {
  normalizeAppId,
  Normalized,
  normalizeDisplayName,
  normalizeLocationId,
  normalizeNumberType,
  normalizePhoneNumber,
  normalizeProvisioningMinutes,
  normalizeUpn,
  normalizeUsageLocation,
  NumberType,
} from "../provider/validate";
import {
  appCredentialShape,
  azureBotShape,
  outboundCallingShape,
  parseAzureBots,
  parseCalling,
  type CallingFields,
} from "./calling-config";

/**
 * One bot as the stack config declares it (`teams-bot-numbers:bots` in Pulumi.<stack>.yaml): the one
 * schema of a bot. Structure only; values are checked in `parseBot` with the provider's own
 * normalisers. Export, benchmarks, the hardening suite and tests derive their bots from it.
 */
export const botShape = z
  .object({
    name: z.string(),
    userPrincipalName: z.string(),
    displayName: z.string(),
    /** The bot's Entra app (client) id; exactly one of appId and createApp. */
    appId: z.string().optional(),
    /** Create the bot's app registration in this stack (display name: the bot's, unless given). */
    createApp: z
      .union([
        z.boolean(),
        z
          .object({
            displayName: z.string().optional(),
            /** A credential for the bot's code, exported as a secret stack output. */
            credential: appCredentialShape.optional(),
            /** Also grant Calls.InitiateGroupCall.All (bots that invite into group calls). */
            groupCalls: z.boolean().optional(),
          })
          .strict(),
      ])
      .optional(),
    usageLocation: z.string(),
    phoneNumber: z.string().optional(),
    numberType: z.string().optional(),
    locationId: z.string().optional(),
    /** Take over an existing account / assignment that matches instead of refusing. */
    adopt: z.boolean().optional(),
    /** How long `pulumi up` waits for the licence to be provisioned, in minutes (default 30). */
    provisioningTimeoutMinutes: z.number().optional(),
    /** Register the bot as an Azure Bot with Teams calling (needs teams-bot-numbers:azureBots). */
    azureBot: azureBotShape.optional(),
    /** Outbound PSTN calls from the bot's number. */
    outboundCalling: outboundCallingShape.optional(),
  })
  .strict();

/** A bot entry as written in the stack config. */
export type BotEntry = z.input<typeof botShape>;

/** A bot's app registration, created by this stack instead of given by id. */
export type CreateAppConfig = Exclude<NonNullable<BotEntry["createApp"]>, boolean>;

/** One bot after validation: values normalised, the number type one of NUMBER_TYPES, createApp an object. */
export type BotConfig = Omit<BotEntry, "numberType" | "createApp" | "azureBot"> & {
  numberType?: NumberType;
  createApp?: CreateAppConfig;
  /** With its name settled (the bot's name unless given). */
  azureBot?: NonNullable<CallingFields["azureBot"]>;
};

/** Where the stack's Azure Bots live (`teams-bot-numbers:azureBots`). */
export interface AzureBotsConfig {
  subscriptionId: string;
  resourceGroupName: string;
  /** Azure Bot location: `global` (default) or a regional one (westeurope, centralindia). */
  location: string;
}

/** The validated stack config. */
export interface StackConfig {
  bots: BotConfig[];
  /** Set when a bot declares azureBot. */
  azureBots?: AzureBotsConfig;
  /**
   * Pulumi `protect` on every bot's resources (`teams-bot-numbers:protect`, default true): a run that
   * would delete or replace one fails, naming it, until the stack sets false and runs `up`.
   */
  protect: boolean;
}

/** Every problem found in the stack config, each with its path. */
export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `stack config teams-bot-numbers:bots is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}); ` +
        `nothing was sent to the tenant:\n  - ${problems.join("\n  - ")}`,
    );
    this.name = "StackConfigError";
  }
}

const NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** The keys of `teams-bot-numbers:` the program reads (the tenant settings are the provider's: provider/settings.ts). */
export const configShape = z
  .object({
    bots: z.array(z.unknown()),
    // Pulumi config values arrive as strings; a YAML boolean `protect: false` reads as "false".
    protect: z.union([z.boolean(), z.enum(["true", "false"])], { error: "must be true or false" }).optional(),
    azureBots: z
      .object({ subscriptionId: z.string(), resourceGroupName: z.string(), location: z.string().optional() })
      .strict()
      .optional(),
  })
  .strict();

/** Formats a zod issue path as `bots[2].phoneNumber`. */
export function pathOf(parts: ReadonlyArray<PropertyKey>): string {
  return parts.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

/**
 * An identity the stack signs in as: its client id and the setting that gave it
 * (`teams-bot-numbers:clientId`, or `AZURE_CLIENT_ID` …: provider/settings.ts `settingSource`).
 */
export interface SignInIdentity {
  clientId: string;
  key: string;
}

/** The identity the provider signs in as (its client id, resolved as the provider resolves it), when it has one. */
export function signInIdentities(
  getConfig: (key: string) => string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): SignInIdentity[] {
  const id = settingSource("clientId", getConfig, env);
  return id ? [{ clientId: id.value, key: id.key }] : [];
}

/**
 * Validates and normalises raw stack config (`{ bots: [...], protect? }`); `signsInAs`: the identities
 * the stack signs in as, which no bot's appId may be. Throws StackConfigError.
 */
export function parseStackConfig(raw: unknown, signsInAs: SignInIdentity[] = []): StackConfig {
  if ((raw as { bots?: unknown } | undefined)?.bots === undefined) {
    throw new StackConfigError([
      "bots: teams-bot-numbers:bots is not set; declare the stack's bots in Pulumi.<stack>.yaml (see Pulumi.dev.yaml)",
    ]);
  }
  const top = configShape.safeParse(raw ?? {});
  if (!top.success) {
    throw new StackConfigError(
      top.error.issues.map((issue) => {
        const where = pathOf(issue.path) || "teams-bot-numbers";
        return issue.code === "unrecognized_keys"
          ? `${where}: unknown key(s) ${issue.keys.join(", ")}`
          : `${where}: ${issue.message}`;
      }),
    );
  }
  const protect = top.data.protect === undefined || String(top.data.protect) === "true";
  if (top.data.bots.length === 0 && protect)
    throw new StackConfigError([
      "bots: is empty, which would remove every bot of the stack, and the stack protects its bots " +
        "(teams-bot-numbers:protect). To remove them all on purpose, set teams-bot-numbers:protect to false " +
        "and run pulumi up, then empty the list (or run pulumi destroy); see docs/removing-bots.md",
    ]);
  const problems: string[] = [];
  const bots: { bot: BotConfig; index: number }[] = [];
  top.data.bots.forEach((entry, index) => {
    const bot = parseBot(entry, index, problems);
    if (bot) bots.push({ bot, index });
  });
  problems.push(...duplicates(bots), ...signInAppIds(bots, signsInAs));
  const azureBots = parseAzureBots(top.data.azureBots, bots, problems);
  if (problems.length > 0) throw new StackConfigError(problems);
  return { bots: bots.map((b) => b.bot), protect, ...(azureBots ? { azureBots } : {}) };
}

/** The shape problems of one entry (zod's), each with its path. */
function shapeProblems(entry: unknown, at: (field?: string) => string, all: z.core.$ZodIssue[]): string[] {
  const issues = all.flatMap(unionBranch).filter((issue) => !misspeltWebhook(entry, issue));
  return issues.map((issue) => {
    if (issue.code === "unrecognized_keys" && issue.keys.includes("callingWebHook"))
      return `${at(pathOf(issue.path))}: callingWebHook (capital H) is the Skype channel's spelling, which Azure accepts and ignores for Teams; write callingWebhook`;
    if (issue.code === "unrecognized_keys" && issue.path.length > 0)
      return `${at(pathOf(issue.path))}: unknown key(s) ${issue.keys.join(", ")}`;
    if (issue.code === "unrecognized_keys")
      return `${at()}: unknown key(s) ${issue.keys.join(", ")} (allowed: ${Object.keys(botShape.shape).join(", ")})`;
    // zod 4 leaves `input` out of issues: look at the entry itself to tell "missing" from "wrong type".
    const given = issue.path.reduce<unknown>(
      (o, k) => (o && typeof o === "object" ? (o as Record<PropertyKey, unknown>)[k] : undefined),
      entry,
    );
    return `${at(pathOf(issue.path))}: ${issue.code === "invalid_type" && given === undefined ? "is required" : issue.message}`;
  });
}

/** A union's issues (createApp: true or an object) as those of the branch the entry meant: the object's. */
function unionBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== "invalid_union") return [issue];
  const meant = issue.errors.find((branch) => branch.some((i) => i.path.length > 0 || i.code === "unrecognized_keys"));
  return meant ? meant.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as z.core.$ZodIssue) : [issue];
}

/** "callingWebhook is required" where the entry spelt it callingWebHook: that spelling's own problem says it. */
function misspeltWebhook(entry: unknown, issue: z.core.$ZodIssue): boolean {
  const parent = issue.path.slice(0, -1).reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown>)?.[k], entry);
  return issue.path.at(-1) === "callingWebhook" && !!parent && typeof parent === "object" && "callingWebHook" in parent;
}

/** One entry validated and normalised (problems pushed, each naming `bots[i].<field>`); undefined for a wrong shape. */
function parseBot(entry: unknown, i: number, problems: string[]): BotConfig | undefined {
  const at = (field?: string): string => `bots[${i}]${field ? `.${field}` : ""}`;
  const shaped = botShape.safeParse(entry);
  if (!shaped.success) {
    problems.push(...shapeProblems(entry, at, shaped.error.issues));
    return undefined;
  }
  const b = shaped.data;
  const take = <T>(field: string, r: Normalized<T>): T | undefined => {
    if (r.ok) return r.value;
    problems.push(`${at(field)}: ${r.reason}`);
    return undefined;
  };
  if (!NAME.test(b.name))
    problems.push(
      `${at("name")}: "${b.name}" must be lower-case letters, digits and dashes (it names Pulumi resources)`,
    );
  const upn = take("userPrincipalName", normalizeUpn(b.userPrincipalName));
  const displayName = take("displayName", normalizeDisplayName(b.displayName));
  const usageLocation = take("usageLocation", normalizeUsageLocation(b.usageLocation));
  let appId: string | undefined;
  if (b.appId !== undefined && b.createApp !== undefined)
    problems.push(`${at()}: give either appId or createApp, not both`);
  else if (b.appId === undefined && !b.createApp)
    problems.push(`${at("appId")}: is required (the bot's Entra app id), or set createApp: true to create the app`);
  else if (b.appId !== undefined) appId = take("appId", normalizeAppId(b.appId, "the bot's Entra app (client) id"));
  const numberType = b.numberType === undefined ? undefined : take("numberType", normalizeNumberType(b.numberType));
  let phoneNumber: string | undefined;
  if (b.phoneNumber !== undefined) {
    phoneNumber = take("phoneNumber", normalizePhoneNumber(b.phoneNumber, numberType));
    if (b.numberType === undefined)
      problems.push(
        `${at("numberType")}: is required with phoneNumber (CallingPlan, DirectRouting or OperatorConnect)`,
      );
  } else if (b.numberType !== undefined || b.locationId !== undefined) {
    problems.push(`${at("phoneNumber")}: is required when numberType or locationId is set`);
  }
  const locationId = b.locationId === undefined ? undefined : take("locationId", normalizeLocationId(b.locationId));
  const provisioningTimeoutMinutes =
    b.provisioningTimeoutMinutes === undefined
      ? undefined
      : take("provisioningTimeoutMinutes", normalizeProvisioningMinutes(b.provisioningTimeoutMinutes));
  const calling = parseCalling(b, numberType, at, problems);
  // Fields without a normaliser pass as the schema read them.
  return {
    ...b,
    ...calling,
    userPrincipalName: upn ?? b.userPrincipalName,
    displayName: displayName ?? b.displayName,
    appId,
    createApp: calling.createApp,
    usageLocation: usageLocation ?? b.usageLocation,
    phoneNumber,
    numberType,
    locationId,
    provisioningTimeoutMinutes,
  };
}

/** One bot per name, account and number: a repeat is reported on the later entry. */
function duplicates(bots: { bot: BotConfig; index: number }[]): string[] {
  const problems: string[] = [];
  for (const [field, label] of [
    ["name", "name"],
    ["userPrincipalName", "account"],
    ["phoneNumber", "number"],
  ] as const) {
    const seen = new Map<string, number>();
    for (const { bot, index } of bots) {
      const value = bot[field];
      if (value === undefined) continue;
      const first = seen.get(value.toLowerCase());
      if (first !== undefined)
        problems.push(
          `bots[${index}].${field}: ${label} "${value}" is already used by bots[${first}]; each bot needs its own`,
        );
      else seen.set(value.toLowerCase(), index);
    }
  }
  return problems;
}

/**
 * A bot's appId that is an identity the stack signs in as (the deploying or preview app): `up` would
 * make that app a resource account and give it a licence. Reported naming both keys.
 */
function signInAppIds(bots: { bot: BotConfig; index: number }[], signsInAs: SignInIdentity[]): string[] {
  const problems: string[] = [];
  for (const { bot, index } of bots) {
    const id = signsInAs.find((s) => bot.appId !== undefined && s.clientId.toLowerCase() === bot.appId.toLowerCase());
    if (id)
      problems.push(
        `bots[${index}].appId: teams-bot-numbers:bots[${index}].appId "${bot.appId}" is the client id the stack signs in with (${id.key}): ` +
          "a bot's appId is the bot's own Entra app, and pulumi up would make the signing-in app a resource account and give it a licence. " +
          "Give the bot's Microsoft App ID (Entra admin center > App registrations > the bot's app > Application (client) ID), or createApp: true",
      );
  }
  return problems;
}
