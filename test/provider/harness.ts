/**
 * Lifecycle-test harness: a running emulator, the provider configured against it exactly as the
 * engine would (configure → check → create …), and the emulator's inspection endpoints.
 * Everything goes through the real msal-node, Graph client and execa → emulator/bin/pwsh.
 */
import type * as pulumi from "@pulumi/pulumi";

import type { ProfileInput } from "../../emulator";
import type { AuditEntry } from "../../emulator/state";
import { currentSettings, resetSession } from "../../provider/access/session";
import { TenantError } from "../../provider/errors";
import { closeTenants, tenantParts } from "../../provider/tenant";
import type { HostPool } from "../../provider/tenant/powershell";
import { startTestEmulator, type TestEmulator, type TestEmulatorOptions } from "../helpers/emulator";
import { emulatorSettings } from "../helpers/emulator-settings";

/** One audit entry of the emulator (ordered mutating calls). */
export type { AuditEntry } from "../../emulator/state";

/** A started emulator plus helpers. */
export interface Harness {
  emulator: TestEmulator;
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
  host(): HostPool;
  stop(): Promise<void>;
}

/** Starts an emulator (test/helpers/emulator.ts) without latency and configures nothing yet. */
export async function startHarness(profile?: ProfileInput, opts?: TestEmulatorOptions): Promise<Harness> {
  const t = await startTestEmulator({ latencyScale: 0, ...profile }, opts);
  const config: Record<string, string> = { ...emulatorSettings(t) };
  // Waits poll every 100 ms instead of 5 s.
  process.env.TEAMS_POLL_INTERVAL_MS ??= "100";
  let current = config;
  return {
    emulator: t,
    url: t.url,
    tenantId: t.tenantId,
    config,
    async configure(provider, overrides = {}) {
      current = Object.fromEntries(Object.entries({ ...config, ...overrides }).filter(([, v]) => v !== "")) as Record<
        string,
        string
      >;
      const get = (k: string) => current[k.replace(/^teams-bot-numbers:/, "")];
      await provider.configure!({ config: { get, require: (k: string) => get(k)! } });
    },
    audit: () => t.admin.audit(),
    state: () => t.admin.get<Record<string, unknown>>("/state"),
    faults: async (p, replace = false) => void (await t.admin.put(`/faults${replace ? "?replace=true" : ""}`, p)),
    admin: async (action, body) => void (await t.admin.post(`/admin/${action}`, body)),
    host: () => tenantParts(currentSettings()).host,
    async stop() {
      await closeTenants();
      resetSession();
      await t.stop();
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
export async function checked<T>(
  provider: pulumi.dynamic.ResourceProvider,
  news: Record<string, unknown>,
  olds: Record<string, unknown> = {},
): Promise<T> {
  const r = await provider.check!(olds, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs as T;
}

/** Mutating audit entries after index `from`, as "family operation number" strings. */
export function auditSince(entries: AuditEntry[], from: number): string[] {
  return entries.slice(from).map((e) => `${e.family} ${e.operation}${e.number ? ` ${e.number}` : ""} ${e.outcome}`);
}

/** Creates a resource account through the ApplicationInstance provider (setup for licence and number tests). */
export async function createAccount(
  h: Harness,
  upn: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; outs: Record<string, unknown> }> {
  const { provider } = await import("../../provider/resources/applicationInstance");
  const p = provider as pulumi.dynamic.ResourceProvider;
  await h.configure(p);
  const inputs = await checked<Record<string, unknown>>(p, {
    userPrincipalName: upn,
    displayName: upn.split("@")[0],
    applicationId: "b2a4c6e8-1111-4222-8333-944455556666",
    usageLocation: "US",
    ...extra,
  });
  const r = await p.create(inputs);
  return { id: r.id, outs: r.outs };
}

/** Rejects with a TenantError (fails the test otherwise) and returns it. */
export async function rejection(p: Promise<unknown>): Promise<TenantError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TenantError);
  return e as TenantError;
}
