/**
 * A parser for Workflow Definition Language (WDL) expressions, the `@...` strings of a Logic
 * Apps definition. It produces an AST that the replay engine evaluates and that static checks
 * walk (see {@link listFunctionCalls}).
 *
 * How a JSON string value is read (Logic Apps' rules):
 * - `"@expr"`: the whole value is one expression; its result keeps its type (number, object...).
 * - `"text @{expr} text"` or `"@{expr}"`: string interpolation; the result is always a string.
 * - `@@` stands for a literal `@` (so `"@@{x}"` is the text `@{x}` and `"@@x"` is `@x`); any
 *   other `@` not followed by `{` is plain text (`"admin@contoso.com"` stays as it is).
 * - Anything else is a literal string.
 *
 * Expression grammar:
 * ```
 * expression := primary postfix*
 * primary    := string | number | "true" | "false" | "null" | call
 * string     := "'" ( any character but "'" | "''" )* "'"      ('' is one quote)
 * number     := "-"? digits ( "." digits )?
 * call       := identifier "(" ( expression ( "," expression )* )? ")"
 * postfix    := "?"? "[" expression "]"  |  "?"? "." identifier
 * ```
 * `?` marks null-tolerant access (`x?['a']` is null when `x` is null); the evaluator defines
 * what each form does with null. Function names are kept as written; Logic Apps matches them
 * case-insensitively, so consumers should compare lower-cased names.
 */

export type Expression = StringLiteral | NumberLiteral | BooleanLiteral | NullLiteral | FunctionCall | MemberAccess;

export interface StringLiteral {
    readonly kind: "string";
    readonly value: string;
}

export interface NumberLiteral {
    readonly kind: "number";
    readonly value: number;
}

export interface BooleanLiteral {
    readonly kind: "boolean";
    readonly value: boolean;
}

export interface NullLiteral {
    readonly kind: "null";
}

export interface FunctionCall {
    readonly kind: "call";
    readonly name: string;
    readonly args: readonly Expression[];
}

/** `target[key]`, `target?[key]`, `target.name` or `target?.name` (a `.name` key is a string literal). */
export interface MemberAccess {
    readonly kind: "member";
    readonly target: Expression;
    readonly key: Expression;
    /** True for the `?` forms, which yield null instead of failing when the target is null. */
    readonly nullTolerant: boolean;
}

/** A parsed JSON string value of a definition. */
export type Template = LiteralTemplate | ExpressionTemplate | InterpolationTemplate;

/** No expression: the value is this text (after `@@` unescaping). */
export interface LiteralTemplate {
    readonly kind: "literal";
    readonly text: string;
}

/** `"@expr"`: the value is the expression's result, whatever its type. */
export interface ExpressionTemplate {
    readonly kind: "expression";
    readonly expression: Expression;
}

/** `"a @{x} b"`: the value is the concatenation of the text parts and the expressions' string forms. */
export interface InterpolationTemplate {
    readonly kind: "interpolation";
    readonly parts: readonly (string | Expression)[];
}

/** A syntax error, naming the source text and the 0-based offset where parsing stopped. */
export class ExpressionSyntaxError extends Error {
    constructor(
        readonly source: string,
        readonly offset: number,
        problem: string,
    ) {
        super(`WDL syntax error at offset ${offset} of ${JSON.stringify(source)}: ${problem}`);
        this.name = "ExpressionSyntaxError";
    }
}

/** True when a JSON string value is evaluated rather than taken literally. */
export function isExpressionString(value: string): boolean {
    return parseTemplate(value).kind !== "literal";
}

/** Parses a JSON string value of a definition (see the module comment for the rules). */
export function parseTemplate(source: string): Template {
    if (source.startsWith("@") && !source.startsWith("@@") && !source.startsWith("@{")) {
        const parser = new ExpressionParser(source, 1);
        const expression = parser.parseExpression();
        parser.expectEnd();
        return { kind: "expression", expression };
    }
    return parseInterpolation(source);
}

/** Parses a bare expression (the text after the leading `@`), e.g. `triggerBody()?['object']`. */
export function parseExpression(source: string): Expression {
    const parser = new ExpressionParser(source, 0);
    const expression = parser.parseExpression();
    parser.expectEnd();
    return expression;
}

function parseInterpolation(source: string): Template {
    const parts: (string | Expression)[] = [];
    let text = "";
    let offset = 0;
    while (offset < source.length) {
        const at = source.indexOf("@", offset);
        if (at < 0) {
            text += source.slice(offset);
            break;
        }
        text += source.slice(offset, at);
        const next = source[at + 1];
        if (next === "@") {
            text += "@";
            offset = at + 2;
        } else if (next === "{") {
            if (text !== "") parts.push(text);
            text = "";
            const parser = new ExpressionParser(source, at + 2);
            parts.push(parser.parseExpression());
            offset = parser.expectCharacter("}");
        } else {
            text += "@";
            offset = at + 1;
        }
    }
    if (text !== "") parts.push(text);
    if (parts.every((part) => typeof part === "string")) {
        return { kind: "literal", text: parts.join("") };
    }
    return { kind: "interpolation", parts };
}

/** Recursive-descent parser over `source`, starting at `offset`. */
class ExpressionParser {
    constructor(
        private readonly source: string,
        private offset: number,
    ) {}

    parseExpression(): Expression {
        let expression = this.parsePrimary();
        for (;;) {
            this.skipWhitespace();
            const nullTolerant = this.peek() === "?";
            const accessor = nullTolerant ? this.source[this.offset + 1] : this.peek();
            if (accessor !== "[" && accessor !== ".") {
                if (nullTolerant) this.fail("expected '[' or '.' after '?'");
                return expression;
            }
            this.offset += nullTolerant ? 2 : 1;
            expression = { kind: "member", target: expression, key: this.parseMemberKey(accessor), nullTolerant };
        }
    }

    /** Fails unless only whitespace is left. */
    expectEnd(): void {
        this.skipWhitespace();
        if (this.offset < this.source.length) this.fail(`unexpected ${JSON.stringify(this.peek())}`);
    }

    /** Consumes `character` (after optional whitespace) and returns the offset after it. */
    expectCharacter(character: string): number {
        this.skipWhitespace();
        if (this.peek() !== character) {
            this.fail(`expected ${JSON.stringify(character)} but found ${this.describeNext()}`);
        }
        this.offset += 1;
        return this.offset;
    }

    private parseMemberKey(accessor: "[" | "."): Expression {
        if (accessor === ".") {
            return { kind: "string", value: this.parseIdentifier() };
        }
        const key = this.parseExpression();
        this.expectCharacter("]");
        return key;
    }

    private parsePrimary(): Expression {
        this.skipWhitespace();
        const next = this.peek();
        if (next === "'") return this.parseString();
        if (next !== undefined && /[-0-9]/.test(next)) return this.parseNumber();
        if (next !== undefined && /[A-Za-z_]/.test(next)) return this.parseWord();
        return this.fail(`expected a value but found ${this.describeNext()}`);
    }

    private parseString(): StringLiteral {
        let value = "";
        this.offset += 1;
        for (;;) {
            const close = this.source.indexOf("'", this.offset);
            if (close < 0) this.fail("unterminated string literal");
            value += this.source.slice(this.offset, close);
            this.offset = close + 1;
            if (this.peek() !== "'") return { kind: "string", value };
            value += "'";
            this.offset += 1;
        }
    }

    private parseNumber(): NumberLiteral {
        const match = /^-?\d+(\.\d+)?/.exec(this.source.slice(this.offset));
        if (match === null) return this.fail("malformed number");
        this.offset += match[0].length;
        return { kind: "number", value: Number(match[0]) };
    }

    /** A keyword literal or a function call: WDL has no bare identifiers. */
    private parseWord(): Expression {
        const start = this.offset;
        const name = this.parseIdentifier();
        this.skipWhitespace();
        if (this.peek() === "(") {
            this.offset += 1;
            return { kind: "call", name, args: this.parseArguments() };
        }
        if (name === "true" || name === "false") return { kind: "boolean", value: name === "true" };
        if (name === "null") return { kind: "null" };
        this.offset = start;
        return this.fail(`${JSON.stringify(name)} is neither a function call nor true/false/null`);
    }

    private parseArguments(): Expression[] {
        const args: Expression[] = [];
        this.skipWhitespace();
        if (this.peek() === ")") {
            this.offset += 1;
            return args;
        }
        for (;;) {
            args.push(this.parseExpression());
            this.skipWhitespace();
            const separator = this.peek();
            this.offset += 1;
            if (separator === ")") return args;
            if (separator !== ",") {
                this.offset -= 1;
                this.fail(`expected ',' or ')' in an argument list but found ${this.describeNext()}`);
            }
        }
    }

    private parseIdentifier(): string {
        const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.source.slice(this.offset));
        if (match === null) return this.fail(`expected a name but found ${this.describeNext()}`);
        this.offset += match[0].length;
        return match[0];
    }

    private skipWhitespace(): void {
        while (this.offset < this.source.length && /\s/.test(this.source[this.offset]!)) this.offset += 1;
    }

    private peek(): string | undefined {
        return this.source[this.offset];
    }

    private describeNext(): string {
        const next = this.peek();
        return next === undefined ? "the end of the expression" : JSON.stringify(next);
    }

    private fail(problem: string): never {
        throw new ExpressionSyntaxError(this.source, this.offset, problem);
    }
}

/** One function call found in a definition. */
export interface FunctionCallReference {
    /** The function name as written, e.g. `body`. */
    readonly name: string;
    /** The first argument when it is a string literal (`'List_assignments'` in `body('List_assignments')`). */
    readonly firstArgument?: string;
    /** Where the string was found: a JSON path such as `$.actions.Compose.inputs.message`. */
    readonly location: string;
}

/**
 * Lists every function call, nested ones included, in a JSON string or in every string of a
 * nested JSON value (object keys are not expressions and are not read). Throws an
 * {@link ExpressionSyntaxError} (prefixed with the location) when a string does not parse.
 * Order: document order, outer call before the calls in its arguments.
 */
export function listFunctionCalls(value: unknown, location = "$"): FunctionCallReference[] {
    const found: FunctionCallReference[] = [];
    visitStrings(value, location, (text, where) => {
        for (const call of callsInTemplate(parseTemplateAt(text, where))) {
            found.push(describeCall(call, where));
        }
    });
    return found;
}

/** Every function call inside one parsed template, outer calls first. */
export function callsInTemplate(template: Template): FunctionCall[] {
    switch (template.kind) {
        case "literal":
            return [];
        case "expression":
            return callsInExpression(template.expression);
        case "interpolation":
            return template.parts.flatMap((part) => (typeof part === "string" ? [] : callsInExpression(part)));
    }
}

/** Every function call inside one expression, outer calls first. */
export function callsInExpression(expression: Expression): FunctionCall[] {
    switch (expression.kind) {
        case "call":
            return [expression, ...expression.args.flatMap(callsInExpression)];
        case "member":
            return [...callsInExpression(expression.target), ...callsInExpression(expression.key)];
        default:
            return [];
    }
}

function describeCall(call: FunctionCall, location: string): FunctionCallReference {
    const first = call.args[0];
    return first?.kind === "string" ? { name: call.name, firstArgument: first.value, location } : { name: call.name, location };
}

function parseTemplateAt(text: string, location: string): Template {
    try {
        return parseTemplate(text);
    } catch (error) {
        if (error instanceof ExpressionSyntaxError) {
            error.message = `${location}: ${error.message}`;
        }
        throw error;
    }
}

function visitStrings(value: unknown, location: string, visit: (text: string, location: string) => void): void {
    if (typeof value === "string") {
        visit(value, location);
    } else if (Array.isArray(value)) {
        value.forEach((item, index) => visitStrings(item, `${location}[${index}]`, visit));
    } else if (value !== null && typeof value === "object") {
        for (const [key, child] of Object.entries(value)) {
            visitStrings(child, `${location}${memberPath(key)}`, visit);
        }
    }
}

function memberPath(key: string): string {
    return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
