/**
 * Static checks over a workflow definition: `runAfter` wiring and the references expressions
 * make (`body('X')`, `items('X')`, `variables('X')`, `parameters('X')`...). Each returns a list
 * of problems (empty = fine) so a test can show all of them at once. Expressions are read with
 * the replay engine's WDL parser, never with regular expressions.
 */
import { callsInTemplate, Expression, FunctionCall, parseTemplate } from "../../replay/logic-apps/expressions";
import { ActionMap, innerScopes, LocatedAction, listActions, WorkflowAction, WorkflowDefinition } from "../../components/workflow-structure";

const runAfterStatuses = new Set(["Succeeded", "Failed", "Skipped", "TimedOut"]);

/** `runAfter` may only name actions of the same scope, with known statuses, and never itself. */
export function runAfterProblems(definition: Pick<WorkflowDefinition, "actions">): string[] {
    const problems: string[] = [];
    for (const { name, action, scope } of listActions(definition)) {
        for (const [predecessor, statuses] of Object.entries(action.runAfter ?? {})) {
            if (!(predecessor in scope) || predecessor === name) {
                problems.push(`${name} runs after ${predecessor}, which is not another action of its scope`);
            }
            for (const status of statuses) {
                if (!runAfterStatuses.has(status)) problems.push(`${name} waits for unknown status ${status} of ${predecessor}`);
            }
            if (statuses.length === 0) problems.push(`${name} waits for no status of ${predecessor}`);
        }
    }
    return problems;
}

/** Every scope's `runAfter` graph must be acyclic (else those actions never start). */
export function runAfterCycles(definition: Pick<WorkflowDefinition, "actions">): string[] {
    const cycles: string[] = [];
    const visitScope = (scope: ActionMap): void => {
        const state = new Map<string, "visiting" | "done">();
        const visit = (name: string, trail: string[]): void => {
            if (state.get(name) === "done" || !(name in scope)) return;
            if (state.get(name) === "visiting") {
                cycles.push([...trail.slice(trail.indexOf(name)), name].join(" -> "));
                return;
            }
            state.set(name, "visiting");
            for (const predecessor of Object.keys(scope[name]!.runAfter ?? {})) visit(predecessor, [...trail, name]);
            state.set(name, "done");
        };
        for (const name of Object.keys(scope)) visit(name, []);
        for (const action of Object.values(scope)) innerScopes(action).forEach(visitScope);
    };
    visitScope(definition.actions);
    return cycles;
}

/** Functions whose first argument names an action whose results must already exist. */
const actionResultFunctions = new Set(["body", "outputs", "actions", "result"]);

/**
 * Every reference resolves, and to something that has run by then:
 * - `body/outputs/actions/result('X')`: X is a (transitive) `runAfter` predecessor of the
 *   referencing action or of one of its containers;
 * - `items('X')`: X is an enclosing Foreach; `item()` only inside Query/Select inputs;
 * - `variables('X')` and the variable actions' `name`: X is initialised by a top-level
 *   InitializeVariable that has run by then;
 * - `parameters('X')`: X is a definition parameter.
 */
export function referenceProblems(definition: WorkflowDefinition): string[] {
    const actions = listActions(definition);
    const byName = new Map(actions.map((located) => [located.name, located]));
    const variableInitializers = variableInitializersOf(definition.actions);
    const problems: string[] = [];
    for (const located of actions) {
        const available = actionsRunBefore(located, byName);
        const problem = (text: string) => problems.push(`${located.name}: ${text}`);
        for (const call of callsIn(ownContent(located.action))) {
            const target = stringArgument(call);
            switch (call.name.toLowerCase()) {
                case "body":
                case "outputs":
                case "actions":
                case "result":
                    if (target === undefined) problem(`${call.name}() needs an action name`);
                    else if (!byName.has(target)) problem(`${call.name}('${target}') names no action`);
                    else if (!available.has(target)) problem(`${call.name}('${target}') may not have run yet`);
                    break;
                case "items":
                    if (target === undefined || !located.containers.includes(target) || byName.get(target)?.action.type !== "Foreach") {
                        problem(`items('${target}') is not inside that Foreach`);
                    }
                    break;
                case "item":
                    if (!["Query", "Select"].includes(located.action.type)) problem("item() outside a Query or Select");
                    break;
                case "variables":
                    checkVariable(target, `variables('${target}')`);
                    break;
                case "parameters":
                    if (target === undefined || !(target in definition.parameters)) problem(`parameters('${target}') is not declared`);
                    break;
            }
        }
        if (["SetVariable", "AppendToArrayVariable", "AppendToStringVariable", "IncrementVariable", "DecrementVariable"].includes(located.action.type)) {
            const name = (located.action.inputs as { name?: unknown } | undefined)?.name;
            checkVariable(typeof name === "string" ? name : undefined, `${located.action.type} of variable ${String(name)}`);
        }

        function checkVariable(name: string | undefined, what: string): void {
            const initializer = name === undefined ? undefined : variableInitializers.get(name);
            if (initializer === undefined) problem(`${what} is never initialised`);
            else if (!available.has(initializer)) problem(`${what} may be used before ${initializer} runs`);
        }
    }
    for (const name of Object.keys(definition.triggers)) {
        for (const call of callsIn(definition.triggers[name])) {
            if (actionResultFunctions.has(call.name.toLowerCase()) || call.name.toLowerCase() === "variables") {
                problems.push(`trigger ${name}: ${call.name}() cannot be used in a trigger`);
            }
        }
    }
    return problems;
}

/** Connection names read as `parameters('$connections')['name']` anywhere in the definition. */
export function connectionNamesUsed(definition: WorkflowDefinition): string[] {
    const names = new Set<string>();
    visitExpressions(definition, (expression) => {
        if (
            expression.kind === "member" &&
            expression.key.kind === "string" &&
            expression.target.kind === "call" &&
            expression.target.name.toLowerCase() === "parameters" &&
            stringArgument(expression.target) === "$connections"
        ) {
            names.add(expression.key.value);
        }
    });
    return [...names].sort();
}

/** Every function name called anywhere in the definition (as written). */
export function functionNamesUsed(definition: WorkflowDefinition): string[] {
    return [...new Set(callsIn(definition).map((call) => call.name))].sort();
}

/** Names of the actions guaranteed to have run (in some status) before `located` starts. */
function actionsRunBefore(located: LocatedAction, byName: ReadonlyMap<string, LocatedAction>): Set<string> {
    const available = new Set<string>();
    const addPredecessors = (name: string): void => {
        const entry = byName.get(name);
        for (const predecessor of Object.keys(entry?.action.runAfter ?? {})) {
            if (!available.has(predecessor) && predecessor in (entry?.scope ?? {})) {
                available.add(predecessor);
                addPredecessors(predecessor);
            }
        }
    };
    for (const name of [located.name, ...located.containers]) addPredecessors(name);
    return available;
}

function variableInitializersOf(topLevel: ActionMap): Map<string, string> {
    const initializers = new Map<string, string>();
    for (const [name, action] of Object.entries(topLevel)) {
        if (action.type !== "InitializeVariable") continue;
        const variables = (action.inputs as { variables?: { name?: unknown }[] } | undefined)?.variables ?? [];
        for (const variable of variables) {
            if (typeof variable.name === "string") initializers.set(variable.name, name);
        }
    }
    return initializers;
}

/** An action without the actions nested in it (those are checked on their own). */
function ownContent(action: WorkflowAction): unknown {
    const { actions: _actions, else: _else, default: _default, cases, ...own } = action;
    return { ...own, caseValues: Object.values(cases ?? {}).map((switchCase) => switchCase.case) };
}

function callsIn(value: unknown): FunctionCall[] {
    const calls: FunctionCall[] = [];
    visitStrings(value, (text) => calls.push(...callsInTemplate(parseTemplate(text))));
    return calls;
}

function visitExpressions(value: unknown, visit: (expression: Expression) => void): void {
    const walk = (expression: Expression): void => {
        visit(expression);
        if (expression.kind === "call") expression.args.forEach(walk);
        if (expression.kind === "member") {
            walk(expression.target);
            walk(expression.key);
        }
    };
    visitStrings(value, (text) => {
        const template = parseTemplate(text);
        if (template.kind === "expression") walk(template.expression);
        if (template.kind === "interpolation") template.parts.forEach((part) => typeof part !== "string" && walk(part));
    });
}

function visitStrings(value: unknown, visit: (text: string) => void): void {
    if (typeof value === "string") visit(value);
    else if (Array.isArray(value)) value.forEach((item) => visitStrings(item, visit));
    else if (value !== null && typeof value === "object") Object.values(value).forEach((child) => visitStrings(child, visit));
}

function stringArgument(call: FunctionCall): string | undefined {
    const first = call.args[0];
    return first?.kind === "string" ? first.value : undefined;
}
