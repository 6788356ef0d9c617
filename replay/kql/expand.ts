/**
 * `mv-expand` and `mv-apply`. Each input row yields one row per element of the expanded arrays
 * (several arrays expand in parallel, the shorter padded with null). As documented for Kusto: a
 * null value yields one row holding null, an empty array or bag yields none, a bag yields one
 * row per property (`{key: value}`, or `[key, value]` with kind=array).
 */
import {
    Column,
    MvApplyOperatorNode,
    MvExpandExpressionNode,
    MvExpandOperatorNode,
    Node,
    declaredName,
    elementsOf,
    namedParameters,
    valueExpression,
} from "./syntax";
import { OperatorContext, Row, RowValues, Table, row } from "./table";
import { KustoType, KustoValue, isBag, kustoTypeNamed } from "./values";

interface Expansion {
    readonly name: string;
    readonly expression: Node;
    /** `to typeof(T)`: the element type the column gets. */
    readonly type: KustoType;
}

/** How a property bag expands: `{key: value}` per property, `[key, value]`, or not at all (mv-apply). */
type BagExpansion = "bag" | "array" | "refused";

interface ExpandSettings {
    readonly expansions: readonly Expansion[];
    readonly bags: BagExpansion;
    readonly indexColumn: string | undefined;
    readonly limit: number;
}

export function mvExpand(context: OperatorContext, op: MvExpandOperatorNode, input: Table): Table {
    const settings = expandSettings(context, op, ["kind", "bagexpansion", "with_itemindex"]);
    const rows = input.rows.flatMap((r) => expandRow(context, r, settings).map((values) => row(values, r.ingestionTime)));
    return context.conform(op, rows);
}

/**
 * `mv-apply`: for each input row, the subquery runs on that row's expansion; each row it returns
 * is the input row with the subquery's columns laid over it. A row whose subquery returns
 * nothing is dropped. Kusto documents mv-apply for arrays only, so a property bag is refused.
 *
 * An empty array gives an empty sub-table, and the subquery still runs on it (so `summarize`
 * without `by` yields its one row), as the documentation's "applies the subquery to each
 * sub-table" reads. This is the one documented-but-unverified reading the replay relies on.
 */
export function mvApply(context: OperatorContext, op: MvApplyOperatorNode, input: Table): Table {
    if (op.ContextIdClause) {
        throw context.source.unsupported("mv-apply ... id", op.ContextIdClause);
    }
    const settings = expandSettings(context, op, ["with_itemindex"]);
    const expanded = new Set(settings.expansions.map((e) => e.name));
    const subqueryColumns: Column[] = [
        ...input.columns.filter((c) => !expanded.has(c.name)),
        ...settings.expansions.map((e) => ({ name: e.name, type: e.type })),
        ...(settings.indexColumn ? [{ name: settings.indexColumn, type: "long" as const }] : []),
    ];
    const rows = input.rows.flatMap((r) => {
        const items = expandRow(context, r, settings).map((values) => row(values, r.ingestionTime));
        const result = context.tabular(op.Subquery.Expression, { columns: subqueryColumns, rows: items });
        // An expanded column is replaced by what the subquery returns under its name (if anything).
        const unexpanded = Object.fromEntries(Object.entries(r.values).filter(([name]) => !expanded.has(name)));
        return result.rows.map((applied) => row({ ...unexpanded, ...applied.values }, r.ingestionTime));
    });
    return context.conform(op, rows);
}

function expandSettings(context: OperatorContext, op: MvExpandOperatorNode, knownParameters: readonly string[]): ExpandSettings {
    const parameters = namedParameters(op.Parameters, knownParameters, context.source);
    const bagMode = knownParameters.includes("kind") ? (parameters.get("kind") ?? parameters.get("bagexpansion") ?? "bag") : "refused";
    if (bagMode !== "bag" && bagMode !== "array" && bagMode !== "refused") {
        throw context.source.unsupported(`bag expansion ${bagMode}`, op);
    }
    const limit = op.RowLimitClause ? context.scalars.evaluate(op.RowLimitClause.RowLimit, null) : null;
    return {
        expansions: elementsOf(op.Expressions).map((e) => expansion(context, e)),
        bags: bagMode,
        indexColumn: parameters.get("with_itemindex"),
        limit: typeof limit === "number" ? limit : Number.POSITIVE_INFINITY,
    };
}

function expansion(context: OperatorContext, node: MvExpandExpressionNode): Expansion {
    const name = declaredName(node.Expression);
    if (name === undefined) {
        throw context.source.unsupported("expanding an unnamed expression (write name = expression)", node);
    }
    const typeNode = node.ToTypeOf ? elementsOf(node.ToTypeOf.TypeOf.Types)[0] : undefined;
    const type = typeNode ? kustoTypeNamed(typeNode.toString().trim()) : "dynamic";
    if (type === undefined || !castableTypes.includes(type)) {
        throw context.source.unsupported(`to typeof(${typeNode?.toString()})`, node);
    }
    return { name, expression: valueExpression(node.Expression), type };
}

function expandRow(context: OperatorContext, r: Row, settings: ExpandSettings): RowValues[] {
    const lists = settings.expansions.map((e) => {
        const value = context.scalars.evaluate(e.expression, r);
        if (settings.bags === "refused" && isBag(value)) {
            throw context.source.unsupported("mv-apply over a property bag (Kusto's mv-apply expands arrays only)", e.expression);
        }
        return expansionItems(value, settings.bags === "array");
    });
    const count = Math.min(Math.max(0, ...lists.map((l) => l.length)), settings.limit);
    const rows: RowValues[] = [];
    for (let i = 0; i < count; i++) {
        const values: RowValues = { ...r.values };
        settings.expansions.forEach((e, j) => {
            values[e.name] = cast(lists[j][i] ?? null, e.type);
        });
        if (settings.indexColumn) {
            values[settings.indexColumn] = i;
        }
        rows.push(values);
    }
    return rows;
}

/** The elements one value expands into. */
function expansionItems(value: KustoValue, bagsAsArrays: boolean): KustoValue[] {
    if (Array.isArray(value)) {
        return value;
    }
    if (isBag(value)) {
        return Object.entries(value).map(([key, item]) => (bagsAsArrays ? [key, item] : { [key]: item }));
    }
    return [value];
}

const castableTypes: readonly KustoType[] = ["dynamic", "string", "long", "int", "real", "bool"];

/** `to typeof(T)` only casts, as Kusto documents: an element of another kind becomes null. */
function cast(value: KustoValue, type: KustoType): KustoValue {
    switch (type) {
        case "dynamic":
            return value;
        case "string":
            return typeof value === "string" ? value : "";
        case "long":
        case "int":
            return typeof value === "number" && Number.isInteger(value) ? value : null;
        case "real":
            return typeof value === "number" ? value : null;
        default:
            return typeof value === "boolean" ? value : null;
    }
}
