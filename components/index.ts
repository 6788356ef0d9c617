// The package entry point: everything a program importing pimguard composes.
export { PimGuard, PimGuardArgs } from "./pim-guard";
export { PlaybookIdentity, PlaybookIdentityArgs } from "./playbook-identity";
export { SecretsVault, SecretsVaultArgs, ExistingVault, notificationSecretName } from "./secrets-vault";
export { SentinelWatchlist, SentinelWatchlistArgs, SentinelWorkspace, watchlistItemId } from "./sentinel-watchlist";
export { DetectionRule, DetectionRuleArgs, customDetailColumns, nrtApiVersion } from "./detection-rule";
export { GroupMembershipRule, GroupMembershipRuleArgs, groupMembershipCustomDetailColumns } from "./group-membership-rule";
export { RemediationPlaybook, RemediationPlaybookArgs } from "./remediation-playbook";
export { PlaybookAutomation, PlaybookAutomationArgs } from "./playbook-automation";
export { ReconcileSweep, ReconcileSweepArgs } from "./reconcile-sweep";
export { AuditLogStreaming, AuditLogStreamingArgs } from "./audit-log-streaming";
export { TamperDetectionRule, TamperDetectionRuleArgs, tamperCustomDetailColumns } from "./tamper-detection-rule";
export { ConfigError, defaultPolicy, ExemptPrincipal, GuardPolicy, GuardPolicyArgs, Mode, parseStackConfig, StackSettings, Tags } from "./config";
export { DetectionKind, PrivilegedGroup, RemovalMethod } from "./config";
export { DirectoryRole, privilegedBuiltInRoles, otherWatchedBuiltInRoles } from "./roles";
export { exemptPrincipalsWatchlistAlias, privilegedGroupsWatchlistAlias, privilegedRolesWatchlistAlias } from "./names";
