/**
 * pimguard's security posture as policies, for `pulumi preview --policy-pack policy` on any
 * stack that declares pimguard's components (TypeScript, or through the component package from
 * Python, Go, .NET or YAML). Each policy judges only resources inside a pimguard component: its
 * URN names a `pimguard:index:` type among its parents. index.ts serves them as a pack; this
 * module only defines them, so tests can load it without starting the pack's gRPC server.
 *
 * The pack is installed and run on its own (policy/package.json), so it imports nothing from
 * the rest of the repository; the tests run it against the resources the stack declares.
 */
import { ResourceValidationArgs, ResourceValidationPolicy, UnknownValueError } from "@pulumi/policy";

/** True when the resource is declared inside a pimguard component, wherever that sits in the stack. */
export function insidePimguard(urn: string): boolean {
    // urn:pulumi:<stack>::<project>::<parent types and own type, joined by $>::<name>
    const typeChain = urn.split("::")[2] ?? "";
    return typeChain
        .split("$")
        .slice(0, -1)
        .some((type) => type.startsWith("pimguard:index:"));
}

/** An azure-native type token in any API version: `azure-native:keyvault:Vault`, `azure-native:keyvault/v20230701:Vault`. */
function azureNativeType(module: string, resource: string): RegExp {
    return new RegExp(`^azure-native:${module}(/v[0-9a-z]+)?:${resource}$`);
}

/** Skips what a policy does not judge: other types, and resources outside pimguard. */
function pimguardResource(args: ResourceValidationArgs, types: RegExp[], what: string): void {
    if (!types.some((type) => type.test(args.type))) {
        args.notApplicable(`only ${what}`);
    }
    if (!insidePimguard(args.urn)) {
        args.notApplicable(`only ${what} inside a pimguard component`);
    }
}

// ---------------------------------------------------------------------------------------------

const roleAssignmentTypes = [azureNativeType("authorization", "RoleAssignment")];

/** An ARM scope inside a resource group: `/subscriptions/<id>/resourceGroups/<name>` and below. */
const resourceGroupScope = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+(\/.*)?$/i;

function scopeKind(scope: string): string {
    if (/^\/subscriptions\/[^/]+\/?$/i.test(scope)) return "a whole subscription";
    if (/^\/providers\/Microsoft\.Management\/managementGroups\//i.test(scope)) return "a management group";
    if (scope === "/" || scope === "") return "the tenant root";
    return "a scope outside any resource group";
}

export const roleAssignmentsBelowSubscription: ResourceValidationPolicy = {
    name: "role-assignments-below-subscription",
    description:
        "pimguard's Azure role assignments stay inside resource groups (the playbook's group, the workspace, the vault): " +
        "none at a subscription, a management group or the root.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, reportViolation) => {
        pimguardResource(args, roleAssignmentTypes, "Azure role assignments");
        const scope = String(args.props.scope);
        if (!resourceGroupScope.test(scope)) {
            reportViolation(
                `Role assignment ${args.name} is scoped to ${scopeKind(scope)} (${scope}); pimguard grants roles on resource groups ` +
                    "and resources only, so that its Tier-0 identities hold nothing beyond what the playbook touches.",
            );
        }
    },
};

// ---------------------------------------------------------------------------------------------

const vaultTypes = [azureNativeType("keyvault", "Vault")];

export const vaultRbacWithPurgeProtection: ResourceValidationPolicy = {
    name: "vault-rbac-purge-protection",
    description: "The Key Vault pimguard creates uses Azure RBAC (no access policies) and has purge protection on.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, reportViolation) => {
        pimguardResource(args, vaultTypes, "Key Vaults");
        const properties = args.props.properties ?? {};
        if (properties.enableRbacAuthorization !== true) {
            reportViolation(
                `Key Vault ${args.name} does not set properties.enableRbacAuthorization to true; access policies would sit ` +
                    "beside role assignments, where a review of the roles does not see them.",
            );
        }
        if (properties.enablePurgeProtection !== true) {
            reportViolation(
                `Key Vault ${args.name} does not set properties.enablePurgeProtection to true; without it a deleted vault, ` +
                    "and the webhook secret in it, can be purged at once.",
            );
        }
    },
};

// ---------------------------------------------------------------------------------------------

/**
 * Microsoft Graph application permissions that let their holder give a role: a directory role,
 * an eligibility for one, a PIM-managed group's membership, or another application permission.
 * App role ids are the same in every tenant (Graph's appId 00000003-0000-0000-c000-000000000000;
 * ids as graphpermissions.merill.net lists them, "Identifier", application column).
 */
export const roleGrantingGraphPermissions: Readonly<Record<string, { appRoleId: string; grants: string }>> = {
    "RoleManagement.ReadWrite.Directory": {
        appRoleId: "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
        grants: "assign any directory role, Global Administrator included",
    },
    "RoleAssignmentSchedule.ReadWrite.Directory": {
        appRoleId: "dd199f4a-f148-40a4-a2ec-f0069cc799ec",
        grants: "create active directory role assignments through PIM",
    },
    "RoleEligibilitySchedule.ReadWrite.Directory": {
        appRoleId: "fee28b28-e1f3-4841-818e-2704dc62245f",
        grants: "make any principal eligible for any directory role",
    },
    "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup": {
        appRoleId: "41202f2c-f7ab-45be-b001-85c9728b9d69",
        grants: "add members and owners to PIM-managed groups, role-assignable ones included",
    },
    "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup": {
        appRoleId: "618b6020-bca8-4de6-99f6-ef445fa4d857",
        grants: "make any principal eligible for PIM-managed groups",
    },
    "PrivilegedAccess.ReadWrite.AzureADGroup": {
        appRoleId: "2f6817f8-7b12-4f0f-bc18-eeaf60705a9e",
        grants: "grant access to PIM-managed groups (the older PIM API)",
    },
    "AppRoleAssignment.ReadWrite.All": {
        appRoleId: "06b708a9-e830-4db3-a914-8e69da51d44f",
        grants: "grant any application permission, these included, to any app",
    },
};

const appRoleAssignmentTypes = [/^azuread:index\/appRoleAssignment:AppRoleAssignment$/];

/** pimguard names each Graph grant `<identity>-graph-<permission>` (components/playbook-identity.ts). */
const grantNamePattern = /-graph-([A-Za-z]+(?:\.[A-Za-z]+)+)$/;

export interface GraphPermissionsConfig {
    /** Role-granting permissions this stack may grant, by name: the opt-in, e.g. ["RoleManagement.ReadWrite.Directory"]. */
    allowRoleGrantingPermissions?: string[];
}

/**
 * Which permission an app role assignment grants. The app role id is authoritative; it is an
 * invoke's result (the tenant's Graph service principal), which a preview normally resolves.
 * When it is unknown, pimguard's name for the grant says it. Neither: the policy cannot tell,
 * and the unknown value makes it an advisory "can't run during preview", as Pulumi reports it.
 */
function grantedPermission(args: ResourceValidationArgs): string | undefined {
    try {
        const appRoleId = String(args.props.appRoleId).toLowerCase();
        return Object.keys(roleGrantingGraphPermissions).find((permission) => roleGrantingGraphPermissions[permission]!.appRoleId === appRoleId);
    } catch (error) {
        const named = grantNamePattern.exec(args.name)?.[1];
        if (error instanceof UnknownValueError && named !== undefined) {
            return named in roleGrantingGraphPermissions ? named : undefined;
        }
        throw error;
    }
}

export const graphPermissionsCannotGrantRoles: ResourceValidationPolicy = {
    name: "graph-permissions-cannot-grant-roles",
    description:
        "pimguard grants no Microsoft Graph application permission that can give a role (RoleManagement.ReadWrite.Directory, " +
        "RoleAssignmentSchedule.ReadWrite.Directory, AppRoleAssignment.ReadWrite.All, ...) unless this policy's " +
        "allowRoleGrantingPermissions names it.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: {
        properties: {
            allowRoleGrantingPermissions: {
                type: "array",
                items: { type: "string", enum: Object.keys(roleGrantingGraphPermissions) },
                default: [],
            },
        },
    },
    validateResource: (args, reportViolation) => {
        pimguardResource(args, appRoleAssignmentTypes, "Entra app role assignments");
        const permission = grantedPermission(args);
        if (permission === undefined) {
            return;
        }
        const allowed = args.getConfig<GraphPermissionsConfig>().allowRoleGrantingPermissions ?? [];
        if (!allowed.includes(permission)) {
            reportViolation(
                `App role assignment ${args.name} grants Microsoft Graph's ${permission}, which can ${roleGrantingGraphPermissions[permission]!.grants}. ` +
                    `If this stack needs it, opt in by name: policy config {"${graphPermissionsCannotGrantRoles.name}": {"allowRoleGrantingPermissions": ["${permission}"]}}.`,
            );
        }
    },
};

// ---------------------------------------------------------------------------------------------

const analyticsRuleTypes = [azureNativeType("securityinsights", "ScheduledAlertRule"), azureNativeType("securityinsights", "NrtAlertRule")];
const automationRuleTypes = [azureNativeType("securityinsights", "AutomationRule")];
const workflowTypes = [azureNativeType("logic", "Workflow")];

export const detectionAndResponseEnabled: ResourceValidationPolicy = {
    name: "detection-and-response-enabled",
    description: "pimguard's analytics rules, automation rules and playbook are deployed enabled: a disabled one leaves out-of-PIM roles in place.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, reportViolation) => {
        pimguardResource(args, [...analyticsRuleTypes, ...automationRuleTypes, ...workflowTypes], "analytics rules, automation rules and Logic Apps");
        if (analyticsRuleTypes.some((type) => type.test(args.type)) && args.props.enabled !== true) {
            reportViolation(`Analytics rule ${args.name} is not enabled: no alert, so no incident and no remediation.`);
        }
        if (automationRuleTypes.some((type) => type.test(args.type)) && args.props.triggeringLogic?.isEnabled !== true) {
            reportViolation(`Automation rule ${args.name} is not enabled (triggeringLogic.isEnabled): incidents would not start the playbook.`);
        }
        if (workflowTypes.some((type) => type.test(args.type)) && args.props.state !== "Enabled") {
            reportViolation(`Logic App ${args.name} has state ${JSON.stringify(args.props.state)}, not "Enabled": the playbook would not run.`);
        }
    },
};

/** Every policy of the pack, in the order the pack lists them. */
export const pimguardPolicies: ResourceValidationPolicy[] = [
    roleAssignmentsBelowSubscription,
    vaultRbacWithPurgeProtection,
    graphPermissionsCannotGrantRoles,
    detectionAndResponseEnabled,
];
