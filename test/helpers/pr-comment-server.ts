/**
 * A loopback stand-in for the two pull-request comment APIs the example pipelines call, just the
 * endpoints scripts/plan/comment.ts uses, shaped as their documentation shows them:
 *   GitHub REST (docs.github.com/rest/issues/comments): GET/POST /repos/{owner}/{repo}/issues/{n}/comments
 *     (100 a page at most, `Link: <…>; rel="next"`), PATCH /repos/{owner}/{repo}/issues/comments/{id};
 *     Bearer token required.
 *   Azure DevOps REST 7.1 (Pull Request Threads, Pull Request Thread Comments):
 *     GET/POST {collection}/{project}/_apis/git/repositories/{repo}/pullRequests/{id}/threads,
 *     PATCH …/threads/{threadId}/comments/{commentId}; `api-version` required.
 * It records every request, so a test sees what the pipeline step sent.
 */
import * as http from "http";
import type { AddressInfo } from "net";

/** One request the stand-in received. */
export interface Recorded {
  method: string;
  path: string;
  authorization?: string;
  body?: unknown;
}

/** A running stand-in. */
export interface CommentServer {
  url: string;
  requests: Recorded[];
  /** GitHub issue comments by pull request number. */
  github: Map<number, { id: number; body: string }[]>;
  /** Azure DevOps threads by pull request id. */
  azure: Map<number, { id: number; status: number; comments: { id: number; content: string }[] }[]>;
  /** Answer every request with this status instead (e.g. 403), or undefined. */
  failWith?: number;
  close(): Promise<void>;
}

/** Starts the stand-in on 127.0.0.1 and a free port; `token` is the only one accepted. */
export async function startCommentServer(token: string): Promise<CommentServer> {
  let nextId = 1000;
  const state: Omit<CommentServer, "url" | "close"> = { requests: [], github: new Map(), azure: new Map() };
  const server = http.createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8").on("data", (c: string) => (raw += c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://stand-in");
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
      state.requests.push({
        method: req.method ?? "",
        path: url.pathname + url.search,
        authorization: req.headers.authorization,
        body,
      });
      const send = (status: number, data?: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(data === undefined ? "" : JSON.stringify(data));
      };
      if ((state as CommentServer).failWith)
        return send((state as CommentServer).failWith!, { message: "Resource not accessible by integration" });
      if (req.headers.authorization !== `Bearer ${token}`) return send(401, { message: "Bad credentials" });
      let m: RegExpExecArray | null;
      if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(url.pathname))) {
        const list = state.github.get(Number(m[1])) ?? [];
        state.github.set(Number(m[1]), list);
        if (req.method === "POST") {
          const c = { id: nextId++, body: String(body?.body) };
          list.push(c);
          return send(201, c);
        }
        const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 30), 100);
        const page = Number(url.searchParams.get("page") ?? 1);
        const slice = list.slice((page - 1) * perPage, page * perPage);
        const more = page * perPage < list.length;
        const next = new URL(url.toString());
        next.searchParams.set("page", String(page + 1));
        const self = `http://${req.headers.host}${next.pathname}${next.search}`;
        return send(200, slice, more ? { link: `<${self}>; rel="next"` } : {});
      }
      if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(url.pathname)) && req.method === "PATCH") {
        const c = [...state.github.values()].flat().find((x) => x.id === Number(m![1]));
        if (!c) return send(404, { message: "Not Found" });
        c.body = String(body?.body);
        return send(200, c);
      }
      const ado =
        /^\/[^/]+\/[^/]+\/_apis\/git\/repositories\/[^/]+\/pullRequests\/(\d+)\/threads(?:\/(\d+)\/comments\/(\d+))?$/.exec(
          url.pathname,
        );
      if (ado) {
        if (!url.searchParams.get("api-version")) return send(400, { message: "api-version is required" });
        const threads = state.azure.get(Number(ado[1])) ?? [];
        state.azure.set(Number(ado[1]), threads);
        if (ado[2] && req.method === "PATCH") {
          const c = threads.find((t) => t.id === Number(ado[2]))?.comments.find((x) => x.id === Number(ado[3]));
          if (!c) return send(404, { message: "not found" });
          c.content = String(body?.content);
          return send(200, c);
        }
        if (!ado[2] && req.method === "POST") {
          const comments = (body?.comments as { content: string }[]).map((c, i) => ({ id: i + 1, content: c.content }));
          const t = { id: nextId++, status: Number(body?.status), comments };
          threads.push(t);
          return send(200, t);
        }
        if (!ado[2] && req.method === "GET") return send(200, { value: threads, count: threads.length });
      }
      send(404, { message: `no route ${req.method} ${url.pathname}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state as CommentServer, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
