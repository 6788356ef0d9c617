/**
 * Evaluates scalar expressions of the bound syntax tree on one row: literals, column and `let`
 * references, dynamic access, operators and function calls, with Kusto's null rules.
 */
import { KqlSymbol } from "./analysis";
import { ReplayError } from "./errors";
import { Argument, CallContext, kustoRegex, scalarFunctions } from "./functions";
import {
    BetweenExpressionNode,
    BinaryExpressionNode,
    ElementExpressionNode,
    FunctionCallNode,
    JsonArrayNode,
    JsonObjectNode,
    ListOperatorExpressionNode,
    NameReferenceNode,
    Node,
    PathExpressionNode,
    QuerySource,
    UnaryExpressionNode,
    WrapperNode,
    boundColumns,
    boundType,
    elementsOf,
    kindOf,
    symbolKindOf,
} from "./syntax";
import { Row, ScalarEvaluation, Table } from "./table";
import {
    KustoBag,
    KustoDateTime,
    KustoTimespan,
    KustoType,
    KustoValue,
    compareValues,
    dynamicIndex,
    dynamicProperty,
    isBag,
    parseDateTime,
    parseTimespanLiteral,
    ticksPerMillisecond,
    valueToString,
    valuesEqual,
} from "./values";

/** What expressions need from the rest of the engine. */
export interface ScalarEnvironment {
    readonly source: QuerySource;
    readonly now: KustoDateTime;
    /** The value of a scalar `let`, or undefined if the symbol is not one. */
    scalarLet(symbol: KqlSymbol): KustoValue | undefined;
    /** Whether a called function is a `let` function of the query (not a built-in). */
    isQueryFunction(symbol: KqlSymbol): boolean;
    tabular(node: Node): Table;
}

type Truth = boolean | null;

export class ScalarEvaluator implements ScalarEvaluation {
    constructor(private readonly env: ScalarEnvironment) {}

    private get source(): QuerySource {
        return this.env.source;
    }

    evaluate(node: Node, on: Row | null): KustoValue {
        const kind = kindOf(node);
        switch (kind) {
            case "StringLiteralExpression":
            case "CompoundStringLiteralExpression":
                return node.LiteralValue as string;
            case "LongLiteralExpression":
            case "IntLiteralExpression":
            case "RealLiteralExpression":
            case "BooleanLiteralExpression":
                return this.primitiveLiteral(node);
            case "GuidLiteralExpression":
                return node.LiteralValue === null ? null : String(node.LiteralValue).toLowerCase();
            case "DateTimeLiteralExpression":
                return this.dateTimeLiteral(node);
            case "TimespanLiteralExpression":
                return this.timespanLiteral(node);
            case "NullLiteralExpression":
                return null;
            case "DynamicExpression":
                return this.json((node as WrapperNode).Expression);
            case "ParenthesizedExpression":
                return this.evaluate((node as WrapperNode).Expression, on);
            case "NameReference":
                return this.reference(node as NameReferenceNode, on);
            case "PathExpression":
                return this.path(node as PathExpressionNode, on);
            case "ElementExpression":
                return this.element(node as ElementExpressionNode, on);
            case "FunctionCallExpression":
                return this.call(node as FunctionCallNode, on);
            case "ToScalarExpression":
                return this.toScalar(node as WrapperNode);
            case "AndExpression":
            case "OrExpression":
                return this.logical(node as BinaryExpressionNode, on);
            case "UnaryMinusExpression":
            case "UnaryPlusExpression":
                return this.unary(node as UnaryExpressionNode, on);
            case "InExpression":
            case "InCsExpression":
            case "NotInExpression":
            case "NotInCsExpression":
                return this.inList(node as ListOperatorExpressionNode, on);
            case "HasAnyExpression":
            case "HasAllExpression":
                return this.hasAnyOrAll(node as ListOperatorExpressionNode, kind === "HasAllExpression", on);
            case "BetweenExpression":
            case "NotBetweenExpression":
                return this.between(node as BetweenExpressionNode, kind === "NotBetweenExpression", on);
            default:
                return this.binary(node, on);
        }
    }

    /** Evaluates a predicate: only `true` keeps a row (Kusto treats null as false). */
    isTrue(node: Node, on: Row | null): boolean {
        return this.evaluate(node, on) === true;
    }

    // -----------------------------------------------------------------------------------------
    // Literals
    // -----------------------------------------------------------------------------------------

    private primitiveLiteral(node: Node): KustoValue {
        const literal = node.LiteralValue as { toNumber?: () => number; valueOf(): unknown } | null;
        if (literal === null || literal === undefined) {
            return null;
        }
        const value = typeof literal.toNumber === "function" ? literal.toNumber() : literal.valueOf();
        if (typeof value === "boolean" || (typeof value === "number" && (Number.isSafeInteger(value) || kindOf(node) === "RealLiteralExpression"))) {
            return value;
        }
        throw this.source.unsupported("this literal (longs beyond 2^53 are not exact in JavaScript)", node);
    }

    /**
     * Kusto.Language decodes datetime literals to milliseconds only; the engine decodes the text
     * itself (keeping ticks) and checks it against Kusto.Language's reading.
     */
    private dateTimeLiteral(node: Node): KustoValue {
        const inner = /^datetime\s*\(\s*(.*?)\s*\)$/i.exec(node.toString().trim())?.[1] ?? "";
        if (inner.toLowerCase() === "null") {
            return null;
        }
        const parsed = parseDateTime(inner);
        const kustoDate = (node.LiteralValue as { valueOf(): unknown } | null)?.valueOf();
        const kustoMs = kustoDate instanceof Date ? kustoDate.getTime() : undefined;
        if (parsed === undefined || (kustoMs !== undefined && BigInt(kustoMs) !== parsed.ticks / ticksPerMillisecond)) {
            throw this.source.unsupported("this datetime literal format (use ISO 8601)", node);
        }
        return parsed;
    }

    private timespanLiteral(node: Node): KustoValue {
        const text = node.toString().trim();
        if (/^(time|timespan)\s*\(\s*null\s*\)$/i.test(text)) {
            return null;
        }
        const parsed = parseTimespanLiteral(text);
        const kustoTicks = (node.LiteralValue as { ticks?: { toNumber(): number } } | null)?.ticks?.toNumber();
        // Kusto.Language reads some clock forms (`time(1.02:03:04)`) as zero; only a non-zero reading is a check.
        if (parsed === undefined || (kustoTicks !== undefined && kustoTicks !== 0 && BigInt(kustoTicks) !== parsed.ticks)) {
            throw this.source.unsupported("this timespan literal format", node);
        }
        return parsed;
    }

    /** The JSON inside `dynamic(...)`. */
    private json(node: Node): KustoValue {
        switch (kindOf(node)) {
            case "JsonArrayExpression":
                return elementsOf((node as JsonArrayNode).Values).map((item) => this.json(item));
            case "JsonObjectExpression": {
                const bag: KustoBag = {};
                for (const pair of elementsOf((node as JsonObjectNode).Pairs)) {
                    bag[String(pair.Name.Value)] = this.json(pair.Value);
                }
                return bag;
            }
            default:
                return this.evaluate(node, null);
        }
    }

    // -----------------------------------------------------------------------------------------
    // References and dynamic access
    // -----------------------------------------------------------------------------------------

    private reference(node: NameReferenceNode, on: Row | null): KustoValue {
        const symbol = node.ReferencedSymbol;
        const kind = symbolKindOf(symbol);
        if (kind === "Column") {
            return this.column(node, node.SimpleName, on);
        }
        if (symbol && kind === "Variable") {
            const value = this.env.scalarLet(symbol);
            if (value !== undefined) {
                return value;
            }
        }
        throw this.source.unsupported(`a reference to this ${kind ?? "unbound name"} as a scalar`, node);
    }

    private column(node: Node, name: string, on: Row | null): KustoValue {
        if (on === null) {
            throw this.source.unsupported("a column reference outside of a row context", node);
        }
        if (!Object.prototype.hasOwnProperty.call(on.values, name)) {
            throw new Error(`replay engine: column ${name} is missing from the row at ${this.source.where(node)}`);
        }
        return on.values[name];
    }

    /** `d.key` and `d.['key']` on dynamic values. */
    private path(node: PathExpressionNode, on: Row | null): KustoValue {
        const baseKind = symbolKindOf(node.Expression.ReferencedSymbol);
        if (baseKind === "Tuple" || baseKind === "Table") {
            throw this.source.unsupported("a qualified column reference ($left/$right or table.column) here", node);
        }
        if (boundType(node.Expression, this.source) !== "dynamic") {
            throw this.source.unsupported("member access on a non-dynamic value", node);
        }
        const key = (node.Selector as NameReferenceNode).SimpleName;
        return dynamicProperty(this.evaluate(node.Expression, on), key);
    }

    /** `d[0]`, `d[-1]`, `d['key']` on dynamic values. */
    private element(node: ElementExpressionNode, on: Row | null): KustoValue {
        const base = this.evaluate(node.Expression, on);
        const selector = this.evaluate(node.Selector.Expression, on);
        if (typeof selector === "number") {
            return dynamicIndex(base, selector);
        }
        if (typeof selector === "string") {
            return dynamicProperty(base, selector);
        }
        return null;
    }

    // -----------------------------------------------------------------------------------------
    // Calls
    // -----------------------------------------------------------------------------------------

    private call(node: FunctionCallNode, on: Row | null): KustoValue {
        const name = node.Name.SimpleName;
        const symbol = node.ReferencedSymbol;
        if (symbol && this.env.isQueryFunction(symbol)) {
            throw this.source.unsupported(`calling the query's own function ${name}()`, node);
        }
        const implementation = scalarFunctions.get(name);
        if (implementation === undefined) {
            throw this.source.unsupported(`the function ${name}() in this position`, node);
        }
        const args: Argument[] = elementsOf(node.ArgumentList.Expressions).map((arg) => ({
            value: this.evaluate(arg, on),
            type: boundType(arg, this.source),
        }));
        try {
            return implementation(args, this.callContext(node, on));
        } catch (error) {
            if (error instanceof ReplayError) {
                throw new ReplayError(`${error.message} (${this.source.where(node)})`);
            }
            throw error;
        }
    }

    private callContext(node: Node, on: Row | null): CallContext {
        const { source } = this;
        return {
            now: this.env.now,
            resultType: boundType(node, source),
            ingestionTime(): KustoDateTime {
                if (on === null || on.ingestionTime === null) {
                    throw source.unsupported(
                        "ingestion_time() on rows that do not come straight from a table (after summarize, join, project or distinct)",
                        node,
                    );
                }
                return on.ingestionTime;
            },
        };
    }

    private toScalar(node: WrapperNode): KustoValue {
        const table = this.env.tabular(node.Expression);
        const first = table.rows[0];
        return first === undefined || table.columns.length === 0 ? null : first.values[table.columns[0].name];
    }

    // -----------------------------------------------------------------------------------------
    // Operators
    // -----------------------------------------------------------------------------------------

    /** Kusto's three-valued `and` / `or`. */
    private logical(node: BinaryExpressionNode, on: Row | null): Truth {
        const left = this.truth(node.Left, on);
        const isAnd = kindOf(node) === "AndExpression";
        if (left === !isAnd) {
            return left; // false and ... / true or ...
        }
        const right = this.truth(node.Right, on);
        if (left === null) {
            return right === !isAnd ? right : null;
        }
        return right;
    }

    private truth(node: Node, on: Row | null): Truth {
        const value = this.evaluate(node, on);
        if (value !== null && typeof value !== "boolean") {
            throw this.source.unsupported("a non-boolean operand of and/or", node);
        }
        return value;
    }

    private unary(node: UnaryExpressionNode, on: Row | null): KustoValue {
        const value = this.evaluate(node.Expression, on);
        if (kindOf(node) === "UnaryPlusExpression" || value === null) {
            return value;
        }
        if (typeof value === "number") {
            return -value;
        }
        if (value instanceof KustoTimespan) {
            return new KustoTimespan(-value.ticks);
        }
        throw this.source.unsupported("negating this value", node);
    }

    private binary(node: Node, on: Row | null): KustoValue {
        const { Left, Operator, Right } = node as BinaryExpressionNode;
        const operator = Operator?.Text;
        if (!Left || !Right || operator === undefined) {
            throw this.source.unsupported(`the expression kind ${kindOf(node)}`, node);
        }
        const left = this.evaluate(Left, on);
        const right = this.evaluate(Right, on);
        const comparison = comparisonOperators[operator];
        if (comparison) {
            return comparison(left, right, () => this.source.unsupported(`comparing these values with ${operator}`, node));
        }
        const stringOperator = stringOperators[operator.replace(/^!/, "")];
        if (stringOperator) {
            const result = stringOperator(valueToString(left), valueToString(right));
            return operator.startsWith("!") ? !result : result;
        }
        const arithmetic = arithmeticOperators[operator];
        if (arithmetic) {
            if (left === null || right === null) {
                return null;
            }
            const result = arithmetic(left, right, boundType(node, this.source));
            if (result === undefined) {
                throw this.source.unsupported(`${operator} on these operand types`, node);
            }
            return result;
        }
        throw this.source.unsupported(`the operator ${operator}`, node);
    }

    /** `in`, `in~`, `!in`, `!in~`: the list may hold scalars, dynamic arrays and tabular subqueries. */
    private inList(node: ListOperatorExpressionNode, on: Row | null): KustoValue {
        const operator = node.Operator.Text;
        const ignoreCase = operator.endsWith("~");
        const left = this.evaluate(node.Left, on);
        const candidates = this.listValues(node, on);
        const found = left !== null && candidates.some((candidate) => candidate !== null && valuesEqual(left, candidate, ignoreCase));
        return operator.startsWith("!") ? !found : found;
    }

    private hasAnyOrAll(node: ListOperatorExpressionNode, all: boolean, on: Row | null): KustoValue {
        const text = valueToString(this.evaluate(node.Left, on));
        const terms = this.listValues(node, on).map(valueToString);
        const matches = (term: string): boolean => hasTerm(text, term, true);
        return all ? terms.every(matches) : terms.some(matches);
    }

    private listValues(node: ListOperatorExpressionNode, on: Row | null): KustoValue[] {
        return elementsOf(node.Right.Expressions).flatMap((item) => {
            if (boundColumns(item, this.source) !== undefined) {
                const table = this.env.tabular(item);
                const first = table.columns[0];
                return first ? table.rows.map((r) => r.values[first.name]) : [];
            }
            const value = this.evaluate(item, on);
            return boundType(item, this.source) === "dynamic" && Array.isArray(value) ? value : [value];
        });
    }

    private between(node: BetweenExpressionNode, negated: boolean, on: Row | null): KustoValue {
        const value = this.evaluate(node.Left, on);
        const low = this.evaluate(node.Right.First, on);
        const high = this.evaluate(node.Right.Second, on);
        if (value === null || low === null || high === null) {
            return null;
        }
        const fromLow = compareValues(value, low);
        const toHigh = compareValues(value, high);
        if (fromLow === undefined || toHigh === undefined) {
            throw this.source.unsupported("between on these operand types", node);
        }
        const inside = fromLow >= 0 && toHigh <= 0;
        return negated ? !inside : inside;
    }
}

// ---------------------------------------------------------------------------------------------
// Operator semantics
// ---------------------------------------------------------------------------------------------

type Comparison = (left: KustoValue, right: KustoValue, unsupported: () => Error) => Truth;

/**
 * Equality as Kusto documents it: two nulls give null, null against a value is false for `==`
 * (true for `!=`). Values of different kinds (a dynamic number against a string) are unequal.
 */
function equality(ignoreCase: boolean, negated: boolean): Comparison {
    return (left, right, unsupported) => {
        if (left === null && right === null) {
            return null;
        }
        if (left === null || right === null) {
            return negated;
        }
        if (isCollection(left) !== isCollection(right)) {
            throw unsupported();
        }
        const equal = valuesEqual(left, right, ignoreCase);
        return negated ? !equal : equal;
    };
}

function isCollection(value: KustoValue): boolean {
    return Array.isArray(value) || isBag(value);
}

function ordering(test: (comparison: number) => boolean): Comparison {
    return (left, right, unsupported) => {
        if (left === null || right === null) {
            return null;
        }
        const comparison = compareValues(left, right);
        if (comparison === undefined) {
            throw unsupported();
        }
        return test(comparison);
    };
}

const comparisonOperators: Record<string, Comparison> = {
    "==": equality(false, false),
    "!=": equality(false, true),
    "=~": equality(true, false),
    "!~": equality(true, true),
    "<": ordering((c) => c < 0),
    "<=": ordering((c) => c <= 0),
    ">": ordering((c) => c > 0),
    ">=": ordering((c) => c >= 0),
};

function isWordCharacter(character: string | undefined): boolean {
    return character !== undefined && /[\p{L}\p{N}]/u.test(character);
}

/**
 * Kusto's `has`: the needle occurs as whole terms - where it begins (ends) with a letter or digit,
 * the text must not continue with one before (after) the match.
 */
export function hasTerm(text: string, needle: string, ignoreCase: boolean): boolean {
    const haystack = ignoreCase ? text.toLowerCase() : text;
    const term = ignoreCase ? needle.toLowerCase() : needle;
    if (term === "") {
        return true;
    }
    for (let at = haystack.indexOf(term); at >= 0; at = haystack.indexOf(term, at + 1)) {
        const startsClean = !isWordCharacter(term[0]) || !isWordCharacter(haystack[at - 1]);
        const endsClean = !isWordCharacter(term[term.length - 1]) || !isWordCharacter(haystack[at + term.length]);
        if (startsClean && endsClean) {
            return true;
        }
    }
    return false;
}

const lower = (s: string): string => s.toLowerCase();

/** String operators by their positive spelling; `!has` etc. negate them. Operands are tostring()-ed. */
const stringOperators: Record<string, (left: string, right: string) => boolean> = {
    has: (l, r) => hasTerm(l, r, true),
    has_cs: (l, r) => hasTerm(l, r, false),
    contains: (l, r) => lower(l).includes(lower(r)),
    contains_cs: (l, r) => l.includes(r),
    startswith: (l, r) => lower(l).startsWith(lower(r)),
    startswith_cs: (l, r) => l.startsWith(r),
    endswith: (l, r) => lower(l).endsWith(lower(r)),
    endswith_cs: (l, r) => l.endsWith(r),
    "matches regex": (l, r) => kustoRegex(r).test(l),
};

type Arithmetic = (left: KustoValue, right: KustoValue, resultType: KustoType) => KustoValue | undefined;

function numeric(operation: (a: number, b: number) => number): Arithmetic {
    return (left, right, resultType) => {
        if (typeof left !== "number" || typeof right !== "number") {
            return undefined;
        }
        const result = operation(left, right);
        if (resultType === "long" || resultType === "int") {
            return Number.isFinite(result) ? Math.trunc(result) : null;
        }
        return result;
    };
}

const arithmeticOperators: Record<string, Arithmetic> = {
    "+": (l, r, t) => {
        if (l instanceof KustoDateTime && r instanceof KustoTimespan) return new KustoDateTime(l.ticks + r.ticks);
        if (l instanceof KustoTimespan && r instanceof KustoDateTime) return new KustoDateTime(l.ticks + r.ticks);
        if (l instanceof KustoTimespan && r instanceof KustoTimespan) return new KustoTimespan(l.ticks + r.ticks);
        return numeric((a, b) => a + b)(l, r, t);
    },
    "-": (l, r, t) => {
        if (l instanceof KustoDateTime && r instanceof KustoTimespan) return new KustoDateTime(l.ticks - r.ticks);
        if (l instanceof KustoDateTime && r instanceof KustoDateTime) return new KustoTimespan(l.ticks - r.ticks);
        if (l instanceof KustoTimespan && r instanceof KustoTimespan) return new KustoTimespan(l.ticks - r.ticks);
        return numeric((a, b) => a - b)(l, r, t);
    },
    "*": (l, r, t) => {
        if (l instanceof KustoTimespan && typeof r === "number") return new KustoTimespan(BigInt(Math.round(Number(l.ticks) * r)));
        if (typeof l === "number" && r instanceof KustoTimespan) return new KustoTimespan(BigInt(Math.round(l * Number(r.ticks))));
        return numeric((a, b) => a * b)(l, r, t);
    },
    "/": (l, r, t) => {
        if (l instanceof KustoTimespan && r instanceof KustoTimespan) return Number(l.ticks) / Number(r.ticks);
        if (l instanceof KustoTimespan && typeof r === "number") return new KustoTimespan(BigInt(Math.round(Number(l.ticks) / r)));
        return numeric((a, b) => a / b)(l, r, t);
    },
    "%": numeric((a, b) => a % b),
};
