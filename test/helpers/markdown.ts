/** Reads the project's Markdown (code blocks, headings, links), so tests run and follow what the docs show. */
import * as fs from "fs";
import * as path from "path";

import { REPO_ROOT } from "../../engine/workspace";

/** A fenced code block: its language tag and text, where it is, and why it is not run (if marked). */
export interface CodeBlock {
  lang: string;
  text: string;
  /** Markdown file, relative to the repository. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The reason of a `<!-- not run: reason -->` comment on the line before the fence. */
  notRun?: string;
}

const NOT_RUN = /^<!--\s*not run:\s*(.*?)\s*-->$/;

/** Every fenced code block of a Markdown file (path relative to the repository). */
export function codeBlocks(file: string): CodeBlock[] {
  const md = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
  const lines = md.split("\n");
  return [...md.matchAll(/^```([\w-]*)\n([\s\S]*?)^```$/gm)].map((m) => {
    const line = md.slice(0, m.index).split("\n").length;
    const before = (lines[line - 2] ?? "").trim().match(NOT_RUN);
    return { lang: m[1]!, text: m[2]!, file, line, ...(before ? { notRun: before[1]! } : {}) };
  });
}

/** The one code block of `file` whose first line starts with `firstLine` (throws when not exactly one). */
export function snippet(file: string, firstLine: string): string {
  const found = codeBlocks(file).filter((b) => b.text.startsWith(firstLine));
  if (found.length !== 1)
    throw new Error(
      `${file}: expected one code block starting with ${JSON.stringify(firstLine)}, found ${found.length}`,
    );
  return found[0]!.text;
}

/** The user documentation: README.md and every page under docs/ (paths relative to the repository). */
export function docFiles(): string[] {
  const pages = fs
    .readdirSync(path.join(REPO_ROOT, "docs"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".md"))
    .map((f) => path.join("docs", f))
    .sort();
  return ["README.md", ...pages];
}

/** Every code block of the user documentation. */
export function docBlocks(): CodeBlock[] {
  return docFiles().flatMap(codeBlocks);
}

const SKIP_DIRS = new Set(["node_modules", "dist", ".tbn", ".git", "coverage"]);

/** Files of the repository (relative paths) whose name matches, outside dependencies and build output. */
export function repoFiles(match: RegExp): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(rel);
      } else if (match.test(e.name)) out.push(rel);
    }
  };
  walk("");
  return out.sort();
}

/** The text of a Markdown file without its fenced code blocks and inline code (what links can live in). */
export function proseOf(md: string): string {
  return md.replace(/^```[\w-]*\n[\s\S]*?^```$/gm, (b) => b.replace(/[^\n]/g, " ")).replace(/`[^`\n]*`/g, "``");
}

/**
 * GitHub's anchor for a heading (github-slugger's rule): rendered text (code spans and links reduced
 * to their text), lower-cased, punctuation dropped, spaces turned into dashes; repeats get -1, -2, ….
 */
export function headingAnchors(file: string): Set<string> {
  const md = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
  const prose = md.replace(/^```[\w-]*\n[\s\S]*?^```$/gm, "");
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of prose.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = m[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/`/g, "");
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** A link of a Markdown file: its target as written and its line. */
export interface MarkdownLink {
  target: string;
  line: number;
}

/** Inline links `[text](target)` of a Markdown file, outside code. */
export function markdownLinks(file: string): MarkdownLink[] {
  const prose = proseOf(fs.readFileSync(path.join(REPO_ROOT, file), "utf8"));
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => ({
    target: m[1]!,
    line: prose.slice(0, m.index).split("\n").length,
  }));
}
