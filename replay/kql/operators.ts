/**
 * The tabular operators that work row by row or reorder rows: where, extend, project and its
 * variants, distinct, sort/order, top, take/limit, count; and print. Output columns always come from the
 * names and types Kusto.Language bound for the operator (`context.conform`), so generated names
 * (`Column1`, `count_`) are Kusto's own.
 */
import {
    CountOperatorNode,
    ExpressionListOperatorNode,
    FilterOperatorNode,
    Node,
    OrderedExpressionNode,
    SimpleNamedExpressionNode,
    TakeOperatorNode,
    TopOperatorNode,
    boundColumns,
    declaredName,
    elementsOf,
    kindOf,
    namedParameters,
    valueExpression,
} from "./syntax";
import { OperatorContext, Row, RowValues, Table, row } from "./table";
import { KustoValue, compareValues, valueKey } from "./values";

export function where(context: OperatorContext, op: FilterOperatorNode, input: Table): Table {
    namedParameters(op.Parameters, [], context.source);
    return context.conform(
        op,
        input.rows.filter((r) => context.scalars.evaluate(op.Condition, r) === true),
    );
}

/**
 * `extend`: each expression is evaluated in order on the row as extended so far (Kusto lets a
 * later expression use an earlier one). A name that exists replaces the column in place.
 */
export function extend(context: OperatorContext, op: ExpressionListOperatorNode, input: Table): Table {
    const assignments = extendAssignments(context, op, input);
    const rows = input.rows.map((r) => {
        let current = r;
        for (const { name, expression } of assignments) {
            const values: RowValues = { ...current.values, [name]: context.scalars.evaluate(expression, current) };
            current = row(values, r.ingestionTime);
        }
        return current;
    });
    return context.conform(op, rows);
}

/** The column each extend expression writes: its declared name, or the name Kusto generated. */
function extendAssignments(context: OperatorContext, op: ExpressionListOperatorNode, input: Table): { name: string; expression: Node }[] {
    const expressions = elementsOf(op.Expressions);
    for (const expression of expressions) {
        if (kindOf(expression) === "CompoundNamedExpression") {
            throw context.source.unsupported("extend (a, b) = ...", expression);
        }
    }
    const declared = new Set(expressions.map(declaredName).filter((n): n is string => n !== undefined));
    const existing = new Set(input.columns.map((c) => c.name));
    const generated = (boundColumns(op, context.source) ?? []).map((c) => c.name).filter((name) => !existing.has(name) && !declared.has(name));
    return expressions.map((expression) => {
        const name = declaredName(expression) ?? generated.shift();
        if (name === undefined) {
            throw context.source.unsupported("this extend expression (its column name is unclear)", expression);
        }
        return { name, expression: valueExpression(expression) };
    });
}

/** `project`: one output column per expression, named as Kusto named it. */
export function project(context: OperatorContext, op: ExpressionListOperatorNode, input: Table): Table {
    const expressions = elementsOf(op.Expressions).map(valueExpression);
    const columns = boundColumns(op, context.source) ?? [];
    if (expressions.length !== columns.length) {
        throw context.source.unsupported("project with wildcards or multi-column expressions", op);
    }
    const rows = input.rows.map((r) => {
        const values: RowValues = {};
        columns.forEach((column, i) => {
            values[column.name] = context.scalars.evaluate(expressions[i], r);
        });
        return row(values);
    });
    return context.conform(op, rows);
}

/** `print a = 1, b = "x"`: one row. */
export function print(context: OperatorContext, op: ExpressionListOperatorNode): Table {
    const expressions = elementsOf(op.Expressions).map(valueExpression);
    const columns = boundColumns(op, context.source) ?? [];
    const values: RowValues = {};
    columns.forEach((column, i) => {
        values[column.name] = context.scalars.evaluate(expressions[i], null);
    });
    return context.conform(op, [row(values)]);
}

/**
 * `project-away`, `project-keep`, `project-reorder`: the bound result names which input columns
 * remain and in what order, wildcards already resolved by Kusto.Language.
 */
export function selectColumns(context: OperatorContext, op: Node, input: Table): Table {
    return renameColumns(context, op, input, new Map());
}

/** `project-rename new = old`. */
export function projectRename(context: OperatorContext, op: ExpressionListOperatorNode, input: Table): Table {
    const renames = new Map<string, string>();
    for (const expression of elementsOf(op.Expressions)) {
        const named = expression as SimpleNamedExpressionNode;
        const old = declaredName(named.Expression);
        if (kindOf(expression) !== "SimpleNamedExpression" || old === undefined) {
            throw context.source.unsupported("this project-rename form", expression);
        }
        renames.set(named.Name.SimpleName, old);
    }
    return renameColumns(context, op, input, renames);
}

function renameColumns(context: OperatorContext, op: Node, input: Table, renames: ReadonlyMap<string, string>): Table {
    const columns = boundColumns(op, context.source) ?? [];
    const rows = input.rows.map((r) => {
        const values: RowValues = {};
        for (const column of columns) {
            values[column.name] = r.values[renames.get(column.name) ?? column.name];
        }
        return row(values, r.ingestionTime);
    });
    return context.conform(op, rows);
}

/** `distinct a, b` / `distinct *`: the first row of each combination, in input order. */
export function distinct(context: OperatorContext, op: ExpressionListOperatorNode, input: Table): Table {
    namedParameters(op.Parameters, [], context.source);
    const expressions = elementsOf(op.Expressions);
    const columns = boundColumns(op, context.source) ?? [];
    const isStar = expressions.length === 1 && kindOf(expressions[0]) === "StarExpression";
    if (!isStar && expressions.length !== columns.length) {
        throw context.source.unsupported("this distinct form", op);
    }
    const seen = new Set<string>();
    const rows: Row[] = [];
    for (const r of input.rows) {
        const values: RowValues = {};
        columns.forEach((column, i) => {
            values[column.name] = isStar ? r.values[column.name] : context.scalars.evaluate(valueExpression(expressions[i]), r);
        });
        const key = columns.map((c) => valueKey(values[c.name])).join("\u0001");
        if (!seen.has(key)) {
            seen.add(key);
            rows.push(row(values));
        }
    }
    return context.conform(op, rows);
}

interface SortKey {
    readonly expression: Node;
    readonly descending: boolean;
    readonly nullsFirst: boolean;
}

/** Kusto's defaults: descending; nulls first when ascending, last when descending. */
function sortKey(node: Node): SortKey {
    if (kindOf(node) !== "OrderedExpression") {
        return { expression: node, descending: true, nullsFirst: false };
    }
    const { Expression, Ordering } = node as OrderedExpressionNode;
    const descending = Ordering?.AscOrDescKeyword?.Text.toLowerCase() !== "asc";
    const nulls = Ordering?.NullsClause?.FirstOrLastKeyword?.Text.toLowerCase();
    return { expression: Expression, descending, nullsFirst: nulls === undefined ? !descending : nulls === "first" };
}

function sortRows(context: OperatorContext, rows: readonly Row[], keys: readonly SortKey[]): Row[] {
    const keyed = rows.map((r) => ({ r, values: keys.map((k) => context.scalars.evaluate(k.expression, r)) }));
    keyed.sort((a, b) => {
        for (let i = 0; i < keys.length; i++) {
            const order = compareForSort(a.values[i], b.values[i], keys[i]);
            if (order !== 0) {
                return order;
            }
        }
        return 0;
    });
    return keyed.map((k) => k.r);
}

function compareForSort(a: KustoValue, b: KustoValue, key: SortKey): number {
    if (a === null || b === null) {
        return a === b ? 0 : (a === null) === key.nullsFirst ? -1 : 1;
    }
    const comparison = compareValues(a, b) ?? (valueKey(a) < valueKey(b) ? -1 : valueKey(a) > valueKey(b) ? 1 : 0);
    return key.descending ? -comparison : comparison;
}

export function sort(context: OperatorContext, op: ExpressionListOperatorNode, input: Table): Table {
    namedParameters(op.Parameters, [], context.source);
    const rows = sortRows(context, input.rows, elementsOf(op.Expressions).map(sortKey));
    return context.conform(op, rows);
}

export function top(context: OperatorContext, op: TopOperatorNode, input: Table): Table {
    namedParameters(op.Parameters, [], context.source);
    const count = rowCount(context, op.Expression);
    return context.conform(op, sortRows(context, input.rows, [sortKey(op.ByExpression)]).slice(0, count));
}

export function take(context: OperatorContext, op: TakeOperatorNode, input: Table): Table {
    namedParameters(op.Parameters, [], context.source);
    return context.conform(op, input.rows.slice(0, rowCount(context, op.Expression)));
}

function rowCount(context: OperatorContext, expression: Node): number {
    const count = context.scalars.evaluate(expression, null);
    if (typeof count !== "number" || count < 0) {
        throw context.source.unsupported("a row count that is not a non-negative number", expression);
    }
    return count;
}

export function count(context: OperatorContext, op: CountOperatorNode, input: Table): Table {
    const [column] = boundColumns(op, context.source) ?? [];
    return context.conform(op, [row({ [column.name]: input.rows.length })]);
}
