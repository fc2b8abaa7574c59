/**
 * Test helper: the one mapping from a running test emulator to the provider's settings, in every
 * form the tests hand them over. The setting names and their environment variables come from the
 * provider's own table (provider/settings.ts SETTING_SOURCES), so a renamed setting changes here too.
 *
 *   emulatorSettings(t)        { tenantId, clientId, clientSecret, authorityHost, graphUrl, pwshPath }
 *   emulatorEnv(t)             { AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_AUTHORITY_HOST,
 *                                TEAMS_GRAPH_URL, TEAMS_PWSH_PATH, NODE_EXTRA_CA_CERTS }
 *   stackConfigFor(t)          { tenantId: { value }, … } for Stack.setAllConfig (no secret: give it through
 *                                AZURE_CLIENT_SECRET or as a secret config value)
 *   stackConfigYaml(t)         "  teams-bot-numbers:tenantId: …" lines of a Pulumi.<stack>.yaml (no secret)
 *   secretEnv(t)               { AZURE_CLIENT_SECRET }: the secret beside a stack config, as pipelines give it
 *
 * Pass `{ secret: false }` to leave the client secret out of emulatorSettings / emulatorEnv.
 */
import * as path from "path";

import { NAMESPACE, SETTING_SOURCES, type SettingName } from "../../provider/settings";
import { testCaDir, type DeployerSettings } from "./emulator";

/** The settings that point the provider at the emulator as the deployer app. */
type EmulatorSettingName = Extract<
  SettingName,
  "tenantId" | "clientId" | "clientSecret" | "authorityHost" | "graphUrl" | "pwshPath"
>;

/** Whether the client secret is included (default: yes). */
interface SecretOption {
  secret?: boolean;
}

/** The deployer's settings by setting name, as `configure` or resolveTenantSettings reads them. */
export function emulatorSettings(t: DeployerSettings, o: SecretOption = {}): Record<string, string> {
  return {
    tenantId: t.tenantId,
    clientId: t.clientId,
    ...(o.secret === false ? {} : { clientSecret: t.clientSecret }),
    authorityHost: t.authorityHost,
    graphUrl: t.graphUrl,
    pwshPath: t.pwshPath,
  };
}

/** The same settings as environment variables, plus NODE_EXTRA_CA_CERTS (the emulator's CA) for child processes. */
export function emulatorEnv(t: DeployerSettings, o: SecretOption = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(emulatorSettings(t, o)))
    env[SETTING_SOURCES[name as EmulatorSettingName].env] = value;
  env.NODE_EXTRA_CA_CERTS = path.join(testCaDir(), "ca.pem");
  return env;
}

/** The deployer's client secret as the environment variable a pipeline sets beside the stack config. */
export function secretEnv(t: DeployerSettings): Record<string, string> {
  return { [SETTING_SOURCES.clientSecret.env]: t.clientSecret };
}

/** Stack config (project namespace) for Stack.setAllConfig; the secret is never in it. */
export function stackConfigFor(t: DeployerSettings): Record<string, { value: string }> {
  return Object.fromEntries(
    Object.entries(emulatorSettings(t, { secret: false })).map(([name, value]) => [
      SETTING_SOURCES[name as EmulatorSettingName].config,
      { value },
    ]),
  );
}

/** The same stack config as lines of a Pulumi.<stack>.yaml `config:` block (two-space indent). */
export function stackConfigYaml(t: DeployerSettings): string[] {
  return Object.entries(stackConfigFor(t)).map(([key, { value }]) => `  ${NAMESPACE}:${key}: ${value}`);
}
