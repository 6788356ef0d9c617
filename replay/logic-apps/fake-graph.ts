/**
 * A fake Microsoft Graph holding a directory. It serves only the v1.0 calls pimguard makes,
 * each answered as Graph documents it:
 * - `GET    /v1.0/roleManagement/directory/roleAssignments?$filter=...` lists active
 *   assignments; the filter is parsed (`<property> eq '<value>'` clauses joined by `and`, on
 *   principalId, roleDefinitionId, directoryScopeId; ids compared case-insensitively) and a
 *   filter it cannot parse is a 400, as Graph answers;
 * - `DELETE /v1.0/roleManagement/directory/roleAssignments/{id}`: 204, or 404
 *   `Request_ResourceNotFound` when there is no such assignment;
 * - `POST   /v1.0/users/{id}/revokeSignInSessions`: 200 `{ value: true }` for a user, 404 for
 *   any other id (service principals and groups have no sign-in sessions).
 * Any other method or path is a 404 naming what was asked, so a typo in a URI fails a test.
 * A request without the playbook's managed identity (audience Graph) is a 401. Injected faults
 * answer before routing. Every request is recorded, retries included.
 */
import { DirectoryState, GraphFault, RoleAssignment } from "./directory-state";
import { HttpRequest, HttpResponse } from "./network";
import { isJsonObject } from "./values";

export const graphHost = "graph.microsoft.com";

export interface GraphCall {
    readonly method: string;
    readonly url: string;
    readonly status: number;
}

const graphAudiences = ["https://graph.microsoft.com", "https://graph.microsoft.com/"];
const assignmentsPath = "/v1.0/roleManagement/directory/roleAssignments";
const filterableProperties = ["principalId", "roleDefinitionId", "directoryScopeId"] as const;
type FilterableProperty = (typeof filterableProperties)[number];

export class FakeGraph {
    readonly calls: GraphCall[] = [];
    private roleAssignments: RoleAssignment[];
    private readonly faults: { fault: GraphFault; remaining: number }[];

    constructor(
        private readonly state: DirectoryState,
        /** The only identity the fake accepts (the playbook's user-assigned identity). */
        private readonly identityResourceId: string,
    ) {
        this.roleAssignments = [...state.roleAssignments];
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
            faults: this.faults.filter((entry) => entry.remaining > 0).map((entry) => ({ ...entry.fault, times: entry.remaining })),
        };
    }

    private answer(request: HttpRequest): HttpResponse {
        const authenticationProblem = this.checkAuthentication(request.authentication);
        if (authenticationProblem !== undefined) return graphError(401, "InvalidAuthenticationToken", authenticationProblem);
        const url = new URL(request.url);
        const path = decodeURIComponent(url.pathname);
        const fault = this.takeFault(request.method, path);
        if (fault !== undefined) return faultResponse(fault.status);
        return this.route(request.method, path, url.searchParams);
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

    private takeFault(method: string, path: string): GraphFault | undefined {
        const entry = this.faults.find((candidate) => candidate.remaining > 0 && candidate.fault.method === method && path.includes(candidate.fault.path));
        if (entry === undefined) return undefined;
        entry.remaining -= 1;
        return entry.fault;
    }

    private route(method: string, path: string, query: URLSearchParams): HttpResponse {
        if (path === assignmentsPath && method === "GET") return this.listAssignments(query);
        const assignmentId = matchSegment(path, `${assignmentsPath}/`, "");
        if (assignmentId !== undefined && method === "DELETE") return this.deleteAssignment(assignmentId);
        const userId = matchSegment(path, "/v1.0/users/", "/revokeSignInSessions");
        if (userId !== undefined && method === "POST") return this.revokeSessions(userId);
        return graphError(404, "UnknownPath", `The replay's Graph serves only the calls pimguard makes; ${method} ${path} is not one of them.`);
    }

    private listAssignments(query: URLSearchParams): HttpResponse {
        const unsupported = [...query.keys()].filter((key) => key !== "$filter");
        if (unsupported.length > 0)
            return graphError(400, "BadRequest", `Query option(s) ${unsupported.join(", ")} are not used by pimguard and not served by the replay.`);
        const filter = query.get("$filter");
        const clauses = filter === null ? [] : parseFilter(filter);
        if (clauses === undefined) return graphError(400, "BadRequest", `Invalid filter clause: ${filter}`);
        const value = this.roleAssignments.filter((assignment) => clauses.every(({ property, value: wanted }) => sameId(assignment[property], wanted)));
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

    private revokeSessions(userId: string): HttpResponse {
        if (!this.state.users.some((user) => sameId(user, userId))) return notFound(userId);
        return { statusCode: 200, headers: jsonHeaders, body: { "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean", value: true } };
    }
}

const jsonHeaders = { "Content-Type": "application/json" };

/** The text between `prefix` and `suffix` when it is one path segment. */
function matchSegment(path: string, prefix: string, suffix: string): string | undefined {
    if (!path.startsWith(prefix) || !path.endsWith(suffix)) return undefined;
    const segment = path.slice(prefix.length, path.length - suffix.length);
    return segment !== "" && !segment.includes("/") ? segment : undefined;
}

function sameId(left: string, right: string): boolean {
    return left.toLowerCase() === right.toLowerCase();
}

/** `principalId eq 'x' and roleDefinitionId eq 'y'`; undefined when it is not that shape. */
export function parseFilter(filter: string): { property: FilterableProperty; value: string }[] | undefined {
    const clause = /^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*/i;
    const clauses: { property: FilterableProperty; value: string }[] = [];
    let rest = filter;
    for (;;) {
        const match = clause.exec(rest);
        const property = filterableProperties.find((name) => name.toLowerCase() === match?.[1]?.toLowerCase());
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

function faultResponse(status: number): HttpResponse {
    switch (status) {
        case 403:
            return graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
        case 404:
            return graphError(404, "Request_ResourceNotFound", "Resource does not exist or one of its queried reference-property objects are not present.");
        case 429:
            return { ...graphError(429, "TooManyRequests", "Too many requests."), headers: { ...jsonHeaders, "Retry-After": "1" } };
        default:
            return graphError(status, status >= 500 ? "ServiceUnavailable" : "BadRequest", `Injected fault: HTTP ${status}.`);
    }
}
