import * as pulumi from "@pulumi/pulumi";
import * as securityinsights from "@pulumi/azure-native/securityinsights";

/** Where a Sentinel-enabled Log Analytics workspace lives. */
export interface SentinelWorkspace {
    /** The Log Analytics workspace's name. */
    name: pulumi.Input<string>;
    /** Its resource group. */
    resourceGroupName: pulumi.Input<string>;
}

export interface SentinelWatchlistArgs {
    /** The Sentinel workspace the watchlist belongs to. */
    workspace: SentinelWorkspace;
    /** The alias queries use in `_GetWatchlist('<alias>')`; also the resource name, so it stays stable. */
    alias: string;
    /** The name Sentinel shows for the watchlist. */
    displayName: string;
    /** Shown in Sentinel; say who manages the list. */
    description: string;
    /** CSV header, in order. */
    columns: string[];
    /** The column Sentinel indexes as `SearchKey`: what queries join on. */
    searchKey: string;
    /** One object per row, keyed by column. May be empty: the watchlist then holds only its header. */
    rows: Record<string, string>[];
}

/** A Sentinel watchlist uploaded as CSV from typed rows. */
export class SentinelWatchlist extends pulumi.ComponentResource {
    public readonly alias: string;
    public readonly watchlist: securityinsights.Watchlist;

    constructor(name: string, args: SentinelWatchlistArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pimguard:index:SentinelWatchlist", name, {}, opts);
        assertSearchKeyIsAColumn(args);
        this.alias = args.alias;

        this.watchlist = new securityinsights.Watchlist(
            name,
            {
                workspaceName: args.workspace.name,
                resourceGroupName: args.workspace.resourceGroupName,
                watchlistAlias: args.alias,
                displayName: args.displayName,
                description: args.description,
                provider: "pimguard",
                source: `${args.alias}.csv`,
                sourceType: securityinsights.SourceType.Local,
                contentType: "text/csv",
                numberOfLinesToSkip: 0,
                itemsSearchKey: args.searchKey,
                rawContent: watchlistCsv(args.columns, args.rows),
            },
            // How Sentinel merges changed rawContent into existing items is undocumented; a
            // replacement makes the items exactly the config. The alias is the identity, so the
            // old list must go first (queries see no rows for that moment; the playbook still
            // has its own copy of the exemptions).
            { parent: this, replaceOnChanges: ["rawContent"], deleteBeforeReplace: true },
        );

        this.registerOutputs({ alias: this.alias, watchlistId: this.watchlist.id });
    }
}

/** CSV text with a header row; fields quoted when they need it (RFC 4180). */
export function watchlistCsv(columns: string[], rows: Record<string, string>[]): string {
    const lines = [columns.map(csvField).join(",")];
    for (const row of rows) {
        lines.push(columns.map((column) => csvField(row[column] ?? "")).join(","));
    }
    return lines.join("\r\n") + "\r\n";
}

function csvField(value: string): string {
    return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function assertSearchKeyIsAColumn(args: SentinelWatchlistArgs): void {
    if (!args.columns.includes(args.searchKey)) {
        throw new Error(`watchlist ${args.alias}: search key ${args.searchKey} is not one of its columns (${args.columns.join(", ")})`);
    }
}
