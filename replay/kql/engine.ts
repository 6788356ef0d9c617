/**
 * The KQL replay engine: evaluates a query that Kusto.Language parsed and bound (its own syntax
 * tree and types - there is no second KQL parser) over in-memory tables.
 *
 * Two rules keep it honest. A construct it does not implement raises UnsupportedConstructError
 * naming it and its place in the query. And after every operator the rows must carry exactly the
 * columns Kusto.Language bound for that operator, so a gap in the engine surfaces as an error
 * rather than as a wrong answer.
 */
import { KqlSymbol, KustoCodeHandle } from "./analysis";
import { MissingTableError, ReplayError } from "./errors";
import { mvApply, mvExpand } from "./expand";
import { ScalarEnvironment, ScalarEvaluator } from "./expressions";
import { join, lookup, union } from "./join";
import * as operators from "./operators";
import { summarize } from "./summarize";
import {
    CountOperatorNode,
    DataTableNode,
    ExpressionListOperatorNode,
    FilterOperatorNode,
    FunctionCallNode,
    JoinOperatorNode,
    LetStatementNode,
    MvApplyOperatorNode,
    MvExpandOperatorNode,
    Node,
    PipeExpressionNode,
    QueryBlockNode,
    QuerySource,
    SummarizeOperatorNode,
    TakeOperatorNode,
    TopOperatorNode,
    WrapperNode,
    boundColumns,
    elementsOf,
    kindOf,
    namedParameters,
    symbolKindOf,
} from "./syntax";
import { OperatorContext, Row, RowValues, Table, missingValue, row } from "./table";
import { KustoDateTime, KustoValue } from "./values";

/** What a query runs on. */
export interface ReplayData {
    /** Rows of each table by name (e.g. `AuditLogs`), with their ingestion times. */
    readonly tables: ReadonlyMap<string, Table>;
    /** What `_GetWatchlist(alias)` returns, by alias. A missing alias reads as an empty watchlist. */
    readonly watchlists: ReadonlyMap<string, Table>;
    /** `now()`; also the moment the query runs, so rows ingested later are not there yet. */
    readonly now: KustoDateTime;
    /**
     * When set, tables hold only rows ingested after this moment: what Sentinel hands a
     * near-real-time (NRT) rule, which runs on the records ingested since its previous run.
     * Watchlists are not affected.
     */
    readonly ingestedAfter?: KustoDateTime;
}

/** Evaluates the query's last statement (after its `let`s) and returns its rows. */
export function evaluateQuery(code: KustoCodeHandle, data: ReplayData): Table {
    return new QueryEvaluator(new QuerySource(code.Text), data).run(code.Syntax as QueryBlockNode);
}

type LetBinding =
    { readonly kind: "scalar"; readonly value: () => KustoValue } | { readonly kind: "table"; readonly value: () => Table } | { readonly kind: "function" };

type OperatorImplementation = (op: Node, input: Table) => Table;

class QueryEvaluator implements OperatorContext, ScalarEnvironment {
    readonly scalars: ScalarEvaluator;
    private readonly lets = new Map<KqlSymbol, LetBinding>();
    private readonly operators: Readonly<Record<string, OperatorImplementation>>;

    constructor(
        readonly source: QuerySource,
        private readonly data: ReplayData,
    ) {
        this.scalars = new ScalarEvaluator(this);
        this.operators = this.operatorTable();
    }

    get now(): KustoDateTime {
        return this.data.now;
    }

    run(block: QueryBlockNode): Table {
        let result: Table | undefined;
        for (const statement of elementsOf(block.Statements)) {
            const kind = kindOf(statement);
            if (kind === "LetStatement") {
                this.bindLet(statement as LetStatementNode);
            } else if (kind === "ExpressionStatement" && result === undefined) {
                result = this.tabular((statement as WrapperNode).Expression);
            } else {
                throw this.source.unsupported(kind === "ExpressionStatement" ? "a second query statement" : `the ${kind}`, statement);
            }
        }
        if (result === undefined) {
            throw new ReplayError("the query has no statement that returns rows");
        }
        return result;
    }

    // -----------------------------------------------------------------------------------------
    // let
    // -----------------------------------------------------------------------------------------

    private bindLet(statement: LetStatementNode): void {
        const symbol = statement.Name.ReferencedSymbol;
        const expression = statement.Expression;
        if (symbol === null) {
            throw this.source.unsupported("this let statement", statement);
        }
        if (kindOf(expression) === "FunctionDeclaration") {
            this.lets.set(symbol, { kind: "function" });
        } else if (boundColumns(expression, this.source) !== undefined) {
            this.lets.set(symbol, { kind: "table", value: once(() => this.tabular(expression)) });
        } else {
            this.lets.set(symbol, { kind: "scalar", value: once(() => this.scalars.evaluate(expression, null)) });
        }
    }

    scalarLet(symbol: KqlSymbol): KustoValue | undefined {
        const binding = this.lets.get(symbol);
        return binding?.kind === "scalar" ? binding.value() : undefined;
    }

    isQueryFunction(symbol: KqlSymbol): boolean {
        return this.lets.get(symbol)?.kind === "function";
    }

    // -----------------------------------------------------------------------------------------
    // Tabular expressions
    // -----------------------------------------------------------------------------------------

    tabular(node: Node, implicitInput?: Table): Table {
        const kind = kindOf(node);
        switch (kind) {
            case "PipeExpression": {
                const pipe = node as PipeExpressionNode;
                return this.operator(pipe.Operator, this.tabular(pipe.Expression, implicitInput));
            }
            case "ParenthesizedExpression":
            case "MaterializeExpression":
                return this.tabular((node as WrapperNode).Expression, implicitInput);
            case "NameReference":
                return this.namedTable(node);
            case "FunctionCallExpression":
                return this.tabularCall(node as FunctionCallNode);
            case "DataTableExpression":
                return this.dataTable(node as DataTableNode);
            case "UnionOperator":
                return union(this, node as ExpressionListOperatorNode, implicitInput);
            case "PrintOperator":
                return operators.print(this, node as ExpressionListOperatorNode);
            default:
                if (implicitInput !== undefined && this.operators[kind] !== undefined) {
                    return this.operator(node, implicitInput);
                }
                throw this.source.unsupported(`the tabular expression ${kind}`, node);
        }
    }

    private operator(op: Node, input: Table): Table {
        const implementation = this.operators[kindOf(op)];
        if (implementation === undefined) {
            throw this.source.unsupported(`the ${operatorKeyword(op)} operator`, op);
        }
        return implementation(op, input);
    }

    private operatorTable(): Record<string, OperatorImplementation> {
        return {
            FilterOperator: (op, input) => operators.where(this, op as FilterOperatorNode, input),
            ExtendOperator: (op, input) => operators.extend(this, op as ExpressionListOperatorNode, input),
            ProjectOperator: (op, input) => operators.project(this, op as ExpressionListOperatorNode, input),
            ProjectAwayOperator: (op, input) => operators.selectColumns(this, op, input),
            ProjectKeepOperator: (op, input) => operators.selectColumns(this, op, input),
            ProjectReorderOperator: (op, input) => operators.selectColumns(this, op, input),
            ProjectRenameOperator: (op, input) => operators.projectRename(this, op as ExpressionListOperatorNode, input),
            DistinctOperator: (op, input) => operators.distinct(this, op as ExpressionListOperatorNode, input),
            SortOperator: (op, input) => operators.sort(this, op as ExpressionListOperatorNode, input),
            TopOperator: (op, input) => operators.top(this, op as TopOperatorNode, input),
            TakeOperator: (op, input) => operators.take(this, op as TakeOperatorNode, input),
            CountOperator: (op, input) => operators.count(this, op as CountOperatorNode, input),
            SummarizeOperator: (op, input) => summarize(this, op as SummarizeOperatorNode, input),
            JoinOperator: (op, input) => join(this, op as JoinOperatorNode, input),
            LookupOperator: (op, input) => lookup(this, op as JoinOperatorNode, input),
            UnionOperator: (op, input) => union(this, op as ExpressionListOperatorNode, input),
            MvExpandOperator: (op, input) => mvExpand(this, op as MvExpandOperatorNode, input),
            MvApplyOperator: (op, input) => mvApply(this, op as MvApplyOperatorNode, input),
        };
    }

    /** A table of the workspace, or a tabular `let`. */
    private namedTable(node: Node): Table {
        const symbol = node.ReferencedSymbol;
        const binding = symbol ? this.lets.get(symbol) : undefined;
        if (binding?.kind === "table") {
            return binding.value();
        }
        if (symbol && symbolKindOf(symbol) === "Table") {
            const table = this.data.tables.get(symbol.Name);
            if (table === undefined) {
                throw new MissingTableError(symbol.Name, this.source.where(node));
            }
            return this.conform(node, this.visibleRows(table));
        }
        throw this.source.unsupported(`reading ${symbolKindOf(symbol) ?? "an unbound name"} as a table`, node);
    }

    /**
     * The query runs at `now`: a record ingested later is not in the workspace yet. An NRT run
     * sees only what was ingested after `ingestedAfter`.
     */
    private visibleRows(table: Table): Row[] {
        const until = this.now.ticks;
        const after = this.data.ingestedAfter?.ticks;
        return table.rows.filter((r) => r.ingestionTime === null || (r.ingestionTime.ticks <= until && (after === undefined || r.ingestionTime.ticks > after)));
    }

    private tabularCall(call: FunctionCallNode): Table {
        const name = call.Name.SimpleName;
        if (name !== "_GetWatchlist") {
            throw this.source.unsupported(`the tabular function ${name}()`, call);
        }
        const [aliasArgument] = elementsOf(call.ArgumentList.Expressions);
        const alias = this.scalars.evaluate(aliasArgument, null);
        const watchlist = typeof alias === "string" ? this.data.watchlists.get(alias) : undefined;
        return this.conform(call, watchlist?.rows ?? []);
    }

    private dataTable(node: DataTableNode): Table {
        namedParameters(node.Parameters, [], this.source);
        const columns = boundColumns(node, this.source) ?? [];
        const values = elementsOf(node.Values).map((v) => this.scalars.evaluate(v, null));
        const rows: Row[] = [];
        for (let start = 0; start < values.length; start += columns.length) {
            const rowValues: RowValues = {};
            columns.forEach((column, i) => {
                rowValues[column.name] = values[start + i] ?? missingValue(column.type);
            });
            rows.push(row(rowValues));
        }
        return this.conform(node, rows);
    }

    conform(node: Node, rows: readonly Row[]): Table {
        const columns = boundColumns(node, this.source);
        if (columns === undefined) {
            throw this.source.unsupported("a tabular expression Kusto.Language did not type as a table", node);
        }
        const mismatch = rows.find(
            (r) => Object.keys(r.values).length !== columns.length || columns.some((c) => !Object.prototype.hasOwnProperty.call(r.values, c.name)),
        );
        if (mismatch !== undefined) {
            const produced = Object.keys(mismatch.values).join(", ");
            const expected = columns.map((c) => c.name).join(", ");
            throw this.source.unsupported(`this use of ${kindOf(node)}: the engine produced columns (${produced}) where Kusto gives (${expected})`, node);
        }
        return { columns, rows };
    }
}

/** How the query spells an operator (`parse`, `evaluate`...): its first token. */
function operatorKeyword(op: Node): string {
    const first = op.ChildCount > 0 ? op.GetChild(0) : null;
    return first?.IsToken ? ((first as { Text?: string }).Text ?? kindOf(op)) : kindOf(op);
}

/** A lazily computed value, computed at most once (a `let` is evaluated when first used). */
function once<T>(compute: () => T): () => T {
    let cached: { value: T } | undefined;
    return () => {
        cached ??= { value: compute() };
        return cached.value;
    };
}
