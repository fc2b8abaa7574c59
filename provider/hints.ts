/**
 * Fix hints: failures seen in real tenants (reference/tenant-api.md §1.10, §3) with the fix we
 * suggest, matched against the service's words, and the permission hint of an access denial,
 * built from the permission the failed call named.
 */
import { TEAMS_MODULE_FLOOR } from "../protocol/host-protocol";
import { DEPLOY, TEAMS_ADMIN_ROLE } from "./access/catalogue";
import { NAMESPACE, SETTING_SOURCES, type SettingName } from "./settings";

/** The fields of a failure a hint is chosen from. */
export interface Explainable {
  operation: string;
  reason: string;
  status?: number;
  code?: string;
  serviceCode?: string;
  permission?: string;
  hint?: string;
}

/** A known failure: how to recognise it (code or message), and how to explain and fix it. */
interface KnownFailure {
  match: RegExp;
  reason?: string;
  hint: string;
}

/** "teams-bot-numbers:tenantId (AZURE_TENANT_ID)". */
const key = (name: SettingName): string =>
  `${NAMESPACE}:${SETTING_SOURCES[name].config} (${SETTING_SOURCES[name].env})`;

const REACHABLE = "right and reachable from here (and trusted: NODE_EXTRA_CA_CERTS for a private CA)";

/** First match wins; matched against "<status> <code> <message>". */
const KNOWN_FAILURES: KnownFailure[] = [
  {
    match: /already (been )?assigned|assigned to another/i,
    reason: "the number is already assigned to another account",
    hint: "Unassign it first or choose another number.",
  },
  {
    match: /invalid usage location/i,
    hint: "Set the bot's usageLocation in the stack config (an ISO 3166 code such as US) before licensing it.",
  },
  {
    match: /does not have any available licenses|CountViolation/i,
    hint: "Free a seat or add seats to the subscription in the Microsoft 365 admin center, then rerun `pulumi up`.",
  },
  {
    match: /not found from tenant/i,
    hint: "Check that the number is acquired in this tenant and that numberType (CallingPlan | DirectRouting | OperatorConnect) matches it.",
  },
  {
    // S35: a subscriber (user) number offered to a resource account.
    match: /does not have required capabilities/i,
    hint:
      "Only service numbers with the VoiceApplicationAssignment capability can go on a resource account; choose such a number. " +
      "A Calling Plan subscriber (user) number becomes a service number through a usage change order: " +
      "New-CsPhoneNumberUsageChangeOrder -TelephoneNumber <number> -Usage ServiceType, then rerun `pulumi up`.",
  },
  {
    // Calling Plan numbers are bound to their country: the account's usage location must be that country.
    match: /(country|region)\b.*\busage ?location|usage ?location\b.*\b(country|region|does not match|mismatch)/i,
    hint:
      "A Calling Plan number can only go to an account whose usage location is the number's country: " +
      "set usageLocation on the ApplicationInstance to the number's country (ISO code, e.g. GB for +44), or choose a number of the account's country.",
  },
  {
    match: /lacks appropriate licen[cs]es|user '[^']*' is not found/i,
    hint: "The account is not licensed (or not replicated) yet: make the BotPhoneNumber depend on its VirtualUserLicense with waitForProvisioning, then rerun `pulumi up`.",
  },
  {
    match: /same key has already been added/i,
    hint: "The instance is already mapped to another application; the provider resets the mapping with the zero GUID and syncs again.",
  },
  {
    match: /^(401|InvalidAuthenticationToken|invalid_client|unauthorized_client)\b|AADSTS7000215|AADSTS700016/i,
    hint: `Check ${key("tenantId")}, ${key("clientId")} and the credential: ${key("clientSecret")} or the certificate registered on the app, ${key("clientCertificatePath")}.`,
  },
  {
    match: /endpoints_resolution_error/i,
    hint: `Check ${key("tenantId")}, and that ${key("authorityHost")} is ${REACHABLE}.`,
  },
  {
    match: /ENOTFOUND|ECONNREFUSED|self[- ]signed|unable to verify the first certificate|fetch failed/i,
    hint: `Check that ${key("authorityHost")} and ${key("graphUrl")} are ${REACHABLE}.`,
  },
  {
    match: /^(403|Authorization_RequestDenied|Forbidden)\b/i,
    hint: `Grant the app registration the Graph permissions (${DEPLOY.graph.join(", ")}) with admin consent, and the ${DEPLOY.roles[0]!.name} role.`,
  },
  {
    match: /^(429|TooManyRequests)\b/i,
    hint: "The tenant is throttling requests; wait a few minutes and rerun `pulumi up`.",
  },
];

/**
 * The hint for a 403 from a *-CsOnlineApplicationInstance cmdlet (undefined for other cmdlets): under
 * app-only auth it means the module, the cloud or the cmdlet itself before it means a missing role
 * (README "What works in which cloud"; office-docs-powershell issue 10363).
 */
export function appOnlyInstanceHint(cmdlet: string, moduleVersion: string | null | undefined): string | undefined {
  if (!/-CsOnlineApplicationInstance$/.test(cmdlet)) return undefined;
  const found = moduleVersion === undefined ? "version unknown" : `found ${moduleVersion ?? "none"}`;
  const never =
    cmdlet === "Set-CsOnlineApplicationInstance"
      ? "Set-CsOnlineApplicationInstance is never available app-only: run it as a Teams administrator user. "
      : "Set-CsOnlineApplicationInstance is never available app-only. ";
  return (
    `Teams refused ${cmdlet} under app-only auth (403). App-only New/Get/Sync-CsOnlineApplicationInstance need ` +
    `MicrosoftTeams ${TEAMS_MODULE_FLOOR}+ (${found}) in the commercial or GCC cloud; they are not available in GCC High/DoD. ` +
    `${never}If the module and cloud are right, check the app holds ${DEPLOY.roles[0]!.name} and wait a few minutes for a new token.`
  );
}

/** For an access denial: names the permission or role the failed call needs. */
function missingPermissionHint(d: Explainable): string | undefined {
  const code = d.code ?? d.serviceCode ?? "";
  const denied = d.status === 403 || /^(Authorization_RequestDenied|Forbidden)\b/i.test(code);
  if (!denied || !d.permission) return undefined;
  if (d.permission === TEAMS_ADMIN_ROLE) {
    return `The app's service principal lacks the ${TEAMS_ADMIN_ROLE} that ${d.operation} needs: assign it in Microsoft Entra ID > Roles and administrators, then rerun \`pulumi up\`.`;
  }
  const operation = d.operation.replace(/\/[0-9a-f-]{36}|\/[^/\s]+(@|%40)[^/\s]+/gi, "/{id}");
  return `The app registration lacks the Microsoft Graph application permission ${d.permission} that ${operation} needs: add it and grant admin consent, then rerun \`pulumi up\`.`;
}

/** Fills reason/hint of a failure from the table of known failures when the caller gave none. */
export function explain<T extends Explainable>(d: T): T {
  const permissionHint = d.hint ? undefined : missingPermissionHint(d);
  if (permissionHint) return { ...d, hint: permissionHint };
  const code = d.code ?? d.serviceCode;
  const haystack = `${d.status ?? ""} ${code ?? ""} ${d.reason}`.trim();
  const known = KNOWN_FAILURES.find(
    (k) => k.match.test(haystack) || k.match.test(d.reason) || (code ? k.match.test(code) : false),
  );
  if (!known) return d;
  return { ...d, reason: known.reason ?? d.reason, hint: d.hint ?? known.hint };
}
