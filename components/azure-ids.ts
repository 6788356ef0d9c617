import type { RemovalMethod } from "./config";

/** Azure built-in role definition ids (the same in every subscription). */
export const azureRoleIds = {
    /** Comment on, update and close incidents: what the playbook does in Sentinel. */
    sentinelResponder: "3e150937-b8fe-4cfb-8069-0eaf05ecd056",
    /** Lets Sentinel's own service principal run playbooks in a resource group. */
    sentinelAutomationContributor: "f4c81013-99ee-4d62-a7ee-b3f1f648599a",
    /** Read secret values, nothing else: the playbook's access to the notification webhook. */
    keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
} as const;

/** Application ids of Microsoft's first-party service principals (the same in every tenant). */
export const microsoftAppIds = {
    graph: "00000003-0000-0000-c000-000000000000",
    /** "Azure Security Insights": the principal Sentinel runs playbooks as. */
    azureSecurityInsights: "98785600-1bb7-4fb9-b9fa-19afe2c8a360",
} as const;

/**
 * The Microsoft Graph application permissions the playbook needs, and nothing more: read PIM's
 * view of active assignments, remove them (a delete-only permission, unless the deployment opted
 * into direct deletes), read whether a principal is a member or a guest user, revoke a user's
 * sessions. With privileged groups, also read and remove (delete-only) PIM for Groups'
 * memberships and ownerships. None of the default ones can grant a role or a membership.
 */
export function playbookGraphAppRoles(removalMethod: RemovalMethod, guardsPrivilegedGroups = false): string[] {
    const remove =
        removalMethod === "adminRemove"
            ? ["RoleAssignmentSchedule.Read.Directory", "RoleAssignmentSchedule.Remove.Directory"]
            : ["RoleManagement.ReadWrite.Directory"];
    const groups = guardsPrivilegedGroups ? ["PrivilegedAssignmentSchedule.Read.AzureADGroup", "PrivilegedAssignmentSchedule.Remove.AzureADGroup"] : [];
    return [...remove, ...groups, "User.Read.All", "User.RevokeSessions.All"].sort();
}

/** The full ARM id of a built-in role definition in a subscription. */
export function roleDefinitionId(subscriptionId: string, roleId: string): string {
    return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

export function resourceGroupId(subscriptionId: string, resourceGroupName: string): string {
    return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}`;
}
