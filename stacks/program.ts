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
import { readSetting } from "../provider/settings";
import { AzureBots, createBotApp, declareOutbound, type AppCredentialOutput, type CreatedApp } from "./calling";
import { BotConfig, parseStackConfig, signInIdentities, StackConfig, StackConfigError } from "./config";
import { callingReadiness, type CallingReadiness } from "./readiness";

/** Project namespace of every config key. */
export const PROJECT = "teams-bot-numbers";

/** Graph application permissions a calling bot needs (the catalogue's; granting them as app roles is admin consent). */
export { CALLING_BOT_PERMISSIONS } from "../provider/access/index";

/** What the stack exports for one bot. */
export interface BotOutputs {
  objectId: pulumi.Output<string>;
  userPrincipalName: pulumi.Output<string>;
  applicationId: pulumi.Output<string>;
  licence: pulumi.Output<string>;
  phoneNumber: pulumi.Output<string> | null;
  numberStatus: pulumi.Output<string> | null;
  /** Whether a call can reach the bot, as far as this stack declares it (docs/calling-readiness.md). */
  callingReady: pulumi.Output<CallingReadiness>;
  /** createApp with a credential: how the bot's code signs in (a secret output). */
  credential?: pulumi.Output<AppCredentialOutput>;
}

/** A component per bot so the preview groups its account, licence and number. */
class Bot extends pulumi.ComponentResource {
  readonly account: ApplicationInstance;
  readonly licence: VirtualUserLicense;
  private number: BotPhoneNumber | undefined;
  private readonly app: CreatedApp | undefined;
  private readonly appId: pulumi.Output<string>;
  private readonly outbound: ReturnType<typeof declareOutbound>;

  /** How messages name the bot: its stack config entry and account, e.g. `bots[2] (survey-bot, survey-bot@contoso.com)`. */
  readonly label: string;

  /** `protect` is inherited by everything the bot declares (Pulumi passes it from parent to child). */
  constructor(
    readonly bot: BotConfig,
    index: number,
    protect: boolean,
    azureBots: AzureBots,
  ) {
    super("teams:index:Bot", bot.name, {}, { protect });
    this.label = `bots[${index}] (${bot.name}, ${bot.userPrincipalName})`;
    this.app = bot.appId !== undefined ? undefined : createBotApp(bot, this);
    const applicationId = this.app?.clientId ?? pulumi.output(bot.appId!);
    this.appId = applicationId;
    azureBots.declare(bot, applicationId, this);
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
    // After the account's own licence: Teams grants calling to a provisioned resource account.
    this.outbound = declareOutbound(bot, this.label, this.account.objectId, {
      parent: this,
      dependsOn: [this.licence],
    });
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
      callingReady: callingReadiness(b, {
        appCreated: this.app !== undefined,
        appId: this.appId,
        account: this.account,
        licence: this.licence,
        number: this.number,
        outbound: this.outbound,
      }),
      ...(this.app?.credential ? { credential: this.app.credential } : {}),
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
  const { bots, protect, azureBots } = parseOrRunError(() =>
    parseStackConfig(
      {
        bots: config.getObject<unknown[]>("bots"),
        protect: config.get("protect"),
        azureBots: config.getObject("azureBots"),
      },
      signInIdentities((key) => config.get(key)),
    ),
  );
  const azure = new AzureBots(azureBots, readSetting("tenantId", (k) => config.get(k))?.toLowerCase());
  const declared = bots.map((bot, i) => new Bot(bot, i, protect, azure));
  // One plan for the stack's numbers: swaps, rotations and numbers of removed bots move in one `up`.
  const plan = new NumberPlan("number-plan", { bots: declared.map((b) => b.declared), protect });
  const outputs: Record<string, BotOutputs> = {};
  for (const bot of declared) outputs[bot.bot.name] = bot.addNumber(plan);
  return { bots: outputs };
}
