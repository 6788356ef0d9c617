/**
 * Kusto's scalar functions, as far as pimguard's queries (and queries like them) use them. Each
 * receives its evaluated arguments with their bound types. A function not listed here is reported
 * by the engine as unsupported, never approximated.
 */
import { ReplayError } from "./errors";
import {
    KustoBag,
    KustoDateTime,
    KustoTimespan,
    KustoType,
    KustoValue,
    isBag,
    parseDateTime,
    parseJsonText,
    valueKey,
    valueToString,
    valuesEqual,
} from "./values";

export interface Argument {
    readonly value: KustoValue;
    readonly type: KustoType;
}

export interface CallContext {
    /** The fixed "now" of the replay. */
    readonly now: KustoDateTime;
    /** The bound type of the call's result. */
    readonly resultType: KustoType;
    /** The ingestion time of the row being evaluated. */
    ingestionTime(): KustoDateTime;
}

export type ScalarFunction = (args: readonly Argument[], context: CallContext) => KustoValue;

// ---------------------------------------------------------------------------------------------
// Argument conversions
// ---------------------------------------------------------------------------------------------

function text(arg: Argument): string {
    return valueToString(arg.value);
}

function numberOrNull(arg: Argument): number | null {
    return typeof arg.value === "number" ? arg.value : null;
}

/** Kusto's regular expressions are RE2; the common subset reads the same in JavaScript. */
export function kustoRegex(pattern: string, flags = ""): RegExp {
    const caseInsensitive = pattern.startsWith("(?i)");
    try {
        return new RegExp(caseInsensitive ? pattern.slice(4) : pattern, flags + (caseInsensitive ? "i" : ""));
    } catch (error) {
        throw new ReplayError(`regular expression ${JSON.stringify(pattern)} cannot be evaluated: ${(error as Error).message}`);
    }
}

function isEmptyValue(value: KustoValue): boolean {
    return value === null || value === "";
}

// ---------------------------------------------------------------------------------------------
// Conversions between types
// ---------------------------------------------------------------------------------------------

function toDynamic([arg]: readonly Argument[]): KustoValue {
    return arg.type === "string" ? parseJsonText(arg.value as string) : arg.value;
}

function toDateTime([arg]: readonly Argument[]): KustoValue {
    if (arg.value instanceof KustoDateTime || arg.value === null) {
        return arg.value;
    }
    return typeof arg.value === "string" ? (parseDateTime(arg.value) ?? null) : null;
}

function toWholeNumber([arg]: readonly Argument[]): KustoValue {
    const { value } = arg;
    if (typeof value === "number") {
        return Math.trunc(value);
    }
    if (typeof value === "boolean") {
        return value ? 1 : 0;
    }
    if (typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value)) {
        return Number.parseInt(value, 10);
    }
    return null;
}

function toReal([arg]: readonly Argument[]): KustoValue {
    const { value } = arg;
    if (typeof value === "number") {
        return value;
    }
    if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
        return Number(value);
    }
    return null;
}

function toBool([arg]: readonly Argument[]): KustoValue {
    const { value } = arg;
    if (typeof value === "boolean") {
        return value;
    }
    if (typeof value === "number") {
        return value !== 0;
    }
    if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) {
        return value.trim().toLowerCase() === "true";
    }
    return null;
}

// ---------------------------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------------------------

function trimBoth(args: readonly Argument[]): KustoValue {
    return trimEnd([args[0], { value: trimStart(args), type: "string" }]);
}

function trimStart([pattern, source]: readonly Argument[]): string {
    return text(source).replace(kustoRegex(`^(?:${text(pattern)})+`), "");
}

function trimEnd([pattern, source]: readonly Argument[]): string {
    return text(source).replace(kustoRegex(`(?:${text(pattern)})+$`), "");
}

function split([source, delimiter, index]: readonly Argument[]): KustoValue {
    const parts = text(source).split(text(delimiter));
    if (index === undefined) {
        return parts;
    }
    const position = numberOrNull(index);
    return position !== null && position >= 0 && position < parts.length ? [parts[position]] : [];
}

function substring([source, start, length]: readonly Argument[]): KustoValue {
    const value = text(source);
    const from = Math.max(0, numberOrNull(start) ?? 0);
    const count = length === undefined ? value.length : (numberOrNull(length) ?? value.length);
    return value.substr(from, Math.max(0, count));
}

function extract([pattern, group, source]: readonly Argument[]): KustoValue {
    const match = kustoRegex(text(pattern)).exec(text(source));
    const index = numberOrNull(group) ?? 0;
    return match && match[index] !== undefined ? match[index] : "";
}

function indexOf([source, lookup]: readonly Argument[]): KustoValue {
    return text(source).indexOf(text(lookup));
}

// ---------------------------------------------------------------------------------------------
// Dynamic arrays and bags
// ---------------------------------------------------------------------------------------------

/** `strcat_array(array, delimiter)`: the elements as text, joined; not an array gives "". */
function strcatArray([array, delimiter]: readonly Argument[]): KustoValue {
    return Array.isArray(array.value) ? array.value.map(valueToString).join(text(delimiter)) : "";
}

function arrayLength([arg]: readonly Argument[]): KustoValue {
    return Array.isArray(arg.value) ? arg.value.length : null;
}

function bagPack(args: readonly Argument[]): KustoValue {
    const bag: KustoBag = {};
    for (let i = 0; i + 1 < args.length; i += 2) {
        bag[text(args[i])] = args[i + 1].value;
    }
    return bag;
}

function bagKeys([arg]: readonly Argument[]): KustoValue {
    return isBag(arg.value) ? Object.keys(arg.value) : null;
}

function arrayConcat(args: readonly Argument[]): KustoValue {
    if (!args.every((a) => Array.isArray(a.value))) {
        return null;
    }
    return args.flatMap((a) => a.value as KustoValue[]);
}

function setUnion(args: readonly Argument[]): KustoValue {
    const all = arrayConcat(args);
    return Array.isArray(all) ? distinctValues(all) : null;
}

export function distinctValues(values: readonly KustoValue[]): KustoValue[] {
    const seen = new Set<string>();
    return values.filter((value) => {
        const key = valueKey(value);
        const isNew = !seen.has(key);
        seen.add(key);
        return isNew;
    });
}

function arrayIndexOf([array, lookup]: readonly Argument[]): KustoValue {
    return Array.isArray(array.value) ? array.value.findIndex((item) => valuesEqual(item, lookup.value)) : null;
}

function setHasElement(args: readonly Argument[]): KustoValue {
    const index = arrayIndexOf(args);
    return index === null ? null : (index as number) >= 0;
}

// ---------------------------------------------------------------------------------------------
// Logic and choice
// ---------------------------------------------------------------------------------------------

function iff([condition, whenTrue, whenFalse]: readonly Argument[]): KustoValue {
    return condition.value === true ? whenTrue.value : whenFalse.value;
}

function kustoCase(args: readonly Argument[]): KustoValue {
    for (let i = 0; i + 1 < args.length; i += 2) {
        if (args[i].value === true) {
            return args[i + 1].value;
        }
    }
    return args[args.length - 1].value;
}

/** The first argument that is not null (for strings: not empty). */
function coalesce(args: readonly Argument[], context: CallContext): KustoValue {
    const found = args.find((a) => a.value !== null && !(a.type === "string" && a.value === ""));
    return found ? found.value : context.resultType === "string" ? "" : null;
}

function not([arg]: readonly Argument[]): KustoValue {
    return arg.value === null ? null : !arg.value;
}

function extreme(pick: (comparison: number) => boolean): ScalarFunction {
    return (args) => {
        let best: KustoValue = null;
        for (const { value } of args) {
            if (value === null) {
                continue;
            }
            if (best === null || pick(compareForExtreme(value, best))) {
                best = value;
            }
        }
        return best;
    };
}

function compareForExtreme(a: KustoValue, b: KustoValue): number {
    if (typeof a === "number" && typeof b === "number") {
        return a - b;
    }
    if (a instanceof KustoDateTime && b instanceof KustoDateTime) {
        return Number(a.ticks - b.ticks);
    }
    return valueToString(a) < valueToString(b) ? -1 : valueToString(a) > valueToString(b) ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

function ago([span]: readonly Argument[], context: CallContext): KustoValue {
    return span.value instanceof KustoTimespan ? new KustoDateTime(context.now.ticks - span.value.ticks) : null;
}

function now(args: readonly Argument[], context: CallContext): KustoValue {
    const offset = args[0]?.value;
    return offset instanceof KustoTimespan ? new KustoDateTime(context.now.ticks + offset.ticks) : context.now;
}

/** `bin(value, size)`: rounds down to a multiple of size (numbers, datetimes, timespans). */
function bin([value, size]: readonly Argument[]): KustoValue {
    const v = value.value;
    const s = size.value;
    if (typeof v === "number" && typeof s === "number" && s > 0) {
        return Math.floor(v / s) * s;
    }
    if ((v instanceof KustoDateTime || v instanceof KustoTimespan) && s instanceof KustoTimespan && s.ticks > 0n) {
        const remainder = ((v.ticks % s.ticks) + s.ticks) % s.ticks;
        return v instanceof KustoDateTime ? new KustoDateTime(v.ticks - remainder) : new KustoTimespan(v.ticks - remainder);
    }
    return null;
}

// ---------------------------------------------------------------------------------------------
// The table of functions
// ---------------------------------------------------------------------------------------------

const minOf = extreme((c) => c < 0);
const maxOf = extreme((c) => c > 0);

export const scalarFunctions: ReadonlyMap<string, ScalarFunction> = new Map<string, ScalarFunction>([
    ["tostring", ([a]) => text(a)],
    ["todynamic", toDynamic],
    ["parse_json", toDynamic],
    ["todatetime", toDateTime],
    ["tolong", toWholeNumber],
    ["toint", toWholeNumber],
    ["toreal", toReal],
    ["todouble", toReal],
    ["tobool", toBool],
    ["toboolean", toBool],
    ["tolower", ([a]) => text(a).toLowerCase()],
    ["toupper", ([a]) => text(a).toUpperCase()],
    ["trim", trimBoth],
    ["trim_start", trimStart],
    ["trim_end", trimEnd],
    ["strcat", (args) => args.map(text).join("")],
    ["strcat_array", strcatArray],
    ["strlen", ([a]) => text(a).length],
    ["substring", substring],
    ["replace_string", ([s, lookup, rewrite]) => text(s).split(text(lookup)).join(text(rewrite))],
    ["extract", extract],
    ["indexof", indexOf],
    ["split", split],
    ["isempty", ([a]) => isEmptyValue(a.value)],
    ["isnotempty", ([a]) => !isEmptyValue(a.value)],
    ["isnull", ([a]) => a.value === null],
    ["isnotnull", ([a]) => a.value !== null],
    ["iff", iff],
    ["iif", iff],
    ["case", kustoCase],
    ["coalesce", coalesce],
    ["not", not],
    ["min_of", minOf],
    ["max_of", maxOf],
    ["array_length", arrayLength],
    ["array_concat", arrayConcat],
    ["array_index_of", arrayIndexOf],
    ["set_union", setUnion],
    ["set_has_element", setHasElement],
    ["pack", bagPack],
    ["bag_pack", bagPack],
    ["pack_array", (args) => args.map((a) => a.value)],
    ["bag_keys", bagKeys],
    ["ago", ago],
    ["now", now],
    ["ingestion_time", (_args, context) => context.ingestionTime()],
    ["bin", bin],
    ["floor", bin],
]);
