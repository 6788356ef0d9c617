/**
 * A mocha reporter for the bench (`mocha --reporter bench/mocha-file-times.ts`): instead of dots it
 * records how long each spec file's suites took, hooks included, and how long mocha spent before
 * the first test (loading ts-node and every spec file with what it imports). It writes them as
 * JSON to the file named by PIMGUARD_BENCH_MOCHA_REPORT, and prints failures as they happen.
 */
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import * as mocha from "mocha";
import { MochaFileTimes } from "./reports";

const { EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END, EVENT_TEST_FAIL, EVENT_TEST_PASS } = mocha.Runner.constants;

class MochaFileTimesReporter extends mocha.reporters.Base {
    constructor(runner: mocha.Runner, options?: mocha.MochaOptions) {
        super(runner, options);
        const times: MochaFileTimes = { loadingMs: performance.now(), finishedMs: 0, fileMs: {}, passes: 0, failures: 0 };
        const suiteStarts = new Map<mocha.Suite, number>();

        runner.on(EVENT_SUITE_BEGIN, (suite: mocha.Suite) => suiteStarts.set(suite, performance.now()));
        runner.on(EVENT_SUITE_END, (suite: mocha.Suite) => {
            const started = suiteStarts.get(suite);
            if (started !== undefined && suite.parent?.root && suite.file !== undefined) {
                const file = path.relative(process.cwd(), suite.file);
                times.fileMs[file] = (times.fileMs[file] ?? 0) + performance.now() - started;
            }
        });
        runner.on(EVENT_TEST_PASS, () => times.passes++);
        runner.on(EVENT_TEST_FAIL, (test: mocha.Test, error: Error) => {
            times.failures++;
            console.log(`failed: ${test.fullTitle()}: ${error.message}`);
        });
        runner.once(EVENT_RUN_END, () => {
            times.finishedMs = performance.now();
            const reportFile = process.env.PIMGUARD_BENCH_MOCHA_REPORT;
            if (reportFile) {
                fs.writeFileSync(reportFile, JSON.stringify(times));
            }
        });
    }
}

export = MochaFileTimesReporter;
