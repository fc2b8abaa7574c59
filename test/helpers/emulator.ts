/**
 * Test helper: start the tenant emulator on an ephemeral port in a fresh temp data dir, and hand
 * back the deployer app's settings. Stable API (the provider's lifecycle tests use it):
 *
 *   const t = await startTestEmulator();          // or: const get = withEmulator(); ... get()
 *   t.tenantId, t.clientId, t.clientSecret, t.certificatePath, t.authorityHost, t.graphUrl, t.pwshPath
 *   t.emulator (RunningEmulator), t.reader (a second app with read-only permissions), t.stop()
 *   t.admin.get("/state") / t.admin.put("/faults", {...}) / t.admin.post("/reset")  (the /_emulator API)
 *
 * How those settings reach the provider (configure keys, environment, stack config): ./emulator-settings.ts.
 *
 * The CA lives in $TBN_CA_DIR (default /work/main/.tbn/ca); NODE_EXTRA_CA_CERTS must point at its
 * ca.pem before the test process starts (scripts do this), otherwise Node refuses the TLS connection.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { FixtureInput, loadFixture, ProfileInput, RunningEmulator, startEmulator } from "../../emulator";
import type { AuditEntry } from "../../emulator/state";

/** Repository root. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");
/** The PowerShell stand-in executable (needs `tsc` output in dist/). */
export const PWSH_STANDIN = path.join(REPO_ROOT, "emulator", "bin", "pwsh");
/** The deployer's test certificate + private key (PEM). */
export const DEPLOYER_CERT = path.join(REPO_ROOT, "emulator", "fixtures", "deployer-cert.pem");

/** Settings the provider needs to reach the emulated tenant as the deployer app. */
export interface DeployerSettings {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** PEM with the certificate and its private key (AZURE_CLIENT_CERTIFICATE_PATH). */
  certificatePath: string;
  /** SHA-256 thumbprint (hex) of that certificate. */
  certificateThumbprintSha256: string;
  /** Entra authority host = emulator URL. */
  authorityHost: string;
  /** Graph base URL without version = emulator URL. */
  graphUrl: string;
  /** Absolute path of emulator/bin/pwsh. */
  pwshPath: string;
}

/** Thin client for the unauthenticated /_emulator API. */
export interface AdminApi {
  get<T = unknown>(p: string): Promise<T>;
  post<T = unknown>(p: string, body?: unknown): Promise<T>;
  put<T = unknown>(p: string, body?: unknown): Promise<T>;
  /** The mutating calls so far, in order (GET /_emulator/audit). */
  audit(): Promise<AuditEntry[]>;
}

/** A started test emulator. */
export interface TestEmulator extends DeployerSettings {
  emulator: RunningEmulator;
  url: string;
  port: number;
  /** A second app with only User.Read.All + TeamsTelephoneNumber.Read.All and no directory role. */
  reader: { clientId: string; clientSecret: string };
  admin: AdminApi;
  stop(): Promise<void>;
}

/** Options beyond the profile. */
export interface TestEmulatorOptions {
  fixture?: FixtureInput;
  dataDir?: string;
  seed?: number;
}

/** CA directory used by tests. */
export function testCaDir(): string {
  return process.env.TBN_CA_DIR ?? path.join(REPO_ROOT, ".tbn", "ca");
}

function adminApi(url: string): AdminApi {
  const call = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/_emulator${p}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`/_emulator${p}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return {
    get: (p) => call("GET", p),
    post: (p, b) => call("POST", p, b ?? {}),
    put: (p, b) => call("PUT", p, b ?? {}),
    audit: async () => (await call<{ entries: AuditEntry[] }>("GET", "/audit")).entries,
  };
}

/**
 * The emulator's signing keys (`*-key.pem` in its data dir), made by the first test emulator and
 * copied into the fresh data dir of every later one, in every jest worker: generating those four
 * RSA keys took about a third of an emulator's start-up CPU (1.3 s → 0.85 s measured). An emulator
 * restarted on its data dir keeps its keys the same way. Written once, atomically (like the CA); tests that bring their own data dir are left alone.
 */
const KEY_CACHE = path.join(REPO_ROOT, ".tbn", "test-emulator-keys");

function seedKeys(dataDir: string): void {
  if (!fs.existsSync(KEY_CACHE)) return;
  for (const f of fs.readdirSync(KEY_CACHE))
    if (f.endsWith("-key.pem")) fs.copyFileSync(path.join(KEY_CACHE, f), path.join(dataDir, f));
}

function keepKeys(dataDir: string): void {
  fs.mkdirSync(KEY_CACHE, { recursive: true });
  for (const f of fs.readdirSync(dataDir)) {
    if (!f.endsWith("-key.pem") || fs.existsSync(path.join(KEY_CACHE, f))) continue;
    const tmp = path.join(KEY_CACHE, `.${f}.${process.pid}.tmp`);
    fs.copyFileSync(path.join(dataDir, f), tmp);
    fs.renameSync(tmp, path.join(KEY_CACHE, f));
  }
}

/** Starts an emulator for a test (fresh temp data dir unless given). */
export async function startTestEmulator(profile?: ProfileInput, opts: TestEmulatorOptions = {}): Promise<TestEmulator> {
  const caDir = testCaDir();
  const caPath = path.join(caDir, "ca.pem");
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (!extra || path.resolve(extra) !== path.resolve(caPath)) {
    throw new Error(
      `NODE_EXTRA_CA_CERTS must be ${caPath} (got ${extra ?? "nothing"}): run "node dist/emulator/cli.js ca --dir ${caDir}" and start jest with NODE_EXTRA_CA_CERTS=${caPath}`,
    );
  }
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "tbn-emu-"));
  const ownsDir = opts.dataDir === undefined;
  if (ownsDir) seedKeys(dataDir);
  const emulator = await startEmulator({
    dataDir,
    caDir,
    port: 0,
    fixture: opts.fixture,
    reset: ownsDir,
    profile,
    seed: opts.seed,
  });
  if (ownsDir) keepKeys(dataDir);
  const fixture = loadFixture(opts.fixture);
  const [deployer, reader] = fixture.apps;
  if (!deployer || !reader) throw new Error("the fixture needs the deployer app first and the reader app second");
  return {
    emulator,
    url: emulator.url,
    port: emulator.port,
    tenantId: emulator.tenantId,
    clientId: deployer.clientId,
    clientSecret: deployer.secrets[0]!,
    certificatePath: DEPLOYER_CERT,
    certificateThumbprintSha256: deployer.certificates[0]?.thumbprintSha256 ?? "",
    authorityHost: emulator.url,
    graphUrl: emulator.url,
    pwshPath: PWSH_STANDIN,
    reader: { clientId: reader.clientId, clientSecret: reader.secrets[0]! },
    admin: adminApi(emulator.url),
    async stop() {
      await emulator.stop();
      if (ownsDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Jest: starts one emulator in beforeAll, stops it in afterAll; call the returned getter inside tests. */
export function withEmulator(profile?: ProfileInput, opts?: TestEmulatorOptions): () => TestEmulator {
  let t: TestEmulator | undefined;
  beforeAll(async () => {
    t = await startTestEmulator(profile, opts);
  });
  afterAll(async () => {
    await t?.stop();
  });
  return () => {
    if (!t) throw new Error("withEmulator(): the emulator is not started (use the getter inside a test)");
    return t;
  };
}
