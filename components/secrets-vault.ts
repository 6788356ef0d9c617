import * as pulumi from "@pulumi/pulumi";
import { Tags } from "./config";
import * as keyvault from "@pulumi/azure-native/keyvault";
import { RandomString } from "@pulumi/random/randomString";

/** A vault pimguard did not create: it only adds its secret and grants the playbook read access. */
export interface ExistingVault {
    /** The vault's ARM id: the playbook's identity gets Key Vault Secrets User on it. */
    id: pulumi.Input<string>;
    /** The vault's name. */
    name: pulumi.Input<string>;
    /** The vault's resource group. */
    resourceGroupName: pulumi.Input<string>;
    /** e.g. `https://kv-example.vault.azure.net/` */
    vaultUri: pulumi.Input<string>;
}

export interface SecretsVaultArgs {
    /** Resource group of a vault pimguard creates (ignored with `existingVault`). */
    resourceGroupName: pulumi.Input<string>;
    /** Azure region of a vault pimguard creates. */
    location: pulumi.Input<string>;
    /** Entra tenant whose identities the vault trusts. */
    tenantId: pulumi.Input<string>;
    /** Use this vault instead of creating one. It should be in RBAC mode with purge protection. */
    existingVault?: ExistingVault;
    /** Stored as a Key Vault secret; the playbook reads it at run time. Keep it a Pulumi secret. */
    notificationWebhookUrl?: pulumi.Input<string>;
    /** Tags for the vault and the secret. */
    tags?: Tags;
}

/** The secret name the playbook reads the notification webhook URL from. */
export const notificationSecretName = "pimguard-notification-webhook";

/**
 * The Key Vault holding pimguard's only secret (the optional notification webhook URL):
 * RBAC authorization (no access policies to drift), soft delete and purge protection.
 */
export class SecretsVault extends pulumi.ComponentResource {
    public readonly vaultId: pulumi.Output<string>;
    public readonly vaultName: pulumi.Output<string>;
    public readonly vaultUri: pulumi.Output<string>;
    /** Empty when no webhook is configured: the playbook then skips notifying. */
    public readonly notificationSecretName: string;

    constructor(name: string, args: SecretsVaultArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pimguard:index:SecretsVault", name, {}, opts);

        const vault = args.existingVault ?? this.createVault(name, args);
        this.vaultId = pulumi.output(vault.id);
        this.vaultName = pulumi.output(vault.name);
        this.vaultUri = pulumi.output(vault.vaultUri);

        this.notificationSecretName = "";
        if (args.notificationWebhookUrl !== undefined) {
            new keyvault.Secret(
                `${name}-notification-webhook`,
                {
                    resourceGroupName: vault.resourceGroupName,
                    vaultName: vault.name,
                    secretName: notificationSecretName,
                    properties: { value: pulumi.secret(args.notificationWebhookUrl), contentType: "text/uri-list" },
                    tags: args.tags,
                },
                { parent: this, additionalSecretOutputs: ["properties"] },
            );
            this.notificationSecretName = notificationSecretName;
        }

        this.registerOutputs({ vaultId: this.vaultId, vaultUri: this.vaultUri });
    }

    private createVault(name: string, args: SecretsVaultArgs): ExistingVault {
        const suffix = new RandomString(`${name}-suffix`, { length: 6, special: false, upper: false, numeric: true }, { parent: this });
        const vault = new keyvault.Vault(
            name,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                vaultName: pulumi.interpolate`${vaultNamePrefix}${suffix.result}`,
                properties: {
                    tenantId: args.tenantId,
                    sku: { family: keyvault.SkuFamily.A, name: keyvault.SkuName.Standard },
                    enableRbacAuthorization: true,
                    // Unused in RBAC mode, but the API requires the property outside recover mode.
                    accessPolicies: [],
                    enableSoftDelete: true,
                    softDeleteRetentionInDays: 90,
                    enablePurgeProtection: true,
                    enabledForDeployment: false,
                    enabledForDiskEncryption: false,
                    enabledForTemplateDeployment: false,
                },
                tags: args.tags,
            },
            { parent: this },
        );
        return {
            id: vault.id,
            name: vault.name,
            resourceGroupName: args.resourceGroupName,
            vaultUri: vault.properties.apply((properties) => properties.vaultUri ?? ""),
        };
    }
}

/** 12 characters, + 6 random ones = 18: inside Key Vault's 3-24, globally unique in practice. */
export const vaultNamePrefix = "kv-pimguard-";
