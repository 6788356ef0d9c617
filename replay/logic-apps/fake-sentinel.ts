/**
 * A fake Microsoft Sentinel workspace: the incidents a replay sees, reached two ways.
 * - The `azuresentinel` managed API (connector), as the playbooks use it:
 *   `POST /Incidents/Comment` `{ incidentArmId, message }` records a comment;
 *   `PUT /Incidents` `{ incidentArmId, status?, severity?, classification?, tagsToAdd?, ... }`
 *   records the update as sent and applies it (closing needs a classification, as in Sentinel).
 *   The connection must be the `azuresentinel` managed API authenticated by managed identity.
 * - Azure Resource Manager, as the sweep reads and creates its incidents:
 *   `GET <workspace id>/providers/Microsoft.SecurityInsights/incidents/<id>?api-version=2024-09-01`
 *   answers the incident, or 404 `NotFound`; `PUT` with `{ properties: { title, severity, status,
 *   description?, labels? } }` (title, severity and status are required in the REST spec's
 *   Incidents.json; a label is `{ labelName, labelType }`) answers 201 for a new incident, 200 for
 *   one that exists, whose properties the PUT replaces. It needs the playbook's identity with a
 *   token for https://management.azure.com/.
 * Both need Microsoft Sentinel Responder (`Microsoft.SecurityInsights/incidents/*`): without it
 * every call is a 403, as ARM answers. An unknown incident, path, field or value is an error
 * answer naming it.
 */
import { sentinelConnectorName } from "../../components/names";
import { ConnectorRequest, HttpRequest, HttpResponse } from "./network";
import { isJsonObject, JsonObject } from "./values";

export interface IncidentState {
    status: string;
    severity: string;
    classification?: string;
    classificationReasonText?: string;
    tags: string[];
}

/** An incident with what was done to it. */
export interface SentinelIncident extends IncidentState {
    readonly id: string;
    title?: string;
    description?: string;
    readonly comments: string[];
    readonly updates: JsonObject[];
}

export const sentinelArmApiVersion = "2024-09-01";
const armAudiences = ["https://management.azure.com/", "https://management.azure.com"];
const statuses = ["New", "Active", "Closed"];
const severities = ["Informational", "Low", "Medium", "High"];
const classifications = [
    "TruePositive - SuspiciousActivity",
    "BenignPositive - SuspiciousButExpected",
    "FalsePositive - IncorrectAlertLogic",
    "FalsePositive - InaccurateData",
    "Undetermined",
];
const updateFields = ["incidentArmId", "status", "severity", "classification", "tagsToAdd", "title", "description", "owner"];
const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class FakeSentinel {
    /** Every incident, by lower-cased ARM id, in the order they appeared. */
    private readonly incidents = new Map<string, SentinelIncident>();
    private readonly triggerIncidentId: string | undefined;

    constructor(
        /** The incident that triggered the run, if one did. */
        trigger: { id: string; status: string; severity: string; tags?: string[] } | undefined,
        /** False when the identity lacks Microsoft Sentinel Responder: every call is then refused, as ARM refuses it. */
        private readonly responder = true,
        /** The workspace's ARM id and the identity allowed to call ARM, for incidents created there. */
        private readonly arm?: { workspaceId: string; identityResourceId: string },
    ) {
        if (trigger !== undefined) {
            this.triggerIncidentId = trigger.id;
            this.incidents.set(trigger.id.toLowerCase(), {
                id: trigger.id,
                status: trigger.status,
                severity: trigger.severity,
                tags: [...(trigger.tags ?? [])],
                comments: [],
                updates: [],
            });
        }
    }

    /** The triggering incident's state. */
    get incident(): IncidentState {
        return stateOf(this.triggerIncident());
    }

    /** Comments posted on the triggering incident. */
    get comments(): string[] {
        return this.triggerIncident().comments;
    }

    /** Updates sent for the triggering incident. */
    get updates(): JsonObject[] {
        return this.triggerIncident().updates;
    }

    /** Every incident other than the triggering one: those the run created. */
    /** Adds an incident the workspace already holds (an earlier run's). */
    addIncident(incident: { id: string; status: string; severity: string; tags?: string[] }): void {
        this.incidents.set(incident.id.toLowerCase(), { ...incident, tags: [...(incident.tags ?? [])], comments: [], updates: [] });
    }

    /** Every incident, in the order they appeared. */
    allIncidents(): SentinelIncident[] {
        return [...this.incidents.values()];
    }

    createdIncidents(): SentinelIncident[] {
        return [...this.incidents.values()].filter((incident) => incident.id !== this.triggerIncidentId);
    }

    handle(request: ConnectorRequest): HttpResponse {
        const connectionProblem = checkConnection(request);
        if (connectionProblem !== undefined) return connectorError(401, "Unauthorized", connectionProblem);
        if (!this.responder) return forbidden();
        if (!isJsonObject(request.body)) return connectorError(400, "BadRequest", "The request body must be a JSON object.");
        const incident = typeof request.body.incidentArmId === "string" ? this.incidents.get(request.body.incidentArmId.toLowerCase()) : undefined;
        if (incident === undefined) return connectorError(404, "NotFound", `Incident ${JSON.stringify(request.body.incidentArmId)} not found.`);
        if (request.method === "POST" && request.path === "/Incidents/Comment") return addComment(incident, request.body);
        if (request.method === "PUT" && request.path === "/Incidents") return updateIncident(incident, request.body);
        return connectorError(
            404,
            "NotFound",
            `The replay's Sentinel connector serves POST /Incidents/Comment and PUT /Incidents, not ${request.method} ${request.path}.`,
        );
    }

    /** An ARM request for the workspace's incidents. */
    handleArm(request: HttpRequest): HttpResponse {
        const problem = this.checkArmAuthentication(request.authentication);
        if (problem !== undefined) return connectorError(401, "InvalidAuthenticationToken", problem);
        if (!this.responder) return forbidden();
        const url = new URL(request.url);
        if (url.searchParams.get("api-version") !== sentinelArmApiVersion) {
            return connectorError(
                400,
                "InvalidApiVersionParameter",
                `The replay's ARM serves api-version ${sentinelArmApiVersion}, not ${JSON.stringify(url.searchParams.get("api-version"))}.`,
            );
        }
        const prefix = `${this.arm!.workspaceId}/providers/Microsoft.SecurityInsights/incidents/`.toLowerCase();
        const path = decodeURIComponent(url.pathname);
        const incidentId = path.toLowerCase().startsWith(prefix) ? path.slice(prefix.length) : undefined;
        if (!["GET", "PUT"].includes(request.method) || incidentId === undefined || incidentId.includes("/")) {
            return connectorError(
                404,
                "NotFound",
                `The replay's ARM serves GET and PUT ${this.arm!.workspaceId}/providers/Microsoft.SecurityInsights/incidents/<id>, not ${request.method} ${path}.`,
            );
        }
        if (!guidPattern.test(incidentId)) return connectorError(400, "BadRequest", `The incident id ${JSON.stringify(incidentId)} is not a GUID.`);
        const id = `${this.arm!.workspaceId}/providers/Microsoft.SecurityInsights/incidents/${incidentId}`;
        if (request.method === "GET") return this.getIncident(id);
        return this.putIncident(id, request.body);
    }

    private getIncident(id: string): HttpResponse {
        const incident = this.incidents.get(id.toLowerCase());
        if (incident === undefined) return connectorError(404, "NotFound", `Incident ${id.split("/").pop()} not found.`);
        return { statusCode: 200, body: armIncident(incident) };
    }

    private putIncident(id: string, body: unknown): HttpResponse {
        const properties = isJsonObject(body) && isJsonObject(body.properties) ? body.properties : undefined;
        if (properties === undefined) return connectorError(400, "BadRequest", "The request body must be { properties: { title, severity, status, ... } }.");
        for (const field of ["title", "severity", "status"]) {
            if (typeof properties[field] !== "string" || properties[field] === "")
                return connectorError(400, "BadRequest", `The incident needs properties.${field}.`);
        }
        if (!severities.includes(properties.severity as string)) return connectorError(400, "BadRequest", `Severity must be one of ${severities.join(", ")}.`);
        if (!statuses.includes(properties.status as string)) return connectorError(400, "BadRequest", `Status must be one of ${statuses.join(", ")}.`);
        const labels = labelsOf(properties.labels);
        if (labels === undefined) return connectorError(400, "BadRequest", "properties.labels must be a list of { labelName, labelType }.");
        const existing = this.incidents.get(id.toLowerCase());
        const incident: SentinelIncident = existing ?? { id, status: "New", severity: "Medium", tags: [], comments: [], updates: [] };
        incident.title = properties.title as string;
        incident.description = typeof properties.description === "string" ? properties.description : undefined;
        incident.status = properties.status as string;
        incident.severity = properties.severity as string;
        for (const label of labels) if (!incident.tags.includes(label)) incident.tags.push(label);
        if (incident.status !== "Closed") {
            delete incident.classification;
            delete incident.classificationReasonText;
        }
        this.incidents.set(id.toLowerCase(), incident);
        return { statusCode: existing === undefined ? 201 : 200, body: armIncident(incident) };
    }

    private checkArmAuthentication(authentication: unknown): string | undefined {
        if (this.arm === undefined) return "The replay's ARM is not set up for this run.";
        const valid =
            isJsonObject(authentication) &&
            authentication.type === "ManagedServiceIdentity" &&
            authentication.identity === this.arm.identityResourceId &&
            armAudiences.includes(String(authentication.audience));
        return valid ? undefined : "The request needs a token for https://management.azure.com/ from the playbook's identity.";
    }

    private triggerIncident(): SentinelIncident {
        const incident = this.triggerIncidentId === undefined ? undefined : this.incidents.get(this.triggerIncidentId.toLowerCase());
        if (incident === undefined) throw new Error("this replay has no triggering incident");
        return incident;
    }
}

/** An incident as ARM answers it; the labels are its tags. */
function armIncident(incident: SentinelIncident): JsonObject {
    const { status, severity, classification, tags } = incident;
    return {
        id: incident.id,
        name: incident.id.split("/").pop()!,
        type: "Microsoft.SecurityInsights/incidents",
        properties: {
            title: incident.title ?? "",
            status,
            severity,
            ...(classification === undefined ? {} : { classification }),
            labels: tags.map((labelName) => ({ labelName, labelType: "User" })),
        },
    };
}

/** Label names, or undefined when the value is not a list of { labelName, labelType }. */
function labelsOf(value: unknown): string[] | undefined {
    if (value === undefined) return [];
    if (!Array.isArray(value)) return undefined;
    const names = value.map((label) => (isJsonObject(label) && typeof label.labelName === "string" && label.labelName !== "" ? label.labelName : undefined));
    return names.every((name): name is string => name !== undefined) ? names : undefined;
}

function stateOf(incident: SentinelIncident): IncidentState {
    const { status, severity, classification, classificationReasonText, tags } = incident;
    return {
        status,
        severity,
        tags,
        ...(classification === undefined ? {} : { classification }),
        ...(classificationReasonText === undefined ? {} : { classificationReasonText }),
    };
}

function addComment(incident: SentinelIncident, body: JsonObject): HttpResponse {
    if (typeof body.message !== "string" || body.message.trim() === "") return connectorError(400, "BadRequest", "A comment needs a non-empty 'message'.");
    incident.comments.push(body.message);
    return { statusCode: 200, body: { properties: { message: body.message } } };
}

function updateIncident(incident: SentinelIncident, body: JsonObject): HttpResponse {
    const problem = checkUpdate(body);
    if (problem !== undefined) return connectorError(400, "BadRequest", problem);
    incident.updates.push(body);
    if (typeof body.status === "string") incident.status = body.status;
    if (typeof body.severity === "string") incident.severity = body.severity;
    if (isJsonObject(body.classification)) {
        incident.classification = String(body.classification.ClassificationAndReason);
        if (typeof body.classification.ClassificationReasonText === "string") incident.classificationReasonText = body.classification.ClassificationReasonText;
    }
    for (const tag of tagsOf(body.tagsToAdd) ?? []) if (!incident.tags.includes(tag)) incident.tags.push(tag);
    return { statusCode: 200, body: { id: incident.id, properties: stateOf(incident) } };
}

function forbidden(): HttpResponse {
    return connectorError(403, "AuthorizationFailed", "The client does not have authorization to perform action 'Microsoft.SecurityInsights/incidents/write'.");
}

function checkConnection(request: ConnectorRequest): string | undefined {
    const apiId = request.connection.id;
    if (
        request.connectionName !== sentinelConnectorName ||
        typeof apiId !== "string" ||
        !apiId.toLowerCase().endsWith(`/managedapis/${sentinelConnectorName}`)
    ) {
        return `Connection '${request.connectionName}' is not the azuresentinel managed API.`;
    }
    const properties = request.connection.connectionProperties;
    const authentication = isJsonObject(properties) ? properties.authentication : undefined;
    if (!isJsonObject(authentication) || authentication.type !== "ManagedServiceIdentity") {
        return "The azuresentinel connection is not configured to authenticate with a managed identity.";
    }
    return undefined;
}

function checkUpdate(body: JsonObject): string | undefined {
    const unknown = Object.keys(body).filter((key) => !updateFields.includes(key));
    if (unknown.length > 0) return `Unknown incident field(s) ${unknown.join(", ")}.`;
    if (body.status !== undefined && !statuses.includes(body.status as string))
        return `Status must be one of ${statuses.join(", ")}, not ${JSON.stringify(body.status)}.`;
    if (body.severity !== undefined && !severities.includes(body.severity as string))
        return `Severity must be one of ${severities.join(", ")}, not ${JSON.stringify(body.severity)}.`;
    if (body.classification !== undefined) {
        const reason = isJsonObject(body.classification) ? body.classification.ClassificationAndReason : undefined;
        if (!classifications.includes(reason as string))
            return `ClassificationAndReason must be one of ${classifications.join(", ")}, not ${JSON.stringify(reason)}.`;
    }
    if (body.status === "Closed" && body.classification === undefined) return "Closing an incident needs a classification.";
    if (body.tagsToAdd !== undefined && tagsOf(body.tagsToAdd) === undefined)
        return `tagsToAdd must be { TagsToAdd: [{ Tag }] }, not ${JSON.stringify(body.tagsToAdd)}.`;
    return undefined;
}

/** The tags of the connector's `tagsToAdd: { TagsToAdd: [{ Tag: "..." }] }`; undefined when malformed. */
function tagsOf(tagsToAdd: unknown): string[] | undefined {
    if (!isJsonObject(tagsToAdd) || !Array.isArray(tagsToAdd.TagsToAdd)) return undefined;
    const tags = tagsToAdd.TagsToAdd.map((entry) => (isJsonObject(entry) && typeof entry.Tag === "string" && entry.Tag !== "" ? entry.Tag : undefined));
    return tags.every((tag): tag is string => tag !== undefined) ? tags : undefined;
}

function connectorError(statusCode: number, code: string, message: string): HttpResponse {
    return { statusCode, body: { error: { code, message } } };
}
