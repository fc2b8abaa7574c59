/**
 * Every relative link and #anchor of the repository's Markdown resolves: the file (or directory)
 * exists and the heading the anchor names is there. Source files that point readers at a page
 * (`docs/drift.md`, `docs/real-tenant.md#…`) are held to the same rule, so moving a section cannot
 * leave a message or a comment pointing nowhere.
 */
import * as fs from "fs";
import * as path from "path";

import { REPO_ROOT } from "../../engine/workspace";
import { headingAnchors, markdownLinks, repoFiles } from "../helpers/markdown";

/** What is wrong with `target` as seen from `from` (a file relative to the repository), or undefined. */
function brokenLink(from: string, target: string): string | undefined {
  const [rawPath, anchor] = target.split("#", 2) as [string, string | undefined];
  const file = rawPath === "" ? from : path.normalize(path.join(path.dirname(from), decodeURI(rawPath)));
  if (file.startsWith("..")) return `${target}: leaves the repository`;
  if (!fs.existsSync(path.join(REPO_ROOT, file))) return `${target}: ${file} does not exist`;
  if (anchor !== undefined) {
    if (!file.endsWith(".md")) return `${target}: an anchor into a file that is not Markdown`;
    if (!headingAnchors(file).has(anchor)) return `${target}: ${file} has no heading with the anchor #${anchor}`;
  }
  return undefined;
}

const markdown = repoFiles(/\.md$/);

describe("Markdown links", () => {
  test("the repository's Markdown files are found (README, docs/, emulator, engine)", () => {
    expect(markdown).toEqual(
      expect.arrayContaining(["README.md", "docs/README.md", "emulator/FIDELITY.md", "engine/LANGUAGE-HOST.md"]),
    );
  });

  test.each(markdown)("%s: every relative link and #anchor resolves", (file) => {
    const broken = markdownLinks(file)
      .filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l.target))
      .map((l) => ({ line: l.line, problem: brokenLink(file, l.target) }))
      .filter((b) => b.problem !== undefined);
    expect(broken).toEqual([]);
  });

  test("docs/… pages named in sources, messages and workflow comments exist, with their anchors", () => {
    const broken: string[] = [];
    for (const file of repoFiles(/\.(ts|js|sh|ya?ml|ps1)$/)) {
      const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
      for (const m of text.matchAll(/\bdocs\/[\w-]+\.md(?:#[\w-]+)?/g)) {
        const problem = brokenLink("README.md", m[0]);
        if (problem) broken.push(`${file}: ${problem}`);
      }
    }
    expect(broken).toEqual([]);
  });

  test("the checker finds a broken link and a missing anchor (so the checks above can fail)", () => {
    // Built, not written out: the source scan above reads this file too.
    const docs = (page: string): string => ["docs", page].join("/");
    expect(brokenLink("README.md", docs("no-such-page.md"))).toMatch(/does not exist/);
    expect(brokenLink("README.md", docs("drift.md#no-such-heading"))).toMatch(/no heading with the anchor/);
    expect(brokenLink("docs/README.md", "drift.md")).toBeUndefined();
    expect(brokenLink("docs/real-tenant.md", "#6-before-your-first-run-the-preflight")).toBeUndefined();
  });
});
