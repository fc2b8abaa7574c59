// typescript-eslint recommended rules over the TypeScript sources.
const js = require("@eslint/js");
const tseslint = require("typescript-eslint");

module.exports = tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".tbn/**", "test/fixtures/**", "bench/results/**", "**/*.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      // Dynamic-provider code runs in the engine's process and must load modules lazily.
      "@typescript-eslint/no-require-imports": "off",
    },
  },
);
