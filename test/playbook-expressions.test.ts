import { expect } from "chai";
import { ExpressionSyntaxError, isExpressionString, listFunctionCalls, parseExpression, parseTemplate } from "../replay/logic-apps/expressions";

describe("WDL expression parser", () => {
    describe("how a JSON string value is read", () => {
        it("takes a string without @ literally", () => {
            expect(parseTemplate("Global Administrator")).to.deep.equal({ kind: "literal", text: "Global Administrator" });
        });

        it("keeps an @ that starts no expression, as in an e-mail address", () => {
            expect(parseTemplate("admin@contoso.com")).to.deep.equal({ kind: "literal", text: "admin@contoso.com" });
        });

        it("reads a leading @ as one whole-value expression", () => {
            expect(parseTemplate("@parameters('mode')")).to.deep.equal({
                kind: "expression",
                expression: { kind: "call", name: "parameters", args: [{ kind: "string", value: "mode" }] },
            });
        });

        it("reads @{...} as interpolation, even when it is the whole value", () => {
            expect(parseTemplate("@{variables('count')}")).to.deep.equal({
                kind: "interpolation",
                parts: [{ kind: "call", name: "variables", args: [{ kind: "string", value: "count" }] }],
            });
        });

        it("splits text and expressions of an interpolated string in order", () => {
            const template = parseTemplate("Removed @{items('Each')?['id']} at scope @{variables('scope')}.");
            expect(template.kind).to.equal("interpolation");
            if (template.kind !== "interpolation") return;
            expect(template.parts.map((part) => (typeof part === "string" ? part : part.kind))).to.deep.equal([
                "Removed ",
                "member",
                " at scope ",
                "call",
                ".",
            ]);
        });

        it("unescapes @@ to a literal @, so @@{x} is text and not interpolation", () => {
            expect(parseTemplate("@@{parameters('mode')}")).to.deep.equal({ kind: "literal", text: "@{parameters('mode')}" });
            expect(parseTemplate("@@mention")).to.deep.equal({ kind: "literal", text: "@mention" });
            expect(isExpressionString("@@x")).to.equal(false);
        });

        it("does not end an interpolation at a } inside a string literal", () => {
            const template = parseTemplate("@{concat('}', 'a')}!");
            expect(template.kind).to.equal("interpolation");
        });
    });

    describe("literals", () => {
        it("reads '' inside a string literal as one quote", () => {
            expect(parseExpression("'it''s'")).to.deep.equal({ kind: "string", value: "it's" });
        });

        it("reads integers, decimals and negative numbers", () => {
            expect(parseExpression("42")).to.deep.equal({ kind: "number", value: 42 });
            expect(parseExpression("-1.5")).to.deep.equal({ kind: "number", value: -1.5 });
        });

        it("reads true, false and null", () => {
            expect(parseExpression("true")).to.deep.equal({ kind: "boolean", value: true });
            expect(parseExpression("false")).to.deep.equal({ kind: "boolean", value: false });
            expect(parseExpression("null")).to.deep.equal({ kind: "null" });
        });
    });

    describe("member access", () => {
        it("distinguishes ?['x'] (null-tolerant) from ['x'] and .x", () => {
            expect(parseExpression("triggerBody()?['object']['id'].name")).to.deep.equal({
                kind: "member",
                nullTolerant: false,
                key: { kind: "string", value: "name" },
                target: {
                    kind: "member",
                    nullTolerant: false,
                    key: { kind: "string", value: "id" },
                    target: {
                        kind: "member",
                        nullTolerant: true,
                        key: { kind: "string", value: "object" },
                        target: { kind: "call", name: "triggerBody", args: [] },
                    },
                },
            });
        });

        it("accepts any expression as an index", () => {
            const parsed = parseExpression("variables('list')[add(1, 2)]");
            expect(parsed).to.have.property("kind", "member");
            expect(parsed).to.have.nested.property("key.name", "add");
        });

        it("tolerates whitespace between tokens", () => {
            expect(parseExpression(" equals ( 1 ,  2 ) ")).to.deep.equal({
                kind: "call",
                name: "equals",
                args: [
                    { kind: "number", value: 1 },
                    { kind: "number", value: 2 },
                ],
            });
        });
    });

    describe("syntax errors name what is wrong and where", () => {
        const cases: [string, RegExp][] = [
            ["@concat('a', 'b'", /offset 16.*expected ',' or '\)'/],
            ["@body('X'", /expected ',' or '\)'/],
            ["@'unterminated", /unterminated string literal/],
            ["@variables", /"variables" is neither a function call/],
            ["@body('X')?", /expected '\[' or '\.' after '\?'/],
            ["@body('X') extra", /unexpected "e"/],
            ["text @{body('X')", /expected "}"/],
            ["@items('X')[", /expected a value/],
        ];
        for (const [source, message] of cases) {
            it(`rejects ${JSON.stringify(source)}`, () => {
                expect(() => parseTemplate(source)).to.throw(ExpressionSyntaxError, message);
            });
        }
    });

    describe("listFunctionCalls", () => {
        it("lists nested calls of every string in a JSON value with their first literal argument", () => {
            const definition = {
                actions: {
                    Compose: { type: "Compose", inputs: { message: "@{body('List')?['value']} by @{parameters('mode')}" } },
                    Check: { expression: { and: [{ equals: ["@toLower(first(outputs('Parse')?['Exempt']))", "true"] }] } },
                },
                literal: "no calls @@{here}",
            };
            expect(listFunctionCalls(definition)).to.deep.equal([
                { name: "body", firstArgument: "List", location: "$.actions.Compose.inputs.message" },
                { name: "parameters", firstArgument: "mode", location: "$.actions.Compose.inputs.message" },
                { name: "toLower", location: "$.actions.Check.expression.and[0].equals[0]" },
                { name: "first", location: "$.actions.Check.expression.and[0].equals[0]" },
                { name: "outputs", firstArgument: "Parse", location: "$.actions.Check.expression.and[0].equals[0]" },
            ]);
        });

        it("finds calls used as index expressions", () => {
            const names = listFunctionCalls("@body('A')[variables('key')]").map((call) => call.name);
            expect(names).to.deep.equal(["body", "variables"]);
        });

        it("names the JSON location of a string that does not parse", () => {
            expect(() => listFunctionCalls({ actions: { "Bad one": { inputs: "@body('X'" } } })).to.throw(
                ExpressionSyntaxError,
                /^\$\.actions\["Bad one"\]\.inputs: WDL syntax error/,
            );
        });
    });
});
