/**
 * Runs the real playbook definition through the replay engine (replay/logic-apps/engine.ts)
 * against a recorded-calls network: Graph answers the listing with the assignments a test
 * gives it (unfiltered, as if Graph ignored the $filter, so the playbook's own check is what
 * keeps other assignments safe), 204 to deletes, 200 to revocations; the Sentinel connector,
 * Key Vault and the webhook are recorded. It is a stub for per-guard tests, not a directory:
 * the replay issue's fake Graph covers directory state.
 */
import { loadPlaybookDefinition, PlaybookParameterValues, workflowParameters } from "../../components/playbook-definition";
import { ActionRecord, runWorkflow, WorkflowRunResult } from "../../replay/logic-apps/engine";
import { HttpRequest, HttpResponse } from "../../replay/logic-apps/network";

export const incidentArmId =
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/law/providers/Microsoft.SecurityInsights/Incidents/5b0f2a61-6d8c-4b8a-9a43-5a9d6d3b1c11";
export const webhookUrl = "https://hooks.example.com/services/T000/B000/secret-token";

export interface RoleAssignment {
    readonly id: string;
    readonly principalId: string;
    readonly roleDefinitionId: string;
    readonly directoryScopeId: string;
}

export interface Scenario {
    /** The incident's alerts, e.g. from {@link alertWithCustomDetails}. */
    readonly alerts: readonly unknown[];
    readonly settings?: Partial<Omit<PlaybookParameterValues, "sentinelConnection" | "identityResourceId">>;
    /** What the Graph listing returns. */
    readonly assignments?: readonly RoleAssignment[];
    /** Replaces Graph's answer to requests with this method (every attempt). */
    readonly graphAnswers?: Readonly<Record<string, HttpResponse>>;
    /** Replaces the Sentinel connector's answer to the comment (e.g. a missing Sentinel Responder role). */
    readonly commentAnswer?: HttpResponse;
}

export interface Replay {
    readonly run: WorkflowRunResult;
    /** Every Graph request, retries included: `METHOD url`. */
    readonly graphRequests: string[];
    readonly comments: string[];
    readonly incidentUpdates: Record<string, unknown>[];
    readonly webhookPosts: unknown[];
    /** The run history entry of an action (its last execution). */
    history(actionName: string): ActionRecord | undefined;
}

const defaultSettings: PlaybookParameterValues = {
    sentinelConnection: {
        connectionId:
            "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-pimguard/providers/Microsoft.Web/connections/azuresentinel-pimguard",
        connectionName: "azuresentinel-pimguard",
        managedApiId: "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Web/locations/westeurope/managedApis/azuresentinel",
    },
    identityResourceId:
        "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-pimguard/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-pimguard",
    mode: "remediate",
    revokeSessions: true,
    closeIncidents: true,
    exemptPrincipalIds: [],
    keyVaultUri: "https://kv-pimguard-ab12cd.vault.azure.net/",
    notificationSecretName: "",
};

/** An alert as Sentinel's incident trigger delivers it; a string is passed through as the raw custom details. */
export function alertWithCustomDetails(details: Record<string, readonly string[]> | string | undefined, displayName = "Role assigned outside PIM"): unknown {
    const additionalData = details === undefined ? {} : { "Custom Details": typeof details === "string" ? details : JSON.stringify(details) };
    return { properties: { alertDisplayName: displayName, systemAlertId: "3f9e1b7c-0d2a-4e55-9b1e-7c3d2a1f0e99", additionalData } };
}

export function replayPlaybook(scenario: Scenario): Replay {
    const graphRequests: string[] = [];
    const comments: string[] = [];
    const incidentUpdates: Record<string, unknown>[] = [];
    const webhookPosts: unknown[] = [];
    const run = runWorkflow({
        definition: loadPlaybookDefinition(),
        parameters: { ...workflowParameters({ ...defaultSettings, ...scenario.settings }) },
        triggerBody: {
            object: {
                id: incidentArmId,
                properties: {
                    incidentNumber: 42,
                    title: "Role assigned outside PIM",
                    incidentUrl: "https://portal.azure.com/#incident/42",
                    Alerts: scenario.alerts,
                },
            },
        },
        network: {
            send(request) {
                if (request.url.startsWith("https://graph.microsoft.com/")) {
                    graphRequests.push(`${request.method} ${request.url}`);
                    return scenario.graphAnswers?.[request.method] ?? graphAnswer(request, scenario.assignments ?? []);
                }
                if (request.url.startsWith(defaultSettings.keyVaultUri)) return { statusCode: 200, body: { value: webhookUrl } };
                if (request.url === webhookUrl) {
                    webhookPosts.push(request.body);
                    return { statusCode: 200 };
                }
                return { statusCode: 404, body: { error: { code: "UnexpectedHost", message: request.url } } };
            },
            callConnector(request) {
                const body = request.body as Record<string, unknown>;
                if (request.method.toLowerCase() === "post" && request.path === "/Incidents/Comment") {
                    if (scenario.commentAnswer !== undefined) return scenario.commentAnswer;
                    comments.push(String(body["message"]));
                } else if (request.method.toLowerCase() === "put" && request.path === "/Incidents") incidentUpdates.push(body);
                else return { statusCode: 404, body: { error: { code: "UnknownOperation", message: `${request.method} ${request.path}` } } };
                return { statusCode: 200, body: {} };
            },
        },
    });
    const history = (actionName: string) => [...run.history].reverse().find((record) => record.name === actionName);
    return { run, graphRequests, comments, incidentUpdates, webhookPosts, history };
}

function graphAnswer(request: HttpRequest, assignments: readonly RoleAssignment[]): HttpResponse {
    if (request.method === "GET") return { statusCode: 200, body: { value: assignments } };
    if (request.method === "DELETE") return { statusCode: 204 };
    return { statusCode: 200, body: { value: true } };
}
