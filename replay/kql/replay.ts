/**
 * Replays a pimguard query offline: compiles it with Kusto.Language against the AuditLogs and
 * watchlist schema of `../analysis`, then evaluates it on recorded AuditLogs rows and watchlist
 * CSVs at a fixed "now".
 */
import * as fs from "fs";
import { KqlDiagnostic, KustoCodeHandle, auditLogsColumns, lineAndColumn, listItems, parseAndAnalyzeKql } from "./analysis";
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
    /** Names the records in messages (e.g. their file name). */
    readonly recordsOrigin?: string;
}

/** One result row: column name to JSON value, in the query's column order. */
export type ResultRow = Record<string, unknown>;

/** Evaluates `queryText` on `records` (parsed JSON: an array of AuditLogs rows). */
export function replayKql(queryText: string, records: unknown, options: ReplayOptions = {}): ResultRow[] {
    const code = parseAndAnalyzeKql(queryText);
    const errors = compileErrors(queryText, code.GetDiagnostics());
    if (errors.length > 0) {
        throw new ReplayError(`the query does not compile:\n${errors.map((e) => `  line ${e.line}, column ${e.column}: ${e.message}`).join("\n")}`);
    }
    const auditLogs = recordsTable(records, typedColumns(auditLogsColumns), options.recordsOrigin ?? "records");
    const now = options.now === undefined ? latestIngestion(auditLogs) : parseNow(options.now);
    const result = evaluateQuery(code, {
        tables: new Map([["AuditLogs", auditLogs]]),
        watchlists: watchlistTables(options.watchlists ?? {}, now),
        now,
    });
    return resultRows(result);
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

function parseNow(text: string): KustoDateTime {
    const now = parseDateTime(text);
    if (now === undefined) {
        throw new ReplayError(`"now" must be an ISO 8601 datetime such as 2025-03-01T10:05:00Z, not ${JSON.stringify(text)}`);
    }
    return now;
}

function latestIngestion(table: Table): KustoDateTime {
    const times = table.rows.map((r) => r.ingestionTime).filter((t): t is KustoDateTime => t !== null);
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
