/**
 * Posts a rendered number plan (`npm run plan -- --markdown FILE`) as the pull request's plan
 * comment, updating the one an earlier run posted for the same stack instead of adding another.
 *
 *   node dist/scripts/plan-comment.js github --stack prod --file plan.md [--pr N]
 *     env: GITHUB_TOKEN (or GH_TOKEN), GITHUB_REPOSITORY, GITHUB_API_URL (set by GitHub Actions),
 *          the pull request number from --pr or the event file (GITHUB_EVENT_PATH)
 *   node dist/scripts/plan-comment.js azure-devops --stack prod --file plan.md
 *     env: SYSTEM_ACCESSTOKEN (map $(System.AccessToken)), SYSTEM_COLLECTIONURI, SYSTEM_TEAMPROJECTID,
 *          BUILD_REPOSITORY_ID, SYSTEM_PULLREQUEST_PULLREQUESTID (set by Azure Pipelines)
 *
 * Exit codes: 0 posted or updated; 2 bad arguments, missing environment or a file that is not a
 * plan of this stack; 4 the service refused (the message says which permission to grant).
 */
import * as fs from "fs";
import * as path from "path";

import {
  CommentError,
  upsertAzureDevOpsThread,
  upsertGitHubComment,
  type Fetch,
  type PostResult,
} from "./plan/comment";
import { commentMarker } from "./plan/render";

/** Where the comment goes. */
export type Target = "github" | "azure-devops";

const USAGE = "usage: plan-comment.js github|azure-devops --stack <name> --file <plan.md> [--pr N]";

/** A usage or environment problem (exit 2). */
class UsageError extends Error {}

/** Parses the arguments. */
export function parseCommentArgs(argv: string[]): { target: Target; stack: string; file: string; pr?: number } {
  const [target, ...rest] = argv;
  if (target !== "github" && target !== "azure-devops")
    throw new UsageError("the first argument is github or azure-devops");
  let stack = "";
  let file = "";
  let pr: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    const v = rest[i + 1];
    if (v === undefined) throw new UsageError(`${rest[i]} needs a value`);
    switch (rest[i]) {
      case "--stack":
        stack = v;
        break;
      case "--file":
        file = v;
        break;
      case "--pr":
        pr = Number(v);
        if (!Number.isInteger(pr) || pr <= 0) throw new UsageError(`--pr must be a pull request number, got "${v}"`);
        break;
      default:
        throw new UsageError(`unknown option ${rest[i]}`);
    }
    i++;
  }
  if (!stack || !file) throw new UsageError("--stack and --file are required");
  return { target, stack, file, ...(pr ? { pr } : {}) };
}

function need(env: NodeJS.ProcessEnv, ...names: string[]): string {
  for (const n of names) if (env[n]) return env[n]!;
  throw new UsageError(
    `${names.join(" or ")} is not set${names[0] === "SYSTEM_ACCESSTOKEN" ? ": map it in the step (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))" : ""}`,
  );
}

/** The pull request number of a GitHub Actions run (its event file). */
function githubPullRequest(env: NodeJS.ProcessEnv): number {
  const file = env.GITHUB_EVENT_PATH;
  const n =
    file && fs.existsSync(file)
      ? (JSON.parse(fs.readFileSync(file, "utf8")) as { pull_request?: { number?: number } }).pull_request?.number
      : undefined;
  if (!n) throw new UsageError("no pull request: pass --pr, or run on a pull_request event");
  return n;
}

/** Posts or updates the plan comment. */
export async function postPlanComment(
  args: { target: Target; stack: string; file: string; pr?: number },
  env: NodeJS.ProcessEnv,
  fetchFn: Fetch = fetch as unknown as Fetch,
): Promise<PostResult> {
  const body = fs.readFileSync(path.resolve(args.file), "utf8");
  const marker = commentMarker(args.stack);
  if (!body.includes(marker))
    throw new UsageError(
      `${args.file} is not a number plan of stack ${args.stack} (its first line should be ${marker})`,
    );
  if (args.target === "github")
    return upsertGitHubComment({
      apiUrl: env.GITHUB_API_URL || "https://api.github.com",
      repository: need(env, "GITHUB_REPOSITORY"),
      pullRequest: args.pr ?? githubPullRequest(env),
      token: need(env, "GITHUB_TOKEN", "GH_TOKEN"),
      marker,
      body,
      fetch: fetchFn,
    });
  return upsertAzureDevOpsThread({
    collectionUri: need(env, "SYSTEM_COLLECTIONURI"),
    project: need(env, "SYSTEM_TEAMPROJECTID", "SYSTEM_TEAMPROJECT"),
    repositoryId: need(env, "BUILD_REPOSITORY_ID"),
    pullRequest: args.pr ?? Number(need(env, "SYSTEM_PULLREQUEST_PULLREQUESTID")),
    token: need(env, "SYSTEM_ACCESSTOKEN"),
    marker,
    body,
    fetch: fetchFn,
  });
}

if (require.main === module) {
  Promise.resolve()
    .then(() => postPlanComment(parseCommentArgs(process.argv.slice(2)), process.env))
    .then(
      (r) => {
        process.stdout.write(`plan comment ${r.action} (${r.id})\n`);
        process.exit(0);
      },
      (e: unknown) => {
        const usage = e instanceof UsageError;
        process.stderr.write(`plan-comment: ${(e as Error).message}${usage ? `\n${USAGE}` : ""}\n`);
        process.exit(usage ? 2 : e instanceof CommentError ? 4 : 1);
      },
    );
}
