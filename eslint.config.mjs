// ESLint (flat config; `npm run lint`, run by .ci/run). Formatting is prettier's (.prettierrc), so nothing here is
// about layout: ESLint's and typescript-eslint's recommended sets contain no formatting rules since ESLint 9.
//
// - TypeScript: typescript-eslint's type-checked recommended rules (typescript-eslint.io/getting-started/typed-linting),
//   the types coming from tsconfig.json through the project service (policy/ has its own tsconfig.json extending it).
// - Pulumi: @pulumi/eslint-plugin's two rules, which flag a pulumi.Output / OutputInstance interpolated into a plain
//   template literal (it renders as a warning text, not the value: use pulumi.interpolate). The package exports only
//   `{ rules }` (no configs), so the rules are turned on here one by one. Its README's `plugins: pulumi` does not fit
//   the flat config's `plugins: { <namespace>: plugin }` shape (github.com/pulumi/eslint-plugin-pulumi README.md;
//   eslint.org/docs/latest/use/configure/plugins); the namespace "@pulumi" is the package's scope, as ESLint names
//   scoped plugins.
// - The direction of dependencies (docs/architecture.md) is checked by dependency-cruiser (.dependency-cruiser.cjs),
//   the second half of `npm run lint`.
import eslint from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  globalIgnores([
    ".ci/.node/",
    ".stryker-tmp/",
    "reports/",
    "rendered/",
    // the starter fleet repository and the test fixtures are data (YAML, JSON), not this project's code
    "examples/",
    "test/fixtures/",
  ]),
  eslint.configs.recommended,
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { "@pulumi": pulumi },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
    },
  },
  {
    // bin/*.cjs, bench/*.cjs, .mocharc.cjs, stryker.mocha12.cjs, test/mutation/hooks.cjs: CommonJS run by Node
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: globals.node },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: { sourceType: "module", globals: globals.node },
  },
);
