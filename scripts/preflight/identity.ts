/**
 * The preflight's identity sections: the credential (a token for Graph and one for the Teams admin
 * API), the Graph application permissions (the Graph token's `roles`), the Entra directory role
 * (the Teams token's `wids`, when it has one) and the Teams probe (PowerShell, the module, one
 * app-only listing of resource accounts). What each identity needs comes from the one catalogue
 * the write guard also reads (provider/access/catalogue.ts).
 *
 * A token without `wids` is not a failure: Microsoft's access-token reference says claims are
 * present only when a value exists and applications must not depend on one being present. The
 * role line is then a ⚠, and the probe, which always runs, shows what Teams itself accepts.
 */
import { compareVersions, TEAMS_MODULE_FLOOR } from "../../protocol/host-protocol";
import {
  DEPLOY,
  describeCredential,
  PREVIEW,
  TEAMS_ADMIN_SCOPE,
  type DirectoryRole,
} from "../../provider/access/index";
import type { TenantSettings } from "../../provider/settings";
import { message, type Check, type Claims, type Run } from "./run";

/** "A", "A or B", "A, B or C". */
export function oneOf(roles: DirectoryRole[]): string {
  const names = roles.map((r) => r.name);
  return names.length < 2 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}

/** The roles of `roles` that the wids claim holds. */
const held = <R extends DirectoryRole>(wids: string[], roles: R[]): R[] => roles.filter((r) => wids.includes(r.id));

/** 1. Credential: one token per resource (the Teams one only after a Graph token: a wrong credential is one ✗). */
export async function checkTokens(
  run: Pick<Run, "preview" | "tenant" | "add">,
  settings: TenantSettings,
): Promise<Claims | undefined> {
  const credentialTitle = `Credential: token for Microsoft Graph (${run.preview ? "preview" : "deploy"} identity, ${describeCredential(settings.credential)})`;
  const graph = await run.tenant.graphClaims().then(
    (c) => (run.add({ title: credentialTitle, status: "pass" }), c),
    (e) => {
      run.add({
        title: credentialTitle,
        status: "fail",
        detail: message(e),
        fix: "Check tenantId, clientId and the credential (docs/credentials-and-pipelines.md: a secret or certificate must be current on the app registration; a federated token's issuer, subject and audience must match a federated credential of the app).",
      });
      return undefined;
    },
  );
  if (!graph) return undefined;
  const teamsTitle = "Credential: token for the Teams admin API (Skype and Teams Tenant Admin API)";
  const teams = await run.tenant.teamsClaims().then(
    (c) => (run.add({ title: teamsTitle, status: "pass" }), c),
    (e) => {
      run.add({
        title: teamsTitle,
        status: "fail",
        detail: message(e),
        fix: `The same credential must obtain a token for ${TEAMS_ADMIN_SCOPE}; check the app registration is in this tenant.`,
      });
      return undefined;
    },
  );
  return teams ? { graph, teams } : undefined;
}

/** 2. The Graph application permissions in the token's roles claim. */
export function checkGraphPermissions(run: Run): void {
  const needed = run.preview
    ? PREVIEW.graph
    : [...DEPLOY.graph, ...(run.bots.some((b) => b.createApp) ? DEPLOY.createAppGraph : [])];
  const missing = needed.filter((r) => !run.has(r));
  run.add(
    missing.length === 0
      ? { title: `Graph app roles: ${needed.join(", ")}`, status: "pass" }
      : {
          title: "Graph app roles",
          status: "fail",
          detail: `the Graph token's roles claim lacks ${missing.join(", ")}`,
          fix: `Add the Microsoft Graph application permission(s) ${missing.join(", ")} to the app registration and grant admin consent.`,
        },
  );
}

/**
 * 3. The directory role, from the Teams token's wids claim: a write role to deploy, a read role to
 * preview, and a preview identity holds nothing that writes. Without the claim: ⚠ (the probe
 * that follows shows what Teams accepts).
 */
export function checkDirectoryRoles(run: Run): void {
  const wids = run.claims.teams.wids;
  if (wids === undefined) run.roleCheck = run.add(roleNotInToken(run.preview));
  else run.roleCheck = run.add(run.preview ? readRole(wids) : writeRole(wids));
  if (run.preview) run.add(readOnly(run, wids));
}

function roleNotInToken(preview: boolean): Check {
  const roles = preview ? PREVIEW.roles : DEPLOY.roles;
  return {
    title: "Entra role: not in the token (no wids claim)",
    status: "warn",
    detail: `the Teams admin API token carries no wids claim (Microsoft: a claim is present only when it has a value, and applications must not depend on one being present), so the role cannot be read from it; the Teams probe below shows whether Teams accepts this identity${preview ? "" : " for reads (a missing write role shows at the first change, before any write)"}`,
    fix: `Check that the app's service principal holds ${oneOf(roles)} (Entra admin center → Roles and administrators).`,
  };
}

function writeRole(wids: string[]): Check {
  const writers = held(wids, DEPLOY.roles);
  const asked = DEPLOY.roles[0]!;
  if (writers.length === 0)
    return {
      title: `Entra role: ${asked.name}`,
      status: "fail",
      detail: `the Teams admin API token's wids claim holds none of ${oneOf(DEPLOY.roles)}`,
      fix: `Assign the ${asked.name} role to the app's service principal (Entra admin center → Roles and administrators), then wait a few minutes for new tokens.`,
    };
  const title = `Entra role: ${oneOf(writers)} (wids claim)`;
  if (writers.some((r) => r.documented === "all")) return { title, status: "pass" };
  return {
    title,
    status: "warn",
    detail: `Microsoft documents ${oneOf(writers)} for phone numbers ("manage voice including calling policies and phone number inventory and assignment"); that it may create resource accounts app-only (New-CsOnlineApplicationInstance) is not documented`,
    fix: `If creating a bot's account is refused, assign ${asked.name} to the app's service principal.`,
  };
}

function readRole(wids: string[]): Check {
  const readers = held(wids, PREVIEW.roles);
  if (readers.length > 0) return { title: `Entra role: ${oneOf(readers)} (wids claim)`, status: "pass" };
  return {
    title: `Entra role: ${oneOf(PREVIEW.roles)}`,
    status: "fail",
    detail: `the Teams admin API token's wids claim holds neither ${PREVIEW.roles.map((r) => `${r.name} (${r.id})`).join(" nor ")}`,
    fix: `Assign the ${oneOf(PREVIEW.roles)} role to the preview app's service principal (Entra admin center → Roles and administrators).`,
  };
}

/** The preview identity holds no write permission (Graph token) and no write role (wids, when present). */
function readOnly(run: Run, wids: string[] | undefined): Check {
  const writers = wids ? held(wids, DEPLOY.roles) : [];
  const writes = [
    ...run.claims.graph.roles.filter((r) => PREVIEW.forbiddenGraph.includes(r)),
    ...(writers.length > 0 ? [`the ${oneOf(writers)} role`] : []),
  ];
  if (writes.length > 0)
    return {
      title: "Read-only preview identity",
      status: "fail",
      detail: `it holds ${writes.join(", ")}: a pull request's code runs with this identity`,
      fix: "Remove the write permissions and roles from the preview app; deploys use the deploy identity.",
    };
  if (wids === undefined)
    return {
      title: "Read-only: the preview identity's Graph token holds no write permission",
      status: "warn",
      detail:
        "its directory roles are not in the token (no wids claim), so the preflight cannot tell whether it holds a role that writes",
      fix: `Check that the preview app's service principal holds none of ${oneOf(DEPLOY.roles)}: a pull request's code runs with it.`,
    };
  return { title: "Read-only: the preview identity holds no write permission or role", status: "pass" };
}

/**
 * 4. PowerShell 7, the MicrosoftTeams module, and one app-only Get-CsOnlineApplicationInstance
 * listing — always run, whatever the role line said. A refusal that the role line already explains
 * is added to that line (one cause, one ✗).
 */
export async function checkTeamsProbe(run: Run): Promise<void> {
  const title = "PowerShell 7 and the MicrosoftTeams module";
  const { ready, instances, error } = await run.tenant.probeTeams();
  const ps = ready?.psVersion ?? "";
  const mod = ready?.teamsModuleVersion ?? null;
  if (!ready) {
    run.add({
      title,
      status: "fail",
      detail: message(error),
      fix: `Install PowerShell 7 (pwsh) or set teams-bot-numbers:pwshPath (TEAMS_PWSH_PATH); then Install-Module MicrosoftTeams -RequiredVersion ${TEAMS_MODULE_FLOOR}.`,
    });
    return;
  }
  if (!/^7\./.test(ps) || mod === null || compareVersions(mod, TEAMS_MODULE_FLOOR) < 0) {
    run.add({
      title,
      status: "fail",
      detail: `PowerShell ${ps || "?"}, MicrosoftTeams ${mod ?? "not installed"} (needs PowerShell 7.2+ and MicrosoftTeams ${TEAMS_MODULE_FLOOR} or later)`,
      fix: `In pwsh 7: Install-Module MicrosoftTeams -RequiredVersion ${TEAMS_MODULE_FLOOR} -Scope CurrentUser -Force`,
    });
    return;
  }
  run.add({ title: `PowerShell ${ps}, MicrosoftTeams ${mod} (floor ${TEAMS_MODULE_FLOOR})`, status: "pass" });
  if (error === undefined) {
    run.add({
      title: `Teams cmdlets app-only: Get-CsOnlineApplicationInstance lists ${instances ?? 0} resource account(s)`,
      status: "pass",
    });
  } else if (run.roleCheck?.status === "fail") {
    run.roleCheck.detail = `${run.roleCheck.detail}; Teams refused Get-CsOnlineApplicationInstance as well: ${message(error)}`;
  } else {
    const role = run.preview ? oneOf(PREVIEW.roles) : DEPLOY.roles[0]!.name;
    run.add({
      title: "Teams cmdlets app-only: Get-CsOnlineApplicationInstance",
      status: "fail",
      detail: message(error),
      fix: `Give the app's service principal the ${role} role (Entra admin center → Roles and administrators; new tokens after a few minutes). App-only New/Get/Sync-CsOnlineApplicationInstance also need MicrosoftTeams ${TEAMS_MODULE_FLOOR}+ in the commercial or GCC cloud (not GCC High / DoD).`,
    });
  }
}
