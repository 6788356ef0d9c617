import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import { AuditLogStreaming } from "./audit-log-streaming";
import { resourceGroupId } from "./azure-ids";
import { GuardPolicy, GuardPolicyArgs, guardPolicyFromArgs, Tags } from "./config";
import { DetectionRule } from "./detection-rule";
import { GroupMembershipRule } from "./group-membership-rule";
import { exemptPrincipalsWatchlistAlias, privilegedGroupsWatchlistAlias, privilegedRolesWatchlistAlias } from "./names";
import { PlaybookAutomation } from "./playbook-automation";
import { PlaybookIdentity } from "./playbook-identity";
import { ReconcileSweep } from "./reconcile-sweep";
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
    // The child components are getters, not fields: see PimGuardChildren below.
    /** The watchlist of the roles enforced. */
    get privilegedRolesWatchlist(): SentinelWatchlist {
        return childrenOf(this).privilegedRolesWatchlist;
    }
    /** The watchlist of break-glass principals. */
    get exemptPrincipalsWatchlist(): SentinelWatchlist {
        return childrenOf(this).exemptPrincipalsWatchlist;
    }
    /** The Key Vault (created, or the one passed in) holding the webhook secret. */
    get secretsVault(): SecretsVault {
        return childrenOf(this).secretsVault;
    }
    /** The playbook's managed identity and its grants. */
    get identity(): PlaybookIdentity {
        return childrenOf(this).identity;
    }
    /** The analytics rule: scheduled, or near-real-time with `detection: "nrt"`. */
    get detectionRule(): DetectionRule {
        return childrenOf(this).detectionRule;
    }
    /** The Logic App and its Sentinel connection. */
    get playbook(): RemediationPlaybook {
        return childrenOf(this).playbook;
    }
    /** The automation rule that runs the playbook. */
    get automation(): PlaybookAutomation {
        return childrenOf(this).automation;
    }
    /** The tenant's AuditLogs diagnostic setting, when `streamAuditLogs` is on. */
    get auditLogStreaming(): AuditLogStreaming | undefined {
        return childrenOf(this).auditLogStreaming;
    }
    /** The scheduled rule that raises an incident when someone switches part of pimguard off. */
    get tamperDetection(): TamperDetectionRule {
        return childrenOf(this).tamperDetection;
    }
    /** The watchlist of privileged groups, when `privilegedGroups` lists any. */
    get privilegedGroupsWatchlist(): SentinelWatchlist | undefined {
        return childrenOf(this).privilegedGroupsWatchlist;
    }
    /** The analytics rule for members and owners added to privileged groups outside PIM, when `privilegedGroups` lists any. */
    get groupMembershipRule(): GroupMembershipRule | undefined {
        return childrenOf(this).groupMembershipRule;
    }
    /** The sweep, the safety net for missed alerts; undefined when `sweepIntervalMinutes` is 0. */
    get sweep(): ReconcileSweep | undefined {
        return childrenOf(this).sweep;
    }
    /** The analytics rule's GUID in the workspace. */
    public readonly ruleId: pulumi.Output<string>;
    /** The analytics rule's ARM id. */
    public readonly ruleResourceId: pulumi.Output<string>;
    /** The group-membership rule's ARM id, as Sentinel names it in incidents, when `privilegedGroups` lists any group. */
    public readonly groupMembershipRuleResourceId?: pulumi.Output<string>;
    /** The automation rule's ARM id. */
    public readonly automationRuleId: pulumi.Output<string>;
    /** The sweep's Logic App ARM id; undefined when the sweep is off. */
    public readonly sweepId?: pulumi.Output<string>;
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

        const privilegedRolesWatchlist = new SentinelWatchlist(`${name}-privileged-roles`, privilegedRolesWatchlistArgs(args.workspace, policy), {
            parent: this,
        });
        const exemptPrincipalsWatchlist = new SentinelWatchlist(`${name}-exempt-principals`, exemptPrincipalsWatchlistArgs(args.workspace, policy), {
            parent: this,
        });
        const secretsVault = new SecretsVault(
            `${name}-vault`,
            { ...placement, tenantId: client.tenantId, existingVault: args.vault, notificationWebhookUrl: args.notificationWebhookUrl },
            { parent: this },
        );
        const identity = new PlaybookIdentity(
            `${name}-identity`,
            {
                ...placement,
                subscriptionId: client.subscriptionId,
                workspaceId: workspace.id,
                vaultId: secretsVault.vaultId,
                removalMethod: policy.removalMethod,
                guardsPrivilegedGroups: policy.privilegedGroups.length > 0,
            },
            { parent: this },
        );
        const detectionRule = new DetectionRule(
            `${name}-detection`,
            { workspace: args.workspace, ruleFrequencyMinutes: policy.ruleFrequencyMinutes, detection: policy.detection },
            // The query reads both watchlists; create them first so the rule validates.
            { parent: this, dependsOn: [privilegedRolesWatchlist, exemptPrincipalsWatchlist] },
        );
        const groupMembership =
            policy.privilegedGroups.length > 0 ? this.groupMembershipDetection(name, args.workspace, policy, exemptPrincipalsWatchlist) : undefined;
        // The playbook acts on, and the automation rules run it for, incidents of these rules only.
        const ruleResourceIds = [detectionRule.ruleResourceId, ...(groupMembership ? [groupMembership.rule.ruleResourceId] : [])];
        const playbook = new RemediationPlaybook(
            `${name}-playbook`,
            {
                ...placement,
                ...playbookPolicyArgs(policy),
                subscriptionId: client.subscriptionId,
                identityResourceId: identity.resourceId,
                analyticsRuleIds: ruleResourceIds,
                keyVaultUri: secretsVault.vaultUri,
                notificationSecretName: secretsVault.notificationSecretName,
            },
            { parent: this, dependsOn: [identity] },
        );
        const automation = new PlaybookAutomation(
            `${name}-automation`,
            {
                workspace: args.workspace,
                subscriptionId: client.subscriptionId,
                tenantId: client.tenantId,
                ruleResourceIds,
                workflowId: playbook.workflowId,
                playbookResourceGroupId: playbookGroup.id,
            },
            { parent: this },
        );
        const sweep = policy.sweepIntervalMinutes > 0 ? this.reconcileSweep(name, policy, placement, identity, playbook, workspace.id) : undefined;
        const auditLogStreaming = args.streamAuditLogs
            ? new AuditLogStreaming(`${name}-auditlogs`, { workspaceId: workspace.id }, { parent: this })
            : undefined;
        const tamperDetection = new TamperDetectionRule(
            `${name}-tamper-detection`,
            {
                workspace: args.workspace,
                deployerObjectId: client.objectId,
                playbookIdentityObjectId: identity.principalId,
                guardedResourceIds: [
                    detectionRule.ruleResourceId,
                    automation.automationRule.id,
                    automation.alertsAddedRule.id,
                    privilegedRolesWatchlist.watchlist.id,
                    exemptPrincipalsWatchlist.watchlist.id,
                    playbook.workflowId,
                    playbook.sentinelConnection.id,
                    identity.resourceId,
                    playbookGroup.id,
                    ...(groupMembership ? [groupMembership.rule.ruleResourceId, groupMembership.watchlist.watchlist.id] : []),
                    ...(sweep ? [sweep.workflowId] : []),
                ],
            },
            { parent: this },
        );
        childrenByGuard.set(this, {
            privilegedRolesWatchlist,
            exemptPrincipalsWatchlist,
            secretsVault,
            identity,
            detectionRule,
            playbook,
            automation,
            auditLogStreaming,
            tamperDetection,
            privilegedGroupsWatchlist: groupMembership?.watchlist,
            groupMembershipRule: groupMembership?.rule,
            sweep,
        });

        this.ruleId = detectionRule.ruleId;
        this.ruleResourceId = detectionRule.ruleResourceId;
        this.groupMembershipRuleResourceId = groupMembership?.rule.ruleResourceId;
        this.automationRuleId = automation.automationRule.id;
        this.playbookId = playbook.workflowId;
        this.sweepId = sweep?.workflowId;
        this.identityPrincipalId = identity.principalId;
        this.identityClientId = identity.clientId;
        this.vaultUri = secretsVault.vaultUri;
        this.resourceGroupName = playbookGroup.name;
        this.privilegedRolesWatchlistAlias = privilegedRolesWatchlist.alias;
        this.exemptPrincipalsWatchlistAlias = exemptPrincipalsWatchlist.alias;
        this.registerOutputs({
            ruleId: this.ruleId,
            ruleResourceId: this.ruleResourceId,
            groupMembershipRuleResourceId: this.groupMembershipRuleResourceId,
            automationRuleId: this.automationRuleId,
            playbookId: this.playbookId,
            sweepId: this.sweepId,
            identityPrincipalId: this.identityPrincipalId,
            identityClientId: this.identityClientId,
            vaultUri: this.vaultUri,
            resourceGroupName: this.resourceGroupName,
            privilegedRolesWatchlistAlias: this.privilegedRolesWatchlistAlias,
            exemptPrincipalsWatchlistAlias: this.exemptPrincipalsWatchlistAlias,
        });
    }

    /**
     * The watchlist of privileged groups and the rule that reads it, declared only when the
     * policy lists a group: with none, no membership can be a privileged path.
     */
    private groupMembershipDetection(
        name: string,
        workspace: SentinelWorkspace,
        policy: GuardPolicy,
        exemptPrincipalsWatchlist: SentinelWatchlist,
    ): { watchlist: SentinelWatchlist; rule: GroupMembershipRule } {
        const watchlist = new SentinelWatchlist(`${name}-privileged-groups`, privilegedGroupsWatchlistArgs(workspace, policy), { parent: this });
        const rule = new GroupMembershipRule(
            `${name}-group-membership`,
            { workspace, ruleFrequencyMinutes: policy.ruleFrequencyMinutes, detection: policy.detection },
            // The query reads both watchlists; create them first so the rule validates.
            { parent: this, dependsOn: [watchlist, exemptPrincipalsWatchlist] },
        );
        return { watchlist, rule };
    }

    /** The sweep, run as the playbook's identity through the playbook's Sentinel connection. */
    private reconcileSweep(
        name: string,
        policy: GuardPolicy,
        placement: { resourceGroupName: pulumi.Input<string>; location: pulumi.Input<string>; tags?: Tags },
        identity: PlaybookIdentity,
        playbook: RemediationPlaybook,
        workspaceId: pulumi.Input<string>,
    ): ReconcileSweep {
        return new ReconcileSweep(
            `${name}-sweep`,
            {
                ...placement,
                ...playbookPolicyArgs(policy),
                identityResourceId: identity.resourceId,
                sentinelConnectionId: playbook.sentinelConnection.id,
                sentinelConnectionName: playbook.sentinelConnection.name,
                sentinelManagedApiId: playbook.sentinelManagedApiId,
                workspaceId,
                watchedRoles: policy.privilegedRoles,
                intervalMinutes: policy.sweepIntervalMinutes,
                maxRemovals: policy.sweepMaxRemovals,
            },
            { parent: this, dependsOn: [identity] },
        );
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

/**
 * PimGuard's child components, which TypeScript callers reach as `guard.identity` and so on.
 * They are getters over this map, not fields: Pulumi's schema analyzer turns every field of a
 * component into an output for Python, Go, .NET and YAML programs, and an output can reference
 * only a `@pulumi/*` package's resources, never another pimguard component.
 */
interface PimGuardChildren {
    privilegedRolesWatchlist: SentinelWatchlist;
    exemptPrincipalsWatchlist: SentinelWatchlist;
    secretsVault: SecretsVault;
    identity: PlaybookIdentity;
    detectionRule: DetectionRule;
    playbook: RemediationPlaybook;
    automation: PlaybookAutomation;
    auditLogStreaming: AuditLogStreaming | undefined;
    tamperDetection: TamperDetectionRule;
    privilegedGroupsWatchlist: SentinelWatchlist | undefined;
    groupMembershipRule: GroupMembershipRule | undefined;
    sweep: ReconcileSweep | undefined;
}

const childrenByGuard = new WeakMap<PimGuard, PimGuardChildren>();

function childrenOf(guard: PimGuard): PimGuardChildren {
    const children = childrenByGuard.get(guard);
    if (children === undefined) {
        throw new Error("PimGuard: a child component was read before the constructor declared it");
    }
    return children;
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
        privilegedGroups: policy.privilegedGroups,
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

/** Roles as template ids, joined by "; ": ids never change, while Microsoft has renamed roles. */
function privilegedGroupsWatchlistArgs(workspace: SentinelWorkspace, policy: GuardPolicy) {
    return {
        workspace,
        alias: privilegedGroupsWatchlistAlias,
        displayName: "pimguard - privileged groups - PIM for Groups",
        description:
            "Role-assignable groups allowed to hold these roles standing; their members and owners must come through PIM for Groups. " +
            "Managed by Pulumi; edit the stack config, not this list.",
        columns: ["GroupId", "Roles", "Reason"],
        searchKey: "GroupId",
        rows: policy.privilegedGroups.map((group) => ({ GroupId: group.id, Roles: group.roles.join("; "), Reason: group.reason })),
    };
}
