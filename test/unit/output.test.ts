/** Engine output as we pass it on: colour by terminal and NO_COLOR, never raw colour markup. */
import { cleanOutput, engineColor, stripColorMarkup } from "../../engine/output";

// Verbatim from a failed `pulumi up` of CLI v3.248 (the summary line it leaves uncolourised).
const SUMMARY = "Resources:\n    + 1 created\n    1 unchanged\n    <{%fg 1%}>1 errored<{%reset%}>\n\nDuration: 6s\n";

describe("engine output", () => {
  test("colour only on a terminal, and never with NO_COLOR or TERM=dumb", () => {
    expect(engineColor({ isTTY: true }, {})).toBe("always");
    expect(engineColor({ isTTY: false }, {})).toBe("never");
    expect(engineColor({}, {})).toBe("never");
    expect(engineColor({ isTTY: true }, { NO_COLOR: "1" })).toBe("never");
    expect(engineColor({ isTTY: true }, { NO_COLOR: "" })).toBe("always");
    expect(engineColor({ isTTY: true }, { TERM: "dumb" })).toBe("never");
  });

  test("colour directives are removed, text is kept", () => {
    expect(stripColorMarkup(SUMMARY)).toBe(
      "Resources:\n    + 1 created\n    1 unchanged\n    1 errored\n\nDuration: 6s\n",
    );
    expect(stripColorMarkup("a <{%bold%}>b<{%reset%}> < c %}>")).toBe("a b < c %}>");
  });

  test("streamed chunks: a directive split across chunks is removed, lines pass whole, flush ends", () => {
    const written: string[] = [];
    const out = cleanOutput((s) => written.push(s));
    for (let i = 0; i < SUMMARY.length; i += 7) out.write(SUMMARY.slice(i, i + 7));
    out.write("no newline at the end <{%fg 1");
    out.write("%}>x");
    out.flush();
    const text = written.join("");
    expect(text).not.toContain("<{%");
    expect(text).toBe(stripColorMarkup(SUMMARY) + "no newline at the end x");
    expect(written.every((w, i) => i === written.length - 1 || w.endsWith("\n"))).toBe(true);
  });
});
