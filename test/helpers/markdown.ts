/** Reads code blocks out of the project's Markdown, so tests run what the docs show. */
import * as fs from "fs";
import * as path from "path";

import { REPO_ROOT } from "../../engine/workspace";

/** A fenced code block: its language tag and text. */
export interface CodeBlock {
  lang: string;
  text: string;
}

/** Every fenced code block of a Markdown file (path relative to the repository). */
export function codeBlocks(file: string): CodeBlock[] {
  const md = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
  return [...md.matchAll(/^```([\w-]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, text: m[2]! }));
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
