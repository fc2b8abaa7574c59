/**
 * The Pulumi program: typed per-environment config → per bot ApplicationInstance →
 * VirtualUserLicense → (the stack's NumberPlan) → BotPhoneNumber → stack outputs. Runs under `pulumi up` (stacks/index.ts)
 * and as an Automation API inline program (the demo, the tests).
 */
import * as pulumi from "@pulumi/pulumi";

import {
  ApplicationInstance,
  BotPhoneNumber,
  NumberPlan,
  VirtualUserLicense,
  type NumberPlanBotArgs,
} from "../provider";
import { BotConfig, parseStackConfig, StackConfig, StackConfigError } from "./config";

/** Project namespace of every config key. */
export const PROJECT = "teams-bot-numbers";

/** Graph application permissions a calling bot needs (granting them as app roles is admin consent). */
export const CALLING_BOT_PERMISSIONS = [
  "Calls.AccessMedia.All",
  "Calls.Initiate.All",
  "Calls.JoinGroupCall.All",
  "Calls.JoinGroupCallAsGuest.All",
] as const;

/** Microsoft Graph's well-known application id. */
const MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

/** What the stack exports for one bot. */
export interface BotOutputs {
  objectId: pulumi.Output<string>;
  userPrincipalName: pulumi.Output<string>;
  applicationId: pulumi.Output<string>;
  licence: pulumi.Output<string>;
  phoneNumber: pulumi.Output<string> | null;
  numberStatus: pulumi.Output<string> | null;
}

/**
 * Creates the bot's Entra app, its service principal and the Graph app-role assignments a calling
 * bot needs. Returns the app (client) id. Loaded lazily: only stacks using createApp need azuread.
 */
function createBotApp(bot: BotConfig, parent: pulumi.Resource): pulumi.Output<string> {
  const azuread = loadAzuread(bot);
  const opts = { parent };
  const app = new azuread.Application(
    `${bot.name}-app`,
    { displayName: bot.createApp?.displayName ?? bot.displayName },
    opts,
  );
  const principal = new azuread.ServicePrincipal(`${bot.name}-sp`, { clientId: app.clientId }, opts);
  const graph = azuread.getServicePrincipalOutput({ clientId: MICROSOFT_GRAPH_APP_ID }, opts);
  for (const permission of CALLING_BOT_PERMISSIONS) {
    new azuread.AppRoleAssignment(
      `${bot.name}-${permission.toLowerCase().replace(/\./g, "-")}`,
      {
        appRoleId: graph.appRoleIds[permission],
        principalObjectId: principal.objectId,
        resourceObjectId: graph.objectId,
      },
      opts,
    );
  }
  return app.clientId;
}

/** `@pulumi/azuread`, an optional peer dependency: only stacks with a createApp bot install it. */
function loadAzuread(bot: BotConfig): typeof import("@pulumi/azuread") {
  try {
    return require("@pulumi/azuread") as typeof import("@pulumi/azuread");
  } catch (e) {
    if ((e as { code?: string }).code !== "MODULE_NOT_FOUND") throw e;
    throw new pulumi.RunError(
      `${bot.name}: createApp creates the bot's app with @pulumi/azuread, which this stack repository does not have: ` +
        `run npm install @pulumi/azuread@^6.9.1 (or give the bot an appId instead of createApp). Nothing was changed.`,
    );
  }
}

/** A component per bot so the preview groups its account, licence and number. */
class Bot extends pulumi.ComponentResource {
  readonly account: ApplicationInstance;
  readonly licence: VirtualUserLicense;
  private number: BotPhoneNumber | undefined;

  /** How messages name the bot: its stack config entry and account, e.g. `bots[2] (survey-bot, survey-bot@contoso.com)`. */
  readonly label: string;

  /** `protect` is inherited by everything the bot declares (Pulumi passes it from parent to child). */
  constructor(
    readonly bot: BotConfig,
    index: number,
    protect: boolean,
  ) {
    super("teams:index:Bot", bot.name, {}, { protect });
    this.label = `bots[${index}] (${bot.name}, ${bot.userPrincipalName})`;
    const applicationId = bot.appId !== undefined ? pulumi.output(bot.appId) : createBotApp(bot, this);
    this.account = new ApplicationInstance(
      bot.name,
      {
        userPrincipalName: bot.userPrincipalName,
        displayName: bot.displayName,
        applicationId,
        usageLocation: bot.usageLocation,
        adopt: bot.adopt,
        bot: this.label,
      },
      { parent: this },
    );
    this.licence = new VirtualUserLicense(
      `${bot.name}-licence`,
      { userId: this.account.objectId, provisioningTimeoutMinutes: bot.provisioningTimeoutMinutes, bot: this.label },
      { parent: this },
    );
  }

  /** What the stack's number plan declares for this bot: plain config values (the plan depends on no account). */
  get declared(): NumberPlanBotArgs {
    const b = this.bot;
    return {
      userPrincipalName: b.userPrincipalName,
      ...(b.phoneNumber === undefined ? {} : { phoneNumber: b.phoneNumber, numberType: b.numberType! }),
      ...(b.locationId === undefined ? {} : { locationId: b.locationId }),
    };
  }

  /**
   * The number (when the bot has one), after the licence (Teams refuses numbers on an unprovisioned
   * account) and after the stack's number plan (so every move of this run is known before one runs).
   */
  addNumber(plan: NumberPlan): BotOutputs {
    const b = this.bot;
    this.number =
      b.phoneNumber === undefined
        ? undefined
        : new BotPhoneNumber(
            `${b.name}-number`,
            {
              instanceId: this.account.objectId,
              phoneNumber: b.phoneNumber,
              numberType: b.numberType!,
              locationId: b.locationId,
              adopt: b.adopt,
              bot: this.label,
            },
            { parent: this, dependsOn: [this.licence, plan] },
          );
    this.registerOutputs({});
    return {
      objectId: this.account.objectId,
      userPrincipalName: this.account.userPrincipalName,
      applicationId: this.account.applicationId,
      licence: this.licence.servicePlanStatus,
      phoneNumber: this.number ? this.number.phoneNumber : null,
      numberStatus: this.number ? this.number.assignmentStatus : null,
    };
  }
}

/** Runs the config parser, turning a StackConfigError into a pulumi.RunError with the same message. */
function parseOrRunError(parse: () => StackConfig): StackConfig {
  try {
    return parse();
  } catch (e) {
    if (e instanceof StackConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

/** Reads `teams-bot-numbers:bots`, validates all of it, then declares every bot's chain. */
export async function botNumbersProgram(): Promise<{ bots: Record<string, BotOutputs> }> {
  const config = new pulumi.Config(PROJECT);
  // Throw, never just log: a thrown error fails the program before the engine plans anything, so
  // nothing reaches the tenant and nothing is deleted. (A logged error with no resources
  // registered lets the inline Automation API host finish the run and the engine then deletes
  // every bot; test/e2e/stack.test.ts guards this.)
  // A RunError: the engine prints its message without a JavaScript stack trace.
  const { bots, protect } = parseOrRunError(() =>
    parseStackConfig({ bots: config.getObject<unknown[]>("bots"), protect: config.get("protect") }),
  );
  const declared = bots.map((bot, i) => new Bot(bot, i, protect));
  // One plan for the stack's numbers: swaps, rotations and numbers of removed bots move in one `up`.
  const plan = new NumberPlan("number-plan", { bots: declared.map((b) => b.declared), protect });
  const outputs: Record<string, BotOutputs> = {};
  for (const bot of declared) outputs[bot.bot.name] = bot.addNumber(plan);
  return { bots: outputs };
}
