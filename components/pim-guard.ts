import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import { AuditLogStreaming } from "./audit-log-streaming";
import { resourceGroupId } from "./azure-ids";
import { GuardPolicy, GuardPolicyArgs, guardPolicyFromArgs } from "./config";
import { DetectionRule } from "./detection-rule";
import { exemptPrincipalsWatchlistAlias, privilegedRolesWatchlistAlias } from "./names";
import { PlaybookAutomation } from "./playbook-automation";
import { PlaybookIdentity } from "./playbook-identity";
import { RemediationPlaybook } from "./remediation-playbook";
import { ExistingVault, SecretsVault } from "./secrets-vault";
import { SentinelWatchlist, SentinelWorkspace } from "./sentinel-watchlist";

export interface PimGuardArgs extends GuardPolicyArgs {
    /** An existing Log Analytics workspace with Microsoft Sentinel enabled, receiving Entra AuditLogs. */
    workspace: SentinelWorkspace;
    /** Resource group for the identity, vault and playbook. Omit to create one beside the workspace. */
    resourceGroupName?: pulumi.Input<string>;
    /** Webhook the playbook posts a summary to; stored in Key Vault. Pass a Pulumi secret. */
    notificationWebhookUrl?: pulumi.Input<string>;
    /** Create the tenant diagnostic setting that streams Entra AuditLogs to the workspace. Default false. */
    streamAuditLogs?: boolean;
    /** Use this Key Vault instead of creating one. */
    vault?: ExistingVault;
    /** Tags for every taggable resource. */
    tags?: Record<string, string>;
}

/**
 * The whole guard for one tenant: Sentinel detects a directory role assigned outside PIM and a
 * Logic App, running as a managed identity, removes it and reports on the incident.
 */
export class PimGuard extends pulumi.ComponentResource {
    public readonly ruleId: pulumi.Output<string>;
    public readonly ruleResourceId: pulumi.Output<string>;
    public readonly automationRuleId: pulumi.Output<string>;
    public readonly playbookId: pulumi.Output<string>;
    public readonly identityPrincipalId: pulumi.Output<string>;
    public readonly identityClientId: pulumi.Output<string>;
    public readonly vaultUri: pulumi.Output<string>;
    public readonly resourceGroupName: pulumi.Output<string>;
    public readonly privilegedRolesWatchlistAlias: string;
    public readonly exemptPrincipalsWatchlistAlias: string;
    /** The policy as deployed, after defaults and validation. */
    public readonly policy: GuardPolicy;

    constructor(name: string, args: PimGuardArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before registering anything, so bad input declares no resource at all.
        const policy = guardPolicyFromArgs(args, "PimGuardArgs");
        super("pimguard:index:PimGuard", name, {}, opts);
        this.policy = policy;

        const client = authorization.getClientConfigOutput({ parent: this });
        const workspace = operationalinsights.getWorkspaceOutput(
            { workspaceName: args.workspace.name, resourceGroupName: args.workspace.resourceGroupName },
            { parent: this },
        );
        // Everything lives in the workspace's region, so incident data stays where it is.
        const location = workspace.location;
        const playbookGroup = this.playbookResourceGroup(name, args, location, client.subscriptionId);

        const privilegedRolesWatchlist = new SentinelWatchlist(`${name}-privileged-roles`, privilegedRolesWatchlistArgs(args.workspace, policy), { parent: this });
        const exemptPrincipalsWatchlist = new SentinelWatchlist(`${name}-exempt-principals`, exemptPrincipalsWatchlistArgs(args.workspace, policy), { parent: this });
        const vault = new SecretsVault(
            `${name}-vault`,
            {
                resourceGroupName: playbookGroup.name,
                location,
                tenantId: client.tenantId,
                existingVault: args.vault,
                notificationWebhookUrl: args.notificationWebhookUrl,
                tags: args.tags,
            },
            { parent: this },
        );
        const identity = new PlaybookIdentity(
            `${name}-identity`,
            {
                resourceGroupName: playbookGroup.name,
                location,
                subscriptionId: client.subscriptionId,
                workspaceId: workspace.id,
                vaultId: vault.vaultId,
                tags: args.tags,
            },
            { parent: this },
        );
        const detection = new DetectionRule(
            `${name}-detection`,
            { workspace: args.workspace, ruleFrequencyMinutes: policy.ruleFrequencyMinutes },
            // The query reads both watchlists; create them first so the rule validates.
            { parent: this, dependsOn: [privilegedRolesWatchlist, exemptPrincipalsWatchlist] },
        );
        const playbook = new RemediationPlaybook(
            `${name}-playbook`,
            {
                resourceGroupName: playbookGroup.name,
                location,
                subscriptionId: client.subscriptionId,
                identityResourceId: identity.resourceId,
                mode: policy.mode,
                revokeSessions: policy.revokeSessions,
                closeIncidents: policy.closeIncidents,
                exemptPrincipalIds: policy.exemptPrincipals.map((principal) => principal.id),
                keyVaultUri: vault.vaultUri,
                notificationSecretName: vault.notificationSecretName,
                tags: args.tags,
            },
            { parent: this, dependsOn: [identity] },
        );
        const automation = new PlaybookAutomation(
            `${name}-automation`,
            {
                workspace: args.workspace,
                subscriptionId: client.subscriptionId,
                tenantId: client.tenantId,
                ruleResourceId: detection.ruleResourceId,
                workflowId: playbook.workflowId,
                playbookResourceGroupId: playbookGroup.id,
            },
            { parent: this },
        );
        if (args.streamAuditLogs) {
            new AuditLogStreaming(`${name}-auditlogs`, { workspaceId: workspace.id }, { parent: this });
        }

        this.ruleId = detection.ruleId;
        this.ruleResourceId = detection.ruleResourceId;
        this.automationRuleId = automation.automationRule.id;
        this.playbookId = playbook.workflowId;
        this.identityPrincipalId = identity.principalId;
        this.identityClientId = identity.clientId;
        this.vaultUri = vault.vaultUri;
        this.resourceGroupName = playbookGroup.name;
        this.privilegedRolesWatchlistAlias = privilegedRolesWatchlist.alias;
        this.exemptPrincipalsWatchlistAlias = exemptPrincipalsWatchlist.alias;
        this.registerOutputs({
            ruleId: this.ruleId,
            ruleResourceId: this.ruleResourceId,
            automationRuleId: this.automationRuleId,
            playbookId: this.playbookId,
            identityPrincipalId: this.identityPrincipalId,
            identityClientId: this.identityClientId,
            vaultUri: this.vaultUri,
            resourceGroupName: this.resourceGroupName,
            privilegedRolesWatchlistAlias: this.privilegedRolesWatchlistAlias,
            exemptPrincipalsWatchlistAlias: this.exemptPrincipalsWatchlistAlias,
        });
    }

    /** The group the user named, or a new one in the workspace's region. */
    private playbookResourceGroup(
        name: string,
        args: PimGuardArgs,
        location: pulumi.Input<string>,
        subscriptionId: pulumi.Input<string>,
    ): { name: pulumi.Output<string>; id: pulumi.Output<string> } {
        if (args.resourceGroupName !== undefined) {
            const groupName = pulumi.output(args.resourceGroupName);
            return { name: groupName, id: pulumi.all([subscriptionId, groupName]).apply(([subscription, group]) => resourceGroupId(subscription, group)) };
        }
        const group = new resources.ResourceGroup(name, { location, tags: args.tags }, { parent: this });
        return { name: group.name, id: group.id };
    }
}

function privilegedRolesWatchlistArgs(workspace: SentinelWorkspace, policy: GuardPolicy) {
    return {
        workspace,
        alias: privilegedRolesWatchlistAlias,
        displayName: "pimguard - privileged directory roles",
        description: "Directory roles pimguard enforces: assignments outside PIM are removed. Managed by Pulumi; edit the stack config, not this list.",
        columns: ["RoleTemplateId", "RoleName"],
        searchKey: "RoleTemplateId",
        rows: policy.privilegedRoles.map((role) => ({ RoleTemplateId: role.templateId, RoleName: role.name })),
    };
}

function exemptPrincipalsWatchlistArgs(workspace: SentinelWorkspace, policy: GuardPolicy) {
    return {
        workspace,
        alias: exemptPrincipalsWatchlistAlias,
        displayName: "pimguard - exempt principals - break-glass",
        description: "Principals pimguard alerts on but never removes. Managed by Pulumi; edit the stack config, not this list.",
        columns: ["PrincipalId", "Reason"],
        searchKey: "PrincipalId",
        rows: policy.exemptPrincipals.map((principal) => ({ PrincipalId: principal.id, Reason: principal.reason })),
    };
}
