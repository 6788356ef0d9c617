import * as pulumi from "@pulumi/pulumi";
import * as securityinsights from "@pulumi/azure-native/securityinsights";
import { readAsset } from "./assets";
import { defaultRuleFrequencyMinutes, maxRuleFrequencyMinutes } from "./config";
import { guidInWorkspace } from "./deterministic-guid";
import { detectionQueryFile } from "./names";
import { SentinelWorkspace } from "./sentinel-watchlist";

export interface DetectionRuleArgs {
    /** The Sentinel workspace the rule runs in; it must hold both pimguard watchlists. */
    workspace: SentinelWorkspace;
    /** How often the rule runs; 5 (the default) to 20160 minutes. */
    ruleFrequencyMinutes?: number;
}

/**
 * How much later than its own timestamp a record may reach the workspace and still be caught.
 * Entra audit records arrive within minutes (99th percentile about 5); an hour is generous.
 */
export const lateArrivalAllowanceMinutes = 60;

/**
 * The scheduled analytics rule that turns an out-of-PIM role assignment into one alert per
 * principal and role, with the custom details the playbook acts on.
 */
export class DetectionRule extends pulumi.ComponentResource {
    public readonly rule: securityinsights.ScheduledAlertRule;
    /** The rule's GUID inside the workspace. */
    public readonly ruleId: pulumi.Output<string>;
    /** The rule's full ARM id: what the automation rule matches incidents on. */
    public readonly ruleResourceId: pulumi.Output<string>;

    constructor(name: string, args: DetectionRuleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pimguard:index:DetectionRule", name, {}, opts);
        const frequency = args.ruleFrequencyMinutes ?? defaultRuleFrequencyMinutes;
        const lookBack = lookBackMinutes(frequency);

        this.rule = new securityinsights.ScheduledAlertRule(
            name,
            {
                workspaceName: args.workspace.name,
                resourceGroupName: args.workspace.resourceGroupName,
                ruleId: guidInWorkspace(args.workspace, "analytics-rule", name),
                kind: "Scheduled",
                displayName: "Directory role assigned outside PIM (pimguard)",
                description: ruleDescription,
                enabled: true,
                severity: securityinsights.AlertSeverity.High,
                tactics: [securityinsights.AttackTactic.PrivilegeEscalation, securityinsights.AttackTactic.Persistence],
                techniques: ["T1098"],
                query: detectionQuery(frequency, lookBack),
                queryFrequency: isoDuration(frequency),
                queryPeriod: isoDuration(lookBack),
                triggerOperator: securityinsights.TriggerOperator.GreaterThan,
                triggerThreshold: 0,
                suppressionEnabled: false,
                suppressionDuration: "PT5H",
                // One alert per result row: every alert carries exactly one principal and role.
                eventGroupingSettings: { aggregationKind: securityinsights.EventGroupingAggregationKind.AlertPerResult },
                entityMappings,
                customDetails,
                alertDetailsOverride,
                incidentConfiguration,
            },
            { parent: this },
        );
        this.ruleResourceId = this.rule.id;
        this.ruleId = this.rule.name;

        this.registerOutputs({ ruleId: this.ruleId, ruleResourceId: this.ruleResourceId });
    }
}

const ruleDescription =
    "A Microsoft Entra directory role in the privileged-roles watchlist was assigned outside Privileged Identity " +
    "Management: a standing, direct assignment without just-in-time activation, MFA or approval. pimguard's playbook " +
    "removes it and revokes the user's sessions unless the principal is exempt (break-glass).";

/** The look-back: one frequency window plus the late-arrival allowance, within Sentinel's 14 days. */
export function lookBackMinutes(frequencyMinutes: number): number {
    return Math.min(frequencyMinutes + lateArrivalAllowanceMinutes, maxRuleFrequencyMinutes);
}

/**
 * The query from kql/, with its two timing lines set to this rule's schedule. The file keeps
 * the default values so it stays runnable as it is in the Sentinel portal.
 */
export function detectionQuery(frequencyMinutes: number, lookBack: number): string {
    const text = readAsset("kql", detectionQueryFile);
    return setLetMinutes(setLetMinutes(text, "ruleFrequency", frequencyMinutes), "lookBack", lookBack);
}

function setLetMinutes(query: string, name: string, minutes: number): string {
    const line = new RegExp(`^let ${name} = \\d+m;`, "m");
    if (!line.test(query)) {
        throw new Error(`kql/${detectionQueryFile} must contain a line "let ${name} = <minutes>m;"`);
    }
    return query.replace(line, `let ${name} = ${minutes}m;`);
}

/** ISO 8601 duration for whole minutes, e.g. 5 -> PT5M, 1500 -> P1DT1H. */
export function isoDuration(minutes: number): string {
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const rest = minutes % 60;
    const time = `${hours ? `${hours}H` : ""}${rest ? `${rest}M` : ""}`;
    return `P${days ? `${days}D` : ""}${time ? `T${time}` : ""}`;
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
