/**
 * Checks of a workflow definition made before a replay runs it, as Logic Apps makes them when a
 * definition is saved: one trigger, action names and runAfter references, parameter types. Any
 * action type, setting, runtime configuration or operation option the engine does not implement
 * is refused here with an error naming it, so nothing in a definition is silently ignored.
 */
import { ActionStatus, simpleActionRunners } from "./actions";
import { DefinitionError, UnsupportedFeatureError } from "./errors";
import { isJsonObject, JsonObject } from "./values";

const runAfterStatuses: readonly ActionStatus[] = ["Succeeded", "Failed", "Skipped", "TimedOut"];
/** Settings every action may carry; `limit` (a timeout, or an Until's count) is read where it matters. */
const commonActionKeys = ["type", "inputs", "runAfter", "runtimeConfiguration", "operationOptions", "description", "metadata", "trackedProperties", "limit"];
const controlActionKeys: Readonly<Record<string, readonly string[]>> = {
    if: ["expression", "actions", "else"],
    foreach: ["foreach", "actions"],
    scope: ["actions"],
    until: ["expression", "actions"],
    switch: ["expression", "cases", "default"],
    terminate: [],
};
/** Sequential loops are what the replay runs anyway; the fakes answer synchronously, so no async pattern. */
const allowedOperationOptions: Readonly<Record<string, string>> = { foreach: "sequential", http: "disableasyncpattern" };

/** An action of the definition, checked, with its runAfter read. */
export interface IndexedAction {
    readonly name: string;
    readonly type: string;
    readonly definition: JsonObject;
    readonly predecessors: ReadonlyMap<string, readonly ActionStatus[]>;
    /** True for actions directly in the definition's `actions` (not inside a Scope, If, loop...). */
    readonly topLevel: boolean;
}

export function checkDefinitionShape(definition: unknown): JsonObject {
    if (!isJsonObject(definition)) throw new DefinitionError("the definition must be a JSON object");
    const known = ["$schema", "contentVersion", "parameters", "triggers", "actions", "outputs", "staticResults"];
    const unknown = Object.keys(definition).filter((key) => !known.includes(key));
    if (unknown.length > 0) throw new DefinitionError(`unknown top-level key(s) ${unknown.join(", ")}`);
    for (const key of ["outputs", "staticResults"]) {
        const value = definition[key];
        if (isJsonObject(value) && Object.keys(value).length > 0) throw new UnsupportedFeatureError(`the definition's '${key}'`);
    }
    return definition;
}

export function checkSingleTrigger(triggers: unknown): string {
    if (!isJsonObject(triggers) || Object.keys(triggers).length !== 1) throw new DefinitionError("a workflow needs exactly one trigger");
    const [name, trigger] = Object.entries(triggers)[0]!;
    for (const key of ["splitOn", "conditions"]) {
        if (isJsonObject(trigger) && key in trigger) throw new UnsupportedFeatureError(`the trigger setting '${key}' (trigger '${name}')`);
    }
    return name;
}

export function indexAction(name: string, definition: unknown, siblings: readonly string[], topLevel: boolean): IndexedAction {
    if (!isJsonObject(definition) || typeof definition.type !== "string") throw new DefinitionError(`action '${name}' needs a 'type'`);
    const type = definition.type.toLowerCase();
    const extraKeys = controlActionKeys[type];
    if (extraKeys === undefined && !simpleActionRunners.has(type)) throw new UnsupportedFeatureError(`the action type '${definition.type}' (action '${name}')`);
    const allowedKeys = [...commonActionKeys, ...(extraKeys ?? [])];
    const unknownKeys = Object.keys(definition).filter((key) => !allowedKeys.includes(key));
    if (unknownKeys.length > 0) throw new UnsupportedFeatureError(`the setting(s) ${unknownKeys.join(", ")} of ${definition.type} action '${name}'`);
    if (type === "initializevariable" && !topLevel) throw new DefinitionError(`InitializeVariable action '${name}' must be at the top level of the workflow`);
    checkDescription(name, definition.description);
    if (type === "setvariable") checkNoSelfReference(name, definition.inputs);
    checkRuntimeConfiguration(name, type, definition);
    return { name, type, definition, predecessors: readRunAfter(name, definition.runAfter, siblings), topLevel };
}

/**
 * Logic Apps refuses a SetVariable whose value reads the variable it sets ("Self reference is not
 * supported when updating the value of variable"); a Compose in between is the usual way round.
 */
function checkNoSelfReference(name: string, inputs: unknown): void {
    if (!isJsonObject(inputs) || typeof inputs.name !== "string") return;
    const variable = inputs.name;
    const escaped = variable.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    if (new RegExp(`variables\\(\\s*'${escaped}'\\s*\\)`, "i").test(JSON.stringify(inputs.value ?? null))) {
        throw new DefinitionError(
            `The inputs of action '${name}' of type 'SetVariable' are not valid. Self reference is not supported when updating the value of variable '${variable}'.`,
        );
    }
}

/**
 * Logic Apps' definition limits (learn.microsoft.com, "Limits and configuration reference for
 * Azure Logic Apps", Definition limits): "Actions per workflow: 500" and "Allowed nesting depth for
 * actions: 8", both to be extended only with nested workflows. Read conservatively: the
 * definition's own actions are depth 1, so the deepest action may sit inside seven containers.
 */
export const maxActionsPerWorkflow = 500;
export const maxActionNestingDepth = 8;

export function checkNestingDepth(name: string, depth: number): void {
    if (depth > maxActionNestingDepth) {
        throw new DefinitionError(`action '${name}' is nested ${depth} deep; Logic Apps allows a nesting depth of ${maxActionNestingDepth} for actions`);
    }
}

export function checkActionCount(count: number): void {
    if (count > maxActionsPerWorkflow) throw new DefinitionError(`the workflow has ${count} actions; Logic Apps allows ${maxActionsPerWorkflow}`);
}

/** Logic Apps refuses an action description longer than 256 characters when the workflow is saved. */
export const maxActionDescriptionLength = 256;

function checkDescription(name: string, description: unknown): void {
    if (description === undefined) return;
    if (typeof description !== "string") throw new DefinitionError(`the description of '${name}' must be a string`);
    if (description.length > maxActionDescriptionLength) {
        throw new DefinitionError(`the description of '${name}' has ${description.length} characters; Logic Apps allows ${maxActionDescriptionLength}`);
    }
}

function checkRuntimeConfiguration(name: string, type: string, definition: JsonObject): void {
    const options = definition.operationOptions;
    if (options !== undefined && (typeof options !== "string" || allowedOperationOptions[type] !== options.toLowerCase())) {
        throw new UnsupportedFeatureError(`operationOptions ${JSON.stringify(options)} on action '${name}'`);
    }
    const configuration = definition.runtimeConfiguration;
    if (configuration === undefined) return;
    if (!isJsonObject(configuration)) throw new DefinitionError(`the runtimeConfiguration of '${name}' must be an object`);
    for (const key of Object.keys(configuration)) {
        const allowed = key === "secureData" || (key === "concurrency" && type === "foreach");
        if (!allowed) throw new UnsupportedFeatureError(`runtimeConfiguration.${key} on action '${name}'`);
    }
    const properties = isJsonObject(configuration.secureData) ? configuration.secureData.properties : undefined;
    if (configuration.secureData !== undefined && (!Array.isArray(properties) || properties.some((item) => item !== "inputs" && item !== "outputs"))) {
        throw new DefinitionError(`secureData.properties of '${name}' must list "inputs" and/or "outputs"`);
    }
}

function readRunAfter(name: string, runAfter: unknown, siblings: readonly string[]): Map<string, ActionStatus[]> {
    const predecessors = new Map<string, ActionStatus[]>();
    if (runAfter === undefined) return predecessors;
    if (!isJsonObject(runAfter)) throw new DefinitionError(`the runAfter of '${name}' must be an object`);
    for (const [before, statuses] of Object.entries(runAfter)) {
        if (!siblings.includes(before) || before === name)
            throw new DefinitionError(`'${name}' runs after '${before}', which is not an action of the same scope`);
        if (!Array.isArray(statuses) || statuses.length === 0) throw new DefinitionError(`the runAfter of '${name}' on '${before}' must list statuses`);
        predecessors.set(
            before,
            statuses.map((status) => {
                const known = runAfterStatuses.find((candidate) => typeof status === "string" && candidate.toLowerCase() === status.toLowerCase());
                if (known === undefined)
                    throw new DefinitionError(`'${name}' runs after status ${JSON.stringify(status)} of '${before}' (${runAfterStatuses.join(", ")})`);
                return known;
            }),
        );
    }
    return predecessors;
}

/** The containers of actions nested in a control action, with a description for messages. */
export function nestedContainers(action: IndexedAction): [unknown, string][] {
    const definition = action.definition;
    switch (action.type) {
        case "scope":
        case "foreach":
        case "until":
            return [[definition.actions, `'${action.name}'`]];
        case "if":
            return [
                [definition.actions, `'${action.name}'`],
                [isJsonObject(definition.else) ? definition.else.actions : undefined, `the else branch of '${action.name}'`],
            ];
        case "switch": {
            const cases = isJsonObject(definition.cases) ? Object.entries(definition.cases) : [];
            return [
                ...cases.map(([caseName, branch]): [unknown, string] => [
                    isJsonObject(branch) ? branch.actions : undefined,
                    `case '${caseName}' of '${action.name}'`,
                ]),
                [isJsonObject(definition.default) ? definition.default.actions : undefined, `the default of '${action.name}'`],
            ];
        }
        default:
            return [];
    }
}

/** The parts of an action evaluated by the action itself (not by the actions nested in it). */
export function ownExpressions(action: IndexedAction): unknown {
    const { inputs, expression, foreach } = action.definition;
    return { inputs, expression, foreach };
}

export function securedProperties(action: IndexedAction): unknown[] {
    const configuration = action.definition.runtimeConfiguration;
    const secureData = isJsonObject(configuration) ? configuration.secureData : undefined;
    return isJsonObject(secureData) && Array.isArray(secureData.properties) ? secureData.properties : [];
}

export function parameterValueMatches(type: string, value: unknown): boolean {
    switch (type) {
        case "string":
        case "securestring":
            return typeof value === "string";
        case "int":
            return typeof value === "number" && Number.isInteger(value);
        case "float":
            return typeof value === "number";
        case "bool":
            return typeof value === "boolean";
        case "array":
            return Array.isArray(value);
        case "object":
        case "secureobject":
            return isJsonObject(value);
        default:
            throw new DefinitionError(`unknown parameter type '${type}'`);
    }
}
