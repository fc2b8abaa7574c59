/**
 * Jest runs TypeScript through ts-jest (transpile only; `npm run build` type-checks).
 *
 * Two tiers, as projects: `fast` (unit, emulator contract, conformance, the fake-tenant hook tests
 * and other pure logic: `npm run test:fast`, for the edit loop) and `engine` (everything else:
 * provider lifecycle against the emulator, real-engine end-to-end, hardening, export, preflight,
 * bench smoke, actionlint).
 * `npm test` runs both.
 *
 * Test files run in parallel workers, TBN_TEST_WORKERS of them (default 4 on any machine: the suite
 * mostly waits for the engine, the emulator's delays and child processes, not for the CPU). That is
 * safe because no file shares anything writable with another: each starts its own emulator on port
 * 0 with its own data dir; engine tests keep state and PULUMI_HOME in a temp dir of their own; the
 * emulator CA, dist/ and the Pulumi CLI are made once by scripts/setup.sh before jest starts and only
 * read afterwards; time-dependent emulator behaviour runs on a test clock (test/helpers/clock.ts).
 */
const FAST = [
  "test/unit/",
  "test/emulator/",
  "test/conformance/",
  "test/provider/hooks-fake.test.ts",
  // Pure logic outside test/unit: stack config, the stack program under Pulumi's mocks, example pipelines' YAML.
  "test/stacks/config.test.ts",
  "test/stacks/createApp.test.ts",
  "test/stacks/workflows-identity.test.ts",
  "test/stacks/workflows-state.test.ts",
  "test/export/plan.test.ts",
  "test/export/workflow.test.ts",
];

const base = {
  rootDir: __dirname,
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  // Pulumi inline programs must share one module registry with the Automation API (pulumi#14128).
  resetModules: false,
};

module.exports = {
  projects: [
    {
      ...base,
      displayName: "fast",
      testMatch: FAST.map((p) => (p.endsWith("/") ? `<rootDir>/${p}**/*.test.ts` : `<rootDir>/${p}`)),
    },
    {
      ...base,
      displayName: "engine",
      testMatch: ["<rootDir>/test/**/*.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", ...FAST.map((p) => `<rootDir>/${p.replace(/\./g, "\\.")}`)],
    },
  ],
  maxWorkers: Number(process.env.TBN_TEST_WORKERS) || 4,
  testTimeout: 300000,
  verbose: true,
};
