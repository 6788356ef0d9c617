import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import * as securityinsights from "@pulumi/azure-native/securityinsights";
import { AlertProperties, checkRuleSchedule, declareAnalyticsRule, privilegedPathAlert } from "./analytics-rule-kinds";
import { defaultRuleFrequencyMinutes, DetectionKind } from "./config";
import { groupMembershipQueryFile } from "./names";
import { SentinelWorkspace } from "./sentinel-watchlist";

export interface GroupMembershipRuleArgs {
    /** The Sentinel workspace the rule runs in; it must hold the PimGuardPrivilegedGroups and PimGuardExemptPrincipals watchlists. */
    workspace: SentinelWorkspace;
    /** How often a scheduled rule runs; 5 (the default) to 20160 minutes. Leave it unset with `nrt`. */
    ruleFrequencyMinutes?: number;
    /** `scheduled` (default) or `nrt`: a near-real-time rule, every minute (a preview API version; see nrtApiVersion). */
    detection?: DetectionKind;
}

/**
 * The analytics rule that turns a member or owner added to a privileged group outside PIM for
 * Groups into one alert per principal, group and access, with the custom details the playbook
 * acts on. The groups are those of the PimGuardPrivilegedGroups watchlist.
 */
export class GroupMembershipRule extends pulumi.ComponentResource {
    // Two optional fields rather than one of a union type: the schema analyzer has no unions.
    /** The scheduled rule (`detection: "scheduled"`). */
    public readonly scheduledRule?: securityinsights.ScheduledAlertRule;
    /** The generic resource holding the near-real-time rule (`detection: "nrt"`). */
    public readonly nrtRule?: resources.Resource;
    /** `scheduled` or `nrt`. */
    public readonly detection: DetectionKind;
    /** The rule's GUID inside the workspace. */
    public readonly ruleId: pulumi.Output<string>;
    /** The rule's full ARM id, as Sentinel names it in incidents: what an automation rule matches them on. */
    public readonly ruleResourceId: pulumi.Output<string>;

    constructor(name: string, args: GroupMembershipRuleArgs, opts?: pulumi.ComponentResourceOptions) {
        const detection = checkRuleSchedule(args, "GroupMembershipRuleArgs");
        super("pimguard:index:GroupMembershipRule", name, {}, opts);
        this.detection = detection;

        const rule = declareAnalyticsRule(
            name,
            {
                workspace: args.workspace,
                detection,
                ruleFrequencyMinutes: args.ruleFrequencyMinutes ?? defaultRuleFrequencyMinutes,
                queryFile: groupMembershipQueryFile,
                guidPurpose: "group-membership-rule",
                alert: alertProperties,
            },
            { parent: this },
        );
        this.scheduledRule = rule.scheduledRule;
        this.nrtRule = rule.nrtRule;
        this.ruleId = rule.ruleId;
        this.ruleResourceId = rule.ruleResourceId;

        this.registerOutputs({ ruleId: this.ruleId, ruleResourceId: this.ruleResourceId });
    }
}

const ruleDescription =
    "A member or owner was added to a privileged role-assignable group (the PimGuardPrivilegedGroups watchlist) outside " +
    "PIM for Groups: a standing path to the directory roles the group holds, without just-in-time activation, MFA or " +
    "approval. pimguard's playbook removes the membership unless the principal is exempt (never for a group).";

// Five mappings, as for the role rule: the principal added, as an Account by its Entra object id
// (for users, service principals and groups alike); who added it, as one Account (a record is
// initiated by a user, known by UPN, or by an app, known by its service principal's object id
// and name, never both); the initiating app by name (CloudApplication's AppId is Defender for
// Cloud Apps' integer id, not an Entra GUID); the initiator's IP; and the group as a
// SecurityGroup by ObjectGuid, a strong identifier in Sentinel's entity reference (Defender's
// custom detections map the same entity from a group's object id).
const entityMappings: securityinsights.ScheduledAlertRuleArgs["entityMappings"] = [
    {
        entityType: securityinsights.EntityMappingType.Account,
        fieldMappings: [
            { identifier: "AadUserId", columnName: "PrincipalId" },
            { identifier: "DisplayName", columnName: "PrincipalName" },
        ],
    },
    {
        entityType: securityinsights.EntityMappingType.Account,
        fieldMappings: [
            { identifier: "FullName", columnName: "InitiatedByUpn" },
            { identifier: "AadUserId", columnName: "InitiatedByServicePrincipalId" },
            { identifier: "DisplayName", columnName: "InitiatedByAppName" },
        ],
    },
    {
        entityType: securityinsights.EntityMappingType.CloudApplication,
        fieldMappings: [{ identifier: "Name", columnName: "InitiatedByAppName" }],
    },
    {
        entityType: securityinsights.EntityMappingType.IP,
        fieldMappings: [{ identifier: "Address", columnName: "InitiatedByIp" }],
    },
    {
        entityType: securityinsights.EntityMappingType.SecurityGroup,
        fieldMappings: [{ identifier: "ObjectGuid", columnName: "GroupId" }],
    },
];

/** What the playbook reads from each group-membership alert: key = column name, so nothing is renamed on the way. */
export const groupMembershipCustomDetailColumns = [
    "GroupId",
    "GroupName",
    "AccessId",
    "PrincipalId",
    "PrincipalType",
    "PrincipalName",
    "Exempt",
    "Signal",
    "InitiatedByUpn",
    "InitiatedByServicePrincipalId",
    "InitiatedByAppName",
    "CorrelationId",
] as const;

const customDetails = Object.fromEntries(groupMembershipCustomDetailColumns.map((column) => [column, column]));

// The query composes the title within Sentinel's 256 bytes (AlertTitle), whatever the names.
// Sentinel takes at most three parameters per format.
const alertDetailsOverride: securityinsights.ScheduledAlertRuleArgs["alertDetailsOverride"] = {
    alertDisplayNameFormat: "{{AlertTitle}}",
    alertDescriptionFormat:
        "{{PrincipalName}} was added as {{AccessId}} of the privileged group {{GroupName}} outside PIM for Groups; who did it is " +
        "in the alert's entities and custom details. pimguard's playbook removes the membership; exemptions do not apply here.",
};

// Alerts about the same principal, group and access join one open incident for a day; a
// closed incident stays closed and a new one is raised.
const incidentConfiguration: securityinsights.ScheduledAlertRuleArgs["incidentConfiguration"] = {
    createIncident: true,
    groupingConfiguration: {
        enabled: true,
        matchingMethod: securityinsights.MatchingMethod.Selected,
        groupByCustomDetails: ["PrincipalId", "GroupId", "AccessId"],
        lookbackDuration: "P1D",
        reopenClosedIncident: false,
    },
};

/** What both kinds of rule carry: the same alert, entities, custom details and grouping. */
const alertProperties: AlertProperties = {
    displayName: "Member added to privileged group outside PIM (pimguard)",
    description: ruleDescription,
    ...privilegedPathAlert,
    entityMappings,
    customDetails,
    alertDetailsOverride,
    incidentConfiguration,
};
