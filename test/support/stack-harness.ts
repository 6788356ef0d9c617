import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { armId, computedOutputs, invokeResult, MockInputs } from "../../replay/azure/mock-tenant";

export {
    graphAppRoleIds,
    graphServicePrincipalObjectId,
    securityInsightsObjectId,
    subscriptionId,
    tenantId,
    workspaceLocation,
} from "../../replay/azure/mock-tenant";

/** A resource the program declared, as the engine would see it. */
export interface DeclaredResource {
    type: string;
    name: string;
    /** The type of the resource's parent component, or undefined at the root. */
    parentType: string | undefined;
    custom: boolean;
    inputs: MockInputs;
    /** The id the mock gave it (ARM-shaped for Azure resources). */
    id: string;
    /** Its URN, whose type part names its parents' types too (`...::pimguard:index:PimGuard$<type>::<name>`). */
    urn: string;
}

export interface StackRun {
    resources: DeclaredResource[];
    /** The program's exports, resolved. */
    outputs: Record<string, unknown>;
    /** What the program threw, if it stopped. */
    error?: Error;
    /** Invokes the program made, by token. */
    invokes: { token: string; inputs: MockInputs }[];
    /** Every declared resource of this type (e.g. "azure-native:securityinsights:Watchlist"). */
    ofType(type: string): DeclaredResource[];
    /** The one declared resource of this type; fails if there are none or several. */
    single(type: string): DeclaredResource;
    /** The declared resource of this type with this name (e.g. "pimguard-detection"); fails if there is none. */
    named(type: string, name: string): DeclaredResource;
    /** The incident playbook's Logic App (the sweep's is another Workflow); fails unless there is exactly one. */
    playbookWorkflow(): DeclaredResource;
}

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

/** A program: declares resources, and returns its exports (or a promise of them). */
export type Program = () => Record<string, unknown> | void | Promise<Record<string, unknown> | void>;

/**
 * Runs any program (a function declaring resources, returning its exports) under the mock
 * runtime, e.g. a test that composes the components itself as an importing program would, or
 * one that asks a component provider to construct a component, as the engine does.
 */
export function runProgram(program: Program, config: Record<string, string> = {}, secretKeys: string[] = []): Promise<StackRun> {
    return withPlainStackTraces(() => runUnderMocks(program, config, secretKeys));
}

/**
 * Pulumi captures a stack trace for every promise it makes (one per resource property, among
 * others), and under ts-node each is source-mapped frame by frame: measured (npm run bench's
 * probe), 4.7 s of stack.test.ts's 8 s. The mocks use neither those traces (leak diagnostics)
 * nor the source positions, so while a program runs they get V8's plain format. An error the
 * program throws is formatted when a test reads its stack: source-mapped as usual.
 */
async function withPlainStackTraces<T>(run: () => Promise<T>): Promise<T> {
    // @types/node declares the V8 hook as always set; it is unset unless a tool installs one.
    const v8Error = Error as { prepareStackTrace?: ErrorConstructor["prepareStackTrace"] };
    const sourceMapped = v8Error.prepareStackTrace;
    v8Error.prepareStackTrace = undefined;
    try {
        return await run();
    } finally {
        v8Error.prepareStackTrace = sourceMapped;
    }
}

async function runUnderMocks(program: Program, config: Record<string, string>, secretKeys: string[]): Promise<StackRun> {
    const declared: DeclaredResource[] = [];
    const invokes: StackRun["invokes"] = [];
    pulumi.runtime.setAllConfig(config, secretKeys);
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const computed = computedOutputs(args.type, args.name, args.inputs);
                const id = armId(args.type, args.name, args.inputs);
                declared.push({ type: args.type, name: args.name, parentType: undefined, custom: args.custom ?? true, inputs: args.inputs, id, urn: "" });
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
        exports = (await program()) ?? {};
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
        playbookWorkflow() {
            const found = declared.filter(
                (resource) => resource.type === "azure-native:logic:Workflow" && resource.parentType === "pimguard:index:RemediationPlaybook",
            );
            if (found.length !== 1) throw new Error(`expected exactly one playbook workflow, found ${found.length}`);
            return found[0]!;
        },
        named(type, name) {
            const found = declared.find((resource) => resource.type === type && resource.name === name);
            if (found === undefined) {
                throw new Error(`no ${type} named ${name}`);
            }
            return found;
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
            resource.urn = urn;
        }
    }
}

/** True when a mock-recorded input value is a Pulumi secret (the engine's secret envelope). */
export function isSecretInput(value: unknown): boolean {
    const secretSignatureKey = "4dabf18193072939515e22adb298388d";
    const secretSignature = "1b47061264138c4ac30d75fd1eb44270";
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[secretSignatureKey] === secretSignature;
}
