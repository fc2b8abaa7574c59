/**
 * Typed per-environment stack config: `teams-bot-numbers:bots` plus the tenant settings the
 * provider reads at call time. Validation is pure and reports every problem at once, each naming
 * its path (`bots[2].phoneNumber`), before any resource is registered.
 */
import { z } from "zod";

import {
  normalizeAppId,
  Normalized,
  normalizeDisplayName,
  normalizeLocationId,
  normalizeNumberType,
  normalizePhoneNumber,
  normalizeUpn,
  normalizeUsageLocation,
  NumberType,
} from "../provider/validate";

/** A bot's app registration, created by this stack instead of given by id. */
export interface CreateAppConfig {
  /** Display name of the Entra app; defaults to the bot's display name. */
  displayName?: string;
}

/** One bot: its resource account and, optionally, its number. */
export interface BotConfig {
  name: string;
  userPrincipalName: string;
  displayName: string;
  /** The bot's Entra app (client) id; exactly one of appId and createApp. */
  appId?: string;
  createApp?: CreateAppConfig;
  usageLocation: string;
  phoneNumber?: string;
  numberType?: NumberType;
  locationId?: string;
  /** Take over an existing account / assignment that matches instead of refusing. */
  adopt?: boolean;
}

/** The validated stack config. */
export interface StackConfig {
  bots: BotConfig[];
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

/** A bot entry's structure (every field it may have); values are checked below with the provider's own normalisers. */
export const botShape = z
  .object({
    name: z.string(),
    userPrincipalName: z.string(),
    displayName: z.string(),
    appId: z.string().optional(),
    createApp: z.union([z.boolean(), z.object({ displayName: z.string().optional() }).strict()]).optional(),
    usageLocation: z.string(),
    phoneNumber: z.string().optional(),
    numberType: z.string().optional(),
    locationId: z.string().optional(),
    adopt: z.boolean().optional(),
  })
  .strict();

/** The keys of `teams-bot-numbers:` the program reads (the tenant settings are the provider's: provider/settings.ts). */
export const configShape = z
  .object({
    bots: z.array(z.unknown()),
    // Pulumi config values arrive as strings; a YAML boolean `protect: false` reads as "false".
    protect: z.union([z.boolean(), z.enum(["true", "false"])], { error: "must be true or false" }).optional(),
  })
  .strict();

/** Formats a zod issue path as `bots[2].phoneNumber`. */
function pathOf(parts: ReadonlyArray<PropertyKey>): string {
  return parts.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

/** Validates and normalises raw stack config (`{ bots: [...], protect? }`). Throws StackConfigError. */
export function parseStackConfig(raw: unknown): StackConfig {
  const problems: string[] = [];
  if ((raw as { bots?: unknown } | undefined)?.bots === undefined) {
    throw new StackConfigError([
      "bots: teams-bot-numbers:bots is not set; declare the stack's bots in Pulumi.<stack>.yaml (see Pulumi.dev.yaml)",
    ]);
  }
  const top = configShape.safeParse(raw ?? {});
  if (!top.success) {
    for (const issue of top.error.issues) {
      const where = pathOf(issue.path) || "teams-bot-numbers";
      problems.push(
        issue.code === "unrecognized_keys"
          ? `${where}: unknown key(s) ${issue.keys.join(", ")}`
          : `${where}: ${issue.message}`,
      );
    }
    throw new StackConfigError(problems);
  }
  const protect = top.data.protect === undefined || String(top.data.protect) === "true";
  if (top.data.bots.length === 0 && protect)
    throw new StackConfigError([
      "bots: is empty, which would remove every bot of the stack, and the stack protects its bots " +
        "(teams-bot-numbers:protect). To remove them all on purpose, set teams-bot-numbers:protect to false " +
        "and run pulumi up, then empty the list (or run pulumi destroy); see docs/removing-bots.md",
    ]);

  const bots: BotConfig[] = [];
  // Index in the config of each entry of `bots` (entries with a wrong shape are skipped).
  const indexOf: number[] = [];
  top.data.bots.forEach((entry, i) => {
    const at = (field?: string): string => `bots[${i}]${field ? `.${field}` : ""}`;
    const shaped = botShape.safeParse(entry);
    if (!shaped.success) {
      for (const issue of shaped.error.issues) {
        if (issue.code === "unrecognized_keys")
          problems.push(
            `${at()}: unknown key(s) ${issue.keys.join(", ")} (allowed: ${Object.keys(botShape.shape).join(", ")})`,
          );
        else {
          // zod 4 leaves `input` out of issues: look at the entry itself to tell "missing" from "wrong type".
          const given = issue.path.reduce<unknown>(
            (o, k) => (o && typeof o === "object" ? (o as Record<PropertyKey, unknown>)[k] : undefined),
            entry,
          );
          problems.push(
            `${at(pathOf(issue.path))}: ${issue.code === "invalid_type" && given === undefined ? "is required" : issue.message}`,
          );
        }
      }
      return;
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
    indexOf.push(i);
    bots.push({
      name: b.name,
      userPrincipalName: upn ?? b.userPrincipalName,
      displayName: displayName ?? b.displayName,
      appId,
      createApp:
        b.createApp === undefined || b.createApp === false ? undefined : b.createApp === true ? {} : b.createApp,
      usageLocation: usageLocation ?? b.usageLocation,
      phoneNumber,
      numberType,
      locationId,
      adopt: b.adopt,
    });
  });

  // One bot per name, account and number.
  for (const [field, label] of [
    ["name", "name"],
    ["userPrincipalName", "account"],
    ["phoneNumber", "number"],
  ] as const) {
    const seen = new Map<string, number>();
    bots.forEach((bot, n) => {
      const value = bot[field];
      if (value === undefined) return;
      const key = value.toLowerCase();
      const first = seen.get(key);
      const i = indexOf[n]!;
      if (first !== undefined)
        problems.push(
          `bots[${i}].${field}: ${label} "${value}" is already used by bots[${first}]; each bot needs its own`,
        );
      else seen.set(key, i);
    });
  }

  if (problems.length > 0) throw new StackConfigError(problems);
  return { bots, protect };
}
