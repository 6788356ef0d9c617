import { expect } from "chai";
import {
    assignmentStream,
    compiledDetectionQuery,
    defaultStream,
    KindOutcome,
    lognormalThrough,
    quantile,
    runDetection,
    seededRandom,
    sentinelSchedules,
    StreamModel,
} from "../bench/remediation-latency";

const start = Date.parse("2026-03-02T00:00:00Z");

/** The lognormal's q-quantile, from the standard normal's. */
function lognormalQuantile(mu: number, sigma: number, z: number): number {
    return Math.exp(mu + sigma * z);
}

describe("the bench's time-to-remediation model", () => {
    describe("the stream", () => {
        it("draws ingestion delays from a lognormal through Entra's published p95 of 2 and p99 of 5 minutes", () => {
            const { mu, sigma } = lognormalThrough(2, 5);
            expect(lognormalQuantile(mu, sigma, 1.6448536)).to.be.closeTo(2, 1e-6);
            expect(lognormalQuantile(mu, sigma, 2.3263479)).to.be.closeTo(5, 1e-6);
        });

        it("has, as the bench runs it, a tail past the scheduled rule's 60-minute late-arrival allowance", () => {
            const delays = assignmentStream(defaultStream, start).map((assignment) => assignment.delayMinutes);
            expect(delays).to.have.length.at.least(1000);
            expect(delays.filter((delay) => delay > sentinelSchedules.scheduled.lateArrivalAllowanceMinutes).length).to.be.at.least(1);
        });

        it("is the same for the same seed, and another for another", () => {
            expect(assignmentStream(defaultStream, start)).to.deep.equal(assignmentStream(defaultStream, start));
            expect(assignmentStream({ ...defaultStream, seed: 17 }, start)[0]).not.to.deep.equal(assignmentStream(defaultStream, start)[0]);
            expect(seededRandom(1)()).to.be.within(0, 1);
        });
    });

    describe("a short stream through the real queries", () => {
        // 40 assignments, 2 of them arriving 90 minutes late: past the scheduled allowance, within NRT's.
        const model: StreamModel = { ...defaultStream, assignments: 40, delay: { ...defaultStream.delay, tailShare: 0 } };
        const assignments = assignmentStream(model, start).map((assignment, index) =>
            index % 20 === 7 ? { ...assignment, delayMinutes: 90, ingestedAtMs: assignment.assignedAtMs + 90 * 60_000 } : assignment,
        );

        let scheduled: KindOutcome;
        let nrt: KindOutcome;

        before(() => {
            scheduled = runDetection("scheduled", assignments, start, compiledDetectionQuery("scheduled"));
            nrt = runDetection("nrt", assignments, start, compiledDetectionQuery("nrt"));
        });

        it("scheduled: every record within the allowance alerts exactly once, the two past it are missed", () => {
            const outcome = scheduled;
            expect(outcome).to.include({ missedWithinAllowance: 0, missedBeyondAllowance: 2, missedInSummaryAlert: 0, duplicated: 0 });
            expect(outcome.removalMinutes).to.have.length(38);
            // Never sooner than the built-in delay, never later than a window, the delay and the playbook allow.
            expect(outcome.removalMinutes[0]).to.be.at.least(sentinelSchedules.scheduled.builtInDelayMinutes);
        });

        it("nrt: every record alerts exactly once, the late ones too, sooner than scheduled", () => {
            const outcome = nrt;
            expect(outcome).to.include({ missedWithinAllowance: 0, missedBeyondAllowance: 0, missedInSummaryAlert: 0, duplicated: 0 });
            expect(outcome.removalMinutes).to.have.length(40);
            expect(quantile(outcome.removalMinutes, 0.5)).to.be.below(quantile(scheduled.removalMinutes, 0.5));
        });
    });
});
