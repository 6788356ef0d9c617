/**
 * Runs a compiled Pulumi program under Pulumi's mock runtime and writes every resource it
 * registered, with its parent's URN, to a JSON file.
 *
 * The consumer test copies this file into the consumer program's directory and compiles it with
 * the program, so `@pulumi/pulumi` below is the consumer's own installed copy: the runtime that
 * the consumer's resources, and pimguard's inside them, register with. Beside it goes only
 * mock-tenant.ts, the fake tenant it answers from.
 *
 *     node bin/mock-run.js <program.js> <run.json> <result.json>
 *
 * run.json: `{ project, stack, config: { "<ns>:<key>": "<value>" }, secretKeys: [] }`.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { armId, computedOutputs, invokeResult } from "./mock-tenant";

/** What the program is run with. */
export interface MockRunInput {
    project: string;
    stack: string;
    config: Record<string, string>;
    secretKeys: string[];
}

/** One registered resource, as the test reads it back. */
export interface MockRunResource {
    urn: string;
    /** The parent's URN; empty for a resource at the root of the stack. */
    parentUrn: string;
    type: string;
    name: string;
    custom: boolean;
    /** Inputs plus what the mock computed, serialized the way the engine sees them. */
    state: Record<string, unknown>;
}

export interface MockRunResult {
    resources: MockRunResource[];
    /** The program's exports, resolved. */
    outputs: Record<string, unknown>;
    /** Where the program's `@pulumi/pulumi` came from, and the one the package it imports uses. */
    pulumiModule: { program: string; pimguard: string };
    /** pimguard's package directory, symlinks resolved. */
    pimguardRoot: string;
}

/** The mock monitor's surface this runner uses; `getMonitor()` is typed as the gRPC client. */
interface RegisterRequest {
    getParent(): string;
    getType(): string;
    getName(): string;
    getCustom(): boolean;
}
interface MockMonitorLike {
    registerResource(req: RegisterRequest, callback: (err: unknown, response?: { getUrn(): string }) => void): Promise<void>;
    getRegisteredResources(): Map<string, { urn: string; state: Record<string, unknown> }>;
}

/**
 * Mock URNs name only the direct parent's type, so record each resource's parent URN as the
 * program registers it: the test then walks the real parent chain.
 */
function recordParents(monitor: MockMonitorLike): Map<string, Omit<MockRunResource, "state">> {
    const registered = new Map<string, Omit<MockRunResource, "state">>();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) =>
        register(req, (err, response) => {
            if (!err && response) {
                const urn = response.getUrn();
                registered.set(urn, { urn, parentUrn: req.getParent(), type: req.getType(), name: req.getName(), custom: req.getCustom() });
            }
            callback(err, response);
        });
    return registered;
}

function resolved<T>(value: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(value).apply((plain) => resolve(plain as T)));
}

async function run(programPath: string, input: MockRunInput): Promise<MockRunResult> {
    pulumi.runtime.setAllConfig(input.config, input.secretKeys);
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                const state = { ...args.inputs, ...computedOutputs(args.type, args.name, args.inputs) };
                return { id: armId(args.type, args.name, args.inputs), state };
            },
            call: (args) => invokeResult(args.token, args.inputs),
        },
        input.project,
        input.stack,
        false,
    );
    const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
    const registered = recordParents(monitor);

    const program: Record<string, unknown> = require(programPath);
    const outputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(program)) {
        outputs[key] = await resolved(value as pulumi.Input<unknown>);
    }
    // Waits for every outstanding registration before the monitor is read.
    await pulumi.runtime.disconnect();

    const states = monitor.getRegisteredResources();
    const pimguardRoot = path.dirname(fs.realpathSync(require.resolve("pimguard/package.json", { paths: [path.dirname(programPath)] })));
    return {
        resources: [...registered.values()].map((resource) => ({ ...resource, state: states.get(resource.urn)?.state ?? {} })),
        outputs,
        pulumiModule: {
            program: fs.realpathSync(require.resolve("@pulumi/pulumi")),
            pimguard: fs.realpathSync(require.resolve("@pulumi/pulumi", { paths: [pimguardRoot] })),
        },
        pimguardRoot,
    };
}

function main(argv: string[]): void {
    const [programFile, inputFile, resultFile] = argv;
    if (!programFile || !inputFile || !resultFile) {
        throw new Error("usage: node mock-run.js <program.js> <run.json> <result.json>");
    }
    const input = JSON.parse(fs.readFileSync(inputFile, "utf8")) as MockRunInput;
    run(path.resolve(programFile), input).then(
        (result) => fs.writeFileSync(resultFile, JSON.stringify(result, null, 1)),
        (error: unknown) => {
            console.error(error instanceof Error ? error.stack : error);
            process.exitCode = 1;
        },
    );
}

if (require.main === module) {
    main(process.argv.slice(2));
}
