/**
 * The shape of a Logic Apps workflow definition (WDL), as far as pimguard reads it, and a walker
 * over its nested action scopes. Plain values only: the stack, the offline checks and the replay
 * engine all use these.
 */

/** Statuses a `runAfter` entry can wait for. */
export type RunAfterStatus = "Succeeded" | "Failed" | "Skipped" | "TimedOut";

export interface DefinitionParameter {
    readonly type: string;
    readonly defaultValue?: unknown;
    readonly allowedValues?: readonly unknown[];
    readonly metadata?: { readonly description?: string };
}

export interface WorkflowTrigger {
    readonly type: string;
    readonly inputs?: unknown;
    readonly [property: string]: unknown;
}

/** The actions of one scope (the top level, a Foreach or Scope body, an If branch, a Switch case). */
export type ActionMap = Readonly<Record<string, WorkflowAction>>;

export interface WorkflowAction {
    readonly type: string;
    readonly description?: string;
    readonly inputs?: unknown;
    readonly runAfter?: Readonly<Record<string, readonly RunAfterStatus[]>>;
    /** Foreach, Scope, Until, and the true branch of If. */
    readonly actions?: ActionMap;
    /** The false branch of If. */
    readonly else?: { readonly actions?: ActionMap };
    readonly cases?: Readonly<Record<string, { readonly case: unknown; readonly actions?: ActionMap }>>;
    readonly default?: { readonly actions?: ActionMap };
    readonly [property: string]: unknown;
}

export interface WorkflowDefinition {
    readonly $schema: string;
    readonly contentVersion: string;
    readonly parameters: Readonly<Record<string, DefinitionParameter>>;
    readonly triggers: Readonly<Record<string, WorkflowTrigger>>;
    readonly actions: ActionMap;
    readonly outputs: Readonly<Record<string, unknown>>;
}

/** One action with where it sits. */
export interface LocatedAction {
    readonly name: string;
    readonly action: WorkflowAction;
    /** The actions of the same scope (this one included): `runAfter` may only name these. */
    readonly scope: ActionMap;
    /** Enclosing container actions, outermost first (a Foreach, an If, a Switch...). */
    readonly containers: readonly string[];
}

/**
 * Every action of the definition, depth first, parents before the actions they contain.
 * Action names are unique across a whole definition in Logic Apps, and references
 * (`body('X')`) are by name alone, so a flat list is enough to resolve them.
 */
export function listActions(definition: Pick<WorkflowDefinition, "actions">): LocatedAction[] {
    const found: LocatedAction[] = [];
    const visit = (scope: ActionMap, containers: readonly string[]): void => {
        for (const [name, action] of Object.entries(scope)) {
            found.push({ name, action, scope, containers });
            for (const inner of innerScopes(action)) {
                visit(inner, [...containers, name]);
            }
        }
    };
    visit(definition.actions, []);
    return found;
}

/** The action maps directly inside one action: branches, cases, loop bodies. */
export function innerScopes(action: WorkflowAction): ActionMap[] {
    return [action.actions, action.else?.actions, ...Object.values(action.cases ?? {}).map((switchCase) => switchCase.actions), action.default?.actions].filter(
        (scope): scope is ActionMap => scope !== undefined,
    );
}

/** True for a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
