/**
 * Watchlists given as CSV text (a header, then one line per item), shaped as Sentinel's
 * `_GetWatchlist(alias)` is sure to return them: `_DTItemId`, `LastUpdatedTimeUTC`, `SearchKey`
 * (the value of the search-key column - the first column in pimguard's watchlists) and
 * `WatchlistItem` (the item as a property bag). The item's own columns are not separate
 * columns: Sentinel unpacks them only when there are items (see watchlistSystemColumns).
 */
import { WatchlistAlias, watchlistCsvColumns, watchlistSystemColumns } from "./analysis";
import { ReplayError } from "./errors";
import { typedColumns } from "./records";
import { Table, row } from "./table";
import { KustoBag, KustoDateTime } from "./values";

/**
 * Splits simple CSV (RFC 4180): comma-separated fields, optionally in double quotes, `""` for a
 * quote inside quotes; LF or CRLF line ends. Blank lines are skipped.
 */
export function parseCsv(text: string, origin: string): string[][] {
    const records: string[][] = [];
    let fields: string[] = [];
    let field = "";
    let quoted = false;
    let fieldStarted = false;
    const endField = (): void => {
        fields.push(field);
        field = "";
        fieldStarted = false;
    };
    const endRecord = (): void => {
        endField();
        if (fields.length > 1 || fields[0] !== "") {
            records.push(fields);
        }
        fields = [];
    };
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quoted) {
            if (c === '"' && text[i + 1] === '"') {
                field += '"';
                i++;
            } else if (c === '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c === '"' && !fieldStarted) {
            quoted = true;
            fieldStarted = true;
        } else if (c === '"') {
            throw new ReplayError(`${origin}: a quote inside an unquoted field on line ${lineOf(text, i)}`);
        } else if (c === ",") {
            endField();
        } else if (c === "\n" || c === "\r") {
            if (c === "\r" && text[i + 1] === "\n") {
                i++;
            }
            endRecord();
        } else {
            field += c;
            fieldStarted = true;
        }
    }
    if (quoted) {
        throw new ReplayError(`${origin}: a quoted field is not closed`);
    }
    endRecord();
    return records;
}

function lineOf(text: string, offset: number): number {
    return text.slice(0, offset).split("\n").length;
}

export function isWatchlistAlias(alias: string): alias is WatchlistAlias {
    return Object.prototype.hasOwnProperty.call(watchlistCsvColumns, alias);
}

/** The rows `_GetWatchlist(alias)` returns for a watchlist uploaded from `csvText`. */
export function watchlistTable(alias: WatchlistAlias, csvText: string, lastUpdated: KustoDateTime, origin: string): Table {
    const [header, ...items] = parseCsv(csvText, origin);
    const expected = watchlistCsvColumns[alias];
    if (header === undefined || header.join(",") !== expected.join(",")) {
        throw new ReplayError(`${origin}: the ${alias} watchlist's header must be ${expected.join(",")}, not ${header?.join(",") ?? "(empty file)"}`);
    }
    const rows = items.map((fields, index) => {
        if (fields.length !== header.length) {
            throw new ReplayError(`${origin}: item ${index + 1} has ${fields.length} fields, the header ${header.length}`);
        }
        const item: KustoBag = Object.fromEntries(header.map((name, i) => [name, fields[i]]));
        return row({
            _DTItemId: `${alias}-${index + 1}`,
            LastUpdatedTimeUTC: lastUpdated,
            SearchKey: fields[0],
            WatchlistItem: item,
        });
    });
    return { columns: typedColumns(watchlistSystemColumns), rows };
}
