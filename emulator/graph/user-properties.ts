/**
 * The user resource as the query options see it (microsoft-graph-docs-contrib
 * api-reference/v1.0/resources/user.md; writable properties from api/user-update.md; `$filter`,
 * `$orderby`, `$search` support from concepts/aad-advanced-queries.md and user-list.md;
 * relationships from resources/user.md).
 */
import { EntityProp, EntityType } from "./entity";

const s = (o: Partial<EntityProp> = {}): EntityProp => ({ kind: "string", ...o });
const ss = (o: Partial<EntityProp> = {}): EntityProp => ({ kind: "strings", ...o });

/** Every user property the emulator knows, by its exact name. */
export const USER_PROPERTIES: Record<string, EntityProp> = {
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

const STRINGS = Object.keys(USER_PROPERTIES).filter((k) => USER_PROPERTIES[k]!.kind === "string");

/** The user entity type. */
export const USER_TYPE: EntityType = {
  name: "microsoft.graph.user",
  resource: "User",
  properties: USER_PROPERTIES,
  filter: {
    eq: [...STRINGS, "accountEnabled", "createdDateTime", "employeeHireDate", "onPremisesSyncEnabled"],
    startswith: STRINGS,
    // aad-advanced-queries.md: "The endsWith operator is supported only with advanced queries on mail and userPrincipalName".
    endswith: ["mail", "userPrincipalName"],
    collections: ["businessPhones", "otherMails", "proxyAddresses", "imAddresses", "assignedLicenses", "identities"],
  },
  // user-list.md / query-parameters.md: `/users?$orderby=displayName` works by default.
  orderby: {
    byDefault: ["displayName", "userPrincipalName"],
    advanced: ["createdDateTime", "mail", "givenName", "surname"],
  },
  tokenized: ["displayName"],
  // The emulated tenant has no groups, managers, devices or extensions: each of these is empty.
  relationships: {
    manager: "single",
    directReports: "collection",
    memberOf: "collection",
    transitiveMemberOf: "collection",
    ownedObjects: "collection",
    ownedDevices: "collection",
    registeredDevices: "collection",
    createdObjects: "collection",
    extensions: "collection",
    appRoleAssignments: "collection",
    oauth2PermissionGrants: "collection",
  },
};
