/**
 * Provider-process state shared by the resource modules: the stack config handed to `configure`
 * (read at call time, never captured in state), resolved into tenant settings on first use.
 */
import type * as pulumi from "@pulumi/pulumi";

import { guardProviderProcess } from "../process-guard";
import { NAMESPACE, resolveTenantSettings, SETTING_SOURCES, type TenantSettings } from "../settings";

// Every resource module loads this one, so the provider process is guarded as soon as it runs ours.
guardProviderProcess();

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
