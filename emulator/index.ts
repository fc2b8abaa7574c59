/** Public API of the embedded tenant emulator: start it, stop it, make its CA. */
import * as fs from "fs";
import * as https from "https";
import { AddressInfo } from "net";
import * as path from "path";

import { ensureCa, issueServerCert, loadCa } from "./certs";
import { EmulatorContext, newStats } from "./context";
import { Faults } from "./faults";
import { Fixture, FixtureInput, loadFixture } from "./fixture";
import { settleOperations } from "./graph/operations";
import { startManagedIdentityEndpoint } from "./managed-identity";
import { isLoopbackHost } from "./net";
import { OidcIssuers } from "./oidc-issuer";
import { defaultProfile, mergeProfile, profileFromEnv, ProfileInput } from "./profile";
import { createApp } from "./server";
import { Store } from "./state";
import { TokenService } from "./tokens";

export { ensureCa } from "./certs";
export type { Fixture, FixtureInput } from "./fixture";
export { deployerCertificatePath, fixturesDir, loadFixture } from "./fixture";
export type { Family, FamilyProfile, LatencyAndFaults, ProfileInput, PwshCrash } from "./profile";

/** How to start an emulator. */
export interface EmulatorOptions {
  /** Where state.json, the token signing key and emulator.json live. */
  dataDir: string;
  /** 0 = ephemeral (default). */
  port?: number;
  /** Bind address, default 127.0.0.1. */
  host?: string;
  /** Must be true to bind a non-loopback address. */
  allowNonLoopback?: boolean;
  /** Where ca.pem / ca-key.pem live (default dataDir); generated when absent. */
  caDir?: string;
  /** Fixture path (absolute, relative to cwd, or a name in emulator/fixtures) or object; default the shipped default.json. */
  fixture?: string | FixtureInput | Fixture;
  /** Re-seed from the fixture even if state exists. */
  reset?: boolean;
  /** Seed of the fault PRNGs (overrides the profile's). */
  seed?: number;
  /** Latency and fault overrides (on top of defaults, fixture profile and TBN_EMULATOR_PROFILE). */
  profile?: ProfileInput;
}

/** A running emulator. */
export interface RunningEmulator {
  /** "https://localhost:<port>". */
  url: string;
  port: number;
  /** CA certificate to trust (NODE_EXTRA_CA_CERTS). */
  caPath: string;
  tenantId: string;
  dataDir: string;
  /**
   * The host's managed-identity endpoints (plain HTTP on 127.0.0.1): the App Service form
   * (IDENTITY_ENDPOINT / IDENTITY_HEADER) and the Azure VM form, IMDS (AZURE_POD_IDENTITY_AUTHORITY_HOST).
   */
  managedIdentity: { endpoint: string; identityHeader: string; imdsAuthorityHost: string };
  /** Closes the server and removes emulator.json. */
  stop(): Promise<void>;
}

export { isLoopbackHost } from "./net";

/** Starts the emulator over HTTPS and resolves once it listens. */
export async function startEmulator(o: EmulatorOptions): Promise<RunningEmulator> {
  const host = o.host ?? "127.0.0.1";
  if (!isLoopbackHost(host) && !o.allowNonLoopback) {
    throw new Error(
      `refusing to bind non-loopback address ${host}: the emulator has unauthenticated admin endpoints; pass allowNonLoopback (--allow-non-loopback) if you really mean it`,
    );
  }
  const dataDir = path.resolve(o.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const caDir = path.resolve(o.caDir ?? dataDir);
  const { caPath } = ensureCa(caDir);
  const server = issueServerCert(loadCa(caDir), isLoopbackHost(host) ? [] : [host]);

  let fixture: Fixture | undefined;
  const getFixture = (): Fixture => (fixture ??= loadFixture(o.fixture));
  const store = Store.open(dataDir, getFixture, o.reset === true);
  let base = mergeProfile(defaultProfile(), store.state.settings.profile);
  base = mergeProfile(base, profileFromEnv());
  base = mergeProfile(base, o.profile);
  if (o.seed !== undefined) base.seed = o.seed;

  const ctx: EmulatorContext = {
    store,
    faults: new Faults(base),
    tokens: new TokenService(dataDir),
    oidc: new OidcIssuers(dataDir),
    stats: newStats(),
    get fixture() {
      return getFixture();
    },
    baseProfile: base,
    baseUrl: "",
    caPem: fs.readFileSync(caPath, "utf8"),
  };
  const app = createApp(ctx);
  const srv = https.createServer({ cert: server.certPem + fs.readFileSync(caPath, "utf8"), key: server.keyPem }, app);
  // Long idle keep-alive: a client whose event loop was blocked (e.g. by a synchronous child process)
  // may reuse its pooled socket at the moment a short server timer closes it (ECONNRESET).
  srv.keepAliveTimeout = 65_000;
  srv.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    srv.once("error", reject);
    srv.listen(o.port ?? 0, host, () => {
      srv.off("error", reject);
      resolve();
    });
  });
  const port = (srv.address() as AddressInfo).port;
  const urlHost = isLoopbackHost(host) ? "localhost" : host.includes(":") ? `[${host}]` : host;
  const url = `https://${urlHost}:${port}`;
  ctx.baseUrl = url;
  ctx.oidc.baseUrl = url;
  const mi = await startManagedIdentityEndpoint(ctx);
  // Operations also settle on every request; the timer keeps state.json current for idle periods.
  const timer = setInterval(() => {
    settleOperations(ctx);
    ctx.store.commit();
  }, 100);
  timer.unref();
  const infoPath = path.join(dataDir, "emulator.json");
  const tenantId = store.state.tenant.id;
  fs.writeFileSync(infoPath, JSON.stringify({ url, port, pid: process.pid, caPath, tenantId }, null, 2) + "\n");

  let stopped = false;
  return {
    url,
    port,
    caPath,
    tenantId,
    dataDir,
    managedIdentity: {
      endpoint: mi.endpoint,
      identityHeader: mi.identityHeader,
      imdsAuthorityHost: mi.imdsAuthorityHost,
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await mi.stop();
      ctx.store.commit();
      await new Promise<void>((resolve) => {
        srv.close(() => resolve());
        srv.closeAllConnections();
      });
      fs.rmSync(infoPath, { force: true });
    },
  };
}
