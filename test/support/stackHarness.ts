import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** A resource the program declared, as the engine would see it. */
export interface DeclaredResource {
    type: string;
    name: string;
    /** The type of the resource's parent component, or undefined at the root. */
    parentType: string | undefined;
    custom: boolean;
    inputs: Record<string, any>;
    /** The id the mock gave it (ARM-shaped for Azure resources). */
    id: string;
}

export interface StackRun {
    resources: DeclaredResource[];
    /** The program's exports, resolved. */
    outputs: Record<string, unknown>;
    /** What the program threw, if it stopped. */
    error?: Error;
    /** Invokes the program made, by token. */
    invokes: { token: string; inputs: Record<string, any> }[];
    /** Every declared resource of this type (e.g. "azure-native:securityinsights:Watchlist"). */
    ofType(type: string): DeclaredResource[];
    /** The one declared resource of this type; fails if there are none or several. */
    single(type: string): DeclaredResource;
}

export const tenantId = "11111111-2222-4333-8444-555555555555";
export const subscriptionId = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
export const workspaceLocation = "westeurope";
export const graphServicePrincipalObjectId = "0a1b2c3d-0000-4000-8000-00000000a001";
export const securityInsightsObjectId = "0a1b2c3d-0000-4000-8000-00000000a002";

/** Graph's app role ids by permission value, as a real tenant answers (graph.md). */
export const graphAppRoleIds: Record<string, string> = {
    "RoleManagement.ReadWrite.Directory": "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
    "RoleManagement.Read.Directory": "483bed4a-2ad3-4361-a73b-c83ccdbdc53c",
    "User.RevokeSessions.All": "77f3a031-c388-4f99-b373-dc68676a979e",
    "Directory.Read.All": "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
    "User.ReadWrite.All": "741f803b-c850-494e-b5df-cde7c675a1ca",
};

/** The smallest valid stack config. */
export const minimalConfig: Record<string, string> = {
    "pimguard:workspaceName": "law-sentinel",
    "pimguard:workspaceResourceGroup": "rg-sentinel",
};

const programPath = path.resolve(__dirname, "..", "..", "index.ts");

/**
 * Runs the stack program (index.ts) under Pulumi's mock runtime with this config and returns
 * every resource it declared. Each call is a fresh run: the program module is loaded anew.
 */
export function runStack(config: Record<string, string>, secretKeys: string[] = []): Promise<StackRun> {
    return runProgram(
        () => {
            delete require.cache[require.resolve(programPath)];
            return require(programPath);
        },
        config,
        secretKeys,
    );
}

/**
 * Runs any program (a function declaring resources, returning its exports) under the mock
 * runtime, e.g. a test that composes the components itself as an importing program would.
 */
export async function runProgram(
    program: () => Record<string, unknown> | void,
    config: Record<string, string> = {},
    secretKeys: string[] = [],
): Promise<StackRun> {
    const declared: DeclaredResource[] = [];
    const invokes: StackRun["invokes"] = [];
    pulumi.runtime.setAllConfig(config, secretKeys);
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const computed = computedOutputs(args.type, args.name, args.inputs);
                const id: string = computed.id ?? mockId(args.type, args.name, args.inputs);
                declared.push({ type: args.type, name: args.name, parentType: undefined, custom: args.custom ?? true, inputs: args.inputs, id });
                return { id, state: { ...args.inputs, ...computed } };
            },
            call(args) {
                invokes.push({ token: args.token, inputs: args.inputs });
                return invokeResult(args.token, args.inputs);
            },
        },
        "pimguard",
        "test",
        false,
    );

    let exports: Record<string, unknown> = {};
    let error: Error | undefined;
    try {
        exports = program() ?? {};
    } catch (thrown) {
        error = thrown as Error;
    }
    const outputs = error ? {} : await resolveExports(exports);
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    attachParents(declared);

    return {
        resources: declared,
        outputs,
        error,
        invokes,
        ofType: (type) => declared.filter((resource) => resource.type === type),
        single(type) {
            const found = declared.filter((resource) => resource.type === type);
            if (found.length !== 1) {
                throw new Error(`expected exactly one ${type}, found ${found.length}`);
            }
            return found[0];
        },
    };
}

/** Resolves an Output (or plain value) the way a test wants it: as a promise. */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(output).apply((value) => resolve(value as T)));
}

async function resolveExports(program: Record<string, unknown>): Promise<Record<string, unknown>> {
    const resolved: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(program)) {
        resolved[key] = pulumi.Output.isInstance(value) ? await valueOf(value) : value;
    }
    return resolved;
}

/** The mock monitor knows each resource's URN, which names its parent's type. */
function attachParents(declared: DeclaredResource[]): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as { resources: Map<string, unknown> };
    for (const urn of monitor.resources.keys()) {
        const [, , qualifiedType, name] = urn.split("::");
        const types = qualifiedType.split("$");
        const type = types[types.length - 1];
        const resource = declared.find((candidate) => candidate.type === type && candidate.name === name);
        if (resource) {
            resource.parentType = types.length > 1 ? types[types.length - 2] : undefined;
        }
    }
}

/** ARM-shaped ids, so code that checks an id's shape sees what Azure would return. */
const armResourceTypes: Record<string, string> = {
    "azure-native:managedidentity:UserAssignedIdentity": "Microsoft.ManagedIdentity/userAssignedIdentities",
    "azure-native:keyvault:Vault": "Microsoft.KeyVault/vaults",
    "azure-native:keyvault:Secret": "Microsoft.KeyVault/vaults/secrets",
    "azure-native:logic:Workflow": "Microsoft.Logic/workflows",
    "azure-native:resources:Resource": "Microsoft.Web/connections",
    "azure-native:authorization:RoleAssignment": "Microsoft.Authorization/roleAssignments",
};

function mockId(type: string, name: string, inputs: Record<string, any>): string {
    const group = inputs.resourceGroupName ?? "rg-pimguard";
    if (type === "azure-native:resources:ResourceGroup") {
        return `/subscriptions/${subscriptionId}/resourceGroups/${inputs.resourceGroupName ?? `${name}-rg1234`}`;
    }
    if (type.startsWith("azure-native:securityinsights:")) {
        const kind = type.split(":")[2];
        return `/subscriptions/${subscriptionId}/resourceGroups/${group}/providers/Microsoft.OperationalInsights/workspaces/${inputs.workspaceName}/providers/Microsoft.SecurityInsights/${kind}/${name}`;
    }
    const armType = armResourceTypes[type] ?? `mock.${type.split(":")[1]}/${type.split(":")[2]}`;
    return `/subscriptions/${subscriptionId}/resourceGroups/${group}/providers/${armType}/${inputs.resourceName ?? name}`;
}

/** What Azure computes on create, for the outputs the program reads. */
function computedOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
    switch (type) {
        case "azure-native:managedidentity:UserAssignedIdentity":
            return { principalId: "5e1d0c9b-0000-4000-8000-0000000000b1", clientId: "5e1d0c9b-0000-4000-8000-0000000000b2" };
        case "azure-native:keyvault:Vault":
            return { name: inputs.vaultName, properties: { ...inputs.properties, vaultUri: `https://${inputs.vaultName}.vault.azure.net/` } };
        case "azure-native:securityinsights:ScheduledAlertRule":
            return {
                name: inputs.ruleId,
                id: `/subscriptions/${subscriptionId}/resourceGroups/${inputs.resourceGroupName}/providers/Microsoft.OperationalInsights/workspaces/${inputs.workspaceName}/providers/Microsoft.SecurityInsights/alertRules/${inputs.ruleId}`,
            };
        case "random:index/randomString:RandomString":
            return { result: "x7k2q9".slice(0, inputs.length) };
        case "azure-native:resources:ResourceGroup":
            return { name: inputs.resourceGroupName ?? `${name}-rg1234` };
        case "azure-native:resources:Resource":
            return { name: inputs.resourceName ?? name };
        default:
            return { name };
    }
}

function invokeResult(token: string, inputs: Record<string, any>): Record<string, any> {
    switch (token) {
        case "azure-native:authorization:getClientConfig":
            return { subscriptionId, tenantId, clientId: "c11e7000-0000-4000-8000-000000000001", objectId: "c11e7000-0000-4000-8000-000000000002" };
        case "azure-native:operationalinsights:getWorkspace":
            return {
                id: `/subscriptions/${subscriptionId}/resourceGroups/${inputs.resourceGroupName}/providers/Microsoft.OperationalInsights/workspaces/${inputs.workspaceName}`,
                name: inputs.workspaceName,
                location: workspaceLocation,
                customerId: "c0570000-0000-4000-8000-000000000003",
            };
        case "azuread:index/getServicePrincipal:getServicePrincipal":
            if (inputs.clientId === "00000003-0000-0000-c000-000000000000") {
                return { objectId: graphServicePrincipalObjectId, clientId: inputs.clientId, appRoleIds: graphAppRoleIds };
            }
            if (inputs.clientId === "98785600-1bb7-4fb9-b9fa-19afe2c8a360") {
                return { objectId: securityInsightsObjectId, clientId: inputs.clientId, appRoleIds: {} };
            }
            throw new Error(`no service principal with client id ${inputs.clientId} in the mock tenant`);
        default:
            throw new Error(`the mock does not answer invoke ${token}`);
    }
}

/** True when a mock-recorded input value is a Pulumi secret (the engine's secret envelope). */
export function isSecretInput(value: unknown): boolean {
    const secretSignatureKey = "4dabf18193072939515e22adb298388d";
    const secretSignature = "1b47061264138c4ac30d75fd1eb44270";
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[secretSignatureKey] === secretSignature;
}
