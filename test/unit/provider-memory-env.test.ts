/** The memory settings every engine run hands the provider processes, and what a caller's own flags keep. */
import { PROVIDER_SEMI_SPACE_MB, providerMemoryEnv } from "../../engine/workspace";

describe("providerMemoryEnv", () => {
  test("adds the young-generation cap and two malloc arenas when nothing is set", () => {
    expect(providerMemoryEnv(undefined, undefined)).toEqual({
      NODE_OPTIONS: `--max-semi-space-size=${PROVIDER_SEMI_SPACE_MB}`,
      MALLOC_ARENA_MAX: "2",
    });
  });

  test("keeps the caller's other NODE_OPTIONS and appends the cap", () => {
    expect(providerMemoryEnv("--max-old-space-size=512 --enable-source-maps", "").NODE_OPTIONS).toBe(
      `--max-old-space-size=512 --enable-source-maps --max-semi-space-size=${PROVIDER_SEMI_SPACE_MB}`,
    );
  });

  test("a caller's own semi-space size and arena count win", () => {
    expect(providerMemoryEnv(" --max-semi-space-size=8 ", "4")).toEqual({
      NODE_OPTIONS: "--max-semi-space-size=8",
      MALLOC_ARENA_MAX: "4",
    });
  });
});
