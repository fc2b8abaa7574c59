/** Well-known ids and names the emulator models (see shared/reference/tenant-api.md). */

/** Microsoft Graph resource URI (token audience). */
export const GRAPH_RESOURCE = "https://graph.microsoft.com";
/** Skype and Teams Tenant Admin API app id (token audience for Teams cmdlets). */
export const TEAMS_ADMIN_API = "48ac35b8-9aa8-4d74-927d-1f4a14a0b239";
/** Directory role template: Teams Administrator. */
export const ROLE_TEAMS_ADMIN = "69091246-20e8-4a56-aa4d-066075b2a7a8";
/** Directory role template: Global Reader (reads what a Global Administrator can, changes nothing). */
export const ROLE_GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
/** Directory role template: Global Administrator. */
export const ROLE_GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10";
/** Directory role template: Teams Communications Administrator (manages voice: numbers and their assignment). */
export const ROLE_TEAMS_COMMUNICATIONS_ADMIN = "baf37b3a-610e-45da-9e62-d9d1e5e8914b";
/** Directory role template: Teams Telephony Administrator (manages voice: numbers and their assignment). */
export const ROLE_TEAMS_TELEPHONY_ADMIN = "aa38014f-0993-46e9-9b45-30501a20909d";
/** Directory role template: Teams Reader (reads everything in the Teams admin center, changes nothing). */
export const ROLE_TEAMS_READER = "1076ac91-f3d9-41a7-a339-dcdf5f480acc";
/** Department every application instance carries. */
export const APP_INSTANCE_DEPARTMENT = "Microsoft Communication Application Instance";
/** Resource account licence SKU. */
export const VIRTUAL_USER_SKU_ID = "440eaaa8-b3e0-484b-a8be-62870b9ba70a";
/** Service plan that must be provisioned before a number can go on a resource account. */
export const MCOEV_VIRTUALUSER_PLAN_ID = "f47330e9-c134-43b3-9993-e7f004506889";
/** The zero GUID (Sync-CsOnlineApplicationInstance uses it to remove a mapping). */
export const ZERO_GUID = "00000000-0000-0000-0000-000000000000";
/** GUID pattern. */
export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Access token lifetime. */
export const ACCESS_TOKEN_LIFETIME_S = 3600;
/**
 * Azure Resource Manager audiences a token may carry (ARM's InvalidAuthenticationTokenAudience
 * message lists them: 'https://management.core.windows.net/', 'https://management.core.windows.net',
 * 'https://management.azure.com/', 'https://management.azure.com').
 */
export const ARM_AUDIENCES = [
  "https://management.core.windows.net/",
  "https://management.core.windows.net",
  "https://management.azure.com/",
  "https://management.azure.com",
] as const;
/** Built-in Azure role definitions the emulator models (azure-docs role-based-access-control/built-in-roles.md). */
export const AZURE_ROLES = {
  Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
} as const;
/** Service plans of the Pay-As-You-Go Calling Plan SKUs (the licensing reference names zone 1's; zone 2's by the Teams add-on list). */
export const PAYG_SERVICE_PLANS = ["MCOPSTN_PAYG_1", "MCOPSTN_PAYG_2"] as const;
