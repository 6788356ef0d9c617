/**
 * The Microsoft Graph calls the playbook's definition makes, and the application permissions
 * they need. Tests use it to prove the deployed identity holds exactly those permissions; the
 * stack program does not load it (it parses WDL expressions, which deploying never needs).
 */
import { graphBaseUrl } from "../../components/playbook-definition";
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
}

/**
 * Every Graph call of the definition, in document order. An HTTP action whose URI starts with
 * Graph's host but not with {@link graphBaseUrl} is an error: only v1.0 is checked and granted.
 */
export function graphCallsIn(definition: Pick<WorkflowDefinition, "actions">): GraphCall[] {
    const calls: GraphCall[] = [];
    for (const { name, action } of listActions(definition)) {
        if (action.type !== "Http") continue;
        const inputs = httpInputs(name, action);
        const uri = templateText(inputs.uri);
        if (!uri.startsWith("https://graph.microsoft.com")) continue;
        if (!uri.startsWith(`${graphBaseUrl}/`)) {
            throw new Error(`pimguard playbook: action ${name} calls Graph outside ${graphBaseUrl}: ${uri}`);
        }
        const filter = inputs.queries?.["$filter"];
        calls.push({
            action: name,
            method: inputs.method.toUpperCase(),
            path: uri.slice(graphBaseUrl.length),
            ...(filter === undefined ? {} : { filter: templateText(filter) }),
        });
    }
    return calls;
}

/** Graph application permissions (app role values). */
export type GraphPermission = "RoleManagement.Read.Directory" | "RoleManagement.ReadWrite.Directory" | "User.RevokeSessions.All";

/**
 * The least-privileged application permission for each call the playbook may make, keyed by
 * `METHOD path` with every interpolated segment written `{}`. Source: Microsoft Graph API
 * reference (list/delete unifiedRoleAssignment, user: revokeSignInSessions).
 */
const permissionByCall: Readonly<Record<string, GraphPermission>> = {
    "GET /roleManagement/directory/roleAssignments": "RoleManagement.Read.Directory",
    "DELETE /roleManagement/directory/roleAssignments/{}": "RoleManagement.ReadWrite.Directory",
    "POST /users/{}/revokeSignInSessions": "User.RevokeSessions.All",
};

/** Permissions that include others, so granting both would be one more than needed. */
const impliedPermissions: Readonly<Partial<Record<GraphPermission, readonly GraphPermission[]>>> = {
    "RoleManagement.ReadWrite.Directory": ["RoleManagement.Read.Directory"],
};

/** The permission one call needs; an unknown call is an error naming it, never a silent pass. */
export function graphPermissionFor(call: Pick<GraphCall, "method" | "path">): GraphPermission {
    const key = `${call.method.toUpperCase()} ${call.path.replace(/\{[^}]*\}/g, "{}")}`;
    const permission = permissionByCall[key];
    if (permission === undefined) {
        throw new Error(`pimguard playbook: no known Graph permission for ${key}; add it to permissionByCall in replay/logic-apps/graph-calls.ts`);
    }
    return permission;
}

/**
 * The smallest set of Graph application permissions covering every call of the definition,
 * sorted: what the playbook's identity must be granted, and no more.
 */
export function graphPermissionsRequired(definition: Pick<WorkflowDefinition, "actions">): GraphPermission[] {
    const needed = new Set(graphCallsIn(definition).map(graphPermissionFor));
    for (const permission of [...needed]) {
        for (const implied of impliedPermissions[permission] ?? []) {
            needed.delete(implied);
        }
    }
    return [...needed].sort();
}

interface HttpInputs {
    readonly method: string;
    readonly uri: string;
    readonly queries?: Readonly<Record<string, string>>;
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
