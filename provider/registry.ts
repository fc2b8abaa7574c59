/**
 * The one list of our resource modules: module name (file under provider/resources, what the shim
 * loads) → Pulumi type. Type tokens read `pulumi-nodejs:dynamic/teams:<type>` and appear in users'
 * URNs: never rename one (add `aliases` if ever needed).
 */

/** The Pulumi module of every type token: `pulumi-nodejs:dynamic/<MODULE>:<type>`. */
export const TYPE_MODULE = "teams";

/** Module name → resource type. */
export const RESOURCE_MODULES = {
  applicationInstance: { type: "ApplicationInstance" },
  virtualUserLicense: { type: "VirtualUserLicense" },
  botPhoneNumber: { type: "BotPhoneNumber" },
  numberPlan: { type: "NumberPlan" },
  callingPlanLicence: { type: "CallingPlanLicence" },
  voiceRoutingPolicyAssignment: { type: "VoiceRoutingPolicyAssignment" },
} as const;

/** The resource modules under provider/resources whose `provider` export implements the hooks. */
export type ResourceModuleName = keyof typeof RESOURCE_MODULES;

/** Every module name (account, licence, number; the stack's number plan, which changes nothing in the tenant). */
export const RESOURCE_MODULE_NAMES = Object.keys(RESOURCE_MODULES) as ResourceModuleName[];

/** The full type token of a module's resource, as previews and URNs show it. */
export function typeToken(name: ResourceModuleName): string {
  return `pulumi-nodejs:dynamic/${TYPE_MODULE}:${RESOURCE_MODULES[name].type}`;
}
