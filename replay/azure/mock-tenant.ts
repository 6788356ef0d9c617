/**
 * The fake Azure tenant both mock harnesses answer from: ids, what Azure computes when a
 * resource is created, and what invokes return. It imports nothing, so the consumer test can
 * copy it beside its runner into the consumer program (see mock-run.ts).
 */

export const tenantId = "11111111-2222-4333-8444-555555555555";
export const subscriptionId = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
export const workspaceLocation = "westeurope";
export const graphServicePrincipalObjectId = "0a1b2c3d-0000-4000-8000-00000000a001";
export const securityInsightsObjectId = "0a1b2c3d-0000-4000-8000-00000000a002";
export const identityPrincipalId = "5e1d0c9b-0000-4000-8000-0000000000b1";

const graphAppId = "00000003-0000-0000-c000-000000000000";
const securityInsightsAppId = "98785600-1bb7-4fb9-b9fa-19afe2c8a360";

/**
 * Graph's app role ids by permission value, as a real tenant answers (the Graph permissions
 * reference; the same ids in every tenant). Tests may swap one.
 */
export const graphAppRoleIds: Record<string, string> = {
    "RoleManagement.ReadWrite.Directory": "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
    "RoleManagement.Read.Directory": "483bed4a-2ad3-4361-a73b-c83ccdbdc53c",
    "RoleAssignmentSchedule.Read.Directory": "d5fe8ce8-684c-4c83-a52c-46e882ce4be1",
    "RoleAssignmentSchedule.Remove.Directory": "d3495511-98b7-4df3-b317-4e35c19f6129",
    "RoleAssignmentSchedule.ReadWrite.Directory": "dd199f4a-f148-40a4-a2ec-f0069cc799ec",
    "PrivilegedAssignmentSchedule.Read.AzureADGroup": "cd4161cb-f098-48f8-a884-1eda9a42434c",
    "PrivilegedAssignmentSchedule.Remove.AzureADGroup": "55d1104b-3821-413d-b3ca-e2393d333cd3",
    "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup": "41202f2c-f7ab-45be-b001-85c9728b9d69",
    "User.Read.All": "df021288-bdef-4463-88db-98f22de89214",
    "User.RevokeSessions.All": "77f3a031-c388-4f99-b373-dc68676a979e",
    "Directory.Read.All": "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
    "User.ReadWrite.All": "741f803b-c850-494e-b5df-cde7c675a1ca",
};

/** ARM-shaped ids, so code that checks an id's shape sees what Azure would return. */
const armResourceTypes: Record<string, string> = {
    "azure-native:managedidentity:UserAssignedIdentity": "Microsoft.ManagedIdentity/userAssignedIdentities",
    "azure-native:keyvault:Vault": "Microsoft.KeyVault/vaults",
    "azure-native:keyvault:Secret": "Microsoft.KeyVault/vaults/secrets",
    "azure-native:logic:Workflow": "Microsoft.Logic/workflows",
    "azure-native:authorization:RoleAssignment": "Microsoft.Authorization/roleAssignments",
};

/**
 * A resource's or invoke's inputs as the mock runtime hands them over: arbitrary JSON that
 * callers navigate freely, as Pulumi's own MockResourceArgs.inputs does.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- mock inputs are untyped JSON, typed `any` by Pulumi itself
export type MockInputs = Record<string, any>;

/**
 * Sentinel resources whose id azure-native fills into their ARM path template: the segment under
 * `providers/Microsoft.SecurityInsights/` and the input naming the resource.
 */
const sentinelPaths: Record<string, { segment: string; nameInput: string }> = {
    "azure-native:securityinsights:ScheduledAlertRule": { segment: "alertRules", nameInput: "ruleId" },
    "azure-native:securityinsights:AutomationRule": { segment: "automationRules", nameInput: "automationRuleId" },
    "azure-native:securityinsights:Watchlist": { segment: "watchlists", nameInput: "watchlistAlias" },
};

/** The id Azure would give a new resource of this type. */
export function armId(type: string, name: string, inputs: MockInputs): string {
    const group = inputs.resourceGroupName ?? "rg-pimguard";
    if (type === "azure-native:resources:ResourceGroup") {
        return `/subscriptions/${subscriptionId}/resourceGroups/${inputs.resourceGroupName ?? `${name}-rg1234`}`;
    }
    const sentinel = sentinelPaths[type];
    if (sentinel !== undefined) {
        return `${workspaceId(group, inputs.workspaceName)}/providers/Microsoft.SecurityInsights/${sentinel.segment}/${inputs[sentinel.nameInput]}`;
    }
    if (type === "azure-native:resources:Resource") {
        return genericResourceId(inputs.resourceGroupName, inputs, inputs.resourceName ?? name);
    }
    if (type.startsWith("azure-native:securityinsights:")) {
        return `${workspaceId(group, inputs.workspaceName)}/providers/Microsoft.SecurityInsights/${type.split(":")[2]}/${name}`;
    }
    const armType = armResourceTypes[type] ?? `mock.${type.split(":")[1]}/${type.split(":")[2]}`;
    return `/subscriptions/${subscriptionId}/resourceGroups/${group}/providers/${armType}/${inputs.resourceName ?? name}`;
}

/**
 * A generic resource's id as azure-native builds it: the Resources_CreateOrUpdate path template
 * with its inputs filled in. That template spells `resourcegroups` in lower case
 * (`/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/{resourceProviderNamespace}/{parentResourcePath}/{resourceType}/{resourceName}`),
 * and parentResourcePath and resourceType are sub-paths, not encoded, trimmed of slashes.
 */
function genericResourceId(group: string, inputs: MockInputs, resourceName: string): string {
    const path = [inputs.resourceProviderNamespace, inputs.parentResourcePath, inputs.resourceType, resourceName]
        .map((part: string | undefined) => (part ?? "").replace(/^\/+|\/+$/g, ""))
        .filter((part) => part !== "")
        .join("/");
    return `/subscriptions/${subscriptionId}/resourcegroups/${group}/providers/${path}`;
}

function workspaceId(group: string, workspace: string): string {
    return `/subscriptions/${subscriptionId}/resourceGroups/${group}/providers/Microsoft.OperationalInsights/workspaces/${workspace}`;
}

/** What Azure computes on create, for the outputs the program reads. */
export function computedOutputs(type: string, name: string, inputs: MockInputs): MockInputs {
    switch (type) {
        case "azure-native:managedidentity:UserAssignedIdentity":
            return { name, principalId: identityPrincipalId, clientId: "5e1d0c9b-0000-4000-8000-0000000000b2" };
        case "azure-native:keyvault:Vault":
            return { name: inputs.vaultName, properties: { ...inputs.properties, vaultUri: `https://${inputs.vaultName}.vault.azure.net/` } };
        case "azure-native:securityinsights:ScheduledAlertRule":
            return { name: inputs.ruleId };
        case "random:index/randomString:RandomString":
            return { result: "x7k2q9abcdefghij".slice(0, inputs.length) };
        case "azure-native:resources:ResourceGroup":
            return { name: inputs.resourceGroupName ?? `${name}-rg1234` };
        default:
            return { name: inputs.resourceName ?? name };
    }
}

/** What the tenant answers to the invokes pimguard and its consumers make. */
export function invokeResult(token: string, inputs: MockInputs): MockInputs {
    switch (token) {
        case "azure-native:authorization:getClientConfig":
            return { subscriptionId, tenantId, clientId: "c11e7000-0000-4000-8000-000000000001", objectId: "c11e7000-0000-4000-8000-000000000002" };
        case "azure-native:operationalinsights:getWorkspace":
            return {
                id: workspaceId(inputs.resourceGroupName, inputs.workspaceName),
                name: inputs.workspaceName,
                location: workspaceLocation,
                customerId: "c0570000-0000-4000-8000-000000000003",
            };
        case "azure-native:keyvault:getVault":
            return {
                id: `/subscriptions/${subscriptionId}/resourceGroups/${inputs.resourceGroupName}/providers/Microsoft.KeyVault/vaults/${inputs.vaultName}`,
                name: inputs.vaultName,
                location: workspaceLocation,
                properties: { tenantId, vaultUri: `https://${inputs.vaultName}.vault.azure.net/`, enableRbacAuthorization: true },
            };
        case "azuread:index/getServicePrincipal:getServicePrincipal":
            if (inputs.clientId === graphAppId) {
                return { objectId: graphServicePrincipalObjectId, clientId: graphAppId, appRoleIds: graphAppRoleIds };
            }
            if (inputs.clientId === securityInsightsAppId) {
                return { objectId: securityInsightsObjectId, clientId: securityInsightsAppId, appRoleIds: {} };
            }
            throw new Error(`the mock tenant has no service principal with client id ${inputs.clientId}`);
        default:
            throw new Error(`the mock tenant does not answer invoke ${token}`);
    }
}
