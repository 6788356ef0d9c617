import * as pulumi from "@pulumi/pulumi";
import * as securityinsights from "@pulumi/azure-native/securityinsights";
import { deterministicGuid } from "./deterministic-guid";

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
    /** The name Sentinel shows: 3-64 letters, digits, spaces, hyphens or underscores, starting and ending with a letter or digit. */
    displayName: string;
    /** Shown in Sentinel; say who manages the list. */
    description: string;
    /** The columns of every row, in order. */
    columns: string[];
    /** The column Sentinel indexes as `SearchKey`: what queries join on. Its values must be unique. */
    searchKey: string;
    /** One object per row, keyed by column. May be empty: the watchlist then has no items. */
    rows: Record<string, string>[];
}

/**
 * Sentinel's rule for watchlist display names (watchlists-create docs): 3 to 64 characters;
 * letters, digits, spaces, hyphens and underscores; starting and ending with a letter or digit.
 */
const displayNamePattern = /^[A-Za-z0-9](?:[A-Za-z0-9 _-]{1,62})[A-Za-z0-9]$/;

/** Sentinel's limit on one watchlist item (watchlists docs: "10 KB per row"). */
export const maxWatchlistRowBytes = 10 * 1024;

/**
 * A Sentinel watchlist whose rows are one `WatchlistItem` resource each. Sentinel refuses an
 * upload with no data rows, and re-uploading CSV content only ever appends; items instead
 * deploy with zero rows and change one at a time, so the list is never empty in between.
 */
export class SentinelWatchlist extends pulumi.ComponentResource {
    public readonly alias: string;
    public readonly watchlist: securityinsights.Watchlist;
    /** One per row, in the order given. */
    public readonly items: securityinsights.WatchlistItem[];

    constructor(name: string, args: SentinelWatchlistArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pimguard:index:SentinelWatchlist", name, {}, opts);
        checkWatchlistArgs(args);
        this.alias = args.alias;

        this.watchlist = new securityinsights.Watchlist(
            name,
            {
                workspaceName: args.workspace.name,
                resourceGroupName: args.workspace.resourceGroupName,
                watchlistAlias: args.alias,
                displayName: args.displayName,
                description: args.description,
                // Terraform's azurerm_sentinel_watchlist sends this value: the API's only provider.
                provider: "Microsoft",
                itemsSearchKey: args.searchKey,
            },
            { parent: this },
        );
        this.items = args.rows.map((row) => this.declareItem(name, args, row));

        this.registerOutputs({ alias: this.alias, watchlistId: this.watchlist.id, itemCount: this.items.length });
    }

    /** The item's id derives from its search key, so a row keeps its id (and its resource) across changes. */
    private declareItem(name: string, args: SentinelWatchlistArgs, row: Record<string, string>): securityinsights.WatchlistItem {
        const key = row[args.searchKey]!.toLowerCase();
        return new securityinsights.WatchlistItem(
            `${name}-${key}`,
            {
                workspaceName: args.workspace.name,
                resourceGroupName: args.workspace.resourceGroupName,
                // The watchlist's output, so each item waits for its watchlist.
                watchlistAlias: this.watchlist.watchlistAlias.apply((alias) => alias ?? args.alias),
                watchlistItemId: watchlistItemId(args.alias, key),
                itemsKeyValue: Object.fromEntries(args.columns.map((column) => [column, row[column] ?? ""])),
            },
            { parent: this },
        );
    }
}

/** The GUID of the item whose search key is `searchKeyValue` (case-insensitive). */
export function watchlistItemId(alias: string, searchKeyValue: string): string {
    return deterministicGuid("watchlist-item", alias.toLowerCase(), searchKeyValue.toLowerCase());
}

/** Everything Sentinel would refuse at deploy time, refused here with the watchlist named. */
function checkWatchlistArgs(args: SentinelWatchlistArgs): void {
    const problems: string[] = [];
    if (!displayNamePattern.test(args.displayName)) {
        problems.push(
            `display name ${JSON.stringify(args.displayName)} breaks Sentinel's rule: 3-64 letters, digits, spaces, hyphens or underscores, starting and ending with a letter or digit`,
        );
    }
    if (!args.columns.includes(args.searchKey)) {
        problems.push(`search key ${args.searchKey} is not one of its columns (${args.columns.join(", ")})`);
    }
    const seen = new Set<string>();
    args.rows.forEach((row, index) => {
        const key = row[args.searchKey];
        if (typeof key !== "string" || key.trim() === "") {
            problems.push(`row ${index} has no ${args.searchKey}`);
            return;
        }
        if (seen.has(key.toLowerCase())) {
            problems.push(`row ${index} repeats ${args.searchKey} ${JSON.stringify(key)}; each value once`);
        }
        seen.add(key.toLowerCase());
        const bytes = Buffer.byteLength(JSON.stringify(row), "utf8");
        if (bytes > maxWatchlistRowBytes) {
            problems.push(`row ${index} (${args.searchKey} ${key}) is ${bytes} bytes; Sentinel allows ${maxWatchlistRowBytes} per row`);
        }
    });
    if (problems.length > 0) {
        throw new Error(`watchlist ${args.alias}: ${problems.join("; ")}`);
    }
}
