import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "./components/config";
import { PimGuard } from "./components/pim-guard";

// Validate every pimguard:* key before declaring anything: a bad value stops the preview here.
const settings = parseStackConfig(pulumi.runtime.allConfig());

const guard = new PimGuard("pimguard", {
    workspace: { name: settings.workspaceName, resourceGroupName: settings.workspaceResourceGroup },
    resourceGroupName: settings.resourceGroupName,
    privilegedRoles: settings.privilegedRoles.map((role) => role.templateId),
    exemptPrincipals: settings.exemptPrincipals,
    privilegedGroups: settings.privilegedGroups,
    mode: settings.mode,
    removalMethod: settings.removalMethod,
    revokeSessions: settings.revokeSessions,
    closeIncidents: settings.closeIncidents,
    ruleFrequencyMinutes: settings.ruleFrequencyMinutes,
    detection: settings.detection,
    sweepIntervalMinutes: settings.sweepIntervalMinutes,
    sweepMaxRemovals: settings.sweepMaxRemovals,
    notificationWebhookUrl: settings.notificationWebhookUrl === undefined ? undefined : pulumi.secret(settings.notificationWebhookUrl),
    streamAuditLogs: settings.streamAuditLogs,
    tags: settings.tags,
});

export const ruleId = guard.ruleId;
export const ruleResourceId = guard.ruleResourceId;
export const groupMembershipRuleResourceId = guard.groupMembershipRuleResourceId;
export const automationRuleId = guard.automationRuleId;
export const playbookId = guard.playbookId;
export const sweepId = guard.sweepId;
export const identityPrincipalId = guard.identityPrincipalId;
export const identityClientId = guard.identityClientId;
export const vaultUri = guard.vaultUri;
export const resourceGroupName = guard.resourceGroupName;
export const privilegedRolesWatchlistAlias = guard.privilegedRolesWatchlistAlias;
export const exemptPrincipalsWatchlistAlias = guard.exemptPrincipalsWatchlistAlias;
export const mode = settings.mode;
