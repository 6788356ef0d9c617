import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import * as securityinsights from "@pulumi/azure-native/securityinsights";
import { readAsset } from "./assets";
import {
    checkDetection,
    checkDetectionHonours,
    checkRuleFrequency,
    ConfigError,
    defaultRuleFrequencyMinutes,
    DetectionKind,
    maxRuleFrequencyMinutes,
} from "./config";
import { guidInWorkspace } from "./deterministic-guid";
import { kqlMinutes, setLet } from "./kql-lets";
import { detectionQueryFile } from "./names";
import { SentinelWorkspace } from "./sentinel-watchlist";

export interface DetectionRuleArgs {
    /** The Sentinel workspace the rule runs in; it must hold both pimguard watchlists. */
    workspace: SentinelWorkspace;
    /** How often a scheduled rule runs; 5 (the default) to 20160 minutes. Leave it unset with `nrt`. */
    ruleFrequencyMinutes?: number;
    /** `scheduled` (default) or `nrt`: a near-real-time rule, every minute (a preview API version; see nrtApiVersion). */
    detection?: DetectionKind;
}

/**
 * The newest Microsoft.SecurityInsights API version that has the `NRT` rule kind. Only preview
 * versions have it (stable 2025-12-01 offers Scheduled, Fusion and
 * MicrosoftSecurityIncidentCreation), and azure-native 3.x ships no class for it, so the rule is
 * declared as a generic resource. `2025-10-01-preview` defines NrtAlertRule in the REST API specs
 * (azure-rest-api-specs, Microsoft.SecurityInsights/preview/2025-10-01-preview/AlertRules.json).
 */
export const nrtApiVersion = "2025-10-01-preview";

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
        const detection = checkDetectionRuleArgs(args);
        super("pimguard:index:DetectionRule", name, {}, opts);
        this.detection = detection;

        if (detection === "nrt") {
            const rule = this.declareNrtRule(name, args);
            this.nrtRule = rule;
            this.ruleResourceId = rule.id.apply(sentinelRuleResourceId);
            this.ruleId = rule.name;
        } else {
            const rule = this.declareScheduledRule(name, args, args.ruleFrequencyMinutes ?? defaultRuleFrequencyMinutes);
            this.scheduledRule = rule;
            this.ruleResourceId = rule.id;
            this.ruleId = rule.name;
        }

        this.registerOutputs({ ruleId: this.ruleId, ruleResourceId: this.ruleResourceId });
    }

    private declareScheduledRule(name: string, args: DetectionRuleArgs, frequency: number): securityinsights.ScheduledAlertRule {
        const lookBack = lookBackMinutes(frequency);
        return new securityinsights.ScheduledAlertRule(
            name,
            {
                workspaceName: args.workspace.name,
                resourceGroupName: args.workspace.resourceGroupName,
                ruleId: guidInWorkspace(args.workspace, "analytics-rule", name),
                kind: "Scheduled",
                ...sharedRuleProperties,
                query: detectionQuery(frequency, lookBack),
                queryFrequency: isoDuration(frequency),
                queryPeriod: isoDuration(lookBack),
                triggerOperator: securityinsights.TriggerOperator.GreaterThan,
                triggerThreshold: 0,
            },
            { parent: this },
        );
    }

    /**
     * The NRT rule, an extension resource of the workspace:
     * `.../Microsoft.OperationalInsights/workspaces/<name>/providers/Microsoft.SecurityInsights/alertRules/<guid>`.
     * Its GUID differs from the scheduled rule's: switching kinds creates the new rule before
     * deleting the old, and with one id the delete would remove the rule just written.
     */
    private declareNrtRule(name: string, args: DetectionRuleArgs): resources.Resource {
        return new resources.Resource(
            name,
            {
                resourceGroupName: args.workspace.resourceGroupName,
                resourceProviderNamespace: "Microsoft.OperationalInsights",
                parentResourcePath: pulumi.interpolate`workspaces/${args.workspace.name}/providers/Microsoft.SecurityInsights`,
                resourceType: "alertRules",
                resourceName: guidInWorkspace(args.workspace, "nrt-analytics-rule", name),
                apiVersion: nrtApiVersion,
                kind: "NRT",
                // The REST body's properties; NRT has no queryFrequency, queryPeriod or trigger.
                properties: { ...sharedRuleProperties, query: nrtDetectionQuery() },
            },
            { parent: this },
        );
    }
}

function checkDetectionRuleArgs(args: DetectionRuleArgs): DetectionKind {
    const problems: string[] = [];
    const detection = checkDetection(args.detection ?? "scheduled", "DetectionRuleArgs.detection", problems);
    const frequency = checkRuleFrequency(args.ruleFrequencyMinutes ?? defaultRuleFrequencyMinutes, "DetectionRuleArgs.ruleFrequencyMinutes", problems);
    checkDetectionHonours(
        { detection, ruleFrequencyMinutes: frequency },
        { detection: "DetectionRuleArgs.detection", ruleFrequencyMinutes: "DetectionRuleArgs.ruleFrequencyMinutes" },
        problems,
    );
    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    return detection;
}

/**
 * The rule's id as Sentinel names it. azure-native gives a generic resource the id of the
 * Resources API's path template, which spells `resourcegroups` in lower case; Sentinel, and the
 * typed rule resource, spell it `resourceGroups`. The automation rule compares incidents'
 * related rule ids with this string, so it is spelt as Sentinel spells it.
 */
export function sentinelRuleResourceId(genericResourceId: string): string {
    return genericResourceId.replace(/^(\/subscriptions\/[^/]+\/)resourcegroups\//i, "$1resourceGroups/");
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
    return setLet(setLet(text, detectionQueryFile, "ruleFrequency", kqlMinutes(frequencyMinutes)), detectionQueryFile, "lookBack", kqlMinutes(lookBack));
}

/**
 * The lines only a scheduled run needs. An NRT rule is handed the records ingested since its
 * previous run (Sentinel's NRT documentation: it runs "once every minute" and captures "events
 * ingested in the preceding minute", so "you can safely ignore the data source delay"): the
 * ingestion window is Sentinel's own, and no TimeGenerated bound may drop a late record.
 */
const scheduledOnlyLines = [
    /^let ruleFrequency = .*;$/,
    /^let lookBack = .*;$/,
    /^\s*\| where TimeGenerated > ago\(lookBack\)$/,
    /^\s*\| where ingestion_time\(\) > ago\(ruleFrequency\)$/,
];

/** The same query file for an NRT rule: the scheduled-only lines removed, nothing else changed. */
export function nrtDetectionQuery(query = readAsset("kql", detectionQueryFile)): string {
    const lines = query.split("\n");
    for (const pattern of scheduledOnlyLines) {
        const found = lines.filter((line) => pattern.test(line)).length;
        if (found !== 1) {
            throw new Error(`kql/${detectionQueryFile} must contain exactly one line matching ${pattern} (found ${found})`);
        }
    }
    const kept = lines.filter((line) => !scheduledOnlyLines.some((pattern) => pattern.test(line)));
    const leftover = kept.find((line) => !line.trim().startsWith("//") && /\b(ruleFrequency|lookBack|ingestion_time)\b/.test(line));
    if (leftover !== undefined) {
        throw new Error(`kql/${detectionQueryFile} uses the scheduled timing outside the lines an NRT rule drops: ${leftover.trim()}`);
    }
    return kept.join("\n");
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

/** What both kinds of rule carry: the same alert, entities, custom details and grouping. */
const sharedRuleProperties = {
    displayName: "Directory role assigned outside PIM (pimguard)",
    description: ruleDescription,
    enabled: true,
    severity: securityinsights.AlertSeverity.High,
    tactics: [securityinsights.AttackTactic.PrivilegeEscalation, securityinsights.AttackTactic.Persistence],
    techniques: ["T1098"],
    suppressionEnabled: false,
    suppressionDuration: "PT5H",
    // One alert per result row: every alert carries exactly one principal and role.
    eventGroupingSettings: { aggregationKind: securityinsights.EventGroupingAggregationKind.AlertPerResult },
    entityMappings,
    customDetails,
    alertDetailsOverride,
    incidentConfiguration,
};
