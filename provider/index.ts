/**
 * teams-bot-numbers: Pulumi dynamic resources that give a calling bot a Teams resource account,
 * its licence and a phone number. Previews read `pulumi-nodejs:dynamic/teams:<Type>`; the list of
 * resource modules and their types is provider/registry.ts.
 */
export {
  ApplicationInstance,
  type ApplicationInstanceArgs,
  type ApplicationInstanceOutputs,
} from "./resources/applicationInstance";
export {
  VirtualUserLicense,
  type VirtualUserLicenseArgs,
  type VirtualUserLicenseOutputs,
} from "./resources/virtualUserLicense";
export { BotPhoneNumber, type BotPhoneNumberArgs, type BotPhoneNumberOutputs } from "./resources/botPhoneNumber";
export {
  NumberPlan,
  type NumberPlanArgs,
  type NumberPlanBotArgs,
  type NumberPlanOutputs,
} from "./resources/numberPlan";
export {
  CallingPlanLicence,
  type CallingPlanLicenceArgs,
  type CallingPlanLicenceOutputs,
} from "./resources/callingPlanLicence";
export {
  VoiceRoutingPolicyAssignment,
  type VoiceRoutingPolicyAssignmentArgs,
  type VoiceRoutingPolicyAssignmentOutputs,
} from "./resources/voiceRoutingPolicyAssignment";
export { RESOURCE_MODULES, RESOURCE_MODULE_NAMES, typeToken, type ResourceModuleName } from "./registry";
