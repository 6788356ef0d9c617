/**
 * The fake Microsoft Sentinel connector (`azuresentinel` managed API) for the incident a replay
 * runs on. It serves the two operations the playbook uses:
 * - `POST /Incidents/Comment` `{ incidentArmId, message }`: records the comment;
 * - `PUT /Incidents` `{ incidentArmId, status?, severity?, classification?, tagsToAdd?, ... }`:
 *   records the update as sent and applies it (closing needs a classification, as in Sentinel).
 * Another path, another incident, an unknown field or value is an error answer naming it.
 * The connection must be the `azuresentinel` managed API authenticated by managed identity.
 */
import { sentinelConnectorName } from "../../components/names";
import { ConnectorRequest, HttpResponse } from "./network";
import { isJsonObject, JsonObject } from "./values";

export interface IncidentState {
    status: string;
    severity: string;
    classification?: string;
    classificationReasonText?: string;
    tags: string[];
}

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

export class FakeSentinel {
    readonly comments: string[] = [];
    readonly updates: JsonObject[] = [];
    readonly incident: IncidentState;

    constructor(
        private readonly incidentArmId: string,
        initial: { status: string; severity: string; tags?: string[] },
        /** False when the identity lacks Microsoft Sentinel Responder: every call is then refused, as ARM refuses it. */
        private readonly responder = true,
    ) {
        this.incident = { status: initial.status, severity: initial.severity, tags: [...(initial.tags ?? [])] };
    }

    handle(request: ConnectorRequest): HttpResponse {
        const connectionProblem = checkConnection(request);
        if (connectionProblem !== undefined) return connectorError(401, "Unauthorized", connectionProblem);
        if (!this.responder) {
            return connectorError(
                403,
                "AuthorizationFailed",
                "The client does not have authorization to perform action 'Microsoft.SecurityInsights/incidents/write'.",
            );
        }
        if (!isJsonObject(request.body)) return connectorError(400, "BadRequest", "The request body must be a JSON object.");
        if (typeof request.body.incidentArmId !== "string" || request.body.incidentArmId.toLowerCase() !== this.incidentArmId.toLowerCase()) {
            return connectorError(
                404,
                "NotFound",
                `Incident ${JSON.stringify(request.body.incidentArmId)} not found (the replayed incident is ${this.incidentArmId}).`,
            );
        }
        if (request.method === "POST" && request.path === "/Incidents/Comment") return this.addComment(request.body);
        if (request.method === "PUT" && request.path === "/Incidents") return this.updateIncident(request.body);
        return connectorError(
            404,
            "NotFound",
            `The replay's Sentinel connector serves POST /Incidents/Comment and PUT /Incidents, not ${request.method} ${request.path}.`,
        );
    }

    private addComment(body: JsonObject): HttpResponse {
        if (typeof body.message !== "string" || body.message.trim() === "") return connectorError(400, "BadRequest", "A comment needs a non-empty 'message'.");
        this.comments.push(body.message);
        return { statusCode: 200, body: { properties: { message: body.message } } };
    }

    private updateIncident(body: JsonObject): HttpResponse {
        const problem = checkUpdate(body);
        if (problem !== undefined) return connectorError(400, "BadRequest", problem);
        this.updates.push(body);
        this.apply(body);
        return { statusCode: 200, body: { id: this.incidentArmId, properties: { ...this.incident } } };
    }

    private apply(body: JsonObject): void {
        if (typeof body.status === "string") this.incident.status = body.status;
        if (typeof body.severity === "string") this.incident.severity = body.severity;
        if (isJsonObject(body.classification)) {
            this.incident.classification = String(body.classification.ClassificationAndReason);
            if (typeof body.classification.ClassificationReasonText === "string")
                this.incident.classificationReasonText = body.classification.ClassificationReasonText;
        }
        for (const tag of tagsOf(body.tagsToAdd) ?? []) if (!this.incident.tags.includes(tag)) this.incident.tags.push(tag);
    }
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
