/**
 * A child process of the bench: evaluates one Pulumi program under Pulumi's mock runtime, the
 * way test/support/stackHarness.ts does, and prints one JSON line: when every resource had been
 * registered (milliseconds since this Node.js process started, so module loading counts), how
 * many resources, how many loaded files each package contributed, and where the time went
 * (ts-node compiling the program's TypeScript; formatting the stack traces Pulumi records).
 *
 *   node -r ts-node/register/transpile-only bench/evaluateProgram.ts <program.ts>
 *   node bench/.generated/compiled/bench/evaluateProgram.js <program.js>   (compiled beforehand)
 *
 * The mocks are deliberately self-contained (not the test harness's): the bench must keep
 * measuring the same thing when tests change. They answer what index.ts asks with plausible
 * values; only timing and completeness matter here.
 */
import * as path from "path";
import { performance } from "perf_hooks";
import * as pulumi from "@pulumi/pulumi";
import type { Service } from "ts-node";
import { EvaluationReport } from "./reports";

const subscriptionId = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const tenantId = "11111111-2222-4333-8444-555555555555";

/** The smallest valid stack config (the two required keys). */
const stackConfig = {
    "pimguard:workspaceName": "law-sentinel",
    "pimguard:workspaceResourceGroup": "rg-sentinel",
};

async function main(programFile: string): Promise<void> {
    const runtimeLoadedMs = performance.now();
    const transpiling = timeTranspiling();
    const stackTraces = timeStackTraces();
    // A failed apply (e.g. a validation throwing) surfaces only as an unhandled rejection.
    const failures: unknown[] = [];
    process.on("unhandledRejection", (reason) => failures.push(reason));
    let resources = 0;
    pulumi.runtime.setAllConfig(stackConfig);
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                if (args.type !== "pulumi:pulumi:Stack") {
                    resources++;
                }
                return { id: armId(args.type, args.name), state: { ...args.inputs, ...computedOutputs(args.name, args.inputs) } };
            },
            call(args) {
                return invokeResult(args.token, args.inputs);
            },
        },
        "pimguard",
        "bench",
        false,
    );
    require(path.resolve(programFile));
    const programLoadedMs = performance.now();
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    const registeredMs = performance.now();
    await new Promise((resolve) => setImmediate(resolve));
    if (failures.length > 0 || pulumi.log.hasErrors()) {
        throw new Error(`${programFile} failed while it was evaluated:\n${[...new Set(failures.map(String))].join("\n")}`);
    }
    const report: EvaluationReport = {
        runtimeLoadedMs,
        programLoadedMs,
        registeredMs,
        transpileMs: transpiling.ms,
        transpiledFiles: transpiling.files,
        stackTraceMs: stackTraces.ms,
        resources,
        loadedFiles: loadedFilesByPackage(),
    };
    console.log(JSON.stringify(report));
}

/** Where ts-node registers itself (its exported REGISTER_INSTANCE); read without loading ts-node. */
const tsNodeInstance = Symbol.for("ts-node.register.instance");

/**
 * Times ts-node's compilation of each TypeScript file required from now on (the program's own
 * files: the bench's were compiled before). Nothing to time when running compiled JavaScript.
 */
function timeTranspiling(): { ms: number; files: number } {
    const totals = { ms: 0, files: 0 };
    const service = (process as unknown as Record<symbol, Service | undefined>)[tsNodeInstance];
    if (service === undefined) {
        return totals;
    }
    const compile = service.compile.bind(service);
    service.compile = (code, fileName, lineOffset) => {
        const started = performance.now();
        try {
            return compile(code, fileName, lineOffset);
        } finally {
            totals.ms += performance.now() - started;
            totals.files++;
        }
    };
    return totals;
}

/**
 * Times the formatting of stack traces. Pulumi records the whole stack of every resource it
 * registers, and under ts-node each frame is mapped through source maps on the way.
 */
function timeStackTraces(): { ms: number } {
    const totals = { ms: 0 };
    const prepare = Error.prepareStackTrace;
    if (prepare !== undefined) {
        Error.prepareStackTrace = (error, frames) => {
            const started = performance.now();
            try {
                return prepare(error, frames);
            } finally {
                totals.ms += performance.now() - started;
            }
        };
    }
    return totals;
}

/** ARM-shaped ids: programs check some of them (e.g. the playbook's identity). */
function armId(type: string, name: string): string {
    const [, module, kind] = type.split(":");
    const provider = armResourceTypes[type] ?? `Microsoft.${module}/${kind}`;
    return `/subscriptions/${subscriptionId}/resourceGroups/rg-bench/providers/${provider}/${name}`;
}

const armResourceTypes: Record<string, string> = {
    "azure-native:managedidentity:UserAssignedIdentity": "Microsoft.ManagedIdentity/userAssignedIdentities",
};

/** Outputs Azure computes on create that programs read (ids, principal ids, a vault URI, random results). */
function computedOutputs(name: string, inputs: Record<string, any>): Record<string, unknown> {
    return {
        name: inputs.resourceName ?? inputs.vaultName ?? inputs.ruleId ?? name,
        principalId: "5e1d0c9b-0000-4000-8000-0000000000b1",
        clientId: "5e1d0c9b-0000-4000-8000-0000000000b2",
        result: "x7k2q9",
        properties: { ...inputs.properties, vaultUri: "https://kv-bench.vault.azure.net/" },
    };
}

function invokeResult(token: string, inputs: Record<string, any>): Record<string, unknown> {
    switch (token) {
        case "azure-native:authorization:getClientConfig":
            return { subscriptionId, tenantId, clientId: "c11e7000-0000-4000-8000-000000000001", objectId: "c11e7000-0000-4000-8000-000000000002" };
        case "azure-native:operationalinsights:getWorkspace":
            return {
                id: `/subscriptions/${subscriptionId}/resourceGroups/${inputs.resourceGroupName}/providers/Microsoft.OperationalInsights/workspaces/${inputs.workspaceName}`,
                name: inputs.workspaceName,
                location: "westeurope",
                customerId: "c0570000-0000-4000-8000-000000000003",
            };
        case "azuread:index/getServicePrincipal:getServicePrincipal":
            return {
                objectId: "0a1b2c3d-0000-4000-8000-00000000a001",
                clientId: inputs.clientId,
                // Graph's ids for the permissions the playbook is granted.
                appRoleIds: {
                    "RoleManagement.ReadWrite.Directory": "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
                    "User.RevokeSessions.All": "77f3a031-c388-4f99-b373-dc68676a979e",
                },
            };
        default:
            throw new Error(`the bench's mocks do not answer invoke ${token}`);
    }
}

function loadedFilesByPackage(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const file of Object.keys(require.cache)) {
        const owner = packageOf(file);
        counts[owner] = (counts[owner] ?? 0) + 1;
    }
    return counts;
}

/** `@pulumi/azure-native` for .../node_modules/@pulumi/azure-native/logic/index.js. */
function packageOf(file: string): string {
    const marker = `node_modules${path.sep}`;
    const at = file.lastIndexOf(marker);
    if (at < 0) {
        return "(project)";
    }
    const parts = file.slice(at + marker.length).split(path.sep);
    return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
}

main(process.argv[2]).then(
    () => process.exit(0),
    (error: Error) => {
        console.error(error.stack ?? error.message);
        process.exit(1);
    },
);
