/**
 * Issue 11 items 3 and 5 through the stand-in: stray text on the host's stdout never hides or
 * delays a reply, and a MicrosoftTeams module below the floor is refused naming the floor.
 * The provider's reader (provider/tenant/powershell/lines.ts) is the real one, unchanged.
 */
import { TEAMS_MODULE_FLOOR } from "../../protocol/host-protocol";
import { TokenSource } from "../../provider/access/tokens";
import { TenantError } from "../../provider/errors";
import { resolveTenantSettings } from "../../provider/settings";
import { PowerShellHost, TeamsCmdlets } from "../../provider/tenant/powershell";
import { withEmulator } from "../helpers/emulator";
import { emulatorSettings } from "../helpers/emulator-settings";
import { StandIn } from "../helpers/standin";
import { GRAPH_SCOPE, msalApp, TEAMS_SCOPE, token } from "../helpers/tenant-clients";

const emu = withEmulator({ licenceProvisioningDelayMs: 0 });

/** Runs `fn` with the stand-in's knobs in this process's environment (the host inherits it). */
async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function host(callTimeoutMs: number): PowerShellHost {
  const t = emu();
  const settings = resolveTenantSettings((k) => emulatorSettings(t)[k], {});
  return new PowerShellHost(settings, new TokenSource(settings), { callMs: callTimeoutMs, startMs: 120_000 });
}

describe("stand-in framing and module floor", () => {
  test("item 5: stray text before and after every frame does not hide a reply (provider reader, no hang)", async () => {
    await withEnv({ TEAMS_STANDIN_NOISE: "prefix" }, async () => {
      const h = host(20_000);
      try {
        const out = await h.invoke("Get-CsPhoneNumberAssignment", { TelephoneNumber: "+14255550100" });
        expect(out[0]).toMatchObject({ TelephoneNumber: "+14255550100" });
        const again = await h.invoke("Get-CsPhoneNumberAssignment", { TelephoneNumber: "+14255550101" });
        expect(again[0]).toMatchObject({ TelephoneNumber: "+14255550101" });
        expect(h.ready).toMatchObject({ type: "ready", teamsModuleFloor: TEAMS_MODULE_FLOOR });
      } finally {
        await h.stop();
      }
    });
  });

  test("item 5: stray text on the SAME line as a frame: a marker-finding reader (findFrame) still gets every reply", async () => {
    const s = new StandIn(emu().pwshPath, { TEAMS_STANDIN_NOISE: "sameline" });
    try {
      expect(JSON.parse((await s.nextLine())!)).toMatchObject({ type: "ready" });
      const app = msalApp(emu());
      const r = await s.request({
        id: 1,
        type: "connect",
        tenantId: emu().tenantId,
        accessTokens: [await token(app, GRAPH_SCOPE), await token(app, TEAMS_SCOPE)],
      });
      expect(r).toMatchObject({ id: 1, ok: true });
      const n = await s.request({
        id: 2,
        type: "invoke",
        cmdlet: "Get-CsPhoneNumberAssignment",
        parameters: { TelephoneNumber: "+14255550100" },
      });
      expect(n).toMatchObject({ id: 2, ok: true, output: [{ TelephoneNumber: "+14255550100" }] });
    } finally {
      await s.close();
    }
  });

  // Part B of issue 11: provider/tenant/powershell/lines.ts reads frames with findFrame (marker
  // anywhere in the line).
  test("item 5 (part B): the provider's reader finds a frame that shares its line with stray text", async () => {
    await withEnv({ TEAMS_STANDIN_NOISE: "sameline" }, async () => {
      const h = host(3_000);
      try {
        const out = await h.invoke("Get-CsPhoneNumberAssignment", { TelephoneNumber: "+14255550100" });
        expect(out[0]).toMatchObject({ TelephoneNumber: "+14255550100" });
      } finally {
        await h.stop();
      }
    });
  });

  test("item 3: the stand-in reports its module version in HostReady; an old one is refused naming the floor", async () => {
    const s = new StandIn(emu().pwshPath, { TEAMS_STANDIN_MODULE_VERSION: "6.0.0" });
    try {
      expect(JSON.parse((await s.nextLine())!)).toEqual({
        tbnHost: 1,
        type: "ready",
        psVersion: "7.4.6",
        teamsModuleVersion: "6.0.0",
        teamsModuleFloor: TEAMS_MODULE_FLOOR,
      });
      const app = msalApp(emu());
      const r = await s.request({
        id: 1,
        type: "connect",
        tenantId: emu().tenantId,
        accessTokens: [await token(app, GRAPH_SCOPE), await token(app, TEAMS_SCOPE)],
      });
      expect(r).toMatchObject({ id: 1, ok: false, error: { fullyQualifiedErrorId: "ModuleTooOld" } });
      expect(r!.error!.message).toContain(`MicrosoftTeams 6.0.0 is older than ${TEAMS_MODULE_FLOOR}`);
      expect(r!.error!.message).toContain(`-RequiredVersion ${TEAMS_MODULE_FLOOR}`);
      const i = await s.request({ id: 2, type: "invoke", cmdlet: "Get-CsOnlineApplicationInstance", parameters: {} });
      expect(i).toMatchObject({ id: 2, ok: false, error: { fullyQualifiedErrorId: "ModuleTooOld" } });
    } finally {
      await s.close();
    }
  });

  test("item 3: through the provider, an old module fails the first call with the floor in the error, nothing runs", async () => {
    const before = (await emu().admin.get<{ entries?: unknown[] } | unknown[]>("/audit")) as unknown;
    await withEnv({ TEAMS_STANDIN_MODULE_VERSION: "7.0.0" }, async () => {
      const h = host(20_000);
      try {
        const e = await h.invoke("Get-CsOnlineApplicationInstance", { Identity: "nobody@contoso.com" }).catch((x) => x);
        expect(e).toBeInstanceOf(TenantError);
        expect((e as TenantError).message).toContain(`older than ${TEAMS_MODULE_FLOOR}`);
        expect(h.ready?.teamsModuleVersion).toBe("7.0.0");
      } finally {
        await h.stop();
      }
    });
    expect(await emu().admin.get("/audit")).toEqual(before);
  });

  test("item 3: no MicrosoftTeams module: the first call fails naming the floor to install", async () => {
    await withEnv({ TEAMS_STANDIN_MODULE_VERSION: "none" }, async () => {
      const h = host(20_000);
      try {
        const e = await h.invoke("Get-CsOnlineApplicationInstance", { Identity: "nobody@contoso.com" }).catch((x) => x);
        expect(e).toBeInstanceOf(TenantError);
        expect((e as TenantError).code).toBe("ModuleMissing");
        expect((e as TenantError).message).toContain(
          `Install-Module MicrosoftTeams -RequiredVersion ${TEAMS_MODULE_FLOOR} -Scope CurrentUser`,
        );
      } finally {
        await h.stop();
      }
    });
  });

  test("item 3: a 403 from an instance cmdlet under app-only auth gets its own hint (module found, floor, clouds), nothing runs", async () => {
    const before = await emu().admin.get("/audit");
    await withEnv({ TEAMS_STANDIN_FORBID_APP_ONLY: "New-CsOnlineApplicationInstance" }, async () => {
      const h = host(20_000);
      try {
        const e = await h
          .invoke("New-CsOnlineApplicationInstance", { UserPrincipalName: "forbidden-bot@contoso.com", Force: true })
          .catch((x) => x);
        expect(e).toBeInstanceOf(TenantError);
        expect((e as TenantError).status).toBe(403);
        expect((e as TenantError).message).toContain(
          `Teams refused New-CsOnlineApplicationInstance under app-only auth (403). App-only New/Get/Sync-CsOnlineApplicationInstance need MicrosoftTeams ${TEAMS_MODULE_FLOOR}+ (found ${TEAMS_MODULE_FLOOR}) in the commercial or GCC cloud; they are not available in GCC High/DoD.`,
        );
        expect((e as TenantError).message).not.toContain("lacks the Teams Administrator directory role");
      } finally {
        await h.stop();
      }
    });
    expect(await emu().admin.get("/audit")).toEqual(before);
  });

  test("item 6: an instance not-found phrased outside the documented forms is an error, not 'absent'", async () => {
    await withEnv({ TEAMS_STANDIN_INSTANCE_NOT_FOUND: "unlisted" }, async () => {
      const h = host(20_000);
      try {
        const teams = new TeamsCmdlets(h);
        const e = await teams.getApplicationInstance("nobody@contoso.com").catch((x) => x);
        expect(e).toBeInstanceOf(TenantError);
        expect((e as TenantError).message).toContain("No application instance matches identity 'nobody@contoso.com'");
      } finally {
        await h.stop();
      }
    });
    // The emulator's own form ("Management object not found…", NotFound) is absent.
    const h = host(20_000);
    try {
      await expect(new TeamsCmdlets(h).getApplicationInstance("nobody@contoso.com")).resolves.toBeUndefined();
    } finally {
      await h.stop();
    }
  });
});
