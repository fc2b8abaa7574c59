/**
 * The main job (`npm run demo`): starts the embedded tenant emulator when it is not running, runs
 * `pulumi up` on the dev stack (Pulumi.dev.yaml) and prints a summary of every bot. The emulator
 * keeps running so its state can be inspected; a second run reports no changes.
 *   npm run demo                # up
 *   npm run demo -- preview     # preview only
 *   npm run demo -- refresh     # read the tenant back into the state
 *   npm run demo -- destroy     # tear the dev bots down
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

import { loadFixture } from "../emulator";
import { LOCAL_DIR, REPO_ROOT } from "../engine/workspace";
import { DEV_STACK_FILE, devStackConfig, devStackSetting } from "./demo/dev-stack";
import { COMMANDS, exitCodeOf, runStack, StackCommand } from "./stack";

const EMULATOR_DIR = path.join(LOCAL_DIR, "emulator");

/** The emulator's port: where Pulumi.dev.yaml's authorityHost points (https://localhost:8443), its one home. */
function emulatorPort(): number {
  const url = new URL(String(devStackSetting("authorityHost")));
  if (url.hostname !== "localhost" || !url.port)
    throw new Error(
      `${DEV_STACK_FILE}: teams-bot-numbers:authorityHost must be the emulator's https://localhost:<port>`,
    );
  return Number(url.port);
}

interface EmulatorInfo {
  url: string;
  pid: number;
  caPath: string;
}

/** The dev stack's bots as Pulumi.dev.yaml declares them (names and app ids). */
function devStackBots(): { name: string; appId?: string }[] {
  const bots = devStackConfig()["teams-bot-numbers:bots"];
  return Array.isArray(bots) ? (bots as { name: string; appId?: string }[]) : [];
}

function runningEmulator(): EmulatorInfo | undefined {
  const file = path.join(EMULATOR_DIR, "emulator.json");
  if (!fs.existsSync(file)) return undefined;
  const info = JSON.parse(fs.readFileSync(file, "utf8")) as EmulatorInfo;
  try {
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}

async function ensureEmulator(): Promise<EmulatorInfo> {
  const running = runningEmulator();
  if (running) {
    console.log(`emulator already running at ${running.url} (pid ${running.pid})`);
    return running;
  }
  fs.mkdirSync(EMULATOR_DIR, { recursive: true });
  const log = fs.openSync(path.join(EMULATOR_DIR, "emulator.log"), "a");
  const child = spawn(
    process.execPath,
    [
      path.join(REPO_ROOT, "dist", "emulator", "cli.js"),
      "start",
      "--port",
      String(emulatorPort()),
      "--data-dir",
      EMULATOR_DIR,
    ],
    {
      detached: true,
      stdio: ["ignore", log, log],
    },
  );
  child.unref();
  for (let waitedMs = 0; waitedMs < 20_000; waitedMs += 200) {
    const info = runningEmulator();
    if (info) {
      console.log(
        `started the tenant emulator at ${info.url} (pid ${info.pid}, log ${path.join(EMULATOR_DIR, "emulator.log")})`,
      );
      return info;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the emulator did not start within 20 s; see ${path.join(EMULATOR_DIR, "emulator.log")}`);
}

/** The emulator deployer app's test secret, as a pipeline would pass AZURE_CLIENT_SECRET. */
function deployerSecret(): string {
  return loadFixture().apps[0]!.secrets[0]!;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join("  ")).join("\n");
}

/** A call to the first bot with a number reaches its webhook (./demo/call.ts, in a process that trusts the emulator's CA). */
function placeDemoCall(emulator: EmulatorInfo, bots: Record<string, Record<string, string | null>>): void {
  const devBot = devStackBots().find((b) => b.appId && bots[b.name]?.phoneNumber);
  if (!devBot) return;
  const run = spawnSync(
    process.execPath,
    [
      path.join(REPO_ROOT, "dist", "scripts", "demo", "call.js"),
      ...[emulator.url, devBot.name, devBot.appId!, bots[devBot.name]!.phoneNumber!],
    ],
    {
      stdio: "inherit",
      env: { ...process.env, AZURE_CLIENT_SECRET: deployerSecret(), NODE_EXTRA_CA_CERTS: emulator.caPath },
    },
  );
  if (run.status !== 0) throw new Error(`the demo call failed (exit ${run.status})`);
}

async function main(): Promise<void> {
  const command = (process.argv[2] ?? "up") as StackCommand;
  if (!COMMANDS.includes(command)) throw new Error(`unknown command "${command}": use ${COMMANDS.join(", ")}`);
  const emulator = await ensureEmulator();
  const outputs = await runStack({
    command,
    stackName: "dev",
    env: { AZURE_CLIENT_SECRET: deployerSecret(), NODE_EXTRA_CA_CERTS: emulator.caPath },
  });
  if (command === "up") {
    const bots = (outputs?.bots?.value ?? {}) as Record<string, Record<string, string | null>>;
    const rows = [["bot", "account", "object id", "number", "status"]];
    for (const [name, b] of Object.entries(bots)) {
      rows.push([
        name,
        b.userPrincipalName ?? "",
        b.objectId ?? "",
        b.phoneNumber ?? "-",
        b.numberStatus ?? b.licence ?? "",
      ]);
    }
    console.log(`\n${table(rows)}\n`);
    placeDemoCall(emulator, bots);
    console.log("");
  }
  console.log(`The emulator keeps running at ${emulator.url}: inspect it with`);
  console.log(`  curl --cacert ${emulator.caPath} ${emulator.url}/_emulator/state`);
  console.log(`  curl --cacert ${emulator.caPath} ${emulator.url}/_emulator/audit`);
  console.log(`Stop it with: kill ${emulator.pid}`);
}

main().catch((err: unknown) => {
  // The engine already printed the details of a failed command.
  if (!(err as { commandResult?: unknown }).commandResult)
    console.error(err instanceof Error ? err.message : String(err));
  process.exit(exitCodeOf(err));
});
