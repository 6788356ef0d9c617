/**
 * The remediation playbook's definition (`playbook/workflow.json`) and what parameterises it.
 *
 * The JSON is static: everything deployment-specific reaches it through definition parameters,
 * which the workflow resource fills from {@link workflowParameters}. So a `pulumi preview` diff
 * of the workflow shows logic changes only. Plain values in and out, no Pulumi types: the
 * RemediationPlaybook component resolves its inputs and calls these.
 */
import { readAsset } from "../components/assets";
import { playbookDefinitionFile } from "../components/names";
import { Expression, parseTemplate } from "./replay/expressions";
import { listActions, WorkflowAction, WorkflowDefinition } from "./structure";

/** The one API connection the definition uses (Microsoft Sentinel, managed identity). */
export const sentinelConnectionName = "azuresentinel";

/** Every Graph call of the playbook goes to this base (v1.0 only: beta is not a contract). */
export const graphBaseUrl = "https://graph.microsoft.com/v1.0";

/** Reads and shape-checks `playbook/workflow.json`. */
export function loadPlaybookDefinition(): WorkflowDefinition {
    return parsePlaybookDefinition(readAsset("playbook", playbookDefinitionFile));
}

/** Parses a definition's JSON text; throws naming the first missing top-level key. */
export function parsePlaybookDefinition(text: string): WorkflowDefinition {
    const parsed: unknown = JSON.parse(text);
    if (!isObject(parsed)) {
        throw new Error(`pimguard playbook: ${playbookDefinitionFile} must hold a JSON object (the workflow definition)`);
    }
    for (const key of ["$schema", "contentVersion", "parameters", "triggers", "actions", "outputs"]) {
        if (!(key in parsed)) {
            throw new Error(`pimguard playbook: ${playbookDefinitionFile} has no top-level "${key}"`);
        }
    }
    return parsed as unknown as WorkflowDefinition;
}

// ---------------------------------------------------------------------------------------------
// Workflow parameters

export type PlaybookMode = "remediate" | "reportOnly";

export interface SentinelConnection {
    /** ARM id of the `Microsoft.Web/connections` resource. */
    readonly connectionId: string;
    /** Its name. */
    readonly connectionName: string;
    /** `/subscriptions/<sub>/providers/Microsoft.Web/locations/<region>/managedApis/azuresentinel`. */
    readonly managedApiId: string;
}

export interface PlaybookParameterValues {
    readonly sentinelConnection: SentinelConnection;
    /** ARM id of the user-assigned managed identity (Graph, Key Vault and the Sentinel connection). */
    readonly identityResourceId: string;
    readonly mode: PlaybookMode;
    readonly revokeSessions: boolean;
    readonly closeIncidents: boolean;
    /** Object ids never touched, whatever the exemptions watchlist says (break-glass accounts). */
    readonly exemptPrincipalIds: readonly string[];
    /** e.g. `https://kv-pimguard-ab12cd.vault.azure.net/`; may be empty when notifications are off. */
    readonly keyVaultUri: string;
    /** Secret holding the notification webhook URL; empty string turns notifications off. */
    readonly notificationSecretName: string;
}

/** The workflow resource's `parameters`: one `{ value }` per definition parameter. */
export interface WorkflowParameters {
    readonly $connections: { readonly value: Readonly<Record<string, ConnectionReference>> };
    readonly identityResourceId: { readonly value: string };
    readonly mode: { readonly value: PlaybookMode };
    readonly revokeSessions: { readonly value: boolean };
    readonly closeIncidents: { readonly value: boolean };
    readonly exemptPrincipalIds: { readonly value: readonly string[] };
    readonly keyVaultUri: { readonly value: string };
    readonly notificationSecretName: { readonly value: string };
}

export interface ConnectionReference {
    readonly connectionId: string;
    readonly connectionName: string;
    readonly id: string;
    readonly connectionProperties: {
        readonly authentication: { readonly type: "ManagedServiceIdentity"; readonly identity: string };
    };
}

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const userAssignedIdentityPattern =
    /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[^/]+$/i;
const secretNamePattern = /^[0-9a-zA-Z-]{1,127}$/;
const playbookModes: readonly PlaybookMode[] = ["remediate", "reportOnly"];

/**
 * The workflow resource's `parameters` for {@link loadPlaybookDefinition}'s definition.
 * Validates and normalises (exempt ids lower-cased, vault URI with its trailing slash) because
 * the definition compares exempt ids exactly and appends `secrets/<name>` to the vault URI.
 */
export function workflowParameters(values: PlaybookParameterValues): WorkflowParameters {
    checkSentinelConnection(values.sentinelConnection);
    checkIdentityResourceId(values.identityResourceId);
    checkMode(values.mode);
    const notificationSecretName = checkedSecretName(values.notificationSecretName);
    return {
        $connections: {
            value: {
                [sentinelConnectionName]: {
                    connectionId: values.sentinelConnection.connectionId,
                    connectionName: values.sentinelConnection.connectionName,
                    id: values.sentinelConnection.managedApiId,
                    connectionProperties: {
                        authentication: { type: "ManagedServiceIdentity", identity: values.identityResourceId },
                    },
                },
            },
        },
        identityResourceId: { value: values.identityResourceId },
        mode: { value: values.mode },
        revokeSessions: { value: checkedFlag("revokeSessions", values.revokeSessions) },
        closeIncidents: { value: checkedFlag("closeIncidents", values.closeIncidents) },
        exemptPrincipalIds: { value: normalizedExemptIds(values.exemptPrincipalIds) },
        keyVaultUri: { value: normalizedKeyVaultUri(values.keyVaultUri, notificationSecretName !== "") },
        notificationSecretName: { value: notificationSecretName },
    };
}

function checkSentinelConnection(connection: SentinelConnection): void {
    for (const key of ["connectionId", "connectionName", "managedApiId"] as const) {
        if (typeof connection?.[key] !== "string" || connection[key].trim() === "") {
            throw new Error(`pimguard playbook: sentinelConnection.${key} must be a non-empty string`);
        }
    }
    if (!/\/managedApis\/azuresentinel$/i.test(connection.managedApiId)) {
        throw new Error(
            `pimguard playbook: sentinelConnection.managedApiId ${JSON.stringify(connection.managedApiId)} ` +
                "is not the azuresentinel managed API (…/providers/Microsoft.Web/locations/<region>/managedApis/azuresentinel)",
        );
    }
}

function checkIdentityResourceId(id: string): void {
    if (typeof id !== "string" || !userAssignedIdentityPattern.test(id)) {
        throw new Error(
            `pimguard playbook: identityResourceId ${JSON.stringify(id)} is not a user-assigned identity id ` +
                "(/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>)",
        );
    }
}

function checkMode(mode: string): void {
    if (!playbookModes.includes(mode as PlaybookMode)) {
        throw new Error(`pimguard playbook: mode ${JSON.stringify(mode)} is not one of ${playbookModes.join(", ")}`);
    }
}

function checkedFlag(name: string, value: boolean): boolean {
    if (typeof value !== "boolean") {
        throw new Error(`pimguard playbook: ${name} must be true or false, not ${JSON.stringify(value)}`);
    }
    return value;
}

function normalizedExemptIds(ids: readonly string[]): string[] {
    if (!Array.isArray(ids)) {
        throw new Error("pimguard playbook: exemptPrincipalIds must be an array of object ids");
    }
    ids.forEach((id, index) => {
        if (typeof id !== "string" || !guidPattern.test(id.trim())) {
            throw new Error(`pimguard playbook: exemptPrincipalIds[${index}] ${JSON.stringify(id)} is not an object id (a GUID)`);
        }
    });
    return [...new Set(ids.map((id) => id.trim().toLowerCase()))];
}

function checkedSecretName(name: string): string {
    if (typeof name !== "string" || (name !== "" && !secretNamePattern.test(name))) {
        throw new Error(
            `pimguard playbook: notificationSecretName ${JSON.stringify(name)} is not a Key Vault secret name ` +
                "(1-127 letters, digits and dashes; empty turns notifications off)",
        );
    }
    return name;
}

function normalizedKeyVaultUri(uri: string, required: boolean): string {
    if (typeof uri !== "string") {
        throw new Error("pimguard playbook: keyVaultUri must be a string");
    }
    if (uri === "" && !required) {
        return "";
    }
    let parsed: URL;
    try {
        parsed = new URL(uri);
    } catch {
        throw new Error(`pimguard playbook: keyVaultUri ${JSON.stringify(uri)} is not a URL (a notification secret needs its vault)`);
    }
    if (parsed.protocol !== "https:" || parsed.pathname.replace(/\/$/, "") !== "" || parsed.search !== "") {
        throw new Error(
            `pimguard playbook: keyVaultUri ${JSON.stringify(uri)} must be a vault's https root URI, e.g. https://kv-name.vault.azure.net/`,
        );
    }
    return `${parsed.origin}/`;
}

// ---------------------------------------------------------------------------------------------
// Graph calls and the permissions they need

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
export type GraphPermission =
    | "RoleManagement.Read.Directory"
    | "RoleManagement.ReadWrite.Directory"
    | "User.RevokeSessions.All";

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
        throw new Error(`pimguard playbook: no known Graph permission for ${key}; add it to permissionByCall in playbook/definition.ts`);
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
    if (!isObject(inputs) || typeof inputs.method !== "string" || typeof inputs.uri !== "string") {
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

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
