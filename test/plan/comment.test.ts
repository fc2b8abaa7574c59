/**
 * Posting the plan: one comment per pull request and stack, updated in place, against a loopback
 * stand-in of the GitHub and Azure DevOps endpoints (test/helpers/pr-comment-server.ts).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { postPlanComment } from "../../scripts/plan-comment";
import { commentMarker } from "../../scripts/plan/render";
import { startCommentServer, type CommentServer } from "../helpers/pr-comment-server";

const TOKEN = "test-token-not-a-secret";

describe("the plan comment", () => {
  let server: CommentServer;
  let dir: string;
  const planFile = (stack: string, text: string): string => {
    const file = path.join(dir, `${stack}-${Math.random().toString(36).slice(2)}.md`);
    fs.writeFileSync(file, `${commentMarker(stack)}\n\n${text}\n`);
    return file;
  };
  const github = { GITHUB_API_URL: "", GITHUB_REPOSITORY: "contoso/bots", GITHUB_TOKEN: TOKEN };

  beforeAll(async () => {
    server = await startCommentServer(TOKEN);
    github.GITHUB_API_URL = server.url;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-comment-"));
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("GitHub: the first run creates the comment, later runs update it in place (found past the first page), other stacks keep theirs", async () => {
    // 150 comments of people first: the plan comment lands on the second page of 100.
    server.github.set(
      7,
      Array.from({ length: 150 }, (_, i) => ({ id: i + 1, body: `review comment ${i}` })),
    );
    const first = await postPlanComment(
      { target: "github", stack: "prod", file: planFile("prod", "plan one"), pr: 7 },
      github,
    );
    expect(first.action).toBe("created");
    const second = await postPlanComment(
      { target: "github", stack: "prod", file: planFile("prod", "plan two"), pr: 7 },
      github,
    );
    expect(second).toEqual({ action: "updated", id: first.id });
    const other = await postPlanComment(
      { target: "github", stack: "dev", file: planFile("dev", "dev plan"), pr: 7 },
      github,
    );
    expect(other.action).toBe("created");
    const comments = server.github.get(7)!;
    expect(comments.filter((c) => c.body.includes("plan two"))).toHaveLength(1);
    expect(comments.filter((c) => c.body.includes(commentMarker("prod")))).toHaveLength(1);
    expect(comments).toHaveLength(152);
    const calls = server.requests.map((r) => `${r.method} ${r.path.replace(/\?.*/, "")}`);
    expect(calls).toContain(`PATCH /repos/contoso/bots/issues/comments/${first.id}`);
    expect(server.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  test("Azure DevOps: one thread, its first comment updated in place", async () => {
    const env = {
      SYSTEM_COLLECTIONURI: `${server.url}/contoso/`,
      SYSTEM_TEAMPROJECTID: "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c",
      BUILD_REPOSITORY_ID: "3411ebc1-d5aa-464f-9615-0b527bc66719",
      SYSTEM_PULLREQUEST_PULLREQUESTID: "22",
      SYSTEM_ACCESSTOKEN: TOKEN,
    };
    const first = await postPlanComment(
      { target: "azure-devops", stack: "prod", file: planFile("prod", "plan one") },
      env,
    );
    const second = await postPlanComment(
      { target: "azure-devops", stack: "prod", file: planFile("prod", "plan two") },
      env,
    );
    expect([first.action, second.action, second.id]).toEqual(["created", "updated", first.id]);
    const threads = server.azure.get(22)!;
    expect(threads).toHaveLength(1);
    expect(threads[0]!.comments[0]!.content).toContain("plan two");
    expect(threads[0]!.status).toBe(1);
    expect(
      server.requests
        .filter((r) => r.path.includes("/pullRequests/22/"))
        .every((r) => r.path.includes("api-version=7.1")),
    ).toBe(true);
  });

  test("a token that may not write: the error says which permission to grant", async () => {
    server.failWith = 403;
    try {
      await expect(
        postPlanComment({ target: "github", stack: "prod", file: planFile("prod", "x"), pr: 8 }, github),
      ).rejects.toThrow(/HTTP 403 .*`permissions: pull-requests: write`/);
    } finally {
      server.failWith = undefined;
    }
  });

  test("a file that is not this stack's plan is refused before any call", async () => {
    const before = server.requests.length;
    await expect(
      postPlanComment({ target: "github", stack: "prod", file: planFile("dev", "x"), pr: 7 }, github),
    ).rejects.toThrow(`is not a number plan of stack prod (its first line should be ${commentMarker("prod")})`);
    await expect(
      postPlanComment({ target: "azure-devops", stack: "prod", file: planFile("prod", "x") }, {}),
    ).rejects.toThrow("SYSTEM_COLLECTIONURI is not set");
    expect(server.requests.length).toBe(before);
  });
});
