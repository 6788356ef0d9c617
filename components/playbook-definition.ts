/**
 * The remediation playbook's definition (`playbook/workflow.json`) and what parameterises it.
 *
 * The JSON is static: everything deployment-specific reaches it through definition parameters,
 * which the workflow resource fills from {@link workflowParameters}. So a `pulumi preview` diff
 * of the workflow shows logic changes only. Plain values in and out, no Pulumi types: the
 * RemediationPlaybook component resolves its inputs and calls these.
 *
 * A workflow file may include a shared part: an action written `{ "$include": "<file>.json",
 * "runAfter": {...} }` is replaced by the action in `playbook/<file>.json`, with that runAfter.
 * The reconcile logic lives once, in `reconcile.json`, and each workflow that needs it includes
 * it; a part may include parts of its own (the reconcile of a role and of a group membership),
 * never itself. What is deployed (and diffed in a preview) is the complete definition.
 */
import { readAsset } from "./assets";
import { isGuid, maxSweepIntervalMinutes, maxSweepRemovalsLimit, minSweepIntervalMinutes, Mode, modes, RemovalMethod, removalMethods } from "./config";
import { playbookDefinitionFile, sentinelConnectorName, sweepDefinitionFile } from "./names";
import { isJsonObject, WorkflowDefinition } from "./workflow-structure";

/** Every Graph call of the playbook goes to this base (v1.0 only: beta is not a contract). */
export const graphBaseUrl = "https://graph.microsoft.com/v1.0";

/** Reads `playbook/workflow.json`, includes its shared parts and shape-checks it. */
export function loadPlaybookDefinition(file: string = playbookDefinitionFile): WorkflowDefinition {
    return parsePlaybookDefinition(readAsset("playbook", file), (included) => readAsset("playbook", included), file);
}

/**
 * Reads `playbook/sweep.json` with its parts, its recurrence set to `intervalMinutes`. The
 * interval lives in the trigger, where Logic Apps reads it, not in a parameter.
 */
export function loadSweepDefinition(intervalMinutes: number): WorkflowDefinition {
    if (!Number.isInteger(intervalMinutes) || intervalMinutes < minSweepIntervalMinutes || intervalMinutes > maxSweepIntervalMinutes) {
        throw new Error(
            `pimguard sweep: intervalMinutes ${JSON.stringify(intervalMinutes)} is not a whole number from ${minSweepIntervalMinutes} to ${maxSweepIntervalMinutes}`,
        );
    }
    const definition = loadPlaybookDefinition(sweepDefinitionFile);
    const triggers = Object.entries(definition.triggers);
    const [name, trigger] = triggers[0] ?? [];
    if (triggers.length !== 1 || name === undefined || !isJsonObject(trigger) || trigger.type !== "Recurrence") {
        throw new Error(`pimguard sweep: ${sweepDefinitionFile} must have exactly one Recurrence trigger`);
    }
    return { ...definition, triggers: { [name]: { ...trigger, recurrence: { frequency: "Minute", interval: intervalMinutes } } } };
}

/**
 * Parses a definition's JSON text and replaces each `$include` action by the shared part it
 * names; throws naming the first missing top-level key or a malformed include.
 */
export function parsePlaybookDefinition(text: string, readPart: (file: string) => string = noParts, file = playbookDefinitionFile): WorkflowDefinition {
    const parsed: unknown = JSON.parse(text);
    if (!isJsonObject(parsed)) {
        throw new Error(`pimguard playbook: ${file} must hold a JSON object (the workflow definition)`);
    }
    for (const key of ["$schema", "contentVersion", "parameters", "triggers", "actions", "outputs"]) {
        if (!(key in parsed)) {
            throw new Error(`pimguard playbook: ${file} has no top-level "${key}"`);
        }
    }
    return { ...parsed, actions: withPartsIncluded(parsed.actions, readPart, [file]) } as unknown as WorkflowDefinition;
}

function noParts(included: string): string {
    throw new Error(`pimguard playbook: no shared part can be read here (${included})`);
}

/**
 * The actions with every `{ $include, runAfter }` replaced by the part's action, recursively
 * through containers and through the parts themselves. `chain` is the files being included,
 * outermost first, so a part that includes itself, directly or not, is refused by name.
 */
function withPartsIncluded(actions: unknown, readPart: (file: string) => string, chain: readonly string[]): unknown {
    if (!isJsonObject(actions)) return actions;
    return Object.fromEntries(
        Object.entries(actions).map(([name, action]) => {
            if (!isJsonObject(action)) return [name, action];
            if ("$include" in action) return [name, includedPart(name, action, readPart, chain)];
            return [name, withNestedPartsIncluded(action, readPart, chain)];
        }),
    );
}

/** A container action (Scope, If, Switch, Foreach, Until) with its inner actions' parts included. */
function withNestedPartsIncluded(action: Record<string, unknown>, readPart: (file: string) => string, chain: readonly string[]): Record<string, unknown> {
    const nested: Record<string, unknown> = { ...action };
    if ("actions" in nested) nested.actions = withPartsIncluded(nested.actions, readPart, chain);
    for (const key of ["else", "default"]) {
        const container = nested[key];
        if (isJsonObject(container) && "actions" in container) nested[key] = { ...container, actions: withPartsIncluded(container.actions, readPart, chain) };
    }
    if (isJsonObject(nested.cases)) {
        nested.cases = Object.fromEntries(
            Object.entries(nested.cases).map(([caseName, branch]) => [
                caseName,
                isJsonObject(branch) ? { ...branch, actions: withPartsIncluded(branch.actions, readPart, chain) } : branch,
            ]),
        );
    }
    return nested;
}

function includedPart(
    name: string,
    placeholder: Record<string, unknown>,
    readPart: (file: string) => string,
    chain: readonly string[],
): Record<string, unknown> {
    const file = chain[chain.length - 1]!;
    const { $include: included, runAfter, ...rest } = placeholder;
    if (typeof included !== "string" || !/^[a-z0-9-]+\.json$/.test(included) || Object.keys(rest).length > 0) {
        throw new Error(`pimguard playbook: action ${name} of ${file} must be { "$include": "<part>.json", "runAfter": {...} } and nothing else`);
    }
    if (chain.includes(included)) {
        throw new Error(`pimguard playbook: ${[...chain, included].join(" includes ")}: a part cannot include itself`);
    }
    const part: unknown = JSON.parse(readPart(included));
    if (!isJsonObject(part) || typeof part.type !== "string" || "runAfter" in part) {
        throw new Error(`pimguard playbook: ${included} must hold one action without runAfter`);
    }
    return { ...withNestedPartsIncluded(part, readPart, [...chain, included]), runAfter: runAfter ?? {} };
}

// ---------------------------------------------------------------------------------------------
// Workflow parameters

export interface SentinelConnection {
    /** ARM id of the `Microsoft.Web/connections` resource. */
    readonly connectionId: string;
    /** Its name. */
    readonly connectionName: string;
    /** `/subscriptions/<sub>/providers/Microsoft.Web/locations/<region>/managedApis/azuresentinel`. */
    readonly managedApiId: string;
}

/** What both workflows (the incident playbook and the sweep) reconcile with: the deployment's policy. */
export interface ReconcileParameterValues {
    readonly sentinelConnection: SentinelConnection;
    /** Template ids of the roles this stack enforces; an alert about another role is refused. */
    readonly watchedRoleTemplateIds: readonly string[];
    /** How standing assignments are removed (PIM's remove request, or the opt-in direct delete). */
    readonly removalMethod: RemovalMethod;
    /** ARM id of the user-assigned managed identity (Graph, Key Vault and the Sentinel connection). */
    readonly identityResourceId: string;
    readonly mode: Mode;
    readonly revokeSessions: boolean;
    readonly closeIncidents: boolean;
    /** Object ids never touched, whatever the exemptions watchlist says (break-glass accounts); never honoured for groups. */
    readonly exemptPrincipalIds: readonly string[];
    /** Role-assignable groups allowed to hold these watched roles standing; their members and owners must come through PIM for Groups. */
    readonly privilegedGroups: readonly { readonly id: string; readonly roles: readonly string[] }[];
}

export interface PlaybookParameterValues extends ReconcileParameterValues {
    /** ARM ids of this stack's analytics rules (roles; group memberships): the playbook acts only on their incidents and alerts. */
    readonly analyticsRuleIds: readonly string[];
    /** e.g. `https://kv-pimguard-ab12cd.vault.azure.net/`; may be empty when notifications are off. */
    readonly keyVaultUri: string;
    /** Secret holding the notification webhook URL; empty string turns notifications off. */
    readonly notificationSecretName: string;
}

/** The definition parameters both workflows declare, one `{ value }` each. */
export interface ReconcileWorkflowParameters {
    readonly $connections: { readonly value: Readonly<Record<string, ConnectionReference>> };
    readonly identityResourceId: { readonly value: string };
    readonly mode: { readonly value: Mode };
    readonly removalMethod: { readonly value: RemovalMethod };
    readonly revokeSessions: { readonly value: boolean };
    readonly closeIncidents: { readonly value: boolean };
    readonly exemptPrincipalIds: { readonly value: readonly string[] };
    readonly privilegedGroupIds: { readonly value: readonly string[] };
    /** `<group id>|<role template id>`: a privileged group may hold that role standing. */
    readonly sanctionedGroupRoles: { readonly value: readonly string[] };
}

/** The incident playbook's `parameters`. */
export interface WorkflowParameters extends ReconcileWorkflowParameters {
    readonly analyticsRuleIds: { readonly value: readonly string[] };
    readonly watchedRoleTemplateIds: { readonly value: readonly string[] };
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

const userAssignedIdentityPattern = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[^/]+$/i;
const secretNamePattern = /^[0-9a-zA-Z-]{1,127}$/;

/**
 * The workflow resource's `parameters` for {@link loadPlaybookDefinition}'s definition.
 * Validates and normalises (ids lower-cased, vault URI with its trailing slash) because the
 * definition compares ids exactly and appends `secrets/<name>` to the vault URI.
 */
export function workflowParameters(values: PlaybookParameterValues): WorkflowParameters {
    const notificationSecretName = checkedSecretName(values.notificationSecretName);
    return {
        ...reconcileWorkflowParameters(values),
        analyticsRuleIds: { value: checkedAnalyticsRuleIds(values.analyticsRuleIds) },
        watchedRoleTemplateIds: { value: normalizedWatchedRoles(values.watchedRoleTemplateIds) },
        keyVaultUri: { value: normalizedKeyVaultUri(values.keyVaultUri, notificationSecretName !== "") },
        notificationSecretName: { value: notificationSecretName },
    };
}

/** The policy values that are plain (not outputs), checked as {@link reconcileWorkflowParameters} will: throws naming the first problem. */
export function checkReconcilePolicy(values: Omit<ReconcileParameterValues, "sentinelConnection" | "identityResourceId">): void {
    checkMode(values.mode);
    checkedRemovalMethod(values.removalMethod);
    checkedFlag("revokeSessions", values.revokeSessions);
    checkedFlag("closeIncidents", values.closeIncidents);
    normalizedExemptIds(values.exemptPrincipalIds);
    normalizedPrivilegedGroups(values.privilegedGroups, normalizedWatchedRoles(values.watchedRoleTemplateIds));
}

export interface SweepParameterValues extends Omit<ReconcileParameterValues, "watchedRoleTemplateIds"> {
    /** The roles this stack enforces, with the names the sweep's incidents show. */
    readonly watchedRoles: readonly { readonly templateId: string; readonly name: string }[];
    /** The brake: the most findings one run may remediate. */
    readonly maxRemovals: number;
    /** The Sentinel workspace the sweep raises its incidents in. */
    readonly workspaceResourceId: string;
}

/** The sweep's `parameters`. */
export interface SweepWorkflowParameters extends ReconcileWorkflowParameters {
    readonly watchedRoles: { readonly value: readonly { readonly templateId: string; readonly name: string }[] };
    readonly maxRemovals: { readonly value: number };
    readonly workspaceResourceId: { readonly value: string };
}

const workspacePattern = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i;

/** The brake, 1 to 50; throws naming the value otherwise. */
export function checkedSweepMaxRemovals(maxRemovals: number): number {
    if (!Number.isInteger(maxRemovals) || maxRemovals < 1 || maxRemovals > maxSweepRemovalsLimit) {
        throw new Error(`pimguard sweep: maxRemovals ${JSON.stringify(maxRemovals)} is not a whole number from 1 to ${maxSweepRemovalsLimit}`);
    }
    return maxRemovals;
}

/** The sweep workflow resource's `parameters` for {@link loadSweepDefinition}'s definition. */
export function sweepWorkflowParameters(values: SweepParameterValues): SweepWorkflowParameters {
    const watchedRoles = (Array.isArray(values.watchedRoles) ? values.watchedRoles : []).map((role, index) => {
        if (typeof role?.templateId !== "string" || !isGuid(role.templateId.trim()) || typeof role.name !== "string" || role.name.trim() === "") {
            throw new Error(`pimguard sweep: watchedRoles[${index}] ${JSON.stringify(role)} needs a template id (GUID) and a name`);
        }
        return { templateId: role.templateId.trim().toLowerCase(), name: role.name.trim() };
    });
    const maxRemovals = checkedSweepMaxRemovals(values.maxRemovals);
    if (typeof values.workspaceResourceId !== "string" || !workspacePattern.test(values.workspaceResourceId)) {
        throw new Error(
            `pimguard sweep: workspaceResourceId ${JSON.stringify(values.workspaceResourceId)} is not a Log Analytics workspace's ARM id ` +
                "(/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>)",
        );
    }
    return {
        ...reconcileWorkflowParameters({ ...values, watchedRoleTemplateIds: watchedRoles.map((role) => role.templateId) }),
        watchedRoles: { value: watchedRoles },
        maxRemovals: { value: maxRemovals },
        workspaceResourceId: { value: values.workspaceResourceId },
    };
}

/** The parameters the shared reconcile parts read, for either workflow. */
export function reconcileWorkflowParameters(values: ReconcileParameterValues): ReconcileWorkflowParameters {
    checkSentinelConnection(values.sentinelConnection);
    checkIdentityResourceId(values.identityResourceId);
    checkReconcilePolicy(values);
    const watched = normalizedWatchedRoles(values.watchedRoleTemplateIds);
    const privilegedGroups = normalizedPrivilegedGroups(values.privilegedGroups, watched);
    return {
        $connections: {
            value: {
                [sentinelConnectorName]: {
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
        removalMethod: { value: checkedRemovalMethod(values.removalMethod) },
        revokeSessions: { value: checkedFlag("revokeSessions", values.revokeSessions) },
        closeIncidents: { value: checkedFlag("closeIncidents", values.closeIncidents) },
        exemptPrincipalIds: { value: normalizedExemptIds(values.exemptPrincipalIds) },
        privilegedGroupIds: { value: privilegedGroups.map((group) => group.id) },
        sanctionedGroupRoles: { value: privilegedGroups.flatMap((group) => group.roles.map((role) => `${group.id}|${role}`)) },
    };
}

/** Groups with lower-cased GUIDs and watched roles only: a sanction for a role nobody enforces means nothing. */
function normalizedPrivilegedGroups(groups: ReconcileParameterValues["privilegedGroups"], watched: readonly string[]): { id: string; roles: string[] }[] {
    if (!Array.isArray(groups)) throw new Error("pimguard playbook: privilegedGroups must be an array of { id, roles }");
    return groups.map((group: ReconcileParameterValues["privilegedGroups"][number], index: number) => {
        if (typeof group?.id !== "string" || !isGuid(group.id.trim())) {
            throw new Error(`pimguard playbook: privilegedGroups[${index}].id ${JSON.stringify(group?.id)} is not a group object id (a GUID)`);
        }
        const givenRoles: readonly unknown[] = Array.isArray(group.roles) ? group.roles : [];
        const roles = givenRoles.map((role) => String(role).trim().toLowerCase());
        const unwatched = roles.filter((role) => !watched.includes(role));
        if (roles.length === 0 || unwatched.length > 0) {
            throw new Error(
                `pimguard playbook: privilegedGroups[${index}].roles ${JSON.stringify(group.roles)} must list watched role template ids only (not ${JSON.stringify(unwatched)})`,
            );
        }
        return { id: group.id.trim().toLowerCase(), roles: [...new Set(roles)] };
    });
}

function checkSentinelConnection(connection: SentinelConnection): void {
    for (const key of ["connectionId", "connectionName", "managedApiId"] as const) {
        if (typeof connection?.[key] !== "string" || connection[key].trim() === "") {
            throw new Error(`pimguard playbook: sentinelConnection.${key} must be a non-empty string`);
        }
    }
    if (!connection.managedApiId.toLowerCase().endsWith(`/managedapis/${sentinelConnectorName}`)) {
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
    if (!modes.includes(mode as Mode)) {
        throw new Error(`pimguard playbook: mode ${JSON.stringify(mode)} is not one of ${modes.join(", ")}`);
    }
}

function checkedFlag(name: string, value: boolean): boolean {
    if (typeof value !== "boolean") {
        throw new Error(`pimguard playbook: ${name} must be true or false, not ${JSON.stringify(value)}`);
    }
    return value;
}

const analyticsRulePattern =
    /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+\/providers\/Microsoft\.SecurityInsights\/alertRules\/[^/]+$/i;

function checkedAnalyticsRuleIds(ids: readonly string[]): string[] {
    if (!Array.isArray(ids) || ids.length === 0) {
        throw new Error("pimguard playbook: analyticsRuleIds must list at least one analytics rule's ARM id");
    }
    ids.forEach((id, index) => {
        if (typeof id !== "string" || !analyticsRulePattern.test(id)) {
            throw new Error(
                `pimguard playbook: analyticsRuleIds[${index}] ${JSON.stringify(id)} is not an analytics rule's ARM id ` +
                    "(/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<ws>/providers/Microsoft.SecurityInsights/alertRules/<id>)",
            );
        }
    });
    return [...ids];
}

function normalizedWatchedRoles(ids: readonly string[]): string[] {
    if (!Array.isArray(ids) || ids.length === 0) {
        throw new Error("pimguard playbook: watchedRoleTemplateIds must list at least one role template id");
    }
    ids.forEach((id, index) => {
        if (typeof id !== "string" || !isGuid(id.trim())) {
            throw new Error(`pimguard playbook: watchedRoleTemplateIds[${index}] ${JSON.stringify(id)} is not a role template id (a GUID)`);
        }
    });
    return [...new Set(ids.map((id) => id.trim().toLowerCase()))];
}

function checkedRemovalMethod(method: string): RemovalMethod {
    if (!(removalMethods as readonly string[]).includes(method)) {
        throw new Error(`pimguard playbook: removalMethod ${JSON.stringify(method)} is not one of ${removalMethods.join(", ")}`);
    }
    return method as RemovalMethod;
}

function normalizedExemptIds(ids: readonly string[]): string[] {
    if (!Array.isArray(ids)) {
        throw new Error("pimguard playbook: exemptPrincipalIds must be an array of object ids");
    }
    ids.forEach((id, index) => {
        if (typeof id !== "string" || !isGuid(id.trim())) {
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
        throw new Error(`pimguard playbook: keyVaultUri ${JSON.stringify(uri)} must be a vault's https root URI, e.g. https://kv-name.vault.azure.net/`);
    }
    return `${parsed.origin}/`;
}
