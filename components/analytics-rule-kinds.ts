/**
 * What pimguard's detection rules share: declared as a scheduled rule or as a near-real-time
 * (NRT) one from the same query file and the same alert properties, with the same timing.
 * DetectionRule and GroupMembershipRule each compose their alert; this module declares it.
 */
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
import { SentinelWorkspace } from "./sentinel-watchlist";

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

/** The look-back: one frequency window plus the late-arrival allowance, within Sentinel's 14 days. */
export function lookBackMinutes(frequencyMinutes: number): number {
    return Math.min(frequencyMinutes + lateArrivalAllowanceMinutes, maxRuleFrequencyMinutes);
}

/** ISO 8601 duration for whole minutes, e.g. 5 -> PT5M, 1500 -> P1DT1H. */
export function isoDuration(minutes: number): string {
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const rest = minutes % 60;
    const time = `${hours ? `${hours}H` : ""}${rest ? `${rest}M` : ""}`;
    return `P${days ? `${days}D` : ""}${time ? `T${time}` : ""}`;
}

/**
 * A rule's id as Sentinel names it. azure-native gives a generic resource the id of the
 * Resources API's path template, which spells `resourcegroups` in lower case; Sentinel, and the
 * typed rule resource, spell it `resourceGroups`. Automation rules compare incidents' related
 * rule ids with this string, so it is spelt as Sentinel spells it.
 */
export function sentinelRuleResourceId(genericResourceId: string): string {
    return genericResourceId.replace(/^(\/subscriptions\/[^/]+\/)resourcegroups\//i, "$1resourceGroups/");
}

/**
 * A query from kql/, with its two timing lines set to a scheduled rule's schedule. The file
 * keeps the default values so it stays runnable as it is in the Sentinel portal.
 */
export function scheduledRuleQuery(queryFile: string, frequencyMinutes: number, lookBack: number): string {
    const text = readAsset("kql", queryFile);
    return setLet(setLet(text, queryFile, "ruleFrequency", kqlMinutes(frequencyMinutes)), queryFile, "lookBack", kqlMinutes(lookBack));
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
export function nrtRuleQuery(queryFile: string, query = readAsset("kql", queryFile)): string {
    const lines = query.split("\n");
    for (const pattern of scheduledOnlyLines) {
        const found = lines.filter((line) => pattern.test(line)).length;
        if (found !== 1) {
            throw new Error(`kql/${queryFile} must contain exactly one line matching ${pattern} (found ${found})`);
        }
    }
    const kept = lines.filter((line) => !scheduledOnlyLines.some((pattern) => pattern.test(line)));
    const leftover = kept.find((line) => !line.trim().startsWith("//") && /\b(ruleFrequency|lookBack|ingestion_time)\b/.test(line));
    if (leftover !== undefined) {
        throw new Error(`kql/${queryFile} uses the scheduled timing outside the lines an NRT rule drops: ${leftover.trim()}`);
    }
    return kept.join("\n");
}

/** How a rule component is asked to run. */
export interface RuleSchedule {
    detection?: DetectionKind;
    ruleFrequencyMinutes?: number;
}

/** The kind, with the frequency checked against it; problems name `<argsName>.<field>`. */
export function checkRuleSchedule(schedule: RuleSchedule, argsName: string): DetectionKind {
    const problems: string[] = [];
    const keys = { detection: `${argsName}.detection`, ruleFrequencyMinutes: `${argsName}.ruleFrequencyMinutes` };
    const detection = checkDetection(schedule.detection ?? "scheduled", keys.detection, problems);
    const frequency = checkRuleFrequency(schedule.ruleFrequencyMinutes ?? defaultRuleFrequencyMinutes, keys.ruleFrequencyMinutes, problems);
    checkDetectionHonours({ detection, ruleFrequencyMinutes: frequency }, keys, problems);
    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    return detection;
}

/** What a rule's alerts are: the same for both kinds, everything but the query and the schedule. */
export type AlertProperties = Pick<
    securityinsights.ScheduledAlertRuleArgs,
    | "displayName"
    | "description"
    | "enabled"
    | "severity"
    | "tactics"
    | "techniques"
    | "suppressionEnabled"
    | "suppressionDuration"
    | "eventGroupingSettings"
    | "entityMappings"
    | "customDetails"
    | "alertDetailsOverride"
    | "incidentConfiguration"
>;

/**
 * How pimguard's detections of a privileged path alert: High, privilege escalation and
 * persistence through account manipulation (T1098), never suppressed, and one alert per result
 * row, so every alert carries exactly one finding for the playbook.
 */
export const privilegedPathAlert = {
    enabled: true,
    severity: securityinsights.AlertSeverity.High,
    tactics: [securityinsights.AttackTactic.PrivilegeEscalation, securityinsights.AttackTactic.Persistence],
    techniques: ["T1098"],
    suppressionEnabled: false,
    suppressionDuration: "PT5H",
    eventGroupingSettings: { aggregationKind: securityinsights.EventGroupingAggregationKind.AlertPerResult },
} satisfies Partial<AlertProperties>;

export interface AnalyticsRuleSpec {
    workspace: SentinelWorkspace;
    detection: DetectionKind;
    /** The scheduled rule's frequency (ignored for NRT). */
    ruleFrequencyMinutes: number;
    /** The query, relative to kql/. */
    queryFile: string;
    /** Part of the rule's GUID, so rules of different components never share one. */
    guidPurpose: string;
    alert: AlertProperties;
}

/** The declared rule: exactly one of the two resources, and its ids. */
export interface DeclaredAnalyticsRule {
    scheduledRule?: securityinsights.ScheduledAlertRule;
    nrtRule?: resources.Resource;
    /** The rule's GUID inside the workspace. */
    ruleId: pulumi.Output<string>;
    /** The rule's full ARM id, spelt as Sentinel names it in incidents. */
    ruleResourceId: pulumi.Output<string>;
}

/** Declares the rule as its spec's kind asks, with `opts` (the component as parent). */
export function declareAnalyticsRule(name: string, spec: AnalyticsRuleSpec, opts: pulumi.CustomResourceOptions): DeclaredAnalyticsRule {
    if (spec.detection === "nrt") {
        const nrtRule = declareNrtRule(name, spec, opts);
        return { nrtRule, ruleId: nrtRule.name, ruleResourceId: nrtRule.id.apply(sentinelRuleResourceId) };
    }
    const scheduledRule = declareScheduledRule(name, spec, opts);
    return { scheduledRule, ruleId: scheduledRule.name, ruleResourceId: scheduledRule.id };
}

function declareScheduledRule(name: string, spec: AnalyticsRuleSpec, opts: pulumi.CustomResourceOptions): securityinsights.ScheduledAlertRule {
    const lookBack = lookBackMinutes(spec.ruleFrequencyMinutes);
    return new securityinsights.ScheduledAlertRule(
        name,
        {
            workspaceName: spec.workspace.name,
            resourceGroupName: spec.workspace.resourceGroupName,
            ruleId: guidInWorkspace(spec.workspace, spec.guidPurpose, name),
            kind: "Scheduled",
            ...spec.alert,
            query: scheduledRuleQuery(spec.queryFile, spec.ruleFrequencyMinutes, lookBack),
            queryFrequency: isoDuration(spec.ruleFrequencyMinutes),
            queryPeriod: isoDuration(lookBack),
            triggerOperator: securityinsights.TriggerOperator.GreaterThan,
            triggerThreshold: 0,
        },
        opts,
    );
}

/**
 * The NRT rule, an extension resource of the workspace:
 * `.../Microsoft.OperationalInsights/workspaces/<name>/providers/Microsoft.SecurityInsights/alertRules/<guid>`.
 * Its GUID differs from the scheduled rule's: switching kinds creates the new rule before
 * deleting the old, and with one id the delete would remove the rule just written.
 */
function declareNrtRule(name: string, spec: AnalyticsRuleSpec, opts: pulumi.CustomResourceOptions): resources.Resource {
    return new resources.Resource(
        name,
        {
            resourceGroupName: spec.workspace.resourceGroupName,
            resourceProviderNamespace: "Microsoft.OperationalInsights",
            parentResourcePath: pulumi.interpolate`workspaces/${spec.workspace.name}/providers/Microsoft.SecurityInsights`,
            resourceType: "alertRules",
            resourceName: guidInWorkspace(spec.workspace, `nrt-${spec.guidPurpose}`, name),
            apiVersion: nrtApiVersion,
            kind: "NRT",
            // The REST body's properties; NRT has no queryFrequency, queryPeriod or trigger.
            properties: { ...spec.alert, query: nrtRuleQuery(spec.queryFile) },
        },
        opts,
    );
}
