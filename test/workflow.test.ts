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
    on: Record<string, { branches?: string[] } | null>;
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

    it("comments each preview on the pull request", function () {
        expect(Object.keys(workflow.on)).to.include("pull_request");
        for (const [jobId, job] of jobsRunningPulumi("preview")) {
            expect(job.if ?? "", jobId).to.contain("github.event_name == 'pull_request'");
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
