/**
 * `summarize`: groups rows by the `by` expressions (in first-seen order) and evaluates the
 * aggregates per group. Without `by`, one row results even from no input (count 0, empty sets),
 * as in Kusto. Output columns are the `by` columns then each aggregate's column(s), named as
 * Kusto.Language bound them.
 */
import { aggregateFunctions } from "./aggregates";
import { ReplayError } from "./errors";
import { Column, FunctionCallNode, Node, SummarizeOperatorNode, boundColumns, elementsOf, kindOf, namedParameters, valueExpression } from "./syntax";
import { OperatorContext, Row, RowValues, Table, missingValue, row } from "./table";
import { KustoValue, compareValues, valueKey } from "./values";

/** Evaluates one aggregate over a group: one value, or several for `arg_max`'s tuple. */
type AggregateEvaluator = (rows: readonly Row[]) => KustoValue[];

interface Group {
    readonly keyValues: KustoValue[];
    readonly rows: Row[];
}

export function summarize(context: OperatorContext, op: SummarizeOperatorNode, input: Table): Table {
    namedParameters(op.Parameters, [], context.source);
    if (op.ByClause?.BinClause) {
        throw context.source.unsupported("summarize ... by ... bin clause", op.ByClause.BinClause);
    }
    const keys = elementsOf(op.ByClause?.Expressions).map(valueExpression);
    const aggregates = elementsOf(op.Aggregates).map((node) => aggregateEvaluator(context, node));
    const columns = boundColumns(op, context.source) ?? [];
    const rows = groupRows(context, input.rows, keys).map((group) => {
        const values = [...group.keyValues, ...aggregates.flatMap((evaluate) => evaluate(group.rows))];
        if (values.length !== columns.length) {
            throw context.source.unsupported("this summarize shape (its columns do not line up with Kusto's)", op);
        }
        return row(Object.fromEntries(columns.map((c, i) => [c.name, values[i]])) as RowValues);
    });
    return context.conform(op, rows);
}

function groupRows(context: OperatorContext, rows: readonly Row[], keys: readonly Node[]): Group[] {
    if (keys.length === 0) {
        return [{ keyValues: [], rows: [...rows] }];
    }
    const groups = new Map<string, Group>();
    for (const r of rows) {
        const keyValues = keys.map((k) => context.scalars.evaluate(k, r));
        const key = keyValues.map(valueKey).join("\u0001");
        const group = groups.get(key) ?? { keyValues, rows: [] };
        group.rows.push(r);
        groups.set(key, group);
    }
    return [...groups.values()];
}

function aggregateEvaluator(context: OperatorContext, node: Node): AggregateEvaluator {
    if (kindOf(node) === "CompoundNamedExpression") {
        throw context.source.unsupported("(a, b) = aggregate(...)", node);
    }
    const call = valueExpression(node) as FunctionCallNode;
    if (kindOf(call) !== "FunctionCallExpression") {
        throw context.source.unsupported("an expression over aggregates (compute it in a following extend)", call);
    }
    const name = call.Name.SimpleName;
    if (name === "arg_max" || name === "arg_min") {
        return argExtremeEvaluator(context, call, name === "arg_max" ? 1 : -1);
    }
    const aggregate = aggregateFunctions.get(name);
    if (aggregate === undefined) {
        throw context.source.unsupported(`the aggregate ${name}()`, call);
    }
    const args = elementsOf(call.ArgumentList.Expressions);
    if (args.some((a) => kindOf(a) === "StarExpression")) {
        throw context.source.unsupported(`${name}(*)`, call);
    }
    return (rows) => {
        const values = args.map((a) => rows.map((r) => context.scalars.evaluate(a, r)));
        try {
            return [aggregate({ args: values, rowCount: rows.length })];
        } catch (error) {
            if (error instanceof ReplayError) {
                throw context.source.unsupported(error.message, call);
            }
            throw error;
        }
    };
}

/**
 * `arg_max(target, cols...)` / `arg_min`: the columns of the row with the greatest (least)
 * non-null target; the first such row on ties. With `*`, every column Kusto put in the tuple is
 * read from that row by name.
 */
function argExtremeEvaluator(context: OperatorContext, call: FunctionCallNode, sign: 1 | -1): AggregateEvaluator {
    const [target, ...rest] = elementsOf(call.ArgumentList.Expressions);
    const tuple: Column[] = boundColumns(call, context.source) ?? [];
    const withStar = rest.length === 1 && kindOf(rest[0]) === "StarExpression";
    if (!withStar && (rest.some((a) => kindOf(a) === "StarExpression") || tuple.length !== rest.length + 1)) {
        throw context.source.unsupported("this arg_max/arg_min form (use either * or named columns)", call);
    }
    return (rows) => {
        const chosen = extremeRow(context, rows, target, sign);
        if (chosen === undefined) {
            return tuple.map((c) => missingValue(c.type));
        }
        if (!withStar) {
            return [target, ...rest].map((a) => context.scalars.evaluate(valueExpression(a), chosen));
        }
        return tuple.map((column, i) => {
            if (i === 0) {
                return context.scalars.evaluate(target, chosen);
            }
            if (!Object.prototype.hasOwnProperty.call(chosen.values, column.name)) {
                throw context.source.unsupported(`arg_max/arg_min(*) where Kusto renamed column ${column.name}`, call);
            }
            return chosen.values[column.name];
        });
    };
}

function extremeRow(context: OperatorContext, rows: readonly Row[], target: Node, sign: 1 | -1): Row | undefined {
    let best: { r: Row; value: KustoValue } | undefined;
    for (const r of rows) {
        const value = context.scalars.evaluate(target, r);
        if (value === null) {
            continue;
        }
        const comparison = best === undefined ? 1 : compareValues(value, best.value);
        if (comparison === undefined) {
            throw context.source.unsupported("arg_max/arg_min over values that do not compare", target);
        }
        if (best === undefined || comparison * sign > 0) {
            best = { r, value };
        }
    }
    return best?.r ?? rows[0];
}
