/**
 * Shapes shared by settings, ids, validators and the tenant layer: the GUID pattern, E.164, and
 * the number types with their one wire converter (Graph and the cmdlets use camelCase enums).
 */

/** A GUID, any case, without braces. */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** E.164 with an optional Direct Routing extension. */
export const E164 = /^\+[1-9]\d{1,14}(;ext=\d{1,10})?$/;

/** The all-zero GUID (Teams uses it to reset an application mapping). */
export const ZERO_GUID = "00000000-0000-0000-0000-000000000000";

/** Phone number types Teams knows for resource accounts. */
export const NUMBER_TYPES = ["CallingPlan", "DirectRouting", "OperatorConnect"] as const;

/** One of NUMBER_TYPES. */
export type NumberType = (typeof NUMBER_TYPES)[number];

/** Our enum (PascalCase) → the wire's (camelCase): "CallingPlan" → "callingPlan", "Activated" → "activated". */
export function toWireEnum(value: string): string {
  return value.charAt(0).toLowerCase() + value.slice(1);
}

/** The wire's enum (camelCase) → ours (PascalCase): "operatorConnect" → "OperatorConnect". */
export function fromWireEnum(value: unknown): string {
  const text = String(value ?? "");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
