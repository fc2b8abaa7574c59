/**
 * The engine-overhead reference: Pulumi's own cost for a stack shaped like ours (per bot a component
 * holding three dynamic resources, account → licence → number, the number depending on the
 * licence) whose dynamic provider does nothing (no check, no diff, create echoes its inputs, no
 * tenant). A no-op `up` of this stack is what Pulumi costs; ours ÷ this is what we add.
 */
import * as pulumi from "@pulumi/pulumi";

import type { BenchBot } from "./bots";

/** The trivial provider: create echoes its inputs; everything else is Pulumi's default. */
const minimalProvider: pulumi.dynamic.ResourceProvider = {
  create: async (inputs: Record<string, unknown>) => ({ id: String(inputs.key), outs: inputs }),
};

/** A dynamic resource of the trivial provider (type token `pulumi-nodejs:dynamic/bench:Minimal`). */
class Minimal extends pulumi.dynamic.Resource {
  declare readonly key: pulumi.Output<string>;

  constructor(name: string, props: Record<string, pulumi.Input<unknown>>, opts?: pulumi.CustomResourceOptions) {
    super(minimalProvider, name, { key: name, ...props }, opts, "bench", "Minimal");
  }
}

/** One bot's shape with trivial resources: a component, an account, its licence, its number. */
class MinimalBot extends pulumi.ComponentResource {
  constructor(bot: BenchBot) {
    super("bench:index:Bot", bot.name, {}, {});
    const account = new Minimal(
      bot.name,
      { userPrincipalName: bot.userPrincipalName, displayName: bot.displayName, applicationId: bot.appId },
      { parent: this },
    );
    const licence = new Minimal(`${bot.name}-licence`, { userId: account.key }, { parent: this });
    new Minimal(
      `${bot.name}-number`,
      { instanceId: account.key, phoneNumber: bot.phoneNumber, numberType: bot.numberType },
      { parent: this, dependsOn: [licence] },
    );
    this.registerOutputs({});
  }
}

/** The inline program declaring the bots' shape with trivial resources. */
export function minimalProgram(bots: BenchBot[]): () => Promise<void> {
  return async () => {
    for (const bot of bots) new MinimalBot(bot);
  };
}
