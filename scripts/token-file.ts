#!/usr/bin/env node
/**
 * Keeps a federated token file fresh for a whole pipeline job, so that every Azure SDK of the run
 * can sign in again when it needs to, however long the run takes:
 *
 *   node dist/scripts/token-file.js --out "$RUNNER_TEMP/azure-federated-token" [--once]
 *   (in a stack repository: npx teams-bot-numbers-token-file --out …)
 *
 * and `AZURE_FEDERATED_TOKEN_FILE` pointed at that file. It requests the job's OIDC token (audience
 * api://AzureADTokenExchange) from GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN, a job with
 * `permissions: id-token: write`) or from Azure DevOps (SYSTEM_OIDCREQUESTURI, SYSTEM_ACCESSTOKEN and
 * the service connection: AZURESUBSCRIPTION_SERVICE_CONNECTION_ID, which the AzureCLI@2 task sets, or
 * --service-connection), writes it atomically (mode 0600) and writes a new one before the current one
 * expires (at half its lifetime), until it is stopped.
 *
 * Why: the Pulumi CLI's Azure Blob Storage backend signs in with the Azure SDK for Go's
 * DefaultAzureCredential; its WorkloadIdentityCredential reads AZURE_FEDERATED_TOKEN_FILE again
 * whenever its copy is 10 minutes old (azidentity v1.13.1, workload_identity.go), so a file that is
 * kept fresh lets it renew its storage token in a run of any length. A CLI session made with the
 * job's token at the start (azure/login, AzureCLI@2) cannot renew it (Azure/azure-cli#28708,
 * Azure/login#372): a slow step before the first state request, or a run longer than the storage
 * token, fails with AADSTS700024 and leaves the stack's lock behind. The provider reads the same file.
 */
import * as fs from "fs";
import * as path from "path";

import { AssertionSource, TOKEN_EXCHANGE_AUDIENCE, type AssertionOrigin } from "../provider/access/index";

/** How often the token is looked at (a new one is fetched only when the current one is at half its lifetime). */
const CHECK_INTERVAL_MS = 15_000;

/** The job's OIDC token endpoint, from the CI system's environment. */
export function jobTokenOrigin(env: NodeJS.ProcessEnv, serviceConnection?: string): AssertionOrigin {
  if (env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN)
    return {
      kind: "githubOidc",
      requestUrl: env.ACTIONS_ID_TOKEN_REQUEST_URL,
      requestToken: env.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
      audience: TOKEN_EXCHANGE_AUDIENCE,
    };
  const connection = serviceConnection ?? env.AZURESUBSCRIPTION_SERVICE_CONNECTION_ID;
  if (env.SYSTEM_OIDCREQUESTURI && env.SYSTEM_ACCESSTOKEN && connection)
    return {
      kind: "azureDevOpsOidc",
      requestUri: env.SYSTEM_OIDCREQUESTURI,
      accessToken: env.SYSTEM_ACCESSTOKEN,
      serviceConnectionId: connection,
    };
  throw new Error(
    "no job OIDC token to request: in GitHub Actions give the job `permissions: id-token: write`; in Azure Pipelines run this inside an AzureCLI@2 task " +
      "(which sets AZURESUBSCRIPTION_SERVICE_CONNECTION_ID) with env SYSTEM_ACCESSTOKEN: $(System.AccessToken), or pass --service-connection <id>",
  );
}

/** Writes `text` to `file` atomically, readable by this user only. */
function writeAtomically(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** Keeps `out` holding a valid token; resolves after the first write (the loop goes on in the background). */
export async function keepTokenFile(
  source: AssertionSource,
  out: string,
  o: { once?: boolean; checkIntervalMs?: number; log?: (line: string) => void } = {},
): Promise<{ stop(): void }> {
  const log = o.log ?? ((line: string) => process.stderr.write(`[token-file] ${line}\n`));
  let written = await source.get();
  writeAtomically(out, written);
  log(`wrote a token from ${source.describe()} to ${out}`);
  if (o.once) return { stop: () => undefined };
  const timer = setInterval(() => {
    void source.get().then(
      (token) => {
        if (token === written) return;
        writeAtomically(out, token);
        written = token;
        log(`renewed the token in ${out} (${source.fetched} so far)`);
      },
      (e: unknown) =>
        log(`could not renew the token (the current one stays until it expires): ${(e as Error).message}`),
    );
  }, o.checkIntervalMs ?? CHECK_INTERVAL_MS);
  return { stop: () => clearInterval(timer) };
}

function parseArgs(argv: string[]): { out: string; once: boolean; serviceConnection?: string } {
  const args = { out: "", once: false, serviceConnection: undefined as string | undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") args.out = path.resolve(argv[++i] ?? "");
    else if (argv[i] === "--once") args.once = true;
    else if (argv[i] === "--service-connection") args.serviceConnection = argv[++i];
    else
      throw new Error(`unknown option ${argv[i]}; usage: token-file.js --out FILE [--once] [--service-connection ID]`);
  }
  if (!args.out) throw new Error('--out FILE is required (e.g. --out "$RUNNER_TEMP/azure-federated-token")');
  return args;
}

if (require.main === module) {
  Promise.resolve()
    .then(() => {
      const args = parseArgs(process.argv.slice(2));
      return keepTokenFile(new AssertionSource(jobTokenOrigin(process.env, args.serviceConnection)), args.out, {
        once: args.once,
      });
    })
    .catch((e: unknown) => {
      console.error(`token-file: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    });
}
