/**
 * `npm run --silent kql:replay -- <query.kql> <records.json> [--watchlist <alias>=<file.csv>]... [--now <iso datetime>] [--ingested-after <iso datetime>]`
 *
 * Prints the query's result rows as a JSON array. Exit codes: 0 success, 2 bad input (a malformed
 * file, a query that does not compile, a construct the replay does not support), 1 a bug.
 */
import * as path from "path";
import { ReplayError } from "./errors";
import { ReplayOptions, readTextFile, replayKqlFile } from "./replay";

export const usage = `usage: npm run --silent kql:replay -- <query.kql> <records.json> [--watchlist <alias>=<file.csv>]... [--now <iso datetime>] [--ingested-after <iso datetime>]

Evaluates a KQL query offline on recorded rows and prints the result rows as a JSON array.

  <records.json>        a JSON array of AuditLogs rows, or an object of table names (AuditLogs,
                        AzureActivity, SentinelHealth) to arrays of their rows (Log Analytics column
                        names, dynamic columns as JSON, datetimes as ISO 8601). A table not given is
                        one the workspace does not have. An optional "_IngestionTime" per row is what
                        ingestion_time() returns (default: the row's TimeGenerated).
  --watchlist A=F.csv   what _GetWatchlist('A') returns: the CSV the stack deploys
                        (PimGuardPrivilegedRoles: RoleTemplateId,RoleName;
                        PimGuardExemptPrincipals: PrincipalId,Reason;
                        PimGuardPrivilegedGroups: GroupId,Roles,Reason). A watchlist not given is EMPTY.
  --now T               when the query runs: now() and ago() count from T, and rows ingested after T
                        are not there yet. Default: the latest ingestion time among the rows.
  --ingested-after T    only rows ingested after T are in the tables: how Sentinel runs a
                        near-real-time (NRT) rule on what arrived since its previous run.

Exit code 2 on a malformed file, a query that does not compile, or a KQL construct the replay does not
support (named in the message).`;

export interface CliIo {
    /** Where relative paths are resolved (npm runs scripts in the package root; INIT_CWD is the caller's directory). */
    readonly cwd: string;
    readonly stdout: (text: string) => void;
    readonly stderr: (text: string) => void;
}

interface CliArguments {
    readonly queryPath: string;
    readonly recordsPath: string;
    readonly watchlistPaths: Readonly<Record<string, string>>;
    readonly now?: string;
    readonly ingestedAfter?: string;
}

/** Runs the command; returns its exit code. */
export function runCli(argv: readonly string[], io: CliIo): number {
    if (argv.includes("--help") || argv.includes("-h")) {
        io.stdout(`${usage}\n`);
        return 0;
    }
    try {
        const args = parseArguments(argv, io.cwd);
        const watchlists = Object.fromEntries(Object.entries(args.watchlistPaths).map(([alias, file]) => [alias, readTextFile(file)]));
        const options: ReplayOptions = { watchlists, now: args.now, ingestedAfter: args.ingestedAfter };
        const rows = replayKqlFile(readTextFile(args.queryPath), args.recordsPath, options);
        io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
        return 0;
    } catch (error) {
        if (error instanceof ReplayError) {
            io.stderr(`kql:replay: ${error.message}\n`);
            return 2;
        }
        io.stderr(`kql:replay: internal error: ${(error as Error).stack ?? String(error)}\n`);
        return 1;
    }
}

function parseArguments(argv: readonly string[], cwd: string): CliArguments {
    const positional: string[] = [];
    const watchlistPaths: Record<string, string> = {};
    let now: string | undefined;
    let ingestedAfter: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--watchlist" || arg === "--now" || arg === "--ingested-after") {
            const value = argv[++i];
            if (value === undefined) {
                throw new ReplayError(`${arg} needs a value\n${usage}`);
            }
            if (arg === "--now") {
                now = value;
            } else if (arg === "--ingested-after") {
                ingestedAfter = value;
            } else {
                const [alias, file] = splitWatchlistArgument(value);
                watchlistPaths[alias] = path.resolve(cwd, file);
            }
        } else if (arg.startsWith("--")) {
            throw new ReplayError(`unknown option ${arg}\n${usage}`);
        } else {
            positional.push(arg);
        }
    }
    if (positional.length !== 2) {
        throw new ReplayError(`expected a query file and a records file\n${usage}`);
    }
    return { queryPath: path.resolve(cwd, positional[0]), recordsPath: path.resolve(cwd, positional[1]), watchlistPaths, now, ingestedAfter };
}

function splitWatchlistArgument(value: string): [string, string] {
    const separator = value.indexOf("=");
    if (separator <= 0 || separator === value.length - 1) {
        throw new ReplayError(`--watchlist takes <alias>=<file.csv>, not ${JSON.stringify(value)}`);
    }
    return [value.slice(0, separator), value.slice(separator + 1)];
}

if (require.main === module) {
    process.exitCode = runCli(process.argv.slice(2), {
        cwd: process.env.INIT_CWD ?? process.cwd(),
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
    });
}
