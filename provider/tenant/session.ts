/**
 * Provider-process state shared by the three resource modules: the settings handed to
 * `configure` (read at call time, never captured in state) and the one cached TenantClient.
 */
import type * as pulumi from "@pulumi/pulumi";

import { resolveTenantSettings, SETTING_SOURCES, type TenantSettings } from "../config";
import { guardProviderProcess } from "../process-guard";
import { getTenantClient, type TenantClient, type Timing } from "./client";

// Every resource module loads this one, so the provider process is guarded as soon as it runs ours.
guardProviderProcess();

/** The stack-config namespace our settings live in. */
const NAMESPACE = "teams-bot-numbers";

let configured: Record<string, string | undefined> | undefined;

/**
 * Remembers the stack config of this provider process (dynamic provider `configure`).
 * Resolution waits for the first tenant call, so check/diff work without credentials.
 */
export function configureSession(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  const snapshot: Record<string, string | undefined> = {};
  for (const { config } of Object.values(SETTING_SOURCES)) {
    // Our namespace first; a bare key resolves to the running project's namespace.
    snapshot[config] = req.config.get(`${NAMESPACE}:${config}`) ?? req.config.get(config);
  }
  configured = snapshot;
  return Promise.resolve();
}

/** Forgets configured settings (tests). */
export function resetSession(): void {
  configured = undefined;
}

/** The tenant settings: configured stack config, then the environment. */
export function currentSettings(env: NodeJS.ProcessEnv = process.env): TenantSettings {
  return resolveTenantSettings((key) => configured?.[key], env);
}

/** Poll interval of waits; TEAMS_POLL_INTERVAL_MS lets tests and impatient users shorten it. */
export function currentTiming(env: NodeJS.ProcessEnv = process.env): Timing {
  const fromEnv = Number(env.TEAMS_POLL_INTERVAL_MS);
  return { pollIntervalMs: Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 5_000 };
}

/** The tenant client of this process for the current settings (one PowerShell host however many resources). */
export function tenant(): TenantClient {
  return getTenantClient(currentSettings(), currentTiming());
}
