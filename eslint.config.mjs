// ESLint's and typescript-eslint's recommended rules, without type information (fast enough
// to run in `npm test`). Formatting is Prettier's (.prettierrc.json).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["**/node_modules/", "bin/", "examples/consumer/bin/", "bench/.generated/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // Off: the harnesses load programs, generated files and Kusto's script bundles by paths computed at run time, which import cannot.
            "@typescript-eslint/no-require-imports": "off",
            // Destructuring a property away to drop it is the idiom for "all but these".
            "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
        },
    },
    {
        // The bench's preloaded usage reporter is plain CommonJS run by Node.
        files: ["**/*.js"],
        languageOptions: { sourceType: "commonjs", globals: { require: "readonly", process: "readonly", module: "writable", console: "readonly" } },
    },
);
