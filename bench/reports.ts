/** The JSON the bench's child processes report back to bench/run.ts. */

/** bench/evaluate-program.ts: one program evaluated under Pulumi's mocks. */
export interface EvaluationReport {
    /** From process start until the program was about to be required: Node, ts-node, @pulumi/pulumi, mocks set. */
    runtimeLoadedMs: number;
    /** ... until `require(program)` returned: the program's modules loaded and its resources declared. */
    programLoadedMs: number;
    /** From process start until every resource registration (and invoke) had completed. */
    registeredMs: number;
    /** Of that, ts-node compiling the program's TypeScript files, and how many files. */
    transpileMs: number;
    transpiledFiles: number;
    /** Of that, formatting stack traces (Pulumi records one per resource; ts-node source-maps each frame). */
    stackTraceMs: number;
    /** Resources and components the program declared (the root stack not counted). */
    resources: number;
    /** Files in Node's module cache per package (`(project)` = this repository's sources). */
    loadedFiles: Record<string, number>;
}

/** One registration the mocks received, as `--record` writes it. */
export interface RecordedRegistration {
    /** The type token, e.g. `azure-native:keyvault:Vault`, or a component's, e.g. `pimguard:index:SecretsVault`. */
    type: string;
    name: string;
    /** A provider resource (true) or a component (false). */
    custom: boolean;
    /** The inputs as the engine would receive them: every output resolved. */
    inputs: Record<string, unknown>;
}

/** bench/kql-timings.ts: Kusto.Language in one fresh process. */
export interface KqlTimingsReport {
    coldLoadMs: number;
    firstAnalysisMs: number;
    /** Per query file: each warm analysis, in milliseconds. */
    warmMs: Record<string, number[]>;
    /** Per query file: diagnostics found (a shipped query should have none). */
    diagnostics: Record<string, number>;
}

/** bench/mocha-file-times.ts: where one mocha run spent its time. */
export interface MochaFileTimes {
    /** From process start until the run began: requires, spec files and their imports loaded. */
    loadingMs: number;
    /** From process start until the last test finished. */
    finishedMs: number;
    /** Per spec file (relative to the working directory): its top-level suites' time, hooks included. */
    fileMs: Record<string, number>;
    passes: number;
    failures: number;
}
