/**
 * `npm run bench`: how long pimguard takes before `pulumi preview` hands over to the engine, how
 * much memory that takes, and how long an out-of-PIM assignment survives.
 *
 *   1. type-check of the stack program (tsc) against a generated baseline program;
 *   2. evaluation of the stack program under Pulumi's mocks, against the same baseline and against
 *      a resources-only control (its resources, none of its code): through ts-node as
 *      `pulumi preview` runs this project (the headline), and as JavaScript compiled beforehand (2b);
 *   3. Kusto.Language: cold load, first analysis, warm analysis of each kql/*.kql;
 *   4. `npm test`;
 *   5. time to remediation, measured: a stream of assignments through the real queries, run
 *      after run as Sentinel schedules each detection kind, through the KQL replay.
 *
 * Every measured process is fresh. Program, control and baseline runs alternate, so load on the
 * machine affects them alike; ratios are what compare across machines. The last line printed is one JSON
 * object with the headline figures. `--quick` takes fewer runs (for trying the bench out).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DetectionKind, detectionKinds } from "../components/config";
import { cleanUpMeasurements, formatSummary, lastJsonLine, ProcessSample, runNodeMeasured, runProcess, summarize, Summary, tail } from "./measure";
import {
    compiledPath,
    compileToJavaScript,
    findProgramImports,
    generatedDir,
    programEntryFiles,
    projectRoot,
    rootSdkImports,
    writeBaselineProgram,
    writeResourcesOnlyProgram,
    writeTypecheckConfig,
} from "./programs";
import {
    Assignment,
    assignmentStream,
    burstStream,
    compiledDetectionQuery,
    defaultStream,
    KindOutcome,
    lognormalThrough,
    quantile,
    runDetection,
    sentinelSchedules,
    StreamModel,
} from "./remediation-latency";
import { EvaluationReport, KqlTimingsReport, MochaFileTimes, RecordedRegistration } from "./reports";

/** How many times each thing is measured (warm-up runs are extra and not counted). */
interface RunCounts {
    typecheck: number;
    /** Evaluation through ts-node, and of the compiled JavaScript (rounds of three processes). */
    evaluation: number;
    kqlProcesses: number;
    kqlWarmAnalyses: number;
    npmTest: number;
}

// Sized so the whole bench takes about three minutes on two cores.
const fullRuns: RunCounts = { typecheck: 4, evaluation: 6, kqlProcesses: 3, kqlWarmAnalyses: 15, npmTest: 2 };
const quickRuns: RunCounts = { typecheck: 1, evaluation: 2, kqlProcesses: 1, kqlWarmAnalyses: 5, npmTest: 1 };
const warmUpRuns = 1;

/** The issue's targets (on a 2-core machine). */
const targets = { ratio: 1.3, evalMedianMs: 2000, evalPeakMB: 400, testSeconds: 30 };

/** Issue #16's targets for the time from an assignment to its removal, in minutes, per detection kind. */
const remediationTargets: Record<DetectionKind, { p95Minutes: number }> = { scheduled: { p95Minutes: 12 }, nrt: { p95Minutes: 6 } };

const tsNodeRegister = ["--require", "ts-node/register"];

/**
 * How the programs are run. `pulumi preview` (@pulumi/pulumi cmd/run) registers ts-node with no
 * options of its own unless PULUMI_NODEJS_TRANSPILE_ONLY is set or the tsconfig sets `noCheck`,
 * so the project's tsconfig decides, as it does for `node -r ts-node/register`: here swc, no
 * type-check. And JavaScript compiled beforehand, run by plain node: Pulumi's `typescript: false`,
 * or what a program importing the built package pays for pimguard's part.
 */
const evaluationModes = {
    tsNode: { runner: "node -r ts-node/register (the project's tsconfig decides, as under pulumi preview: swc)", nodeOptions: tsNodeRegister, compiled: false },
    compiled: { runner: "node (JavaScript compiled beforehand, no ts-node)", nodeOptions: [], compiled: true },
} as const;
type EvaluationMode = keyof typeof evaluationModes;

/** The type-check compares the stack program with the baseline; the evaluation also with the control. */
type Program = "program" | "baseline";
type EvaluatedProgram = Program | "resourcesOnly";
const evaluatedPrograms: EvaluatedProgram[] = ["program", "resourcesOnly", "baseline"];
const programLabels: Record<EvaluatedProgram, string> = { program: "program", resourcesOnly: "resources-only", baseline: "baseline" };

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
    /** How the programs ran, e.g. `node -r ts-node/register`. */
    runner: string;
    registeredMs: ComparedFigures;
    /** Median milliseconds of each phase, per program. */
    phases: Record<EvaluatedProgram, EvaluationPhases>;
    cpuMs: ComparedFigures;
    peakMB: ComparedFigures;
    resources: Record<EvaluatedProgram, number>;
    loadedFiles: Record<EvaluatedProgram, Record<string, number>>;
}

/** A figure of the three evaluated programs, and its ratios (each the median of per-round ratios). */
interface ComparedFigures {
    summaries: Record<EvaluatedProgram, Summary>;
    /** program / baseline: the issue's ratio. */
    total: number;
    /** resources-only / baseline: what declaring pimguard's resources costs, without its code. */
    resources: number;
    /** program / resources-only: what pimguard's own code costs on top of its resources. */
    ownCode: number;
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

interface RemediationFigures {
    stream: StreamModel;
    assignments: Assignment[];
    outcomes: Record<DetectionKind, KindOutcome>;
    /** A burst within one minute: how many single alerts each kind raised for it. */
    burst: { assignments: number; alerted: Record<DetectionKind, number> };
    /** The whole section, compiling both queries included. */
    tookMs: number;
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
    const programFiles: Record<EvaluatedProgram, string> = { program: path.join(projectRoot, "index.ts"), resourcesOnly: "", baseline: baselineFile };
    const evaluation = await section(
        "2. Evaluation under Pulumi mocks, as `pulumi preview` runs this project (process start to all resources registered)",
        async () => {
            programFiles.resourcesOnly = await recordResourcesOnlyProgram(imports.sdkModules);
            return measureEvaluation(programFiles, runs.evaluation, "tsNode");
        },
        printEvaluation,
    );
    const compiledEvaluation = await section(
        "2b. Evaluation under Pulumi mocks of the same programs compiled to JavaScript beforehand",
        () => {
            if (programFiles.resourcesOnly === "") {
                throw new Error("no resources-only control: recording the stack program failed in section 2");
            }
            const benchFiles = [path.join(__dirname, "evaluate-program.ts"), path.join(projectRoot, "replay", "azure", "mock-tenant.ts")];
            compileToJavaScript([...imports.sourceFiles, programFiles.resourcesOnly, baselineFile, ...benchFiles]);
            return measureEvaluation(programFiles, runs.evaluation, "compiled");
        },
        printEvaluation,
    );
    const kql = await section("3. KQL compile (Kusto.Language)", () => measureKql(runs), printKql);
    const tests = await section("4. npm test", () => measureTests(runs.npmTest), printTests);
    const remediation = await section(
        "5. Time to remediation, measured: a stream of assignments through the real queries and the KQL replay, run after run per detection kind",
        async () => measureRemediation(defaultStream),
        printRemediation,
    );

    const performanceFigures = {
        typecheckRatio: typecheck.ok ? round(typecheck.value.wallS.ratio, 2) : null,
        typecheckMedianS: typecheck.ok ? round(typecheck.value.wallS.program.median, 2) : null,
        evalRatio: evaluation.ok ? round(evaluation.value.registeredMs.total, 2) : null,
        evalMedianMs: evaluation.ok ? Math.round(evaluation.value.registeredMs.summaries.program.median) : null,
        evalPeakMB: evaluation.ok ? Math.round(evaluation.value.peakMB.summaries.program.max) : null,
        kqlWarmMs: kql.ok ? round(Math.max(...Object.values(kql.value.warmMs).map((warm) => warm.median)), 1) : null,
        testSeconds: tests.ok ? round(tests.value.wallS.median, 1) : null,
    };
    const headline = {
        ...performanceFigures,
        remediationP95Min: remediation.ok ? perKind((kind) => round(quantile(remediation.value.outcomes[kind].removalMinutes, 0.95), 1)) : null,
        missed: remediation.ok ? perKind((kind) => missedCount(remediation.value.outcomes[kind])) : null,
        missedWithinAllowance: remediation.ok ? perKind((kind) => missedWithinAllowance(remediation.value.outcomes[kind])) : null,
        duplicated: remediation.ok ? perKind((kind) => remediation.value.outcomes[kind].duplicated) : null,
    };
    printTargets(performanceFigures, evaluation.ok ? evaluation.value.registeredMs : undefined);
    if (remediation.ok) {
        printRemediationTargets(remediation.value);
    }
    console.log(`\nbench took ${((Date.now() - startedAt) / 1000).toFixed(0)} s; load average now ${loadAverage()}`);
    cleanUpMeasurements();
    console.log(JSON.stringify(headline));
    const failed = [typecheck, evaluation, compiledEvaluation, kql, tests, remediation].some((outcome) => !outcome.ok);
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
    const samples = await alternate(["program", "baseline"] as const, runs, async (program) => {
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

/**
 * Runs the stack program once under the mocks, recording what it registers, and writes the
 * resources-only control from that.
 */
async function recordResourcesOnlyProgram(sdkModules: string[]): Promise<string> {
    const recordFile = path.join(generatedDir, "registrations.json");
    const sample = await runNodeMeasured({
        script: path.join(__dirname, "evaluate-program.ts"),
        args: [path.join(projectRoot, "index.ts"), "--record", recordFile],
        nodeOptions: tsNodeRegister,
        cwd: projectRoot,
    });
    if (sample.exitCode !== 0) {
        throw new Error(`recording index.ts's registrations failed:\n${tail(sample.stderr || sample.stdout)}`);
    }
    const registrations = JSON.parse(fs.readFileSync(recordFile, "utf8")) as RecordedRegistration[];
    return writeResourcesOnlyProgram(sdkModules, registrations);
}

async function measureEvaluation(programFiles: Record<EvaluatedProgram, string>, runs: number, mode: EvaluationMode): Promise<EvaluationFigures> {
    const { runner, nodeOptions, compiled } = evaluationModes[mode];
    const runnable = (file: string) => (compiled ? compiledPath(file) : file);
    const reports = new Map<ProcessSample, EvaluationReport>();
    const samples = await alternate(evaluatedPrograms, runs, async (program) => {
        const sample = await runNodeMeasured({
            script: runnable(path.join(__dirname, "evaluate-program.ts")),
            args: [runnable(programFiles[program])],
            nodeOptions: [...nodeOptions],
            cwd: projectRoot,
        });
        if (sample.exitCode !== 0) {
            throw new Error(`evaluating ${path.relative(projectRoot, runnable(programFiles[program]))} failed:\n${tail(sample.stderr || sample.stdout)}`);
        }
        reports.set(sample, lastJsonLine<EvaluationReport>(sample, "bench/evaluate-program.ts"));
        return sample;
    });
    const report = (sample: ProcessSample) => reports.get(sample)!;
    const lastReport = (program: EvaluatedProgram) => report(samples[program][samples[program].length - 1]);
    const medianOf = (program: EvaluatedProgram, phase: (report: EvaluationReport) => number) =>
        summarize(samples[program].map((sample) => phase(report(sample)))).median;
    const phases = (program: EvaluatedProgram): EvaluationPhases => ({
        runtime: medianOf(program, (r) => r.runtimeLoadedMs),
        program: medianOf(program, (r) => r.programLoadedMs - r.runtimeLoadedMs),
        transpile: medianOf(program, (r) => r.transpileMs),
        transpiledFiles: lastReport(program).transpiledFiles,
        stackTraces: medianOf(program, (r) => r.stackTraceMs),
        registrations: medianOf(program, (r) => r.registeredMs - r.programLoadedMs),
    });
    const perProgram = <T>(value: (program: EvaluatedProgram) => T) =>
        Object.fromEntries(evaluatedPrograms.map((program) => [program, value(program)])) as Record<EvaluatedProgram, T>;
    return {
        runner,
        registeredMs: compared(samples, (sample) => report(sample).registeredMs),
        phases: perProgram(phases),
        cpuMs: compared(samples, (sample) => required(sample.cpuMs, "CPU time")),
        peakMB: compared(samples, (sample) => required(sample.peakMB, "peak memory")),
        resources: perProgram((program) => lastReport(program).resources),
        loadedFiles: perProgram((program) => lastReport(program).loadedFiles),
    };
}

async function measureKql(runs: RunCounts): Promise<KqlFigures> {
    const reports: KqlTimingsReport[] = [];
    for (let i = 0; i < runs.kqlProcesses; i++) {
        const sample = await runNodeMeasured({
            script: path.join(__dirname, "kql-timings.ts"),
            args: [String(runs.kqlWarmAnalyses)],
            nodeOptions: tsNodeRegister,
            cwd: projectRoot,
        });
        if (sample.exitCode !== 0) {
            throw new Error(`bench/kql-timings.ts failed:\n${tail(sample.stderr || sample.stdout)}`);
        }
        reports.push(lastJsonLine<KqlTimingsReport>(sample, "bench/kql-timings.ts"));
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
    const reporter = path.relative(projectRoot, path.join(__dirname, "mocha-file-times.ts"));
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

/**
 * Runs both kinds over the same stream, each query compiled once. The rule is created when the
 * stream starts; its first run is then (Sentinel runs a new rule "immediately upon being created").
 */
async function measureRemediation(stream: StreamModel): Promise<RemediationFigures> {
    const started = Date.now();
    const startMs = Date.parse("2026-03-02T00:00:00Z");
    const assignments = assignmentStream(stream, startMs);
    const queries = perKind(compiledDetectionQuery);
    const outcomes = perKind((kind) => runDetection(kind, assignments, startMs, queries[kind]));
    const burst = burstStream(40, startMs);
    const alerted = perKind((kind) => runDetection(kind, burst, startMs, queries[kind]).removalMinutes.length);
    return { stream, assignments, outcomes, burst: { assignments: burst.length, alerted }, tookMs: Date.now() - started };
}

function perKind<T>(value: (kind: DetectionKind) => T): Record<DetectionKind, T> {
    return Object.fromEntries(detectionKinds.map((kind) => [kind, value(kind)])) as Record<DetectionKind, T>;
}

function missedWithinAllowance(outcome: KindOutcome): number {
    return outcome.missedWithinAllowance + outcome.missedInSummaryAlert;
}

function missedCount(outcome: KindOutcome): number {
    return missedWithinAllowance(outcome) + outcome.missedBeyondAllowance;
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
 * Measures each program `runs` times after a warm-up round (file cache, compile cache), rotating
 * which goes first so drifting machine load hits all alike.
 */
async function alternate<P extends string>(
    programs: readonly P[],
    runs: number,
    measure: (program: P) => Promise<ProcessSample>,
): Promise<Record<P, ProcessSample[]>> {
    const samples = Object.fromEntries(programs.map((program) => [program, [] as ProcessSample[]])) as Record<P, ProcessSample[]>;
    for (let round = 0; round < warmUpRuns + runs; round++) {
        const order = programs.map((_, index) => programs[(index + round) % programs.length]);
        for (const program of order) {
            const sample = await measure(program);
            if (round >= warmUpRuns) {
                samples[program].push(sample);
            }
        }
    }
    return samples;
}

/**
 * The median of the per-round ratios of two programs' figures. Runs of one round ran back to
 * back, so a burst of load on a shared machine inflates both sides of one ratio rather than one
 * side of the comparison.
 */
function roundRatio<P extends string>(samples: Record<P, ProcessSample[]>, of: P, to: P, figure: (sample: ProcessSample) => number): number {
    const denominators = samples[to].map(figure);
    return summarize(samples[of].map((sample, round) => figure(sample) / denominators[round])).median;
}

/** Summaries of the program and the baseline, and their ratio. */
function paired(samples: Record<Program, ProcessSample[]>, figure: (sample: ProcessSample) => number): PairedFigures {
    return {
        program: summarize(samples.program.map(figure)),
        baseline: summarize(samples.baseline.map(figure)),
        ratio: roundRatio(samples, "program", "baseline", figure),
    };
}

/** Summaries of the three evaluated programs, and the ratios that split the program's cost. */
function compared(samples: Record<EvaluatedProgram, ProcessSample[]>, figure: (sample: ProcessSample) => number): ComparedFigures {
    return {
        summaries: {
            program: summarize(samples.program.map(figure)),
            resourcesOnly: summarize(samples.resourcesOnly.map(figure)),
            baseline: summarize(samples.baseline.map(figure)),
        },
        total: roundRatio(samples, "program", "baseline", figure),
        resources: roundRatio(samples, "resourcesOnly", "baseline", figure),
        ownCode: roundRatio(samples, "program", "resourcesOnly", figure),
    };
}

function required(value: number | undefined, what: string): number {
    if (value === undefined) {
        throw new Error(`a measured process did not report its ${what} (bench/usage-reporter.js not preloaded?)`);
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
    console.log("resources-only control (section 2): bench/.generated/resources-only/index.ts, the same SDK imports and every resource");
    console.log("  and component the stack program registers under the mocks, with the same inputs, declared flat: no pimguard code");
    console.log("type-check: tsc -p bench/.generated/tsconfig.{program,baseline}.json: the project's tsconfig.json options,");
    console.log('  types ["node"], and only those entry files plus what they import (tests, kql/ and bench/ are not part)');
}

function printTypecheck(figures: TypecheckFigures): void {
    printPaired("wall", figures.wallS, "s", 2);
    printPaired("CPU (user+sys)", figures.cpuS, "s", 2);
    printPaired("peak RSS", figures.peakMB, "MB", 0);
}

function printEvaluation(figures: EvaluationFigures): void {
    console.log(`${figures.runner}: bench/evaluate-program.ts <program>; time = performance.now() once all registrations completed`);
    printCompared("time to registered", figures.registeredMs, "ms", 0);
    printCompared("CPU (user+sys)", figures.cpuMs, "ms", 0);
    printCompared("peak RSS", figures.peakMB, "MB", 0);
    for (const program of evaluatedPrograms) {
        const phase = figures.phases[program];
        const ms = (value: number) => `${value.toFixed(0)} ms`;
        const compiling = phase.transpiledFiles > 0 ? `, of which ts-node compiling ${phase.transpiledFiles} file(s) ${ms(phase.transpile)}` : "";
        console.log(
            `  ${programLabels[program]} (medians): runtime ready ${ms(phase.runtime)}; require(program) ${ms(phase.program)}${compiling}; ` +
                `registrations settle ${ms(phase.registrations)}; formatting Pulumi's stack traces ${ms(phase.stackTraces)} throughout`,
        );
    }
    console.log(`  resources declared: ${evaluatedPrograms.map((program) => `${programLabels[program]} ${figures.resources[program]}`).join(", ")}`);
    const packages = [...new Set(evaluatedPrograms.flatMap((program) => Object.keys(figures.loadedFiles[program])))].sort();
    const counts = (name: string) => evaluatedPrograms.map((program) => figures.loadedFiles[program][name] ?? 0);
    const differing = packages.filter((name) => new Set(counts(name)).size > 1).map((name) => `${name} ${counts(name).join(" / ")}`);
    console.log(`  loaded files that differ (${evaluatedPrograms.map((program) => programLabels[program]).join(" / ")}): ${differing.join(", ") || "none"}`);
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

function printCompared(label: string, figures: ComparedFigures, unit: string, digits: number): void {
    const summaries = evaluatedPrograms.map((program) => `${programLabels[program]} ${formatSummary(figures.summaries[program], unit, digits)}`);
    console.log(`${label.padEnd(19)} ${summaries.join(" | ")}`);
    console.log(
        `${"".padEnd(19)} ratios: program/baseline ${figures.total.toFixed(2)}, resources-only/baseline ${figures.resources.toFixed(2)}, ` +
            `program/resources-only ${figures.ownCode.toFixed(2)} (medians of ${figures.summaries.program.runs} rounds)`,
    );
}

function printRemediation(figures: RemediationFigures): void {
    const { stream, assignments } = figures;
    const minutes = (value: number) => value.toFixed(1);
    const delays = assignments.map((assignment) => assignment.delayMinutes).sort((a, b) => a - b);
    const { mu, sigma } = lognormalThrough(stream.delay.p95, stream.delay.p99);
    const [tailFrom, tailTo] = stream.delay.tailMinutes;
    console.log(
        `stream: ${assignments.length} out-of-PIM assignments (Core Directory "Add member to role" records), a Poisson stream with a mean gap of ` +
            `${stream.meanGapMinutes} min, seed ${stream.seed}`,
    );
    console.log(
        `ingestion delay: lognormal (mu ${mu.toFixed(2)}, sigma ${sigma.toFixed(2)}) through Entra's published audit-log latency, p95 ${stream.delay.p95} and ` +
            `p99 ${stream.delay.p99} min; plus ${(stream.delay.tailShare * 100).toFixed(1)} % uniform ${tailFrom}-${tailTo} min (an ingestion incident)`,
    );
    console.log(
        `  sampled: p50 ${minutes(quantile(delays, 0.5))}, p95 ${minutes(quantile(delays, 0.95))}, p99 ${minutes(quantile(delays, 0.99))}, ` +
            `max ${minutes(delays[delays.length - 1])} min; ${delays.filter((delay) => delay > sentinelSchedules.scheduled.lateArrivalAllowanceMinutes).length} ` +
            `past the scheduled rule's ${sentinelSchedules.scheduled.lateArrivalAllowanceMinutes}-minute late-arrival allowance`,
    );
    const [playbookLow, playbookHigh] = stream.playbook.typical;
    const [retryLow, retryHigh] = stream.playbook.retryMinutes;
    console.log(
        `playbook (alert to removal, modelled): uniform ${playbookLow}-${playbookHigh} min, and ${(stream.playbook.retryShare * 100).toFixed(0)} % of runs ` +
            `${retryLow}-${retryHigh} min more for Graph retries`,
    );
    for (const kind of detectionKinds) {
        const schedule = sentinelSchedules[kind];
        console.log(
            `${kind}: a run every ${schedule.frequencyMinutes} min over what was ingested since the last, alerts ${schedule.builtInDelayMinutes} min after ` +
                `the window closes, at most ${schedule.alertsPerRun} alerts a run`,
        );
    }
    console.log(
        "\n| kind | runs | p50 | p95 | max (minutes to removal) | missed within allowance | missed past allowance | in summary alerts | alerted twice | replay |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const kind of detectionKinds) {
        const outcome = figures.outcomes[kind];
        const removal = outcome.removalMinutes;
        console.log(
            `| ${kind} | ${outcome.runs} | ${minutes(quantile(removal, 0.5))} | ${minutes(quantile(removal, 0.95))} | ${minutes(removal[removal.length - 1])} | ` +
                `${outcome.missedWithinAllowance} | ${outcome.missedBeyondAllowance} | ${outcome.missedInSummaryAlert} | ${outcome.duplicated} | ${(outcome.replayMs / 1000).toFixed(1)} s |`,
        );
    }
    const { burst } = figures;
    console.log(
        `\nburst: ${burst.assignments} assignments within one minute: ` +
            detectionKinds.map((kind) => `${kind} alerts on ${burst.alerted[kind]} one by one`).join(", ") +
            ` (more than ${sentinelSchedules.nrt.alertsPerRun} rows in one NRT run: ${sentinelSchedules.nrt.alertsPerRun - 1} alerts and a summary)`,
    );
    console.log(`section took ${(figures.tookMs / 1000).toFixed(1)} s, compiling both queries included`);
}

function printRemediationTargets(figures: RemediationFigures): void {
    for (const kind of detectionKinds) {
        const outcome = figures.outcomes[kind];
        const p95 = round(quantile(outcome.removalMinutes, 0.95), 1);
        const limit = remediationTargets[kind].p95Minutes;
        console.log(`  ${`${kind} p95 to removal`.padEnd(30)} ${p95} min (target <= ${limit}): ${p95 <= limit ? "met" : "MISSED"}`);
        const missed = missedWithinAllowance(outcome);
        console.log(`  ${`${kind} missed in allowance`.padEnd(30)} ${missed} (target 0): ${missed === 0 ? "met" : "MISSED"}`);
        console.log(`  ${`${kind} alerted twice`.padEnd(30)} ${outcome.duplicated} (target 0): ${outcome.duplicated === 0 ? "met" : "MISSED"}`);
    }
}

function printTargets(headline: Record<string, number | null>, evaluation: ComparedFigures | undefined): void {
    console.log("\n## Targets (2 cores)");
    const check = (label: string, value: number | null, limit: number, unit: string, inclusive: boolean) => {
        const verdict = value === null ? "not measured" : (inclusive ? value <= limit : value < limit) ? "met" : "MISSED";
        console.log(`  ${label.padEnd(30)} ${value ?? "-"} ${unit} (target ${inclusive ? "<=" : "<"} ${limit}): ${verdict}`);
    };
    check("type-check ratio", headline.typecheckRatio, targets.ratio, "", true);
    check("evaluation ratio", headline.evalRatio, targets.ratio, "", true);
    if (evaluation !== undefined) {
        // The issue's ratio counts the resources pimguard must declare as if they were its code.
        console.log(`    of which declaring the resources: ${evaluation.resources.toFixed(2)} (resources-only control / baseline; no pimguard code)`);
        check("  pimguard's own code", round(evaluation.ownCode, 2), targets.ratio, "", true);
    }
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
