/**
 * Tables as the engine passes them between operators, and what every operator implementation
 * may ask of the engine.
 */
import { Column, Node, QuerySource } from "./syntax";
import { KustoDateTime, KustoType, KustoValue } from "./values";

export type RowValues = Record<string, KustoValue>;

export interface Row {
    readonly values: Readonly<RowValues>;
    /**
     * When the row reached the workspace (what `ingestion_time()` returns). Null for rows an
     * operator made anew (summarize, join, project...), where the engine refuses `ingestion_time()`
     * rather than guess what Kusto would carry over.
     */
    readonly ingestionTime: KustoDateTime | null;
}

export interface Table {
    readonly columns: readonly Column[];
    readonly rows: readonly Row[];
}

/** The value a column of this type holds where there is none: "" for strings (never null in Kusto). */
export function missingValue(type: KustoType): KustoValue {
    return type === "string" ? "" : null;
}

/** Builds a row from values, keeping or dropping the ingestion time. */
export function row(values: RowValues, ingestionTime: KustoDateTime | null = null): Row {
    return { values, ingestionTime };
}

/** Evaluates scalar expressions on rows (implemented by `expressions.ts`). */
export interface ScalarEvaluation {
    evaluate(node: Node, on: Row | null): KustoValue;
}

/** What operator implementations may ask of the engine. */
export interface OperatorContext {
    readonly source: QuerySource;
    readonly scalars: ScalarEvaluation;
    /** Evaluates a tabular expression; `implicitInput` feeds an operator with no input (mv-apply's subquery). */
    tabular(node: Node, implicitInput?: Table): Table;
    /**
     * The operator's result: `rows` under the column names and types Kusto.Language bound for
     * `node`. Throws if the engine produced other columns than Kusto would, so a gap in the
     * engine cannot pass silently as a wrong answer.
     */
    conform(node: Node, rows: readonly Row[]): Table;
}
