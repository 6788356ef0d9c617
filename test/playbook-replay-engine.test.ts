import { expect } from "chai";
import { runWorkflow, WorkflowRunResult } from "../replay/logic-apps/engine";
import { DefinitionError, TemplateError, UnsupportedFeatureError } from "../replay/logic-apps/errors";
import { evaluateTemplate } from "../replay/logic-apps/evaluate";
import { parseTemplate } from "../replay/logic-apps/expressions";
import { ConnectorRequest, HttpRequest, HttpResponse, Network } from "../replay/logic-apps/network";

const now = new Date("2025-03-01T12:00:00Z");

/** Evaluates one JSON string value with `triggerBody()` returning `body`. */
function evaluate(text: string, body: unknown = {}): unknown {
    return evaluateTemplate(parseTemplate(text), {
        now,
        workflowFunction: (name) => (name.toLowerCase() === "triggerbody" ? () => body : undefined),
    });
}

/** Answers Http actions from a script, one response per request, and records the requests. */
class ScriptedNetwork implements Network {
    readonly requests: HttpRequest[] = [];

    constructor(private readonly script: number[] = []) {}

    send(request: HttpRequest): HttpResponse {
        this.requests.push(request);
        return { statusCode: this.script[this.requests.length - 1] ?? 200, body: { ok: true } };
    }

    callConnector(request: ConnectorRequest): HttpResponse {
        throw new Error(`no connector in these tests (${request.path})`);
    }
}

interface RunOptions {
    parameters?: Record<string, unknown>;
    declaredParameters?: Record<string, unknown>;
    triggerBody?: unknown;
    network?: Network;
}

function definitionWith(actions: Record<string, unknown>, declaredParameters: Record<string, unknown> = {}): unknown {
    return {
        $schema: "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        contentVersion: "1.0.0.0",
        parameters: declaredParameters,
        triggers: { manual: { type: "Request", kind: "Http" } },
        actions,
        outputs: {},
    };
}

function run(actions: Record<string, unknown>, options: RunOptions = {}): WorkflowRunResult {
    return runWorkflow({
        definition: definitionWith(actions, options.declaredParameters),
        parameters: options.parameters ?? {},
        triggerBody: options.triggerBody ?? {},
        network: options.network ?? new ScriptedNetwork(),
        now,
    });
}

function statuses(result: WorkflowRunResult): Record<string, string> {
    return Object.fromEntries(result.history.map((record) => [record.name, record.status]));
}

function recordOf(result: WorkflowRunResult, name: string) {
    const record = result.history.find((candidate) => candidate.name === name);
    expect(record, `no run history for ${name}`).to.not.equal(undefined);
    return record!;
}

const failing = { type: "Compose", inputs: "@json('not json')" };
const compose = (value: unknown, runAfter: Record<string, string[]> = {}) => ({ type: "Compose", inputs: value, runAfter });
const graphGet = (retryPolicy?: unknown) => ({
    type: "Http",
    inputs: { method: "GET", uri: "https://example.test/items", ...(retryPolicy === undefined ? {} : { retryPolicy }) },
});

describe("playbook replay engine", () => {
    describe("member access and null (Logic Apps semantics)", () => {
        const body = { object: { properties: { Alerts: [{ id: "a1" }], title: "T" } }, empty: null };

        it("?['x'] on null or on a missing property is null", () => {
            expect(evaluate("@triggerBody()?['missing']?['deeper']", body)).to.equal(null);
            expect(evaluate("@triggerBody()?['empty']?['x']", body)).to.equal(null);
        });

        it("['x'] on null is an error", () => {
            expect(() => evaluate("@triggerBody()['empty']['x']", body)).to.throw(TemplateError, /cannot be selected: the value is null/);
        });

        it("['x'] on a missing property is an error naming the properties there are", () => {
            expect(() => evaluate("@triggerBody()['object']['nope']", body)).to.throw(
                TemplateError,
                /'nope' doesn't exist, available properties are 'properties'/,
            );
        });

        it(".x reads the same property as ['x']", () => {
            expect(evaluate("@triggerBody().object.properties.title", body)).to.equal("T");
        });

        it("finds a property whose name differs only in case (['alerts'] reads Alerts)", () => {
            expect(evaluate("@triggerBody()?['object']?['properties']?['alerts']?[0]?['id']", body)).to.equal("a1");
        });

        it("indexes arrays: ?[n] past the end is null, [n] an error", () => {
            expect(evaluate("@triggerBody()['object']['properties']['Alerts']?[3]", body)).to.equal(null);
            expect(() => evaluate("@triggerBody()['object']['properties']['Alerts'][3]", body)).to.throw(TemplateError, /index 3 is outside/);
        });

        it("cannot select a property of a string, even with ?", () => {
            expect(() => evaluate("@triggerBody()?['object']?['properties']?['title']?['x']", body)).to.throw(TemplateError, /type 'String'/);
        });
    });

    describe("functions", () => {
        it("string functions reject null; coalesce() supplies a default", () => {
            expect(() => evaluate("@toLower(triggerBody()?['missing'])")).to.throw(
                TemplateError,
                /'toLower' expects its parameter to be a string. The provided value is of type 'Null'/,
            );
            expect(evaluate("@toLower(coalesce(triggerBody()?['missing'], 'ABC'))")).to.equal("abc");
        });

        it("concat() and interpolation read null as empty text and booleans as True/False", () => {
            expect(evaluate("@concat('a', triggerBody()?['missing'], 'b')")).to.equal("ab");
            expect(evaluate("flag=@{equals(1, 1)} none=@{triggerBody()?['missing']}")).to.equal("flag=True none=");
        });

        it("if() evaluates both branches, so a failing unused branch still fails", () => {
            expect(() => evaluate("@if(true, 'safe', triggerBody()['missing'])")).to.throw(TemplateError);
        });

        it("equals() and contains() are case-sensitive, startsWith() is not", () => {
            expect(evaluate("@equals('True', 'true')")).to.equal(false);
            expect(evaluate("@contains(createArray('user'), 'User')")).to.equal(false);
            expect(evaluate("@startsWith('/AdministrativeUnits/x', '/administrativeunits/')")).to.equal(true);
        });

        it("first() of an empty array is null, of null an error; empty(null) is true, length(null) an error", () => {
            expect(evaluate("@first(json('[]'))")).to.equal(null);
            expect(() => evaluate("@first(triggerBody()?['missing'])")).to.throw(TemplateError, /array or a string/);
            expect(evaluate("@empty(triggerBody()?['missing'])")).to.equal(true);
            expect(() => evaluate("@length(triggerBody()?['missing'])")).to.throw(TemplateError);
        });

        it("json() parses text and rejects what is not JSON", () => {
            expect(evaluate('@json(\'{"a":["1"]}\')')).to.deep.equal({ a: ["1"] });
            expect(() => evaluate("@json('{\"a\": ')")).to.throw(TemplateError, /not valid JSON/);
        });

        it("and()/or() take booleans only", () => {
            expect(() => evaluate("@and(true, 'true')")).to.throw(TemplateError, /boolean/);
        });

        it("checks the number of arguments (createArray() needs one: an empty array is json('[]'))", () => {
            expect(() => evaluate("@equals(1)")).to.throw(TemplateError, /expects 2 parameter/);
            expect(() => evaluate("@createArray()")).to.throw(TemplateError, /'createArray' expects at least 1 parameter/);
        });

        it("names an unimplemented function instead of ignoring it", () => {
            expect(() => evaluate("@xpath(triggerBody(), '/a')")).to.throw(UnsupportedFeatureError, /function 'xpath'/);
        });

        it("matches function names case-insensitively, as Logic Apps does", () => {
            expect(evaluate("@TOLOWER('A')")).to.equal("a");
        });

        it("reads the replay's fixed clock in utcNow()", () => {
            expect(evaluate("@utcNow()")).to.equal("2025-03-01T12:00:00.0000000Z");
        });
    });

    describe("runAfter", () => {
        it("skips an action whose predecessor ended in a status it does not accept, and runs those that accept it", () => {
            const result = run({
                Fails: failing,
                After_success: compose("x", { Fails: ["Succeeded"] }),
                After_skip: compose("x", { After_success: ["Skipped"] }),
                On_failure: compose("x", { Fails: ["Failed"] }),
            });
            expect(statuses(result)).to.deep.equal({ Fails: "Failed", After_success: "Skipped", After_skip: "Succeeded", On_failure: "Succeeded" });
            expect(recordOf(result, "After_success").error!.message).to.match(
                /'runAfter' condition for action 'Fails' is not satisfied. Expected status values 'Succeeded' and actual value 'Failed'/,
            );
        });

        it("fails the run when a branch ends in a skip caused by a failure", () => {
            const result = run({ Fails: failing, Next: compose("x", { Fails: ["Succeeded"] }) });
            expect(result.status).to.equal("Failed");
        });

        it("waits for every predecessor (a join runs after both branches)", () => {
            const result = run({
                Start: compose(1),
                Left: compose("@add(outputs('Start'), 1)", { Start: ["Succeeded"] }),
                Right: compose("@add(outputs('Start'), 2)", { Start: ["Succeeded"] }),
                Join: compose("@add(outputs('Left'), outputs('Right'))", { Left: ["Succeeded"], Right: ["Succeeded"] }),
            });
            expect(recordOf(result, "Join").outputs).to.equal(5);
        });

        it("does not bill skipped actions", () => {
            const result = run({ Fails: failing, Skipped_one: compose("x", { Fails: ["Succeeded"] }) });
            expect(result.actionsExecuted).to.equal(1);
        });

        it("refuses a runAfter naming an action outside its scope, and a cycle", () => {
            expect(() => run({ A: compose("x", { Ghost: ["Succeeded"] }) })).to.throw(DefinitionError, /'A' runs after 'Ghost'/);
            expect(() => run({ A: compose("x", { B: ["Succeeded"] }), B: compose("x", { A: ["Succeeded"] }) })).to.throw(DefinitionError, /cycle/);
        });

        it("refuses an unknown status", () => {
            expect(() => run({ A: compose(1), B: compose(2, { A: ["Done"] }) })).to.throw(DefinitionError, /status "Done"/);
        });
    });

    describe("scopes, conditions and loops", () => {
        it("Until repeats its actions until its expression holds, and later actions see the last iteration", () => {
            const result = run({
                Count: { type: "InitializeVariable", inputs: { variables: [{ name: "n", type: "integer", value: 0 }] } },
                Loop: {
                    type: "Until",
                    expression: "@greaterOrEquals(variables('n'), 3)",
                    limit: { count: 10 },
                    actions: { Bump: { type: "IncrementVariable", inputs: { name: "n" } }, Seen: compose("@variables('n')", { Bump: ["Succeeded"] }) },
                    runAfter: { Count: ["Succeeded"] },
                },
                After: compose("@outputs('Seen')", { Loop: ["Succeeded"] }),
            });
            expect(recordOf(result, "After").outputs).to.equal(3);
            expect(result.history.filter((record) => record.name === "Bump")).to.have.length(3);
        });

        it("Until stops at its limit count without failing, and checks its expression only after a first iteration", () => {
            const result = run({
                Loop: { type: "Until", expression: "@equals(1, 2)", limit: { count: 4 }, actions: { Work: compose("x") } },
                Once: { type: "Until", expression: "@true", actions: { Work_once: compose("y") } },
            });
            expect(statuses(result)).to.include({ Loop: "Succeeded", Once: "Succeeded" });
            expect(result.history.filter((record) => record.name === "Work")).to.have.length(4);
            expect(result.history.filter((record) => record.name === "Work_once")).to.have.length(1);
        });

        it("a SetVariable reading the variable it sets is refused, as Logic Apps refuses to save it", () => {
            const declare = { type: "InitializeVariable", inputs: { variables: [{ name: "items", type: "array", value: [] }] } };
            expect(() =>
                run({
                    Declare: declare,
                    Grow: {
                        type: "SetVariable",
                        inputs: { name: "items", value: "@union(variables('items'), createArray(1))" },
                        runAfter: { Declare: ["Succeeded"] },
                    },
                }),
            ).to.throw(DefinitionError, /Self reference is not supported when updating the value of variable 'items'/);
        });

        it("refuses actions nested deeper than Logic Apps' limit of 8, and more than 500 actions, as saving the workflow would", () => {
            const nested = (depth: number): Record<string, unknown> =>
                depth === 1 ? { Deepest: compose(1) } : { [`Level_${depth}`]: { type: "Scope", actions: nested(depth - 1) } };
            expect(() => run(nested(8))).not.to.throw();
            expect(() => run(nested(9))).to.throw(DefinitionError, /action 'Deepest' is nested 9 deep; Logic Apps allows a nesting depth of 8/);
            const many = Object.fromEntries(Array.from({ length: 501 }, (_, index) => [`Step_${index}`, compose(index)]));
            expect(() => run(many)).to.throw(DefinitionError, /501 actions; Logic Apps allows 500/);
        });

        it("Wait is recorded and checked, not slept", () => {
            const result = run({ Pause: { type: "Wait", inputs: { interval: { count: 5, unit: "Minute" } } } });
            expect(recordOf(result, "Pause")).to.include({ status: "Succeeded" });
            expect(statuses(run({ Bad: { type: "Wait", inputs: { interval: { count: 0, unit: "Minute" } } } }))).to.include({ Bad: "Failed" });
        });

        it("a scope fails when its last action failed, and a handler running after Failed runs", () => {
            const result = run({
                Work: { type: "Scope", actions: { Fails: failing } },
                Handle: compose("handled", { Work: ["Failed"] }),
            });
            expect(statuses(result)).to.include({ Work: "Failed", Handle: "Succeeded" });
        });

        it("a scope whose last action was skipped after a failure fails; one skipped after a success succeeds", () => {
            const result = run({
                Broken: { type: "Scope", actions: { Fails: failing, Then: compose("x", { Fails: ["Succeeded"] }) } },
                Healthy: { type: "Scope", actions: { Works: compose(1), Only_on_failure: compose("x", { Works: ["Failed"] }) } },
            });
            expect(statuses(result)).to.include({ Broken: "Failed", Healthy: "Succeeded" });
        });

        it("a failure handled inside a scope (its last action ran after Failed) leaves the scope succeeded", () => {
            const result = run({ Work: { type: "Scope", actions: { Fails: failing, Recover: compose("ok", { Fails: ["Failed"] }) } } });
            expect(statuses(result)).to.include({ Work: "Succeeded" });
        });

        it("result() lists a scope's actions with their status", () => {
            const result = run({
                Work: { type: "Scope", actions: { Ok: compose(1), Fails: failing } },
                Summary: compose("@result('Work')", { Work: ["Failed"] }),
            });
            const summary = recordOf(result, "Summary").outputs as { name: string; status: string }[];
            expect(summary.map(({ name, status }) => ({ name, status }))).to.deep.equal([
                { name: "Ok", status: "Succeeded" },
                { name: "Fails", status: "Failed" },
            ]);
        });

        it("If evaluates designer expression objects (and/or/not/equals/contains/greater)", () => {
            const expression = {
                and: [
                    { equals: ["@triggerBody()?['kind']", "user"] },
                    { or: [{ contains: ["@triggerBody()?['tags']", "vip"] }, { greater: [3, 5] }] },
                    { not: { equals: ["@triggerBody()?['exempt']", true] } },
                ],
            };
            const branches = { actions: { Yes: compose("yes") }, else: { actions: { No: compose("no") } } };
            const yes = run({ Decide: { type: "If", expression, ...branches } }, { triggerBody: { kind: "user", tags: ["vip"], exempt: false } });
            const no = run({ Decide: { type: "If", expression, ...branches } }, { triggerBody: { kind: "user", tags: [], exempt: false } });
            expect(statuses(yes)).to.have.property("Yes", "Succeeded");
            expect(statuses(no)).to.have.property("No", "Succeeded");
            expect(statuses(no)).to.not.have.property("Yes");
        });

        it("If refuses a condition operator it does not implement", () => {
            expect(() => run({ Decide: { type: "If", expression: { matches: ["a", "b"] }, actions: {} } })).to.throw(
                UnsupportedFeatureError,
                /condition operator 'matches'/,
            );
        });

        it("Switch runs the matching case, or the default", () => {
            const definition = (value: string) => ({
                Route: {
                    type: "Switch",
                    expression: value,
                    cases: { One: { case: "one", actions: { Chose_one: compose(1) } } },
                    default: { actions: { Chose_default: compose(0) } },
                },
            });
            expect(statuses(run(definition("one")))).to.have.property("Chose_one");
            expect(statuses(run(definition("two")))).to.have.property("Chose_default");
        });

        it("Foreach runs its actions once per item, in order, with items() bound to the current item", () => {
            const result = run({
                Init: { type: "InitializeVariable", inputs: { variables: [{ name: "seen", type: "array", value: [] }] } },
                Loop: {
                    type: "Foreach",
                    foreach: "@createArray('a', 'b', 'c')",
                    actions: { Remember: { type: "AppendToArrayVariable", inputs: { name: "seen", value: "@toUpper(items('Loop'))" } } },
                    runAfter: { Init: ["Succeeded"] },
                },
                Report: compose("@variables('seen')", { Loop: ["Succeeded"] }),
            });
            expect(recordOf(result, "Report").outputs).to.deep.equal(["A", "B", "C"]);
            expect(result.history.filter((record) => record.name === "Remember").map((record) => record.repetition)).to.deep.equal([[0], [1], [2]]);
            expect(result.actionsExecuted).to.equal(1 + 1 + 3 + 1);
        });

        it("Foreach fails when one iteration fails, after running the others", () => {
            const result = run({
                Loop: {
                    type: "Foreach",
                    foreach: "@createArray('{}', 'broken', '[]')",
                    actions: { Parse: { type: "Compose", inputs: "@json(items('Loop'))" } },
                },
            });
            expect(result.history.filter((record) => record.name === "Parse").map((record) => record.status)).to.deep.equal([
                "Succeeded",
                "Failed",
                "Succeeded",
            ]);
            expect(statuses(result)).to.have.property("Loop", "Failed");
        });

        it("Foreach over something that is not an array fails the loop", () => {
            const result = run({ Loop: { type: "Foreach", foreach: "@triggerBody()?['missing']", actions: {} } });
            expect(recordOf(result, "Loop").error!.message).to.match(/is of type 'Null'. The result must be a valid array/);
        });

        it("Terminate ends the run with its status and error; nothing after it runs", () => {
            const result = run({
                Stop: { type: "Terminate", inputs: { runStatus: "Failed", runError: { code: "Nope", message: "stopped" } } },
                Later: compose("x", { Stop: ["Succeeded"] }),
            });
            expect(result.status).to.equal("Failed");
            expect(result.error).to.deep.equal({ code: "Nope", message: "stopped" });
            expect(statuses(result)).to.not.have.property("Later");
        });
    });

    describe("data actions and variables", () => {
        it("Query filters with item(), Select maps with item()", () => {
            const result = run({
                Keep_big: { type: "Query", inputs: { from: "@createArray(1, 5, 9)", where: "@greater(item(), 4)" } },
                Label: { type: "Select", inputs: { from: "@body('Keep_big')", select: "n=@{item()}" }, runAfter: { Keep_big: ["Succeeded"] } },
            });
            expect(recordOf(result, "Label").outputs).to.deep.equal({ body: ["n=5", "n=9"] });
        });

        it("ParseJson fails when the content does not match its schema", () => {
            const result = run({
                Parse: {
                    type: "ParseJson",
                    inputs: {
                        content: '{"PrincipalId": "x"}',
                        schema: { type: "object", properties: { PrincipalId: { type: "array" } }, required: ["RoleTemplateId"] },
                    },
                },
            });
            expect(recordOf(result, "Parse").status).to.equal("Failed");
            expect(recordOf(result, "Parse").error!.message)
                .to.include("required property 'RoleTemplateId' is missing")
                .and.include("$.PrincipalId: expected array");
        });

        it("a variable keeps its type: writing another type fails the action", () => {
            const result = run({
                Init: { type: "InitializeVariable", inputs: { variables: [{ name: "count", type: "integer", value: 0 }] } },
                Bump: { type: "IncrementVariable", inputs: { name: "count", value: 2 }, runAfter: { Init: ["Succeeded"] } },
                Wrong: { type: "SetVariable", inputs: { name: "count", value: "two" }, runAfter: { Bump: ["Succeeded"] } },
            });
            expect(statuses(result)).to.include({ Bump: "Succeeded", Wrong: "Failed" });
            expect(recordOf(result, "Wrong").error!.message).to.match(/type 'integer' and cannot hold a value of type 'String'/);
        });

        it("a variable nobody declares is a definition error; InitializeVariable belongs at the top level", () => {
            expect(() => run({ Read: compose("@variables('ghost')") })).to.throw(DefinitionError, /variable 'ghost'/);
            expect(() =>
                run({ Work: { type: "Scope", actions: { Init: { type: "InitializeVariable", inputs: { variables: [{ name: "v", type: "string" }] } } } } }),
            ).to.throw(DefinitionError, /must be at the top level/);
        });

        it("reading the body of a skipped action fails the reader; actions() still describes it", () => {
            const result = run({
                Fails: failing,
                Skipped_one: compose("x", { Fails: ["Succeeded"] }),
                Reader: compose("@outputs('Skipped_one')", { Skipped_one: ["Skipped"] }),
                Describer: compose("@actions('Skipped_one')?['status']", { Skipped_one: ["Skipped"] }),
            });
            expect(recordOf(result, "Reader").error!.message).to.include("action 'Skipped_one' was skipped");
            expect(recordOf(result, "Describer").outputs).to.equal("Skipped");
        });

        it("an action description over 256 characters is refused, as Logic Apps refuses to save it", () => {
            expect(() => run({ Long: { ...compose("x"), description: "d".repeat(257) } })).to.throw(DefinitionError, /257 characters; Logic Apps allows 256/);
            expect(run({ Fits: { ...compose("x"), description: "d".repeat(256) } }).status).to.equal("Succeeded");
        });

        it("body() of an action that does not exist is a definition error", () => {
            expect(() => run({ Reader: compose("@body('Nope')") })).to.throw(DefinitionError, /body\('Nope'\) names no action/);
        });
    });

    describe("retry policies (408, 429 and 5xx are retried; nothing sleeps)", () => {
        function attemptsFor(script: number[], retryPolicy?: unknown): { attempts: number; status: string } {
            const network = new ScriptedNetwork(script);
            const record = recordOf(run({ Call: graphGet(retryPolicy) }, { network }), "Call");
            expect(record.attempts).to.equal(network.requests.length);
            return { attempts: network.requests.length, status: record.status };
        }

        it("succeeds after two 429s", () => {
            expect(attemptsFor([429, 429, 204])).to.deep.equal({ attempts: 3, status: "Succeeded" });
        });

        it("gives up after the default 4 retries (5 attempts)", () => {
            expect(attemptsFor([503, 503, 503, 503, 503, 503, 503])).to.deep.equal({ attempts: 5, status: "Failed" });
        });

        it("follows an explicit count", () => {
            expect(attemptsFor([500, 502, 504, 200], { type: "fixed", count: 2, interval: "PT5S" })).to.deep.equal({ attempts: 3, status: "Failed" });
            expect(attemptsFor([408, 200], { type: "exponential", count: 4, interval: "PT7S" })).to.deep.equal({ attempts: 2, status: "Succeeded" });
        });

        it("does not retry with policy none, nor on 4xx other than 408 and 429", () => {
            expect(attemptsFor([429, 200], { type: "none" })).to.deep.equal({ attempts: 1, status: "Failed" });
            expect(attemptsFor([403, 200])).to.deep.equal({ attempts: 1, status: "Failed" });
        });

        it("refuses a policy Logic Apps would not save", () => {
            expect(() => run({ Call: graphGet({ type: "linear", count: 2 }) })).to.throw(DefinitionError, /unknown retryPolicy type 'linear'/);
            expect(() => run({ Call: graphGet({ type: "fixed", count: 200, interval: "PT5S" }) })).to.throw(
                DefinitionError,
                /count must be an integer from 1 to 90/,
            );
            expect(() => run({ Call: graphGet({ type: "fixed", count: 2, interval: "5s" }) })).to.throw(DefinitionError, /ISO 8601/);
        });

        it("keeps a failed call's outputs readable by the failure branch", () => {
            const network = new ScriptedNetwork([403]);
            const result = run({ Call: graphGet(), Explain: compose("@outputs('Call')?['statusCode']", { Call: ["Failed"] }) }, { network });
            expect(recordOf(result, "Explain").outputs).to.equal(403);
        });

        it("fails an Http action whose uri is not absolute, without sending anything", () => {
            const network = new ScriptedNetwork();
            const result = run({ Call: { type: "Http", inputs: { method: "GET", uri: "@concat('graph.microsoft.com', '/v1.0/users')" } } }, { network });
            expect(recordOf(result, "Call").error!.message).to.include("must be an absolute URI");
            expect(network.requests).to.deep.equal([]);
        });

        it("sends queries URL-encoded after the URI", () => {
            const network = new ScriptedNetwork();
            run({ Call: { type: "Http", inputs: { method: "get", uri: "https://example.test/items", queries: { $filter: "name eq 'a b'" } } } }, { network });
            expect(network.requests[0]).to.include({ method: "GET", url: "https://example.test/items?$filter=name%20eq%20'a%20b'" });
        });
    });

    describe("secureData", () => {
        it("hides secured inputs and outputs from the run history, and the inputs of actions reading them", () => {
            const network = new ScriptedNetwork();
            const result = run(
                {
                    Read_secret: { ...graphGet(), runtimeConfiguration: { secureData: { properties: ["inputs", "outputs"] } } },
                    Use_secret: compose("@body('Read_secret')", { Read_secret: ["Succeeded"] }),
                    Unrelated: compose("plain", { Use_secret: ["Succeeded"] }),
                },
                { network },
            );
            expect(recordOf(result, "Read_secret")).to.include({ inputs: "<secured by secureData>", outputs: "<secured by secureData>" });
            expect(recordOf(result, "Use_secret")).to.include({ inputs: "<secured by secureData>", outputs: "<secured by secureData>" });
            expect(recordOf(result, "Unrelated")).to.include({ inputs: "plain", outputs: "plain" });
        });
    });

    describe("what the engine does not implement is an error naming it, never ignored", () => {
        it("an action type, even in a branch the run would not take", () => {
            const untaken = { type: "If", expression: "@equals(1, 2)", actions: { Poll: { type: "Workflow", inputs: {} } } };
            expect(() => run({ Maybe: untaken })).to.throw(UnsupportedFeatureError, /action type 'Workflow' \(action 'Poll'\)/);
        });

        it("a function, even in a branch the run would not take", () => {
            const untaken = { type: "If", expression: "@equals(1, 2)", actions: { Decode: compose("@base64ToBinary('AA==')") } };
            expect(() => run({ Maybe: untaken })).to.throw(
                UnsupportedFeatureError,
                /function 'base64ToBinary' \(used at \$\.actions\.Maybe\.actions\.Decode\.inputs\)/,
            );
        });

        it("an action setting or runtime configuration", () => {
            expect(() => run({ Call: { ...graphGet(), runtimeConfiguration: { paginationPolicy: { minimumItemCount: 10 } } } })).to.throw(
                UnsupportedFeatureError,
                /runtimeConfiguration.paginationPolicy on action 'Call'/,
            );
            expect(() => run({ Call: { ...graphGet(), splitOn: "@triggerBody()" } })).to.throw(UnsupportedFeatureError, /splitOn of Http action 'Call'/);
            expect(() => run({ Call: { type: "Http", inputs: { method: "GET", uri: "https://example.test", cookie: "a=b" } } })).to.throw(
                UnsupportedFeatureError,
                /'cookie' of Http action 'Call'/,
            );
        });
    });

    describe("parameters", () => {
        const declared = { mode: { type: "String", defaultValue: "reportOnly", allowedValues: ["remediate", "reportOnly"] }, flag: { type: "Bool" } };

        it("uses the supplied value, else the default", () => {
            const result = run(
                { Show: compose("@{parameters('mode')} @{parameters('flag')}") },
                { declaredParameters: declared, parameters: { flag: { value: false } } },
            );
            expect(recordOf(result, "Show").outputs).to.equal("reportOnly False");
        });

        it("refuses a missing value, a wrong type, a value outside allowedValues and an undeclared parameter", () => {
            const runWith = (parameters: Record<string, unknown>) => () => run({ A: compose(1) }, { declaredParameters: declared, parameters });
            expect(runWith({})).to.throw(DefinitionError, /'flag' has neither a supplied value nor a defaultValue/);
            expect(runWith({ flag: { value: "true" } })).to.throw(DefinitionError, /'flag' is declared Bool/);
            expect(runWith({ flag: { value: true }, mode: { value: "fix" } })).to.throw(DefinitionError, /allowedValues/);
            expect(runWith({ flag: { value: true }, extra: { value: 1 } })).to.throw(DefinitionError, /does not declare/);
        });
    });
});
