import * as pulumi from "@pulumi/pulumi";
import * as logic from "@pulumi/azure-native/logic";
import * as resources from "@pulumi/azure-native/resources";
import { checkReconcilePolicy, loadPlaybookDefinition, PlaybookParameterValues, workflowParameters } from "./playbook-definition";
import { Mode, PrivilegedGroup, RemovalMethod, Tags } from "./config";
import { sentinelConnectorName } from "./names";

/** What both Logic Apps (the playbook and the sweep) do about standing access: the deployment's policy. */
export interface ReconcilePolicyArgs {
    /** `remediate` removes standing access; `reportOnly` changes nothing and only says what it would remove. */
    mode: Mode;
    /** `adminRemove` (PIM's remove request, the default) or the opt-in `roleAssignmentDelete`. */
    removalMethod?: RemovalMethod;
    /** Revoke a user's sign-in sessions after removing access. */
    revokeSessions: boolean;
    /** Close the incident as True Positive when nothing standing is left. */
    closeIncidents: boolean;
    /** Object ids never removed (break-glass accounts), whatever an alert says; never honoured for a group. */
    exemptPrincipalIds: string[];
    /** Role-assignable groups allowed to hold watched roles standing, whose members and owners must come through PIM for Groups. Default none. */
    privilegedGroups?: PrivilegedGroup[];
}

export interface RemediationPlaybookArgs extends ReconcilePolicyArgs {
    /** Resource group of the Logic App and its Sentinel connection: Tier 0. */
    resourceGroupName: pulumi.Input<string>;
    /** Azure region of the Logic App; also picks the regional Sentinel managed API. */
    location: pulumi.Input<string>;
    /** Subscription of the Sentinel managed API the connection uses. */
    subscriptionId: pulumi.Input<string>;
    /** The user-assigned identity the workflow and its Sentinel connection run as. */
    identityResourceId: pulumi.Input<string>;
    /** The ARM ids of this stack's analytics rules: the playbook acts only on their incidents and alerts. */
    analyticsRuleIds: pulumi.Input<string>[];
    /** Template ids of the roles enforced; an alert about any other role is refused, whatever the watchlist says. */
    watchedRoleTemplateIds: string[];
    /** URI of the vault holding the notification secret, e.g. `https://kv-pimguard-ab12cd.vault.azure.net/`. */
    keyVaultUri: pulumi.Input<string>;
    /** Empty: no notification. */
    notificationSecretName: string;
    /** Tags for the Logic App and the connection. */
    tags?: Tags;
}

/**
 * The Logic App that removes out-of-PIM assignments, and the Sentinel API connection its
 * incident trigger and incident comments go through, both authenticated by the managed identity.
 */
export class RemediationPlaybook extends pulumi.ComponentResource {
    /** The Logic App. */
    public readonly workflow: logic.Workflow;
    /** The Sentinel API connection, authenticated by the managed identity; the sweep uses it too. */
    public readonly sentinelConnection: resources.Resource;
    /** The Logic App's ARM id. */
    public readonly workflowId: pulumi.Output<string>;
    /** The regional Sentinel managed API the connection is made for. */
    public readonly sentinelManagedApiId: pulumi.Output<string>;

    constructor(name: string, args: RemediationPlaybookArgs, opts?: pulumi.ComponentResourceOptions) {
        // The plain policy values are checked before anything is declared.
        checkReconcilePolicy(reconcilePolicyValues(args, args.watchedRoleTemplateIds));
        super("pimguard:index:RemediationPlaybook", name, {}, opts);
        const managedApiId = pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Web/locations/${args.location}/managedApis/${sentinelConnectorName}`;

        this.sentinelManagedApiId = managedApiId;
        this.sentinelConnection = this.declareSentinelConnection(name, args, managedApiId);
        this.workflow = new logic.Workflow(
            name,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                state: logic.WorkflowState.Enabled,
                // A Consumption Logic App holds one user-assigned identity; azure-native takes a list.
                identity: { type: logic.ManagedServiceIdentityType.UserAssigned, userAssignedIdentities: [args.identityResourceId] },
                definition: loadPlaybookDefinition(),
                parameters: pulumi
                    .all([
                        this.sentinelConnection.id,
                        this.sentinelConnection.name,
                        managedApiId,
                        args.identityResourceId,
                        args.keyVaultUri,
                        pulumi.all(args.analyticsRuleIds),
                    ])
                    .apply(([connectionId, connectionName, apiId, identityResourceId, keyVaultUri, analyticsRuleIds]) =>
                        armParameters({
                            ...reconcilePolicyValues(args, args.watchedRoleTemplateIds),
                            sentinelConnection: { connectionId, connectionName, managedApiId: apiId },
                            identityResourceId,
                            analyticsRuleIds,
                            keyVaultUri,
                            notificationSecretName: args.notificationSecretName,
                        }),
                    ),
                tags: args.tags,
            },
            { parent: this },
        );
        this.workflowId = this.workflow.id;

        this.registerOutputs({ workflowId: this.workflowId, sentinelConnectionId: this.sentinelConnection.id });
    }

    /**
     * `web.Connection` drops `parameterValueType`, without which the connector refuses managed
     * identity (pulumi-azure-native#2069), so the connection goes through the generic resource.
     */
    private declareSentinelConnection(name: string, args: RemediationPlaybookArgs, managedApiId: pulumi.Input<string>): resources.Resource {
        return new resources.Resource(
            `${name}-sentinel-connection`,
            {
                resourceGroupName: args.resourceGroupName,
                resourceProviderNamespace: "Microsoft.Web",
                parentResourcePath: "",
                resourceType: "connections",
                apiVersion: "2016-06-01",
                kind: "V1",
                location: args.location,
                properties: {
                    displayName: "pimguard: Microsoft Sentinel (managed identity)",
                    api: { id: managedApiId },
                    parameterValueType: "Alternative",
                },
                tags: args.tags,
            },
            { parent: this },
        );
    }
}

/** The deployment's policy as the reconcile parts read it, defaults applied. */
export function reconcilePolicyValues(args: ReconcilePolicyArgs, watchedRoleTemplateIds: string[]) {
    return {
        watchedRoleTemplateIds,
        removalMethod: args.removalMethod ?? "adminRemove",
        mode: args.mode,
        revokeSessions: args.revokeSessions,
        closeIncidents: args.closeIncidents,
        exemptPrincipalIds: args.exemptPrincipalIds,
        privilegedGroups: args.privilegedGroups ?? [],
    };
}

/** The definition's parameter values in the shape the workflow resource takes. */
function armParameters(values: PlaybookParameterValues): Record<string, { value: unknown }> {
    return Object.fromEntries(Object.entries(workflowParameters(values)));
}
