/**
 * A child process of the bench: times Kusto.Language in a fresh process and prints one JSON line.
 *
 *   node -r ts-node/register/transpile-only bench/kql-timings.ts <warm runs per query>
 *
 * - cold load: requiring the Bridge.NET runtime and Kusto.Language bundles (what replay/kql/analysis.ts
 *   requires on first use; requiring them here first leaves analysis.ts a module-cache hit);
 * - first analysis: the first `analyzeKql` of the detection query, which also builds the global
 *   state (AuditLogs and the watchlists) once;
 * - warm analysis: `analyzeKql` of each kql/*.kql again and again, after two unmeasured runs.
 */
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { analyzeKql } from "../replay/kql/analysis";
import { detectionQueryFile } from "../components/names";
import { KqlTimingsReport } from "./reports";

const kqlDir = path.resolve(__dirname, "..", "kql");
const unmeasuredWarmUps = 2;

function main(warmRuns: number): void {
    const coldLoadMs = timed(loadKustoLanguageBundles);
    const detectionQuery = fs.readFileSync(path.join(kqlDir, detectionQueryFile), "utf8");
    const firstAnalysisMs = timed(() => analyzeKql(detectionQuery));

    const warmMs: Record<string, number[]> = {};
    const diagnostics: Record<string, number> = {};
    for (const file of fs
        .readdirSync(kqlDir)
        .filter((name) => name.endsWith(".kql"))
        .sort()) {
        const text = fs.readFileSync(path.join(kqlDir, file), "utf8");
        const warmUps = Array.from({ length: unmeasuredWarmUps }, () => analyzeKql(text));
        diagnostics[file] = warmUps[0].diagnostics.length;
        warmMs[file] = Array.from({ length: warmRuns }, () => timed(() => analyzeKql(text)));
    }
    const report: KqlTimingsReport = { coldLoadMs, firstAnalysisMs, warmMs, diagnostics };
    console.log(JSON.stringify(report));
}

/** The same two files, in the same order, as replay/kql/analysis.ts loads. */
function loadKustoLanguageBundles(): void {
    const packageDir = path.dirname(require.resolve("@kusto/language-service-next/package.json"));
    require(path.join(packageDir, "bridge.min.js"));
    require(path.join(packageDir, "Kusto.Language.Bridge.min.js"));
}

function timed(action: () => unknown): number {
    const started = performance.now();
    action();
    return performance.now() - started;
}

const warmRuns = Number(process.argv[2] ?? "10");
if (!Number.isInteger(warmRuns) || warmRuns < 1) {
    throw new Error(`bench/kql-timings.ts: warm runs must be a positive integer, got "${process.argv[2]}"`);
}
main(warmRuns);
