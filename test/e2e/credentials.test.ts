/**
 * Credentials on the real engine against the emulator: `up` with each credential kind the provider
 * chooses (client secret, certificate, federated token file, GitHub Actions OIDC, Azure DevOps
 * OIDC, system- and user-assigned managed identity) converges and the progress line names the kind;
 * a run longer than the federated token's (and the access token's) lifetime re-acquires and
 * completes; each federation mismatch ends with the documented AADSTS code, what was presented and
 * what the app would need, and no tenant write; the read-only preview identity previews (also with
 * --refresh) and is refused at `up` before any write, naming the permission it lacks.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";

import { APPS, bot, FAST_ENV, type Audit, type TenantDump } from "../hardening/support";
import { DEPLOYER_CERT, startTestEmulator, TestEmulator } from "../helpers/emulator";
import { secretEnv, stackConfigFor } from "../helpers/emulator-settings";
import { EngineHarness, EngineRun } from "./harness";

const PREVIEW_APP = "5b8e2c1d-9f4a-4e6b-8c3d-2a1f0e9d8c71";
const USER_MI = "e9d8c7b6-a5f4-4e3d-8c2b-1a0f9e8d7c92";
const PRODUCTION = "repo:contoso/teams-bot-numbers:environment:production";
const PULL_REQUEST = "repo:contoso/teams-bot-numbers:pull_request";
const SERVICE_CONNECTION = "0d4f6a2b-7c1e-4b3a-9f8d-5e6c7b8a9d01";

let t: TestEmulator;
const harnesses: EngineHarness[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-creds-"));

beforeAll(async () => {
  t = await startTestEmulator({ latencyScale: 0, licenceProvisioningDelayMs: 300 });
});
afterAll(async () => {
  for (const h of harnesses) await h.dispose();
  await t?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const audit = (): Promise<Audit[]> => t.admin.audit();
const dump = (): Promise<TenantDump> => t.admin.get<TenantDump>("/state");
const mint = async (body: Record<string, unknown>): Promise<string> =>
  (await t.admin.post<{ token: string }>("/identity/mint", body)).token;
const job = (body: Record<string, unknown>): Promise<{ requestUrl: string; requestToken: string }> =>
  t.admin.post("/identity/jobs", body);
const tokenFile = async (name: string, body: Record<string, unknown>): Promise<string> => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, await mint(body), { mode: 0o600 });
  return file;
};
const output = (r: EngineRun): string => r.stdout + r.stderr;

/** A stack of one bot with this app index and number, signed in with the given environment and config. */
async function stack(
  name: string,
  env: Record<string, string>,
  config: Record<string, { value: string; secret?: boolean }> = {},
  bots = [bot(`${name}-bot`, harnesses.length % APPS.length, undefined)],
): Promise<EngineHarness> {
  const base = stackConfigFor(t) as Record<string, { value: string; secret?: boolean }>;
  const h = await EngineHarness.create({
    name: `creds-${name}`,
    env: { ...FAST_ENV, ...env },
    config: { ...base, ...config, bots: { value: JSON.stringify(bots) } },
  });
  harnesses.push(h);
  return h;
}

/** Checks that a bot converged: account with its app id, the licence and its number. */
async function converged(upn: string, appId: string, number: string): Promise<void> {
  const d = await dump();
  const u = d.users.find((x) => x.userPrincipalName === upn);
  expect(u?.applicationInstance?.applicationId).toBe(appId);
  expect(u?.licenses.length).toBe(1);
  expect(d.numbers.find((n) => n.telephoneNumber === number)?.assignmentTargetId).toBe(u?.id);
}

describe("up with each credential kind: converges, names the kind, no stored secret for federated and MI", () => {
  const kinds: Array<
    [string, () => Promise<{ env: Record<string, string>; config?: Record<string, { value: string }> }>, RegExp]
  > = [
    ["client secret", async () => ({ env: secretEnv(t) }), /with a client secret/],
    [
      "certificate",
      async () => ({ env: { AZURE_CLIENT_CERTIFICATE_PATH: DEPLOYER_CERT } }),
      /with the client certificate .*deployer-cert\.pem/,
    ],
    [
      "federated token file",
      async () => ({
        env: {
          AZURE_FEDERATED_TOKEN_FILE: await tokenFile("k8s-token", {
            issuer: "kubernetes",
            subject: "system:serviceaccount:deploy:teams-bot-numbers",
            lifetimeS: 3600,
          }),
        },
      }),
      /with the federated token file .*k8s-token \(workload identity federation, no stored secret\)/,
    ],
    [
      "GitHub Actions OIDC",
      async () => {
        const j = await job({ kind: "github", subject: PRODUCTION });
        return { env: { ACTIONS_ID_TOKEN_REQUEST_URL: j.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: j.requestToken } };
      },
      /with a GitHub Actions OIDC token \(workload identity federation, no stored secret\)/,
    ],
    [
      "Azure DevOps OIDC",
      async () => {
        const j = await job({
          kind: "azure-devops",
          subject: "sc://contoso/teams-bots/teams-bot-numbers-prod",
          serviceConnectionId: SERVICE_CONNECTION,
        });
        return {
          env: {
            SYSTEM_OIDCREQUESTURI: j.requestUrl,
            SYSTEM_ACCESSTOKEN: j.requestToken,
            AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: SERVICE_CONNECTION,
          },
        };
      },
      /with an Azure DevOps OIDC token of service connection 0d4f6a2b-.* \(workload identity federation, no stored secret\)/,
    ],
    [
      "system-assigned managed identity",
      async () => ({
        env: {
          IDENTITY_ENDPOINT: t.emulator.managedIdentity.endpoint,
          IDENTITY_HEADER: t.emulator.managedIdentity.identityHeader,
        },
        config: { clientId: { value: "" } },
      }),
      /as the host's identity with the system-assigned managed identity of this host \(no stored secret\)/,
    ],
    [
      "user-assigned managed identity",
      async () => ({
        env: {
          IDENTITY_ENDPOINT: t.emulator.managedIdentity.endpoint,
          IDENTITY_HEADER: t.emulator.managedIdentity.identityHeader,
        },
        config: { clientId: { value: USER_MI } },
      }),
      /as app e9d8c7b6-.* with the user-assigned managed identity of this host \(no stored secret\)/,
    ],
  ];

  test.each(kinds.map((k, i) => [...k, i] as const))("%s", async (label, setup, line, i) => {
    const [number, numberType] = i < 6 ? [`+1425555010${i}`, "CallingPlan"] : ["+14255550200", "DirectRouting"];
    const name = `kind${i}`;
    const b = bot(`${name}-bot`, i, number, numberType);
    const { env, config } = await setup();
    const h = await stack(name, env, config ?? {}, [b]);
    const r = await h.up();
    if (r.exitCode !== 0) console.log(label, output(r).slice(-3000));
    expect(r.exitCode).toBe(0);
    expect(output(r)).toMatch(/\[teams\] credentials: signing in to tenant [0-9a-f-]+ as /);
    expect(output(r).replace(/\r/g, "")).toMatch(line);
    await converged(b.userPrincipalName, b.appId, number);
    if (i >= 2) {
      // Nothing stored: no secret or certificate in the environment or the stack config.
      expect(Object.keys(env).filter((k) => /CLIENT_SECRET|CERTIFICATE/.test(k))).toEqual([]);
      const stackFile = fs.readFileSync(path.join(h.dir, "work", `Pulumi.${h.stackName}.yaml`), "utf8");
      expect(stackFile).not.toMatch(/secure:|clientSecret|clientCertificatePath/);
    }
  });
});

describe("a run longer than the token lifetimes", () => {
  test("GitHub OIDC tokens of 8 s and access tokens of 10 s: the provider fetches new ones and the run completes", async () => {
    await t.admin.put("/identity/settings", { accessTokenLifetimeS: 10 });
    await t.admin.put("/faults", { licenceProvisioningDelayMs: 25_000 });
    try {
      const before = (await t.admin.get<{ minted: Record<string, number> }>("/identity/stats")).minted.github;
      const j = await job({ kind: "github", subject: PRODUCTION, lifetimeS: 8 });
      const b = bot("long-run-bot", 8, "+14255550201", "DirectRouting");
      const h = await stack(
        "long",
        {
          ACTIONS_ID_TOKEN_REQUEST_URL: j.requestUrl,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: j.requestToken,
        },
        {},
        [b],
      );
      const started = Date.now();
      const r = await h.up();
      const tookMs = Date.now() - started;
      if (r.exitCode !== 0) console.log(output(r).slice(-3000));
      expect(r.exitCode).toBe(0);
      await converged(b.userPrincipalName, b.appId, "+14255550201");
      const minted = (await t.admin.get<{ minted: Record<string, number> }>("/identity/stats")).minted.github - before;
      // The run outlived several tokens; each new one came from the runner's endpoint.
      expect(tookMs).toBeGreaterThan(25_000);
      expect(minted).toBeGreaterThanOrEqual(3);
    } finally {
      await t.admin.put("/identity/settings", { accessTokenLifetimeS: 3600 });
      await t.admin.put("/faults", { licenceProvisioningDelayMs: 300 });
    }
  });
});

describe("federation mismatches: documented AADSTS code, what was presented, what is expected, no write", () => {
  const cases: Array<
    [string, () => Promise<{ env: Record<string, string>; config?: Record<string, { value: string }> }>, string, RegExp]
  > = [
    [
      "issuer (a cluster token for the preview app, which trusts GitHub and Azure DevOps only)",
      async () => ({
        env: {
          AZURE_FEDERATED_TOKEN_FILE: await tokenFile("wrong-issuer", {
            issuer: "kubernetes",
            subject: "system:serviceaccount:deploy:teams-bot-numbers",
          }),
        },
        config: { clientId: { value: PREVIEW_APP } },
      }),
      "AADSTS700211",
      /No federated credential of app registration 5b8e2c1d-[0-9a-f-]+ trusts this issuer/,
    ],
    [
      "subject (a fork's pull request)",
      async () => {
        const j = await job({ kind: "github", subject: "repo:mallory/teams-bot-numbers:pull_request" });
        return { env: { ACTIONS_ID_TOKEN_REQUEST_URL: j.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: j.requestToken } };
      },
      "AADSTS700213",
      /subject 'repo:mallory\/teams-bot-numbers:pull_request'[\s\S]*expects a federated credential on app registration 3f1c2b7e-[0-9a-f-]+ with issuer 'https:\/\/localhost:\d+\/oidc\/github', subject 'repo:mallory\/teams-bot-numbers:pull_request'/,
    ],
    [
      "audience",
      async () => ({
        env: {
          AZURE_FEDERATED_TOKEN_FILE: await tokenFile("wrong-audience", {
            issuer: "kubernetes",
            subject: "system:serviceaccount:deploy:teams-bot-numbers",
            audience: "api://SomethingElse",
          }),
        },
      }),
      "AADSTS700212",
      /audience 'api:\/\/SomethingElse'[\s\S]*Request the token for audience api:\/\/AzureADTokenExchange/,
    ],
    [
      "expiry",
      async () => ({
        env: {
          AZURE_FEDERATED_TOKEN_FILE: await tokenFile("expired", {
            issuer: "kubernetes",
            subject: "system:serviceaccount:deploy:teams-bot-numbers",
            offsetS: -900,
            lifetimeS: 300,
          }),
        },
      }),
      "AADSTS700024",
      /The token expired at [0-9T:.-]+Z; the provider fetches a new one before expiry/,
    ],
  ];

  test.each(cases.map((c, i) => [`${c[0]} → ${c[2]}`, c[1], c[2], c[3], i] as const))(
    "%s",
    async (_label, setup, code, hint, i) => {
      const { env, config } = await setup();
      const writesBefore = (await audit()).length;
      const h = await stack(`mismatch${i}`, env, config ?? {}, [bot(`mismatch${i}-bot`, 9 + (i % 3))]);
      const r = await h.up();
      expect(r.exitCode).not.toBe(0);
      const out = output(r).replace(/\r/g, "");
      expect(out).toContain(
        `${code}: No matching`.replace("AADSTS700024: No matching", "AADSTS700024: Client assertion"),
      );
      expect(out).toContain("(FederationMismatch)");
      expect(out).toMatch(/Entra refused the presented token \(issuer '[^']+', subject '[^']+', audience '[^']+'\)/);
      expect(out).toMatch(hint);
      expect((await audit()).length).toBe(writesBefore);
    },
  );
});

describe("the read-only preview identity", () => {
  test("preview and preview --refresh pass; up is refused before any write, naming the missing permission", async () => {
    const deploy = await job({ kind: "github", subject: PRODUCTION });
    const b = bot("readonly-bot", 7, "+14255550300", "OperatorConnect");
    // Two identities on one stack: the client id comes from the job's environment, not the stack
    // config (a refresh reads with the provider configuration recorded at the last update).
    const h = await stack(
      "readonly",
      {
        AZURE_CLIENT_ID: t.clientId,
        ACTIONS_ID_TOKEN_REQUEST_URL: deploy.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: deploy.requestToken,
      },
      { clientId: { value: "" } },
      [b],
    );
    const up = await h.up();
    if (up.exitCode !== 0) console.log(output(up).slice(-3000));
    expect(up.exitCode).toBe(0);

    // The pull-request job: the preview app, with the PR's OIDC token.
    const pr = await job({ kind: "github", subject: PULL_REQUEST });
    const ws = h.stack.workspace as LocalWorkspace;
    ws.envVars.ACTIONS_ID_TOKEN_REQUEST_URL = pr.requestUrl;
    ws.envVars.ACTIONS_ID_TOKEN_REQUEST_TOKEN = pr.requestToken;
    ws.envVars.AZURE_CLIENT_ID = PREVIEW_APP;
    const writesBefore = (await audit()).length;

    const preview = await h.preview({ expectNoChanges: true });
    if (preview.exitCode !== 0) console.log(output(preview).slice(-3000));
    expect(preview.exitCode).toBe(0);
    const refresh = await h.preview({ refresh: true, expectNoChanges: true });
    if (refresh.exitCode !== 0) console.log(output(refresh).slice(-3000));
    expect(refresh.exitCode).toBe(0);
    expect(output(refresh)).toMatch(/as app 5b8e2c1d-[0-9a-f-]+ with a GitHub Actions OIDC token/);

    // A change: a second bot. Its preview passes; its up is refused at the first create.
    await h.stack.setConfig("bots", { value: JSON.stringify([b, bot("readonly-two-bot", 6)]) });
    const changed = await h.preview();
    expect(changed.exitCode).toBe(0);
    const refused = await h.up();
    expect(refused.exitCode).not.toBe(0);
    const out = output(refused).replace(/\r/g, "");
    // Named by its stack config entry first (issue 20); the preview app reads service principals too (issue 23).
    expect(out).toMatch(
      /bots\[1\] \(readonly-two-bot, readonly-two-bot@contoso\.com\): creating resource account readonly-two-bot@contoso\.com: the signed-in identity \(app 5b8e2c1d-[0-9a-f-]+, with a GitHub Actions OIDC token[^)]*\)\) lacks the Teams Administrator directory role and User\.ReadWrite\.All; its Graph token grants User\.Read\.All, Organization\.Read\.All, TeamsTelephoneNumber\.Read\.All, Application\.Read\.All\. Nothing was changed \(ReadOnlyIdentity\)/,
    );
    expect(out).toContain("run `pulumi up` with the deploy identity");
    expect((await audit()).length).toBe(writesBefore);
  });
});
