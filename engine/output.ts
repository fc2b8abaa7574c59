/**
 * What the engine's output looks like where we pass it on: colour only on a terminal that wants it
 * (`NO_COLOR`, `TERM=dumb` and pipes get none), and never Pulumi's raw colour markup. The CLI
 * (v3.248) writes the failed-update summary line `<{%fg 1%}>2 errored<{%reset%}>` without
 * colourising it (pkg/backend/display/diff.go, `renderSummaryEvent`), whatever `--color` says.
 */

/** The `color` option for Automation API commands: "always" on a colour terminal, else "never". */
export function engineColor(
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): "always" | "never" {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return "never";
  if (env.TERM === "dumb") return "never";
  return stream.isTTY ? "always" : "never";
}

/** Pulumi's colour directives (`<{%fg 1%}>`, `<{%reset%}>`, `<{%bold%}>` …). */
const MARKUP = /<\{%[^%]*%\}>/g;

/** Removes Pulumi colour directives the CLI left in its text. */
export function stripColorMarkup(text: string): string {
  return text.replace(MARKUP, "");
}

/**
 * Wraps a writer for streamed engine output: passes on whole lines without colour markup (a
 * directive never spans lines, but may span chunks). Call `flush` when the command ends.
 */
export function cleanOutput(write: (s: string) => unknown): { write: (chunk: string) => void; flush: () => void } {
  let pending = "";
  return {
    write(chunk: string): void {
      pending += chunk;
      const end = pending.lastIndexOf("\n");
      if (end < 0) return;
      write(stripColorMarkup(pending.slice(0, end + 1)));
      pending = pending.slice(end + 1);
    },
    flush(): void {
      if (pending) write(stripColorMarkup(pending));
      pending = "";
    },
  };
}
