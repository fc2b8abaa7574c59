/**
 * The stack runner's command line (pure): the engine flags users type for `pulumi up` pass through
 * (`--continue-on-error`, `--target`, `--diff`), a flag the command cannot take is refused naming
 * both, and the help lists every option the parser takes.
 */
import * as path from "path";

import { parseArgs, USAGE, UsageError } from "../../scripts/stack";

describe("stack runner arguments", () => {
  test("up takes --continue-on-error, repeated --target and --diff as pulumi up does", () => {
    expect(
      parseArgs([
        "up",
        "--stack",
        "prod",
        "--continue-on-error",
        "--target",
        "urn:pulumi:prod::teams-bot-numbers::a",
        "--target",
        "urn:pulumi:prod::teams-bot-numbers::b",
        "--diff",
      ]),
    ).toEqual({
      command: "up",
      stackName: "prod",
      continueOnError: true,
      targets: ["urn:pulumi:prod::teams-bot-numbers::a", "urn:pulumi:prod::teams-bot-numbers::b"],
      diff: true,
    });
  });

  test("destroy takes --continue-on-error and --diff; preview takes --target, --refresh and --expect-no-changes", () => {
    expect(parseArgs(["destroy", "--stack", "prod", "--continue-on-error", "--diff"])).toMatchObject({
      continueOnError: true,
      diff: true,
    });
    expect(
      parseArgs(["preview", "--stack", "prod", "--target", "urn:x", "--refresh", "--expect-no-changes"]),
    ).toMatchObject({ targets: ["urn:x"], refresh: true, expectNoChanges: true });
    expect(parseArgs(["up", "--stack", "prod", "--work-dir", "w"])).toMatchObject({ workDir: path.resolve("w") });
  });

  test.each([
    [
      ["preview", "--stack", "prod", "--continue-on-error"],
      "--continue-on-error applies to up and destroy, not preview",
    ],
    [["refresh", "--stack", "prod", "--diff"], "--diff applies to preview, up and destroy, not refresh"],
    [["up", "--stack", "prod", "--target"], "--target needs a value"],
    [["up", "--stack", "prod", "--target", "--diff"], "--target needs a value"],
    [["up", "--stack", "prod", "--frobnicate"], "unknown option --frobnicate"],
    [["up"], "--stack NAME is required"],
    [["deploy", "--stack", "prod"], "unknown command deploy (one of preview, up, refresh, destroy)"],
  ])("%j is refused: %s", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(new UsageError(message));
  });

  test("--help is the usage, and it lists every option the parser takes", () => {
    expect(parseArgs(["up", "--help"])).toBe("help");
    const flags = [
      "--stack",
      "--refresh",
      "--expect-no-changes",
      "--continue-on-error",
      "--target",
      "--diff",
      "--work-dir",
      "--backend",
      "--backend-dir",
      "--pulumi-home",
      "--help",
    ];
    for (const flag of flags) expect(USAGE).toMatch(new RegExp(`^  ${flag}\\b`, "m"));
    const listed = [...USAGE.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]);
    expect(listed).toEqual(flags);
  });
});
