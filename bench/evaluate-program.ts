/**
 * A child process of the bench: evaluates one Pulumi program under Pulumi's mock runtime, the
 * way test/support/stack-harness.ts does, and prints one JSON line: when every resource had been
 * registered (milliseconds since this Node.js process started, so module loading counts), how
 * many resources, how many loaded files each package contributed, and where the time went
 * (ts-node compiling the program's TypeScript; formatting the stack traces Pulumi records).
 *
 *   node -r ts-node/register bench/evaluate-program.ts <program.ts> [--record <registrations.json>]
 *   node bench/.generated/compiled/bench/evaluate-program.js <program.js>   (compiled beforehand)
 *
 * `--record` also writes what the program registered, in order (type, name, whether custom, the
 * inputs the mocks received), from which bench/programs.ts writes the resources-only control.
 *
 * The mocks answer from the tests' fake tenant (test/support/mock-tenant.ts, which imports
 * nothing), so program and baseline pay the same for them and the bench follows the tests when
 * the program starts asking Azure something new.
 */
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import * as pulumi from "@pulumi/pulumi";
import type { Service } from "ts-node";
import { armId, computedOutputs, invokeResult } from "../replay/azure/mock-tenant";
import { EvaluationReport, RecordedRegistration } from "./reports";

/** The smallest valid stack config (the two required keys). */
const stackConfig = {
    "pimguard:workspaceName": "law-sentinel",
    "pimguard:workspaceResourceGroup": "rg-sentinel",
};

async function main(programFile: string, recordFile: string | undefined): Promise<void> {
    const runtimeLoadedMs = performance.now();
    const transpiling = timeTranspiling();
    const stackTraces = timeStackTraces();
    // A failed apply (e.g. a validation throwing) surfaces only as an unhandled rejection.
    const failures: unknown[] = [];
    process.on("unhandledRejection", (reason) => failures.push(reason));
    let resources = 0;
    const registrations: RecordedRegistration[] = [];
    pulumi.runtime.setAllConfig(stackConfig);
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                if (args.type !== "pulumi:pulumi:Stack") {
                    resources++;
                    if (recordFile !== undefined) {
                        registrations.push({ type: args.type, name: args.name, custom: args.custom === true, inputs: args.inputs });
                    }
                }
                return { id: armId(args.type, args.name, args.inputs), state: { ...args.inputs, ...computedOutputs(args.type, args.name, args.inputs) } };
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
    if (recordFile !== undefined) {
        fs.writeFileSync(recordFile, JSON.stringify(registrations, null, 1));
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

function optionValue(name: string): string | undefined {
    const at = process.argv.indexOf(name);
    return at < 0 ? undefined : process.argv[at + 1];
}

main(process.argv[2], optionValue("--record")).then(
    () => process.exit(0),
    (error: Error) => {
        console.error(error.stack ?? error.message);
        process.exit(1);
    },
);
