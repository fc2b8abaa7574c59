/**
 * The developer's commands of docs/development.md, docs/emulator.md and docs/engine.md, run in a
 * copy of this repository: the build, an emulator in the foreground (started, answering, stopped
 * with Ctrl-C), and the engine script that makes the Pulumi CLI available.
 */
import * as fs from "fs";
import * as https from "https";
import * as path from "path";

import { claimsOf, DocSandbox, expectExit } from "../helpers/doc-snippets";

const claims = claimsOf(__filename);

describe("docs: development commands", () => {
  let sb: DocSandbox;

  beforeAll(() => {
    sb = DocSandbox.create("development");
  });
  afterAll(() => sb?.dispose());

  test("npm run build compiles the sources into dist/", async () => {
    const block = claims.take("docs/development.md", "npm run build      # type-check and compile to dist/");
    const program = path.join(sb.repo, "dist", "stacks", "index.js");
    fs.rmSync(program);
    const [build] = await sb.run(block);
    expectExit(build!, 0);
    expect(fs.existsSync(program)).toBe(true);
  });

  test("npm run emulator -- start runs an emulator in the foreground until Ctrl-C", async () => {
    const block = claims.take("docs/emulator.md", "npm run emulator -- start --data-dir .tbn/emulator-2");
    const emulator = await sb.background(block, /export NODE_EXTRA_CA_CERTS=/);
    try {
      const url = emulator.output().match(/tenant emulator listening on (https:\/\/\S+)/)![1]!;
      expect(emulator.output()).toContain(`data dir:    ${path.join(sb.repo, ".tbn", "emulator-2")}`);
      const ca = fs.readFileSync(path.join(sb.repo, ".tbn", "emulator-2", "ca.pem"));
      const state = await new Promise<{ users: Array<{ userPrincipalName: string }> }>((resolve, reject) =>
        https
          .get(`${url}/_emulator/state`, { ca }, (res) => {
            let body = "";
            res.on("data", (d: Buffer) => (body += d.toString()));
            res.on("end", () => resolve(JSON.parse(body) as { users: Array<{ userPrincipalName: string }> }));
          })
          .on("error", reject),
      );
      expect(state.users.map((u) => u.userPrincipalName)).toContain("adele.vance@contoso.com");
    } finally {
      await emulator.stop();
    }
    expect(emulator.output()).toContain("received SIGINT, stopping");
  });

  test("npm run engine prints the directory of the Pulumi CLI", async () => {
    const block = claims.take("docs/engine.md", "npm run engine        # prints the directory holding the pulumi CLI");
    const [engine] = await sb.run(block);
    expectExit(engine!, 0);
    const dir = engine!.stdout.trim().split("\n").pop()!;
    expect(fs.existsSync(path.join(dir, "pulumi"))).toBe(true);
    expect(fs.existsSync(path.join(dir, "pulumi-resource-pulumi-nodejs"))).toBe(true);
  });

  test("every block this file claims ran", () => {
    expect(claims.unrun()).toEqual([]);
  });
});
