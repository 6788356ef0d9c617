import * as pulumi from "@pulumi/pulumi";
import * as securityinsights from "@pulumi/azure-native/securityinsights";
import { isoDuration, lateArrivalAllowanceMinutes } from "./analytics-rule-kinds";
import { readAsset } from "./assets";
import { ConfigError, isGuid } from "./config";
import { guidInWorkspace } from "./deterministic-guid";
import { compactKql, kqlMinutes, kqlString, kqlStringArraysByKey, setLet } from "./kql-lets";
import { tamperQueryFile } from "./names";
import { SentinelWorkspace } from "./sentinel-watchlist";

export interface TamperDetectionRuleArgs {
    /** The Sentinel workspace the rule runs in; it must hold the PimGuardPrivilegedRoles watchlist. */
    workspace: SentinelWorkspace;
    /** Object id of the identity that deploys the stack (`getClientConfig`'s objectId): its own changes are expected and raise nothing. */
    deployerObjectId: pulumi.Input<string>;
    /** Object id of the playbook identity's service principal: removing one of its Graph app role assignments alerts. */
    playbookIdentityObjectId: pulumi.Input<string>;
    /**
     * ARM ids of pimguard's resources. Changing, disabling or deleting one of them (or a child,
     * such as a watchlist item) alerts, and so does a health failure Sentinel records for one.
     */
    guardedResourceIds: pulumi.Input<string>[];
    /** Minutes without a single AuditLogs record after which the rule says the feed has stopped; 15 to 1440, default 60. */
    auditLogsSilenceMinutes?: number;
}

/** The tamper rule runs as often as Sentinel allows a scheduled rule to. */
export const tamperRuleFrequencyMinutes = 5;
export const defaultAuditLogsSilenceMinutes = 60;
const auditLogsSilenceRange = { min: 15, max: 1440 };

/** What the tamper query is deployed with. */
export interface TamperQuerySettings {
    deployerObjectId: string;
    playbookIdentityObjectId: string;
    guardedResourceIds: readonly string[];
    auditLogsSilenceMinutes: number;
}

/**
 * The scheduled rule that watches pimguard itself: its Azure resources changed, disabled or
 * deleted by anyone but the deploying identity, Sentinel health failures of its automation,
 * the playbook identity's Graph permissions removed, PIM weakened for a watched role, and
 * AuditLogs going quiet. High severity, and no playbook: these incidents are for people.
 */
export class TamperDetectionRule extends pulumi.ComponentResource {
    public readonly rule: securityinsights.ScheduledAlertRule;
    /** The rule's full ARM id. */
    public readonly ruleResourceId: pulumi.Output<string>;

    constructor(name: string, args: TamperDetectionRuleArgs, opts?: pulumi.ComponentResourceOptions) {
        const silence = checkAuditLogsSilence(args.auditLogsSilenceMinutes);
        super("pimguard:index:TamperDetectionRule", name, {}, opts);
        const lookBack = tamperLookBackMinutes(silence);

        this.rule = new securityinsights.ScheduledAlertRule(
            name,
            {
                workspaceName: args.workspace.name,
                resourceGroupName: args.workspace.resourceGroupName,
                ruleId: guidInWorkspace(args.workspace, "tamper-rule", name),
                kind: "Scheduled",
                displayName: "pimguard tampered with (pimguard)",
                description: ruleDescription,
                enabled: true,
                severity: securityinsights.AlertSeverity.High,
                tactics: [securityinsights.AttackTactic.DefenseEvasion],
                techniques: ["T1562"],
                query: pulumi
                    .all([args.deployerObjectId, args.playbookIdentityObjectId, pulumi.all(args.guardedResourceIds)])
                    .apply(([deployerObjectId, playbookIdentityObjectId, guardedResourceIds]) =>
                        tamperQuery({ deployerObjectId, playbookIdentityObjectId, guardedResourceIds, auditLogsSilenceMinutes: silence }),
                    ),
                queryFrequency: isoDuration(tamperRuleFrequencyMinutes),
                queryPeriod: isoDuration(lookBack),
                triggerOperator: securityinsights.TriggerOperator.GreaterThan,
                triggerThreshold: 0,
                suppressionEnabled: false,
                suppressionDuration: "PT5H",
                eventGroupingSettings: { aggregationKind: securityinsights.EventGroupingAggregationKind.AlertPerResult },
                entityMappings,
                customDetails,
                alertDetailsOverride,
                incidentConfiguration,
            },
            { parent: this },
        );
        this.ruleResourceId = this.rule.id;

        this.registerOutputs({ ruleResourceId: this.ruleResourceId });
    }
}

const ruleDescription =
    "Part of pimguard was switched off or weakened outside its deployment: its analytics or automation rule, watchlists, " +
    "Logic App, API connection or identity changed, disabled or deleted; its automation failed in Sentinel's health log; " +
    "the playbook identity lost a Graph permission; PIM's settings or alerts for a watched role were weakened; or AuditLogs stopped arriving.";

function checkAuditLogsSilence(minutes: number | undefined): number {
    const value = minutes ?? defaultAuditLogsSilenceMinutes;
    if (!Number.isInteger(value) || value < auditLogsSilenceRange.min || value > auditLogsSilenceRange.max) {
        throw new ConfigError([
            `TamperDetectionRuleArgs.auditLogsSilenceMinutes is ${JSON.stringify(value)}; allowed: a whole number of minutes from ${auditLogsSilenceRange.min} to ${auditLogsSilenceRange.max}`,
        ]);
    }
    return value;
}

/**
 * The look-back: a frequency, the late-arrival allowance the detection rule uses, and the
 * silence, so the run that notices the silence still sees the last record before it.
 */
export function tamperLookBackMinutes(auditLogsSilenceMinutes: number): number {
    return tamperRuleFrequencyMinutes + lateArrivalAllowanceMinutes + auditLogsSilenceMinutes;
}

/**
 * The query from kql/ with this deployment's values, compacted. Ids are compared in lower case (Azure's
 * activity log writes them in any case). A deployer id that is not a GUID (an unusual sign-in)
 * matches no one, so then every change alerts, the deployer's own included.
 */
export function tamperQuery(settings: TamperQuerySettings): string {
    const lets: [string, string][] = [
        ["ruleFrequency", kqlMinutes(tamperRuleFrequencyMinutes)],
        ["lookBack", kqlMinutes(tamperLookBackMinutes(settings.auditLogsSilenceMinutes))],
        ["deployerObjectId", kqlString(guidOrEmpty(settings.deployerObjectId))],
        ["playbookIdentityObjectId", kqlString(guidOrEmpty(settings.playbookIdentityObjectId))],
        ["guardedResourcesByScope", kqlStringArraysByKey(guardedResourcesByScope(settings.guardedResourceIds))],
        ["auditLogsSilence", kqlMinutes(settings.auditLogsSilenceMinutes)],
    ];
    const query = lets.reduce((text, [name, value]) => setLet(text, tamperQueryFile, name, value), readAsset("kql", tamperQueryFile));
    // Resource ids are long (up to ~370 characters each): the commented file would not fit.
    return `// pimguard tamper detection: kql/${tamperQueryFile} in the pimguard package, with its comments.\n${compactKql(query)}`;
}

/**
 * The ids, lower-cased and each once, grouped by scope: an id up to its last "/providers/", or the
 * whole id if it has none (a resource group). Ids under one scope (the workspace's Sentinel
 * resources, the playbook group's resources, the group itself) then spell it once, not each.
 */
function guardedResourcesByScope(ids: readonly string[]): Map<string, string[]> {
    const byScope = new Map<string, string[]>();
    for (const id of new Set(ids.map((text) => text.toLowerCase()))) {
        const providers = id.lastIndexOf("/providers/");
        const scope = providers > 0 ? id.slice(0, providers) : id;
        byScope.set(scope, [...(byScope.get(scope) ?? []), id.slice(scope.length)]);
    }
    return byScope;
}

function guidOrEmpty(value: string): string {
    return isGuid(value) ? value.toLowerCase() : "";
}

// Who did it (by object id, and the IP they came from) and which Azure resource they touched.
// An entity whose identifier is empty is left out of the alert.
const entityMappings: securityinsights.ScheduledAlertRuleArgs["entityMappings"] = [
    {
        entityType: securityinsights.EntityMappingType.Account,
        fieldMappings: [
            { identifier: "AadUserId", columnName: "ActorObjectId" },
            { identifier: "DisplayName", columnName: "Actor" },
        ],
    },
    { entityType: securityinsights.EntityMappingType.IP, fieldMappings: [{ identifier: "Address", columnName: "ActorIp" }] },
    { entityType: securityinsights.EntityMappingType.AzureResource, fieldMappings: [{ identifier: "ResourceId", columnName: "AzureResourceId" }] },
];

/** The columns a responder reads on each alert. */
export const tamperCustomDetailColumns = ["TamperKind", "Target", "Operation", "Actor", "ActorObjectId", "Detail"] as const;

const customDetails = Object.fromEntries(tamperCustomDetailColumns.map((column) => [column, column]));

const alertDetailsOverride: securityinsights.ScheduledAlertRuleArgs["alertDetailsOverride"] = {
    alertDisplayNameFormat: "{{AlertTitle}}",
    alertDescriptionFormat:
        "{{Operation}} on {{Target}} by {{Actor}}. pimguard only guards while its rules, playbook, identity and audit feed are intact: " +
        "confirm the change was intended, or redeploy the stack.",
};

// Alerts about the same kind of tampering with the same target join one incident for a day.
const incidentConfiguration: securityinsights.ScheduledAlertRuleArgs["incidentConfiguration"] = {
    createIncident: true,
    groupingConfiguration: {
        enabled: true,
        matchingMethod: securityinsights.MatchingMethod.Selected,
        groupByCustomDetails: ["TamperKind", "Target"],
        lookbackDuration: "P1D",
        reopenClosedIncident: false,
    },
};
