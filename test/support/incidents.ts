/**
 * Incident trigger bodies built the way Sentinel sends them (see test/fixtures/incidents/README.md
 * for where the shape was seen): lowercase `alerts`, `relatedAnalyticRuleIds` with the rule's ARM
 * id, each alert's custom details a JSON string whose values are arrays of strings, and its
 * `Analytic Rule Ids` naming the rule that raised it.
 */
import { DirectoryState, GroupMembership, RoleAssignment } from "../../replay/logic-apps/directory-state";

const workspaceId =
    "/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/law-sentinel";
export const ruleGuid = "9c4d7e1f-2a3b-4c5d-8e6f-0a1b2c3d4e5f";
/** This stack's analytics rule, as the playbook is deployed for it. */
export const ruleId = `${workspaceId}/providers/Microsoft.SecurityInsights/alertRules/${ruleGuid}`;
/** This stack's rule for members and owners added to privileged groups. */
export const groupRuleGuid = "4d2c8a6e-1b3f-4a5d-9c7e-2f1a0b9c8d7e";
export const groupRuleId = `${workspaceId}/providers/Microsoft.SecurityInsights/alertRules/${groupRuleGuid}`;
/** Another analytics rule in the same workspace. */
export const otherRuleGuid = "2b8f6c1e-7d3a-4e59-b0c4-1a2d3e4f5a6b";
export const otherRuleId = `${workspaceId}/providers/Microsoft.SecurityInsights/alertRules/${otherRuleGuid}`;

export const roles = {
    globalAdministrator: "62e90394-69f5-4237-9190-012177145e10",
    privilegedRoleAdministrator: "e8611ab8-c189-46e8-94e1-60213ab1f814",
    userAdministrator: "fe930be7-5e62-47db-91af-98c3a49a38b1",
    /** Not in the stack's default watched roles. */
    exchangeAdministrator: "29232cdf-9323-42fd-ade2-1d097af3e4de",
} as const;

export const people = {
    alice: "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
    bob: "9e8d7c6b-5a49-4382-b716-05f4e3d2c1b0",
    guest: "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    deployAutomation: "7d9e8f10-2a3b-4c5d-9e6f-7a8b9c0d1e2f",
    tier0Group: "3a4b5c6d-7e8f-4091-a2b3-c4d5e6f70812",
    breakGlass: "b0b0b0b0-1111-4222-8333-944445555666",
} as const;

export const administrativeUnit = "/administrativeUnits/5c1e7a2b-0d3f-4e6a-9b8c-1f2e3d4c5b6a";

export interface AlertSpec {
    readonly principalId: string;
    readonly roleTemplateId: string;
    readonly principalType?: string;
    readonly principalName?: string;
    readonly roleName?: string;
    readonly directoryScopeId?: string;
    readonly exempt?: string;
    /** The rule that raised the alert (default: this stack's). */
    readonly ruleGuid?: string;
    /** Custom details to use instead (an object of arrays) or a raw string. */
    readonly customDetails?: Record<string, string[]> | string;
}

let alertCounter = 0;

export function alert(spec: AlertSpec): Record<string, unknown> {
    alertCounter += 1;
    const systemAlertId = `a1e70000-0000-4000-8000-${String(alertCounter).padStart(12, "0")}`;
    const details =
        spec.customDetails ??
        ({
            RoleTemplateId: [spec.roleTemplateId],
            RoleName: [spec.roleName ?? "Global Administrator"],
            PrincipalId: [spec.principalId],
            PrincipalType: [spec.principalType ?? "User"],
            PrincipalName: [spec.principalName ?? "alice@contoso.com"],
            DirectoryScopeId: [spec.directoryScopeId ?? "/"],
            Exempt: [spec.exempt ?? "False"],
            Signal: ["directory"],
            InitiatedByUpn: ["mallory@contoso.com"],
            InitiatedByServicePrincipalId: [""],
            InitiatedByAppName: [""],
            CorrelationId: ["5f0e2d1c-9b8a-4765-a4f3-e2d1c0b9a876"],
        } satisfies Record<string, string[]>);
    const raisedBy = spec.ruleGuid ?? ruleGuid;
    return {
        id: `${workspaceId}/providers/Microsoft.SecurityInsights/entities/${systemAlertId}`,
        name: systemAlertId,
        type: "Microsoft.SecurityInsights/Entities",
        kind: "SecurityAlert",
        properties: {
            alertDisplayName: `${spec.roleName ?? "Global Administrator"} assigned outside PIM to ${spec.principalName ?? "alice@contoso.com"}`,
            alertType: `c0570000-0000-4000-8000-000000000003_${raisedBy}`,
            productName: "Azure Sentinel",
            systemAlertId,
            severity: "High",
            status: "New",
            additionalData: {
                "Custom Details": typeof details === "string" ? details : JSON.stringify(details),
                "Analytic Rule Ids": JSON.stringify([raisedBy]),
                "Event Grouping": "SingleAlertPerResult",
            },
        },
    };
}

export interface MembershipAlertSpec {
    readonly principalId: string;
    readonly groupId: string;
    readonly accessId?: string;
    readonly principalType?: string;
    readonly principalName?: string;
    readonly groupName?: string;
    readonly exempt?: string;
}

/** An alert of the group-membership rule: who was added to which privileged group, as member or owner. */
export function membershipAlert(spec: MembershipAlertSpec): Record<string, unknown> {
    return alert({
        principalId: spec.principalId,
        roleTemplateId: "",
        ruleGuid: groupRuleGuid,
        customDetails: {
            GroupId: [spec.groupId],
            GroupName: [spec.groupName ?? "Tier 0 administrators"],
            AccessId: [spec.accessId ?? "member"],
            PrincipalId: [spec.principalId],
            PrincipalType: [spec.principalType ?? "User"],
            PrincipalName: [spec.principalName ?? "alice@contoso.com"],
            Exempt: [spec.exempt ?? "False"],
            Signal: ["directory"],
            InitiatedByUpn: ["mallory@contoso.com"],
            InitiatedByServicePrincipalId: [""],
            InitiatedByAppName: [""],
            CorrelationId: ["8a7b6c5d-4e3f-4210-9fed-cba987654321"],
        },
    });
}

/** A member or owner of a group as PIM for Groups lists it: by default added outside PIM (assigned, direct, permanent). */
export function membership(
    id: string,
    groupId: string,
    principalId: string,
    accessId: "member" | "owner" = "member",
    extra: Partial<GroupMembership> = {},
): GroupMembership {
    return { id, groupId, principalId, accessId, ...extra };
}

/** The incident trigger's body for these alerts, raised by `relatedRuleIds` (default: this stack's rule). */
export function incident(alerts: readonly Record<string, unknown>[], options: { relatedRuleIds?: readonly string[]; incidentNumber?: number } = {}): unknown {
    const incidentId = "0e1d2c3b-4a59-4687-9a0b-00000000cafe";
    return {
        eventUniqueId: "3c9a1e5f-7b2d-4f80-9e6a-5d4c3b2a1f0e",
        objectSchemaType: "Incident",
        objectEventType: "Update",
        workspaceInfo: { SubscriptionId: "11111111-2222-4333-8444-555555555555", ResourceGroupName: "rg-sentinel", WorkspaceName: "law-sentinel" },
        workspaceId: "c0570000-0000-4000-8000-000000000003",
        object: {
            id: `${workspaceId}/providers/Microsoft.SecurityInsights/Incidents/${incidentId}`,
            name: incidentId,
            type: "Microsoft.SecurityInsights/Incidents",
            properties: {
                title: "Directory role assigned outside PIM",
                severity: "Medium",
                status: "New",
                incidentNumber: options.incidentNumber ?? 314,
                relatedAnalyticRuleIds: options.relatedRuleIds ?? [ruleId],
                alerts,
                labels: [],
            },
        },
    };
}

/** A directory holding these assignments and principals (users are members unless listed as guests). */
export function directory(assignments: readonly RoleAssignment[], extra: Partial<DirectoryState> = {}): DirectoryState {
    return {
        roleAssignments: assignments,
        users: [people.alice, people.bob, people.breakGlass],
        guests: [people.guest],
        servicePrincipals: [people.deployAutomation],
        groups: [people.tier0Group],
        faults: [],
        ...extra,
    };
}

/** An active assignment: by default what one made outside PIM looks like (assigned, direct, permanent). */
export function assignment(
    id: string,
    principalId: string,
    roleDefinitionId: string,
    directoryScopeId = "/",
    extra: Partial<RoleAssignment> = {},
): RoleAssignment {
    return { id, principalId, roleDefinitionId, directoryScopeId, ...extra };
}
