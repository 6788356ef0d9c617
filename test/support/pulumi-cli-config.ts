/**
 * The checks the Pulumi CLI makes on a project's config and a stack's config before it starts
 * the program: Pulumi's mock runtime skips them, so a stack file the CLI refuses still passes
 * every mock test. Re-implemented from the CLI's source:
 * - project file: `sdk/go/common/workspace/project.go` (`(*Project).Validate`,
 *   `RewriteShorthandConfigValues`, `ValidateConfigValue`, `InferFullTypeName`) and the schema
 *   `sdk/go/common/workspace/project.json`;
 * - stack file: `pkg/workspace/config.go` (until July 2026 `sdk/go/common/workspace/config.go`):
 *   `mergeConfig` (a declared project key with neither `default` nor `value` is required),
 *   `validateStackConfigValues` / `validateStackConfigValue` (secret keys must be `secure:`,
 *   declared types are checked, `object` since CLI 3.187), `formatMissingKeys`.
 * Messages are the CLI's own texts, so a failure reads as the user would see it.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";

export type ConfigTypeName = "string" | "integer" | "boolean" | "array" | "object";

export interface ProjectConfigType {
    type?: ConfigTypeName;
    items?: { type: ConfigTypeName; items?: ProjectConfigType["items"] };
    description?: string;
    secret?: boolean;
    default?: unknown;
    value?: unknown;
}

export interface PulumiProject {
    name: string;
    config: Record<string, ProjectConfigType>;
}

/** A stack file's `config:` as written: scalars, lists, maps, or `{ secure: <ciphertext> }`. */
export type StackConfigValues = Record<string, unknown>;

const simpleTypes: readonly string[] = ["string", "integer", "boolean", "array", "object"];
const projectConfigKeys = ["type", "items", "description", "secret", "default", "value"];

export function readProject(file: string): PulumiProject {
    const parsed = parseYaml(fs.readFileSync(file, "utf8")) as { name: string; config?: Record<string, unknown> };
    return { name: parsed.name, config: rewriteShorthand(parsed.name, parsed.config ?? {}) };
}

export function readStackFile(file: string): StackConfigValues {
    const parsed = parseYaml(fs.readFileSync(file, "utf8")) as { config?: StackConfigValues } | null;
    return parsed?.config ?? {};
}

/** Every `Pulumi.yaml` below `root` (node_modules and dot-folders skipped), with the stack files beside it. */
export function findProjects(root: string): { projectFile: string; stackFiles: string[] }[] {
    const found: { projectFile: string; stackFiles: string[] }[] = [];
    const visit = (directory: string): void => {
        const entries = fs.readdirSync(directory, { withFileTypes: true });
        if (entries.some((entry) => entry.isFile() && entry.name === "Pulumi.yaml")) {
            const stackFiles = entries
                .filter((entry) => entry.isFile() && /^Pulumi\.[^.]+\.yaml$/.test(entry.name))
                .map((entry) => path.join(directory, entry.name));
            found.push({ projectFile: path.join(directory, "Pulumi.yaml"), stackFiles: stackFiles.sort() });
        }
        for (const entry of entries) {
            if (entry.isDirectory() && entry.name !== "node_modules" && !entry.name.startsWith(".")) visit(path.join(directory, entry.name));
        }
    };
    visit(root);
    return found;
}

/** `key: value` shorthand: a default for the project's own keys, a value for others'. */
function rewriteShorthand(project: string, config: Record<string, unknown>): Record<string, ProjectConfigType> {
    const rewritten: Record<string, ProjectConfigType> = {};
    for (const [key, declaration] of Object.entries(config)) {
        const isDeclaration = typeof declaration === "object" && declaration !== null && !Array.isArray(declaration);
        if (isDeclaration) rewritten[key] = declaration as ProjectConfigType;
        else rewritten[key] = isProjectKey(project, key) ? { default: declaration } : { value: declaration };
    }
    return rewritten;
}

/** A key without a namespace, or in the project's, belongs to the project (`configKeyIsNamespacedByProject`). */
function isProjectKey(project: string, key: string): boolean {
    return !key.includes(":") || key.startsWith(`${project}:`);
}

/** `parseConfigKey`: `name` and `<project>:name` are the same key. */
function fullKey(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

/** The problems the CLI reports when it loads `Pulumi.yaml` (`(*Project).Validate` and the schema). */
export function projectProblems(project: PulumiProject): string[] {
    const problems: string[] = [];
    for (const [key, declaration] of Object.entries(project.config)) {
        const unknown = Object.keys(declaration).filter((name) => !projectConfigKeys.includes(name));
        if (unknown.length > 0) problems.push(`config.${key}: additional properties ${unknown.join(", ")} are not allowed`);
        if (declaration.type !== undefined && !simpleTypes.includes(declaration.type)) {
            problems.push(`config.${key}.type: must be one of ${simpleTypes.join(", ")}`);
        }
        if ("default" in declaration && "value" in declaration) {
            problems.push(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
        }
        if (isProjectKey(project.name, key)) {
            if (declaration.type === "array" && declaration.items === undefined) {
                problems.push(`The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`);
            }
            if (declaration.type !== undefined && "default" in declaration && !valueHasType(declaration, declaration.default)) {
                problems.push(`The default value specified for configuration key '${key}' is not of the expected type '${fullTypeName(declaration)}'`);
            }
        } else {
            if (declaration.type !== undefined) problems.push(`Configuration key '${key}' is not namespaced by the project and should not define a type`);
            if ("default" in declaration) {
                problems.push(
                    `Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`,
                );
            }
            if (!("value" in declaration)) problems.push(`Configuration key '${key}' is namespaced and must provide an attribute 'value'`);
        }
    }
    return problems;
}

/**
 * What `pulumi preview` says about a stack before running the program, or undefined when the
 * CLI would go on. The CLI stops at the first of: missing required keys; an unencrypted
 * secret; a value of the wrong type (keys in sorted order).
 */
export function stackConfigError(project: PulumiProject, stack: string, stackConfig: StackConfigValues): string | undefined {
    const keys = Object.keys(project.config).sort();
    const has = (key: string) => fullKey(project.name, key) in stackConfig || (isProjectKey(project.name, key) && key in stackConfig);
    const missing = keys.filter((key) => {
        const declaration = project.config[key]!;
        return !has(key) && !("value" in declaration) && !("default" in declaration) && isProjectKey(project.name, key);
    });
    if (missing.length > 0) return `validating stack config: ${missingKeysMessage(stack, missing)}`;
    for (const key of keys) {
        const declaration = project.config[key]!;
        if (declaration.type === undefined || !has(key)) continue;
        const value = stackConfig[fullKey(project.name, key)] ?? stackConfig[key];
        const encrypted = typeof value === "object" && value !== null && !Array.isArray(value) && "secure" in value;
        if (declaration.secret === true && !encrypted) {
            return `validating stack config: Stack '${stack}' with configuration key '${key}' must be encrypted as it's secret`;
        }
        // A secret's plaintext is unknown here; the CLI checks it after decrypting, which a stack file cannot fail on its own.
        if (!encrypted && !valueHasType(declaration, asCliValue(value))) {
            return `validating stack config: Stack '${stack}' with configuration key '${key}' must be of type '${fullTypeName(declaration)}'`;
        }
    }
    return undefined;
}

/** `formatMissingKeys`: 'a', 'a' and 'b', 'a', 'b' and 'c'. */
function missingKeysMessage(stack: string, keys: string[]): string {
    const quoted = keys.map((key) => `'${key}'`);
    if (quoted.length === 1) return `Stack '${stack}' is missing configuration value ${quoted[0]}`;
    return `Stack '${stack}' is missing configuration values ${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
}

/** The CLI keeps YAML scalars as strings and lists and maps as JSON objects. */
function asCliValue(value: unknown): unknown {
    if (value === null || typeof value === "object") return value;
    return String(value);
}

/** `ValidateConfigValue`: strings pass as strings, integers as whole numbers or their text, booleans as "true"/"false". */
function valueHasType(declaration: Pick<ProjectConfigType, "type" | "items">, value: unknown): boolean {
    switch (declaration.type) {
        case "string":
            return typeof value === "string";
        case "integer":
            return (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^[+-]?\d+$/.test(value));
        case "boolean":
            return typeof value === "boolean" || value === "true" || value === "false";
        case "object":
            return typeof value === "object" && value !== null && !Array.isArray(value);
        case "array":
            return Array.isArray(value) && declaration.items !== undefined && value.every((item) => valueHasType(declaration.items!, item));
        default:
            return false;
    }
}

/** `InferFullTypeName`: `array<string>`, `array<array<integer>>`, ... */
function fullTypeName(declaration: Pick<ProjectConfigType, "type" | "items">): string {
    return declaration.type === "array" && declaration.items !== undefined ? `array<${fullTypeName(declaration.items)}>` : String(declaration.type);
}

/**
 * The config the program receives: the stack's values plus the project's defaults for the keys
 * the stack leaves out (`mergeConfig`), as full keys to strings (structured values as JSON).
 */
export function programConfig(project: PulumiProject, stackConfig: StackConfigValues): Record<string, string> {
    const merged: Record<string, string> = {};
    for (const [key, value] of Object.entries(stackConfig)) {
        const isSecret = typeof value === "object" && value !== null && "secure" in value;
        if (!isSecret) merged[fullKey(project.name, key)] = typeof value === "object" ? JSON.stringify(value) : String(value);
    }
    for (const [key, declaration] of Object.entries(project.config)) {
        const name = fullKey(project.name, key);
        const given = "value" in declaration ? declaration.value : declaration.default;
        if (!(name in merged) && given !== undefined) merged[name] = typeof given === "object" ? JSON.stringify(given) : String(given);
    }
    return merged;
}
