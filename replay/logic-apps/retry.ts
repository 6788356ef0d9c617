/**
 * Logic Apps retry policies for Http and ApiConnection actions. The replay never sleeps: it
 * only counts attempts. A policy retries on 408, 429 and 5xx answers:
 * - absent: the default policy, exponential with 4 retries (5 attempts in all);
 * - `{ type: "none" }`: one attempt;
 * - `{ type: "fixed", count, interval }` and `{ type: "exponential", count, interval,
 *   minimumInterval?, maximumInterval? }`: `count` retries (1 to 90) after the first attempt.
 */
import { DefinitionError } from "./errors";
import { isJsonObject } from "./values";

export interface RetryPolicy {
    readonly type: "default" | "none" | "fixed" | "exponential";
    /** Attempts in all, the first one included. */
    readonly maxAttempts: number;
}

const defaultRetries = 4;
const maximumRetries = 90;
const isoDuration = /^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

/** True for the answers a retry policy retries. */
export function isRetryableStatus(statusCode: number): boolean {
    return statusCode === 408 || statusCode === 429 || statusCode >= 500;
}

/** Reads an action's `inputs.retryPolicy`; a malformed policy is refused, as the designer refuses to save it. */
export function parseRetryPolicy(policy: unknown, actionName: string): RetryPolicy {
    if (policy === undefined) return { type: "default", maxAttempts: defaultRetries + 1 };
    if (!isJsonObject(policy) || typeof policy.type !== "string") {
        throw new DefinitionError(`action '${actionName}': retryPolicy must be an object with a 'type'`);
    }
    const type = policy.type.toLowerCase();
    if (type === "none") return { type: "none", maxAttempts: 1 };
    if (type !== "fixed" && type !== "exponential") {
        throw new DefinitionError(`action '${actionName}': unknown retryPolicy type '${policy.type}' (none, fixed, exponential)`);
    }
    const count = policy.count;
    if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > maximumRetries) {
        throw new DefinitionError(`action '${actionName}': retryPolicy count must be an integer from 1 to ${maximumRetries}, not ${JSON.stringify(count)}`);
    }
    for (const key of ["interval", "minimumInterval", "maximumInterval"] as const) {
        const value = policy[key];
        const required = key === "interval";
        if ((value !== undefined || required) && (typeof value !== "string" || !isoDuration.test(value))) {
            throw new DefinitionError(`action '${actionName}': retryPolicy ${key} must be an ISO 8601 duration such as PT7S, not ${JSON.stringify(value)}`);
        }
    }
    return { type, maxAttempts: count + 1 };
}
