import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import * as securityinsights from "@pulumi/azure-native/securityinsights";
import { AlertProperties, checkRuleSchedule, declareAnalyticsRule, nrtRuleQuery, privilegedPathAlert, scheduledRuleQuery } from "./analytics-rule-kinds";
import { defaultRuleFrequencyMinutes, DetectionKind } from "./config";
import { detectionQueryFile } from "./names";
import { SentinelWorkspace } from "./sentinel-watchlist";

// Shared with the other rules; exported here too, where programs and tools have always found them.
export { isoDuration, lateArrivalAllowanceMinutes, lookBackMinutes, nrtApiVersion, sentinelRuleResourceId } from "./analytics-rule-kinds";

export interface DetectionRuleArgs {
    /** The Sentinel workspace the rule runs in; it must hold both pimguard watchlists. */
    workspace: SentinelWorkspace;
    /** How often a scheduled rule runs; 5 (the default) to 20160 minutes. Leave it unset with `nrt`. */
    ruleFrequencyMinutes?: number;
    /** `scheduled` (default) or `nrt`: a near-real-time rule, every minute (a preview API version; see nrtApiVersion). */
    detection?: DetectionKind;
}

/**
 * The scheduled analytics rule that turns an out-of-PIM role assignment into one alert per
 * principal and role, with the custom details the playbook acts on.
 */
export class DetectionRule extends pulumi.ComponentResource {
    // Two optional fields rather than one of a union type: the schema analyzer has no unions.
    /** The scheduled rule (`detection: "scheduled"`). */
    public readonly scheduledRule?: securityinsights.ScheduledAlertRule;
    /** The generic resource holding the near-real-time rule (`detection: "nrt"`). */
    public readonly nrtRule?: resources.Resource;
    /** `scheduled` or `nrt`. */
    public readonly detection: DetectionKind;
    /** The rule's GUID inside the workspace. */
    public readonly ruleId: pulumi.Output<string>;
    /** The rule's full ARM id, as Sentinel names it in incidents: what the automation rule matches them on. */
    public readonly ruleResourceId: pulumi.Output<string>;

    constructor(name: string, args: DetectionRuleArgs, opts?: pulumi.ComponentResourceOptions) {
        const detection = checkRuleSchedule(args, "DetectionRuleArgs");
        super("pimguard:index:DetectionRule", name, {}, opts);
        this.detection = detection;

        const rule = declareAnalyticsRule(
            name,
            {
                workspace: args.workspace,
                detection,
                ruleFrequencyMinutes: args.ruleFrequencyMinutes ?? defaultRuleFrequencyMinutes,
                queryFile: detectionQueryFile,
                guidPurpose: "analytics-rule",
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
    "A Microsoft Entra directory role in the privileged-roles watchlist was assigned outside Privileged Identity " +
    "Management: a standing, direct assignment without just-in-time activation, MFA or approval. pimguard's playbook " +
    "removes it and revokes the user's sessions unless the principal is exempt (break-glass).";

/** The detection query, with its two timing lines set to a scheduled rule's schedule. */
export function detectionQuery(frequencyMinutes: number, lookBack: number): string {
    return scheduledRuleQuery(detectionQueryFile, frequencyMinutes, lookBack);
}

/** The detection query for an NRT rule: the scheduled-only lines removed, nothing else changed. */
export function nrtDetectionQuery(query?: string): string {
    return nrtRuleQuery(detectionQueryFile, query);
}

// The target is mapped as an Account by its Entra object id for users, service principals and
// groups alike: AadUserId is the object id Graph acts on. The playbook never reads entities.
// An initiating app is known by what real audit records carry: its service principal's object
// id and its display name (InitiatedBy.app.appId is null in them). CloudApplication's AppId
// identifier is Defender for Cloud Apps' integer id, not an Entra GUID, so the app maps by Name.
// Five mappings: Sentinel's limit for this API version.
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
        fieldMappings: [{ identifier: "FullName", columnName: "InitiatedByUpn" }],
    },
    {
        entityType: securityinsights.EntityMappingType.Account,
        fieldMappings: [
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
];

/** What the playbook reads from each alert: key = column name, so nothing is renamed on the way. */
export const customDetailColumns = [
    "RoleTemplateId",
    "RoleName",
    "PrincipalId",
    "PrincipalType",
    "PrincipalName",
    "DirectoryScopeId",
    "Exempt",
    "Signal",
    "InitiatedByUpn",
    "InitiatedByServicePrincipalId",
    "InitiatedByAppName",
    "CorrelationId",
] as const;

const customDetails = Object.fromEntries(customDetailColumns.map((column) => [column, column]));

// The query composes the title within Sentinel's 256 bytes (AlertTitle), whatever the names.
// Sentinel takes at most three parameters per format.
const alertDetailsOverride: securityinsights.ScheduledAlertRuleArgs["alertDetailsOverride"] = {
    alertDisplayNameFormat: "{{AlertTitle}}",
    alertDescriptionFormat:
        "{{PrincipalType}} {{PrincipalName}} received {{RoleName}} outside PIM; who made the assignment is in the alert's " +
        "entities and custom details. pimguard's playbook removes the standing assignment unless the principal is exempt.",
};

// Alerts about the same principal and role join one open incident (PIM's scan repeats every
// ~2 hours for a standing assignment); a closed incident stays closed and a new one is raised.
const incidentConfiguration: securityinsights.ScheduledAlertRuleArgs["incidentConfiguration"] = {
    createIncident: true,
    groupingConfiguration: {
        enabled: true,
        matchingMethod: securityinsights.MatchingMethod.Selected,
        groupByCustomDetails: ["PrincipalId", "RoleTemplateId"],
        lookbackDuration: "P1D",
        reopenClosedIncident: false,
    },
};

/** What both kinds of rule carry: the same alert, entities, custom details and grouping. */
const alertProperties: AlertProperties = {
    displayName: "Directory role assigned outside PIM (pimguard)",
    description: ruleDescription,
    // One alert per result row: every alert carries exactly one principal and role.
    ...privilegedPathAlert,
    entityMappings,
    customDetails,
    alertDetailsOverride,
    incidentConfiguration,
};
