/**
 * Replays the project's own playbook definition (`playbook/workflow.json`, the JSON that is
 * deployed) against one Sentinel incident, a fake directory and fake Azure services, and
 * reports every call it made. Parameters go through `workflowParameters()`, the same plumbing
 * the deployed workflow resource uses.
 */
import { loadPlaybookDefinition, loadSweepDefinition, sweepWorkflowParameters, workflowParameters } from "../../components/playbook-definition";
import { playbookGraphAppRoles } from "../../components/azure-ids";
import { defaultPolicy, Mode, RemovalMethod } from "../../components/config";
import { DirectoryState, emptyDirectory } from "./directory-state";
import { ActionRecord, ErrorInfo, runWorkflow, RunStatus } from "./engine";
import { FakeCloud, FakeKeyVault, FakeWebhook } from "./fake-cloud";
import { FakeGraph, GraphCall } from "./fake-graph";
import { FakeSentinel, IncidentState, SentinelIncident } from "./fake-sentinel";
import { isJsonObject, JsonObject, propertyIgnoringCase } from "./values";

export interface ReplayOptions {
    /** The body Sentinel's incident trigger delivers (`{ object: { id, properties: { ..., alerts } } }`). */
    readonly incident: unknown;
    /** Default: an empty directory. */
    readonly directory?: DirectoryState;
    /** Default `remediate`. */
    readonly mode?: Mode;
    /** This stack's analytics rules (ARM ids). Default: the incident's relatedAnalyticRuleIds. */
    readonly analyticsRuleIds?: readonly string[];
    /** The roles the stack enforces. Default: the stack's default list (Microsoft's PRIVILEGED roles). */
    readonly watchedRoleTemplateIds?: readonly string[];
    /** Default `adminRemove`. */
    readonly removalMethod?: RemovalMethod;
    /** The Graph application permissions the identity holds. Default: exactly what the stack grants for the removal method. */
    readonly permissions?: readonly string[];
    readonly exemptPrincipalIds?: readonly string[];
    /** Groups allowed to hold watched roles standing (role template ids), whose members must come through PIM for Groups. Default none. */
    readonly privilegedGroups?: readonly { readonly id: string; readonly roles: readonly string[] }[];
    /** Default true. */
    readonly revokeSessions?: boolean;
    /** Default true. */
    readonly closeIncidents?: boolean;
    /** False: the identity lacks Microsoft Sentinel Responder, so comments and updates are refused. Default true. */
    readonly sentinelResponder?: boolean;
    /** Configures notifications: a Key Vault secret holding this webhook URL. Default: off. */
    readonly notificationWebhookUrl?: string;
    /** Adds the run history (secured inputs/outputs hidden) to the report. */
    readonly trace?: boolean;
    /** Another definition to replay (engine tests); default the project's playbook/workflow.json. */
    readonly definition?: unknown;
}

export interface ReplayReport {
    readonly status: RunStatus;
    /** Every Graph request, retries included, in order. */
    readonly graphCalls: GraphCall[];
    readonly comments: string[];
    /** The bodies of the incident updates, as the definition sent them. */
    readonly incidentUpdates: JsonObject[];
    /** The bodies posted to the notification webhook (never its URL). */
    readonly notifications: unknown[];
    /** The directory after the run. */
    readonly directory: DirectoryState;
    /** Action executions, as Logic Apps bills them. */
    readonly actionsExecuted: number;
    /** The incident after the run: status, severity, classification, tags. */
    readonly incident: IncidentState;
    /** The run's error when a Terminate action failed it. */
    readonly error?: ErrorInfo;
    readonly trace?: ActionRecord[];
}

/** A trigger body that is not a Sentinel incident; the message names what is missing. */
export class IncidentFormatError extends Error {
    constructor(message: string) {
        super(`incident: ${message}`);
        this.name = "IncidentFormatError";
    }
}

/** Fixed, obviously fake Azure ids the replay deploys the playbook "to". */
export const replayEnvironment = {
    identityResourceId:
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-pimguard-replay/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-pimguard-replay",
    sentinelConnection: {
        connectionId:
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-pimguard-replay/providers/Microsoft.Web/connections/azuresentinel-pimguard",
        connectionName: "azuresentinel-pimguard",
        managedApiId: "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Web/locations/westeurope/managedApis/azuresentinel",
    },
    keyVaultUri: "https://kv-pimguard-replay.vault.azure.net/",
    notificationSecretName: "pimguard-notification-webhook",
    /** The workspace the sweep raises its incidents in. */
    workspaceResourceId:
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/law-sentinel",
    /** The rule the playbook is deployed for when neither the options nor the incident name any. */
    analyticsRuleId:
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/law-sentinel/providers/Microsoft.SecurityInsights/alertRules/00000000-0000-0000-0000-0000000000aa",
} as const;

export function replayIncident(options: ReplayOptions): ReplayReport {
    const incident = checkIncident(options.incident);
    const notifying = options.notificationWebhookUrl !== undefined;
    const removalMethod = options.removalMethod ?? defaultPolicy.removalMethod;
    const parameters = workflowParameters({
        sentinelConnection: replayEnvironment.sentinelConnection,
        identityResourceId: replayEnvironment.identityResourceId,
        analyticsRuleIds: options.analyticsRuleIds ?? (incident.ruleIds.length > 0 ? incident.ruleIds : [replayEnvironment.analyticsRuleId]),
        watchedRoleTemplateIds: options.watchedRoleTemplateIds ?? defaultPolicy.privilegedRoles.map((role) => role.templateId),
        removalMethod,
        mode: options.mode ?? "remediate",
        revokeSessions: options.revokeSessions ?? true,
        closeIncidents: options.closeIncidents ?? true,
        exemptPrincipalIds: options.exemptPrincipalIds ?? [],
        privilegedGroups: options.privilegedGroups ?? [],
        keyVaultUri: replayEnvironment.keyVaultUri,
        notificationSecretName: notifying ? replayEnvironment.notificationSecretName : "",
    });
    const secrets = new Map<string, string>(notifying ? [[replayEnvironment.notificationSecretName, options.notificationWebhookUrl!]] : []);
    const cloud = new FakeCloud(
        new FakeGraph(
            options.directory ?? emptyDirectory,
            replayEnvironment.identityResourceId,
            options.permissions ?? playbookGraphAppRoles(removalMethod, (options.privilegedGroups ?? []).length > 0),
        ),
        new FakeSentinel({ id: incident.id, ...incident.initialState }, options.sentinelResponder ?? true),
        new FakeKeyVault(replayEnvironment.keyVaultUri, secrets, replayEnvironment.identityResourceId),
        notifying ? new FakeWebhook(options.notificationWebhookUrl!) : undefined,
    );
    const run = runWorkflow({
        definition: options.definition ?? loadPlaybookDefinition(),
        parameters: parameters as unknown as Record<string, unknown>,
        triggerBody: options.incident,
        network: cloud,
    });
    const report: ReplayReport = {
        status: run.status,
        graphCalls: cloud.graph.calls,
        comments: cloud.sentinel.comments,
        incidentUpdates: cloud.sentinel.updates,
        notifications: cloud.webhook?.posts.map((post) => post.body) ?? [],
        directory: cloud.graph.snapshot(),
        actionsExecuted: run.actionsExecuted,
        incident: cloud.sentinel.incident,
        ...(run.error === undefined ? {} : { error: run.error }),
        ...(options.trace === true ? { trace: run.history } : {}),
    };
    return report;
}

/**
 * The parts of the trigger body the fakes need; the rest is the playbook's to read (and to
 * reject). Property names match in any case, as Logic Apps matches them.
 */
function checkIncident(incident: unknown): { id: string; ruleIds: string[]; initialState: { status: string; severity: string; tags: string[] } } {
    const object = isJsonObject(incident) ? propertyIgnoringCase(incident, "object") : undefined;
    if (!isJsonObject(object)) throw new IncidentFormatError("expected the incident trigger's body, an object with an 'object' property");
    const id = propertyIgnoringCase(object, "id");
    if (typeof id !== "string" || !/\/providers\/Microsoft\.SecurityInsights\/Incidents\//i.test(id)) {
        throw new IncidentFormatError("object.id must be the incident's ARM id (…/providers/Microsoft.SecurityInsights/Incidents/<id>)");
    }
    const properties = propertyIgnoringCase(object, "properties");
    if (!isJsonObject(properties)) throw new IncidentFormatError("object.properties must be an object");
    if (!Array.isArray(propertyIgnoringCase(properties, "alerts"))) throw new IncidentFormatError("object.properties.alerts must be an array");
    const labels = propertyIgnoringCase(properties, "labels");
    const status = propertyIgnoringCase(properties, "status");
    const severity = propertyIgnoringCase(properties, "severity");
    const ruleIds = propertyIgnoringCase(properties, "relatedAnalyticRuleIds");
    return {
        id,
        ruleIds: (Array.isArray(ruleIds) ? ruleIds : []).filter((ruleId): ruleId is string => typeof ruleId === "string" && ruleId !== ""),
        initialState: {
            status: typeof status === "string" ? status : "New",
            severity: typeof severity === "string" ? severity : "Medium",
            tags: (Array.isArray(labels) ? labels : []).flatMap((label) =>
                isJsonObject(label) && typeof label.labelName === "string" ? [label.labelName] : [],
            ),
        },
    };
}

export interface SweepReplayOptions {
    /** Default: an empty directory. */
    readonly directory?: DirectoryState;
    /** Default `remediate`. */
    readonly mode?: Mode;
    /** The roles the stack enforces. Default: the stack's default list (Microsoft's PRIVILEGED roles). */
    readonly watchedRoles?: readonly { readonly templateId: string; readonly name: string }[];
    /** Default `adminRemove`. */
    readonly removalMethod?: RemovalMethod;
    /** The Graph application permissions the identity holds. Default: exactly what the stack grants. */
    readonly permissions?: readonly string[];
    readonly exemptPrincipalIds?: readonly string[];
    readonly privilegedGroups?: readonly { readonly id: string; readonly roles: readonly string[] }[];
    /** The brake. Default: the stack's default (pimguard:sweepMaxRemovals). */
    readonly maxRemovals?: number;
    /** Default true. */
    readonly revokeSessions?: boolean;
    /** Default true. */
    readonly closeIncidents?: boolean;
    /** False: the identity lacks Microsoft Sentinel Responder. Default true. */
    readonly sentinelResponder?: boolean;
    /** Incidents the workspace already holds (an earlier run's), by their ARM id under the replay's workspace. */
    readonly incidents?: readonly { readonly id: string; readonly status: string; readonly severity: string; readonly tags?: string[] }[];
    readonly trace?: boolean;
}

export interface SweepReport {
    readonly status: RunStatus;
    readonly graphCalls: GraphCall[];
    /** Every incident of the workspace after the run (those given, then those the sweep created), with its comments and updates. */
    readonly incidents: SentinelIncident[];
    readonly directory: DirectoryState;
    readonly actionsExecuted: number;
    readonly error?: ErrorInfo;
    readonly trace?: ActionRecord[];
}

/** Replays the sweep (`playbook/sweep.json`, as deployed) once, as its recurrence would start it. */
export function replaySweep(options: SweepReplayOptions = {}): SweepReport {
    const removalMethod = options.removalMethod ?? defaultPolicy.removalMethod;
    const privilegedGroups = options.privilegedGroups ?? [];
    const parameters = sweepWorkflowParameters({
        sentinelConnection: replayEnvironment.sentinelConnection,
        identityResourceId: replayEnvironment.identityResourceId,
        watchedRoles: options.watchedRoles ?? defaultPolicy.privilegedRoles,
        removalMethod,
        mode: options.mode ?? "remediate",
        revokeSessions: options.revokeSessions ?? true,
        closeIncidents: options.closeIncidents ?? true,
        exemptPrincipalIds: options.exemptPrincipalIds ?? [],
        privilegedGroups,
        maxRemovals: options.maxRemovals ?? defaultPolicy.sweepMaxRemovals,
        workspaceResourceId: replayEnvironment.workspaceResourceId,
    });
    const sentinel = new FakeSentinel(undefined, options.sentinelResponder ?? true, {
        workspaceId: replayEnvironment.workspaceResourceId,
        identityResourceId: replayEnvironment.identityResourceId,
    });
    for (const incident of options.incidents ?? []) sentinel.addIncident(incident);
    const cloud = new FakeCloud(
        new FakeGraph(
            options.directory ?? emptyDirectory,
            replayEnvironment.identityResourceId,
            options.permissions ?? playbookGraphAppRoles(removalMethod, privilegedGroups.length > 0),
        ),
        sentinel,
        new FakeKeyVault(replayEnvironment.keyVaultUri, new Map(), replayEnvironment.identityResourceId),
        undefined,
    );
    const run = runWorkflow({
        definition: loadSweepDefinition(defaultPolicy.sweepIntervalMinutes),
        parameters: parameters as unknown as Record<string, unknown>,
        triggerBody: null,
        network: cloud,
    });
    return {
        status: run.status,
        graphCalls: cloud.graph.calls,
        incidents: sentinel.allIncidents(),
        directory: cloud.graph.snapshot(),
        actionsExecuted: run.actionsExecuted,
        ...(run.error === undefined ? {} : { error: run.error }),
        ...(options.trace === true ? { trace: run.history } : {}),
    };
}
