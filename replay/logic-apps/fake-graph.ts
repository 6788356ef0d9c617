/**
 * A fake Microsoft Graph holding a directory. It serves only the v1.0 calls pimguard's workflows
 * make, each answered as Graph documents it (sources in graph-permissions.ts and beside each
 * behaviour below), and it enforces the identity's application permissions:
 * - `GET /roleManagement/directory/roleAssignmentScheduleInstances?$filter=...`: PIM's view of
 *   the active assignments (whatever made them), paged with `@odata.nextLink`. The filter is
 *   parsed (`<property> eq '<value>'` joined by `and`); a filter it cannot parse is a 400.
 *   `$expand=principal($select=id)` adds each principal as `{ "@odata.type", id }` (the docs:
 *   "Supports $expand and $select nested in $expand for id only"; OData JSON format 4.01 §4.5.3:
 *   an instance of a derived type, here of directoryObject, carries its `@odata.type`), or
 *   `principal: null` for an id the directory does not hold (deleted since).
 * - `POST /roleManagement/directory/roleAssignmentScheduleRequests` with `action: adminRemove`:
 *   201 and a request with status `Revoked`. The request names only principal, role and scope,
 *   and Microsoft documents no rule for which active assignment it ends when several share
 *   them, so the fake takes the least favourable reading: it ends every direct instance of the
 *   principal and role at that scope, activations included. Nothing to remove: 400
 *   `RoleAssignmentDoesNotExist` (the code public tooling reports; Microsoft's v1.0 docs list none).
 * - `GET` and `DELETE /roleManagement/directory/roleAssignments[/{id}]` (the opt-in direct path):
 *   204, or 404 `Request_ResourceNotFound`.
 * - PIM for Groups: `GET /identityGovernance/privilegedAccess/group/assignmentScheduleInstances`
 *   needs a `$filter` on exactly one of `groupId` or `principalId` (Graph documents that the list
 *   requires one; a combined filter is not documented, so it is refused), paged like the roles'
 *   list; `POST .../assignmentScheduleRequests` with `adminRemove` ends the principal's direct
 *   memberships (or ownerships, by `accessId`) of the group, activations included, as for roles.
 * - `GET /users/{id}`: the user with `userType` (`Member` or `Guest`), 404 for any other id.
 * - `POST /users/{id}/revokeSignInSessions`: 200 `{ value: true }` for any user - for a guest too,
 *   although Graph revokes nothing there (docs: external users sign in through their home
 *   tenant; microsoft-graph-docs-contrib#1666 saw the 200) - and 404 for any other id.
 * A call the identity's permissions do not allow is a 403 shaped as Graph answers it: PIM's
 * endpoints wrap `PermissionScopeNotGranted` in an `UnknownError` whose message is JSON (seen in a
 * public field report of a managed identity calling them), directory endpoints answer
 * `Authorization_RequestDenied`. Any other method or path is a 404 naming what was asked, so a
 * typo in a URI fails a test. A request without the playbook's managed identity (audience Graph)
 * is a 401. Injected faults answer before routing. Every request is recorded, retries included.
 */
import { DirectoryState, GraphFault, GroupMembership, RoleAssignment } from "./directory-state";
import { findGraphOperation, GraphPermission } from "./graph-permissions";
import { HttpRequest, HttpResponse } from "./network";
import { isJsonObject } from "./values";

export const graphHost = "graph.microsoft.com";

export interface GraphCall {
    readonly method: string;
    readonly url: string;
    readonly status: number;
}

const graphAudiences = ["https://graph.microsoft.com", "https://graph.microsoft.com/"];
const base = "/v1.0";
const instancesPath = "/roleManagement/directory/roleAssignmentScheduleInstances";
const requestsPath = "/roleManagement/directory/roleAssignmentScheduleRequests";
const assignmentsPath = "/roleManagement/directory/roleAssignments";
const groupInstancesPath = "/identityGovernance/privilegedAccess/group/assignmentScheduleInstances";
const groupRequestsPath = "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests";
const defaultPageSize = 100;
const assignmentFilterProperties = ["principalId", "roleDefinitionId", "directoryScopeId"] as const;
const instanceFilterProperties = [...assignmentFilterProperties, "assignmentType", "memberType"] as const;
type FilterableProperty = (typeof instanceFilterProperties)[number];

/** A role assignment as roleAssignmentScheduleInstances lists it (Graph v1.0 unifiedRoleAssignmentScheduleInstance). */
export interface ScheduleInstance {
    readonly id: string;
    readonly principalId: string;
    readonly roleDefinitionId: string;
    readonly directoryScopeId: string;
    readonly appScopeId: null;
    readonly startDateTime: string | null;
    readonly endDateTime: string | null;
    readonly assignmentType: string;
    readonly memberType: string;
    readonly roleAssignmentOriginId: string;
    readonly roleAssignmentScheduleId: string;
}

export class FakeGraph {
    readonly calls: GraphCall[] = [];
    private roleAssignments: RoleAssignment[];
    private groupMemberships: GroupMembership[];
    private readonly faults: { fault: GraphFault; remaining: number }[];
    private requestCount = 0;

    constructor(
        private readonly state: DirectoryState,
        /** The only identity the fake accepts (the playbook's user-assigned identity). */
        private readonly identityResourceId: string,
        /** The Graph application permissions that identity holds. */
        private readonly permissions: readonly GraphPermission[],
    ) {
        this.roleAssignments = [...state.roleAssignments];
        this.groupMemberships = [...(state.groupMemberships ?? [])];
        this.faults = state.faults.map((fault) => ({ fault, remaining: fault.times }));
    }

    handle(request: HttpRequest): HttpResponse {
        const response = this.answer(request);
        this.calls.push({ method: request.method, url: request.url, status: response.statusCode });
        return response;
    }

    /** The directory as it is now, faults with the attempts they still have to answer. */
    snapshot(): DirectoryState {
        return {
            ...this.state,
            roleAssignments: [...this.roleAssignments],
            groupMemberships: [...this.groupMemberships],
            faults: this.faults.filter((entry) => entry.remaining > 0).map((entry) => ({ ...entry.fault, times: entry.remaining })),
        };
    }

    private answer(request: HttpRequest): HttpResponse {
        const authenticationProblem = this.checkAuthentication(request.authentication);
        if (authenticationProblem !== undefined) return graphError(401, "InvalidAuthenticationToken", authenticationProblem);
        const url = new URL(request.url);
        const path = decodeURIComponent(url.pathname);
        const fault = this.takeFault(request.method, path);
        if (fault !== undefined && fault.handled !== true) return faultResponse(fault);
        const answer = this.serve(request.method, path, url.searchParams, request.body);
        return fault === undefined ? answer : faultResponse(fault);
    }

    private serve(method: string, path: string, query: URLSearchParams, body: unknown): HttpResponse {
        if (!path.startsWith(`${base}/`)) return unknownPath(method, path);
        const relative = path.slice(base.length);
        const refusal = this.checkPermission(method, relative, body);
        if (refusal !== undefined) return refusal;
        return this.route(method, relative, query, body);
    }

    private checkAuthentication(authentication: unknown): string | undefined {
        if (!isJsonObject(authentication) || authentication.type !== "ManagedServiceIdentity") {
            return "Access token is empty: the request has no ManagedServiceIdentity authentication.";
        }
        if (authentication.identity !== this.identityResourceId) {
            return `The request authenticates with identity ${JSON.stringify(authentication.identity)}, not the playbook's user-assigned identity.`;
        }
        if (typeof authentication.audience !== "string" || !graphAudiences.includes(authentication.audience)) {
            return `Invalid audience ${JSON.stringify(authentication.audience)}: Graph accepts tokens for https://graph.microsoft.com.`;
        }
        return undefined;
    }

    /** A 403 when the identity holds none of the permissions that allow the call; undefined when it may go on. */
    private checkPermission(method: string, path: string, body: unknown): HttpResponse | undefined {
        const action = isJsonObject(body) && typeof body.action === "string" ? body.action : undefined;
        const operation = findGraphOperation(method, templatePath(path), action);
        if (operation === undefined || operation.permissions.some((permission) => this.permissions.includes(permission))) return undefined;
        if (path.startsWith("/roleManagement/directory/roleAssignmentSchedule") || path.startsWith("/identityGovernance/privilegedAccess/")) {
            const inner = {
                errorCode: "PermissionScopeNotGranted",
                message: `Authorization failed due to missing permission scope ${operation.permissions.join(",")}.`,
            };
            return graphError(403, "UnknownError", JSON.stringify(inner));
        }
        return graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    }

    private takeFault(method: string, path: string): GraphFault | undefined {
        const entry = this.faults.find((candidate) => candidate.remaining > 0 && candidate.fault.method === method && path.includes(candidate.fault.path));
        if (entry === undefined) return undefined;
        entry.remaining -= 1;
        return entry.fault;
    }

    private route(method: string, path: string, query: URLSearchParams, body: unknown): HttpResponse {
        if (path === instancesPath && method === "GET") return this.listInstances(query);
        if (path === requestsPath && method === "POST") return this.createScheduleRequest(body);
        if (path === groupInstancesPath && method === "GET") return this.listGroupInstances(query);
        if (path === groupRequestsPath && method === "POST") return this.createGroupScheduleRequest(body);
        if (path === assignmentsPath && method === "GET") return this.listAssignments(query);
        const assignmentId = matchSegment(path, `${assignmentsPath}/`, "");
        if (assignmentId !== undefined && method === "DELETE") return this.deleteAssignment(assignmentId);
        const userId = matchSegment(path, "/users/", "");
        if (userId !== undefined && method === "GET") return this.getUser(userId, query);
        const revokedUserId = matchSegment(path, "/users/", "/revokeSignInSessions");
        if (revokedUserId !== undefined && method === "POST") return this.revokeSessions(revokedUserId);
        return unknownPath(method, `${base}${path}`);
    }

    private listInstances(query: URLSearchParams): HttpResponse {
        const unsupported = [...query.keys()].filter((key) => !["$filter", "$skiptoken", "$expand"].includes(key));
        if (unsupported.length > 0)
            return graphError(400, "BadRequest", `Query option(s) ${unsupported.join(", ")} are not used by pimguard and not served by the replay.`);
        const expand = query.get("$expand");
        if (expand !== null && expand.replace(/\s+/g, "") !== "principal($select=id)") {
            return graphError(
                400,
                "BadRequest",
                `The replay serves $expand=principal($select=id) only (ids are all Graph expands here), not ${JSON.stringify(expand)}.`,
            );
        }
        const filter = query.get("$filter");
        const clauses = filter === null ? [] : parseFilter(filter, instanceFilterProperties);
        if (clauses === undefined) return graphError(400, "BadRequest", `Invalid filter clause: ${filter}`);
        const matching = this.roleAssignments
            .map(asInstance)
            .filter((instance) => clauses.every(({ property, value }) => sameId(instance[property], value)))
            .map((instance) => (expand === null ? instance : { ...instance, principal: this.expandedPrincipal(instance.principalId) }));
        return this.page(`${base}${instancesPath}`, "roleManagement/directory/roleAssignmentScheduleInstances", query, matching);
    }

    /** A directory object reduced to its id, with the derived type it is; null when the directory does not hold it. */
    private expandedPrincipal(id: string): { "@odata.type": string; id: string } | null {
        const has = (ids: readonly string[] | undefined) => (ids ?? []).some((candidate) => sameId(candidate, id));
        const type =
            has(this.state.users) || has(this.state.guests)
                ? "user"
                : has(this.state.servicePrincipals)
                  ? "servicePrincipal"
                  : has(this.state.groups)
                    ? "group"
                    : undefined;
        return type === undefined ? null : { "@odata.type": `#microsoft.graph.${type}`, id: id.toLowerCase() };
    }

    /** One page of a collection; `@odata.nextLink` repeats the query with where the next page starts. */
    private page(path: string, contextPath: string, query: URLSearchParams, items: readonly unknown[]): HttpResponse {
        const token = query.get("$skiptoken");
        const start = token === null ? 0 : Number(token);
        if (!Number.isInteger(start) || start < 0 || start > items.length) return graphError(400, "BadRequest", `Invalid $skiptoken ${JSON.stringify(token)}.`);
        const size = this.state.pageSize ?? defaultPageSize;
        const value = items.slice(start, start + size);
        const body: Record<string, unknown> = { "@odata.context": `https://graph.microsoft.com/v1.0/$metadata#${contextPath}`, value };
        if (start + size < items.length) {
            const next = new URLSearchParams(query);
            next.set("$skiptoken", String(start + size));
            body["@odata.nextLink"] = `https://${graphHost}${path}?${next.toString()}`;
        }
        return { statusCode: 200, headers: jsonHeaders, body };
    }

    private createScheduleRequest(body: unknown): HttpResponse {
        if (!isJsonObject(body)) return graphError(400, "BadRequest", "The request body must be a unifiedRoleAssignmentScheduleRequest object.");
        if (body.action !== "adminRemove")
            return graphError(400, "BadRequest", `The replay serves the adminRemove action only, not ${JSON.stringify(body.action)}.`);
        for (const field of ["principalId", "roleDefinitionId", "directoryScopeId"]) {
            if (typeof body[field] !== "string" || body[field] === "") return graphError(400, "BadRequest", `The request needs a ${field}.`);
        }
        const { principalId, roleDefinitionId, directoryScopeId } = body as Record<string, string>;
        const ended = (assignment: RoleAssignment) =>
            sameId(assignment.principalId, principalId!) &&
            sameId(assignment.roleDefinitionId, roleDefinitionId!) &&
            sameId(assignment.directoryScopeId, directoryScopeId!) &&
            (assignment.memberType ?? "Direct") === "Direct";
        const before = this.roleAssignments.length;
        this.roleAssignments = this.roleAssignments.filter((assignment) => !ended(assignment));
        if (this.roleAssignments.length === before) {
            return graphError(400, "RoleAssignmentDoesNotExist", "The Role assignment does not exist.");
        }
        this.requestCount += 1;
        return {
            statusCode: 201,
            headers: jsonHeaders,
            body: {
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleAssignmentScheduleRequests/$entity",
                id: `00000000-0000-4000-8000-${String(this.requestCount).padStart(12, "0")}`,
                status: "Revoked",
                action: "adminRemove",
                principalId,
                roleDefinitionId,
                directoryScopeId,
                appScopeId: null,
                justification: typeof body.justification === "string" ? body.justification : null,
                isValidationOnly: false,
                completedDateTime: null,
            },
        };
    }

    private listGroupInstances(query: URLSearchParams): HttpResponse {
        const unsupported = [...query.keys()].filter((key) => key !== "$filter" && key !== "$skiptoken");
        if (unsupported.length > 0)
            return graphError(400, "BadRequest", `Query option(s) ${unsupported.join(", ")} are not used by pimguard and not served by the replay.`);
        const filter = query.get("$filter");
        const clauses = filter === null ? undefined : parseFilter(filter, ["groupId", "principalId"] as const);
        if (clauses === undefined || clauses.length !== 1) {
            return graphError(400, "BadRequest", "This method requires the $filter (eq) query parameter to scope the request to a principalId or a groupId.");
        }
        const { property, value } = clauses[0]!;
        const matching = this.groupMemberships.filter((membership) => sameId(membership[property], value)).map(asGroupInstance);
        return this.page(`${base}${groupInstancesPath}`, "identityGovernance/privilegedAccess/group/assignmentScheduleInstances", query, matching);
    }

    private createGroupScheduleRequest(body: unknown): HttpResponse {
        if (!isJsonObject(body)) return graphError(400, "BadRequest", "The request body must be a privilegedAccessGroupAssignmentScheduleRequest object.");
        if (body.action !== "adminRemove")
            return graphError(400, "BadRequest", `The replay serves the adminRemove action only, not ${JSON.stringify(body.action)}.`);
        if (body.accessId !== "member" && body.accessId !== "owner") return graphError(400, "BadRequest", "accessId must be member or owner.");
        for (const field of ["principalId", "groupId"]) {
            if (typeof body[field] !== "string" || body[field] === "") return graphError(400, "BadRequest", `The request needs a ${field}.`);
        }
        const { principalId, groupId, accessId } = body as Record<string, string>;
        const ended = (membership: GroupMembership) =>
            sameId(membership.principalId, principalId!) &&
            sameId(membership.groupId, groupId!) &&
            membership.accessId === accessId &&
            (membership.memberType ?? "Direct") === "Direct";
        const before = this.groupMemberships.length;
        this.groupMemberships = this.groupMemberships.filter((membership) => !ended(membership));
        if (this.groupMemberships.length === before) return graphError(400, "RoleAssignmentDoesNotExist", "The assignment does not exist.");
        this.requestCount += 1;
        return {
            statusCode: 201,
            headers: jsonHeaders,
            body: {
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identityGovernance/privilegedAccess/group/assignmentScheduleRequests/$entity",
                id: `00000000-0000-4000-9000-${String(this.requestCount).padStart(12, "0")}`,
                status: "Revoked",
                action: "adminRemove",
                accessId,
                principalId,
                groupId,
                justification: typeof body.justification === "string" ? body.justification : null,
            },
        };
    }

    private listAssignments(query: URLSearchParams): HttpResponse {
        const unsupported = [...query.keys()].filter((key) => key !== "$filter");
        if (unsupported.length > 0)
            return graphError(400, "BadRequest", `Query option(s) ${unsupported.join(", ")} are not used by pimguard and not served by the replay.`);
        const filter = query.get("$filter");
        const clauses = filter === null ? [] : parseFilter(filter, assignmentFilterProperties);
        if (clauses === undefined) return graphError(400, "BadRequest", `Invalid filter clause: ${filter}`);
        const value = this.roleAssignments
            .filter((assignment) => clauses.every(({ property, value: wanted }) => sameId(asInstance(assignment)[property], wanted)))
            .map(({ id, principalId, roleDefinitionId, directoryScopeId }) => ({ id, principalId, roleDefinitionId, directoryScopeId }));
        return {
            statusCode: 200,
            headers: jsonHeaders,
            body: { "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleAssignments", value },
        };
    }

    private deleteAssignment(id: string): HttpResponse {
        const before = this.roleAssignments.length;
        this.roleAssignments = this.roleAssignments.filter((assignment) => assignment.id !== id);
        if (this.roleAssignments.length === before) return notFound(id);
        return { statusCode: 204, headers: {} };
    }

    private getUser(userId: string, query: URLSearchParams): HttpResponse {
        const userType = this.userTypeOf(userId);
        if (userType === undefined) return notFound(userId);
        const selected = (query.get("$select") ?? "id,userType").split(",").map((name) => name.trim());
        const user: Record<string, unknown> = { id: userId.toLowerCase(), userType, accountEnabled: true };
        return { statusCode: 200, headers: jsonHeaders, body: Object.fromEntries(Object.entries(user).filter(([name]) => selected.includes(name))) };
    }

    private revokeSessions(userId: string): HttpResponse {
        if (this.userTypeOf(userId) === undefined) return notFound(userId);
        return { statusCode: 200, headers: jsonHeaders, body: { "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean", value: true } };
    }

    private userTypeOf(id: string): "Member" | "Guest" | undefined {
        if (this.state.users.some((user) => sameId(user, id))) return "Member";
        if ((this.state.guests ?? []).some((guest) => sameId(guest, id))) return "Guest";
        return undefined;
    }
}

/** A membership as PIM for Groups lists it; Graph's examples spell the enum values `Assigned`, `Direct`, `member`. */
function asGroupInstance(membership: GroupMembership): Record<string, unknown> {
    return {
        id: membership.id,
        accessId: membership.accessId,
        assignmentScheduleId: membership.id,
        assignmentType: membership.assignmentType ?? "Assigned",
        memberType: membership.memberType ?? "Direct",
        groupId: membership.groupId,
        principalId: membership.principalId,
        startDateTime: membership.startDateTime ?? null,
        endDateTime: membership.endDateTime ?? null,
    };
}

/** An assignment as PIM's instances list shows it: the assignment's id is its instance's origin. */
function asInstance(assignment: RoleAssignment): ScheduleInstance {
    return {
        id: assignment.id,
        principalId: assignment.principalId,
        roleDefinitionId: assignment.roleDefinitionId,
        directoryScopeId: assignment.directoryScopeId,
        appScopeId: null,
        startDateTime: assignment.startDateTime ?? null,
        endDateTime: assignment.endDateTime ?? null,
        assignmentType: assignment.assignmentType ?? "Assigned",
        memberType: assignment.memberType ?? "Direct",
        roleAssignmentOriginId: assignment.id,
        roleAssignmentScheduleId: assignment.id,
    };
}

const jsonHeaders = { "Content-Type": "application/json" };

/** The path with each id-like segment after a collection written `{}`, to find its operation. */
function templatePath(path: string): string {
    const userMatch = /^\/users\/[^/]+(\/revokeSignInSessions)?$/.exec(path);
    if (userMatch !== null) return `/users/{}${userMatch[1] ?? ""}`;
    if (path.startsWith(`${assignmentsPath}/`)) return `${assignmentsPath}/{}`;
    return path;
}

/** The text between `prefix` and `suffix` when it is one path segment. */
function matchSegment(path: string, prefix: string, suffix: string): string | undefined {
    if (!path.startsWith(prefix) || !path.endsWith(suffix)) return undefined;
    const segment = path.slice(prefix.length, path.length - suffix.length);
    return segment !== "" && !segment.includes("/") ? segment : undefined;
}

function sameId(left: string, right: string): boolean {
    return left.toLowerCase() === right.toLowerCase();
}

/** `principalId eq 'x' and roleDefinitionId eq 'y'`; undefined when it is not that shape or names another property. */
export function parseFilter<P extends string = FilterableProperty>(
    filter: string,
    properties: readonly P[] = instanceFilterProperties as readonly string[] as readonly P[],
): { property: P; value: string }[] | undefined {
    const clause = /^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*/i;
    const clauses: { property: P; value: string }[] = [];
    let rest = filter;
    for (;;) {
        const match = clause.exec(rest);
        const property = properties.find((name) => name.toLowerCase() === match?.[1]?.toLowerCase());
        if (match === null || property === undefined) return undefined;
        clauses.push({ property, value: match[2]!.replace(/''/g, "'") });
        rest = rest.slice(match[0].length);
        if (rest === "") return clauses;
        const conjunction = /^and\s+/i.exec(rest);
        if (conjunction === null) return undefined;
        rest = rest.slice(conjunction[0].length);
    }
}

function graphError(statusCode: number, code: string, message: string): HttpResponse {
    return { statusCode, headers: jsonHeaders, body: { error: { code, message } } };
}

function notFound(id: string): HttpResponse {
    return graphError(404, "Request_ResourceNotFound", `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}

function unknownPath(method: string, path: string): HttpResponse {
    return graphError(404, "UnknownPath", `The replay's Graph serves only the calls pimguard makes; ${method} ${path} is not one of them.`);
}

function faultResponse(fault: GraphFault): HttpResponse {
    if (fault.code !== undefined) return graphError(fault.status, fault.code, `Injected fault: HTTP ${fault.status} ${fault.code}.`);
    switch (fault.status) {
        case 403:
            return graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
        case 404:
            return graphError(404, "Request_ResourceNotFound", "Resource does not exist or one of its queried reference-property objects are not present.");
        case 429:
            return { ...graphError(429, "TooManyRequests", "Too many requests."), headers: { ...jsonHeaders, "Retry-After": "1" } };
        default:
            return graphError(fault.status, fault.status >= 500 ? "ServiceUnavailable" : "BadRequest", `Injected fault: HTTP ${fault.status}.`);
    }
}
