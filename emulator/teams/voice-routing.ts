/**
 * Online voice routing policies: Get-CsOnlineVoiceRoutingPolicy (the tenant's policies, seeded from
 * the fixture) and Grant-CsOnlineVoiceRoutingPolicy (per-user assignment; `-PolicyName $null`
 * removes it), plus Get-CsOnlineUser, which shows the assignment as OnlineVoiceRoutingPolicy.
 * Sources: office-docs-powershell Get-CsOnlineVoiceRoutingPolicy.md, Grant-CsOnlineVoiceRoutingPolicy.md,
 * Get-CsOnlineUser.md; errors and output details in emulator/FIDELITY.md.
 */
import { EmulatorContext } from "../context";
import { isResourceAccount } from "../rules";
import { UserRec, VoiceRoutingPolicyRec } from "../state";
import { CmdletDef } from "./cmdlet";
import { teamsErrors } from "./errors";

/** A policy's name: its Identity without the `Tag:` scope (Grant's -PolicyName). */
export function policyName(p: VoiceRoutingPolicyRec): string {
  return p.identity.replace(/^Tag:/i, "");
}

/** The per-user (Tag:) policy with that name, without case. */
export function findPolicy(ctx: EmulatorContext, name: string): VoiceRoutingPolicyRec | undefined {
  return ctx.store
    .voiceRoutingPolicies()
    .find((p) => /^Tag:/i.test(p.identity) && policyName(p).toLowerCase() === name.toLowerCase());
}

/** The policy that routes a user's calls: their own, else the Global one (Grant-…Policy.md example 2). */
export function effectivePolicy(ctx: EmulatorContext, u: UserRec): VoiceRoutingPolicyRec | undefined {
  const own = u.onlineVoiceRoutingPolicy ? findPolicy(ctx, u.onlineVoiceRoutingPolicy) : undefined;
  return own ?? ctx.store.voiceRoutingPolicies().find((p) => p.identity.toLowerCase() === "global");
}

function policyView(p: VoiceRoutingPolicyRec): Record<string, unknown> {
  return {
    Identity: p.identity,
    OnlinePstnUsages: [...p.onlinePstnUsages],
    Description: p.description,
    RouteType: "BYOT",
  };
}

/** `-Filter` wildcards as the page describes them (`tag:*`): `*` any run, `?` one character, no case. */
function wildcard(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "i");
}

/** Get-CsOnlineVoiceRoutingPolicy [-Identity <name|global|Tag:name>] | [-Filter <wildcard>]. */
export const getVoiceRoutingPolicy: CmdletDef = {
  name: "Get-CsOnlineVoiceRoutingPolicy",
  mutating: false,
  params: [
    { name: "Identity", type: "string" },
    { name: "Filter", type: "string" },
  ],
  run(ctx, p) {
    const all = ctx.store.voiceRoutingPolicies();
    if (typeof p.Identity === "string" && typeof p.Filter === "string")
      throw teamsErrors.ambiguousParameterSet(this.name);
    if (typeof p.Identity === "string") {
      const id = p.Identity.trim();
      if (/[*?]/.test(id))
        throw teamsErrors.validation(this.name, "You cannot use wildcard characters when specifying the Identity.");
      const hit = all.find(
        (x) => x.identity.toLowerCase() === id.toLowerCase() || policyName(x).toLowerCase() === id.toLowerCase(),
      );
      if (!hit) throw teamsErrors.notFound(this.name, id);
      return { output: [policyView(hit)] };
    }
    if (typeof p.Filter === "string") {
      const re = wildcard(p.Filter.trim());
      return { output: all.filter((x) => re.test(x.identity)).map(policyView) };
    }
    return { output: all.map(policyView) };
  },
};

/** Finds a user for Get-CsOnlineUser / Grant-Cs*Policy: object id, UPN, `sip:` address or alias (the UPN's local part). */
export function findOnlineUser(ctx: EmulatorContext, identity: string): UserRec | undefined {
  const id = identity.trim().replace(/^sip:/i, "");
  const direct = ctx.store.findUser(id);
  if (direct) return direct;
  if (id.includes("@")) return undefined;
  const byAlias = ctx.store.state.users.filter(
    (u) => u.userPrincipalName.split("@")[0]!.toLowerCase() === id.toLowerCase(),
  );
  return byAlias.length === 1 ? byAlias[0] : undefined;
}

/** Teams feature types a user's licences enable (Get-CsOnlineUser.md, "Commonly used FeatureTypes"). */
function featureTypes(ctx: EmulatorContext, u: UserRec): string[] {
  const plans = u.licenses.flatMap((l) =>
    (ctx.store.sku(l.skuId)?.servicePlans ?? [])
      .filter((p) => !l.disabledPlans.includes(p.servicePlanId))
      .map((p) => p.servicePlanName),
  );
  const out = new Set<string>();
  for (const name of plans) {
    if (name === "TEAMS1") out.add("Teams");
    if (name === "MCOEV") out.add("PhoneSystem");
    if (name === "MCOEV_VIRTUALUSER") out.add("VoiceApp");
    if (/^MCOPSTN/.test(name)) out.add("CallingPlan");
    if (name === "MCOMEETADV") out.add("AudioConferencing");
  }
  return [...out].sort();
}

/** The Get-CsOnlineUser object (the documented always-present properties plus the voice ones the provider reads). */
export function onlineUserView(ctx: EmulatorContext, u: UserRec): Record<string, unknown> {
  const numbers = ctx.store.state.numbers.filter((n) => n.assignmentTargetId === u.id);
  const primary = numbers.find((n) => n.assignmentCategory === "primary") ?? numbers[0];
  return {
    Identity: u.id,
    UserPrincipalName: u.userPrincipalName,
    Alias: u.userPrincipalName.split("@")[0],
    AccountEnabled: u.accountEnabled,
    DisplayName: u.displayName,
    AccountType: isResourceAccount(u) ? "ResourceAccount" : "User",
    TenantId: ctx.store.state.tenant.id,
    Department: u.department,
    UsageLocation: u.usageLocation,
    LineURI: primary ? `tel:${primary.telephoneNumber}` : null,
    FeatureTypes: featureTypes(ctx, u),
    OnlineVoiceRoutingPolicy: u.onlineVoiceRoutingPolicy ?? null,
  };
}

const ALWAYS = ["Identity", "UserPrincipalName", "Alias", "AccountEnabled", "DisplayName"];
/** Every property onlineUserView writes (what -Properties may name). */
const ONLINE_USER_PROPERTIES = [
  ...ALWAYS,
  "AccountType",
  "TenantId",
  "Department",
  "UsageLocation",
  "LineURI",
  "FeatureTypes",
  "OnlineVoiceRoutingPolicy",
];
const ACCOUNT_TYPES = ["User", "ResourceAccount", "Guest", "SfBOnPremUser", "IneligibleUser"];

/** Get-CsOnlineUser [-Identity] [-AccountType] [-Properties] [-ResultSize]; the rest refused by name. */
export const getOnlineUser: CmdletDef = {
  name: "Get-CsOnlineUser",
  mutating: false,
  params: [
    { name: "Identity", type: "string" },
    { name: "AccountType", type: "string", validateSet: ACCOUNT_TYPES },
    { name: "Properties", type: "string" },
    { name: "ResultSize", type: "int" },
    { name: "Filter", type: "string" },
    { name: "Sort", type: "string", aliases: ["OrderBy"] },
    { name: "SkipUserPolicies", type: "switch" },
    { name: "SoftDeletedUser", type: "switch" },
  ],
  run(ctx, p) {
    for (const name of ["Filter", "Sort", "SoftDeletedUser"])
      if (p[name] !== undefined && p[name] !== false) throw teamsErrors.notModelled(this.name, `-${name}`);
    let users: UserRec[];
    if (typeof p.Identity === "string") {
      const u = findOnlineUser(ctx, p.Identity);
      if (!u) throw teamsErrors.notFound(this.name, p.Identity);
      users = [u];
    } else users = [...ctx.store.state.users];
    if (typeof p.AccountType === "string") {
      const want = p.AccountType.toLowerCase();
      // Guests, on-premises and ineligible users are not modelled: none match.
      users = users.filter((u) => (isResourceAccount(u) ? "resourceaccount" : "user") === want);
    }
    if (typeof p.ResultSize === "number") {
      if (p.ResultSize < 0)
        throw teamsErrors.validation(this.name, "The ResultSize must be a whole number between 0 and 2147483647.");
      users = users.slice(0, p.ResultSize);
    }
    let output = users.map((u) => onlineUserView(ctx, u));
    if (p.SkipUserPolicies === true) output = output.map(({ OnlineVoiceRoutingPolicy: _skip, ...rest }) => rest);
    if (typeof p.Properties === "string") {
      const wanted = p.Properties.split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      const known = ONLINE_USER_PROPERTIES;
      const unknown = wanted.find((w) => !known.some((k) => k.toLowerCase() === w.toLowerCase()));
      if (unknown)
        throw teamsErrors.validation(this.name, `'${unknown}' is not a property of the Get-CsOnlineUser output.`);
      const keep = new Set([...ALWAYS, ...wanted].map((k) => k.toLowerCase()));
      output = output.map((o) => Object.fromEntries(Object.entries(o).filter(([k]) => keep.has(k.toLowerCase()))));
    }
    return { output };
  },
};

/** Grant-CsOnlineVoiceRoutingPolicy -Identity <user> -PolicyName <name|$null> [-PassThru]. */
export const grantVoiceRoutingPolicy: CmdletDef = {
  name: "Grant-CsOnlineVoiceRoutingPolicy",
  mutating: true,
  params: [
    { name: "Identity", type: "string" },
    { name: "PolicyName", type: "string", mandatory: true, allowNull: true },
    { name: "PassThru", type: "switch" },
    { name: "Global", type: "switch" },
    { name: "Group", type: "string" },
    { name: "Rank", type: "int" },
  ],
  run(ctx, p) {
    if (p.Global === true) throw teamsErrors.notModelled(this.name, "-Global (the tenant-wide assignment)");
    if (typeof p.Group === "string" || p.Rank !== undefined)
      throw teamsErrors.notModelled(this.name, "-Group (group policy assignment)");
    if (typeof p.Identity !== "string")
      throw teamsErrors.notModelled(this.name, "a grant without -Identity (the tenant-wide assignment)");
    const u = findOnlineUser(ctx, p.Identity);
    if (!u) throw teamsErrors.grantUserMissing();
    const name = typeof p.PolicyName === "string" && p.PolicyName.trim() !== "" ? p.PolicyName.trim() : null;
    if (name === null) delete u.onlineVoiceRoutingPolicy;
    else {
      const policy = findPolicy(ctx, name);
      if (!policy) throw teamsErrors.grantPolicyMissing(name);
      u.onlineVoiceRoutingPolicy = policyName(policy);
    }
    ctx.store.changed();
    return { output: p.PassThru === true ? [onlineUserView(ctx, u)] : [], audit: { target: u.id, number: null } };
  },
};
