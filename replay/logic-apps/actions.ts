/**
 * The actions that do not contain other actions: data operations (Compose, ParseJson, Query,
 * Select), variables, and the two that leave the workflow (Http, ApiConnection). Control
 * actions (If, Foreach, Scope, Switch, Terminate) live in the engine because they run
 * nested actions.
 */
import { TemplateError, UnsupportedFeatureError } from "./errors";
import { validateAgainstSchema } from "./json-schema";
import { HttpResponse, Network } from "./network";
import { isRetryableStatus, parseRetryPolicy } from "./retry";
import { VariableStore } from "./variables";
import { isJsonObject, JsonObject, toWdlString, wdlTypeName } from "./values";

export type ActionStatus = "Succeeded" | "Failed" | "Skipped" | "TimedOut" | "Cancelled";

export interface ErrorInfo {
    readonly code: string;
    readonly message: string;
}

/** What running one action produced (the engine adds name, type, timing). */
export interface ActionOutcome {
    readonly status: ActionStatus;
    readonly code?: string;
    readonly inputs?: unknown;
    readonly outputs?: unknown;
    readonly error?: ErrorInfo;
    /** Http and ApiConnection: requests sent, retries included. */
    readonly attempts?: number;
}

/** What the engine gives an action to run with. */
export interface ActionContext {
    readonly name: string;
    readonly type: string;
    readonly definition: JsonObject;
    /** Evaluates a JSON value (every expression string in it) in the action's scope. */
    evaluate(value: unknown): unknown;
    /** Same, with `item()` bound to `item` (Query `where`, Select `select`). */
    evaluateForItem(value: unknown, item: unknown): unknown;
    readonly variables: VariableStore;
    readonly network: Network;
    /** Finds the `$connections` entry an ApiConnection's `host.connection.name` designates. */
    resolveConnection(connectionName: unknown): { name: string; connection: JsonObject };
}

export type ActionRunner = (context: ActionContext) => ActionOutcome;

/** The runners of the non-control action types, by lower-cased type name. */
export const simpleActionRunners: ReadonlyMap<string, ActionRunner> = new Map<string, ActionRunner>([
    ["compose", runCompose],
    ["parsejson", runParseJson],
    ["query", runQuery],
    ["select", runSelect],
    ["initializevariable", runInitializeVariable],
    ["setvariable", (context) => runVariableUpdate(context, (store, input) => store.set(input.name, input.value))],
    ["appendtoarrayvariable", (context) => runVariableUpdate(context, (store, input) => store.appendToArray(input.name, input.value))],
    ["appendtostringvariable", (context) => runVariableUpdate(context, (store, input) => store.appendToString(input.name, input.value))],
    ["incrementvariable", (context) => runVariableUpdate(context, (store, input) => store.increment(input.name, input.value ?? 1))],
    ["decrementvariable", (context) => runVariableUpdate(context, (store, input) => store.increment(input.name, -numberOrOne(input.value)))],
    ["wait", runWait],
    ["http", runHttp],
    ["apiconnection", runApiConnection],
]);

function succeeded(inputs: unknown, outputs?: unknown): ActionOutcome {
    return outputs === undefined ? { status: "Succeeded", inputs } : { status: "Succeeded", inputs, outputs };
}

function requireInputsObject(context: ActionContext, allowedKeys: readonly string[]): JsonObject {
    const inputs = context.evaluate(context.definition.inputs);
    if (!isJsonObject(inputs)) throw new TemplateError(`The inputs of action '${context.name}' must be an object.`);
    const unknown = Object.keys(inputs).filter((key) => !allowedKeys.includes(key));
    if (unknown.length > 0)
        throw new UnsupportedFeatureError(`the input(s) ${unknown.map((key) => `'${key}'`).join(", ")} of ${context.type} action '${context.name}'`);
    return inputs;
}

function requireArray(value: unknown, what: string): unknown[] {
    if (!Array.isArray(value)) throw new TemplateError(`${what} must be an array; it is of type '${wdlTypeName(value)}'.`);
    return value;
}

function requireString(value: unknown, what: string): string {
    if (typeof value !== "string" || value === "") throw new TemplateError(`${what} must be a non-empty string, not ${JSON.stringify(value)}.`);
    return value;
}

const waitUnits = ["Second", "Minute", "Hour", "Day", "Week", "Month"];

/**
 * Delay: `{ interval: { count, unit } }`. The replay does not wait (its clock is fixed); it
 * checks the inputs as Logic Apps does and records the wait in the run history.
 */
function runWait(context: ActionContext): ActionOutcome {
    const inputs = requireInputsObject(context, ["interval"]);
    const interval = inputs.interval;
    const count = isJsonObject(interval) ? interval.count : undefined;
    const unit = isJsonObject(interval) ? interval.unit : undefined;
    if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || typeof unit !== "string" || !waitUnits.includes(unit)) {
        throw new TemplateError(`Wait action '${context.name}' needs interval { count: a positive integer, unit: one of ${waitUnits.join(", ")} }.`);
    }
    return succeeded(inputs);
}

function runCompose(context: ActionContext): ActionOutcome {
    const value = context.evaluate(context.definition.inputs);
    return succeeded(value, value);
}

function runParseJson(context: ActionContext): ActionOutcome {
    const inputs = requireInputsObject(context, ["content", "schema"]);
    const content = typeof inputs.content === "string" ? parseJsonText(inputs.content, context.name) : (inputs.content ?? null);
    if (!isJsonObject(inputs.schema)) throw new TemplateError(`Parse JSON action '${context.name}' needs a 'schema' object.`);
    const violations = validateAgainstSchema(content, inputs.schema);
    if (violations.length > 0) {
        return {
            status: "Failed",
            code: "BadRequest",
            inputs,
            outputs: { body: content, errors: violations },
            error: { code: "ValidationFailed", message: `The schema validation failed: ${violations.join("; ")}` },
        };
    }
    return succeeded(inputs, { body: content });
}

function parseJsonText(text: string, actionName: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch {
        throw new TemplateError(`Parse JSON action '${actionName}' was given content that is not valid JSON: ${JSON.stringify(text.slice(0, 80))}.`);
    }
}

/** Query and Select read `from` first; `where`/`select` are evaluated once per item, so they are not pre-evaluated. */
function itemInputs(context: ActionContext, perItemKey: "where" | "select"): { from: unknown[]; perItem: unknown } {
    const raw = context.definition.inputs;
    if (!isJsonObject(raw)) throw new TemplateError(`The inputs of action '${context.name}' must be an object.`);
    const unknown = Object.keys(raw).filter((key) => key !== "from" && key !== perItemKey);
    if (unknown.length > 0) throw new UnsupportedFeatureError(`the input(s) ${unknown.join(", ")} of ${context.type} action '${context.name}'`);
    const from = requireArray(context.evaluate(raw.from), `The 'from' input of action '${context.name}'`);
    return { from, perItem: raw[perItemKey] };
}

function runQuery(context: ActionContext): ActionOutcome {
    const { from, perItem } = itemInputs(context, "where");
    const kept = from.filter((item) => {
        const verdict = context.evaluateForItem(perItem, item);
        if (typeof verdict !== "boolean")
            throw new TemplateError(`The 'where' of action '${context.name}' must yield a boolean, not a value of type '${wdlTypeName(verdict)}'.`);
        return verdict;
    });
    return succeeded({ from }, { body: kept });
}

function runSelect(context: ActionContext): ActionOutcome {
    const { from, perItem } = itemInputs(context, "select");
    return succeeded({ from }, { body: from.map((item) => context.evaluateForItem(perItem, item)) });
}

function runInitializeVariable(context: ActionContext): ActionOutcome {
    const inputs = requireInputsObject(context, ["variables"]);
    for (const variable of requireArray(inputs.variables, `The 'variables' input of action '${context.name}'`)) {
        if (!isJsonObject(variable)) throw new TemplateError(`Each variable of action '${context.name}' must be an object with name, type and value.`);
        context.variables.initialize(variable.name, variable.type, variable.value);
    }
    return succeeded(inputs);
}

function runVariableUpdate(context: ActionContext, update: (store: VariableStore, input: JsonObject) => void): ActionOutcome {
    const inputs = requireInputsObject(context, ["name", "value"]);
    update(context.variables, inputs);
    return succeeded(inputs, { body: { name: inputs.name, value: context.variables.get(inputs.name) } });
}

function numberOrOne(value: unknown): number {
    if (value === undefined) return 1;
    if (typeof value !== "number") throw new TemplateError(`A variable can only be decremented by a number, not by ${JSON.stringify(value)}.`);
    return value;
}

const httpInputKeys = ["method", "uri", "headers", "queries", "body", "authentication", "retryPolicy"];
const connectorInputKeys = ["host", "method", "path", "headers", "queries", "body", "retryPolicy"];

function runHttp(context: ActionContext): ActionOutcome {
    const inputs = requireInputsObject(context, httpInputKeys);
    const method = requireString(inputs.method, `The method of Http action '${context.name}'`).toUpperCase();
    const uri = requireAbsoluteUri(inputs.uri, context.name);
    const url = withQueries(uri, stringRecord(inputs.queries, "queries", context.name));
    const headers = stringRecord(inputs.headers, "headers", context.name);
    return sendWithRetries(context, inputs, () => context.network.send({ method, url, headers, body: inputs.body, authentication: inputs.authentication }));
}

function runApiConnection(context: ActionContext): ActionOutcome {
    const inputs = requireInputsObject(context, connectorInputKeys);
    const host = isJsonObject(inputs.host) && isJsonObject(inputs.host.connection) ? inputs.host.connection : undefined;
    if (host === undefined) throw new TemplateError(`ApiConnection action '${context.name}' needs inputs.host.connection.name.`);
    const { name, connection } = context.resolveConnection(host.name);
    const method = requireString(inputs.method, `The method of ApiConnection action '${context.name}'`).toUpperCase();
    const path = requireString(inputs.path, `The path of ApiConnection action '${context.name}'`);
    const queries = stringRecord(inputs.queries, "queries", context.name);
    return sendWithRetries(context, inputs, () =>
        context.network.callConnector({ connectionName: name, connection, method, path, queries, body: inputs.body }),
    );
}

function requireAbsoluteUri(value: unknown, actionName: string): string {
    const uri = requireString(value, `The uri of Http action '${actionName}'`);
    if (!URL.canParse(uri)) throw new TemplateError(`The uri of Http action '${actionName}' must be an absolute URI.`);
    return uri;
}

function stringRecord(value: unknown, what: string, actionName: string): Record<string, string> {
    if (value === undefined || value === null) return {};
    if (!isJsonObject(value)) throw new TemplateError(`The ${what} of action '${actionName}' must be an object.`);
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toWdlString(item)]));
}

/** Appends URL-encoded queries the way the runtime does (`$` stays readable: it is legal in a query). */
export function withQueries(uri: string, queries: Readonly<Record<string, string>>): string {
    const encode = (text: string) => encodeURIComponent(text).replace(/%24/g, "$");
    const query = Object.entries(queries)
        .map(([key, value]) => `${encode(key)}=${encode(value)}`)
        .join("&");
    if (query === "") return uri;
    return `${uri}${uri.includes("?") ? "&" : "?"}${query}`;
}

function sendWithRetries(context: ActionContext, inputs: JsonObject, send: () => HttpResponse): ActionOutcome {
    const policy = parseRetryPolicy(inputs.retryPolicy, context.name);
    let attempts = 0;
    let response: HttpResponse;
    do {
        response = send();
        attempts += 1;
    } while (isRetryableStatus(response.statusCode) && attempts < policy.maxAttempts);
    const outputs = { statusCode: response.statusCode, headers: response.headers ?? {}, body: response.body ?? null };
    const code = statusCodeName(response.statusCode);
    if (response.statusCode < 400) return { status: "Succeeded", code, inputs, outputs, attempts };
    return {
        status: "Failed",
        code,
        inputs,
        outputs,
        attempts,
        error: { code, message: `The request failed with status code ${response.statusCode} after ${attempts} attempt(s).` },
    };
}

const statusCodeNames: Readonly<Record<number, string>> = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "NoContent",
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    408: "RequestTimeout",
    409: "Conflict",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
};

function statusCodeName(statusCode: number): string {
    return statusCodeNames[statusCode] ?? `Http${statusCode}`;
}
