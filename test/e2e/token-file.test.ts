/**
 * The pipelines' federated token file (issue 22: pipelines that survive long runs): scripts/token-file.ts
 * keeps AZURE_FEDERATED_TOKEN_FILE holding a job OIDC token that Entra accepts, renewing it before it
 * expires, for GitHub Actions and Azure DevOps jobs (the emulator's CI endpoints and token endpoint).
 * The Azure SDK for Go (the CLI's state backend) reads the file again when its copy is 10 minutes old;
 * that half is Microsoft's SDK and is cited, not run, here.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { REPO_ROOT } from "../../engine/workspace";
import { AssertionSource } from "../../provider/access/assertions";
import { jobTokenOrigin, keepTokenFile } from "../../scripts/token-file";
import { useTestClock } from "../helpers/clock";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";

const PRODUCTION = "repo:contoso/teams-bot-numbers:environment:production";
const ADO_SUBJECT = "sc://contoso/teams-bots/teams-bot-numbers-prod";
const SERVICE_CONNECTION = "0d4f6a2b-7c1e-4b3a-9f8d-5e6c7b8a9d01";

let t: TestEmulator;
let tmp: string;
beforeAll(async () => {
  t = await startTestEmulator({ latencyScale: 0 });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-token-file-"));
});
afterAll(async () => {
  await t?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Exchanges the file's token for an access token of the deploy app, as the Azure SDKs do. */
async function exchange(file: string): Promise<{ status: number; error?: string }> {
  const res = await fetch(`${t.authorityHost}/${t.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: t.clientId,
      // The emulator serves Graph; the federation check is the same for any resource (storage included).
      scope: "https://graph.microsoft.com/.default",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: fs.readFileSync(file, "utf8"),
    }),
  });
  const body = (await res.json()) as { error_description?: string };
  return { status: res.status, error: body.error_description?.split("\n")[0] };
}

const job = (body: Record<string, unknown>): Promise<{ requestUrl: string; requestToken: string }> =>
  t.admin.post("/identity/jobs", body);

describe.each([
  ["GitHub Actions", { kind: "github", subject: PRODUCTION }],
  ["Azure DevOps", { kind: "azure-devops", subject: ADO_SUBJECT, serviceConnectionId: SERVICE_CONNECTION }],
])("%s job", (_name, jobBody) => {
  // Token lifetimes are minutes: the emulator and the renewal read this clock, moved by the test.
  const clock = useTestClock();
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 300));

  test("the file always holds a token Entra accepts: rewritten at half its lifetime, not before", async () => {
    const j = await job({ ...jobBody, lifetimeS: 300 });
    const env =
      jobBody.kind === "github"
        ? { ACTIONS_ID_TOKEN_REQUEST_URL: j.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: j.requestToken }
        : {
            SYSTEM_OIDCREQUESTURI: j.requestUrl,
            SYSTEM_ACCESSTOKEN: j.requestToken,
            AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: SERVICE_CONNECTION,
          };
    const file = path.join(tmp, `${jobBody.kind}-token`);
    const source = new AssertionSource(jobTokenOrigin(env));
    const keeper = await keepTokenFile(source, file, { checkIntervalMs: 50, log: () => undefined });
    const read = (): string => fs.readFileSync(file, "utf8");
    try {
      const first = read();
      expect(await exchange(file)).toEqual({ status: 200, error: undefined });
      clock.advance(140_000); // 140 s of 300: still the first token
      await settle();
      expect(read()).toBe(first);
      expect(await exchange(file)).toEqual({ status: 200, error: undefined });
      clock.advance(20_000); // 160 s: past half its lifetime, a new one
      await settle();
      const second = read();
      expect(second).not.toBe(first);
      expect(await exchange(file)).toEqual({ status: 200, error: undefined });
      clock.advance(200_000); // 360 s: the first one has expired, the file holds a third
      await settle();
      expect(read()).not.toBe(second);
      expect(await exchange(file)).toEqual({ status: 200, error: undefined });
      expect(source.fetched).toBe(3);
    } finally {
      keeper.stop();
    }
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  }, 60_000);
});

test("the command: --once writes the file and exits 0; without a job token it says how to get one and exits 1", async () => {
  const run = (args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(REPO_ROOT, "dist", "scripts", "token-file.js"), ...args], {
        env,
      });
      let out = "";
      child.stdout.on("data", (s: Buffer) => (out += s.toString()));
      child.stderr.on("data", (s: Buffer) => (out += s.toString()));
      child.on("close", (code) => resolve({ code, out }));
    });
  const j = await job({ kind: "github", subject: PRODUCTION });
  const file = path.join(tmp, "once-token");
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(ACTIONS_ID_TOKEN|SYSTEM_|AZURESUBSCRIPTION_)/.test(k)),
  );
  const once = await run(["--out", file, "--once"], {
    ...clean,
    ACTIONS_ID_TOKEN_REQUEST_URL: j.requestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: j.requestToken,
  });
  expect(once).toEqual({
    code: 0,
    out: expect.stringContaining(`wrote a token from the GitHub Actions OIDC endpoint`),
  });
  expect(once.out).not.toContain(j.requestToken);
  expect(once.out).not.toContain(fs.readFileSync(file, "utf8"));
  expect(await exchange(file)).toEqual({ status: 200, error: undefined });
  const none = await run(["--out", path.join(tmp, "none")], clean);
  expect(none.code).toBe(1);
  expect(none.out).toContain(
    "token-file: no job OIDC token to request: in GitHub Actions give the job `permissions: id-token: write`",
  );
});
