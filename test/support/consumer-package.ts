/**
 * Builds pimguard the way a user gets it and runs the example consumer against it: `npm pack`
 * (prepack compiles), install the tarball into a temporary copy of `examples/consumer/`,
 * type-check and compile that program with its own TypeScript, and run it under Pulumi mocks
 * with its own `@pulumi/pulumi` (see replay/azure/mock-run.ts).
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { parse as parseYaml } from "yaml";
import type { MockRunInput, MockRunResult } from "../../replay/azure/mock-run";
import { readStackConfig } from "./stack-files";

export const repositoryRoot = path.resolve(__dirname, "..", "..");
export const consumerSource = path.join(repositoryRoot, "examples", "consumer");

const runFile = promisify(execFile);

/** How long each step took, in milliseconds, for the test's log. */
export type StepTimings = Record<string, number>;

export interface PackedPackage {
    tarball: string;
    /** Paths inside the package, e.g. `bin/components/index.js`. */
    files: string[];
}

/** `npm pack` of this repository into `destination`; the prepack script builds `bin/`. */
export async function packProject(destination: string): Promise<PackedPackage> {
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", destination], repositoryRoot);
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    return { tarball: path.join(destination, packed.filename), files: packed.files.map((file) => file.path) };
}

/**
 * Copies the consumer program to `destination` (without anything built or installed there)
 * and points its `pimguard` dependency at the tarball instead of the repository.
 */
export function copyConsumer(destination: string, tarball: string): void {
    fs.cpSync(consumerSource, destination, {
        recursive: true,
        filter: (source) => !["node_modules", "bin", "package-lock.json"].includes(path.basename(source)),
    });
    const manifestPath = path.join(destination, "package.json");
    const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
    if (manifest.dependencies?.pimguard === undefined) {
        throw new Error(`${manifestPath} does not depend on pimguard`);
    }
    manifest.dependencies.pimguard = `file:${tarball}`;
    fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
}

/**
 * Installs the consumer's dependencies. The repository's node_modules is hard-linked in first:
 * npm then keeps every package whose version fits, prunes the rest and only unpacks pimguard,
 * instead of unpacking @pulumi/azure-native's ~17,000 files again. Where hard links are not
 * possible (another file system) npm installs everything, from its cache when it can.
 */
export async function installConsumer(consumerDir: string): Promise<void> {
    try {
        hardLinkTree(path.join(repositoryRoot, "node_modules"), path.join(consumerDir, "node_modules"));
    } catch (error) {
        fs.rmSync(path.join(consumerDir, "node_modules"), { recursive: true, force: true });
        console.warn(`    (could not hard-link node_modules, installing in full: ${(error as Error).message})`);
    }
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], consumerDir);
}

/** Type-checks the consumer with its own TypeScript and compiles it, with the mock runner, to `bin/`. */
export async function compileConsumer(consumerDir: string): Promise<void> {
    const runner = path.join(repositoryRoot, "replay", "azure");
    for (const file of ["mock-run.ts", "mock-tenant.ts"]) {
        fs.copyFileSync(path.join(runner, file), path.join(consumerDir, file));
    }
    await run(process.execPath, [path.join(consumerDir, "node_modules", "typescript", "bin", "tsc"), "-p", consumerDir], consumerDir);
}

/** Runs the compiled consumer under mocks with the config of its `Pulumi.<stack>.yaml`, plus extra values. */
export async function runConsumer(
    consumerDir: string,
    stack: string,
    extra: { config?: Record<string, string>; secretKeys?: string[] } = {},
): Promise<MockRunResult> {
    const input: MockRunInput = {
        project: projectName(consumerDir),
        stack,
        config: { ...stackConfig(consumerDir, stack), ...extra.config },
        secretKeys: extra.secretKeys ?? [],
    };
    const inputFile = path.join(consumerDir, "mock-run.json");
    const resultFile = path.join(consumerDir, "mock-result.json");
    fs.writeFileSync(inputFile, JSON.stringify(input));
    await run(process.execPath, [path.join("bin", "mock-run.js"), path.join("bin", "index.js"), inputFile, resultFile], consumerDir);
    return JSON.parse(fs.readFileSync(resultFile, "utf8")) as MockRunResult;
}

export function projectName(programDir: string): string {
    return (parseYaml(fs.readFileSync(path.join(programDir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
}

/** A stack's config for a mock run; encrypted values cannot be read there, so they are refused. */
function stackConfig(programDir: string, stack: string): Record<string, string> {
    const { plain, encrypted } = readStackConfig(programDir, stack);
    if (encrypted.length > 0) {
        throw new Error(`Pulumi.${stack}.yaml encrypts ${encrypted.join(", ")}; a mock run cannot decrypt them, pass them as extra secrets`);
    }
    return plain;
}

export function makeWorkDir(prefix = "pimguard-consumer-"): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** After a packaging suite: removes its work directory and prints how long each step took. */
export function cleanUpAndReport(workDir: string | undefined, timings: StepTimings): void {
    if (workDir !== undefined) {
        fs.rmSync(workDir, { recursive: true, force: true });
    }
    console.log(
        `    timings: ${Object.entries(timings)
            .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`)
            .join(", ")}`,
    );
}

export async function timed<T>(timings: StepTimings, step: string, action: () => Promise<T> | T): Promise<T> {
    const started = Date.now();
    try {
        return await action();
    } finally {
        timings[step] = Date.now() - started;
    }
}

/**
 * Runs a command with npm's per-run variables removed: under `npm test` they name this
 * repository (npm_config_local_prefix, npm_package_*), and a nested npm would act on it.
 */
export async function run(command: string, args: string[], cwd: string): Promise<{ stdout: string }> {
    const env = Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !/^(npm_package_|npm_lifecycle_|npm_config_local_prefix$|npm_command$|INIT_CWD$)/i.test(name)),
    );
    try {
        const { stdout } = await runFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
        return { stdout };
    } catch (error) {
        const failed = error as Error & { stdout?: string; stderr?: string };
        throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${failed.stdout ?? ""}${failed.stderr ?? failed.message}`, { cause: error });
    }
}

/** Mirrors a directory tree with hard links (symlinks copied as symlinks). */
export function hardLinkTree(source: string, destination: string): void {
    fs.mkdirSync(destination);
    for (const entry of fs.readdirSync(source, { withFileTypes: true })) {
        const from = path.join(source, entry.name);
        const to = path.join(destination, entry.name);
        if (entry.isDirectory()) {
            hardLinkTree(from, to);
        } else if (entry.isSymbolicLink()) {
            fs.symlinkSync(fs.readlinkSync(from), to);
        } else {
            fs.linkSync(from, to);
        }
    }
}
