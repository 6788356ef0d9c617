/**
 * Kusto values as the replay engine holds them. Scalars are plain JavaScript values except the two
 * time types, which keep Kusto's 100-nanosecond precision (a JavaScript Date would round to
 * milliseconds, and ingestion-time windows are compared at their edges). A `dynamic` value is its
 * JSON: null, string, number, boolean, array or property bag.
 *
 * Which Kusto type a value has is not stored with it: the binder's static type of the expression
 * says it (a `string` is never null in Kusto, a `dynamic` null is, and `long` division truncates).
 */

/** A Kusto datetime: ticks of 100 ns since 1970-01-01T00:00:00Z (always UTC, as in Kusto). */
export class KustoDateTime {
    constructor(readonly ticks: bigint) {}

    toString(): string {
        return formatDateTime(this);
    }
}

/** A Kusto timespan: a signed number of 100 ns ticks. */
export class KustoTimespan {
    constructor(readonly ticks: bigint) {}

    toString(): string {
        return formatTimespan(this);
    }
}

export type KustoValue = null | string | number | boolean | KustoDateTime | KustoTimespan | KustoValue[] | { [key: string]: KustoValue };

/** A property bag (a JSON object) inside a dynamic value. */
export type KustoBag = { [key: string]: KustoValue };

/** The scalar types of Kusto the engine evaluates. */
export type KustoType = "bool" | "int" | "long" | "real" | "decimal" | "string" | "datetime" | "timespan" | "guid" | "dynamic";

const knownTypes: readonly KustoType[] = ["bool", "int", "long", "real", "decimal", "string", "datetime", "timespan", "guid", "dynamic"];

/** Kusto's spelling of a type (`dynamic`, `boolean`, `double`...) as one of the engine's types, or undefined. */
export function kustoTypeNamed(name: string): KustoType | undefined {
    const aliases: Record<string, KustoType> = { boolean: "bool", double: "real", date: "datetime", time: "timespan", uniqueid: "guid" };
    const normalized = name.startsWith("dynamic") ? "dynamic" : (aliases[name] ?? name);
    return knownTypes.find((t) => t === normalized);
}

export const ticksPerMillisecond = 10_000n;
export const ticksPerSecond = 10_000_000n;
export const ticksPerMinute = 60n * ticksPerSecond;
export const ticksPerHour = 60n * ticksPerMinute;
export const ticksPerDay = 24n * ticksPerHour;

// ---------------------------------------------------------------------------------------------
// Datetime and timespan text
// ---------------------------------------------------------------------------------------------

const isoDateTime = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7})\d*)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses the ISO 8601 forms Kusto and Log Analytics write (`2025-03-01`, `2025-03-01 10:00`,
 * `2025-03-01T10:00:00.1234567Z`, with an optional UTC offset). Text without an offset is UTC, as
 * Kusto reads it. Returns undefined for anything else, including impossible dates.
 */
export function parseDateTime(text: string): KustoDateTime | undefined {
    const match = isoDateTime.exec(text.trim());
    if (!match) {
        return undefined;
    }
    const [, year, month, day, hour = "0", minute = "0", second = "0", fraction = "", zone = "Z"] = match;
    const fields = [year, month, day, hour, minute, second].map(Number);
    const epochMs = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
    const roundTrip = new Date(epochMs);
    if (
        roundTrip.getUTCFullYear() !== fields[0] ||
        roundTrip.getUTCMonth() !== fields[1] - 1 ||
        roundTrip.getUTCDate() !== fields[2] ||
        fields[3] > 23 ||
        fields[4] > 59 ||
        fields[5] > 59
    ) {
        return undefined;
    }
    const fractionTicks = BigInt(fraction.padEnd(7, "0"));
    return new KustoDateTime(BigInt(epochMs) * ticksPerMillisecond + fractionTicks - zoneOffsetTicks(zone));
}

function zoneOffsetTicks(zone: string): bigint {
    if (zone.toUpperCase() === "Z") {
        return 0n;
    }
    const sign = zone.startsWith("-") ? -1n : 1n;
    const digits = zone.slice(1).replace(":", "");
    return sign * (BigInt(digits.slice(0, 2)) * ticksPerHour + BigInt(digits.slice(2)) * ticksPerMinute);
}

/** `2025-03-01T10:00:00Z`, with the fraction of a second (up to 7 digits) only when there is one. */
export function formatDateTime(value: KustoDateTime): string {
    const seconds = floorDivide(value.ticks, ticksPerSecond);
    const fraction = value.ticks - seconds * ticksPerSecond;
    const wholeSeconds = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
    return `${wholeSeconds}${fractionText(fraction)}Z`;
}

/** Kusto's timespan text: `[-][d.]hh:mm:ss[.fffffff]`. */
export function formatTimespan(value: KustoTimespan): string {
    const sign = value.ticks < 0n ? "-" : "";
    let rest = value.ticks < 0n ? -value.ticks : value.ticks;
    const days = rest / ticksPerDay;
    rest -= days * ticksPerDay;
    const hours = rest / ticksPerHour;
    rest -= hours * ticksPerHour;
    const minutes = rest / ticksPerMinute;
    rest -= minutes * ticksPerMinute;
    const seconds = rest / ticksPerSecond;
    const fraction = rest - seconds * ticksPerSecond;
    const clock = [hours, minutes, seconds].map((n) => n.toString().padStart(2, "0")).join(":");
    return `${sign}${days > 0n ? `${days}.` : ""}${clock}${fractionText(fraction)}`;
}

function fractionText(ticks: bigint): string {
    return ticks === 0n ? "" : `.${ticks.toString().padStart(7, "0").replace(/0+$/, "")}`;
}

function floorDivide(a: bigint, b: bigint): bigint {
    const quotient = a / b;
    return a % b !== 0n && a < 0n !== b < 0n ? quotient - 1n : quotient;
}

const timespanUnits: Record<string, bigint> = {
    d: ticksPerDay,
    day: ticksPerDay,
    days: ticksPerDay,
    h: ticksPerHour,
    hr: ticksPerHour,
    hrs: ticksPerHour,
    hour: ticksPerHour,
    hours: ticksPerHour,
    m: ticksPerMinute,
    min: ticksPerMinute,
    minute: ticksPerMinute,
    minutes: ticksPerMinute,
    s: ticksPerSecond,
    sec: ticksPerSecond,
    second: ticksPerSecond,
    seconds: ticksPerSecond,
    ms: ticksPerMillisecond,
    milli: ticksPerMillisecond,
    millis: ticksPerMillisecond,
    millisecond: ticksPerMillisecond,
    milliseconds: ticksPerMillisecond,
    microsecond: 10n,
    microseconds: 10n,
    tick: 1n,
    ticks: 1n,
};

/**
 * Decodes the text of a timespan literal as written in a query: `5m`, `1.5h`, `time(2d)`,
 * `timespan(1.02:03:04)`, `time(00:05:00)`. Returns undefined for anything else.
 */
export function parseTimespanLiteral(text: string): KustoTimespan | undefined {
    const wrapped = /^(?:time|timespan)\s*\(\s*(.*?)\s*\)$/i.exec(text.trim());
    const body = wrapped ? wrapped[1] : text.trim();
    return parseTimespanWithUnit(body) ?? (wrapped ? parseClockTimespan(body) : undefined);
}

function parseTimespanWithUnit(text: string): KustoTimespan | undefined {
    const match = /^(-?)(\d+)(?:\.(\d+))?\s*([a-z]+)$/i.exec(text);
    const unit = match ? timespanUnits[match[4].toLowerCase()] : undefined;
    if (!match || unit === undefined) {
        return undefined;
    }
    // Fractions are exact in decimal, so scale them in integers rather than via floating point.
    const fractionDigits = match[3] ?? "";
    const scale = 10n ** BigInt(fractionDigits.length);
    const magnitude = (BigInt(match[2] + fractionDigits) * unit) / scale;
    return new KustoTimespan(match[1] === "-" ? -magnitude : magnitude);
}

function parseClockTimespan(text: string): KustoTimespan | undefined {
    const match = /^(-?)(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/.exec(text);
    if (!match) {
        return undefined;
    }
    const [, sign, days = "0", hours, minutes, seconds = "0", fraction = ""] = match;
    const magnitude =
        BigInt(days) * ticksPerDay +
        BigInt(hours) * ticksPerHour +
        BigInt(minutes) * ticksPerMinute +
        BigInt(seconds) * ticksPerSecond +
        BigInt(fraction.padEnd(7, "0"));
    return new KustoTimespan(sign === "-" ? -magnitude : magnitude);
}

// ---------------------------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------------------------

export function isBag(value: KustoValue): value is KustoBag {
    return typeof value === "object" && value !== null && !Array.isArray(value) && !isTimeValue(value);
}

function isTimeValue(value: KustoValue): value is KustoDateTime | KustoTimespan {
    return value instanceof KustoDateTime || value instanceof KustoTimespan;
}

/** Kusto's `tostring()`: null is the empty string, a dynamic array or bag is its compact JSON. */
export function valueToString(value: KustoValue): string {
    if (value === null) {
        return "";
    }
    if (typeof value === "string") {
        return value;
    }
    if (typeof value === "number" || typeof value === "boolean" || isTimeValue(value)) {
        return String(value);
    }
    return JSON.stringify(toJson(value));
}

/** The value as JSON for output: times become their Kusto text, dynamic values stay JSON. */
export function toJson(value: KustoValue): unknown {
    if (isTimeValue(value)) {
        return value.toString();
    }
    if (Array.isArray(value)) {
        return value.map(toJson);
    }
    if (isBag(value)) {
        return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toJson(item)]));
    }
    return value;
}

/**
 * Kusto's `parse_json()`: text that is JSON becomes that value; any other text stays a dynamic
 * string (so a role id written with or without its JSON quotes reads the same).
 */
export function parseJsonText(text: string): KustoValue {
    try {
        return JSON.parse(text) as KustoValue;
    } catch {
        return text;
    }
}

// ---------------------------------------------------------------------------------------------
// Dynamic access with Kusto's null behaviour
// ---------------------------------------------------------------------------------------------

/** `d.key` / `d['key']`: the property of a bag, null for anything else or a missing key. */
export function dynamicProperty(base: KustoValue, key: string): KustoValue {
    return isBag(base) && Object.prototype.hasOwnProperty.call(base, key) ? base[key] : null;
}

/** `d[i]`: an array element (negative counts from the end), null when out of range or not an array. */
export function dynamicIndex(base: KustoValue, index: number): KustoValue {
    if (!Array.isArray(base) || !Number.isInteger(index)) {
        return null;
    }
    const position = index < 0 ? base.length + index : index;
    return position >= 0 && position < base.length ? base[position] : null;
}

// ---------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------

/**
 * Orders two non-null values of the same kind: negative, zero or positive. Strings compare
 * ordinally (as Kusto sorts them); values of different kinds are not comparable (undefined).
 */
export function compareValues(a: KustoValue, b: KustoValue): number | undefined {
    if (typeof a === "number" && typeof b === "number") {
        return a - b;
    }
    if (typeof a === "string" && typeof b === "string") {
        return a < b ? -1 : a > b ? 1 : 0;
    }
    if (typeof a === "boolean" && typeof b === "boolean") {
        return Number(a) - Number(b);
    }
    if ((a instanceof KustoDateTime && b instanceof KustoDateTime) || (a instanceof KustoTimespan && b instanceof KustoTimespan)) {
        return a.ticks < b.ticks ? -1 : a.ticks > b.ticks ? 1 : 0;
    }
    return undefined;
}

/** Deep equality of two values (dynamic arrays and bags by content); strings optionally ignoring case. */
export function valuesEqual(a: KustoValue, b: KustoValue, ignoreCase = false): boolean {
    if (typeof a === "string" && typeof b === "string") {
        return ignoreCase ? a.toLowerCase() === b.toLowerCase() : a === b;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
        return a.length === b.length && a.every((item, i) => valuesEqual(item, b[i], ignoreCase));
    }
    if (isBag(a) && isBag(b)) {
        const keys = Object.keys(a);
        return keys.length === Object.keys(b).length && keys.every((key) => key in b && valuesEqual(a[key], b[key], ignoreCase));
    }
    if (a === null || b === null) {
        return a === b;
    }
    return compareValues(a, b) === 0;
}

/** A string that is equal for equal values: grouping keys for summarize, distinct and join. */
export function valueKey(value: KustoValue): string {
    if (value instanceof KustoDateTime) {
        return `datetime:${value.ticks}`;
    }
    if (value instanceof KustoTimespan) {
        return `timespan:${value.ticks}`;
    }
    return JSON.stringify(toJson(value)) ?? "null";
}
