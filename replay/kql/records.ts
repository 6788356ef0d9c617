/**
 * Recorded table rows (a JSON array of objects under Log Analytics column names) as a typed
 * table. Every value must fit its column's type and every key must be a column: a misspelt key
 * in a fixture would otherwise read as an empty value and make a "no alert" test pass for the
 * wrong reason.
 */
import { KqlColumn } from "./analysis";
import { ReplayError } from "./errors";
import { Column } from "./syntax";
import { Row, RowValues, Table, missingValue, row } from "./table";
import { KustoDateTime, KustoType, KustoValue, kustoTypeNamed, parseDateTime } from "./values";

/** The optional per-record key holding when Log Analytics ingested it (default: its TimeGenerated). */
export const ingestionTimeKey = "_IngestionTime";

export function typedColumns(columns: readonly KqlColumn[]): Column[] {
    return columns.map((c) => {
        const type = kustoTypeNamed(c.type);
        if (type === undefined) {
            throw new Error(`column ${c.name} has type ${c.type}, which the replay does not read`);
        }
        return { name: c.name, type };
    });
}

/**
 * Reads `records` (parsed JSON) as rows of a table with `columns`. `origin` names the input in
 * messages (e.g. the file name). Datetimes are ISO 8601 text; a dynamic column may hold JSON or,
 * as exports write it, the JSON as a string.
 */
export function recordsTable(records: unknown, columns: readonly Column[], origin: string): Table {
    if (!Array.isArray(records)) {
        throw new ReplayError(`${origin}: expected a JSON array of records`);
    }
    const byName = new Map(columns.map((c) => [c.name, c]));
    const rows = records.map((record, index) => recordRow(record, byName, `${origin}: record ${index + 1}`));
    return { columns, rows };
}

function recordRow(record: unknown, columns: ReadonlyMap<string, Column>, where: string): Row {
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
        throw new ReplayError(`${where} is not a JSON object`);
    }
    const fields = record as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
        if (key !== ingestionTimeKey && !columns.has(key)) {
            throw new ReplayError(`${where} has "${key}", which is not a column of the table (nor ${ingestionTimeKey})`);
        }
    }
    const values: RowValues = {};
    for (const column of columns.values()) {
        values[column.name] = fieldValue(fields[column.name], column.type, `${where}, ${column.name}`);
    }
    const ingestionTime =
        fields[ingestionTimeKey] === undefined ? values.TimeGenerated : fieldValue(fields[ingestionTimeKey], "datetime", `${where}, ${ingestionTimeKey}`);
    if (!(ingestionTime instanceof KustoDateTime)) {
        throw new ReplayError(`${where} needs a TimeGenerated or an ${ingestionTimeKey}`);
    }
    return row(values, ingestionTime);
}

function fieldValue(value: unknown, type: KustoType, where: string): KustoValue {
    if (value === undefined || value === null) {
        return missingValue(type);
    }
    const converted = convert(value, type);
    if (converted === undefined) {
        throw new ReplayError(`${where}: ${JSON.stringify(value)} is not a valid ${type}`);
    }
    return converted;
}

function convert(value: unknown, type: KustoType): KustoValue | undefined {
    switch (type) {
        case "string":
        case "guid":
            return typeof value === "string" ? value : undefined;
        case "datetime":
            return typeof value === "string" ? parseDateTime(value) : undefined;
        case "long":
        case "int":
            return typeof value === "number" && Number.isSafeInteger(value) ? value : undefined;
        case "real":
            return typeof value === "number" ? value : undefined;
        case "bool":
            return typeof value === "boolean" ? value : undefined;
        case "dynamic":
            return dynamicField(value);
        default:
            return undefined;
    }
}

/** JSON as is; a string holding a JSON object or array (as exports write dynamic columns) is parsed. */
function dynamicField(value: unknown): KustoValue {
    if (typeof value === "string" && /^\s*[[{]/.test(value)) {
        try {
            return JSON.parse(value) as KustoValue;
        } catch {
            return value;
        }
    }
    return value as KustoValue;
}
