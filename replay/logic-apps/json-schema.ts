/**
 * The part of JSON Schema a Parse JSON action's schema is checked with: `type` (one or a list),
 * `properties`, `required`, `items`, `enum`, `additionalProperties: false`, `minItems`,
 * `minLength`, `pattern`. Annotations (`title`, `description`, `$schema`, `default`,
 * `examples`) are ignored; any other keyword is refused so that a schema can never look
 * stricter than the replay checks it.
 */
import { UnsupportedFeatureError } from "./errors";
import { deepEqual, isJsonObject, wdlTypeName } from "./values";

const annotationKeywords = new Set(["title", "description", "$schema", "default", "examples"]);
const validatedKeywords = new Set(["type", "properties", "required", "items", "enum", "additionalProperties", "minItems", "minLength", "pattern"]);

/** Returns the violations of `schema` by `value` (empty when valid), each naming a JSON path. */
export function validateAgainstSchema(value: unknown, schema: unknown, path = "$"): string[] {
    if (!isJsonObject(schema)) return [];
    for (const keyword of Object.keys(schema)) {
        if (!annotationKeywords.has(keyword) && !validatedKeywords.has(keyword)) {
            throw new UnsupportedFeatureError(`the JSON Schema keyword '${keyword}' (Parse JSON schema at ${path})`);
        }
    }
    const typeProblem = checkType(value, schema.type, path);
    if (typeProblem !== undefined) return [typeProblem];
    return [
        ...checkEnum(value, schema.enum, path),
        ...checkObject(value, schema, path),
        ...checkArray(value, schema, path),
        ...checkString(value, schema, path),
    ];
}

function jsonSchemaType(value: unknown): string {
    const name = wdlTypeName(value);
    return name === "Float" ? "number" : name.toLowerCase();
}

function checkType(value: unknown, type: unknown, path: string): string | undefined {
    if (type === undefined) return undefined;
    const allowed = (Array.isArray(type) ? type : [type]) as string[];
    const actual = jsonSchemaType(value);
    const matches = allowed.includes(actual) || (actual === "integer" && allowed.includes("number"));
    return matches ? undefined : `${path}: expected ${allowed.join(" or ")}, found ${actual}`;
}

function checkEnum(value: unknown, choices: unknown, path: string): string[] {
    if (!Array.isArray(choices) || choices.some((choice) => deepEqual(choice, value))) return [];
    return [`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(choices)}`];
}

function checkObject(value: unknown, schema: Record<string, unknown>, path: string): string[] {
    if (!isJsonObject(value)) return [];
    const properties = isJsonObject(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    const missing = required.filter((name) => !(name in value)).map((name) => `${path}: required property '${name}' is missing`);
    const unexpected =
        schema.additionalProperties === false
            ? Object.keys(value)
                  .filter((name) => !(name in properties))
                  .map((name) => `${path}: property '${name}' is not allowed`)
            : [];
    const nested = Object.entries(properties).flatMap(([name, propertySchema]) =>
        name in value ? validateAgainstSchema(value[name], propertySchema, `${path}.${name}`) : [],
    );
    return [...missing, ...unexpected, ...nested];
}

function checkArray(value: unknown, schema: Record<string, unknown>, path: string): string[] {
    if (!Array.isArray(value)) return [];
    const tooShort = typeof schema.minItems === "number" && value.length < schema.minItems ? [`${path}: fewer than ${schema.minItems} items`] : [];
    const items = schema.items === undefined ? [] : value.flatMap((item, index) => validateAgainstSchema(item, schema.items, `${path}[${index}]`));
    return [...tooShort, ...items];
}

function checkString(value: unknown, schema: Record<string, unknown>, path: string): string[] {
    if (typeof value !== "string") return [];
    const problems: string[] = [];
    if (typeof schema.minLength === "number" && value.length < schema.minLength) problems.push(`${path}: shorter than ${schema.minLength} characters`);
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern).test(value)) problems.push(`${path}: does not match ${schema.pattern}`);
    return problems;
}
