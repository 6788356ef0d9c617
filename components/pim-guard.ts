import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import { AuditLogStreaming } from "./audit-log-streaming";
import { resourceGroupId } from "./azure-ids";
import { GuardPolicy, GuardPolicyArgs, guardPolicyFromArgs, Tags } from "./config";
import { DetectionRule } from "./detection-rule";
import { exemptPrincipalsWatchlistAlias, privilegedRolesWatchlistAlias } from "./names";
import { PlaybookAutomation } from "./playbook-automation";
import { PlaybookIdentity } from "./playbook-identity";
import { RemediationPlaybook } from "./remediation-playbook";
import { ExistingVault, SecretsVault } from "./secrets-vault";
import { SentinelWatchlist, SentinelWorkspace } from "./sentinel-watchlist";
import { TamperDetectionRule } from "./tamper-detection-rule";
import { claimAuditLogStreaming, claimWorkspace } from "./workspace-claims";

export interface PimGuardArgs extends GuardPolicyArgs {
    /** An existing Log Analytics workspace with Microsoft Sentinel enabled, receiving Entra AuditLogs. One PimGuard per workspace. */
    workspace: SentinelWorkspace;
    /** Resource group for the identity, vault and playbook. Omit to create one beside the workspace. */
    resourceGroupName?: pulumi.Input<string>;
    /** Webhook the playbook posts a summary to; stored in Key Vault. Pass a Pulumi secret. */
    notificationWebhookUrl?: pulumi.Input<string>;
    /** Create the tenant diagnostic setting that streams Entra AuditLogs to the workspace. Default false; one PimGuard per tenant. */
    streamAuditLogs?: boolean;
    /** Use this Key Vault instead of creating one. */
    vault?: ExistingVault;
    /** Tags for every taggable resource. */
    tags?: Tags;
}

/**
 * The whole guard for one tenant: Sentinel detects a directory role assigned outside PIM and a
 * Logic App, running as a managed identity, removes it and reports on the incident. One
 * PimGuard per Sentinel workspace: its watchlist aliases are fixed.
 */
export class PimGuard extends pulumi.ComponentResource {
    /** The watchlist of the roles enforced. */
    public readonly privilegedRolesWatchlist: SentinelWatchlist;
    /** The watchlist of break-glass principals. */
    public readonly exemptPrincipalsWatchlist: SentinelWatchlist;
    /** The Key Vault (created, or the one passed in) holding the webhook secret. */
    public readonly secretsVault: SecretsVault;
    /** The playbook's managed identity and its grants. */
    public readonly identity: PlaybookIdentity;
    /** The analytics rule: scheduled, or near-real-time with `detection: "nrt"`. */
    public readonly detectionRule: DetectionRule;
    /** The Logic App and its Sentinel connection. */
    public readonly playbook: RemediationPlaybook;
    /** The automation rule that runs the playbook. */
    public readonly automation: PlaybookAutomation;
    /** The tenant's AuditLogs diagnostic setting, when `streamAuditLogs` is on. */
    public readonly auditLogStreaming?: AuditLogStreaming;
    /** The scheduled rule that raises an incident when someone switches part of pimguard off. */
    public readonly tamperDetection: TamperDetectionRule;
    /** The analytics rule's GUID in the workspace. */
    public readonly ruleId: pulumi.Output<string>;
    /** The analytics rule's ARM id. */
    public readonly ruleResourceId: pulumi.Output<string>;
    /** The automation rule's ARM id. */
    public readonly automationRuleId: pulumi.Output<string>;
    /** The Logic App's ARM id. */
    public readonly playbookId: pulumi.Output<string>;
    /** The managed identity's object id (what Graph grants are made to). */
    public readonly identityPrincipalId: pulumi.Output<string>;
    /** The managed identity's client id. */
    public readonly identityClientId: pulumi.Output<string>;
    /** The Key Vault's URI. */
    public readonly vaultUri: pulumi.Output<string>;
    /** The resource group of the identity, vault and playbook. */
    public readonly resourceGroupName: pulumi.Output<string>;
    /** `PimGuardPrivilegedRoles`. */
    public readonly privilegedRolesWatchlistAlias: string;
    /** `PimGuardExemptPrincipals`. */
    public readonly exemptPrincipalsWatchlistAlias: string;
    /** The policy as deployed, after defaults and validation. */
    public readonly policy: GuardPolicy;

    constructor(name: string, args: PimGuardArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before registering anything, so bad input declares no resource at all.
        const policy = guardPolicyFromArgs(args, "PimGuardArgs");
        claimWorkspace(name, args.workspace);
        if (args.streamAuditLogs) {
            claimAuditLogStreaming(name);
        }
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
        const placement = { resourceGroupName: playbookGroup.name, location, tags: args.tags };

        this.privilegedRolesWatchlist = new SentinelWatchlist(`${name}-privileged-roles`, privilegedRolesWatchlistArgs(args.workspace, policy), {
            parent: this,
        });
        this.exemptPrincipalsWatchlist = new SentinelWatchlist(`${name}-exempt-principals`, exemptPrincipalsWatchlistArgs(args.workspace, policy), {
            parent: this,
        });
        this.secretsVault = new SecretsVault(
            `${name}-vault`,
            { ...placement, tenantId: client.tenantId, existingVault: args.vault, notificationWebhookUrl: args.notificationWebhookUrl },
            { parent: this },
        );
        this.identity = new PlaybookIdentity(
            `${name}-identity`,
            {
                ...placement,
                subscriptionId: client.subscriptionId,
                workspaceId: workspace.id,
                vaultId: this.secretsVault.vaultId,
                removalMethod: policy.removalMethod,
            },
            { parent: this },
        );
        this.detectionRule = new DetectionRule(
            `${name}-detection`,
            { workspace: args.workspace, ruleFrequencyMinutes: policy.ruleFrequencyMinutes, detection: policy.detection },
            // The query reads both watchlists; create them first so the rule validates.
            { parent: this, dependsOn: [this.privilegedRolesWatchlist, this.exemptPrincipalsWatchlist] },
        );
        this.playbook = new RemediationPlaybook(
            `${name}-playbook`,
            {
                ...placement,
                ...playbookPolicyArgs(policy),
                subscriptionId: client.subscriptionId,
                identityResourceId: this.identity.resourceId,
                analyticsRuleId: this.detectionRule.ruleResourceId,
                keyVaultUri: this.secretsVault.vaultUri,
                notificationSecretName: this.secretsVault.notificationSecretName,
            },
            { parent: this, dependsOn: [this.identity] },
        );
        this.automation = new PlaybookAutomation(
            `${name}-automation`,
            {
                workspace: args.workspace,
                subscriptionId: client.subscriptionId,
                tenantId: client.tenantId,
                ruleResourceId: this.detectionRule.ruleResourceId,
                workflowId: this.playbook.workflowId,
                playbookResourceGroupId: playbookGroup.id,
            },
            { parent: this },
        );
        if (args.streamAuditLogs) {
            this.auditLogStreaming = new AuditLogStreaming(`${name}-auditlogs`, { workspaceId: workspace.id }, { parent: this });
        }
        this.tamperDetection = new TamperDetectionRule(
            `${name}-tamper-detection`,
            {
                workspace: args.workspace,
                deployerObjectId: client.objectId,
                playbookIdentityObjectId: this.identity.principalId,
                guardedResourceIds: [
                    this.detectionRule.ruleResourceId,
                    this.automation.automationRule.id,
                    this.automation.alertsAddedRule.id,
                    this.privilegedRolesWatchlist.watchlist.id,
                    this.exemptPrincipalsWatchlist.watchlist.id,
                    this.playbook.workflowId,
                    this.playbook.sentinelConnection.id,
                    this.identity.resourceId,
                    playbookGroup.id,
                ],
            },
            { parent: this },
        );

        this.ruleId = this.detectionRule.ruleId;
        this.ruleResourceId = this.detectionRule.ruleResourceId;
        this.automationRuleId = this.automation.automationRule.id;
        this.playbookId = this.playbook.workflowId;
        this.identityPrincipalId = this.identity.principalId;
        this.identityClientId = this.identity.clientId;
        this.vaultUri = this.secretsVault.vaultUri;
        this.resourceGroupName = playbookGroup.name;
        this.privilegedRolesWatchlistAlias = this.privilegedRolesWatchlist.alias;
        this.exemptPrincipalsWatchlistAlias = this.exemptPrincipalsWatchlist.alias;
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

/** The playbook's share of the policy. */
function playbookPolicyArgs(policy: GuardPolicy) {
    return {
        mode: policy.mode,
        removalMethod: policy.removalMethod,
        watchedRoleTemplateIds: policy.privilegedRoles.map((role) => role.templateId),
        revokeSessions: policy.revokeSessions,
        closeIncidents: policy.closeIncidents,
        exemptPrincipalIds: policy.exemptPrincipals.map((principal) => principal.id),
    };
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
