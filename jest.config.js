/** Jest runs TypeScript through ts-jest (transpile only; `npm run build` type-checks). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  // Pulumi inline programs must share one module registry with the Automation API (pulumi#14128).
  resetModules: false,
  testTimeout: 300000,
  verbose: true,
};
