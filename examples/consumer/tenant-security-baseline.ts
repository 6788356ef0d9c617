import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as resources from "@pulumi/azure-native/resources";
import { DirectoryRole, ExistingVault, Mode, PimGuard, privilegedBuiltInRoles } from "pimguard";

export interface TenantSecurityBaselineArgs {
    /** Region of the baseline's resource group: the Sentinel workspace's region. */
    location: string;
    /** The tenant's Sentinel workspace, which already receives Entra AuditLogs. */
    workspace: { name: string; resourceGroupName: string };
    /** The security team's existing Key Vault. pimguard stores its webhook secret there instead of creating a vault. */
    keyVault: { name: string; resourceGroupName: string };
    /** Emergency-access accounts: alerted on, never removed. */
    breakGlassObjectIds: string[];
    /** The tenant's own custom directory roles, enforced beside the built-in ones. */
    customTier0Roles: DirectoryRole[];
    /** pimguard's mode; new tenants run `reportOnly` until the alerts have been reviewed. */
    mode: Mode;
    /** Optional webhook for pimguard's run summaries. Pass a Pulumi secret. */
    notificationWebhookUrl?: pulumi.Input<string>;
}

/** Built-in roles Contoso holds only through PIM, beyond those Microsoft labels privileged. */
const contosoWatchedBuiltInRoles = ["Exchange Administrator", "SharePoint Administrator", "Teams Administrator"];

const contosoTags = { owner: "security-operations", tier: "0" };

/**
 * Contoso's security baseline for one tenant: a Tier-0 resource group, named by Contoso's
 * conventions, holding pimguard's identity and playbook, with Contoso's role list and vault.
 */
export class TenantSecurityBaseline extends pulumi.ComponentResource {
    public readonly resourceGroupName: pulumi.Output<string>;
    public readonly playbookId: pulumi.Output<string>;
    public readonly ruleId: pulumi.Output<string>;
    public readonly identityPrincipalId: pulumi.Output<string>;

    constructor(name: string, args: TenantSecurityBaselineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("contoso:security:TenantSecurityBaseline", name, {}, opts);

        const tier0Group = new resources.ResourceGroup(
            `${name}-tier0`,
            { resourceGroupName: `rg-${name}-tier0-security`, location: args.location, tags: contosoTags },
            { parent: this },
        );
        const guard = new PimGuard(
            `${name}-pim`,
            {
                workspace: args.workspace,
                resourceGroupName: tier0Group.name,
                privilegedRoles: [...privilegedBuiltInRoles.map((role) => role.templateId), ...contosoWatchedBuiltInRoles],
                customRoles: args.customTier0Roles,
                exemptPrincipals: args.breakGlassObjectIds.map((id) => ({ id, reason: "Contoso emergency-access account (runbook SEC-017)" })),
                mode: args.mode,
                vault: this.existingVault(args.keyVault),
                notificationWebhookUrl: args.notificationWebhookUrl,
                tags: contosoTags,
            },
            { parent: this },
        );

        this.resourceGroupName = tier0Group.name;
        this.playbookId = guard.playbookId;
        this.ruleId = guard.ruleId;
        this.identityPrincipalId = guard.identityPrincipalId;
        this.registerOutputs({
            resourceGroupName: this.resourceGroupName,
            playbookId: this.playbookId,
            ruleId: this.ruleId,
            identityPrincipalId: this.identityPrincipalId,
        });
    }

    private existingVault(vault: { name: string; resourceGroupName: string }): ExistingVault {
        const found = keyvault.getVaultOutput({ vaultName: vault.name, resourceGroupName: vault.resourceGroupName }, { parent: this });
        return {
            id: found.id,
            name: found.name,
            resourceGroupName: vault.resourceGroupName,
            vaultUri: found.properties.apply((properties) => {
                if (!properties.vaultUri) {
                    throw new Error(`Key Vault ${vault.name} in ${vault.resourceGroupName} has no vault URI`);
                }
                return properties.vaultUri;
            }),
        };
    }
}
