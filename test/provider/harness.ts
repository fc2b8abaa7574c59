/**
 * Lifecycle-test harness: a running emulator, the provider configured against it exactly as the
 * engine would (configure → check → create …), and the emulator's inspection endpoints.
 * Everything goes through the real msal-node, Graph client and execa → emulator/bin/pwsh.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";
import { startEmulator, type ProfileInput } from "../../emulator";
import { closeTenantClients, getTenantClient } from "../../provider/tenant/client";
import { currentSettings, currentTiming, resetSession } from "../../provider/tenant/session";
import type { PowerShellHost } from "../../provider/tenant/powershell";

const ROOT = path.resolve(__dirname, "../..");
/** The deployer app of emulator/fixtures/default.json (test credentials of the offline emulator). */
export const DEPLOYER = {
  clientId: "3f1c2b7e-6a59-4d0e-9b8a-5c4d3e2f1a07",
  clientSecret: "emulator-dev-secret-3f1c2b7e-not-a-real-secret",
};

/** One audit entry of the emulator (ordered mutating calls). */
export interface AuditEntry {
  family: string;
  operation: string;
  target: string | null;
  number: string | null;
  outcome: string;
}

/** A started emulator plus helpers. */
export interface Harness {
  url: string;
  tenantId: string;
  /** Stack-config style settings, as `configure` would receive them. */
  config: Record<string, string>;
  /** Runs a provider's configure with `config` (plus overrides). */
  configure(provider: pulumi.dynamic.ResourceProvider, overrides?: Record<string, string>): Promise<void>;
  audit(): Promise<AuditEntry[]>;
  state(): Promise<Record<string, unknown>>;
  faults(profile: ProfileInput, replace?: boolean): Promise<void>;
  admin(action: "unassignNumber" | "assignNumber" | "deleteUser", body: Record<string, unknown>): Promise<void>;
  /** The PowerShell host of the cached client (start/connect counters). */
  host(): PowerShellHost;
  stop(): Promise<void>;
}

/** Starts an emulator with a fresh data dir and configures the provider against it. */
export async function startHarness(profile?: ProfileInput): Promise<Harness> {
  if (!process.env.NODE_EXTRA_CA_CERTS) throw new Error("set NODE_EXTRA_CA_CERTS to the emulator CA (node dist/emulator/cli.js ca --dir .tbn/ca)");
  if (!fs.existsSync(path.join(ROOT, "dist/emulator/pwsh-standin.js"))) throw new Error("build first: npx tsc -p tsconfig.json");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-provider-"));
  const emu = await startEmulator({ dataDir, caDir: path.dirname(process.env.NODE_EXTRA_CA_CERTS), reset: true, profile: { latencyScale: 0, ...profile } });
  const config: Record<string, string> = {
    tenantId: emu.tenantId,
    clientId: DEPLOYER.clientId,
    clientSecret: DEPLOYER.clientSecret,
    authorityHost: emu.url,
    graphUrl: emu.url,
    pwshPath: path.join(ROOT, "emulator/bin/pwsh"),
  };
  process.env.TEAMS_POLL_INTERVAL_MS ??= "100";
  const inspect = async (method: string, route: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${emu.url}/_emulator${route}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} /_emulator${route}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  let current = config;
  return {
    url: emu.url,
    tenantId: emu.tenantId,
    config,
    async configure(provider, overrides = {}) {
      current = { ...config, ...overrides };
      const cfg = { get: (k: string) => current[k.replace(/^teams-bot-numbers:/, "")], require: (k: string) => current[k.replace(/^teams-bot-numbers:/, "")]! };
      await provider.configure!({ config: cfg });
    },
    audit: async () => ((await inspect("GET", "/audit")) as { entries: AuditEntry[] }).entries,
    state: async () => (await inspect("GET", "/state")) as Record<string, unknown>,
    faults: async (p, replace = false) => void (await inspect("PUT", `/faults${replace ? "?replace=true" : ""}`, p)),
    admin: async (action, body) => void (await inspect("POST", `/admin/${action}`, body)),
    host: () => (getTenantClient(currentSettings(), currentTiming()) as unknown as { host: PowerShellHost }).host,
    async stop() {
      await closeTenantClients();
      resetSession();
      await emu.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Silences and records progress lines ("[teams] …") written to stderr. */
export function captureProgress(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return { lines, restore: () => spy.mockRestore() };
}

/** Runs check and fails the test on failures, returning the normalised inputs. */
export async function checked<T>(provider: pulumi.dynamic.ResourceProvider, news: Record<string, unknown>, olds: Record<string, unknown> = {}): Promise<T> {
  const r = await provider.check!(olds, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs as T;
}

/** Mutating audit entries after index `from`, as "family operation number" strings. */
export function auditSince(entries: AuditEntry[], from: number): string[] {
  return entries.slice(from).map((e) => `${e.family} ${e.operation}${e.number ? ` ${e.number}` : ""} ${e.outcome}`);
}
