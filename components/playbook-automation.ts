import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as securityinsights from "@pulumi/azure-native/securityinsights";
import type * as azureInputs from "@pulumi/azure-native/types/input";
import { getServicePrincipalOutput } from "@pulumi/azuread/getServicePrincipal";
import { azureRoleIds, microsoftAppIds, roleDefinitionId } from "./azure-ids";
import { guidInWorkspace } from "./deterministic-guid";
import { roleAssignmentName } from "./playbook-identity";
import { SentinelWorkspace } from "./sentinel-watchlist";

export interface PlaybookAutomationArgs {
    /** The Sentinel workspace whose incidents the automation rule watches. */
    workspace: SentinelWorkspace;
    /** Subscription of the role definition granted to Azure Security Insights. */
    subscriptionId: pulumi.Input<string>;
    /** Entra tenant id of the Logic App, which the automation rule's playbook action names. */
    tenantId: pulumi.Input<string>;
    /** The full ARM ids of pimguard's analytics rules (roles; group memberships): only their incidents run the playbook. */
    ruleResourceIds: pulumi.Input<string>[];
    /** The Logic App's ARM id. */
    workflowId: pulumi.Input<string>;
    /** The resource group holding the Logic App; Sentinel needs rights there to run it. */
    playbookResourceGroupId: pulumi.Input<string>;
}

/**
 * Runs the playbook for every incident of pimguard's rule, when it is created and again whenever
 * alerts are added to it (a second out-of-PIM assignment grouped into an open incident must be
 * reconciled too), and lets Sentinel's own service principal ("Azure Security Insights") start
 * playbooks in the playbook's resource group.
 */
export class PlaybookAutomation extends pulumi.ComponentResource {
    /** Runs the playbook when an incident of the rule is created. */
    public readonly automationRule: securityinsights.AutomationRule;
    /** Runs the playbook when alerts are added to an existing incident of the rule. */
    public readonly alertsAddedRule: securityinsights.AutomationRule;

    constructor(name: string, args: PlaybookAutomationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pimguard:index:PlaybookAutomation", name, {}, opts);

        const sentinelRunner = this.grantSentinelAutomationContributor(name, args);
        // Sentinel checks its right to run the playbook when a rule is saved.
        const afterGrant = { parent: this, dependsOn: [sentinelRunner] };
        this.automationRule = new securityinsights.AutomationRule(
            name,
            automationRuleArgs(args, guidInWorkspace(args.workspace, "automation-rule", name), {
                displayName: "pimguard: remove directory roles assigned outside PIM",
                triggersWhen: securityinsights.TriggersWhen.Created,
                conditions: [ofThisRule(args)],
            }),
            afterGrant,
        );
        this.alertsAddedRule = new securityinsights.AutomationRule(
            `${name}-alerts-added`,
            automationRuleArgs(args, guidInWorkspace(args.workspace, "automation-rule-alerts-added", name), {
                displayName: "pimguard: reconcile alerts added to an open incident",
                triggersWhen: securityinsights.TriggersWhen.Updated,
                conditions: [ofThisRule(args), alertsAdded],
            }),
            afterGrant,
        );

        this.registerOutputs({ automationRuleId: this.automationRule.id, alertsAddedRuleId: this.alertsAddedRule.id });
    }

    private grantSentinelAutomationContributor(name: string, args: PlaybookAutomationArgs): authorization.RoleAssignment {
        const securityInsights = getServicePrincipalOutput({ clientId: microsoftAppIds.azureSecurityInsights }, { parent: this });
        return new authorization.RoleAssignment(
            `${name}-sentinel-automation-contributor`,
            {
                scope: args.playbookResourceGroupId,
                roleDefinitionId: pulumi
                    .output(args.subscriptionId)
                    .apply((subscription) => roleDefinitionId(subscription, azureRoleIds.sentinelAutomationContributor)),
                principalId: securityInsights.objectId,
                principalType: authorization.PrincipalType.ServicePrincipal,
                roleAssignmentName: roleAssignmentName(args.playbookResourceGroupId, azureRoleIds.sentinelAutomationContributor, securityInsights.objectId),
            },
            { parent: this },
        );
    }
}

type AutomationCondition =
    azureInputs.securityinsights.PropertyConditionPropertiesArgs | azureInputs.securityinsights.PropertyArrayChangedConditionPropertiesArgs;

/** Incidents whose related analytics rules include one of this stack's rules (several values: any of them). */
function ofThisRule(args: PlaybookAutomationArgs): azureInputs.securityinsights.PropertyConditionPropertiesArgs {
    return {
        conditionType: "Property",
        conditionProperties: {
            propertyName: securityinsights.AutomationRulePropertyConditionSupportedProperty.IncidentRelatedAnalyticRuleIds,
            operator: securityinsights.AutomationRulePropertyConditionSupportedOperator.Contains,
            propertyValues: args.ruleResourceIds,
        },
    };
}

/** An update that added alerts to the incident. */
const alertsAdded: azureInputs.securityinsights.PropertyArrayChangedConditionPropertiesArgs = {
    conditionType: "PropertyArrayChanged",
    conditionProperties: {
        arrayType: securityinsights.AutomationRulePropertyArrayChangedConditionSupportedArrayType.Alerts,
        changeType: securityinsights.AutomationRulePropertyArrayChangedConditionSupportedChangeType.Added,
    },
};

function automationRuleArgs(
    args: PlaybookAutomationArgs,
    automationRuleId: pulumi.Input<string>,
    rule: {
        displayName: string;
        triggersWhen: securityinsights.TriggersWhen;
        conditions: AutomationCondition[];
    },
): securityinsights.AutomationRuleArgs {
    return {
        workspaceName: args.workspace.name,
        resourceGroupName: args.workspace.resourceGroupName,
        automationRuleId,
        displayName: rule.displayName,
        // Before other automation, so nothing closes the incident before the playbook runs.
        order: 1,
        triggeringLogic: { isEnabled: true, triggersOn: securityinsights.TriggersOn.Incidents, triggersWhen: rule.triggersWhen, conditions: rule.conditions },
        actions: [{ actionType: "RunPlaybook", order: 1, actionConfiguration: { logicAppResourceId: args.workflowId, tenantId: args.tenantId } }],
    };
}
