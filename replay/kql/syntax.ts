/**
 * Typed views of the Kusto.Language syntax nodes the engine reads. Kusto.Language exposes each
 * node's parts as named properties (a `FilterOperator` has `Condition`, a `PipeExpression` has
 * `Expression` and `Operator`); only the ones used are declared here, on top of the opaque handles
 * of `../analysis`, so the package's 1.7 MB declaration file stays out of the type check.
 */
import {
    KqlColumnSymbol,
    KqlList,
    KqlSymbol,
    KqlSyntaxNode,
    KqlSyntaxToken,
    KqlTableSymbol,
    lineAndColumn,
    listItems,
    symbolKindName,
    syntaxKindName,
} from "./analysis";
import { UnsupportedConstructError } from "./errors";
import { KustoType, kustoTypeNamed } from "./values";

export type Node = KqlSyntaxNode;
export type Token = KqlSyntaxToken;

/** An element of a comma-separated list (the separator is a token of its own). */
interface SeparatedElement<T> extends Node {
    readonly Element: T;
}

export type SeparatedList<T> = KqlList<SeparatedElement<T>>;

export interface NameNode extends Node {
    readonly SimpleName: string;
}

export interface NameReferenceNode extends Node {
    readonly SimpleName: string;
    readonly Name: NameNode;
}

export interface NameDeclarationNode extends Node {
    readonly SimpleName: string;
}

export interface QueryBlockNode extends Node {
    readonly Statements: SeparatedList<Node>;
}

export interface LetStatementNode extends Node {
    readonly Name: NameDeclarationNode;
    readonly Expression: Node;
}

/** Any node with a single inner `Expression` (statements, parentheses, materialize, toscalar...). */
export interface WrapperNode extends Node {
    readonly Expression: Node;
}

export interface PipeExpressionNode extends Node {
    readonly Expression: Node;
    readonly Operator: Node;
}

export interface NamedParameterNode extends Node {
    readonly Name: NameDeclarationNode;
    readonly Expression: Node;
}

/** Operators whose arguments are a list of expressions: extend, project, distinct, union... */
export interface ExpressionListOperatorNode extends Node {
    readonly Parameters?: KqlList<NamedParameterNode> | null;
    readonly Expressions: SeparatedList<Node>;
}

export interface FilterOperatorNode extends Node {
    readonly Parameters: KqlList<NamedParameterNode> | null;
    readonly Condition: Node;
}

export interface TakeOperatorNode extends Node {
    readonly Parameters: KqlList<NamedParameterNode> | null;
    readonly Expression: Node;
}

export interface TopOperatorNode extends Node {
    readonly Parameters: KqlList<NamedParameterNode> | null;
    readonly Expression: Node;
    readonly ByExpression: Node;
}

export interface SummarizeOperatorNode extends Node {
    readonly Parameters: KqlList<NamedParameterNode> | null;
    readonly Aggregates: SeparatedList<Node>;
    readonly ByClause: { readonly Expressions: SeparatedList<Node>; readonly BinClause: Node | null } | null;
}

export interface JoinOperatorNode extends Node {
    readonly Parameters: KqlList<NamedParameterNode> | null;
    readonly Expression: Node;
    /** `join` calls it ConditionClause, `lookup` LookupClause: a JoinOnClause or JoinWhereClause. */
    readonly ConditionClause?: Node;
    readonly LookupClause?: Node;
}

export interface JoinOnClauseNode extends Node {
    readonly Expressions: SeparatedList<Node>;
}

export interface MvExpandOperatorNode extends Node {
    readonly Parameters: KqlList<NamedParameterNode> | null;
    readonly Expressions: SeparatedList<MvExpandExpressionNode>;
    readonly RowLimitClause: { readonly RowLimit: Node } | null;
}

export interface MvExpandExpressionNode extends Node {
    readonly Expression: Node;
    readonly ToTypeOf: { readonly TypeOf: { readonly Types: SeparatedList<Node> } } | null;
}

export interface MvApplyOperatorNode extends MvExpandOperatorNode {
    readonly ContextIdClause: Node | null;
    readonly Subquery: WrapperNode;
}

export interface OrderedExpressionNode extends Node {
    readonly Expression: Node;
    readonly Ordering: {
        readonly AscOrDescKeyword: Token | null;
        readonly NullsClause: { readonly FirstOrLastKeyword: Token | null } | null;
    } | null;
}

export interface CountOperatorNode extends Node {
    readonly AsIdentifier: { readonly Identifier: Token } | null;
}

export interface DataTableNode extends Node {
    readonly Parameters: KqlList<NamedParameterNode> | null;
    readonly Schema: { readonly Columns: SeparatedList<NameAndTypeNode> };
    readonly Values: SeparatedList<Node>;
}

export interface NameAndTypeNode extends Node {
    readonly Name: NameDeclarationNode;
}

export interface SimpleNamedExpressionNode extends Node {
    readonly Name: NameDeclarationNode;
    readonly Expression: Node;
}

export interface BinaryExpressionNode extends Node {
    readonly Left: Node;
    readonly Operator: Token;
    readonly Right: Node;
}

export interface UnaryExpressionNode extends Node {
    readonly Operator: Token;
    readonly Expression: Node;
}

/** `in`, `has_any` and friends: the right side is a parenthesized list. */
export interface ListOperatorExpressionNode extends Node {
    readonly Left: Node;
    readonly Operator: Token;
    readonly Right: { readonly Expressions: SeparatedList<Node> };
}

export interface BetweenExpressionNode extends Node {
    readonly Left: Node;
    readonly Operator: Token;
    readonly Right: { readonly First: Node; readonly Second: Node };
}

export interface FunctionCallNode extends Node {
    readonly Name: NameReferenceNode;
    readonly ArgumentList: { readonly Expressions: SeparatedList<Node> };
}

export interface PathExpressionNode extends Node {
    readonly Expression: Node;
    readonly Selector: Node;
}

export interface ElementExpressionNode extends Node {
    readonly Expression: Node;
    readonly Selector: WrapperNode;
}

export interface LiteralNode extends Node {
    readonly Token: Token;
}

export interface JsonArrayNode extends Node {
    readonly Values: SeparatedList<Node>;
}

export interface JsonObjectNode extends Node {
    readonly Pairs: SeparatedList<{ readonly Name: Token; readonly Value: Node }>;
}

/** A `let name = (params) { body }` function. */
export interface FunctionDeclarationNode extends Node {
    readonly Body: Node;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const kindNames = new Map<number, string>();

/** The SyntaxKind name of a node (`FilterOperator`, `EqualExpression`...), cached per kind. */
export function kindOf(node: Node): string {
    let name = kindNames.get(node.Kind);
    if (name === undefined) {
        name = syntaxKindName(node.Kind);
        kindNames.set(node.Kind, name);
    }
    return name;
}

/** The elements of a separated list, without their commas. */
export function elementsOf<T>(list: SeparatedList<T> | null | undefined): T[] {
    return listItems(list).map((item) => item.Element);
}

export function symbolKindOf(symbol: KqlSymbol | null | undefined): string | undefined {
    return symbol ? symbolKindName(symbol.Kind) : undefined;
}

/** The query text, to say where in it a node is. */
export class QuerySource {
    constructor(readonly text: string) {}

    /** `line 3, column 9: 'snippet'` for messages. */
    where(node: Node): string {
        const { line, column } = lineAndColumn(this.text, node.TextStart);
        const snippet = node.toString().replace(/\s+/g, " ").trim();
        return `line ${line}, column ${column}: '${snippet.length > 60 ? `${snippet.slice(0, 57)}...` : snippet}'`;
    }

    unsupported(construct: string, node: Node): UnsupportedConstructError {
        return new UnsupportedConstructError(construct, this.where(node));
    }
}

/** A column of a bound tabular type. */
export interface Column {
    readonly name: string;
    readonly type: KustoType;
}

/**
 * The columns of a node's bound tabular type (a table or, for `arg_max(...)`, a tuple), or
 * undefined if the node's type is scalar.
 */
export function boundColumns(node: Node, source: QuerySource): Column[] | undefined {
    const type = node.ResultType;
    const kind = symbolKindOf(type);
    if (kind !== "Table" && kind !== "Tuple") {
        return undefined;
    }
    const columns = listItems((type as KqlTableSymbol).Columns) as KqlColumnSymbol[];
    return columns.map((c) => ({ name: c.Name, type: typeNamed(c.Type.Name, node, source) }));
}

/** The bound scalar type of an expression. */
export function boundType(node: Node, source: QuerySource): KustoType {
    return typeNamed(node.ResultType?.Name ?? "(none)", node, source);
}

function typeNamed(name: string, node: Node, source: QuerySource): KustoType {
    const type = kustoTypeNamed(name);
    if (type === undefined) {
        throw source.unsupported(`values of type ${name}`, node);
    }
    return type;
}

/** The expression inside `name = expression`, or the node itself. */
export function valueExpression(node: Node): Node {
    return kindOf(node) === "SimpleNamedExpression" ? (node as SimpleNamedExpressionNode).Expression : node;
}

/** The column name an expression declares (`name = ...`) or keeps (a bare column reference), if any. */
export function declaredName(node: Node): string | undefined {
    switch (kindOf(node)) {
        case "SimpleNamedExpression":
            return (node as SimpleNamedExpressionNode).Name.SimpleName;
        case "NameReference":
            return (node as NameReferenceNode).SimpleName;
        default:
            return undefined;
    }
}

/**
 * An operator's `name=value` parameters (`kind=inner`, `with_itemindex=i`), as written. Query
 * hints (`hint.strategy=...`) only change how Kusto spreads the work, not the result, and are
 * skipped; any other parameter not in `known` is unsupported.
 */
export function namedParameters(list: KqlList<NamedParameterNode> | null | undefined, known: readonly string[], source: QuerySource): Map<string, string> {
    const parameters = new Map<string, string>();
    for (const parameter of listItems(list)) {
        const name = parameter.Name.SimpleName;
        if (name.toLowerCase().startsWith("hint.")) {
            continue;
        }
        if (!known.includes(name)) {
            throw source.unsupported(`the parameter ${name}=`, parameter);
        }
        parameters.set(name, parameter.Expression.toString().trim());
    }
    return parameters;
}
