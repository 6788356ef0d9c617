import * as pulumi from "@pulumi/pulumi";
import * as logic from "@pulumi/azure-native/logic";
import { Tags } from "./config";
import { checkedSweepMaxRemovals, checkReconcilePolicy, loadSweepDefinition, sweepWorkflowParameters } from "./playbook-definition";
import { ReconcilePolicyArgs, reconcilePolicyValues } from "./remediation-playbook";
import { DirectoryRole } from "./roles";

export interface ReconcileSweepArgs extends ReconcilePolicyArgs {
    /** Resource group of the sweep's Logic App: Tier 0, like the playbook's. */
    resourceGroupName: pulumi.Input<string>;
    /** Azure region of the Logic App. */
    location: pulumi.Input<string>;
    /** The user-assigned identity the sweep runs as: the playbook's, with the same grants. */
    identityResourceId: pulumi.Input<string>;
    /** The playbook's Sentinel API connection (its ARM id), through which the sweep comments on and closes its incidents. */
    sentinelConnectionId: pulumi.Input<string>;
    /** That connection's name. */
    sentinelConnectionName: pulumi.Input<string>;
    /** The regional Sentinel managed API that connection is made for. */
    sentinelManagedApiId: pulumi.Input<string>;
    /** The Sentinel workspace's ARM id: the sweep raises one incident per finding there. */
    workspaceId: pulumi.Input<string>;
    /** The roles enforced: every active assignment of each is listed and reconciled. */
    watchedRoles: DirectoryRole[];
    /** Minutes between sweeps, 15 to 1440. */
    intervalMinutes: number;
    /** The brake: at most this many findings are remediated per run (1 to 50); the rest are reported and escalated. */
    maxRemovals: number;
    /** Tags for the Logic App. */
    tags?: Tags;
}

/**
 * The safety net for missed alerts: a Logic App on a recurrence that lists every active
 * assignment of every watched role (and every member and owner of every privileged group) and
 * reconciles what is standing with the playbook's own shared parts, reporting each finding on a
 * Sentinel incident of its own. It removes at most `maxRemovals` findings per run.
 */
export class ReconcileSweep extends pulumi.ComponentResource {
    /** The sweep's Logic App. */
    public readonly workflow: logic.Workflow;
    /** Its ARM id. */
    public readonly workflowId: pulumi.Output<string>;

    constructor(name: string, args: ReconcileSweepArgs, opts?: pulumi.ComponentResourceOptions) {
        // Plain values are checked before anything is declared; loading checks the interval.
        checkReconcilePolicy(reconcilePolicyValues(args, watchedRoleTemplateIds(args)));
        checkedSweepMaxRemovals(args.maxRemovals);
        const definition = loadSweepDefinition(args.intervalMinutes);
        super("pimguard:index:ReconcileSweep", name, {}, opts);

        this.workflow = new logic.Workflow(
            name,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                state: logic.WorkflowState.Enabled,
                identity: { type: logic.ManagedServiceIdentityType.UserAssigned, userAssignedIdentities: [args.identityResourceId] },
                definition,
                parameters: pulumi
                    .all([args.sentinelConnectionId, args.sentinelConnectionName, args.sentinelManagedApiId, args.identityResourceId, args.workspaceId])
                    .apply(([connectionId, connectionName, managedApiId, identityResourceId, workspaceResourceId]) =>
                        Object.fromEntries(
                            Object.entries(
                                sweepWorkflowParameters({
                                    ...reconcilePolicyValues(args, watchedRoleTemplateIds(args)),
                                    sentinelConnection: { connectionId, connectionName, managedApiId },
                                    identityResourceId,
                                    workspaceResourceId,
                                    watchedRoles: args.watchedRoles,
                                    maxRemovals: args.maxRemovals,
                                }),
                            ),
                        ),
                    ),
                tags: args.tags,
            },
            { parent: this },
        );
        this.workflowId = this.workflow.id;
        this.registerOutputs({ workflowId: this.workflowId });
    }
}

function watchedRoleTemplateIds(args: ReconcileSweepArgs): string[] {
    return args.watchedRoles.map((role) => role.templateId);
}
