/**
 * `npm run bench`: how long pimguard takes before `pulumi preview` hands over to the engine, how
 * much memory that takes, and how long an out-of-PIM assignment survives.
 *
 *   1. type-check of the stack program (tsc) against a generated baseline program;
 *   2. evaluation of the stack program under Pulumi's mocks, against the same baseline: ts-node
 *      transpile-only (the headline), ts-node type-checking (2b), compiled JavaScript (2c);
 *   3. Kusto.Language: cold load, first analysis, warm analysis of each kql/*.kql;
 *   4. `npm test`;
 *   5. modelled time to remediation (arithmetic).
 *
 * Every measured process is fresh. Project and baseline runs alternate, so load on the machine
 * affects both alike; ratios are what compare across machines. The last line printed is one JSON
 * object with the headline figures. `--quick` takes fewer runs (for trying the bench out).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { defaultRuleFrequencyMinutes } from "../components/config";
import { lookBackMinutes } from "../components/detectionRule";
import {
    cleanUpMeasurements,
    formatSummary,
    lastJsonLine,
    ProcessSample,
    runNodeMeasured,
    runProcess,
    summarize,
    Summary,
    tail,
} from "./measure";
import {
    compiledPath,
    compileToJavaScript,
    findProgramImports,
    generatedDir,
    programEntryFiles,
    projectRoot,
    rootSdkImports,
    writeBaselineProgram,
    writeTypecheckConfig,
} from "./programs";
import { formatPath, pimguardPaths, seedPaths, totalMinutes } from "./remediationModel";
import { EvaluationReport, KqlTimingsReport, MochaFileTimes } from "./reports";

/** How many times each thing is measured (warm-up runs are extra and not counted). */
interface RunCounts {
    typecheck: number;
    /** Evaluation transpile-only, and of the compiled JavaScript. */
    evaluation: number;
    /** Evaluation with ts-node type-checking (about as slow as the type-check): few runs, no warm-up. */
    typeCheckedEvaluation: number;
    kqlProcesses: number;
    kqlWarmAnalyses: number;
    npmTest: number;
}

// Sized so the whole bench takes about three minutes on two cores.
const fullRuns: RunCounts = { typecheck: 4, evaluation: 6, typeCheckedEvaluation: 2, kqlProcesses: 3, kqlWarmAnalyses: 15, npmTest: 2 };
const quickRuns: RunCounts = { typecheck: 1, evaluation: 2, typeCheckedEvaluation: 1, kqlProcesses: 1, kqlWarmAnalyses: 5, npmTest: 1 };
const warmUpRuns = 1;

/** The issue's targets (on a 2-core machine). */
const targets = { ratio: 1.3, evalMedianMs: 2000, evalPeakMB: 400, testSeconds: 30 };

const tsNodeRegister = ["--require", "ts-node/register/transpile-only"];

/**
 * The two ways `pulumi preview` runs a TypeScript program (@pulumi/pulumi cmd/run): ts-node
 * transpile-only when PULUMI_NODEJS_TRANSPILE_ONLY=true or the tsconfig sets `noCheck`, and
 * otherwise, by default, ts-node type-checking each file it loads. And JavaScript compiled
 * beforehand, run by plain node: Pulumi's `typescript: false`, or what a program importing the
 * built package pays for pimguard's part.
 */
const evaluationModes = {
    transpileOnly: { runner: "node -r ts-node/register/transpile-only", nodeOptions: tsNodeRegister, compiled: false, warmUps: warmUpRuns },
    typeChecked: { runner: "node -r ts-node/register", nodeOptions: ["--require", "ts-node/register"], compiled: false, warmUps: 0 },
    compiled: { runner: "node (JavaScript compiled beforehand, no ts-node)", nodeOptions: [], compiled: true, warmUps: warmUpRuns },
} as const;
type EvaluationMode = keyof typeof evaluationModes;

type Program = "program" | "baseline";

/** A section's figures, or why it has none. */
type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

interface PairedFigures {
    program: Summary;
    baseline: Summary;
    ratio: number;
}

interface TypecheckFigures {
    wallS: PairedFigures;
    cpuS: PairedFigures;
    peakMB: PairedFigures;
}

interface EvaluationFigures {
    /** How the program ran, e.g. `node -r ts-node/register/transpile-only`. */
    runner: string;
    registeredMs: PairedFigures;
    /** Median milliseconds of each phase, per program. */
    phases: Record<Program, EvaluationPhases>;
    cpuMs: PairedFigures;
    peakMB: PairedFigures;
    resources: Record<Program, number>;
    loadedFiles: Record<Program, Record<string, number>>;
}

/** Medians, in milliseconds, of where an evaluation spent its time. */
interface EvaluationPhases {
    /** Node.js, ts-node and @pulumi/pulumi loaded, mocks set. */
    runtime: number;
    /** `require(program)`: its modules compiled and loaded, its resources declared. */
    program: number;
    /** Of `program`: ts-node compiling (and in type-checked mode checking) the program's files. */
    transpile: number;
    transpiledFiles: number;
    /** Throughout: formatting the stack traces Pulumi records. */
    stackTraces: number;
    /** After `require(program)` returned, until every registration completed. */
    registrations: number;
}

interface KqlFigures {
    coldLoadMs: Summary;
    firstAnalysisMs: Summary;
    warmMs: Record<string, Summary>;
    diagnostics: Record<string, number>;
}

interface TestFigures {
    wallS: Summary;
    lastRun: MochaFileTimes;
    lastRunWallS: number;
}

async function main(): Promise<void> {
    const runs = process.argv.includes("--quick") ? quickRuns : fullRuns;
    const startedAt = Date.now();
    printMachine();

    const imports = findProgramImports();
    const baselineFile = writeBaselineProgram(imports.sdkModules);
    const tsconfigs: Record<Program, string> = {
        program: writeTypecheckConfig("program", programEntryFiles),
        baseline: writeTypecheckConfig("baseline", [baselineFile]),
    };
    printPrograms(imports, baselineFile);

    const typecheck = await section("1. Type-check (tsc --noEmit)", () => measureTypecheck(tsconfigs, runs.typecheck), printTypecheck);
    const evaluation = await section(
        "2. Evaluation under Pulumi mocks, transpile-only (process start to all resources registered)",
        () => measureEvaluation(baselineFile, runs.evaluation, "transpileOnly"),
        printEvaluation,
    );
    const typeCheckedEvaluation = await section(
        "2b. Evaluation under Pulumi mocks with ts-node type-checking (`pulumi preview`'s default)",
        () => measureEvaluation(baselineFile, runs.typeCheckedEvaluation, "typeChecked"),
        printEvaluation,
    );
    const compiledEvaluation = await section(
        "2c. Evaluation under Pulumi mocks of the same programs compiled to JavaScript beforehand",
        () => {
            compileToJavaScript([...imports.sourceFiles, baselineFile, path.join(__dirname, "evaluateProgram.ts"), path.join(projectRoot, "test", "support", "mockTenant.ts")]);
            return measureEvaluation(baselineFile, runs.evaluation, "compiled");
        },
        printEvaluation,
    );
    const kql = await section("3. KQL compile (Kusto.Language)", () => measureKql(runs), printKql);
    const tests = await section("4. npm test", () => measureTests(runs.npmTest), printTests);
    printRemediationModel();

    const headline = {
        typecheckRatio: typecheck.ok ? round(typecheck.value.wallS.ratio, 2) : null,
        typecheckMedianS: typecheck.ok ? round(typecheck.value.wallS.program.median, 2) : null,
        evalRatio: evaluation.ok ? round(evaluation.value.registeredMs.ratio, 2) : null,
        evalMedianMs: evaluation.ok ? Math.round(evaluation.value.registeredMs.program.median) : null,
        evalPeakMB: evaluation.ok ? Math.round(evaluation.value.peakMB.program.max) : null,
        kqlWarmMs: kql.ok ? round(Math.max(...Object.values(kql.value.warmMs).map((warm) => warm.median)), 1) : null,
        testSeconds: tests.ok ? round(tests.value.wallS.median, 1) : null,
    };
    printTargets(headline);
    console.log(`\nbench took ${((Date.now() - startedAt) / 1000).toFixed(0)} s; load average now ${loadAverage()}`);
    cleanUpMeasurements();
    console.log(JSON.stringify(headline));
    const failed = [typecheck, evaluation, typeCheckedEvaluation, compiledEvaluation, kql, tests].some((outcome) => !outcome.ok);
    process.exitCode = failed ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------

/** Runs one section; a failure is reported and the bench goes on with the next section. */
async function section<T>(title: string, measure: () => Promise<T>, print: (figures: T) => void): Promise<Outcome<T>> {
    console.log(`\n## ${title}`);
    try {
        const value = await measure();
        print(value);
        return { ok: true, value };
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        console.log(`FAILED: ${message}`);
        return { ok: false, error: message };
    }
}

async function measureTypecheck(tsconfigs: Record<Program, string>, runs: number): Promise<TypecheckFigures> {
    const tsc = require.resolve("typescript/lib/tsc.js");
    const samples = await alternate(runs, warmUpRuns, async (program) => {
        const sample = await runNodeMeasured({ script: tsc, args: ["-p", tsconfigs[program]], cwd: projectRoot });
        if (sample.exitCode !== 0) {
            throw new Error(`tsc -p ${path.relative(projectRoot, tsconfigs[program])} failed:\n${tail(sample.stdout + sample.stderr)}`);
        }
        return sample;
    });
    return {
        wallS: paired(samples, (sample) => sample.wallMs / 1000),
        cpuS: paired(samples, (sample) => required(sample.cpuMs, "CPU time") / 1000),
        peakMB: paired(samples, (sample) => required(sample.peakMB, "peak memory")),
    };
}

async function measureEvaluation(baselineFile: string, runs: number, mode: EvaluationMode): Promise<EvaluationFigures> {
    const { runner, nodeOptions, compiled, warmUps } = evaluationModes[mode];
    const runnable = (file: string) => (compiled ? compiledPath(file) : file);
    const programFile: Record<Program, string> = { program: runnable(path.join(projectRoot, "index.ts")), baseline: runnable(baselineFile) };
    const reports = new Map<ProcessSample, EvaluationReport>();
    const samples = await alternate(runs, warmUps, async (program) => {
        const sample = await runNodeMeasured({
            script: runnable(path.join(__dirname, "evaluateProgram.ts")),
            args: [programFile[program]],
            nodeOptions: [...nodeOptions],
            cwd: projectRoot,
        });
        if (sample.exitCode !== 0) {
            throw new Error(`evaluating ${path.relative(projectRoot, programFile[program])} failed:\n${tail(sample.stderr || sample.stdout)}`);
        }
        reports.set(sample, lastJsonLine<EvaluationReport>(sample, "bench/evaluateProgram.ts"));
        return sample;
    });
    const report = (sample: ProcessSample) => reports.get(sample)!;
    const lastReport = (program: Program) => report(samples[program][samples[program].length - 1]);
    const medianOf = (program: Program, phase: (report: EvaluationReport) => number) =>
        summarize(samples[program].map((sample) => phase(report(sample)))).median;
    const phases = (program: Program): EvaluationPhases => ({
        runtime: medianOf(program, (r) => r.runtimeLoadedMs),
        program: medianOf(program, (r) => r.programLoadedMs - r.runtimeLoadedMs),
        transpile: medianOf(program, (r) => r.transpileMs),
        transpiledFiles: lastReport(program).transpiledFiles,
        stackTraces: medianOf(program, (r) => r.stackTraceMs),
        registrations: medianOf(program, (r) => r.registeredMs - r.programLoadedMs),
    });
    return {
        runner,
        registeredMs: paired(samples, (sample) => report(sample).registeredMs),
        phases: { program: phases("program"), baseline: phases("baseline") },
        cpuMs: paired(samples, (sample) => required(sample.cpuMs, "CPU time")),
        peakMB: paired(samples, (sample) => required(sample.peakMB, "peak memory")),
        resources: { program: lastReport("program").resources, baseline: lastReport("baseline").resources },
        loadedFiles: { program: lastReport("program").loadedFiles, baseline: lastReport("baseline").loadedFiles },
    };
}

async function measureKql(runs: RunCounts): Promise<KqlFigures> {
    const reports: KqlTimingsReport[] = [];
    for (let i = 0; i < runs.kqlProcesses; i++) {
        const sample = await runNodeMeasured({
            script: path.join(__dirname, "kqlTimings.ts"),
            args: [String(runs.kqlWarmAnalyses)],
            nodeOptions: tsNodeRegister,
            cwd: projectRoot,
        });
        if (sample.exitCode !== 0) {
            throw new Error(`bench/kqlTimings.ts failed:\n${tail(sample.stderr || sample.stdout)}`);
        }
        reports.push(lastJsonLine<KqlTimingsReport>(sample, "bench/kqlTimings.ts"));
    }
    const files = Object.keys(reports[0].warmMs);
    return {
        coldLoadMs: summarize(reports.map((report) => report.coldLoadMs)),
        firstAnalysisMs: summarize(reports.map((report) => report.firstAnalysisMs)),
        warmMs: Object.fromEntries(files.map((file) => [file, summarize(reports.flatMap((report) => report.warmMs[file]))])),
        diagnostics: reports[0].diagnostics,
    };
}

/**
 * `npm test` as a developer runs it, with one addition: the bench's reporter instead of dots,
 * so the last run also says which spec files cost what.
 */
async function measureTests(runs: number): Promise<TestFigures> {
    const reportFile = path.join(generatedDir, "mocha-file-times.json");
    const reporter = path.relative(projectRoot, path.join(__dirname, "mochaFileTimes.ts"));
    const npm = npmCommand(["test", "--", "--reporter", reporter]);
    const wallS: number[] = [];
    let lastRun: MochaFileTimes | undefined;
    for (let i = 0; i < runs; i++) {
        fs.rmSync(reportFile, { force: true });
        const sample = await runProcess(npm.command, npm.args, projectRoot, { PIMGUARD_BENCH_MOCHA_REPORT: reportFile });
        if (sample.exitCode !== 0) {
            throw new Error(`npm test failed (exit code ${sample.exitCode}):\n${tail(sample.stdout + sample.stderr, 25)}`);
        }
        wallS.push(sample.wallMs / 1000);
        lastRun = JSON.parse(fs.readFileSync(reportFile, "utf8")) as MochaFileTimes;
    }
    return { wallS: summarize(wallS), lastRun: lastRun!, lastRunWallS: wallS[wallS.length - 1] };
}

/** npm itself: the one running this script when there is one, else the one on PATH. */
function npmCommand(args: string[]): { command: string; args: string[] } {
    const npmCli = process.env.npm_execpath;
    if (npmCli && npmCli.endsWith(".js")) {
        return { command: process.execPath, args: [npmCli, ...args] };
    }
    return { command: process.platform === "win32" ? "npm.cmd" : "npm", args };
}

// ---------------------------------------------------------------------------------------------
// Measuring in pairs
// ---------------------------------------------------------------------------------------------

/**
 * Measures the program and the baseline `runs` times each after `warmUps` unmeasured rounds (file
 * cache, compile cache), alternating which goes first so drifting machine load hits both alike.
 */
async function alternate(
    runs: number,
    warmUps: number,
    measure: (program: Program) => Promise<ProcessSample>,
): Promise<Record<Program, ProcessSample[]>> {
    const samples: Record<Program, ProcessSample[]> = { program: [], baseline: [] };
    for (let round = 0; round < warmUps + runs; round++) {
        const order: Program[] = round % 2 === 0 ? ["program", "baseline"] : ["baseline", "program"];
        for (const program of order) {
            const sample = await measure(program);
            if (round >= warmUps) {
                samples[program].push(sample);
            }
        }
    }
    return samples;
}

/**
 * Summaries of both, and the ratio: the median of the per-round ratios. Runs of one round ran
 * back to back, so a burst of load on a shared machine inflates both sides of one ratio rather
 * than one side of the comparison.
 */
function paired(samples: Record<Program, ProcessSample[]>, figure: (sample: ProcessSample) => number): PairedFigures {
    const program = samples.program.map(figure);
    const baseline = samples.baseline.map(figure);
    const roundRatios = program.map((value, round) => value / baseline[round]);
    return { program: summarize(program), baseline: summarize(baseline), ratio: summarize(roundRatios).median };
}

function required(value: number | undefined, what: string): number {
    if (value === undefined) {
        throw new Error(`a measured process did not report its ${what} (bench/usageReporter.js not preloaded?)`);
    }
    return value;
}

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

function printMachine(): void {
    const cpus = os.cpus();
    console.log("# pimguard bench (figures are min / median / max over fresh processes)");
    console.log(`machine: ${cpus.length} x ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
    console.log(`load average at start: ${loadAverage()} (wall times grow with load; CPU times and ratios much less)`);
}

function printPrograms(imports: ReturnType<typeof findProgramImports>, baselineFile: string): void {
    console.log("\nstack program: index.ts + components/index.ts and the files they import " + `(${imports.sourceFiles.length} files):`);
    console.log(`  ${imports.sourceFiles.join(", ")}`);
    console.log(`  provider SDK imports: ${imports.sdkModules.join(", ")}`);
    console.log(`  other imports: ${imports.otherModules.join(", ") || "none"}`);
    const roots = rootSdkImports(imports.sdkModules);
    if (roots.length > 0) {
        console.log(`  root-package imports (each loads its whole SDK index; prefer submodules): ${roots.join(", ")}`);
    }
    if (imports.unresolved.length > 0) {
        console.log(`  UNRESOLVED relative imports (the program cannot compile): ${imports.unresolved.join("; ")}`);
    }
    console.log(`baseline: ${path.relative(projectRoot, baselineFile)}, the same SDK imports and one ResourceGroup`);
    console.log("type-check: tsc -p bench/.generated/tsconfig.{program,baseline}.json: the project's tsconfig.json options,");
    console.log('  types ["node"], and only those entry files plus what they import (tests, kql/ and bench/ are not part)');
}

function printTypecheck(figures: TypecheckFigures): void {
    printPaired("wall", figures.wallS, "s", 2);
    printPaired("CPU (user+sys)", figures.cpuS, "s", 2);
    printPaired("peak RSS", figures.peakMB, "MB", 0);
}

function printEvaluation(figures: EvaluationFigures): void {
    console.log(`${figures.runner}: bench/evaluateProgram.ts <program>; time = performance.now() once all registrations completed`);
    printPaired("time to registered", figures.registeredMs, "ms", 0);
    printPaired("CPU (user+sys)", figures.cpuMs, "ms", 0);
    printPaired("peak RSS", figures.peakMB, "MB", 0);
    for (const program of ["program", "baseline"] as const) {
        const phase = figures.phases[program];
        const ms = (value: number) => `${value.toFixed(0)} ms`;
        const compiling = phase.transpiledFiles > 0 ? `, of which ts-node compiling ${phase.transpiledFiles} file(s) ${ms(phase.transpile)}` : "";
        console.log(
            `  ${program} (medians): runtime ready ${ms(phase.runtime)}; require(program) ${ms(phase.program)}${compiling}; ` +
                `registrations settle ${ms(phase.registrations)}; formatting Pulumi's stack traces ${ms(phase.stackTraces)} throughout`,
        );
    }
    console.log(`  resources declared: program ${figures.resources.program}, baseline ${figures.resources.baseline}`);
    const packages = [...new Set([...Object.keys(figures.loadedFiles.program), ...Object.keys(figures.loadedFiles.baseline)])].sort();
    const differing = packages
        .map((name) => ({ name, program: figures.loadedFiles.program[name] ?? 0, baseline: figures.loadedFiles.baseline[name] ?? 0 }))
        .filter((counts) => counts.program !== counts.baseline);
    console.log(`  loaded files that differ (program vs baseline): ${differing.map((d) => `${d.name} ${d.program} vs ${d.baseline}`).join(", ") || "none"}`);
}

function printKql(figures: KqlFigures): void {
    console.log(`cold load (require Bridge.NET + Kusto.Language, fresh process): ${formatSummary(figures.coldLoadMs, "ms", 0)}`);
    console.log(`first analysis (detection query; builds the global state):   ${formatSummary(figures.firstAnalysisMs, "ms", 0)}`);
    for (const [file, warm] of Object.entries(figures.warmMs)) {
        console.log(`warm analysis ${file}: ${formatSummary(warm, "ms", 1)} (${warm.runs} analyses, ${figures.diagnostics[file]} diagnostics)`);
    }
}

function printTests(figures: TestFigures): void {
    console.log(`npm test wall: ${formatSummary(figures.wallS, "s", 1)} (${figures.wallS.runs} runs)`);
    const last = figures.lastRun;
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(`last run: ${figures.lastRunWallS.toFixed(1)} s, ${last.passes} passing, ${last.failures} failing`);
    console.log(`  the rest (npm, tsc --noEmit over the whole project, exits): ${seconds(figures.lastRunWallS * 1000 - last.finishedMs)}`);
    console.log(`  mocha loading (ts-node, spec files and what they import): ${seconds(last.loadingMs)}`);
    console.log(`  mocha running: ${seconds(last.finishedMs - last.loadingMs)}, by spec file:`);
    const byCost = Object.entries(last.fileMs).sort(([, a], [, b]) => b - a);
    for (const [file, ms] of byCost) {
        console.log(`  ${(ms / 1000).toFixed(2).padStart(6)} s  ${file} (its suites, hooks included)`);
    }
}

function printPaired(label: string, figures: PairedFigures, unit: string, digits: number): void {
    console.log(
        `${label.padEnd(19)} program ${formatSummary(figures.program, unit, digits)} | baseline ${formatSummary(figures.baseline, unit, digits)}` +
            ` | ratio ${figures.ratio.toFixed(2)} (median of ${figures.program.runs} paired runs)`,
    );
}

function printRemediationModel(): void {
    const rule = { frequencyMinutes: defaultRuleFrequencyMinutes, lookBackMinutes: lookBackMinutes(defaultRuleFrequencyMinutes) };
    console.log("\n## 5. Modelled time to remediation (arithmetic, not a measurement; minutes)");
    console.log(`configured rule: every ${rule.frequencyMinutes} min, look-back ${rule.lookBackMinutes} min; Sentinel's built-in 5-minute delay added in full`);
    const ours = pimguardPaths(rule);
    const seed = seedPaths();
    console.log("pimguard (Core Directory record of the assignment):");
    for (const entry of ours) {
        console.log(`  ${entry.name}: ${formatPath(entry)}`);
    }
    console.log("  records later than that: PIM scan record, as the seed below");
    console.log("seed (PIM scan record only, ~2-hour cadence, rule every 5 min):");
    for (const entry of seed) {
        console.log(`  ${entry.name}: ${formatPath(entry)}`);
    }
    const typical = (paths: typeof ours) => totalMinutes(paths.find((entry) => entry.name === "typical")!);
    console.log(`typical: pimguard ${typical(ours)} min vs seed ${typical(seed)} min (${(typical(seed) / typical(ours)).toFixed(1)}x sooner)`);
}

function printTargets(headline: Record<string, number | null>): void {
    console.log("\n## Targets (2 cores)");
    const check = (label: string, value: number | null, limit: number, unit: string, inclusive: boolean) => {
        const verdict = value === null ? "not measured" : (inclusive ? value <= limit : value < limit) ? "met" : "MISSED";
        console.log(`  ${label.padEnd(30)} ${value ?? "-"} ${unit} (target ${inclusive ? "<=" : "<"} ${limit}): ${verdict}`);
    };
    check("type-check ratio", headline.typecheckRatio, targets.ratio, "", true);
    check("evaluation ratio", headline.evalRatio, targets.ratio, "", true);
    check("evaluation median", headline.evalMedianMs, targets.evalMedianMs, "ms", false);
    check("evaluation peak RSS (max)", headline.evalPeakMB, targets.evalPeakMB, "MB", false);
    check("npm test median", headline.testSeconds, targets.testSeconds, "s", false);
}

function loadAverage(): string {
    return os
        .loadavg()
        .map((load) => load.toFixed(2))
        .join(", ");
}

function round(value: number, digits: number): number {
    return Number(value.toFixed(digits));
}

main().catch((error: Error) => {
    console.error(error.stack ?? error.message);
    process.exitCode = 1;
});
