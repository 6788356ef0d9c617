import * as pulumi from "@pulumi/pulumi";
import { DirectoryRole, Mode } from "pimguard";
import { TenantSecurityBaseline } from "./tenant-security-baseline";

const config = new pulumi.Config();

const baseline = new TenantSecurityBaseline(pulumi.getStack(), {
    location: config.require("location"),
    workspace: { name: config.require("workspaceName"), resourceGroupName: config.require("workspaceResourceGroup") },
    keyVault: { name: config.require("keyVaultName"), resourceGroupName: config.require("keyVaultResourceGroup") },
    breakGlassObjectIds: config.requireObject<string[]>("breakGlassObjectIds"),
    customTier0Roles: config.getObject<DirectoryRole[]>("customTier0Roles") ?? [],
    // pimguard validates the mode (and every other policy value) before declaring anything.
    mode: (config.get("mode") ?? "reportOnly") as Mode,
    notificationWebhookUrl: config.getSecret("notificationWebhookUrl"),
});

export const resourceGroupName = baseline.resourceGroupName;
export const playbookId = baseline.playbookId;
export const ruleId = baseline.ruleId;
export const identityPrincipalId = baseline.identityPrincipalId;
