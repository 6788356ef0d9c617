/**
 * The Microsoft Graph calls the playbook's definition makes, and the application permissions
 * they need. Tests use it to prove the deployed identity holds exactly those permissions; the
 * stack program does not load it (it parses WDL expressions, which deploying never needs).
 */
import type { RemovalMethod } from "../../components/config";
import { graphBaseUrl } from "../../components/playbook-definition";
import { findGraphOperation, GraphOperation, GraphPermission } from "./graph-permissions";
import { Expression, parseTemplate } from "./expressions";
import { isJsonObject, listActions, WorkflowAction, WorkflowDefinition } from "../../components/workflow-structure";

/** One Microsoft Graph request an HTTP action of the definition makes. */
export interface GraphCall {
    /** The action's name. */
    readonly action: string;
    /** Upper-case HTTP method. */
    readonly method: string;
    /** Path below `/v1.0`, with `{name}` where an expression is interpolated, e.g. `/users/{principalId}/revokeSignInSessions`. */
    readonly path: string;
    /** The `$filter` query option, expressions shown as `{name}`, when the action sends one. */
    readonly filter?: string;
    /** The `action` a schedule request's body names (e.g. `adminRemove`), when it is literal. */
    readonly requestAction?: string;
}

/**
 * Every Graph call of the definition, in document order. An HTTP action whose URI starts with
 * Graph's host but not with {@link graphBaseUrl} is an error: only v1.0 is checked and granted.
 * An action marked `metadata.removalMethod` is made only with that removal method: given one,
 * the calls of the other methods are left out. An action marked `metadata.privilegedGroupsOnly`
 * is made only where privileged groups are configured: left out when `guardsPrivilegedGroups` is
 * false. An action whose URI is a Graph link it was given (`@odata.nextLink`) names the
 * collection it pages through in `metadata.graphPath`.
 */
export function graphCallsIn(definition: Pick<WorkflowDefinition, "actions">, removalMethod?: RemovalMethod, guardsPrivilegedGroups = true): GraphCall[] {
    const calls: GraphCall[] = [];
    for (const { name, action } of listActions(definition)) {
        if (action.type !== "Http") continue;
        const metadata = isJsonObject(action.metadata) ? action.metadata : {};
        if (removalMethod !== undefined && metadata.removalMethod !== undefined && metadata.removalMethod !== removalMethod) continue;
        if (!guardsPrivilegedGroups && metadata.privilegedGroupsOnly === true) continue;
        const inputs = httpInputs(name, action);
        const uri = typeof metadata.graphPath === "string" ? `${graphBaseUrl}${metadata.graphPath}` : templateText(inputs.uri);
        if (!uri.startsWith("https://graph.microsoft.com")) continue;
        if (!uri.startsWith(`${graphBaseUrl}/`)) {
            throw new Error(`pimguard playbook: action ${name} calls Graph outside ${graphBaseUrl}: ${uri}`);
        }
        const filter = inputs.queries?.["$filter"];
        const requestAction = isJsonObject(inputs.body) && typeof inputs.body.action === "string" ? inputs.body.action : undefined;
        calls.push({
            action: name,
            method: inputs.method.toUpperCase(),
            path: uri.slice(graphBaseUrl.length),
            ...(filter === undefined ? {} : { filter: templateText(filter) }),
            ...(requestAction === undefined ? {} : { requestAction }),
        });
    }
    return calls;
}

/** The Graph operation a call is; an unknown call is an error naming it, never a silent pass. */
function operationOf(call: Pick<GraphCall, "method" | "path" | "requestAction">): GraphOperation {
    const path = call.path.replace(/\{[^}]*\}/g, "{}");
    const operation = findGraphOperation(call.method, path, call.requestAction);
    if (operation === undefined) {
        throw new Error(
            `pimguard playbook: no known Graph permission for ${call.method.toUpperCase()} ${path}; add it to replay/logic-apps/graph-permissions.ts`,
        );
    }
    return operation;
}

/** The least-privileged application permission for one call. */
export function graphPermissionFor(call: Pick<GraphCall, "method" | "path" | "requestAction">): GraphPermission {
    return operationOf(call).permissions[0]!;
}

/**
 * The smallest set of Graph application permissions covering every call the definition makes
 * with this removal method, sorted: what the playbook's identity must be granted, and no more.
 * Each call starts with its least-privileged permission; one is then dropped when every call
 * that asked for it is also allowed by another permission of the set (RoleManagement.ReadWrite.Directory
 * covers the listing that RoleAssignmentSchedule.Read.Directory would).
 */
export function graphPermissionsRequired(
    definition: Pick<WorkflowDefinition, "actions">,
    removalMethod: RemovalMethod,
    guardsPrivilegedGroups = false,
): GraphPermission[] {
    const operations = graphCallsIn(definition, removalMethod, guardsPrivilegedGroups).map(operationOf);
    const chosen = new Set(operations.map((operation) => operation.permissions[0]!));
    for (const permission of [...chosen].sort()) {
        const others = [...chosen].filter((other) => other !== permission);
        const needing = operations.filter((operation) => operation.permissions[0] === permission);
        if (needing.every((operation) => operation.permissions.some((allowed) => others.includes(allowed)))) chosen.delete(permission);
    }
    return [...chosen].sort();
}

interface HttpInputs {
    readonly method: string;
    readonly uri: string;
    readonly queries?: Readonly<Record<string, string>>;
    readonly body?: unknown;
}

function httpInputs(name: string, action: WorkflowAction): HttpInputs {
    const inputs = action.inputs;
    if (!isJsonObject(inputs) || typeof inputs.method !== "string" || typeof inputs.uri !== "string") {
        throw new Error(`pimguard playbook: HTTP action ${name} needs string inputs.method and inputs.uri`);
    }
    return inputs as unknown as HttpInputs;
}

/** A JSON string value as text, each interpolated expression written `{name}`. */
function templateText(value: string): string {
    const template = parseTemplate(value);
    switch (template.kind) {
        case "literal":
            return template.text;
        case "expression":
            return `{${placeholderName(template.expression)}}`;
        case "interpolation":
            return template.parts.map((part) => (typeof part === "string" ? part : `{${placeholderName(part)}}`)).join("");
    }
}

/** A readable name for an interpolated value: the last property it reads (`?['id']` -> `id`). */
function placeholderName(expression: Expression): string {
    if (expression.kind === "member" && expression.key.kind === "string") return expression.key.value;
    if (expression.kind === "call" && expression.args.length === 1) return placeholderName(expression.args[0]!);
    return "value";
}
