/**
 * `join`, `lookup` and `union`.
 *
 * join kinds: innerunique (Kusto's default: the left side is first de-duplicated on the join key,
 * keeping one row per key - the engine keeps the first), inner, leftouter, rightouter, fullouter,
 * leftsemi, rightsemi, leftanti (anti, leftantisemi), rightanti (rightantisemi). Keys are
 * `on Column` or `on $left.A == $right.B`; rows with a null key match nothing. Right columns whose
 * names are taken get Kusto's numeric suffix (`Id1`). `lookup` (leftouter or inner) adds the right
 * side's non-key columns.
 */
import {
    BinaryExpressionNode,
    Column,
    ExpressionListOperatorNode,
    JoinOnClauseNode,
    JoinOperatorNode,
    NameReferenceNode,
    Node,
    PathExpressionNode,
    boundColumns,
    elementsOf,
    kindOf,
    namedParameters,
} from "./syntax";
import { MissingTableError, ReplayError } from "./errors";
import { OperatorContext, Row, RowValues, Table, missingValue, row } from "./table";
import { valueKey } from "./values";

interface KeyPair {
    readonly left: string;
    readonly right: string;
}

interface RightColumn {
    readonly from: string;
    readonly to: string;
    readonly type: Column["type"];
}

const joinKinds = [
    "innerunique",
    "inner",
    "leftouter",
    "rightouter",
    "fullouter",
    "leftsemi",
    "rightsemi",
    "leftanti",
    "anti",
    "leftantisemi",
    "rightanti",
    "rightantisemi",
];

export function join(context: OperatorContext, op: JoinOperatorNode, left: Table): Table {
    return joinTables(context, op, left, op.ConditionClause, "innerunique", joinKinds, false);
}

export function lookup(context: OperatorContext, op: JoinOperatorNode, left: Table): Table {
    return joinTables(context, op, left, op.LookupClause, "leftouter", ["leftouter", "inner"], true);
}

function joinTables(
    context: OperatorContext,
    op: JoinOperatorNode,
    left: Table,
    clause: Node | undefined,
    defaultKind: string,
    kinds: readonly string[],
    isLookup: boolean,
): Table {
    const kind = namedParameters(op.Parameters, ["kind"], context.source).get("kind") ?? defaultKind;
    if (!kinds.includes(kind)) {
        throw context.source.unsupported(`kind=${kind}`, op);
    }
    if (clause === undefined || kindOf(clause) !== "JoinOnClause") {
        throw context.source.unsupported("a join condition other than 'on'", clause ?? op);
    }
    const keys = elementsOf((clause as JoinOnClauseNode).Expressions).map((k) => keyPair(context, k));
    const right = context.tabular(op.Expression);
    const matcher = new KeyMatcher(keys, right.rows);
    const rightColumns = renamedRightColumns(left, right, isLookup ? new Set(keys.map((k) => k.right)) : new Set());
    const combine = (l: Row | null, r: Row | null): Row => row(combinedValues(left.columns, rightColumns, l, r));
    return context.conform(op, joinRows(kind, left.rows, right.rows, matcher, combine));
}

function joinRows(
    kind: string,
    leftRows: readonly Row[],
    rightRows: readonly Row[],
    matcher: KeyMatcher,
    combine: (l: Row | null, r: Row | null) => Row,
): Row[] {
    const pairs = (rows: readonly Row[]): Row[] => rows.flatMap((l) => matcher.matches(l).map((r) => combine(l, r)));
    const unmatchedRight = (): Row[] => rightRows.filter((r) => !matcher.wasMatched(r)).map((r) => combine(null, r));
    switch (kind) {
        case "innerunique":
            return pairs(firstRowPerKey(leftRows, matcher));
        case "inner":
            return pairs(leftRows);
        case "leftouter":
            return leftRows.flatMap((l) => {
                const matches = matcher.matches(l);
                return matches.length > 0 ? matches.map((r) => combine(l, r)) : [combine(l, null)];
            });
        case "rightouter":
            return [...pairs(leftRows), ...unmatchedRight()];
        case "fullouter":
            return [...joinRows("leftouter", leftRows, rightRows, matcher, combine), ...unmatchedRight()];
        case "leftsemi":
            return leftRows.filter((l) => matcher.matches(l).length > 0);
        case "leftanti":
        case "anti":
        case "leftantisemi":
            return leftRows.filter((l) => matcher.matches(l).length === 0);
        case "rightsemi":
            leftRows.forEach((l) => matcher.matches(l));
            return rightRows.filter((r) => matcher.wasMatched(r));
        default: // rightanti, rightantisemi
            leftRows.forEach((l) => matcher.matches(l));
            return rightRows.filter((r) => !matcher.wasMatched(r));
    }
}

/** `on Column` or `on $left.A == $right.B` (either side first). */
function keyPair(context: OperatorContext, node: Node): KeyPair {
    if (kindOf(node) === "NameReference") {
        const name = (node as NameReferenceNode).SimpleName;
        return { left: name, right: name };
    }
    if (kindOf(node) === "EqualExpression") {
        const { Left, Right } = node as BinaryExpressionNode;
        const sides = [qualifiedColumn(Left), qualifiedColumn(Right)];
        const leftName = sides.find((s) => s?.side === "$left")?.column;
        const rightName = sides.find((s) => s?.side === "$right")?.column;
        if (leftName !== undefined && rightName !== undefined) {
            return { left: leftName, right: rightName };
        }
    }
    throw context.source.unsupported("this join key (use Column or $left.A == $right.B)", node);
}

function qualifiedColumn(node: Node): { side: string; column: string } | undefined {
    if (kindOf(node) !== "PathExpression") {
        return undefined;
    }
    const { Expression, Selector } = node as PathExpressionNode;
    return { side: (Expression as NameReferenceNode).SimpleName, column: (Selector as NameReferenceNode).SimpleName };
}

/** Indexes the right rows by key, and remembers which were matched (for right/full joins). */
class KeyMatcher {
    private readonly index = new Map<string, Row[]>();
    private readonly matched = new Set<Row>();

    constructor(
        private readonly keys: readonly KeyPair[],
        rightRows: readonly Row[],
    ) {
        for (const r of rightRows) {
            const key = this.keyOf(r, "right");
            if (key !== undefined) {
                this.index.set(key, [...(this.index.get(key) ?? []), r]);
            }
        }
    }

    /** The key of a row, or undefined if any part is null (null keys match nothing). */
    keyOf(r: Row, side: keyof KeyPair): string | undefined {
        const parts = this.keys.map((k) => r.values[k[side]]);
        return parts.some((p) => p === null) ? undefined : parts.map(valueKey).join("\u0001");
    }

    matches(leftRow: Row): Row[] {
        const key = this.keyOf(leftRow, "left");
        const found = key === undefined ? [] : (this.index.get(key) ?? []);
        found.forEach((r) => this.matched.add(r));
        return found;
    }

    wasMatched(rightRow: Row): boolean {
        return this.matched.has(rightRow);
    }
}

function firstRowPerKey(rows: readonly Row[], matcher: KeyMatcher): Row[] {
    const seen = new Set<string>();
    return rows.filter((r) => {
        const key = matcher.keyOf(r, "left");
        if (key === undefined || seen.has(key)) {
            return false;
        }
        seen.add(key);
        return true;
    });
}

/** The right side's columns under their output names: a taken name gets the next free number. */
function renamedRightColumns(left: Table, right: Table, dropped: ReadonlySet<string>): RightColumn[] {
    const taken = new Set(left.columns.map((c) => c.name));
    return right.columns
        .filter((c) => !dropped.has(c.name))
        .map((c) => {
            let name = c.name;
            for (let suffix = 1; taken.has(name); suffix++) {
                name = `${c.name}${suffix}`;
            }
            taken.add(name);
            return { from: c.name, to: name, type: c.type };
        });
}

function combinedValues(leftColumns: readonly Column[], rightColumns: readonly RightColumn[], l: Row | null, r: Row | null): RowValues {
    const values: RowValues = {};
    for (const c of leftColumns) {
        values[c.name] = l ? l.values[c.name] : missingValue(c.type);
    }
    for (const c of rightColumns) {
        values[c.to] = r ? r.values[c.from] : missingValue(c.type);
    }
    return values;
}

/**
 * `union` (kind=outer, Kusto's default): the rows of every operand in turn; a column an operand
 * lacks is null (empty for strings). Operands whose same-named columns differ in type are not
 * supported (Kusto renames those columns by type). With `isfuzzy=true` an operand reading a table
 * the workspace does not have is left out, as Kusto documents for fuzzy resolution ("the set of
 * union sources is reduced to the set of table references that exist"); here a table the replay
 * was given no records for stands for one the workspace does not have.
 */
export function union(context: OperatorContext, op: ExpressionListOperatorNode, input: Table | undefined): Table {
    const parameters = namedParameters(op.Parameters, ["kind", "isfuzzy"], context.source);
    const kind = parameters.get("kind") ?? "outer";
    if (kind !== "outer") {
        throw context.source.unsupported(`union kind=${kind}`, op);
    }
    const fuzzy = parameters.get("isfuzzy") ?? "false";
    if (fuzzy !== "true" && fuzzy !== "false") {
        throw context.source.unsupported(`union isfuzzy=${fuzzy}`, op);
    }
    const operand = (expression: Node): Table[] => {
        try {
            return [context.tabular(expression)];
        } catch (error) {
            if (fuzzy === "true" && error instanceof MissingTableError) {
                return [];
            }
            throw error;
        }
    };
    const operands = [...(input ? [input] : []), ...elementsOf(op.Expressions).flatMap(operand)];
    if (operands.length === 0) {
        // Kusto refuses a fuzzy union none of whose tables exists.
        throw new ReplayError(`none of the union's tables was given records (${context.source.where(op)})`);
    }
    const columns = boundColumns(op, context.source) ?? [];
    const byName = new Map(columns.map((c) => [c.name, c]));
    for (const operand of operands) {
        if (operand.columns.some((c) => byName.get(c.name)?.type !== c.type)) {
            throw context.source.unsupported("union of tables whose same-named columns differ in type", op);
        }
    }
    const rows = operands.flatMap((operand) =>
        operand.rows.map((r) => {
            const values: RowValues = {};
            for (const c of columns) {
                values[c.name] = Object.prototype.hasOwnProperty.call(r.values, c.name) ? r.values[c.name] : missingValue(c.type);
            }
            return row(values, r.ingestionTime);
        }),
    );
    return context.conform(op, rows);
}
