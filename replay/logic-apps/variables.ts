/**
 * Workflow variables. Logic Apps types them at initialisation (`string`, `integer`, `float`,
 * `boolean`, `array`, `object`) and rejects later writes of another type; null is accepted
 * for every type, as an initialisation without `value` leaves it null.
 */
import { DefinitionError, TemplateError } from "./errors";
import { isJsonObject, toWdlString, wdlTypeName } from "./values";

type VariableType = "string" | "integer" | "float" | "boolean" | "array" | "object";

const variableTypes: readonly VariableType[] = ["string", "integer", "float", "boolean", "array", "object"];

interface Variable {
    readonly type: VariableType;
    value: unknown;
}

export class VariableStore {
    private readonly values = new Map<string, Variable>();

    /** @param declaredNames every variable an InitializeVariable action of the definition declares. */
    constructor(private readonly declaredNames: ReadonlySet<string>) {}

    initialize(name: unknown, type: unknown, value: unknown): void {
        const variableName = this.requireName(name);
        const variableType = typeof type === "string" ? variableTypes.find((known) => known === type.toLowerCase()) : undefined;
        if (variableType === undefined) {
            throw new TemplateError(`Variable '${variableName}' has an unknown type ${JSON.stringify(type)} (${variableTypes.join(", ")}).`);
        }
        if (this.values.has(variableName)) throw new TemplateError(`Variable '${variableName}' is already initialized.`);
        this.values.set(variableName, { type: variableType, value: checked(variableName, variableType, value ?? null) });
    }

    get(name: unknown): unknown {
        return this.lookup(name).value;
    }

    set(name: unknown, value: unknown): void {
        const variable = this.lookup(name);
        variable.value = checked(String(name), variable.type, value);
    }

    appendToArray(name: unknown, value: unknown): void {
        const variable = this.lookupOfType(name, ["array"]);
        variable.value = [...((variable.value as unknown[] | null) ?? []), value];
    }

    appendToString(name: unknown, value: unknown): void {
        const variable = this.lookupOfType(name, ["string"]);
        variable.value = `${(variable.value as string | null) ?? ""}${toWdlString(value)}`;
    }

    increment(name: unknown, by: unknown): void {
        const variable = this.lookupOfType(name, ["integer", "float"]);
        if (typeof by !== "number") throw new TemplateError(`Variable '${String(name)}' can only be incremented by a number, not by ${JSON.stringify(by)}.`);
        variable.value = checked(String(name), variable.type, ((variable.value as number | null) ?? 0) + by);
    }

    private requireName(name: unknown): string {
        if (typeof name !== "string" || name === "") throw new TemplateError(`A variable name must be a non-empty string, not ${JSON.stringify(name)}.`);
        return name;
    }

    private lookup(name: unknown): Variable {
        const variableName = this.requireName(name);
        const variable = this.values.get(variableName);
        if (variable !== undefined) return variable;
        if (!this.declaredNames.has(variableName)) throw new DefinitionError(`variable '${variableName}' is used but no InitializeVariable action declares it`);
        throw new TemplateError(`Variable '${variableName}' is used before the action that initializes it has run.`);
    }

    private lookupOfType(name: unknown, types: VariableType[]): Variable {
        const variable = this.lookup(name);
        if (!types.includes(variable.type)) {
            throw new TemplateError(`Variable '${String(name)}' is of type '${variable.type}'; this action needs ${types.join(" or ")}.`);
        }
        return variable;
    }
}

function checked(name: string, type: VariableType, value: unknown): unknown {
    if (value === null || matchesType(type, value)) return value;
    throw new TemplateError(`Variable '${name}' is of type '${type}' and cannot hold a value of type '${wdlTypeName(value)}'.`);
}

function matchesType(type: VariableType, value: unknown): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "integer":
            return typeof value === "number" && Number.isInteger(value);
        case "float":
            return typeof value === "number";
        case "boolean":
            return typeof value === "boolean";
        case "array":
            return Array.isArray(value);
        case "object":
            return isJsonObject(value);
    }
}
