import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";

/** One run of one process, as the parent saw it (and as the process reported itself). */
export interface ProcessSample {
    /** From spawn to exit, measured by the parent. */
    wallMs: number;
    /** User + system CPU time of the measured process; undefined unless it reported usage. */
    cpuMs?: number;
    /** Peak resident set size of the measured process; undefined unless it reported usage. */
    peakMB?: number;
    exitCode: number | null;
    stdout: string;
    stderr: string;
}

export interface ProcessSpec {
    /** A Node.js script and its arguments, run with this Node binary. */
    script: string;
    args: string[];
    /** Extra `node` options placed before the script (e.g. `--require`). */
    nodeOptions?: string[];
    cwd: string;
    env?: Record<string, string>;
}

const usageReporter = path.join(__dirname, "usage-reporter.js");
let usageDir: string | undefined;

/**
 * Runs a Node.js script in a fresh process with the usage reporter preloaded, so the sample
 * carries the process's own peak memory and CPU time, not just the wall time.
 */
export async function runNodeMeasured(spec: ProcessSpec): Promise<ProcessSample> {
    usageDir ??= fs.mkdtempSync(path.join(os.tmpdir(), "pimguard-bench-"));
    const usageFile = path.join(usageDir, `usage-${process.hrtime.bigint()}.json`);
    const sample = await runProcess(process.execPath, ["--require", usageReporter, ...(spec.nodeOptions ?? []), spec.script, ...spec.args], spec.cwd, {
        ...spec.env,
        PIMGUARD_BENCH_USAGE_FILE: usageFile,
    });
    if (fs.existsSync(usageFile)) {
        const usage = JSON.parse(fs.readFileSync(usageFile, "utf8")) as { maxRssKiB: number; userCpuMicros: number; systemCpuMicros: number };
        fs.rmSync(usageFile);
        sample.peakMB = (usage.maxRssKiB * 1024) / 1e6;
        sample.cpuMs = (usage.userCpuMicros + usage.systemCpuMicros) / 1000;
    }
    return sample;
}

/** Runs any command and measures its wall time (spawn to exit). */
export function runProcess(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<ProcessSample> {
    return new Promise((resolve, reject) => {
        const started = performance.now();
        const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
        child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
        child.on("error", reject);
        child.on("close", (exitCode) =>
            resolve({
                wallMs: performance.now() - started,
                exitCode,
                stdout: Buffer.concat(stdout).toString("utf8"),
                stderr: Buffer.concat(stderr).toString("utf8"),
            }),
        );
    });
}

/** Removes the temporary files of usage reports. */
export function cleanUpMeasurements(): void {
    if (usageDir !== undefined) {
        fs.rmSync(usageDir, { recursive: true, force: true });
        usageDir = undefined;
    }
}

/** Min, median and max of a series of measurements. */
export interface Summary {
    min: number;
    median: number;
    max: number;
    runs: number;
}

export function summarize(values: number[]): Summary {
    if (values.length === 0) {
        throw new Error("summarize: no measurements");
    }
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    return { min: sorted[0], median, max: sorted[sorted.length - 1], runs: sorted.length };
}

/** e.g. `1.23 / 1.40 / 1.52 s` (min / median / max). */
export function formatSummary(summary: Summary, unit: string, digits: number): string {
    const value = (n: number) => n.toFixed(digits);
    return `${value(summary.min)} / ${value(summary.median)} / ${value(summary.max)} ${unit}`;
}

/** The last line of a process's stdout parsed as JSON: how the bench's child processes report. */
export function lastJsonLine<T>(sample: ProcessSample, what: string): T {
    const lines = sample.stdout.trim().split("\n");
    try {
        return JSON.parse(lines[lines.length - 1]) as T;
    } catch {
        throw new Error(`${what} printed no JSON result (exit code ${sample.exitCode}):\n${tail(sample.stderr || sample.stdout)}`);
    }
}

/** The last lines of a process's output, for error messages. */
export function tail(text: string, lines = 15): string {
    return text.trim().split("\n").slice(-lines).join("\n");
}
