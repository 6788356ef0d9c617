/**
 * Replays a pimguard query offline: compiles it with Kusto.Language against the workspace schema
 * of `../analysis` (AuditLogs, AzureActivity, SentinelHealth and the watchlists), then evaluates it
 * on recorded rows and watchlist CSVs at a fixed "now".
 *
 * `replayKql` compiles and evaluates in one call. A caller running the same query many times (the
 * bench, rule run after rule run) compiles once with `compileKql` and reads the records once with
 * `readRecords`: compiling is what costs.
 */
import * as fs from "fs";
import { KqlDiagnostic, KustoCodeHandle, lineAndColumn, listItems, parseAndAnalyzeKql, workspaceTables } from "./analysis";
import { evaluateQuery } from "./engine";
import { ReplayError } from "./errors";
import { recordsTable, typedColumns } from "./records";
import { Table } from "./table";
import { KustoDateTime, parseDateTime, toJson } from "./values";
import { isWatchlistAlias, watchlistTable } from "./watchlist";

export interface ReplayOptions {
    /** CSV text per watchlist alias; an alias not given reads as an empty watchlist. */
    readonly watchlists?: Readonly<Record<string, string>>;
    /**
     * The moment the query runs (`now()`, `ago()`); records ingested after it are not visible yet.
     * Default: the latest ingestion time among the records (a run right after the last arrived).
     */
    readonly now?: string;
    /**
     * Only records ingested after this moment are in the tables: how Sentinel runs a
     * near-real-time (NRT) rule, on what was ingested since its previous run. Default: no bound.
     */
    readonly ingestedAfter?: string;
    /** Names the records in messages (e.g. their file name). */
    readonly recordsOrigin?: string;
}

/** One result row: column name to JSON value, in the query's column order. */
export type ResultRow = Record<string, unknown>;

/** Recorded rows of workspace tables, typed and checked once (see `readRecords`). */
export class RecordedTables {
    constructor(readonly tables: ReadonlyMap<string, Table>) {}
}

/** A query compiled once, to be evaluated on many sets of records or at many moments. */
export interface CompiledKql {
    readonly text: string;
    /** Evaluates the query; `records` as `replayKql` takes them, or read once with `readRecords`. */
    run(records: unknown, options?: ReplayOptions): ResultRow[];
}

/**
 * Evaluates `queryText` on `records` (parsed JSON): an array of AuditLogs rows, or an object
 * mapping table names (`AuditLogs`, `AzureActivity`, `SentinelHealth`) to arrays of their rows.
 * A table not given is one the workspace does not have.
 */
export function replayKql(queryText: string, records: unknown, options: ReplayOptions = {}): ResultRow[] {
    return compileKql(queryText).run(records, options);
}

/** Compiles `queryText`; throws a ReplayError listing the compiler's errors. */
export function compileKql(queryText: string): CompiledKql {
    const code = parseAndAnalyzeKql(queryText);
    const errors = compileErrors(queryText, code.GetDiagnostics());
    if (errors.length > 0) {
        throw new ReplayError(`the query does not compile:\n${errors.map((e) => `  line ${e.line}, column ${e.column}: ${e.message}`).join("\n")}`);
    }
    return {
        text: queryText,
        run(records, options = {}) {
            const tables = records instanceof RecordedTables ? records : readRecords(records, options.recordsOrigin ?? "records");
            const now = options.now === undefined ? latestIngestion(tables) : parseMoment(options.now, "now");
            const result = evaluateQuery(code, {
                tables: tables.tables,
                watchlists: watchlistTables(options.watchlists ?? {}, now),
                now,
                ingestedAfter: options.ingestedAfter === undefined ? undefined : parseMoment(options.ingestedAfter, "ingestedAfter"),
            });
            return resultRows(result);
        },
    };
}

/**
 * Reads recorded rows (parsed JSON, as `replayKql` takes them) into typed tables, checking every
 * value against its column: a misspelt key or a value of the wrong type is an error.
 */
export function readRecords(records: unknown, origin: string): RecordedTables {
    const byTable: Record<string, unknown> = Array.isArray(records) ? { AuditLogs: records } : asTableMap(records, origin);
    const tables = new Map<string, Table>();
    for (const [name, rows] of Object.entries(byTable)) {
        const columns = workspaceTables[name];
        if (columns === undefined) {
            throw new ReplayError(`${origin}: "${name}" is not a table the replay knows; known: ${Object.keys(workspaceTables).join(", ")}`);
        }
        tables.set(name, recordsTable(rows, typedColumns(columns), Array.isArray(records) ? origin : `${origin}: ${name}`));
    }
    return new RecordedTables(tables);
}

function asTableMap(records: unknown, origin: string): Record<string, unknown> {
    if (typeof records !== "object" || records === null) {
        throw new ReplayError(`${origin}: expected a JSON array of AuditLogs rows, or an object of table names to arrays of rows`);
    }
    return records as Record<string, unknown>;
}

/** Like `replayKql`, reading the records from a JSON file. */
export function replayKqlFile(queryText: string, recordsPath: string, options: ReplayOptions = {}): ResultRow[] {
    return replayKql(queryText, readJsonFile(recordsPath), { recordsOrigin: recordsPath, ...options });
}

export function readJsonFile(path: string): unknown {
    const text = readTextFile(path);
    try {
        return JSON.parse(text);
    } catch (error) {
        throw new ReplayError(`${path} is not valid JSON: ${(error as Error).message}`);
    }
}

export function readTextFile(path: string): string {
    try {
        return fs.readFileSync(path, "utf8");
    } catch (error) {
        throw new ReplayError(`cannot read ${path}: ${(error as Error).message}`);
    }
}

function compileErrors(text: string, diagnostics: ReturnType<KustoCodeHandle["GetDiagnostics"]>): KqlDiagnostic[] {
    return listItems(diagnostics)
        .filter((d) => (d.Severity ?? "Error") === "Error")
        .map((d) => ({ severity: "Error", code: d.Code ?? "", message: d.Message ?? "", ...lineAndColumn(text, d.HasLocation ? d.Start : 0) }));
}

function parseMoment(text: string, what: string): KustoDateTime {
    const moment = parseDateTime(text);
    if (moment === undefined) {
        throw new ReplayError(`"${what}" must be an ISO 8601 datetime such as 2025-03-01T10:05:00Z, not ${JSON.stringify(text)}`);
    }
    return moment;
}

function latestIngestion(recorded: RecordedTables): KustoDateTime {
    const times = [...recorded.tables.values()].flatMap((table) => table.rows.map((r) => r.ingestionTime)).filter((t): t is KustoDateTime => t !== null);
    if (times.length === 0) {
        return new KustoDateTime(BigInt(Date.now()) * 10_000n);
    }
    return times.reduce((latest, t) => (t.ticks > latest.ticks ? t : latest));
}

function watchlistTables(csvByAlias: Readonly<Record<string, string>>, now: KustoDateTime): Map<string, Table> {
    return new Map(
        Object.entries(csvByAlias).map(([alias, csv]) => {
            if (!isWatchlistAlias(alias)) {
                throw new ReplayError(`unknown watchlist alias ${alias}`);
            }
            return [alias, watchlistTable(alias, csv, now, `watchlist ${alias}`)];
        }),
    );
}

function resultRows(table: Table): ResultRow[] {
    return table.rows.map((r) => Object.fromEntries(table.columns.map((c) => [c.name, toJson(r.values[c.name])])));
}
