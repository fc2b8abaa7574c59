/**
 * Sizes a newcomer can read, checked on the source: no file in provider/ over 300 lines, no
 * function in provider/ over 60 (a function's lines include the functions nested in it; a method,
 * an arrow function and a function expression count as functions, an object literal of them does not).
 */
import { readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "../..");
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith(".ts") ? [full] : [];
  });
}

/** Functions of a source text longer than `max` lines, as "name (N lines)". */
function longFunctions(fileName: string, text: string, max: number): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const line = (pos: number): number => source.getLineAndCharacterOfPosition(pos).line;
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && "body" in n && n.body) {
      const lines = line(n.end) - line(n.getStart(source)) + 1;
      const named = (n as { name?: ts.Node }).name ?? (n.parent as { name?: ts.Node }).name;
      if (lines > max) found.push(`${named?.getText(source) ?? "(anonymous)"} (${lines} lines)`);
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return found;
}

const provider = files(path.join(ROOT, "provider"));

describe("sizes in provider/", () => {
  test(`no file over ${MAX_FILE_LINES} lines`, () => {
    const long = provider
      .map((f) => ({ f, lines: readFileSync(f, "utf8").split("\n").length }))
      .filter(({ lines }) => lines > MAX_FILE_LINES)
      .map(({ f, lines }) => `${path.relative(ROOT, f)} (${lines} lines)`);
    expect(long).toEqual([]);
  });

  test(`no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = provider.flatMap((f) =>
      longFunctions(f, readFileSync(f, "utf8"), MAX_FUNCTION_LINES).map((fn) => `${path.relative(ROOT, f)}: ${fn}`),
    );
    expect(long).toEqual([]);
  });

  test("the function check measures what it should (self-test)", () => {
    const body = Array.from({ length: 60 }, (_, i) => `  step${i}();`).join("\n");
    const text = `function long() {\n${body}\n}\nconst short = () => {\n  return 1;\n};\nclass C {\n  m() {\n${body}\n  }\n}\n`;
    expect(longFunctions("x.ts", text, 60)).toEqual(["long (62 lines)", "m (62 lines)"]);
    expect(longFunctions("x.ts", text, 62)).toEqual([]);
  });
});
