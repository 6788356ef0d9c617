import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { parseStackConfig } from "../components/config";
import { readStackConfig, stackNames } from "./support/stack-files";

const repositoryRoot = path.resolve(__dirname, "..");
const workflowFile = path.join(repositoryRoot, ".github", "workflows", "pimguard.yml");

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
}

interface Job {
    if?: string;
    needs?: string | string[];
    environment?: string | { name: string };
    permissions?: Record<string, string>;
    strategy?: { "max-parallel"?: number; "fail-fast"?: boolean; matrix?: Record<string, unknown> };
    env?: Record<string, unknown>;
    steps?: Step[];
}

interface Workflow {
    on: { pull_request?: { branches?: string[] }; push?: { branches?: string[] }; schedule?: { cron: string }[]; workflow_dispatch?: unknown };
    jobs: Record<string, Job>;
}

const packageJson = JSON.parse(fs.readFileSync(path.join(repositoryRoot, "package.json"), "utf8")) as { engines: { node: string } };
const workflowText = fs.readFileSync(workflowFile, "utf8");
const workflow = parseYaml(workflowText) as Workflow;
const tenantStacks = stackNames(repositoryRoot);

function isPulumiStep(step: Step): boolean {
    return step.uses?.startsWith("pulumi/actions@") ?? false;
}

/** Jobs with a `pulumi/actions` step running this command, by job id. */
function jobsRunningPulumi(command: "preview" | "up"): [string, Job][] {
    return Object.entries(workflow.jobs).filter(([, job]) => (job.steps ?? []).some((step) => isPulumiStep(step) && step.with?.command === command));
}

/** The `pulumi/actions` steps of a job. */
function pulumiSteps(job: Job): Step[] {
    return (job.steps ?? []).filter(isPulumiStep);
}

/** Preview jobs of pull requests, and the scheduled drift checks: every preview job is one of the two. */
function previewJobsByTrigger(): { pullRequest: [string, Job][]; drift: [string, Job][] } {
    const previews = jobsRunningPulumi("preview");
    const pullRequest = previews.filter(([, job]) => (job.if ?? "").includes("github.event_name == 'pull_request'"));
    const drift = previews.filter(([, job]) => (job.if ?? "").includes("github.event_name == 'schedule'"));
    expect([...pullRequest, ...drift].map(([id]) => id).sort(), "each preview job runs for pull requests or on the schedule").to.deep.equal(
        previews.map(([id]) => id).sort(),
    );
    return { pullRequest, drift };
}

/** The version of @pulumi/pulumi the lock file installs. */
function lockedPulumiSdk(): string {
    const lock = JSON.parse(fs.readFileSync(path.join(repositoryRoot, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };
    return lock.packages["node_modules/@pulumi/pulumi"]!.version;
}

function semverParts(version: string): number[] {
    return version.split(".").map(Number);
}

function atLeast(version: string, floor: string): boolean {
    const [left, right] = [semverParts(version), semverParts(floor)];
    for (let index = 0; index < 3; index++) {
        if (left[index] !== right[index]) return left[index]! > right[index]!;
    }
    return true;
}

/** The stacks a job runs Pulumi on: its `matrix.stack` list, which its Pulumi step must name. */
function stacksOf(job: Job): string[] {
    for (const step of (job.steps ?? []).filter(isPulumiStep)) {
        expect(String(step.with?.["stack-name"]), "stack-name").to.contain("matrix.stack");
    }
    const stacks = job.strategy?.matrix?.stack;
    expect(stacks, "strategy.matrix.stack").to.be.an("array");
    return stacks as string[];
}

function runs(step: Step, command: RegExp): boolean {
    return command.test(step.run ?? "");
}

/** The jobs this one waits for, and the jobs those wait for. */
function prerequisites(jobId: string): string[] {
    const needs = workflow.jobs[jobId].needs ?? [];
    const direct = typeof needs === "string" ? [needs] : needs;
    return [...direct, ...direct.flatMap(prerequisites)];
}

/** True when the steps run `npm ci` and, after it, `npm test`. */
function installsThenTests(steps: Step[]): boolean {
    const install = steps.findIndex((step) => runs(step, /^npm ci\b/m));
    const test = steps.findIndex((step) => runs(step, /^npm test\b/m));
    return install >= 0 && test > install;
}

function environmentName(job: Job): string | undefined {
    return typeof job.environment === "string" ? job.environment : job.environment?.name;
}

describe("the GitHub workflow (.github/workflows/pimguard.yml)", function () {
    it("finds tenant stacks in the repository", function () {
        expect(tenantStacks).to.include("dev");
    });

    it("previews every tenant stack, and only stacks that have a Pulumi.<stack>.yaml", function () {
        const previewJobs = jobsRunningPulumi("preview");
        expect(previewJobs).to.have.lengthOf.at.least(1);
        for (const [, job] of previewJobs) {
            expect([...stacksOf(job)].sort()).to.deep.equal(tenantStacks);
        }
    });

    it("deploys every tenant stack, and only stacks that have a Pulumi.<stack>.yaml, the dev tenant first", function () {
        const upJobs = jobsRunningPulumi("up");
        expect(upJobs).to.have.lengthOf(1);
        const [[, job]] = upJobs;
        expect([...stacksOf(job)].sort()).to.deep.equal(tenantStacks);
        expect(stacksOf(job)[0]).to.equal("dev");
    });

    it("gives pimguard a config it accepts in every tenant stack", function () {
        for (const stack of tenantStacks) {
            // Encrypted values need the stack's secrets provider; everything else is checked here.
            const { plain } = readStackConfig(repositoryRoot, stack);
            expect(() => parseStackConfig(plain), `Pulumi.${stack}.yaml`).not.to.throw();
        }
    });

    it("logs in to Azure by OIDC and never with a client secret", function () {
        expect(workflowText).not.to.match(/CLIENT_SECRET|client-secret|clientSecret|^\s*creds:/im);
        for (const [jobId, job] of [...jobsRunningPulumi("preview"), ...jobsRunningPulumi("up")]) {
            expect(job.permissions?.["id-token"], jobId).to.equal("write");
            expect(job.env?.ARM_USE_OIDC, jobId).to.equal("true");
            for (const name of ["ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"]) {
                expect(String(job.env?.[name]), `${jobId} ${name}`).to.match(/^\$\{\{ (vars|secrets)\.\w+ \}\}$/);
            }
            const logins = (job.steps ?? []).filter((step) => step.uses?.startsWith("azure/login@"));
            for (const login of logins) {
                expect(Object.keys(login.with ?? {}).sort(), jobId).to.deep.equal(["client-id", "subscription-id", "tenant-id"]);
            }
        }
    });

    it("installs with npm ci, and has the tests passed, before any pulumi command", function () {
        for (const [jobId, job] of [...jobsRunningPulumi("preview"), ...jobsRunningPulumi("up")]) {
            const steps = job.steps ?? [];
            const beforePulumi = steps.slice(0, steps.findIndex(isPulumiStep));
            expect(
                beforePulumi.some((step) => runs(step, /^npm ci\b/m)),
                `${jobId} runs npm ci first`,
            ).to.equal(true);
            const testedHere = installsThenTests(beforePulumi);
            const testedBefore = prerequisites(jobId).some((prerequisite) => installsThenTests(workflow.jobs[prerequisite].steps ?? []));
            expect(testedHere || testedBefore, `${jobId} runs after npm test`).to.equal(true);
        }
    });

    it("runs the packaged-consumer test in CI too", function () {
        const allSteps = Object.values(workflow.jobs).flatMap((job) => job.steps ?? []);
        expect(allSteps.some((step) => runs(step, /^npm run test:consumer\b/m))).to.equal(true);
    });

    it("comments each pull request's previews on the pull request", function () {
        expect(Object.keys(workflow.on)).to.include("pull_request");
        const { pullRequest } = previewJobsByTrigger();
        expect(pullRequest).to.have.lengthOf.at.least(1);
        for (const [jobId, job] of pullRequest) {
            expect(job.permissions?.["pull-requests"], jobId).to.equal("write");
            for (const step of (job.steps ?? []).filter(isPulumiStep)) {
                expect(step.with?.["comment-on-pr"], jobId).to.equal(true);
                expect(step.with?.["github-token"], jobId).to.be.a("string").and.not.equal("");
            }
        }
    });

    it("runs pulumi up only for pushes to main, one tenant at a time, each behind its own environment", function () {
        expect(workflow.on.push?.branches).to.deep.equal(["main"]);
        for (const [jobId, job] of jobsRunningPulumi("up")) {
            expect(job.if ?? "", jobId).to.contain("github.event_name == 'push'");
            expect(job.if ?? "", jobId).to.contain("github.ref == 'refs/heads/main'");
            expect(job.strategy?.["max-parallel"], jobId).to.equal(1);
            expect(job.strategy?.["fail-fast"], jobId).to.equal(true);
            expect(environmentName(job), jobId).to.equal("${{ matrix.stack }}");
            expect(job.permissions?.["pull-requests"], jobId).to.equal(undefined);
        }
    });

    it("previews with a tenant environment of its own, not the deploying one", function () {
        for (const [jobId, job] of jobsRunningPulumi("preview")) {
            const environment = environmentName(job) ?? "";
            expect(environment, jobId).to.contain("${{ matrix.stack }}");
            expect(environment, jobId).not.to.equal("${{ matrix.stack }}");
        }
    });

    it("lets a repository variable choose the backend: Pulumi Cloud or a self-managed URL", function () {
        for (const [jobId, job] of [...jobsRunningPulumi("preview"), ...jobsRunningPulumi("up")]) {
            for (const step of (job.steps ?? []).filter(isPulumiStep)) {
                expect(String(step.with?.["cloud-url"]), jobId).to.match(/^\$\{\{ vars\.\w+ \}\}$/);
            }
            expect(job.env?.PULUMI_ACCESS_TOKEN, jobId).to.match(/secrets\.PULUMI_ACCESS_TOKEN/);
        }
    });

    it("pins every action to a full commit, so a moved tag cannot change what runs with the tenant's credentials", function () {
        const actionSteps = Object.values(workflow.jobs).flatMap((job) => (job.steps ?? []).filter((step) => step.uses !== undefined));
        expect(actionSteps).to.have.length.above(0);
        for (const step of actionSteps) {
            expect(step.uses).to.match(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
        }
    });

    it("installs one pinned Pulumi CLI in every pulumi step, no older than the @pulumi/pulumi SDK the lock file installs", function () {
        const steps = Object.values(workflow.jobs).flatMap(pulumiSteps);
        expect(steps).to.have.length.above(0);
        const versions = new Set(steps.map((step) => String(step.with?.["pulumi-version"])));
        expect(versions.size, [...versions].join(", ")).to.equal(1);
        const [version] = [...versions];
        // An exact version: a range (the action's default is ^3) would take whatever is newest that day.
        expect(version).to.match(/^\d+\.\d+\.\d+$/);
        expect(atLeast(version!, lockedPulumiSdk()), `CLI ${version}, SDK ${lockedPulumiSdk()}`).to.equal(true);
    });

    it("uses one pulumi/actions release everywhere, v7 or newer (the node24 runtime), by its commit", function () {
        const pins = new Set(
            workflowText
                .split("\n")
                .map((line) => /uses: (pulumi\/actions@[0-9a-f]{40}) # v(\d+)\.\d+\.\d+\s*$/.exec(line))
                .filter((match): match is RegExpExecArray => match !== null)
                .map((match) => `${match[1]} v${match[2]}`),
        );
        const steps = Object.values(workflow.jobs).flatMap(pulumiSteps);
        expect(pins.size, "every pulumi/actions line names its release in a comment, all the same").to.equal(1);
        expect(new Set(steps.map((step) => step.uses)).size).to.equal(1);
        expect(Number(/ v(\d+)$/.exec([...pins][0]!)![1])).to.be.at.least(7);
    });

    it("refreshes before every deployment and every pull-request preview, so both compare the code with the tenant as it is", function () {
        const { pullRequest } = previewJobsByTrigger();
        for (const [jobId, job] of [...jobsRunningPulumi("up"), ...pullRequest]) {
            for (const step of pulumiSteps(job)) {
                expect(step.with?.refresh, jobId).to.equal(true);
            }
        }
    });

    it("checks every tenant for drift daily: a refreshing preview with the preview identity that fails on any difference", function () {
        const schedules = workflow.on.schedule ?? [];
        // Minute and hour fixed; day of month, month and day of week any: once a day.
        expect(schedules.map((schedule) => schedule.cron)).to.satisfy((crons: string[]) => crons.some((cron) => /^\d+ \d+ \* \* \*$/.test(cron)));
        const { drift } = previewJobsByTrigger();
        expect(drift).to.have.lengthOf(1);
        const [[jobId, job]] = drift;
        expect([...stacksOf(job)].sort(), jobId).to.deep.equal(tenantStacks);
        expect(environmentName(job), jobId).to.equal("${{ matrix.stack }}-preview");
        expect(job.permissions?.["pull-requests"], jobId).to.equal(undefined);
        expect(job.strategy?.["fail-fast"], "one tenant's drift does not hide another's").to.equal(false);
        for (const step of pulumiSteps(job)) {
            expect(step.with, jobId).to.deep.include({ command: "preview", refresh: true, "expect-no-changes": true });
            expect(step.with?.["continue-on-error"], jobId).to.equal(undefined);
        }
        expect(JSON.stringify(job), "nothing swallows the failure").not.to.match(/continue-on-error/);
    });

    it("runs every job on a Node.js major that package.json's engines allow", function () {
        const enginesFloor = Number(/^>=(\d+)/.exec(packageJson.engines.node)?.[1]);
        expect(enginesFloor, "engines.node").to.be.greaterThan(0);
        for (const [jobId, job] of Object.entries(workflow.jobs)) {
            for (const step of (job.steps ?? []).filter((step) => step.uses?.startsWith("actions/setup-node@"))) {
                expect(Number(step.with?.["node-version"]), jobId).to.be.at.least(enginesFloor);
            }
        }
    });
});
