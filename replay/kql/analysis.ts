/**
 * Compiles KQL with Microsoft's own Kusto.Language (the engine behind the Sentinel and Azure Data
 * Explorer editors) against the schema pimguard's queries run on: the AuditLogs, AzureActivity and
 * SentinelHealth tables as documented, pimguard's watchlists as `_GetWatchlist(alias)` returns them, and the built-ins such as
 * `ingestion_time()`. Tests use it to prove the shipped queries bind without a single diagnostic
 * and return the columns the analytics rule maps; the KQL replay engine walks the bound tree.
 *
 * The package ships as a 1.7 MB global-namespace .d.ts; it is deliberately kept out of the type
 * check. The few members used here are declared below as small interfaces, and `any` is confined
 * to `loadKustoLanguage`.
 */
import * as path from "path";
import { exemptPrincipalsWatchlistAlias, privilegedGroupsWatchlistAlias, privilegedRolesWatchlistAlias } from "../../components/names";

// ---------------------------------------------------------------------------------------------
// Public result types
// ---------------------------------------------------------------------------------------------

/** One finding of the compiler or of an analyzer. `line` and `column` are 1-based. */
export interface KqlDiagnostic {
    /** `Error`, `Warning`, `Suggestion` or `Information`, as Kusto.Language names them. */
    severity: string;
    /** Kusto.Language's code (e.g. `KS142`), or `PIMGUARD...` for checks added here. */
    code: string;
    message: string;
    line: number;
    column: number;
}

/** A column of a tabular result; `type` is the Kusto type name (`string`, `datetime`, `bool`, ...). */
export interface KqlColumn {
    name: string;
    type: string;
}

export interface KqlAnalysis {
    /** Compiler errors and analyzer diagnostics together, in text order. */
    diagnostics: KqlDiagnostic[];
    /** The result schema of the query's last statement; empty if it is not tabular. */
    columns: KqlColumn[];
}

// ---------------------------------------------------------------------------------------------
// The slice of Kusto.Language this project uses (opaque handles for the replay engine)
// ---------------------------------------------------------------------------------------------

/** Bridge.NET's `IReadOnlyList<T>`: use `listItems` to get an array. */
export interface KqlList<T> {
    readonly Count: number;
    getItem(index: number): T;
}

/** Any symbol: a column, table, function, scalar type, variable... */
export interface KqlSymbol {
    readonly Name: string;
    /** A `Kusto.Language.Symbols.SymbolKind` value; `symbolKindName` spells it. */
    readonly Kind: number;
}

export interface KqlColumnSymbol extends KqlSymbol {
    readonly Type: KqlSymbol;
}

/** A tabular type. Only table symbols have `Columns`; use `columnsOf` rather than testing for it. */
export interface KqlTableSymbol extends KqlSymbol {
    readonly Columns: KqlList<KqlColumnSymbol>;
}

export interface KqlSyntaxElement {
    /** A `Kusto.Language.Syntax.SyntaxKind` value; `syntaxKindName` spells it. */
    readonly Kind: number;
    readonly IsToken: boolean;
    readonly Parent: KqlSyntaxNode | null;
    /** The name of this element's slot in its parent (e.g. `Expression`, `Condition`). */
    readonly NameInParent: string | null;
    readonly ChildCount: number;
    GetChild(index: number): KqlSyntaxElement | null;
    /** The slot name of child `index` (e.g. `Left`, `Operator`, `Right`). */
    GetName(index: number): string | null;
    /** Offset of the first character, excluding leading whitespace and comments. */
    readonly TextStart: number;
    readonly Width: number;
    readonly End: number;
    /** The element's source text without leading trivia. */
    toString(): string;
}

export interface KqlSyntaxToken extends KqlSyntaxElement {
    readonly Text: string;
    /** Literal tokens: the decoded value (a string literal without quotes, a number, ...). */
    readonly Value: unknown;
    readonly ValueText: string | null;
    readonly IsLiteral: boolean;
}

export interface KqlSyntaxNode extends KqlSyntaxElement {
    /** The symbol a name or call binds to (column, function, `let` variable), if any. */
    readonly ReferencedSymbol: KqlSymbol | null;
    /** Expressions only: the bound type (scalar type or table). */
    readonly ResultType?: KqlSymbol | null;
    readonly IsConstant?: boolean;
    readonly ConstantValue?: unknown;
    readonly IsLiteral?: boolean;
    readonly LiteralValue?: unknown;
    /** Visits this node and every descendant, tokens included, in text order. */
    WalkElements(action: (element: KqlSyntaxElement) => void): void;
}

interface KustoDiagnosticHandle {
    readonly Code: string | null;
    readonly Severity: string | null;
    readonly Message: string | null;
    readonly HasLocation: boolean;
    readonly Start: number;
}

/** A parsed and bound query (Kusto.Language's `KustoCode`). */
export interface KustoCodeHandle {
    readonly Text: string;
    /** The root of the syntax tree (a `QueryBlock`). */
    readonly Syntax: KqlSyntaxNode;
    /** The type of the last statement: a table symbol for a tabular query. */
    readonly ResultType: KqlSymbol | null;
    GetDiagnostics(): KqlList<KustoDiagnosticHandle>;
}

interface KustoCodeServiceHandle {
    GetAnalyzerDiagnostics(waitForAnalysis: boolean): KqlList<KustoDiagnosticHandle>;
}

/** Everything taken from the package, typed. Built by `loadKustoLanguage`. */
interface KustoLanguage {
    parseAndAnalyze(text: string): KustoCodeHandle;
    codeService(code: KustoCodeHandle): KustoCodeServiceHandle;
    syntaxKindName(kind: number): string;
    symbolKindName(kind: number): string;
    /** The table `_GetWatchlist` returns for an alias it does not know (identity-compared). */
    unknownWatchlistResult: KqlSymbol;
}

// ---------------------------------------------------------------------------------------------
// The schema queries are compiled against
// ---------------------------------------------------------------------------------------------

/** Log Analytics' AuditLogs table, every documented column with its type. */
export const auditLogsColumns: readonly KqlColumn[] = [
    { name: "TenantId", type: "string" },
    { name: "SourceSystem", type: "string" },
    { name: "TimeGenerated", type: "datetime" },
    { name: "ResourceId", type: "string" },
    { name: "OperationName", type: "string" },
    { name: "OperationVersion", type: "string" },
    { name: "Category", type: "string" },
    { name: "ResultType", type: "string" },
    { name: "ResultSignature", type: "string" },
    { name: "ResultDescription", type: "string" },
    { name: "DurationMs", type: "long" },
    { name: "CorrelationId", type: "string" },
    { name: "Resource", type: "string" },
    { name: "ResourceGroup", type: "string" },
    { name: "ResourceProvider", type: "string" },
    { name: "Identity", type: "string" },
    { name: "Level", type: "string" },
    { name: "Location", type: "string" },
    { name: "AdditionalDetails", type: "dynamic" },
    { name: "Id", type: "string" },
    { name: "InitiatedBy", type: "dynamic" },
    { name: "LoggedByService", type: "string" },
    { name: "Result", type: "string" },
    { name: "ResultReason", type: "string" },
    { name: "TargetResources", type: "dynamic" },
    { name: "AADTenantId", type: "string" },
    { name: "ActivityDisplayName", type: "string" },
    { name: "ActivityDateTime", type: "datetime" },
    { name: "AADOperationType", type: "string" },
    { name: "Type", type: "string" },
    { name: "_IsBillable", type: "string" },
    { name: "_BilledSize", type: "real" },
];

/**
 * Log Analytics' AzureActivity table (the subscription's activity log), every documented column
 * with its type: Azure Monitor's table reference (azure-reference-other
 * `azure-monitor-ref/tables/includes/azureactivity-include.md`). `Properties`, `Authorization`
 * and `Claims` are the JSON as text; the `_d` columns hold the same as dynamic values.
 */
export const azureActivityColumns: readonly KqlColumn[] = [
    { name: "ActivityStatus", type: "string" },
    { name: "ActivityStatusValue", type: "string" },
    { name: "ActivitySubstatus", type: "string" },
    { name: "ActivitySubstatusValue", type: "string" },
    { name: "Authorization", type: "string" },
    { name: "Authorization_d", type: "dynamic" },
    { name: "_BilledSize", type: "real" },
    { name: "Caller", type: "string" },
    { name: "CallerIpAddress", type: "string" },
    { name: "Category", type: "string" },
    { name: "CategoryValue", type: "string" },
    { name: "Claims", type: "string" },
    { name: "Claims_d", type: "dynamic" },
    { name: "CorrelationId", type: "string" },
    { name: "EventDataId", type: "string" },
    { name: "EventSubmissionTimestamp", type: "datetime" },
    { name: "Hierarchy", type: "string" },
    { name: "HTTPRequest", type: "string" },
    { name: "_IsBillable", type: "string" },
    { name: "Level", type: "string" },
    { name: "OperationId", type: "string" },
    { name: "OperationName", type: "string" },
    { name: "OperationNameValue", type: "string" },
    { name: "Properties", type: "string" },
    { name: "Properties_d", type: "dynamic" },
    { name: "Resource", type: "string" },
    { name: "ResourceGroup", type: "string" },
    { name: "ResourceId", type: "string" },
    { name: "_ResourceId", type: "string" },
    { name: "ResourceProvider", type: "string" },
    { name: "ResourceProviderValue", type: "string" },
    { name: "SourceSystem", type: "string" },
    { name: "SubscriptionId", type: "string" },
    { name: "_SubscriptionId", type: "string" },
    { name: "TenantId", type: "string" },
    { name: "TimeGenerated", type: "datetime" },
    { name: "Type", type: "string" },
];

/**
 * Microsoft Sentinel's SentinelHealth table (written once health monitoring is on), every
 * documented column with its type: Sentinel's health table reference
 * (`articles/sentinel/health-table-reference.md`) and Azure Monitor's table reference
 * (`sentinelhealth-include.md`), which adds SourceSystem, _BilledSize and _IsBillable.
 */
export const sentinelHealthColumns: readonly KqlColumn[] = [
    { name: "TenantId", type: "string" },
    { name: "TimeGenerated", type: "datetime" },
    { name: "OperationName", type: "string" },
    { name: "SentinelResourceId", type: "string" },
    { name: "SentinelResourceName", type: "string" },
    { name: "Status", type: "string" },
    { name: "Description", type: "string" },
    { name: "Reason", type: "string" },
    { name: "WorkspaceId", type: "string" },
    { name: "SentinelResourceType", type: "string" },
    { name: "SentinelResourceKind", type: "string" },
    { name: "RecordId", type: "string" },
    { name: "ExtendedProperties", type: "dynamic" },
    { name: "SourceSystem", type: "string" },
    { name: "Type", type: "string" },
    { name: "_BilledSize", type: "real" },
    { name: "_IsBillable", type: "string" },
];

/** The workspace tables queries are compiled against and the replay reads, by name. */
export const workspaceTables: Readonly<Record<string, readonly KqlColumn[]>> = {
    AuditLogs: auditLogsColumns,
    AzureActivity: azureActivityColumns,
    SentinelHealth: sentinelHealthColumns,
};

/** The aliases pimguard's queries may pass to `_GetWatchlist`. */
export type WatchlistAlias = typeof privilegedRolesWatchlistAlias | typeof exemptPrincipalsWatchlistAlias | typeof privilegedGroupsWatchlistAlias;

/**
 * The columns `_GetWatchlist` always returns. Sentinel unpacks each item's own columns from its
 * `WatchlistItem` bag (bag_unpack), so they exist only when the watchlist has items: a query
 * must reach them through `WatchlistItem` and join on `SearchKey`, or it fails on an empty
 * watchlist. The compiler is given only these, so a query naming another column does not compile.
 */
export const watchlistSystemColumns: readonly KqlColumn[] = [
    { name: "_DTItemId", type: "string" },
    { name: "LastUpdatedTimeUTC", type: "datetime" },
    { name: "SearchKey", type: "string" },
    { name: "WatchlistItem", type: "dynamic" },
];

/** The columns of each pimguard watchlist's items, in order; the first is the search key. */
export const watchlistCsvColumns: Readonly<Record<WatchlistAlias, readonly string[]>> = {
    [privilegedRolesWatchlistAlias]: ["RoleTemplateId", "RoleName"],
    [exemptPrincipalsWatchlistAlias]: ["PrincipalId", "Reason"],
    [privilegedGroupsWatchlistAlias]: ["GroupId", "Roles", "Reason"],
};

function isWatchlistAlias(value: unknown): value is WatchlistAlias {
    return typeof value === "string" && Object.prototype.hasOwnProperty.call(watchlistCsvColumns, value);
}

/** Kusto.Language's table-schema text, e.g. `(TimeGenerated:datetime, Id:string)`. */
function schemaText(columns: readonly KqlColumn[]): string {
    return `(${columns.map((c) => `['${c.name}']:${c.type}`).join(", ")})`;
}

// ---------------------------------------------------------------------------------------------
// Loading Kusto.Language (the only untyped code in this file)
// ---------------------------------------------------------------------------------------------

let kustoLanguage: KustoLanguage | undefined;

function kusto(): KustoLanguage {
    kustoLanguage ??= loadKustoLanguage();
    return kustoLanguage;
}

/**
 * Loads the Bridge.NET runtime and Kusto.Language into globals (requiring the package by name
 * fails with "Bridge is not defined": the runtime must come first), then builds the global state
 * once - building it is the slow part, so every later analysis reuses it.
 */
function loadKustoLanguage(): KustoLanguage {
    const packageDir = path.dirname(require.resolve("@kusto/language-service-next/package.json"));
    require(path.join(packageDir, "bridge.min.js"));
    require(path.join(packageDir, "Kusto.Language.Bridge.min.js"));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kusto.Language's Bridge.NET bundle defines untyped globals
    const root = globalThis as any;
    const language = root.Kusto.Language;
    const symbols = language.Symbols;

    const unknownWatchlistResult = symbols.TableSymbol.From("()");
    const getWatchlist = new symbols.FunctionSymbol.ctor(
        "_GetWatchlist",
        // The result schema depends on the alias literal, as in Sentinel.
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a Bridge.NET callback argument, untyped like the bundle
        (context: any) => {
            const alias: unknown = context.GetArgument$1("watchlistAlias")?.ConstantValue;
            return isWatchlistAlias(alias) ? symbols.TableSymbol.From(schemaText(watchlistSystemColumns)) : unknownWatchlistResult;
        },
        symbols.Tabularity.Tabular,
        [new symbols.Parameter.$ctor2("watchlistAlias", symbols.ScalarTypes.String)],
    );
    const tables = Object.entries(workspaceTables).map(([name, columns]) => new symbols.TableSymbol.$ctor7(name, schemaText(columns), null));
    const workspace = new symbols.DatabaseSymbol.$ctor2("workspace", null, [...tables, getWatchlist]);
    const globals = language.GlobalState.Default.WithDatabase(workspace);

    return {
        parseAndAnalyze: (text) => language.KustoCode.ParseAndAnalyze(text, globals),
        codeService: (code) => new language.Editor.KustoCodeService.ctor(code),
        syntaxKindName: (kind) => root.System.Enum.toString(language.Syntax.SyntaxKind, kind),
        symbolKindName: (kind) => root.System.Enum.toString(symbols.SymbolKind, kind),
        unknownWatchlistResult,
    };
}

// ---------------------------------------------------------------------------------------------
// Analysis
// ---------------------------------------------------------------------------------------------

/** Parses and binds `text` against the pimguard schema: the tree and types, for tools that walk them. */
export function parseAndAnalyzeKql(text: string): KustoCodeHandle {
    return kusto().parseAndAnalyze(text);
}

/** A diagnostic located by character offset, before conversion to line and column. */
type PositionedDiagnostic = Omit<KqlDiagnostic, "line" | "column"> & { position: number };

/** Compiles `text`: every compiler error and analyzer diagnostic, and the result schema. */
export function analyzeKql(text: string): KqlAnalysis {
    const code = parseAndAnalyzeKql(text);
    const found = [...listItems(code.GetDiagnostics()), ...listItems(kusto().codeService(code).GetAnalyzerDiagnostics(true))];
    const diagnostics = [
        ...found.map((d): PositionedDiagnostic => ({
            position: d.HasLocation ? d.Start : 0,
            severity: d.Severity ?? "Error",
            code: d.Code ?? "",
            message: d.Message ?? "",
        })),
        ...unknownWatchlistCalls(code),
    ]
        .sort((a, b) => a.position - b.position)
        .map(({ position, ...rest }) => ({ ...rest, ...lineAndColumn(text, position) }));
    return { diagnostics, columns: columnsOf(code.ResultType) };
}

/** Like `analyzeKql`, but throws listing every diagnostic as `file:line:column: message`. */
export function assertCleanKql(text: string, fileName: string): KqlAnalysis {
    const analysis = analyzeKql(text);
    if (analysis.diagnostics.length > 0) {
        const lines = analysis.diagnostics.map((d) => `${fileName}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`);
        throw new Error(`${fileName} has ${lines.length} KQL diagnostic(s):\n${lines.join("\n")}`);
    }
    return analysis;
}

/**
 * Kusto.Language accepts any string argument to a declared function, so a misspelled alias would
 * silently yield an empty table; report it instead.
 */
function unknownWatchlistCalls(code: KustoCodeHandle): PositionedDiagnostic[] {
    const language = kusto();
    const calls: PositionedDiagnostic[] = [];
    code.Syntax.WalkElements((element) => {
        const isCall = !element.IsToken && language.syntaxKindName(element.Kind) === "FunctionCallExpression";
        if (isCall && (element as KqlSyntaxNode).ResultType === language.unknownWatchlistResult) {
            calls.push({
                position: element.TextStart,
                severity: "Error",
                code: "PIMGUARD001",
                message: `_GetWatchlist needs a literal alias, one of: ${Object.keys(watchlistCsvColumns).join(", ")}.`,
            });
        }
    });
    return calls;
}

/** The columns of a tabular type; empty for anything else. */
export function columnsOf(type: KqlSymbol | null | undefined): KqlColumn[] {
    if (type === null || type === undefined || kusto().symbolKindName(type.Kind) !== "Table") {
        return [];
    }
    return listItems((type as KqlTableSymbol).Columns).map((c) => ({ name: c.Name, type: c.Type.Name }));
}

/** The name of a `SyntaxKind` value, e.g. `FunctionCallExpression`, `WhereOperator`. */
export function syntaxKindName(kind: number): string {
    return kusto().syntaxKindName(kind);
}

/** The name of a `SymbolKind` value, e.g. `Table`, `Column`, `Function`, `Scalar`. */
export function symbolKindName(kind: number): string {
    return kusto().symbolKindName(kind);
}

/** A Bridge.NET list as an array. */
export function listItems<T>(list: KqlList<T> | null | undefined): T[] {
    const items: T[] = [];
    for (let i = 0; list && i < list.Count; i++) {
        items.push(list.getItem(i));
    }
    return items;
}

/** 1-based line and column of a character offset (a column counts characters, tabs as one). */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
    const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
    const lineStart = before.lastIndexOf("\n") + 1;
    return { line: before.split("\n").length, column: before.length - lineStart + 1 };
}
