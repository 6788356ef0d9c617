/**
 * Time to remediation, measured through the real queries: a stream of out-of-PIM assignments,
 * each an AuditLogs record that reaches the workspace after a sampled ingestion delay, is
 * evaluated by the detection query of each kind, run after run exactly as Sentinel schedules
 * that kind, through the KQL replay. Each alert then waits for the modelled playbook. What is
 * measured is the minutes from the assignment to its removal, which assignments no run ever
 * alerted on, and which alerted twice.
 *
 * Everything random comes from one seeded generator: the same seed gives the same figures.
 */
import { DetectionKind } from "../components/config";
import { detectionQuery, lateArrivalAllowanceMinutes, lookBackMinutes, nrtDetectionQuery } from "../components/detection-rule";
import { privilegedRolesWatchlistAlias } from "../components/names";
import { DirectoryRole, privilegedBuiltInRoles } from "../components/roles";
import { CompiledKql, compileKql, readRecords } from "../replay/kql/replay";

const minuteMs = 60_000;

// ---------------------------------------------------------------------------------------------
// What Sentinel does, per kind (the sources are in README's Performance section)
// ---------------------------------------------------------------------------------------------

export interface KindSchedule {
    /** Minutes between runs. */
    frequencyMinutes: number;
    /**
     * Minutes from a run's scheduled time, which ends the window it evaluates, to its alerts:
     * Sentinel runs scheduled rules "on a five-minute delay from their scheduled time", NRT rules
     * with a two-minute delay.
     */
    builtInDelayMinutes: number;
    /**
     * Alerts one run raises with one alert per result: scheduled rules up to 150, NRT rules up to
     * 30. Past the limit, the first (limit - 1) rows alert one by one and the last alert summarises
     * the rest: no single alert, so no playbook run, for those rows.
     */
    alertsPerRun: number;
    /** How late a record may arrive and still be caught: the scheduled look-back's allowance; NRT takes sources up to 12 hours late. */
    lateArrivalAllowanceMinutes: number;
}

export const sentinelSchedules: Record<DetectionKind, KindSchedule> = {
    scheduled: { frequencyMinutes: 5, builtInDelayMinutes: 5, alertsPerRun: 150, lateArrivalAllowanceMinutes },
    nrt: { frequencyMinutes: 1, builtInDelayMinutes: 2, alertsPerRun: 30, lateArrivalAllowanceMinutes: 12 * 60 },
};

/** How many of a run's `rows` get an alert of their own, the rest going into the summary alert. */
export function singleAlerts(rows: number, schedule: KindSchedule): number {
    return rows <= schedule.alertsPerRun ? rows : schedule.alertsPerRun - 1;
}

// ---------------------------------------------------------------------------------------------
// The stream and its delays
// ---------------------------------------------------------------------------------------------

/** The simulated stream: how many assignments, how often, and how late their records arrive. */
export interface StreamModel {
    seed: number;
    assignments: number;
    /** Mean minutes between assignments (a Poisson stream). */
    meanGapMinutes: number;
    /**
     * Ingestion delay, minutes: a lognormal fitted to Entra's published audit-log latency
     * (95th percentile 2 minutes, 99th 5), and, with `tailShare`, an incident's delay uniform in
     * `tailMinutes` (no published figure: it is there to cross the late-arrival allowance).
     */
    delay: { p95: number; p99: number; tailShare: number; tailMinutes: [number, number] };
    /**
     * Alert to removal, minutes: Sentinel raising the incident, the automation rule starting the
     * Logic App, and its Graph calls (an estimate, not a measurement: no tenant here), uniform in
     * `typical`; a share `retryShare` of runs also waits out Graph retries, uniform in `retryMinutes`.
     */
    playbook: { typical: [number, number]; retryShare: number; retryMinutes: [number, number] };
}

export const defaultStream: StreamModel = {
    seed: 16,
    assignments: 1000,
    meanGapMinutes: 0.5,
    delay: { p95: 2, p99: 5, tailShare: 0.005, tailMinutes: [30, 180] },
    playbook: { typical: [0.5, 1.5], retryShare: 0.02, retryMinutes: [1, 5] },
};

/** mulberry32: a small, well-mixed 32-bit generator; plenty for a bench. */
export function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** The standard normal quantiles of 0.95 and 0.99. */
const z95 = 1.6448536;
const z99 = 2.3263479;

/** The lognormal whose 95th and 99th percentiles are p95 and p99: its mu and sigma. */
export function lognormalThrough(p95: number, p99: number): { mu: number; sigma: number } {
    const sigma = (Math.log(p99) - Math.log(p95)) / (z99 - z95);
    return { mu: Math.log(p95) - z95 * sigma, sigma };
}

function normal(random: () => number): number {
    // Box-Muller; 1 - u keeps the logarithm finite.
    return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function uniform(random: () => number, [low, high]: [number, number]): number {
    return low + (high - low) * random();
}

/** One out-of-PIM assignment of the stream. */
export interface Assignment {
    principalId: string;
    role: DirectoryRole;
    assignedAtMs: number;
    delayMinutes: number;
    ingestedAtMs: number;
    playbookMinutes: number;
}

/** The stream's assignments, in the order they happen, starting at `startMs`. */
export function assignmentStream(model: StreamModel, startMs: number): Assignment[] {
    const random = seededRandom(model.seed);
    const { mu, sigma } = lognormalThrough(model.delay.p95, model.delay.p99);
    const assignments: Assignment[] = [];
    let at = startMs;
    for (let i = 0; i < model.assignments; i++) {
        at += -Math.log(1 - random()) * model.meanGapMinutes * minuteMs;
        const delayMinutes = random() < model.delay.tailShare ? uniform(random, model.delay.tailMinutes) : Math.exp(mu + sigma * normal(random));
        const retries = random() < model.playbook.retryShare ? uniform(random, model.playbook.retryMinutes) : 0;
        assignments.push({
            principalId: principalId(i),
            role: privilegedBuiltInRoles[i % privilegedBuiltInRoles.length],
            assignedAtMs: Math.round(at),
            delayMinutes,
            ingestedAtMs: Math.round(at + delayMinutes * minuteMs),
            playbookMinutes: uniform(random, model.playbook.typical) + retries,
        });
    }
    return assignments;
}

function principalId(index: number): string {
    return `5b7e0000-0000-4000-8000-${index.toString(16).padStart(12, "0")}`;
}

// ---------------------------------------------------------------------------------------------
// Records, runs and outcomes
// ---------------------------------------------------------------------------------------------

/**
 * Core Directory's "Add member to role" record of an assignment, as AuditLogs holds it (the shape
 * of test/fixtures/auditlogs/directory-user-global-admin.json: the user target with the role in
 * its JSON-quoted modified properties, the role as the second target).
 */
export function directoryRecord(assignment: Assignment): Record<string, unknown> {
    const generated = new Date(assignment.assignedAtMs).toISOString();
    const correlationId = assignment.principalId.replace(/^5b7e/, "c0de");
    const quoted = (value: string) => JSON.stringify(value);
    return {
        TimeGenerated: generated,
        ActivityDateTime: generated,
        OperationName: "Add member to role",
        ActivityDisplayName: "Add member to role",
        Category: "RoleManagement",
        LoggedByService: "Core Directory",
        Result: "success",
        CorrelationId: correlationId,
        Id: `Directory_${correlationId}_BENCH_${assignment.assignedAtMs}`,
        InitiatedBy: {
            user: { id: "4b2e8f63-1d7a-4c95-8e0b-3f6a9d2c7e14", userPrincipalName: "megan.admin@contoso.onmicrosoft.com", ipAddress: "203.0.113.24" },
        },
        TargetResources: [
            {
                id: assignment.principalId,
                displayName: null,
                type: "User",
                userPrincipalName: `user-${assignment.principalId.slice(-6)}@contoso.onmicrosoft.com`,
                modifiedProperties: [
                    { displayName: "Role.DisplayName", oldValue: null, newValue: quoted(assignment.role.name) },
                    { displayName: "Role.TemplateId", oldValue: null, newValue: quoted(assignment.role.templateId) },
                ],
                administrativeUnits: [],
            },
            { id: assignment.role.templateId, displayName: null, type: "Role", modifiedProperties: [], administrativeUnits: [] },
        ],
        AADOperationType: "Assign",
        _IngestionTime: new Date(assignment.ingestedAtMs).toISOString(),
    };
}

/** The watchlist the stack deploys for the default roles, as CSV. */
export function privilegedRolesCsv(): string {
    return ["RoleTemplateId,RoleName", ...privilegedBuiltInRoles.map((role) => `${role.templateId},${role.name}`)].join("\n");
}

/** The query a kind deploys, compiled once. */
export function compiledDetectionQuery(kind: DetectionKind): CompiledKql {
    const frequency = sentinelSchedules.scheduled.frequencyMinutes;
    return compileKql(kind === "nrt" ? nrtDetectionQuery() : detectionQuery(frequency, lookBackMinutes(frequency)));
}

/** What one kind did with the stream. */
export interface KindOutcome {
    kind: DetectionKind;
    runs: number;
    /** Minutes from assignment to removal, one per remediated assignment, ascending. */
    removalMinutes: number[];
    /** Assignments no run alerted on, though their record arrived within the kind's late-arrival allowance. */
    missedWithinAllowance: number;
    /** Assignments whose record arrived after the allowance (left to PIM's scan record). */
    missedBeyondAllowance: number;
    /** Assignments whose row went into a run's summary alert (more rows than single alerts). */
    missedInSummaryAlert: number;
    /** Assignments alerted on by more than one run, or twice in one run. */
    duplicated: number;
    /** Wall time the replay took for this kind. */
    replayMs: number;
}

/**
 * Runs the kind's query over the stream the way Sentinel runs it: the first run when the rule is
 * created (`createdAtMs`), then every frequency until every record has arrived, and one period
 * more. A run at scheduled time T evaluates the records ingested in (T - frequency, T] (the query's
 * own `ingestion_time()` window for a scheduled rule, Sentinel's for NRT) and raises its alerts at
 * T + the built-in delay.
 */
export function runDetection(kind: DetectionKind, assignments: readonly Assignment[], createdAtMs: number, query: CompiledKql): KindOutcome {
    const started = performance.now();
    const schedule = sentinelSchedules[kind];
    const frequencyMs = schedule.frequencyMinutes * minuteMs;
    const lookBackMs = lookBackMinutes(sentinelSchedules.scheduled.frequencyMinutes) * minuteMs;
    const watchlists = { [privilegedRolesWatchlistAlias]: privilegedRolesCsv() };
    const byIngestion = [...assignments].sort((a, b) => a.ingestedAtMs - b.ingestedAtMs);
    const lastIngestedMs = byIngestion[byIngestion.length - 1]?.ingestedAtMs ?? createdAtMs;
    const alerts = new Map<string, number[]>();
    const summarized = new Set<string>();
    let runs = 0;

    for (let runAt = createdAtMs; runAt <= lastIngestedMs + frequencyMs; runAt += frequencyMs) {
        runs++;
        // The workspace as of the run: a scheduled query scans back lookBack itself (older records
        // cannot pass its filters, so they are left out only to save time); NRT gets one window.
        const since = kind === "nrt" ? runAt - frequencyMs : runAt - lookBackMs;
        const visible = byIngestion.filter((assignment) => assignment.ingestedAtMs > since && assignment.ingestedAtMs <= runAt);
        if (visible.length === 0) {
            continue;
        }
        const rows = query.run(readRecords(visible.map(directoryRecord), "bench stream"), {
            now: new Date(runAt).toISOString(),
            ingestedAfter: kind === "nrt" ? new Date(since).toISOString() : undefined,
            watchlists,
        });
        const alerted = singleAlerts(rows.length, schedule);
        rows.slice(alerted).forEach((row) => summarized.add(String(row.PrincipalId)));
        for (const row of rows.slice(0, alerted)) {
            const principal = String(row.PrincipalId);
            alerts.set(principal, [...(alerts.get(principal) ?? []), runAt + schedule.builtInDelayMinutes * minuteMs]);
        }
    }

    const outcome: KindOutcome = {
        kind,
        runs,
        removalMinutes: [],
        missedWithinAllowance: 0,
        missedBeyondAllowance: 0,
        missedInSummaryAlert: 0,
        duplicated: [...alerts.values()].filter((times) => times.length > 1).length,
        replayMs: 0,
    };
    for (const assignment of assignments) {
        const alertTimes = alerts.get(assignment.principalId);
        if (alertTimes !== undefined) {
            outcome.removalMinutes.push((Math.min(...alertTimes) - assignment.assignedAtMs) / minuteMs + assignment.playbookMinutes);
        } else if (summarized.has(assignment.principalId)) {
            outcome.missedInSummaryAlert++;
        } else if (assignment.delayMinutes > schedule.lateArrivalAllowanceMinutes) {
            outcome.missedBeyondAllowance++;
        } else {
            outcome.missedWithinAllowance++;
        }
    }
    outcome.removalMinutes.sort((a, b) => a - b);
    outcome.replayMs = performance.now() - started;
    return outcome;
}

/**
 * `count` assignments within one minute, each record arriving within seconds: more than one NRT
 * run can alert on one by one.
 */
export function burstStream(count: number, startMs: number): Assignment[] {
    return Array.from({ length: count }, (_, i) => ({
        principalId: principalId(0xb0000 + i),
        role: privilegedBuiltInRoles[i % privilegedBuiltInRoles.length],
        assignedAtMs: startMs + Math.floor((i * minuteMs) / (count + 1)),
        delayMinutes: 0.1,
        ingestedAtMs: startMs + minuteMs + 6_000,
        playbookMinutes: 1,
    }));
}

/** The q-quantile of ascending values (nearest rank). */
export function quantile(ascending: readonly number[], q: number): number {
    if (ascending.length === 0) {
        return Number.NaN;
    }
    return ascending[Math.min(ascending.length - 1, Math.max(0, Math.ceil(q * ascending.length) - 1))];
}
