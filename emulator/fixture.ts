/** The seed file of a tenant: schema, defaults and where fixtures live (source tree, also when running from dist). */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";

import { thumbprints } from "./certs";

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be a GUID");
const numberType = z.enum(["callingPlan", "directRouting", "operatorConnect"]);
const capability = z.enum(["conferenceAssignment", "voiceApplicationAssignment", "userAssignment", "teamsPhoneMobile"]);

const fixtureSchema = z.object({
  $comment: z.string().optional(),
  tenantId: guid,
  tenantDisplayName: z.string().default("Contoso (emulated)"),
  verifiedDomains: z.array(z.string().min(3)).min(1),
  skus: z.array(
    z.object({
      skuId: guid,
      skuPartNumber: z.string(),
      appliesTo: z.enum(["User", "Company"]).default("User"),
      capabilityStatus: z.enum(["Enabled", "Warning", "Suspended", "Deleted", "LockedOut"]).default("Enabled"),
      prepaidUnits: z.object({
        enabled: z.number().int(),
        lockedOut: z.number().int(),
        suspended: z.number().int(),
        warning: z.number().int(),
      }),
      subscriptionIds: z.array(z.string()).default([]),
      servicePlans: z.array(
        z.object({ servicePlanId: guid, servicePlanName: z.string(), appliesTo: z.string().default("User") }),
      ),
    }),
  ),
  users: z
    .array(
      z.object({
        id: guid,
        userPrincipalName: z.string(),
        displayName: z.string(),
        accountEnabled: z.boolean(),
        department: z.string().nullable().default(null),
        usageLocation: z.string().nullable().default(null),
        licenses: z.array(guid).default([]),
        applicationInstance: z.object({ applicationId: guid.nullable() }).optional(),
      }),
    )
    .default([]),
  numbers: z.array(
    z.object({
      telephoneNumber: z.string().regex(/^\+[1-9]\d{6,14}(;ext=\d+)?$/, "must be E.164 with +"),
      numberType,
      capabilities: z.array(capability),
      isoCountryCode: z.string().length(2),
      city: z.string().nullable().default(null),
      operatorId: z.string().nullable().default(null),
      assignmentTargetId: guid.nullable().default(null),
      locationId: z.string().nullable().default(null),
      reverseNumberLookupOptions: z.array(z.literal("skipInternalVoip")).default([]),
      tags: z.array(z.string()).default([]),
      /** An assignment block: null = until cleared, an ISO date = until then; absent = none. */
      assignmentBlockedUntil: z.string().datetime().nullable().optional(),
    }),
  ),
  apps: z.array(
    z.object({
      clientId: guid,
      displayName: z.string(),
      /** The application object's id (Graph `/applications/{id}`); derived from the client id when absent. */
      objectId: guid.optional(),
      secrets: z.array(z.string()).default([]),
      certificates: z
        .array(
          z.object({
            thumbprintSha1: z.string().optional(),
            thumbprintSha256: z.string().optional(),
            certificatePem: z.string(),
          }),
        )
        .default([]),
      graphRoles: z.array(z.string()).default([]),
      directoryRoles: z.array(guid).default([]),
      /** Whether its access tokens carry the `wids` claim (false: none, as a token may come without it). */
      widsClaim: z.boolean().default(true),
      /** Graph federatedIdentityCredential: issuer (a path names an issuer of this emulator), subject, exactly one audience. */
      federatedIdentityCredentials: z
        .array(
          z.object({
            id: guid.optional(),
            name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/, "3-120 characters: letters, digits, - and _"),
            issuer: z.string().min(1).max(600),
            subject: z.string().min(1).max(600),
            audiences: z.array(z.string().min(1).max(600)).length(1, "must have exactly one audience"),
            description: z.string().max(600).optional(),
          }),
        )
        .default([]),
      managedIdentity: z.enum(["systemAssigned", "userAssigned"]).optional(),
      /** A user-assigned identity's Azure resource id (what `mi_res_id` / `msi_res_id` name). */
      managedIdentityResourceId: z
        .string()
        .regex(
          /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.managedidentity\/userassignedidentities\/[^/]+$/i,
        )
        .optional(),
    }),
  ),
  /** Service principals of other apps in the tenant (e.g. the bots' apps), besides the `apps`' own. */
  servicePrincipals: z.array(z.object({ id: guid.optional(), appId: guid, displayName: z.string() })).default([]),
  teams: z
    .object({
      allowSetApplicationInstanceAppOnly: z.boolean().default(false),
      /** Online voice routing policies (Get-CsOnlineVoiceRoutingPolicy): `Global` plus per-user `Tag:<name>` ones. */
      onlineVoiceRoutingPolicies: z
        .array(
          z.object({
            identity: z.string().regex(/^(Global|Tag:[^\s:][^:]*)$/, "Global or Tag:<name>"),
            description: z.string().nullable().default(null),
            onlinePstnUsages: z.array(z.string()).default([]),
          }),
        )
        .default([]),
      /** Per-user online voice routing policy assignments: user id or UPN -> policy name. */
      voiceRoutingPolicyAssignments: z.record(z.string(), z.string()).default({}),
    })
    .default({
      allowSetApplicationInstanceAppOnly: false,
      onlineVoiceRoutingPolicies: [],
      voiceRoutingPolicyAssignments: {},
    }),
  /**
   * The Azure side (Microsoft.BotService over ARM): subscriptions, their resource groups, role
   * assignments (principal = an app's client id, built-in role name, scope) and Azure Bots.
   */
  azure: z
    .object({
      subscriptions: z.array(z.object({ subscriptionId: guid, displayName: z.string() })).default([]),
      resourceGroups: z
        .array(z.object({ subscriptionId: guid, name: z.string().min(1).max(90), location: z.string().min(1) }))
        .default([]),
      roleAssignments: z
        .array(
          z.object({
            clientId: guid,
            role: z.enum(["Owner", "Contributor", "Reader"]),
            scope: z
              .string()
              .regex(/^\/subscriptions\/[^/]+(\/resourceGroups\/[^/]+)?$/i, "a subscription or resource group id"),
          }),
        )
        .default([]),
    })
    .default({ subscriptions: [], resourceGroups: [], roleAssignments: [] }),
  profile: z.record(z.string(), z.unknown()).optional(),
});

/** A parsed, validated fixture. */
export type Fixture = z.infer<typeof fixtureSchema>;
/** A fixture as written in JSON (defaults not applied yet). */
export type FixtureInput = z.input<typeof fixtureSchema>;

/** Directory holding the shipped fixtures, from the source tree or from dist/emulator. */
export function fixturesDir(): string {
  const candidates = [path.join(__dirname, "fixtures"), path.join(__dirname, "..", "..", "emulator", "fixtures")];
  for (const c of candidates) if (fs.existsSync(path.join(c, "default.json"))) return c;
  throw new Error(`emulator fixtures not found (looked in ${candidates.join(", ")})`);
}

/** Path of the deployer app's test certificate + key (PEM). */
export function deployerCertificatePath(): string {
  return path.join(fixturesDir(), "deployer-cert.pem");
}

/** Validates a fixture object; checks that certificate thumbprints match their PEM. */
export function parseFixture(raw: unknown, source = "fixture"): Fixture {
  const r = fixtureSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`${source} is invalid:\n  ${lines.join("\n  ")}`);
  }
  const clientIds = new Set(r.data.apps.map((a) => a.clientId.toLowerCase()));
  for (const ra of r.data.azure.roleAssignments)
    if (!clientIds.has(ra.clientId.toLowerCase()))
      throw new Error(`${source}: azure.roleAssignments: ${ra.clientId} is not one of apps[].clientId`);
  const policyNames = new Set(
    r.data.teams.onlineVoiceRoutingPolicies.map((p) => p.identity.replace(/^Tag:/i, "").toLowerCase()),
  );
  for (const [user, name] of Object.entries(r.data.teams.voiceRoutingPolicyAssignments))
    if (!policyNames.has(name.toLowerCase()))
      throw new Error(`${source}: teams.voiceRoutingPolicyAssignments.${user}: no policy named ${name}`);
  for (const app of r.data.apps) {
    for (const c of app.certificates) {
      const t = thumbprints(c.certificatePem);
      if (
        (c.thumbprintSha256 && c.thumbprintSha256.toLowerCase() !== t.sha256) ||
        (c.thumbprintSha1 && c.thumbprintSha1.toLowerCase() !== t.sha1)
      ) {
        throw new Error(`${source}: app ${app.clientId}: certificate thumbprint does not match certificatePem`);
      }
    }
  }
  return r.data;
}

/** Loads a fixture from a path, an object, or the shipped default. */
export function loadFixture(f?: string | FixtureInput | Fixture): Fixture {
  if (f === undefined) f = path.join(fixturesDir(), "default.json");
  if (typeof f === "string") {
    const file = path.isAbsolute(f) || fs.existsSync(f) ? f : path.join(fixturesDir(), f);
    return parseFixture(JSON.parse(fs.readFileSync(file, "utf8")), file);
  }
  return parseFixture(f);
}
