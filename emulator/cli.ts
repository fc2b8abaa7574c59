/** Command line: `start` runs the emulator until SIGINT/SIGTERM; `ca` makes sure the local CA exists. */
import * as path from "path";

import { ensureCa, loadFixture, startEmulator } from "./index";

const USAGE = `usage:
  node dist/emulator/cli.js start [--port N] [--data-dir D] [--ca-dir D] [--fixture F] [--reset] [--seed N] [--host H --allow-non-loopback]
  node dist/emulator/cli.js ca --dir D`;

function parseArgs(argv: string[]): { cmd: string | undefined; flags: Map<string, string | true> } {
  const [cmd, ...rest] = argv;
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"\n${USAGE}`);
    const [k, inline] = a.slice(2).split("=", 2) as [string, string | undefined];
    if (inline !== undefined) flags.set(k, inline);
    else if (rest[i + 1] !== undefined && !rest[i + 1]!.startsWith("--")) flags.set(k, rest[++i]!);
    else flags.set(k, true);
  }
  return { cmd, flags };
}

function str(flags: Map<string, string | true>, k: string): string | undefined {
  const v = flags.get(k);
  if (v === true) throw new Error(`--${k} needs a value`);
  return v;
}

async function main(): Promise<void> {
  const { cmd, flags } = parseArgs(process.argv.slice(2));
  if (cmd === "ca") {
    const dir = str(flags, "dir") ?? path.join(".tbn", "ca");
    console.log(ensureCa(path.resolve(dir)).caPath);
    return;
  }
  if (cmd !== "start") {
    console.error(USAGE);
    process.exit(2);
  }
  const portRaw = str(flags, "port");
  const seedRaw = str(flags, "seed");
  const fixture = str(flags, "fixture");
  const emu = await startEmulator({
    dataDir: str(flags, "data-dir") ?? path.join(".tbn", "emulator"),
    caDir: str(flags, "ca-dir"),
    port: portRaw ? Number(portRaw) : 0,
    host: str(flags, "host"),
    allowNonLoopback: flags.get("allow-non-loopback") === true,
    fixture,
    reset: flags.get("reset") === true,
    seed: seedRaw ? Number(seedRaw) : undefined,
  });
  const deployer = loadFixture(fixture).apps[0];
  console.log(`tenant emulator listening on ${emu.url}`);
  console.log(`  tenant id:   ${emu.tenantId}`);
  if (deployer) console.log(`  client id:   ${deployer.clientId} (${deployer.displayName})`);
  // Printed as the settings that point the provider here (docs/configuration.md).
  console.log(`  authorityHost: ${emu.url}`);
  console.log(`  graphUrl:      ${emu.url} (Graph v1.0 at ${emu.url}/v1.0)`);
  console.log(`  inspect:     ${emu.url}/_emulator/state`);
  console.log(`  data dir:    ${emu.dataDir}`);
  console.log(`export NODE_EXTRA_CA_CERTS=${emu.caPath}`);
  const shutdown = (sig: string): void => {
    console.log(`received ${sig}, stopping`);
    emu.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((e: unknown) => {
  console.error(`emulator: ${(e as Error).message}`);
  process.exit(1);
});
