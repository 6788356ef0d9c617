/**
 * Runs a Consumption Logic App workflow definition offline, with Logic Apps' semantics:
 * - actions start when every `runAfter` predecessor has finished; an action whose predecessor
 *   ended in a status its `runAfter` does not list is Skipped (and so are its successors,
 *   unless they accept `Skipped`). Statuses: Succeeded, Failed, Skipped, TimedOut;
 * - parallel branches run one after another, in definition order; Foreach iterations run
 *   sequentially, whatever `concurrency` says (the definition's variables see the same order
 *   as a sequential loop);
 * - a Scope, If or Switch takes the status of its branch's last actions: Failed (or TimedOut)
 *   if any of them failed; a last action that was Skipped counts as the status of the
 *   predecessor it was skipped after. A Foreach fails when any iteration fails;
 * - an expression Logic Apps cannot evaluate fails its action (code InvalidTemplate);
 * - Terminate ends the run with its `runStatus`;
 * - the definition is checked before the run: an action type, function, condition operator or
 *   action setting the engine does not implement stops the replay with an error naming it,
 *   even in a branch this run would not take.
 * `actionsExecuted` counts action executions as Logic Apps bills them: every action that ran
 * (control actions included, each loop iteration's actions each time, skipped ones not;
 * retries are attempts of one execution).
 */
import { ActionContext, ActionOutcome, ActionStatus, ErrorInfo, simpleActionRunners } from "./actions";
import { evaluateCondition } from "./conditions";
import {
    checkActionCount,
    checkDefinitionShape,
    checkNestingDepth,
    checkSingleTrigger,
    IndexedAction,
    indexAction,
    nestedContainers,
    ownExpressions,
    parameterValueMatches,
    securedProperties,
} from "./definition-checks";
import { DefinitionError, TemplateError, UnsupportedFeatureError } from "./errors";
import { evaluateDeep, EvaluationContext } from "./evaluate";
import { listFunctionCalls } from "./expressions";
import { findPureFunction, WdlFunction } from "./functions";
import { Network } from "./network";
import { VariableStore } from "./variables";
import { deepEqual, isJsonObject, JsonObject, wdlTypeName } from "./values";

export type { ActionStatus, ErrorInfo } from "./actions";

export interface WorkflowRunOptions {
    /** The workflow definition (the `definition` of a Microsoft.Logic/workflows resource). */
    readonly definition: unknown;
    /** The workflow resource's `parameters`: `{ name: { value } }`. */
    readonly parameters: Readonly<Record<string, unknown>>;
    /** What the trigger delivered (`triggerBody()`). */
    readonly triggerBody: unknown;
    readonly network: Network;
    /** The clock `utcNow()` reads; fixed so that replays are repeatable. */
    readonly now?: Date;
}

/** One action execution as the run history shows it: secured inputs/outputs are hidden. */
export interface ActionRecord {
    readonly name: string;
    readonly type: string;
    status: ActionStatus;
    /** Foreach iteration indexes, outermost first, when the action ran inside loops. */
    readonly repetition?: number[];
    code?: string;
    attempts?: number;
    inputs?: unknown;
    outputs?: unknown;
    error?: ErrorInfo;
}

export type RunStatus = Exclude<ActionStatus, "Skipped">;

export interface WorkflowRunResult {
    readonly status: RunStatus;
    /** Set when a Terminate action ended the run with an error. */
    readonly error?: ErrorInfo;
    readonly actionsExecuted: number;
    readonly history: ActionRecord[];
}

/** The placeholder run history shows instead of secured inputs or outputs. */
export const securedPlaceholder = "<secured by secureData>";

export function runWorkflow(options: WorkflowRunOptions): WorkflowRunResult {
    return new WorkflowRun(options).run();
}

/** Data actions whose outputs are their inputs transformed: secured inputs make secured outputs. */
const passThroughTypes = new Set(["compose", "parsejson", "query", "select"]);
const runtimeFunctionNames = [
    "triggerBody",
    "triggerOutputs",
    "trigger",
    "body",
    "outputs",
    "actions",
    "result",
    "items",
    "item",
    "variables",
    "parameters",
    "workflow",
];

interface ActionResult {
    readonly name: string;
    readonly type: string;
    readonly status: ActionStatus;
    readonly code?: string;
    readonly inputs?: unknown;
    readonly outputs?: unknown;
    readonly error?: ErrorInfo;
    /** Scope/If/Switch: the results of the actions of the branch that ran (for `result()`). */
    readonly children?: readonly ActionResult[];
}

/** Where an expression is evaluated: loop iterations get their own frame, scopes share their parent's. */
interface Frame {
    readonly parent?: Frame;
    readonly results: Map<string, ActionResult>;
    readonly loop?: { readonly name: string; readonly item: unknown; readonly index: number };
    /** `item()` of a Query/Select being evaluated. */
    readonly item?: { readonly value: unknown };
}

class TerminateSignal {
    constructor(
        readonly status: RunStatus,
        readonly error?: ErrorInfo,
    ) {}
}

class WorkflowRun {
    private readonly definition: JsonObject;
    private readonly actionsByName = new Map<string, IndexedAction>();
    private readonly parameterValues: ReadonlyMap<string, unknown>;
    private readonly secureParameters = new Set<string>();
    private readonly securedInputs = new Set<string>();
    private readonly securedOutputs = new Set<string>();
    private readonly variables: VariableStore;
    private readonly triggerName: string;
    private readonly now: Date;
    private readonly history: ActionRecord[] = [];
    private actionsExecuted = 0;

    constructor(private readonly options: WorkflowRunOptions) {
        this.now = options.now ?? new Date("2025-01-01T00:00:00Z");
        this.definition = checkDefinitionShape(options.definition);
        this.triggerName = checkSingleTrigger(this.definition.triggers);
        this.indexContainer(this.definition.actions, 1, "the definition");
        checkActionCount(this.actionsByName.size);
        this.parameterValues = this.resolveParameters();
        this.checkFunctionsAreImplemented();
        this.markSecuredData();
        this.variables = new VariableStore(this.declaredVariableNames());
    }

    run(): WorkflowRunResult {
        let status: RunStatus;
        let error: ErrorInfo | undefined;
        try {
            status = asRunStatus(this.runContainer(this.definition.actions, { results: new Map() }).status);
        } catch (signal) {
            if (!(signal instanceof TerminateSignal)) throw signal;
            status = signal.status;
            error = signal.error;
        }
        const result = { status, actionsExecuted: this.actionsExecuted, history: this.redactedHistory() };
        return error === undefined ? result : { ...result, error };
    }

    // ---- checks made before the run -------------------------------------------------------

    /** `depth` 1 is the definition's own actions, 2 the actions inside one of them, and so on. */
    private indexContainer(actions: unknown, depth: number, owner: string): void {
        if (actions === undefined) return;
        if (!isJsonObject(actions)) throw new DefinitionError(`the actions of ${owner} must be an object`);
        for (const [name, definition] of Object.entries(actions)) {
            checkNestingDepth(name, depth);
            const indexed = indexAction(name, definition, Object.keys(actions), depth === 1);
            if (this.actionsByName.has(name)) throw new DefinitionError(`two actions are named '${name}'`);
            this.actionsByName.set(name, indexed);
            for (const [container, containerOwner] of nestedContainers(indexed)) this.indexContainer(container, depth + 1, containerOwner);
        }
    }

    private resolveParameters(): Map<string, unknown> {
        const declared = this.definition.parameters ?? {};
        if (!isJsonObject(declared)) throw new DefinitionError("'parameters' must be an object");
        for (const name of Object.keys(this.options.parameters)) {
            if (!(name in declared)) throw new DefinitionError(`the workflow supplies parameter '${name}', which the definition does not declare`);
        }
        const values = new Map<string, unknown>();
        for (const [name, declaration] of Object.entries(declared)) {
            const type = isJsonObject(declaration) && typeof declaration.type === "string" ? declaration.type.toLowerCase() : undefined;
            if (type === undefined) throw new DefinitionError(`parameter '${name}' needs a type`);
            if (type.startsWith("secure")) this.secureParameters.add(name);
            const supplied = this.options.parameters[name];
            const value = isJsonObject(supplied) && "value" in supplied ? supplied.value : (declaration as JsonObject).defaultValue;
            if (value === undefined) throw new DefinitionError(`parameter '${name}' has neither a supplied value nor a defaultValue`);
            if (!parameterValueMatches(type, value)) {
                throw new DefinitionError(
                    `parameter '${name}' is declared ${String((declaration as JsonObject).type)} but its value is of type '${wdlTypeName(value)}'`,
                );
            }
            const allowed = (declaration as JsonObject).allowedValues;
            if (Array.isArray(allowed) && !allowed.some((candidate) => deepEqual(candidate, value))) {
                throw new DefinitionError(`parameter '${name}' is ${JSON.stringify(value)}, not one of its allowedValues ${JSON.stringify(allowed)}`);
            }
            values.set(name, value);
        }
        return values;
    }

    private checkFunctionsAreImplemented(): void {
        const runtime = new Set(runtimeFunctionNames.map((name) => name.toLowerCase()));
        for (const call of listFunctionCalls(this.definition.actions, "$.actions")) {
            if (!runtime.has(call.name.toLowerCase()) && findPureFunction(call.name) === undefined) {
                throw new UnsupportedFeatureError(`the function '${call.name}' (used at ${call.location})`);
            }
        }
    }

    /** `secureData`, and what Logic Apps hides downstream: inputs that read secured outputs or secure parameters. */
    private markSecuredData(): void {
        for (const action of this.actionsByName.values()) {
            const properties = securedProperties(action);
            if (properties.includes("inputs")) this.securedInputs.add(action.name);
            if (properties.includes("outputs")) this.securedOutputs.add(action.name);
        }
        let changed = true;
        while (changed) {
            changed = false;
            for (const action of this.actionsByName.values()) {
                if (!this.securedInputs.has(action.name) && this.readsSecuredData(action)) {
                    this.securedInputs.add(action.name);
                    changed = true;
                }
                if (this.securedInputs.has(action.name) && passThroughTypes.has(action.type) && !this.securedOutputs.has(action.name)) {
                    this.securedOutputs.add(action.name);
                    changed = true;
                }
            }
        }
    }

    private readsSecuredData(action: IndexedAction): boolean {
        return listFunctionCalls(ownExpressions(action)).some((call) => {
            const name = call.name.toLowerCase();
            if (name === "parameters") return call.firstArgument !== undefined && this.secureParameters.has(call.firstArgument);
            const readsOutputs = name === "body" || name === "outputs" || name === "actions" || name === "result";
            return readsOutputs && call.firstArgument !== undefined && this.securedOutputs.has(call.firstArgument);
        });
    }

    private declaredVariableNames(): Set<string> {
        const names = new Set<string>();
        for (const action of this.actionsByName.values()) {
            if (action.type !== "initializevariable" || !isJsonObject(action.definition.inputs)) continue;
            const declared = action.definition.inputs.variables;
            if (!Array.isArray(declared)) continue;
            for (const variable of declared) if (isJsonObject(variable) && typeof variable.name === "string") names.add(variable.name);
        }
        return names;
    }

    // ---- running ---------------------------------------------------------------------------

    private runContainer(actions: unknown, frame: Frame): { status: ActionStatus; children: ActionResult[] } {
        const names = isJsonObject(actions) ? Object.keys(actions) : [];
        const finished = new Map<string, ActionResult>();
        const pending = [...names];
        while (pending.length > 0) {
            const ready = pending.findIndex((name) => [...this.indexed(name).predecessors.keys()].every((before) => finished.has(before)));
            if (ready < 0) throw new DefinitionError(`the runAfter of ${pending.map((name) => `'${name}'`).join(", ")} form a cycle`);
            const action = this.indexed(pending.splice(ready, 1)[0]!);
            const result = this.runOrSkip(action, finished, frame);
            finished.set(action.name, result);
            frame.results.set(action.name, result);
        }
        return {
            status: branchStatus(
                names.map((name) => this.indexed(name)),
                finished,
            ),
            children: [...finished.values()],
        };
    }

    private runOrSkip(action: IndexedAction, finished: ReadonlyMap<string, ActionResult>, frame: Frame): ActionResult {
        for (const [before, accepted] of action.predecessors) {
            const actual = finished.get(before)!.status;
            if (!accepted.includes(actual)) {
                const message = `The execution of template action '${action.name}' is skipped: the 'runAfter' condition for action '${before}' is not satisfied. Expected status values '${accepted.join(", ")}' and actual value '${actual}'.`;
                const error = { code: "ActionSkipped", message };
                this.history.push({
                    name: action.name,
                    type: action.definition.type as string,
                    status: "Skipped",
                    code: "ActionSkipped",
                    error,
                    ...repetitionOf(frame),
                });
                return { name: action.name, type: action.type, status: "Skipped", code: "ActionSkipped", error };
            }
        }
        return this.execute(action, frame);
    }

    private execute(action: IndexedAction, frame: Frame): ActionResult {
        this.actionsExecuted += 1;
        const record: ActionRecord = { name: action.name, type: action.definition.type as string, status: "Succeeded", ...repetitionOf(frame) };
        this.history.push(record);
        const { outcome, children } = this.outcomeOf(action, frame);
        Object.assign(
            record,
            withoutUndefined({
                status: outcome.status,
                code: outcome.code,
                attempts: outcome.attempts,
                inputs: outcome.inputs,
                outputs: outcome.outputs,
                error: outcome.error,
            }),
        );
        if (action.type === "terminate" && outcome.status === "Succeeded") throw this.terminateSignal(outcome.inputs);
        return withoutUndefined({ name: action.name, type: action.type, ...outcome, children });
    }

    private outcomeOf(action: IndexedAction, frame: Frame): { outcome: ActionOutcome; children?: ActionResult[] } {
        try {
            switch (action.type) {
                case "scope":
                    return this.branchOutcome(this.runContainer(action.definition.actions, frame));
                case "if":
                    return this.runIf(action, frame);
                case "switch":
                    return this.runSwitch(action, frame);
                case "foreach":
                    return { outcome: this.runForeach(action, frame) };
                case "until":
                    return this.runUntil(action, frame);
                case "terminate":
                    return { outcome: { status: "Succeeded", inputs: this.evaluate(action.definition.inputs, frame) } };
                default:
                    return { outcome: simpleActionRunners.get(action.type)!(this.actionContext(action, frame)) };
            }
        } catch (error) {
            if (!(error instanceof TemplateError)) throw error;
            const message = `Unable to process template language expressions in action '${action.name}': ${error.message}`;
            return { outcome: { status: "Failed", code: "InvalidTemplate", error: { code: "InvalidTemplate", message } } };
        }
    }

    private branchOutcome(branch: { status: ActionStatus; children: ActionResult[] }, outputs?: unknown): { outcome: ActionOutcome; children: ActionResult[] } {
        const failed = branch.status !== "Succeeded";
        const outcome: ActionOutcome = failed
            ? {
                  status: branch.status,
                  code: "ActionFailed",
                  outputs,
                  error: { code: "ActionFailed", message: "An action failed. No dependent actions succeeded." },
              }
            : { status: "Succeeded", outputs };
        return { outcome: withoutUndefined(outcome), children: branch.children };
    }

    private runIf(action: IndexedAction, frame: Frame): { outcome: ActionOutcome; children: ActionResult[] } {
        const verdict = evaluateCondition(action.definition.expression, (value) => this.evaluate(value, frame), this.now);
        const elseBranch = isJsonObject(action.definition.else) ? action.definition.else.actions : undefined;
        return this.branchOutcome(this.runContainer(verdict ? action.definition.actions : elseBranch, frame), { expression: verdict });
    }

    private runSwitch(action: IndexedAction, frame: Frame): { outcome: ActionOutcome; children: ActionResult[] } {
        const value = this.evaluate(action.definition.expression, frame);
        if (typeof value !== "string" && !(typeof value === "number" && Number.isInteger(value))) {
            throw new TemplateError(
                `The expression of Switch '${action.name}' must yield a string or an integer, not a value of type '${wdlTypeName(value)}'.`,
            );
        }
        const cases = isJsonObject(action.definition.cases) ? Object.values(action.definition.cases) : [];
        const chosen = cases.find((branch) => isJsonObject(branch) && branch.case === value) as JsonObject | undefined;
        const fallback = isJsonObject(action.definition.default) ? action.definition.default : undefined;
        return this.branchOutcome(this.runContainer((chosen ?? fallback)?.actions, frame), { expression: value });
    }

    private runForeach(action: IndexedAction, frame: Frame): ActionOutcome {
        const items = this.evaluate(action.definition.foreach, frame);
        if (!Array.isArray(items)) {
            throw new TemplateError(
                `The result of the evaluation of 'foreach' expression '${String(action.definition.foreach)}' is of type '${wdlTypeName(items)}'. The result must be a valid array.`,
            );
        }
        const statuses = items.map((item, index) => {
            const iteration: Frame = { parent: frame, results: new Map(), loop: { name: action.name, item, index } };
            return this.runContainer(action.definition.actions, iteration).status;
        });
        const worst = worstStatus(statuses);
        if (worst === "Succeeded") return { status: "Succeeded" };
        return { status: worst, code: "ActionFailed", error: { code: "ActionFailed", message: "An action failed. No dependent actions succeeded." } };
    }

    /**
     * Until runs its actions, then evaluates its expression, and repeats until the expression is
     * true or `limit.count` iterations have run (Logic Apps' default is 60). Every iteration runs
     * in the loop's frame, so after the loop its actions' results are those of the last
     * iteration. The loop takes the status of its last iteration; reaching the count is not a
     * failure (Logic Apps ends the loop and goes on).
     */
    private runUntil(action: IndexedAction, frame: Frame): { outcome: ActionOutcome; children: ActionResult[] } {
        const limit = isJsonObject(action.definition.limit) ? action.definition.limit.count : undefined;
        const maximum = limit === undefined ? 60 : Number(limit);
        if (!Number.isInteger(maximum) || maximum < 1 || maximum > 5000) {
            throw new DefinitionError(`the limit.count of Until '${action.name}' must be an integer from 1 to 5000, not ${JSON.stringify(limit)}`);
        }
        let iteration = this.runContainer(action.definition.actions, frame);
        let count = 1;
        while (!this.untilConditionHolds(action, frame) && count < maximum) {
            iteration = this.runContainer(action.definition.actions, frame);
            count += 1;
        }
        return this.branchOutcome(iteration, { iterationCount: count });
    }

    private untilConditionHolds(action: IndexedAction, frame: Frame): boolean {
        const expression = action.definition.expression;
        const verdict =
            typeof expression === "string" ? this.evaluate(expression, frame) : evaluateCondition(expression, (value) => this.evaluate(value, frame), this.now);
        if (typeof verdict !== "boolean") {
            throw new TemplateError(`The expression of Until '${action.name}' must yield a boolean, not a value of type '${wdlTypeName(verdict)}'.`);
        }
        return verdict;
    }

    private terminateSignal(inputs: unknown): TerminateSignal {
        const runStatus = isJsonObject(inputs) ? inputs.runStatus : undefined;
        const status = (["Succeeded", "Failed", "Cancelled"] as const).find(
            (known) => typeof runStatus === "string" && known.toLowerCase() === runStatus.toLowerCase(),
        );
        if (status === undefined) throw new DefinitionError(`Terminate needs runStatus Succeeded, Failed or Cancelled, not ${JSON.stringify(runStatus)}`);
        const runError = isJsonObject(inputs) && isJsonObject(inputs.runError) ? inputs.runError : undefined;
        if (status !== "Failed" || runError === undefined) return new TerminateSignal(status);
        return new TerminateSignal(status, { code: String(runError.code ?? "Terminated"), message: String(runError.message ?? "") });
    }

    private actionContext(action: IndexedAction, frame: Frame): ActionContext {
        return {
            name: action.name,
            type: action.definition.type as string,
            definition: action.definition,
            evaluate: (value) => this.evaluate(value, frame),
            evaluateForItem: (value, item) => this.evaluate(value, { parent: frame, results: frame.results, item: { value: item } }),
            variables: this.variables,
            network: this.options.network,
            resolveConnection: (connectionName) => this.resolveConnection(action.name, connectionName),
        };
    }

    /** Finds the `$connections` entry whose `connectionId` an ApiConnection names. */
    private resolveConnection(actionName: string, connectionName: unknown): { name: string; connection: JsonObject } {
        const connections = this.parameterValues.get("$connections");
        if (isJsonObject(connections)) {
            for (const [name, connection] of Object.entries(connections)) {
                if (isJsonObject(connection) && connection.connectionId === connectionName) return { name, connection };
            }
        }
        throw new DefinitionError(
            `ApiConnection action '${actionName}' uses connection ${JSON.stringify(connectionName)}, which no '$connections' entry's connectionId matches`,
        );
    }

    // ---- expressions -----------------------------------------------------------------------

    private evaluate(value: unknown, frame: Frame): unknown {
        const functions = this.workflowFunctions(frame);
        const context: EvaluationContext = { now: this.now, workflowFunction: (name) => functions.get(name.toLowerCase()) };
        return evaluateDeep(value, context);
    }

    private workflowFunctions(frame: Frame): Map<string, WdlFunction> {
        const trigger = { name: this.triggerName, status: "Succeeded", outputs: { headers: {}, body: this.options.triggerBody } };
        const named =
            (body: (name: string, fn: string) => unknown): WdlFunction =>
            (args, call) =>
                body(singleName(args, call.name), call.name);
        const functions: Record<string, WdlFunction> = {
            triggerBody: noArguments(() => trigger.outputs.body),
            triggerOutputs: noArguments(() => trigger.outputs),
            trigger: noArguments(() => trigger),
            body: named((name, fn) => this.bodyOf(this.resultFor(name, frame, fn))),
            outputs: named((name, fn) => this.resultFor(name, frame, fn).outputs ?? null),
            actions: named((name, fn) => describeResult(this.resultFor(name, frame, fn, true))),
            result: named((name, fn) => this.childrenOf(this.resultFor(name, frame, fn, true)).map(describeResult)),
            items: named((name) => this.loopItem(name, frame)),
            item: noArguments(() => currentItem(frame)),
            variables: named((name) => this.variables.get(name)),
            parameters: named((name) => this.parameter(name)),
            workflow: noArguments(() => ({ name: "pimguard-replay", type: "Microsoft.Logic/workflows", run: { name: "replay" } })),
        };
        return new Map(Object.entries(functions).map(([name, fn]) => [name.toLowerCase(), fn]));
    }

    private resultFor(name: string, frame: Frame, fn: string, allowSkipped = false): ActionResult {
        if (!this.actionsByName.has(name)) throw new DefinitionError(`${fn}('${name}') names no action of the definition`);
        for (let scope: Frame | undefined = frame; scope !== undefined; scope = scope.parent) {
            const result = scope.results.get(name);
            if (result === undefined) continue;
            if (result.status === "Skipped" && !allowSkipped) throw new TemplateError(`${fn}('${name}') cannot be read: action '${name}' was skipped.`);
            return result;
        }
        throw new TemplateError(
            `${fn}('${name}') cannot be read: action '${name}' has not run here (it runs later, or in a branch or loop iteration that did not run).`,
        );
    }

    private bodyOf(result: ActionResult): unknown {
        if (isJsonObject(result.outputs) && "body" in result.outputs) return result.outputs.body;
        throw new TemplateError(`body('${result.name}') cannot be read: the outputs of action '${result.name}' have no body (use outputs('${result.name}')).`);
    }

    private childrenOf(result: ActionResult): readonly ActionResult[] {
        if (result.type === "foreach") throw new UnsupportedFeatureError(`result() of a Foreach ('${result.name}')`);
        if (result.children === undefined) throw new TemplateError(`result('${result.name}') needs a Scope, If or Switch action.`);
        return result.children;
    }

    private loopItem(name: string, frame: Frame): unknown {
        if (this.actionsByName.get(name)?.type !== "foreach") throw new DefinitionError(`items('${name}') names no Foreach action`);
        for (let scope: Frame | undefined = frame; scope !== undefined; scope = scope.parent) {
            if (scope.loop?.name === name) return scope.loop.item;
        }
        throw new TemplateError(`items('${name}') is used outside the loop '${name}'.`);
    }

    private parameter(name: string): unknown {
        if (!this.parameterValues.has(name)) throw new DefinitionError(`parameters('${name}') names no declared parameter`);
        return this.parameterValues.get(name);
    }

    private indexed(name: string): IndexedAction {
        return this.actionsByName.get(name)!;
    }

    private redactedHistory(): ActionRecord[] {
        return this.history.map((record) => {
            const inputsHidden = this.securedInputs.has(record.name);
            const outputsHidden = this.securedOutputs.has(record.name);
            const redacted: ActionRecord = { ...record };
            if (inputsHidden && "inputs" in record) redacted.inputs = securedPlaceholder;
            if (outputsHidden && "outputs" in record) redacted.outputs = securedPlaceholder;
            if ((inputsHidden || outputsHidden) && record.error !== undefined) redacted.error = { code: record.error.code, message: securedPlaceholder };
            return redacted;
        });
    }
}

// ---- statuses ------------------------------------------------------------------------------------

const severity: Readonly<Record<ActionStatus, number>> = { Succeeded: 0, Skipped: 0, Cancelled: 1, TimedOut: 2, Failed: 3 };

function worstStatus(statuses: readonly ActionStatus[]): ActionStatus {
    return statuses.reduce<ActionStatus>((worst, status) => (severity[status] > severity[worst] ? status : worst), "Succeeded");
}

/** A branch's status from its last actions; a skipped last action counts as the predecessor it was skipped after. */
function branchStatus(actions: readonly IndexedAction[], results: ReadonlyMap<string, ActionResult>): ActionStatus {
    const followed = new Set(actions.flatMap((action) => [...action.predecessors.keys()]));
    const effective = (action: IndexedAction): ActionStatus => {
        const status = results.get(action.name)!.status;
        if (status !== "Skipped") return status;
        return worstStatus([...action.predecessors.keys()].map((before) => effective(actions.find((candidate) => candidate.name === before)!)));
    };
    return worstStatus(actions.filter((action) => !followed.has(action.name)).map(effective));
}

function asRunStatus(status: ActionStatus): RunStatus {
    return status === "Skipped" ? "Succeeded" : status;
}

// ---- small helpers ---------------------------------------------------------------------------------

function singleName(args: unknown[], fn: string): string {
    if (args.length !== 1 || typeof args[0] !== "string") throw new TemplateError(`The template function '${fn}' expects one string parameter.`);
    return args[0];
}

function noArguments(body: () => unknown): WdlFunction {
    return (args, call) => {
        if (args.length !== 0) throw new TemplateError(`The template function '${call.name}' takes no parameters.`);
        return body();
    };
}

function currentItem(frame: Frame): unknown {
    for (let scope: Frame | undefined = frame; scope !== undefined; scope = scope.parent) {
        if (scope.item !== undefined) return scope.item.value;
        if (scope.loop !== undefined) return scope.loop.item;
    }
    throw new TemplateError("item() is used outside a loop, Query or Select.");
}

function repetitionOf(frame: Frame): { repetition?: number[] } {
    const indexes: number[] = [];
    for (let scope: Frame | undefined = frame; scope !== undefined; scope = scope.parent) {
        if (scope.loop !== undefined) indexes.unshift(scope.loop.index);
    }
    return indexes.length === 0 ? {} : { repetition: indexes };
}

/** What `actions()` and the items of `result()` return. */
function describeResult(result: ActionResult): JsonObject {
    return withoutUndefined({
        name: result.name,
        status: result.status,
        code: result.code,
        inputs: result.inputs,
        outputs: result.outputs,
        error: result.error,
    });
}

function withoutUndefined<T extends object>(value: T): T {
    return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}
