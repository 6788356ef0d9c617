// The package entry point: everything a program importing pimguard composes.
export { PimGuard, PimGuardArgs } from "./pimGuard";
export { PlaybookIdentity, PlaybookIdentityArgs } from "./playbookIdentity";
export { SecretsVault, SecretsVaultArgs, ExistingVault, notificationSecretName } from "./secretsVault";
export { SentinelWatchlist, SentinelWatchlistArgs, SentinelWorkspace, watchlistItemId } from "./sentinelWatchlist";
export { DetectionRule, DetectionRuleArgs, customDetailColumns } from "./detectionRule";
export { RemediationPlaybook, RemediationPlaybookArgs } from "./remediationPlaybook";
export { PlaybookAutomation, PlaybookAutomationArgs } from "./playbookAutomation";
export { AuditLogStreaming, AuditLogStreamingArgs } from "./auditLogStreaming";
export { ConfigError, ExemptPrincipal, GuardPolicy, GuardPolicyArgs, Mode, parseStackConfig, StackSettings } from "./config";
export { DirectoryRole, privilegedBuiltInRoles, otherWatchedBuiltInRoles } from "./roles";
export { exemptPrincipalsWatchlistAlias, privilegedRolesWatchlistAlias } from "./names";
