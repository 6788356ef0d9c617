/**
 * Which Microsoft Graph application permissions allow each call pimguard's workflows make: the
 * facts both the fake Graph (which refuses a call the identity's permissions do not allow) and
 * the permissions contract (which derives what the identity must be granted) are built on.
 *
 * Sources: the Graph v1.0 API reference's permission tables (microsoft-graph-docs-contrib,
 * `api-reference/v1.0/includes/permissions/<operation>-permissions.md`) and the Graph
 * permissions reference, as of 2026:
 * - list roleAssignmentScheduleInstances: RoleAssignmentSchedule.Read.Directory (least),
 *   RoleManagement.Read.Directory, RoleManagement.Read.All, RoleAssignmentSchedule.ReadWrite.Directory,
 *   RoleManagement.ReadWrite.Directory;
 * - create roleAssignmentScheduleRequests: RoleAssignmentSchedule.ReadWrite.Directory,
 *   RoleManagement.ReadWrite.Directory, and the delete-only RoleAssignmentSchedule.Remove.Directory
 *   ("Delete all active role assignments of your company's directory"), which allows the
 *   adminRemove action and nothing else;
 * - list and delete unifiedRoleAssignment: RoleManagement.Read.Directory / RoleManagement.ReadWrite.Directory;
 * - get user (with userType, which User.ReadBasic.All does not cover): User.Read.All (least),
 *   User.ReadWrite.All, Directory.Read.All, Directory.ReadWrite.All;
 * - user: revokeSignInSessions: User.RevokeSessions.All (least), User.ReadWrite.All, Directory.ReadWrite.All;
 * - PIM for Groups, list assignmentScheduleInstances: PrivilegedAssignmentSchedule.Read.AzureADGroup
 *   (least), PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup; create assignmentScheduleRequests:
 *   PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup, and the delete-only
 *   PrivilegedAssignmentSchedule.Remove.AzureADGroup ("Delete time-based assignment schedules for
 *   access to Azure AD groups"), for adminRemove only.
 */

/** A Graph application permission (the app role's value on the Microsoft Graph service principal). */
export type GraphPermission = string;

export interface GraphOperation {
    /** Upper-case HTTP method. */
    readonly method: string;
    /** Path below `/v1.0`, each variable segment written `{}`. */
    readonly path: string;
    /** For a POST of schedule requests: the `action` the body names. */
    readonly action?: string;
    /** Every application permission that allows the call, least privileged first. */
    readonly permissions: readonly GraphPermission[];
}

export const graphOperations: readonly GraphOperation[] = [
    {
        method: "GET",
        path: "/roleManagement/directory/roleAssignmentScheduleInstances",
        permissions: [
            "RoleAssignmentSchedule.Read.Directory",
            "RoleManagement.Read.Directory",
            "RoleManagement.Read.All",
            "RoleAssignmentSchedule.ReadWrite.Directory",
            "RoleManagement.ReadWrite.Directory",
        ],
    },
    {
        method: "POST",
        path: "/roleManagement/directory/roleAssignmentScheduleRequests",
        action: "adminRemove",
        permissions: ["RoleAssignmentSchedule.Remove.Directory", "RoleAssignmentSchedule.ReadWrite.Directory", "RoleManagement.ReadWrite.Directory"],
    },
    {
        // Any other action (adminAssign, selfActivate...): the delete-only permission does not allow it.
        method: "POST",
        path: "/roleManagement/directory/roleAssignmentScheduleRequests",
        permissions: ["RoleAssignmentSchedule.ReadWrite.Directory", "RoleManagement.ReadWrite.Directory"],
    },
    {
        method: "GET",
        path: "/roleManagement/directory/roleAssignments",
        permissions: ["RoleManagement.Read.Directory", "RoleManagement.Read.All", "RoleManagement.ReadWrite.Directory"],
    },
    {
        method: "DELETE",
        path: "/roleManagement/directory/roleAssignments/{}",
        permissions: ["RoleManagement.ReadWrite.Directory"],
    },
    {
        method: "GET",
        path: "/identityGovernance/privilegedAccess/group/assignmentScheduleInstances",
        permissions: ["PrivilegedAssignmentSchedule.Read.AzureADGroup", "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup"],
    },
    {
        method: "POST",
        path: "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests",
        action: "adminRemove",
        permissions: ["PrivilegedAssignmentSchedule.Remove.AzureADGroup", "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup"],
    },
    {
        method: "POST",
        path: "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests",
        permissions: ["PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup"],
    },
    {
        method: "GET",
        path: "/users/{}",
        permissions: ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
    },
    {
        method: "POST",
        path: "/users/{}/revokeSignInSessions",
        permissions: ["User.RevokeSessions.All", "User.ReadWrite.All", "Directory.ReadWrite.All"],
    },
];

/**
 * Application permissions with which an identity can give a principal a directory role or a
 * membership that carries one, directly or by granting itself more: none of these may be held
 * by pimguard's identity unless a deployment opts in (see pimguard:removalMethod).
 */
export const grantCapablePermissions: readonly GraphPermission[] = [
    "RoleManagement.ReadWrite.Directory",
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
    "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
    "PrivilegedAccess.ReadWrite.AzureADGroup",
    "AppRoleAssignment.ReadWrite.All",
    "Application.ReadWrite.All",
    "Directory.ReadWrite.All",
    "Group.ReadWrite.All",
    "GroupMember.ReadWrite.All",
    "User.ReadWrite.All",
];

/** The operation a request is, by method, path (with `{}` for variable segments) and body action. */
export function findGraphOperation(method: string, path: string, action?: string): GraphOperation | undefined {
    const candidates = graphOperations.filter((operation) => operation.method === method.toUpperCase() && operation.path === path);
    return (
        candidates.find((operation) => operation.action !== undefined && operation.action === action) ??
        candidates.find((operation) => operation.action === undefined)
    );
}
