/** WDL values as the replay engine holds them: plain JSON data. */

export type JsonObject = { [key: string]: unknown };

export function isJsonObject(value: unknown): value is JsonObject {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * A property as Logic Apps looks it up: by its exact name, else by the same name in another
 * case. Sentinel's trigger bodies say `alerts` while Microsoft's own playbooks read `Alerts`,
 * and both work, so a lookup must not depend on case.
 */
export function propertyIgnoringCase(target: JsonObject, name: string): unknown {
    if (Object.prototype.hasOwnProperty.call(target, name)) return target[name];
    const match = Object.keys(target).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    return match === undefined ? undefined : target[match];
}

/** The type names Logic Apps uses in its error messages ("The provided value is of type 'Null'"). */
export function wdlTypeName(value: unknown): string {
    if (value === null || value === undefined) return "Null";
    if (typeof value === "string") return "String";
    if (typeof value === "boolean") return "Boolean";
    if (typeof value === "number") return Number.isInteger(value) ? "Integer" : "Float";
    if (Array.isArray(value)) return "Array";
    return "Object";
}

/** Structural equality (what `equals()` and `contains()` on arrays compare); strings are case-sensitive. */
export function deepEqual(left: unknown, right: unknown): boolean {
    if (left === right) return true;
    if (left === undefined || right === undefined) return (left ?? null) === (right ?? null);
    if (Array.isArray(left) && Array.isArray(right)) {
        return left.length === right.length && left.every((item, index) => deepEqual(item, right[index]));
    }
    if (isJsonObject(left) && isJsonObject(right)) {
        const keys = Object.keys(left);
        return keys.length === Object.keys(right).length && keys.every((key) => key in right && deepEqual(left[key], right[key]));
    }
    return false;
}

/**
 * The text a value becomes inside `@{...}` interpolation and in `string()`: null is empty,
 * booleans are `True`/`False` (the runtime is .NET), objects and arrays are JSON.
 */
export function toWdlString(value: unknown): string {
    if (value === null || value === undefined) return "";
    if (typeof value === "string") return value;
    if (typeof value === "boolean") return value ? "True" : "False";
    if (typeof value === "number") return String(value);
    return JSON.stringify(value);
}
