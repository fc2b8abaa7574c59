/** New-, Get-, Set-, Sync-CsOnlineApplicationInstance: an instance is a disabled Entra user plus an APS mapping. */
import { APP_INSTANCE_DEPARTMENT, GUID_RE, ZERO_GUID } from "../constants";
import { EmulatorContext } from "../context";
import { isResourceAccount, newId } from "../rules";
import { UserRec } from "../state";
import { CmdletDef, FORCE_WHATIF } from "./cmdlet";
import { teamsErrors } from "./errors";

/** Get-CsOnlineApplicationInstance output object. */
export function instanceView(ctx: EmulatorContext, u: UserRec): Record<string, unknown> {
  const numbers = ctx.store.state.numbers.filter((n) => n.assignmentTargetId === u.id);
  const primary = numbers.find((n) => n.assignmentCategory === "primary") ?? numbers[0];
  return {
    ObjectId: u.id,
    TenantId: ctx.store.state.tenant.id,
    UserPrincipalName: u.userPrincipalName,
    ApplicationId: u.applicationInstance?.applicationId ?? null,
    DisplayName: u.displayName,
    PhoneNumber: primary ? `tel:${primary.telephoneNumber}` : null,
  };
}

/** Resolves an instance by UPN, sip: address or ObjectId; null when absent or not an instance. */
export function findInstance(ctx: EmulatorContext, identity: string): UserRec | undefined {
  const u = ctx.store.findUser(identity.replace(/^sip:/i, ""));
  return u && isResourceAccount(u) ? u : undefined;
}

const notFound = teamsErrors.notFound;
const cmdletBadRequest = teamsErrors.badRequest;

const UPN_RE = /^[A-Za-z0-9._%+'-]+@([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)$/;

/** New-CsOnlineApplicationInstance. */
export const newInstance: CmdletDef = {
  name: "New-CsOnlineApplicationInstance",
  mutating: true,
  params: [
    { name: "UserPrincipalName", type: "string", mandatory: true },
    { name: "ApplicationId", type: "guid" },
    { name: "DisplayName", type: "string" },
    ...FORCE_WHATIF,
  ],
  run(ctx, p) {
    const upn = String(p.UserPrincipalName).trim();
    const m = UPN_RE.exec(upn);
    if (!m)
      throw cmdletBadRequest(
        this.name,
        `BadRequest - The UserPrincipalName '${upn}' is not a valid user principal name.`,
      );
    const domain = m[1]!.toLowerCase();
    if (!ctx.store.state.tenant.verifiedDomains.includes(domain)) {
      throw cmdletBadRequest(
        this.name,
        `BadRequest - The domain portion of the UserPrincipalName '${upn}' must be a verified domain of the tenant ('${domain}' is not verified).`,
      );
    }
    if (ctx.store.findUser(upn))
      throw cmdletBadRequest(
        this.name,
        "BadRequest - Another object with the same value for property userPrincipalName already exists.",
      );
    if (p.WhatIf === true) return { output: [] };
    const appId = typeof p.ApplicationId === "string" ? p.ApplicationId : null;
    const now = Date.now();
    const u: UserRec = {
      id: newId(),
      userPrincipalName: upn.toLowerCase(),
      displayName: typeof p.DisplayName === "string" && p.DisplayName !== "" ? p.DisplayName : upn.split("@")[0]!,
      accountEnabled: false,
      department: APP_INSTANCE_DEPARTMENT,
      usageLocation: null,
      createdDateTime: new Date(now).toISOString(),
      visibleFromMs: now + ctx.faults.timings.replicationDelayMs,
      licenses: [],
      applicationInstance: { applicationId: appId },
    };
    ctx.store.state.users.push(u);
    if (appId && appId !== ZERO_GUID) ctx.store.state.aps[u.id] = appId;
    return { output: [instanceView(ctx, u)], audit: { target: u.id, number: null } };
  },
};

/** Get-CsOnlineApplicationInstance. */
export const getInstance: CmdletDef = {
  name: "Get-CsOnlineApplicationInstance",
  mutating: false,
  params: [
    { name: "Identity", type: "string" },
    { name: "Identities", type: "string" },
    // Documented as "currently not working": accepted and ignored, like the service.
    { name: "ResultSize", type: "int" },
    { name: "Skip", type: "int" },
    ...FORCE_WHATIF,
  ],
  run(ctx, p) {
    if (typeof p.Identity === "string") {
      const u = findInstance(ctx, p.Identity);
      if (!u) throw notFound(this.name, p.Identity);
      return { output: [instanceView(ctx, u)] };
    }
    if (typeof p.Identities === "string") {
      const ids = p.Identities.split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      return {
        output: ids
          .map((i) => findInstance(ctx, i))
          .filter((u): u is UserRec => u !== undefined)
          .map((u) => instanceView(ctx, u)),
      };
    }
    return { output: ctx.store.state.users.filter(isResourceAccount).map((u) => instanceView(ctx, u)) };
  },
};

/** Set-CsOnlineApplicationInstance (refused under app-only auth unless the fixture allows it). */
export const setInstance: CmdletDef = {
  name: "Set-CsOnlineApplicationInstance",
  mutating: true,
  params: [
    { name: "Identity", type: "string", mandatory: true },
    { name: "OnpremPhoneNumber", type: "string" },
    { name: "ApplicationId", type: "guid" },
    { name: "AcsResourceId", type: "guid" },
    { name: "DisplayName", type: "string" },
    ...FORCE_WHATIF,
  ],
  run(ctx, p, claims) {
    if (claims.idtyp === "app" && !ctx.store.state.settings.allowSetApplicationInstanceAppOnly) {
      throw teamsErrors.notSupportedAppOnly(this.name);
    }
    const id = String(p.Identity);
    const u = findInstance(ctx, id);
    if (!u) throw notFound(this.name, id);
    if (typeof p.OnpremPhoneNumber === "string") {
      const v = p.OnpremPhoneNumber;
      if (/^tel:/i.test(v)) {
        throw teamsErrors.telFormat(this.name, v);
      }
      throw cmdletBadRequest(
        this.name,
        "BadRequest - OnpremPhoneNumber is deprecated for number assignment; use Set-CsPhoneNumberAssignment.",
      );
    }
    if (p.WhatIf === true) return { output: [] };
    if (typeof p.DisplayName === "string") u.displayName = p.DisplayName;
    if (typeof p.ApplicationId === "string") {
      u.applicationInstance = { applicationId: p.ApplicationId };
      ctx.store.state.aps[u.id] = p.ApplicationId;
    }
    return { output: [], audit: { target: u.id, number: null } };
  },
};

/** Sync-CsOnlineApplicationInstance: copies the instance→app mapping into the Agent Provisioning Service. */
export const syncInstance: CmdletDef = {
  name: "Sync-CsOnlineApplicationInstance",
  mutating: true,
  params: [
    { name: "ObjectId", type: "guid", mandatory: true },
    { name: "ApplicationId", type: "guid" },
    { name: "CallbackUri", type: "string" },
    { name: "AcsResourceId", type: "guid" },
    ...FORCE_WHATIF,
  ],
  run(ctx, p) {
    const oid = String(p.ObjectId);
    const u = findInstance(ctx, oid);
    if (!u) throw cmdletBadRequest(this.name, `The user '${oid}' is not found`, 404);
    const aps = ctx.store.state.aps;
    const wanted =
      typeof p.ApplicationId === "string" ? p.ApplicationId : (u.applicationInstance?.applicationId ?? null);
    if (wanted === null)
      throw cmdletBadRequest(this.name, "BadRequest - ApplicationId is required because the instance has none.");
    if (!GUID_RE.test(wanted)) throw cmdletBadRequest(this.name, "BadRequest - ApplicationId is not a GUID.");
    if (wanted === ZERO_GUID) {
      // The documented way to remove a mapping before re-mapping.
      delete aps[u.id];
      u.applicationInstance = { applicationId: null };
      return { output: [], audit: { target: u.id, number: null } };
    }
    if (p.WhatIf === true) return { output: [] };
    const existing = aps[u.id];
    if (existing && existing !== wanted) {
      throw teamsErrors.syncConflict(this.name);
    }
    aps[u.id] = wanted;
    u.applicationInstance = { applicationId: wanted };
    return { output: [], audit: { target: u.id, number: null } };
  },
};
