/**
 * The `expression` of an If action: either an expression string that yields a boolean, or the
 * designer's expression object `{ "and": [ { "equals": [a, b] }, { "not": { ... } } ] }`.
 * Comparison operators take two operands and behave exactly like the functions of the same name.
 */
import { TemplateError, UnsupportedFeatureError } from "./errors";
import { findPureFunction } from "./functions";
import { isJsonObject, wdlTypeName } from "./values";

const comparisonOperators = ["equals", "contains", "greater", "greaterOrEquals", "less", "lessOrEquals", "startsWith", "endsWith"];

/** Evaluates a condition; `evaluate` evaluates any JSON value (expression strings included) in the action's scope. */
export function evaluateCondition(condition: unknown, evaluate: (value: unknown) => unknown, now: Date): boolean {
    if (typeof condition === "string" || typeof condition === "boolean") {
        return requireBoolean(evaluate(condition), "the condition");
    }
    if (!isJsonObject(condition) || Object.keys(condition).length !== 1) {
        throw new TemplateError(`A condition must be an expression string or an object with one operator, not ${JSON.stringify(condition)}.`);
    }
    const [operator, operand] = Object.entries(condition)[0]!;
    switch (operator) {
        case "and":
            return operandList(operator, operand)
                .map((item) => evaluateCondition(item, evaluate, now))
                .every(Boolean);
        case "or":
            return operandList(operator, operand)
                .map((item) => evaluateCondition(item, evaluate, now))
                .some(Boolean);
        case "not":
            return !evaluateCondition(operand, evaluate, now);
    }
    const comparison = comparisonOperators.find((name) => name === operator);
    if (comparison === undefined) throw new UnsupportedFeatureError(`the condition operator '${operator}'`);
    const values = operandList(operator, operand).map((item) => evaluate(item));
    if (values.length !== 2) throw new TemplateError(`The condition operator '${operator}' takes 2 operands; it was given ${values.length}.`);
    return requireBoolean(findPureFunction(comparison)!(values, { name: comparison, now }), `'${operator}'`);
}

function operandList(operator: string, operand: unknown): unknown[] {
    if (!Array.isArray(operand)) throw new TemplateError(`The condition operator '${operator}' takes an array of operands.`);
    return operand;
}

function requireBoolean(value: unknown, what: string): boolean {
    if (typeof value !== "boolean") throw new TemplateError(`${what} must yield a boolean; it yielded a value of type '${wdlTypeName(value)}'.`);
    return value;
}
