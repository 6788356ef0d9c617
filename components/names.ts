/**
 * Names shared by the stack, the detection query and the playbook. The KQL files and the
 * workflow definition spell them out literally (they must stay readable on their own), so
 * tests compare those files against these constants.
 */

/** Watchlist alias the detection query reads to know which roles are enforced. */
export const privilegedRolesWatchlistAlias = "PimGuardPrivilegedRoles";

/** Watchlist alias the detection query reads to mark break-glass accounts as exempt. */
export const exemptPrincipalsWatchlistAlias = "PimGuardExemptPrincipals";

/**
 * Watchlist alias the group-membership query reads to know which role-assignable groups are
 * privileged (their members and owners must come through PIM for Groups).
 */
export const privilegedGroupsWatchlistAlias = "PimGuardPrivilegedGroups";

/** The detection query, relative to the `kql/` folder. */
export const detectionQueryFile = "role-assigned-outside-pim.kql";

/** The query for members and owners added to privileged groups outside PIM, relative to the `kql/` folder. */
export const groupMembershipQueryFile = "member-added-to-privileged-group.kql";

/** The tamper-detection query, relative to the `kql/` folder. */
export const tamperQueryFile = "pimguard-tampering.kql";

/** The Logic App definition, relative to the `playbook/` folder. */
export const playbookDefinitionFile = "workflow.json";

/** The sweep's Logic App definition, relative to the `playbook/` folder. */
export const sweepDefinitionFile = "sweep.json";

/**
 * The Microsoft Sentinel managed API (connector): its name in `managedApis/<name>` and the key
 * of the workflow definition's `$connections` parameter, which workflow.json spells out.
 */
export const sentinelConnectorName = "azuresentinel";
