/**
 * The WDL functions that depend only on their arguments (string, collection, logical,
 * conversion, math, date). Workflow functions (`body`, `variables`, `items`...) depend on the
 * run and live in the engine. Semantics follow the Logic Apps function reference, including the
 * parts that surprise:
 * - every argument is evaluated before the call: `if()`, `and()` and `or()` do not
 *   short-circuit, so `if(empty(x), '', x['a'])` fails when x is null, as it does in Azure;
 * - string functions reject null (`toLower(null)` fails; use `coalesce()`), while `concat()`
 *   and interpolation treat null as empty text and `empty(null)` is true;
 * - `equals()` and `contains()` are case-sensitive; `startsWith()`, `endsWith()`, `indexOf()`
 *   are not;
 * - `first()`/`last()` of an empty array or string are null, of null an error.
 * Names are matched case-insensitively, as Logic Apps does.
 */
import { randomUUID } from "crypto";
import { TemplateError } from "./errors";
import { deepEqual, isJsonObject, JsonObject, toWdlString, wdlTypeName } from "./values";

export type WdlFunction = (args: unknown[], call: CallSite) => unknown;

/** What a function needs to know about its call: its name for messages and the replay's fixed clock. */
export interface CallSite {
    readonly name: string;
    readonly now: Date;
}

/** Looks up a pure function by name, case-insensitively. */
export function findPureFunction(name: string): WdlFunction | undefined {
    return pureFunctions.get(name.toLowerCase());
}

/** The names of the pure functions the engine implements (lower-case), for documentation and tests. */
export function pureFunctionNames(): string[] {
    return [...pureFunctions.keys()].sort();
}

function expectArity(args: unknown[], call: CallSite, min: number, max = min): void {
    if (args.length < min || args.length > max) {
        const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
        throw new TemplateError(`The template function '${call.name}' expects ${expected} parameter(s); it was given ${args.length}.`);
    }
}

function wrongType(call: CallSite, expected: string, value: unknown): TemplateError {
    return new TemplateError(
        `The template function '${call.name}' expects its parameter to be ${expected}. The provided value is of type '${wdlTypeName(value)}'.`,
    );
}

function asString(value: unknown, call: CallSite): string {
    if (typeof value !== "string") throw wrongType(call, "a string", value);
    return value;
}

function asNumber(value: unknown, call: CallSite): number {
    if (typeof value !== "number") throw wrongType(call, "an integer or a float", value);
    return value;
}

function asInteger(value: unknown, call: CallSite): number {
    if (typeof value !== "number" || !Number.isInteger(value)) throw wrongType(call, "an integer", value);
    return value;
}

function asBoolean(value: unknown, call: CallSite): boolean {
    if (typeof value !== "boolean") throw wrongType(call, "a boolean", value);
    return value;
}

function asArray(value: unknown, call: CallSite): unknown[] {
    if (!Array.isArray(value)) throw wrongType(call, "an array", value);
    return value;
}

function asStringOrArray(value: unknown, call: CallSite): string | unknown[] {
    if (typeof value !== "string" && !Array.isArray(value)) throw wrongType(call, "an array or a string", value);
    return value;
}

/** Defines a function with a fixed number of arguments. */
function fixed(arity: number, body: (args: unknown[], call: CallSite) => unknown): WdlFunction {
    return (args, call) => {
        expectArity(args, call, arity);
        return body(args, call);
    };
}

/** Defines a function taking `min` or more arguments. */
function variadic(min: number, body: (args: unknown[], call: CallSite) => unknown): WdlFunction {
    return (args, call) => {
        expectArity(args, call, min, Infinity);
        return body(args, call);
    };
}

const stringFunctions: Record<string, WdlFunction> = {
    concat: variadic(1, (args) => args.map(toWdlString).join("")),
    toLower: fixed(1, ([text], call) => asString(text, call).toLowerCase()),
    toUpper: fixed(1, ([text], call) => asString(text, call).toUpperCase()),
    trim: fixed(1, ([text], call) => asString(text, call).trim()),
    replace: fixed(3, ([text, old, replacement], call) => asString(text, call).split(asString(old, call)).join(asString(replacement, call))),
    split: fixed(2, ([text, delimiter], call) => asString(text, call).split(asString(delimiter, call))),
    startsWith: fixed(2, ([text, prefix], call) => asString(text, call).toLowerCase().startsWith(asString(prefix, call).toLowerCase())),
    endsWith: fixed(2, ([text, suffix], call) => asString(text, call).toLowerCase().endsWith(asString(suffix, call).toLowerCase())),
    indexOf: fixed(2, ([text, search], call) => asString(text, call).toLowerCase().indexOf(asString(search, call).toLowerCase())),
    lastIndexOf: fixed(2, ([text, search], call) => asString(text, call).toLowerCase().lastIndexOf(asString(search, call).toLowerCase())),
    substring: (args, call) => {
        expectArity(args, call, 2, 3);
        const text = asString(args[0], call);
        const start = asInteger(args[1], call);
        const length = args.length === 3 ? asInteger(args[2], call) : text.length - start;
        if (start < 0 || length < 0 || start + length > text.length) {
            throw new TemplateError(`The template function 'substring' was given a range outside the string of length ${text.length}.`);
        }
        return text.substring(start, start + length);
    },
    guid: (args, call) => {
        expectArity(args, call, 0, 1);
        return randomUUID();
    },
    uriComponent: fixed(1, ([text], call) => encodeURIComponent(asString(text, call))),
    encodeUriComponent: fixed(1, ([text], call) => encodeURIComponent(asString(text, call))),
    uriComponentToString: fixed(1, ([text], call) => decodeURIComponent(asString(text, call))),
    decodeUriComponent: fixed(1, ([text], call) => decodeURIComponent(asString(text, call))),
    base64: fixed(1, ([text], call) => Buffer.from(asString(text, call), "utf8").toString("base64")),
    base64ToString: fixed(1, ([text], call) => Buffer.from(asString(text, call), "base64").toString("utf8")),
};

const collectionFunctions: Record<string, WdlFunction> = {
    contains: fixed(2, ([collection, value], call) => {
        if (typeof collection === "string") return collection.includes(asString(value, call));
        if (Array.isArray(collection)) return collection.some((item) => deepEqual(item, value));
        if (isJsonObject(collection)) return Object.prototype.hasOwnProperty.call(collection, asString(value, call));
        throw wrongType(call, "a string, an array or an object", collection);
    }),
    empty: fixed(1, ([value], call) => {
        if (value === null || value === undefined) return true;
        if (typeof value === "string" || Array.isArray(value)) return value.length === 0;
        if (isJsonObject(value)) return Object.keys(value).length === 0;
        throw wrongType(call, "a string, an array, an object or null", value);
    }),
    length: fixed(1, ([value], call) => asStringOrArray(value, call).length),
    first: fixed(1, ([value], call) => {
        const collection = asStringOrArray(value, call);
        return collection.length === 0 ? null : collection[0];
    }),
    last: fixed(1, ([value], call) => {
        const collection = asStringOrArray(value, call);
        return collection.length === 0 ? null : collection[collection.length - 1];
    }),
    join: fixed(2, ([items, delimiter], call) => asArray(items, call).map(toWdlString).join(asString(delimiter, call))),
    // At least one argument, as the WDL reference documents: an empty array is json('[]').
    createArray: variadic(1, (args) => [...args]),
    skip: fixed(2, ([items, count], call) => asArray(items, call).slice(Math.max(0, asInteger(count, call)))),
    take: fixed(2, ([items, count], call) => asStringOrArray(items, call).slice(0, Math.max(0, asInteger(count, call)))),
    union: variadic(2, (args, call) => {
        if (args.every(Array.isArray)) {
            return (args as unknown[][]).flat().filter((item, index, all) => all.findIndex((other) => deepEqual(other, item)) === index);
        }
        if (args.every(isJsonObject)) return Object.assign({}, ...(args as JsonObject[]));
        throw wrongType(
            call,
            "arrays or objects (all of one kind)",
            args.find((arg) => !Array.isArray(arg)),
        );
    }),
    intersection: variadic(2, (args, call) => {
        const [head, ...rest] = args.map((arg) => asArray(arg, call));
        return head!.filter((item) => rest.every((other) => other.some((candidate) => deepEqual(candidate, item))));
    }),
};

function compare(call: CallSite, left: unknown, right: unknown): number {
    if (typeof left === "number" && typeof right === "number") return left - right;
    if (typeof left === "string" && typeof right === "string") return left < right ? -1 : left > right ? 1 : 0;
    throw new TemplateError(
        `The template function '${call.name}' expects two integers, two floats or two strings; it was given '${wdlTypeName(left)}' and '${wdlTypeName(right)}'.`,
    );
}

const logicalFunctions: Record<string, WdlFunction> = {
    equals: fixed(2, ([left, right]) => deepEqual(left, right)),
    and: variadic(1, (args, call) => args.map((arg) => asBoolean(arg, call)).every(Boolean)),
    or: variadic(1, (args, call) => args.map((arg) => asBoolean(arg, call)).some(Boolean)),
    not: fixed(1, ([value], call) => !asBoolean(value, call)),
    if: fixed(3, ([condition, whenTrue, whenFalse], call) => (asBoolean(condition, call) ? whenTrue : whenFalse)),
    greater: fixed(2, ([left, right], call) => compare(call, left, right) > 0),
    greaterOrEquals: fixed(2, ([left, right], call) => compare(call, left, right) >= 0),
    less: fixed(2, ([left, right], call) => compare(call, left, right) < 0),
    lessOrEquals: fixed(2, ([left, right], call) => compare(call, left, right) <= 0),
    coalesce: variadic(1, (args) => args.find((arg) => arg !== null && arg !== undefined) ?? null),
};

const conversionFunctions: Record<string, WdlFunction> = {
    string: fixed(1, ([value]) => toWdlString(value)),
    json: fixed(1, ([value], call) => {
        if (isJsonObject(value) || Array.isArray(value)) return value;
        const text = asString(value, call);
        try {
            return JSON.parse(text) as unknown;
        } catch {
            throw new TemplateError(`The template function 'json' was given text that is not valid JSON: ${JSON.stringify(text.slice(0, 80))}.`);
        }
    }),
    int: fixed(1, ([value]) => {
        if (typeof value === "number" && Number.isInteger(value)) return value;
        if (typeof value === "string" && /^\s*[-+]?\d+\s*$/.test(value)) return Number.parseInt(value, 10);
        throw new TemplateError(`The template function 'int' could not convert ${JSON.stringify(value)} to an integer.`);
    }),
    float: fixed(1, ([value], call) => {
        if (typeof value === "number") return value;
        const parsed = typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
        if (Number.isNaN(parsed)) throw new TemplateError(`The template function '${call.name}' could not convert ${JSON.stringify(value)} to a float.`);
        return parsed;
    }),
    bool: fixed(1, ([value], call) => {
        if (typeof value === "boolean") return value;
        if (typeof value === "number") return value !== 0;
        if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
        throw new TemplateError(`The template function '${call.name}' could not convert ${JSON.stringify(value)} to a boolean.`);
    }),
    array: fixed(1, ([value]) => [value]),
};

function integerAware(result: number, left: number, right: number): number {
    return Number.isInteger(left) && Number.isInteger(right) ? Math.trunc(result) : result;
}

const mathFunctions: Record<string, WdlFunction> = {
    add: fixed(2, ([left, right], call) => asNumber(left, call) + asNumber(right, call)),
    sub: fixed(2, ([left, right], call) => asNumber(left, call) - asNumber(right, call)),
    mul: fixed(2, ([left, right], call) => asNumber(left, call) * asNumber(right, call)),
    div: fixed(2, ([left, right], call) => {
        const dividend = asNumber(left, call);
        const divisor = asNumber(right, call);
        if (divisor === 0) throw new TemplateError("The template function 'div' was asked to divide by zero.");
        return integerAware(dividend / divisor, dividend, divisor);
    }),
    mod: fixed(2, ([left, right], call) => {
        const divisor = asNumber(right, call);
        if (divisor === 0) throw new TemplateError("The template function 'mod' was asked to divide by zero.");
        return asNumber(left, call) % divisor;
    }),
    min: variadic(1, (args, call) => Math.min(...(args.length === 1 ? asArray(args[0], call) : args).map((arg) => asNumber(arg, call)))),
    max: variadic(1, (args, call) => Math.max(...(args.length === 1 ? asArray(args[0], call) : args).map((arg) => asNumber(arg, call)))),
};

/** Only ISO 8601 output is implemented; any other format string is refused rather than guessed. */
function formatTimestamp(date: Date, format: unknown, call: CallSite): string {
    if (format === undefined || format === "o" || format === "O") return date.toISOString().replace("Z", "0000Z");
    if (format === "s") return date.toISOString().slice(0, 19);
    throw new TemplateError(`The replay implements '${call.name}' formats 'o' and 's' only; the definition asked for ${JSON.stringify(format)}.`);
}

const dateFunctions: Record<string, WdlFunction> = {
    utcNow: (args, call) => {
        expectArity(args, call, 0, 1);
        return formatTimestamp(call.now, args[0], call);
    },
    formatDateTime: (args, call) => {
        expectArity(args, call, 1, 2);
        const date = new Date(asString(args[0], call));
        if (Number.isNaN(date.getTime()))
            throw new TemplateError(`The template function 'formatDateTime' was given an invalid timestamp ${JSON.stringify(args[0])}.`);
        return formatTimestamp(date, args[1], call);
    },
};

const pureFunctions = new Map<string, WdlFunction>(
    Object.entries({
        ...stringFunctions,
        ...collectionFunctions,
        ...logicalFunctions,
        ...conversionFunctions,
        ...mathFunctions,
        ...dateFunctions,
    }).map(([name, implementation]) => [name.toLowerCase(), implementation]),
);
