/**
 * The user resource's documented properties (microsoft-graph-docs-contrib
 * api-reference/v1.0/resources/user.md, writable ones from api/user-update.md): JSON type, whether
 * PATCH may set them, whether GET returns them without $select, and whether a collection read
 * may select them.
 */

/** JSON kind of a property. */
export type PropKind = "string" | "strings" | "boolean" | "dateTime" | "object" | "objects";

/** One documented property. */
export interface UserProp {
  kind: PropKind;
  /** PATCH may set it. */
  writable?: boolean;
  /** In the default projection (no $select). */
  byDefault?: boolean;
  /** Only on a single-user GET (a collection `$select` of it is 501). */
  singleOnly?: boolean;
  /** Never returned on read (e.g. passwordProfile). */
  writeOnly?: boolean;
}

const s = (o: Partial<UserProp> = {}): UserProp => ({ kind: "string", ...o });
const ss = (o: Partial<UserProp> = {}): UserProp => ({ kind: "strings", ...o });

/** Every user property the emulator knows, by its exact name. */
export const USER_PROPERTIES: Record<string, UserProp> = {
  id: s({ byDefault: true }),
  businessPhones: ss({ writable: true, byDefault: true }),
  displayName: s({ writable: true, byDefault: true }),
  givenName: s({ writable: true, byDefault: true }),
  jobTitle: s({ writable: true, byDefault: true }),
  mail: s({ writable: true, byDefault: true }),
  mobilePhone: s({ writable: true, byDefault: true }),
  officeLocation: s({ writable: true, byDefault: true }),
  preferredLanguage: s({ writable: true, byDefault: true }),
  surname: s({ writable: true, byDefault: true }),
  userPrincipalName: s({ writable: true, byDefault: true }),
  aboutMe: s({ writable: true, singleOnly: true }),
  accountEnabled: { kind: "boolean", writable: true },
  ageGroup: s({ writable: true }),
  assignedLicenses: { kind: "objects" },
  assignedPlans: { kind: "objects" },
  birthday: { kind: "dateTime", writable: true, singleOnly: true },
  city: s({ writable: true }),
  companyName: s({ writable: true }),
  consentProvidedForMinor: s({ writable: true }),
  country: s({ writable: true }),
  createdDateTime: { kind: "dateTime" },
  creationType: s(),
  customSecurityAttributes: { kind: "object" },
  deletedDateTime: { kind: "dateTime" },
  department: s({ writable: true }),
  employeeHireDate: { kind: "dateTime", writable: true },
  employeeId: s({ writable: true }),
  employeeType: s({ writable: true }),
  externalUserState: s(),
  faxNumber: s({ writable: true }),
  hireDate: { kind: "dateTime", writable: true, singleOnly: true },
  identities: { kind: "objects" },
  imAddresses: ss(),
  interests: ss({ writable: true, singleOnly: true }),
  licenseAssignmentStates: { kind: "objects" },
  mailNickname: s({ writable: true }),
  mySite: s({ writable: true, singleOnly: true }),
  onPremisesImmutableId: s({ writable: true }),
  onPremisesSyncEnabled: { kind: "boolean" },
  otherMails: ss({ writable: true }),
  passwordPolicies: s({ writable: true }),
  passwordProfile: { kind: "object", writable: true, writeOnly: true },
  pastProjects: ss({ writable: true, singleOnly: true }),
  postalCode: s({ writable: true }),
  preferredName: s({ writable: true, singleOnly: true }),
  proxyAddresses: ss(),
  responsibilities: ss({ writable: true, singleOnly: true }),
  schools: ss({ writable: true, singleOnly: true }),
  skills: ss({ writable: true, singleOnly: true }),
  state: s({ writable: true }),
  streetAddress: s({ writable: true }),
  usageLocation: s({ writable: true }),
  userType: s({ writable: true }),
};

/** The exact name of a property (names match case-insensitively), or undefined. */
export function userPropName(name: string): string | undefined {
  const k = name.toLowerCase();
  return Object.keys(USER_PROPERTIES).find((p) => p.toLowerCase() === k);
}

/** The default projection (no $select), in the documented order. */
export const DEFAULT_USER_PROPS = Object.keys(USER_PROPERTIES).filter((k) => USER_PROPERTIES[k]!.byDefault);

/** True when `v` has the property's JSON kind (null is allowed for every kind but collections). */
export function hasKind(kind: PropKind, v: unknown): boolean {
  if (v === null) return kind !== "strings" && kind !== "objects";
  switch (kind) {
    case "string":
      return typeof v === "string";
    case "strings":
      return Array.isArray(v) && v.every((x) => typeof x === "string");
    case "boolean":
      return typeof v === "boolean";
    case "dateTime":
      return typeof v === "string" && !Number.isNaN(Date.parse(v));
    case "object":
      return typeof v === "object" && !Array.isArray(v);
    case "objects":
      return Array.isArray(v) && v.every((x) => x !== null && typeof x === "object");
  }
}
