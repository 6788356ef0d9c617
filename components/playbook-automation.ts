import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as securityinsights from "@pulumi/azure-native/securityinsights";
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
    /** The analytics rule's full ARM id: only its incidents run the playbook. */
    ruleResourceId: pulumi.Input<string>;
    /** The Logic App's ARM id. */
    workflowId: pulumi.Input<string>;
    /** The resource group holding the Logic App; Sentinel needs rights there to run it. */
    playbookResourceGroupId: pulumi.Input<string>;
}

/**
 * Runs the playbook for every new incident of pimguard's rule, and lets Sentinel's own service
 * principal ("Azure Security Insights") start playbooks in the playbook's resource group.
 */
export class PlaybookAutomation extends pulumi.ComponentResource {
    public readonly automationRule: securityinsights.AutomationRule;

    constructor(name: string, args: PlaybookAutomationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pimguard:index:PlaybookAutomation", name, {}, opts);

        const sentinelRunner = this.grantSentinelAutomationContributor(name, args);
        this.automationRule = new securityinsights.AutomationRule(
            name,
            {
                workspaceName: args.workspace.name,
                resourceGroupName: args.workspace.resourceGroupName,
                automationRuleId: guidInWorkspace(args.workspace, "automation-rule", name),
                displayName: "pimguard: remove directory roles assigned outside PIM",
                // Before other automation, so nothing closes the incident before the playbook runs.
                order: 1,
                triggeringLogic: {
                    isEnabled: true,
                    triggersOn: securityinsights.TriggersOn.Incidents,
                    triggersWhen: securityinsights.TriggersWhen.Created,
                    conditions: [
                        {
                            conditionType: "Property",
                            conditionProperties: {
                                propertyName: securityinsights.AutomationRulePropertyConditionSupportedProperty.IncidentRelatedAnalyticRuleIds,
                                operator: securityinsights.AutomationRulePropertyConditionSupportedOperator.Contains,
                                propertyValues: [args.ruleResourceId],
                            },
                        },
                    ],
                },
                actions: [
                    {
                        actionType: "RunPlaybook",
                        order: 1,
                        actionConfiguration: { logicAppResourceId: args.workflowId, tenantId: args.tenantId },
                    },
                ],
            },
            // Sentinel checks its right to run the playbook when the rule is saved.
            { parent: this, dependsOn: [sentinelRunner] },
        );

        this.registerOutputs({ automationRuleId: this.automationRule.id });
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
