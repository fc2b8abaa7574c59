/**
 * One number-plan comment per pull request and stack, updated in place on every push: the comment
 * is found again by the marker line the renderer writes first (render.ts `commentMarker`).
 *
 * GitHub (REST, https://docs.github.com/rest/issues/comments): list the pull request's issue
 * comments (`GET /repos/{owner}/{repo}/issues/{n}/comments`, 100 a page), then `PATCH
 * /repos/{owner}/{repo}/issues/comments/{id}` the one with the marker, or `POST
 * /repos/{owner}/{repo}/issues/{n}/comments` when there is none. Token: the job's GITHUB_TOKEN
 * with `pull-requests: write`.
 * Azure DevOps (REST 7.1, Pull Request Threads / Pull Request Thread Comments): list the threads
 * (`GET …/pullRequests/{id}/threads`), then `PATCH …/threads/{threadId}/comments/{commentId}` the
 * first comment of the thread with the marker, or `POST …/threads` a new thread (status active).
 * Token: the build's System.AccessToken; the build service needs "Contribute to pull requests".
 */

/** The fetch the poster uses (global fetch; tests pass their own only to reach a local server). */
export type Fetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

/** What a post did. */
export interface PostResult {
  action: "created" | "updated";
  id: string;
}

/** A failed call, with the status and the service's words (never the token). */
export class CommentError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "CommentError";
  }
}

async function call<T>(
  fetchFn: Fetch,
  what: string,
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ data: T; link: string | null }> {
  const res = await fetchFn(url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    const hint =
      res.status === 401 || res.status === 403
        ? ' (the token may not write to pull requests: GitHub needs `permissions: pull-requests: write`; Azure DevOps needs the build service\'s "Contribute to pull requests" on the repository)'
        : "";
    throw new CommentError(res.status, `${what}: HTTP ${res.status} ${text.slice(0, 300)}${hint}`);
  }
  return { data: (text ? JSON.parse(text) : undefined) as T, link: res.headers.get("link") };
}

/** GitHub: the pull request's comment with the marker is updated, or one is created. */
export async function upsertGitHubComment(o: {
  apiUrl: string;
  repository: string;
  pullRequest: number;
  token: string;
  marker: string;
  body: string;
  fetch: Fetch;
}): Promise<PostResult> {
  const headers = {
    accept: "application/vnd.github+json",
    authorization: `Bearer ${o.token}`,
    "x-github-api-version": "2022-11-28",
  };
  const base = `${o.apiUrl.replace(/\/+$/, "")}/repos/${o.repository}`;
  let url: string | undefined = `${base}/issues/${o.pullRequest}/comments?per_page=100`;
  let found: { id: number } | undefined;
  while (url && !found) {
    const page: { data: { id: number; body?: string }[]; link: string | null } = await call<
      { id: number; body?: string }[]
    >(o.fetch, `listing the comments of pull request #${o.pullRequest}`, url, "GET", headers);
    found = page.data.find((c) => (c.body ?? "").includes(o.marker));
    url = /<([^>]+)>;\s*rel="next"/.exec(page.link ?? "")?.[1];
  }
  if (found) {
    await call(o.fetch, `updating comment ${found.id}`, `${base}/issues/comments/${found.id}`, "PATCH", headers, {
      body: o.body,
    });
    return { action: "updated", id: String(found.id) };
  }
  const created = await call<{ id: number }>(
    o.fetch,
    `commenting on pull request #${o.pullRequest}`,
    `${base}/issues/${o.pullRequest}/comments`,
    "POST",
    headers,
    { body: o.body },
  );
  return { action: "created", id: String(created.data.id) };
}

/** Azure DevOps: the thread with the marker gets its first comment updated, or a thread is created. */
export async function upsertAzureDevOpsThread(o: {
  collectionUri: string;
  project: string;
  repositoryId: string;
  pullRequest: number;
  token: string;
  marker: string;
  body: string;
  fetch: Fetch;
}): Promise<PostResult> {
  const headers = { accept: "application/json", authorization: `Bearer ${o.token}` };
  const base = `${o.collectionUri.replace(/\/+$/, "")}/${encodeURIComponent(o.project)}/_apis/git/repositories/${encodeURIComponent(o.repositoryId)}/pullRequests/${o.pullRequest}`;
  const version = "api-version=7.1";
  type Thread = { id: number; isDeleted?: boolean; comments?: { id: number; content?: string; isDeleted?: boolean }[] };
  const threads = await call<{ value: Thread[] }>(
    o.fetch,
    `listing the threads of pull request ${o.pullRequest}`,
    `${base}/threads?${version}`,
    "GET",
    headers,
  );
  for (const t of threads.data.value ?? []) {
    const first = t.comments?.[0];
    if (t.isDeleted || !first || first.isDeleted || !(first.content ?? "").includes(o.marker)) continue;
    await call(
      o.fetch,
      `updating comment ${first.id} of thread ${t.id}`,
      `${base}/threads/${t.id}/comments/${first.id}?${version}`,
      "PATCH",
      headers,
      { content: o.body },
    );
    return { action: "updated", id: String(t.id) };
  }
  const created = await call<Thread>(
    o.fetch,
    `commenting on pull request ${o.pullRequest}`,
    `${base}/threads?${version}`,
    "POST",
    headers,
    { comments: [{ parentCommentId: 0, content: o.body, commentType: 1 }], status: 1 },
  );
  return { action: "created", id: String(created.data.id) };
}
