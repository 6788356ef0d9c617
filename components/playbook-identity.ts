import * as pulumi from "@pulumi/pulumi";
import { RemovalMethod, Tags } from "./config";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { AppRoleAssignment } from "@pulumi/azuread/appRoleAssignment";
import { getServicePrincipalOutput } from "@pulumi/azuread/getServicePrincipal";
import { azureRoleIds, microsoftAppIds, playbookGraphAppRoles, roleDefinitionId } from "./azure-ids";
import { deterministicGuid } from "./deterministic-guid";

export interface PlaybookIdentityArgs {
    /** Resource group of the identity: Tier 0, like the playbook beside it. */
    resourceGroupName: pulumi.Input<string>;
    /** Azure region of the identity. */
    location: pulumi.Input<string>;
    /** Subscription of the Azure role definitions granted to the identity. */
    subscriptionId: pulumi.Input<string>;
    /** The Sentinel workspace's ARM id: the identity may respond to incidents there. */
    workspaceId: pulumi.Input<string>;
    /** The Key Vault's ARM id: the identity may read its secrets. */
    vaultId: pulumi.Input<string>;
    /** How the playbook removes assignments, which decides the Graph permission it gets for it. Default `adminRemove` (remove-only). */
    removalMethod?: RemovalMethod;
    /** True when privileged groups are configured: the identity may then read and remove (only) PIM for Groups memberships. Default false. */
    guardsPrivilegedGroups?: boolean;
    /** Tags for the identity. */
    tags?: Tags;
}

/**
 * The playbook's user-assigned managed identity and exactly the access it needs: Graph
 * application permissions to read PIM's view of active assignments, remove them (remove-only),
 * read user types and revoke sessions; Sentinel Responder on the workspace; Key Vault Secrets
 * User on the vault. Nothing at subscription scope, and by default no permission that can grant
 * a role. It can still strip roles from anyone, so it is Tier 0.
 */
export class PlaybookIdentity extends pulumi.ComponentResource {
    public readonly identity: managedidentity.UserAssignedIdentity;
    public readonly resourceId: pulumi.Output<string>;
    public readonly principalId: pulumi.Output<string>;
    public readonly clientId: pulumi.Output<string>;

    constructor(name: string, args: PlaybookIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pimguard:index:PlaybookIdentity", name, {}, opts);

        this.identity = new managedidentity.UserAssignedIdentity(
            name,
            { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
            { parent: this },
        );
        this.resourceId = this.identity.id;
        this.principalId = this.identity.principalId;
        this.clientId = this.identity.clientId;

        this.grantGraphAppRoles(name, playbookGraphAppRoles(args.removalMethod ?? "adminRemove", args.guardsPrivilegedGroups ?? false));
        this.grantAzureRole(`${name}-sentinel-responder`, args, args.workspaceId, azureRoleIds.sentinelResponder);
        this.grantAzureRole(`${name}-vault-secrets-user`, args, args.vaultId, azureRoleIds.keyVaultSecretsUser);

        this.registerOutputs({ resourceId: this.resourceId, principalId: this.principalId, clientId: this.clientId });
    }

    /** App role ids are looked up by permission value on the tenant's Graph service principal. */
    private grantGraphAppRoles(name: string, permissions: readonly string[]): void {
        const graph = getServicePrincipalOutput({ clientId: microsoftAppIds.graph }, { parent: this });
        for (const permission of permissions) {
            new AppRoleAssignment(
                `${name}-graph-${permission}`,
                {
                    appRoleId: graph.appRoleIds.apply((ids) => appRoleIdFor(ids, permission)),
                    principalObjectId: this.identity.principalId,
                    resourceObjectId: graph.objectId,
                },
                { parent: this },
            );
        }
    }

    private grantAzureRole(name: string, args: PlaybookIdentityArgs, scope: pulumi.Input<string>, roleId: string): authorization.RoleAssignment {
        return new authorization.RoleAssignment(
            name,
            {
                scope,
                roleDefinitionId: pulumi.output(args.subscriptionId).apply((subscription) => roleDefinitionId(subscription, roleId)),
                principalId: this.identity.principalId,
                // Skips the directory lookup that fails while a new identity is still replicating.
                principalType: authorization.PrincipalType.ServicePrincipal,
                roleAssignmentName: roleAssignmentName(scope, roleId, this.identity.principalId),
            },
            { parent: this },
        );
    }
}

/** Same scope, role and principal always give the same name, as ARM templates' guid() does. */
export function roleAssignmentName(scope: pulumi.Input<string>, roleId: string, principalId: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.all([scope, principalId]).apply(([scopeId, principal]) => deterministicGuid(scopeId.toLowerCase(), roleId, principal));
}

function appRoleIdFor(appRoleIds: Record<string, string>, permission: string): string {
    const id = appRoleIds[permission];
    if (id === undefined) {
        throw new Error(`Microsoft Graph's service principal has no app role "${permission}" in this tenant`);
    }
    return id;
}
