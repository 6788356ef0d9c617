/**
 * The fake directory a replay runs against (`--directory <state.json>`):
 * `{ roleAssignments: [{ id, principalId, roleDefinitionId, directoryScopeId, assignmentType?,
 *    memberType?, startDateTime?, endDateTime? }], groupMemberships: [{ id, groupId, principalId,
 *    accessId, assignmentType?, memberType?, startDateTime?, endDateTime? }], users: [id], guests: [id],
 *    servicePrincipals: [id], groups: [id], faults: [{ method, path, status, code?, times }],
 *    pageSize? }`.
 * Every key is optional (an absent list is empty); an unknown key is an error, so a typo such as
 * `roleAssignment` cannot silently leave the directory empty.
 */
import { isJsonObject } from "./values";

/**
 * One active role assignment, as PIM's instances list shows it. The defaults describe what an
 * assignment made outside PIM looks like there: assigned (not activated), direct, permanent.
 */
export interface RoleAssignment {
    readonly id: string;
    readonly principalId: string;
    readonly roleDefinitionId: string;
    /** `/` for tenant-wide, `/administrativeUnits/<id>` for an administrative unit. */
    readonly directoryScopeId: string;
    /** `Assigned` (default) or `Activated` (a PIM activation of an eligible assignment). */
    readonly assignmentType?: "Assigned" | "Activated";
    /** `Direct` (default), or `Group` / `Inherited` (held through a role-assignable group). */
    readonly memberType?: "Direct" | "Group" | "Inherited";
    /** ISO 8601, or null (default). */
    readonly startDateTime?: string | null;
    /** ISO 8601 for a time-bound assignment, or null (default): permanent. */
    readonly endDateTime?: string | null;
}

/**
 * A member or owner of a group, as PIM for Groups lists it (privilegedAccessGroupAssignmentScheduleInstance).
 * The defaults describe a membership added outside PIM for Groups: assigned, direct, permanent.
 */
export interface GroupMembership {
    readonly id: string;
    readonly groupId: string;
    readonly principalId: string;
    /** `member` or `owner`. */
    readonly accessId: "member" | "owner";
    readonly assignmentType?: "Assigned" | "Activated";
    readonly memberType?: "Direct" | "Group";
    readonly startDateTime?: string | null;
    readonly endDateTime?: string | null;
}

/**
 * Answers `status` (and the Graph error `code`, if given) to requests with `method` whose URL
 * path contains `path`, for the first `times` of them. With `handled`, the request takes effect
 * first and only its answer is the fault: a service that did the work but answered an error.
 */
export interface GraphFault {
    readonly method: string;
    readonly path: string;
    readonly status: number;
    readonly code?: string;
    readonly handled?: boolean;
    readonly times: number;
}

export interface DirectoryState {
    readonly roleAssignments: readonly RoleAssignment[];
    /** Members and owners of groups managed by PIM for Groups. */
    readonly groupMemberships?: readonly GroupMembership[];
    /** Member users. */
    readonly users: readonly string[];
    /** Guest (B2B) users: users too, with userType Guest. */
    readonly guests?: readonly string[];
    readonly servicePrincipals: readonly string[];
    readonly groups: readonly string[];
    readonly faults: readonly GraphFault[];
    /** How many items a page of a Graph collection holds before @odata.nextLink (default 100). */
    readonly pageSize?: number;
}

/** A directory state file that is not what {@link parseDirectoryState} expects; the message names the place. */
export class DirectoryStateError extends Error {
    constructor(message: string) {
        super(`directory state: ${message}`);
        this.name = "DirectoryStateError";
    }
}

export const emptyDirectory: DirectoryState = {
    roleAssignments: [],
    groupMemberships: [],
    users: [],
    guests: [],
    servicePrincipals: [],
    groups: [],
    faults: [],
};

const stateKeys = ["roleAssignments", "groupMemberships", "users", "guests", "servicePrincipals", "groups", "faults", "pageSize"];

export function parseDirectoryState(value: unknown): DirectoryState {
    if (!isJsonObject(value)) throw new DirectoryStateError("must be a JSON object");
    const unknown = Object.keys(value).filter((key) => !stateKeys.includes(key));
    if (unknown.length > 0) throw new DirectoryStateError(`unknown key(s) ${unknown.join(", ")} (expected ${stateKeys.join(", ")})`);
    const pageSize = value.pageSize;
    if (pageSize !== undefined && (typeof pageSize !== "number" || !Number.isInteger(pageSize) || pageSize < 1)) {
        throw new DirectoryStateError(`pageSize must be a positive integer, not ${JSON.stringify(pageSize)}`);
    }
    return {
        roleAssignments: listOf(value.roleAssignments, "roleAssignments", readRoleAssignment),
        groupMemberships: listOf(value.groupMemberships, "groupMemberships", readGroupMembership),
        users: listOf(value.users, "users", readId),
        guests: listOf(value.guests, "guests", readId),
        servicePrincipals: listOf(value.servicePrincipals, "servicePrincipals", readId),
        groups: listOf(value.groups, "groups", readId),
        faults: listOf(value.faults, "faults", readFault),
        ...(pageSize === undefined ? {} : { pageSize }),
    };
}

function listOf<T>(value: unknown, key: string, read: (item: unknown, where: string) => T): T[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new DirectoryStateError(`${key} must be an array`);
    return value.map((item, index) => read(item, `${key}[${index}]`));
}

function readId(item: unknown, where: string): string {
    if (typeof item !== "string" || item === "") throw new DirectoryStateError(`${where} must be a non-empty string (an object id)`);
    return item;
}

const assignmentKeys = ["id", "principalId", "roleDefinitionId", "directoryScopeId", "assignmentType", "memberType", "startDateTime", "endDateTime"];

function readRoleAssignment(item: unknown, where: string): RoleAssignment {
    if (!isJsonObject(item)) throw new DirectoryStateError(`${where} must be an object`);
    const unknown = Object.keys(item).filter((key) => !assignmentKeys.includes(key));
    if (unknown.length > 0) throw new DirectoryStateError(`${where} has unknown key(s) ${unknown.join(", ")} (expected ${assignmentKeys.join(", ")})`);
    const field = (name: string) => readId(item[name], `${where}.${name}`);
    const assignment = {
        id: field("id"),
        principalId: field("principalId"),
        roleDefinitionId: field("roleDefinitionId"),
        directoryScopeId: field("directoryScopeId"),
    };
    if (!assignment.directoryScopeId.startsWith("/"))
        throw new DirectoryStateError(`${where}.directoryScopeId must start with / ("/" or "/administrativeUnits/<id>")`);
    const assignmentType = oneOf(item.assignmentType, ["Assigned", "Activated"] as const, `${where}.assignmentType`);
    const memberType = oneOf(item.memberType, ["Direct", "Group", "Inherited"] as const, `${where}.memberType`);
    return {
        ...assignment,
        ...(assignmentType === undefined ? {} : { assignmentType }),
        ...(memberType === undefined ? {} : { memberType }),
        ...optionalDateTime(item, "startDateTime", where),
        ...optionalDateTime(item, "endDateTime", where),
    };
}

const membershipKeys = ["id", "groupId", "principalId", "accessId", "assignmentType", "memberType", "startDateTime", "endDateTime"];

function readGroupMembership(item: unknown, where: string): GroupMembership {
    if (!isJsonObject(item)) throw new DirectoryStateError(`${where} must be an object`);
    const unknown = Object.keys(item).filter((key) => !membershipKeys.includes(key));
    if (unknown.length > 0) throw new DirectoryStateError(`${where} has unknown key(s) ${unknown.join(", ")} (expected ${membershipKeys.join(", ")})`);
    const field = (name: string) => readId(item[name], `${where}.${name}`);
    const accessId = oneOf(item.accessId, ["member", "owner"] as const, `${where}.accessId`);
    if (accessId === undefined) throw new DirectoryStateError(`${where}.accessId must be member or owner`);
    const assignmentType = oneOf(item.assignmentType, ["Assigned", "Activated"] as const, `${where}.assignmentType`);
    const memberType = oneOf(item.memberType, ["Direct", "Group"] as const, `${where}.memberType`);
    return {
        id: field("id"),
        groupId: field("groupId"),
        principalId: field("principalId"),
        accessId,
        ...(assignmentType === undefined ? {} : { assignmentType }),
        ...(memberType === undefined ? {} : { memberType }),
        ...optionalDateTime(item, "startDateTime", where),
        ...optionalDateTime(item, "endDateTime", where),
    };
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string): T | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
        throw new DirectoryStateError(`${where} must be one of ${allowed.join(", ")}, not ${JSON.stringify(value)}`);
    }
    return value as T;
}

function optionalDateTime(
    item: Record<string, unknown>,
    key: "startDateTime" | "endDateTime",
    where: string,
): { startDateTime?: string | null; endDateTime?: string | null } {
    const value = item[key];
    if (value === undefined) return {};
    if (value !== null && (typeof value !== "string" || Number.isNaN(Date.parse(value)))) {
        throw new DirectoryStateError(`${where}.${key} must be an ISO 8601 date and time or null, not ${JSON.stringify(value)}`);
    }
    return { [key]: value };
}

function readFault(item: unknown, where: string): GraphFault {
    if (!isJsonObject(item)) throw new DirectoryStateError(`${where} must be an object`);
    const { method, path, status, code, handled, times } = item;
    if (typeof method !== "string" || !/^(GET|POST|PUT|PATCH|DELETE)$/i.test(method))
        throw new DirectoryStateError(`${where}.method must be an HTTP method, not ${JSON.stringify(method)}`);
    if (typeof path !== "string" || path === "") throw new DirectoryStateError(`${where}.path must be a non-empty string`);
    if (typeof status !== "number" || !Number.isInteger(status) || status < 400 || status > 599) {
        throw new DirectoryStateError(`${where}.status must be an HTTP error status (400-599), not ${JSON.stringify(status)}`);
    }
    if (typeof times !== "number" || !Number.isInteger(times) || times < 1) throw new DirectoryStateError(`${where}.times must be a positive integer`);
    if (code !== undefined && (typeof code !== "string" || code === ""))
        throw new DirectoryStateError(`${where}.code must be a non-empty string (a Graph error code)`);
    if (handled !== undefined && typeof handled !== "boolean") throw new DirectoryStateError(`${where}.handled must be true or false`);
    return { method: method.toUpperCase(), path, status, times, ...(code === undefined ? {} : { code }), ...(handled === undefined ? {} : { handled }) };
}
