/**
 * Typed resource ids with format / parse / label, so read and delete work from the id alone.
 */

import { E164, GUID } from "./formats";

/** An id that does not have the shape its resource type uses. */
export class IdFormatError extends Error {
  constructor(kind: string, id: string, expected: string) {
    super(`"${id}" is not a valid ${kind} id: expected ${expected}`);
    this.name = "IdFormatError";
  }
}

/** ApplicationInstance id = the resource account's Entra object id. */
export interface ApplicationInstanceId {
  objectId: string;
}

/** VirtualUserLicense id = `<userId>/<skuId>`. */
export interface VirtualUserLicenseId {
  userId: string;
  skuId: string;
}

/**
 * BotPhoneNumber id = `<instanceId>/<E.164 number at creation>`. An update may move the
 * resource to another number without changing the id, so read prefers the recorded outputs.
 */
export interface BotPhoneNumberId {
  instanceId: string;
  phoneNumber: string;
}

function guid(kind: string, id: string, value: string, expected: string): string {
  if (!GUID.test(value)) throw new IdFormatError(kind, id, expected);
  return value.toLowerCase();
}

function halves(kind: string, id: string, expected: string): [string, string] {
  const slash = id.indexOf("/");
  if (slash < 0) throw new IdFormatError(kind, id, expected);
  return [id.slice(0, slash), id.slice(slash + 1)];
}

/** Format / parse / label for ApplicationInstance ids. */
export const applicationInstanceId = {
  format: (id: ApplicationInstanceId): string => id.objectId.toLowerCase(),
  parse: (id: string): ApplicationInstanceId => ({
    objectId: guid("ApplicationInstance", id, id, "an object id (GUID)"),
  }),
  label: (id: ApplicationInstanceId, userPrincipalName?: string): string => userPrincipalName ?? id.objectId,
};

/** Format / parse / label for VirtualUserLicense ids. */
export const virtualUserLicenseId = {
  format: (id: VirtualUserLicenseId): string => `${id.userId.toLowerCase()}/${id.skuId.toLowerCase()}`,
  parse: (id: string): VirtualUserLicenseId => {
    const expected = "<userId>/<skuId> (two GUIDs)";
    const [userId, skuId] = halves("VirtualUserLicense", id, expected);
    return {
      userId: guid("VirtualUserLicense", id, userId, expected),
      skuId: guid("VirtualUserLicense", id, skuId, expected),
    };
  },
  label: (id: VirtualUserLicenseId, skuPartNumber?: string): string => `${skuPartNumber ?? id.skuId} on ${id.userId}`,
};

/** Format / parse / label for BotPhoneNumber ids. */
export const botPhoneNumberId = {
  format: (id: BotPhoneNumberId): string => `${id.instanceId.toLowerCase()}/${id.phoneNumber}`,
  parse: (id: string): BotPhoneNumberId => {
    const expected = "<instanceId>/<E.164 number>";
    const [instanceId, phoneNumber] = halves("BotPhoneNumber", id, expected);
    if (!E164.test(phoneNumber)) throw new IdFormatError("BotPhoneNumber", id, expected);
    return { instanceId: guid("BotPhoneNumber", id, instanceId, expected), phoneNumber };
  },
  label: (id: BotPhoneNumberId): string => `${id.phoneNumber} on ${id.instanceId}`,
};

/** VoiceRoutingPolicyAssignment id = `<instanceId>/OnlineVoiceRoutingPolicy` (an account holds one). */
export interface VoiceRoutingPolicyId {
  instanceId: string;
}

/** Format / parse / label for VoiceRoutingPolicyAssignment ids. */
export const voiceRoutingPolicyId = {
  format: (id: VoiceRoutingPolicyId): string => `${id.instanceId.toLowerCase()}/OnlineVoiceRoutingPolicy`,
  parse: (id: string): VoiceRoutingPolicyId => {
    const expected = "<instanceId>/OnlineVoiceRoutingPolicy";
    const [instanceId, rest] = halves("VoiceRoutingPolicyAssignment", id, expected);
    if (rest !== "OnlineVoiceRoutingPolicy") throw new IdFormatError("VoiceRoutingPolicyAssignment", id, expected);
    return { instanceId: guid("VoiceRoutingPolicyAssignment", id, instanceId, expected) };
  },
  label: (id: VoiceRoutingPolicyId): string => `voice routing policy of ${id.instanceId}`,
};
