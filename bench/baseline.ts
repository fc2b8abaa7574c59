/**
 * Baseline contender: Microsoft's manual procedure automated the usual way. Per bot, one after the
 * other: start PowerShell, connect, run ONE cmdlet, exit (every cmdlet its own process);
 * usage location and licence through Graph REST calls; fixed waits for replication and licence
 * provisioning. Same emulator, same stand-in (bench/bin/pwsh → emulator/bin/pwsh), same
 * protocol/host-protocol.ts wire protocol, tokens from msal-node (cached across processes,
 * which favours the baseline).
 *
 * The fixed waits equal the profile's replication, provisioning and lag delays plus 10 % — the
 * shortest fixed waits that do not fail, so the baseline is as fast as a fixed-wait script can be
 * (TeamsFunctions' own waits, 60 s and up to 600 s, would be slower).
 */
import { spawn } from "child_process";
import * as readline from "readline";
import { ConfidentialClientApplication } from "@azure/msal-node";

import { findFrame, type HostRequest, type HostResponse } from "../protocol/host-protocol";
import type { BenchBot } from "./bots";

/** Where the baseline runs. */
export interface BaselineTarget {
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** PowerShell executable (the counting wrapper around the stand-in). */
  pwshPath: string;
  /** Environment for each PowerShell process. */
  env: NodeJS.ProcessEnv;
  /** Fixed wait after creating an account (replication). */
  replicationWaitMs: number;
  /** Fixed wait after assigning the licence (provisioning). */
  provisioningWaitMs: number;
  /** Fixed wait after setting the usage location, before assigning the licence (licensing lags behind it). */
  usageLocationWaitMs?: number;
  /** Fixed wait after provisioning before the number (Teams lags behind Graph's licence state). */
  teamsLicenceWaitMs?: number;
}

const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
const TEAMS_SCOPE = "48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default";
const VIRTUAL_USER_SKU = "440eaaa8-b3e0-484b-a8be-62870b9ba70a";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The admin's script: tokens, one PowerShell process per cmdlet, Graph REST. */
export class BaselineScript {
  private readonly msal: ConfidentialClientApplication;

  constructor(private readonly t: BaselineTarget) {
    const host = new URL(t.url).host;
    this.msal = new ConfidentialClientApplication({
      auth: {
        clientId: t.clientId,
        clientSecret: t.clientSecret,
        authority: `${t.url}/${t.tenantId}`,
        knownAuthorities: [host],
      },
    });
  }

  private async token(scope: string): Promise<string> {
    const r = await this.msal.acquireTokenByClientCredential({ scopes: [scope] });
    if (!r?.accessToken) throw new Error(`no token for ${scope}`);
    return r.accessToken;
  }

  /** `pwsh -Command { Connect-MicrosoftTeams -AccessTokens …; <cmdlet> @params }`: start, connect, one cmdlet, exit. */
  async cmdlet(cmdlet: string, parameters: Record<string, string | boolean>): Promise<Record<string, unknown>[]> {
    const [graphToken, teamsToken] = await Promise.all([this.token(GRAPH_SCOPE), this.token(TEAMS_SCOPE)]);
    const child = spawn(this.t.pwshPath, ["-NoLogo", "-NoProfile", "-NonInteractive", "-Command", "-"], {
      stdio: ["pipe", "pipe", "inherit"],
      env: this.t.env,
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const lines = readline.createInterface({ input: child.stdout });
    const iterator = lines[Symbol.asyncIterator]();
    /** The next host frame; other stdout lines (blank lines before frames, noise) are skipped. */
    const next = async (): Promise<Record<string, unknown>> => {
      for (;;) {
        const r = await iterator.next();
        if (r.done) throw new Error(`${cmdlet}: PowerShell exited early`);
        const frame = findFrame(r.value);
        if (frame) return frame as Record<string, unknown>;
      }
    };
    const ask = async (request: HostRequest): Promise<HostResponse> => {
      child.stdin.write(JSON.stringify(request) + "\n");
      return (await next()) as unknown as HostResponse;
    };
    try {
      await next(); // ready
      const connected = await ask({
        id: 1,
        type: "connect",
        tenantId: this.t.tenantId,
        accessTokens: [graphToken, teamsToken],
      });
      if (!connected.ok) throw new Error(`Connect-MicrosoftTeams: ${connected.error.message}`);
      const r = await ask({ id: 2, type: "invoke", cmdlet: cmdlet as never, parameters });
      if (!r.ok) throw new Error(`${cmdlet}: ${r.error.message}`);
      return r.output;
    } finally {
      child.stdin.end(JSON.stringify({ id: 3, type: "exit" }) + "\n");
      await exited;
      lines.close();
    }
  }

  /** A Graph REST call (Invoke-MgGraphRequest style). */
  async graph(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.t.url}/v1.0${path}`, {
      method,
      headers: { authorization: `Bearer ${await this.token(GRAPH_SCOPE)}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** Create: account, sync, wait, usage location, licence, wait, number — for each bot in turn. */
  async create(bots: BenchBot[]): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const b of bots) {
      const out = await this.cmdlet("New-CsOnlineApplicationInstance", {
        UserPrincipalName: b.userPrincipalName,
        ApplicationId: b.appId,
        DisplayName: b.displayName,
        Force: true,
      });
      const objectId = String(out[0]?.ObjectId ?? "");
      ids.set(b.name, objectId);
      await this.cmdlet("Sync-CsOnlineApplicationInstance", {
        ObjectId: objectId,
        ApplicationId: b.appId,
        Force: true,
      });
      await sleep(this.t.replicationWaitMs);
      await this.graph("PATCH", `/users/${objectId}`, { usageLocation: b.usageLocation });
      await sleep(this.t.usageLocationWaitMs ?? 0);
      await this.graph("POST", `/users/${objectId}/assignLicense`, {
        addLicenses: [{ skuId: VIRTUAL_USER_SKU, disabledPlans: [] }],
        removeLicenses: [],
      });
      await sleep(this.t.provisioningWaitMs + (this.t.teamsLicenceWaitMs ?? 0));
      await this.cmdlet("Set-CsPhoneNumberAssignment", {
        Identity: objectId,
        PhoneNumber: b.phoneNumber,
        PhoneNumberType: "CallingPlan",
      });
    }
    return ids;
  }

  /** Check (the script's "refresh"): account, licence, number of each bot. */
  async check(bots: BenchBot[], ids: Map<string, string>): Promise<void> {
    for (const b of bots) {
      const objectId = ids.get(b.name)!;
      await this.cmdlet("Get-CsOnlineApplicationInstance", { Identity: objectId });
      await this.graph("GET", `/users/${objectId}/licenseDetails`);
      await this.cmdlet("Get-CsPhoneNumberAssignment", { TelephoneNumber: b.phoneNumber });
    }
  }

  /** Change numbers: unassign the old, assign the new, bot by bot. */
  async changeNumbers(changes: { bot: BenchBot; newNumber: string }[], ids: Map<string, string>): Promise<void> {
    for (const { bot, newNumber } of changes) {
      const objectId = ids.get(bot.name)!;
      await this.cmdlet("Remove-CsPhoneNumberAssignment", {
        Identity: objectId,
        PhoneNumber: bot.phoneNumber,
        PhoneNumberType: "CallingPlan",
      });
      await this.cmdlet("Set-CsPhoneNumberAssignment", {
        Identity: objectId,
        PhoneNumber: newNumber,
        PhoneNumberType: "CallingPlan",
      });
    }
  }

  /** Remove: number, licence, account, bot by bot. */
  async destroy(bots: BenchBot[], ids: Map<string, string>): Promise<void> {
    for (const b of bots) {
      const objectId = ids.get(b.name)!;
      await this.cmdlet("Remove-CsPhoneNumberAssignment", {
        Identity: objectId,
        PhoneNumber: b.phoneNumber,
        PhoneNumberType: "CallingPlan",
      });
      await this.graph("POST", `/users/${objectId}/assignLicense`, {
        addLicenses: [],
        removeLicenses: [VIRTUAL_USER_SKU],
      });
      await this.graph("DELETE", `/users/${objectId}`);
    }
  }
}
