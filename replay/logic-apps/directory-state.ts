/**
 * The fake directory a replay runs against (`--directory <state.json>`):
 * `{ roleAssignments: [{ id, principalId, roleDefinitionId, directoryScopeId }], users: [id],
 *    servicePrincipals: [id], groups: [id], faults: [{ method, path, status, times }] }`.
 * Every key is optional (an absent list is empty); an unknown key is an error, so a typo such as
 * `roleAssignment` cannot silently leave the directory empty.
 */
import { isJsonObject } from "./values";

export interface RoleAssignment {
    readonly id: string;
    readonly principalId: string;
    readonly roleDefinitionId: string;
    /** `/` for tenant-wide, `/administrativeUnits/<id>` for an administrative unit. */
    readonly directoryScopeId: string;
}

/** Answers `status` to requests with `method` whose URL path contains `path`, for the first `times` of them. */
export interface GraphFault {
    readonly method: string;
    readonly path: string;
    readonly status: number;
    readonly times: number;
}

export interface DirectoryState {
    readonly roleAssignments: readonly RoleAssignment[];
    readonly users: readonly string[];
    readonly servicePrincipals: readonly string[];
    readonly groups: readonly string[];
    readonly faults: readonly GraphFault[];
}

/** A directory state file that is not what {@link parseDirectoryState} expects; the message names the place. */
export class DirectoryStateError extends Error {
    constructor(message: string) {
        super(`directory state: ${message}`);
        this.name = "DirectoryStateError";
    }
}

export const emptyDirectory: DirectoryState = { roleAssignments: [], users: [], servicePrincipals: [], groups: [], faults: [] };

const stateKeys = ["roleAssignments", "users", "servicePrincipals", "groups", "faults"];

export function parseDirectoryState(value: unknown): DirectoryState {
    if (!isJsonObject(value)) throw new DirectoryStateError("must be a JSON object");
    const unknown = Object.keys(value).filter((key) => !stateKeys.includes(key));
    if (unknown.length > 0) throw new DirectoryStateError(`unknown key(s) ${unknown.join(", ")} (expected ${stateKeys.join(", ")})`);
    return {
        roleAssignments: listOf(value.roleAssignments, "roleAssignments", readRoleAssignment),
        users: listOf(value.users, "users", readId),
        servicePrincipals: listOf(value.servicePrincipals, "servicePrincipals", readId),
        groups: listOf(value.groups, "groups", readId),
        faults: listOf(value.faults, "faults", readFault),
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

function readRoleAssignment(item: unknown, where: string): RoleAssignment {
    if (!isJsonObject(item)) throw new DirectoryStateError(`${where} must be an object`);
    const field = (name: string) => readId(item[name], `${where}.${name}`);
    const assignment = {
        id: field("id"),
        principalId: field("principalId"),
        roleDefinitionId: field("roleDefinitionId"),
        directoryScopeId: field("directoryScopeId"),
    };
    if (!assignment.directoryScopeId.startsWith("/"))
        throw new DirectoryStateError(`${where}.directoryScopeId must start with / ("/" or "/administrativeUnits/<id>")`);
    return assignment;
}

function readFault(item: unknown, where: string): GraphFault {
    if (!isJsonObject(item)) throw new DirectoryStateError(`${where} must be an object`);
    const { method, path, status, times } = item;
    if (typeof method !== "string" || !/^(GET|POST|PUT|PATCH|DELETE)$/i.test(method))
        throw new DirectoryStateError(`${where}.method must be an HTTP method, not ${JSON.stringify(method)}`);
    if (typeof path !== "string" || path === "") throw new DirectoryStateError(`${where}.path must be a non-empty string`);
    if (typeof status !== "number" || !Number.isInteger(status) || status < 400 || status > 599) {
        throw new DirectoryStateError(`${where}.status must be an HTTP error status (400-599), not ${JSON.stringify(status)}`);
    }
    if (typeof times !== "number" || !Number.isInteger(times) || times < 1) throw new DirectoryStateError(`${where}.times must be a positive integer`);
    return { method: method.toUpperCase(), path, status, times };
}
