/**
 * How long an out-of-PIM role assignment survives: arithmetic over published latencies, the
 * configured rule and an estimate of the playbook, not a measurement (nothing here can run a
 * tenant). Each path is a sum of named terms, printed as the sum it is.
 */

/** One addend of a path, in minutes, with what it stands for. */
export interface Term {
    minutes: number;
    what: string;
}

export interface RemediationPath {
    name: string;
    terms: Term[];
}

export interface RuleSchedule {
    frequencyMinutes: number;
    lookBackMinutes: number;
}

/** Sentinel runs scheduled rules with a built-in 5-minute delay (sentinel-logic-apps.md). */
export const schedulingDelayMinutes = 5;

/** Entra audit records reach Log Analytics in ~2 min at the 95th percentile, ~5 min at the 99th (entra-auditlogs.md). */
export const ingestionMinutes = { p95: 2, p99: 5 };

/** PIM's scan writes its "outside of PIM" record about every two hours (entra-auditlogs.md). */
export const pimScanCadenceMinutes = 120;

/**
 * Alert → incident → automation rule → playbook → role removed. An estimate: about a minute for
 * Sentinel to raise the incident and start the Logic App, seconds for the Graph calls; at worst
 * both Graph calls before the removal (list, delete) exhaust their retry policy (4 exponential
 * retries from 10 s: 10 + 20 + 40 + 80 s = 2.5 min each) before succeeding.
 */
export const playbookMinutes = { typical: 1, worst: 1 + 2 * 2.5 };

/** The seed's approach: only PIM's scan record, found by a rule that runs every 5 minutes. */
export const seedRuleFrequencyMinutes = 5;

function detectionTerms(frequencyMinutes: number, waitForRun: "typical" | "worst"): Term[] {
    return [
        { minutes: schedulingDelayMinutes, what: "scheduling delay" },
        waitForRun === "typical"
            ? { minutes: frequencyMinutes / 2, what: "half the frequency: average wait for the next run" }
            : { minutes: frequencyMinutes, what: "a full frequency" },
    ];
}

/** pimguard: the Core Directory record of the assignment itself. */
export function pimguardPaths(rule: RuleSchedule): RemediationPath[] {
    const lateArrivalAllowance = rule.lookBackMinutes - rule.frequencyMinutes;
    return [
        {
            name: "typical",
            terms: [
                { minutes: ingestionMinutes.p95, what: "ingestion, p95" },
                ...detectionTerms(rule.frequencyMinutes, "typical"),
                { minutes: playbookMinutes.typical, what: "playbook, typical" },
            ],
        },
        {
            name: "worst case",
            terms: [
                { minutes: ingestionMinutes.p99, what: "ingestion, p99" },
                ...detectionTerms(rule.frequencyMinutes, "worst"),
                { minutes: playbookMinutes.worst, what: "playbook with retries" },
            ],
        },
        {
            name: "latest record still caught",
            terms: [
                { minutes: lateArrivalAllowance, what: "late-arrival allowance = look-back - frequency" },
                ...detectionTerms(rule.frequencyMinutes, "worst"),
                { minutes: playbookMinutes.worst, what: "playbook with retries" },
            ],
        },
    ];
}

/** The seed: wait for PIM's next scan, then the same pipeline with a 5-minute rule. */
export function seedPaths(): RemediationPath[] {
    return [
        {
            name: "typical",
            terms: [
                { minutes: pimScanCadenceMinutes / 2, what: "half the PIM scan cadence" },
                { minutes: ingestionMinutes.p95, what: "ingestion, p95" },
                ...detectionTerms(seedRuleFrequencyMinutes, "typical"),
                { minutes: playbookMinutes.typical, what: "playbook, typical" },
            ],
        },
        {
            name: "worst case",
            terms: [
                { minutes: pimScanCadenceMinutes, what: "a full PIM scan cadence" },
                { minutes: ingestionMinutes.p99, what: "ingestion, p99" },
                ...detectionTerms(seedRuleFrequencyMinutes, "worst"),
                { minutes: playbookMinutes.worst, what: "playbook with retries" },
            ],
        },
    ];
}

export function totalMinutes(path: RemediationPath): number {
    return path.terms.reduce((sum, term) => sum + term.minutes, 0);
}

/** e.g. `2 (ingestion, p95) + 5 (scheduling delay) + ... = 10.5 min`. */
export function formatPath(path: RemediationPath): string {
    const sum = path.terms.map((term) => `${term.minutes} (${term.what})`).join(" + ");
    return `${sum} = ${totalMinutes(path)} min`;
}
