/**
 * Who may call ARM and do what: the bearer token (an Entra token for Azure Resource Manager issued
 * by the emulator's token endpoint) and Azure RBAC reduced to the built-in roles Owner,
 * Contributor and Reader assigned to a service principal at a subscription or resource group
 * scope. Sources: emulator/FIDELITY.md ("Azure Resource Manager").
 */
import { ARM_AUDIENCES } from "../constants";
import { EmulatorContext } from "../context";
import { RoleAssignmentRec } from "../state";
import { AccessClaims } from "../tokens";
import { armErrors } from "./errors";

/** Checks the bearer token as ARM does; returns its claims or throws 401. */
export function authenticateArm(ctx: EmulatorContext, authorization: string | undefined): AccessClaims {
  if (!authorization || !/^Bearer\s+\S/i.test(authorization)) throw armErrors.noAuthorization();
  const raw = authorization.replace(/^Bearer\s+/i, "").trim();
  const v = ctx.tokens.verify(raw);
  if (!v.ok) {
    if (v.reason === "expired") {
      const exp = JSON.parse(Buffer.from(raw.split(".")[1] ?? "", "base64url").toString("utf8") || "{}") as {
        exp?: number;
      };
      throw armErrors.expiredToken(new Date((exp.exp ?? 0) * 1000).toISOString(), new Date().toISOString());
    }
    throw armErrors.invalidToken();
  }
  if (!(ARM_AUDIENCES as readonly string[]).includes(v.claims.aud))
    throw armErrors.wrongAudience(v.claims.aud, ARM_AUDIENCES);
  if (v.claims.tid !== ctx.store.state.tenant.id) throw armErrors.wrongTenant(v.claims.iss);
  return v.claims;
}

/** True when `scope` is `resourceId` or one of its ancestors (ARM ids compare without case). */
function covers(scope: string, resourceId: string): boolean {
  const s = scope.toLowerCase().replace(/\/+$/, "");
  const r = resourceId.toLowerCase();
  return r === s || r.startsWith(`${s}/`);
}

/** Whether a built-in role grants an action (Owner and Contributor: every action; Reader: the read actions). */
function grants(role: RoleAssignmentRec["role"], action: string): boolean {
  return role === "Owner" || role === "Contributor" || action.endsWith("/read");
}

/** True when the caller holds a role that grants the action at the resource id (or above it). */
export function mayPerform(ctx: EmulatorContext, claims: AccessClaims, action: string, resourceId: string): boolean {
  return ctx.store
    .azure()
    .roleAssignments.some((a) => a.principalId === claims.oid && covers(a.scope, resourceId) && grants(a.role, action));
}

/** Throws AuthorizationFailed unless the caller may perform the action at the scope. */
export function authorize(ctx: EmulatorContext, claims: AccessClaims, action: string, scope: string): void {
  if (!mayPerform(ctx, claims, action, scope))
    throw armErrors.authorizationFailed(claims.appid, claims.oid, action, scope);
}
