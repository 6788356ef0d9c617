/**
 * Evaluates parsed WDL expressions. Member access follows Logic Apps:
 * - `x?['a']` is null when x is null or has no property `a`; `x['a']` and `x.a` fail instead;
 * - property names match case-insensitively when no property has the exact name (the template
 *   language does not distinguish `alerts` from `Alerts`);
 * - an array is indexed by an integer (`?[5]` past the end is null, `[5]` an error);
 * - selecting anything from a string, number or boolean is an error, with or without `?`.
 */
import { TemplateError, UnsupportedFeatureError } from "./errors";
import { Expression, MemberAccess, parseTemplate, Template } from "./expressions";
import { findPureFunction, WdlFunction } from "./functions";
import { isJsonObject, propertyIgnoringCase, toWdlString, wdlTypeName } from "./values";

/** What an expression can see of the run: the workflow functions and the clock. */
export interface EvaluationContext {
    /** The run's function of that name (`body`, `variables`, `items`...), or undefined. */
    workflowFunction(name: string): WdlFunction | undefined;
    readonly now: Date;
}

export function evaluateExpression(expression: Expression, context: EvaluationContext): unknown {
    switch (expression.kind) {
        case "string":
        case "number":
        case "boolean":
            return expression.value;
        case "null":
            return null;
        case "call": {
            const implementation = context.workflowFunction(expression.name) ?? findPureFunction(expression.name);
            if (implementation === undefined) throw new UnsupportedFeatureError(`the function '${expression.name}'`);
            const args = expression.args.map((arg) => evaluateExpression(arg, context));
            return implementation(args, { name: expression.name, now: context.now });
        }
        case "member":
            return selectMember(expression, evaluateExpression(expression.target, context), evaluateExpression(expression.key, context));
    }
}

export function evaluateTemplate(template: Template, context: EvaluationContext): unknown {
    switch (template.kind) {
        case "literal":
            return template.text;
        case "expression":
            return evaluateExpression(template.expression, context);
        case "interpolation":
            return template.parts.map((part) => (typeof part === "string" ? part : toWdlString(evaluateExpression(part, context)))).join("");
    }
}

/** Evaluates every string in a JSON value (action inputs, expression objects); object keys stay as written. */
export function evaluateDeep(value: unknown, context: EvaluationContext): unknown {
    if (typeof value === "string") return evaluateTemplate(parseTemplate(value), context);
    if (Array.isArray(value)) return value.map((item) => evaluateDeep(item, context));
    if (isJsonObject(value)) {
        return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, evaluateDeep(child, context)]));
    }
    return value;
}

function selectMember(access: MemberAccess, target: unknown, key: unknown): unknown {
    if (target === null || target === undefined) {
        if (access.nullTolerant) return null;
        throw new TemplateError(
            `The template language expression cannot be evaluated because property ${JSON.stringify(key)} cannot be selected: the value is null. Use '?[...]' to allow null.`,
        );
    }
    if (Array.isArray(target)) return selectArrayItem(access, target, key);
    if (isJsonObject(target)) return selectProperty(access, target, key);
    throw new TemplateError(
        `The template language expression cannot be evaluated because property ${JSON.stringify(key)} cannot be selected: the value is of type '${wdlTypeName(target)}'.`,
    );
}

function selectProperty(access: MemberAccess, target: Record<string, unknown>, key: unknown): unknown {
    if (typeof key !== "string") {
        throw new TemplateError(`An object property must be selected by a string, not by a value of type '${wdlTypeName(key)}'.`);
    }
    const value = propertyIgnoringCase(target, key);
    if (value !== undefined) return value;
    if (access.nullTolerant) return null;
    throw new TemplateError(
        `The template language expression cannot be evaluated because property '${key}' doesn't exist, available properties are '${Object.keys(target).join(", ")}'.`,
    );
}

function selectArrayItem(access: MemberAccess, target: unknown[], key: unknown): unknown {
    if (typeof key !== "number" || !Number.isInteger(key)) {
        throw new TemplateError(`An array item must be selected by an integer index, not by ${JSON.stringify(key)}.`);
    }
    if (key >= 0 && key < target.length) return target[key];
    if (access.nullTolerant) return null;
    throw new TemplateError(`The template language expression cannot be evaluated because index ${key} is outside the array of length ${target.length}.`);
}
