import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import type * as Assets from "../components/assets";
import type * as PlaybookDefinitions from "../components/playbook-definition";
import type { MockRunResource, MockRunResult } from "../replay/azure/mock-run";
import {
    cleanUpAndReport,
    compileConsumer,
    copyConsumer,
    installConsumer,
    makeWorkDir,
    PackedPackage,
    packProject,
    repositoryRoot,
    runConsumer,
    StepTimings,
    timed,
} from "./support/consumer-package";

const consumerComponentType = "contoso:security:TenantSecurityBaseline";
const stack = "contoso-dev";
const webhookKey = "contoso-security:notificationWebhookUrl";
const webhook = "https://hooks.example.com/pimguard/contoso-dev";

describe("pimguard as a package, imported by another Pulumi program (examples/consumer)", function () {
    // Packing builds the package and the consumer compiles against it: two TypeScript runs.
    this.timeout(240_000);

    const timings: StepTimings = {};
    let workDir: string;
    let consumerDir: string;
    let packed: PackedPackage;
    let run: MockRunResult;

    before(async function () {
        workDir = makeWorkDir();
        consumerDir = path.join(workDir, "consumer");
        packed = await timed(timings, "npm pack (builds bin/)", () => packProject(workDir));
    });

    after(function () {
        cleanUpAndReport(workDir, timings);
    });

    describe("the packed tarball", function () {
        /** What the package must hold, listed from the repository's product folders: nothing else. */
        function expectedFiles(): string[] {
            const listed = (folder: string, pattern: RegExp) =>
                fs
                    .readdirSync(path.join(repositoryRoot, folder))
                    .filter((file) => pattern.test(file))
                    .map((file) => `${folder}/${file}`);
            const components = listed("components", /\.ts$/).flatMap((file) => {
                const module = file.replace(/\.ts$/, "");
                return [`bin/${module}.js`, `bin/${module}.d.ts`];
            });
            return ["LICENSE", "README.md", "package.json", ...components, ...listed("kql", /\.kql$/), ...listed("playbook", /\.json$/)].sort();
        }

        it("holds exactly the compiled components, the queries, the workflow definition and the package's own files", function () {
            expect([...packed.files].sort()).to.deep.equal(expectedFiles());
        });

        it("holds the detection query and the playbook definition that the components read at run time", function () {
            expect(packed.files).to.include.members([
                "kql/role-assigned-outside-pim.kql",
                "playbook/workflow.json",
                "playbook/sweep.json",
                "bin/components/playbook-definition.js",
            ]);
        });

        it("leaves out TypeScript sources, replay engines, the bench, tests, the stack program and the examples", function () {
            const sources = packed.files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"));
            expect(sources).to.deep.equal([]);
            expect(packed.files.filter((file) => /^(bin\/)?(test|examples|replay|bench)\//.test(file))).to.deep.equal([]);
            expect(packed.files).not.to.include("bin/index.js");
        });

        it("names in package.json a main module, types and the exports Node and TypeScript resolve, all of which it holds", function () {
            const manifest = JSON.parse(fs.readFileSync(path.join(repositoryRoot, "package.json"), "utf8"));
            const entry = manifest.exports["."];
            const exported = [entry.types, entry.node, manifest.exports["./package.json"]].map((target: string) => path.posix.normalize(target));
            expect(packed.files).to.include.members([manifest.main, manifest.types, ...exported]);
        });
    });

    describe("the consumer, installed from the tarball and run under mocks", function () {
        before(async function () {
            copyConsumer(consumerDir, packed.tarball);
            await timed(timings, "npm install into the consumer", () => installConsumer(consumerDir));
            await timed(timings, "tsc on the consumer", () => compileConsumer(consumerDir));
            run = await timed(timings, "consumer under mocks", () =>
                runConsumer(consumerDir, stack, { config: { [webhookKey]: webhook }, secretKeys: [webhookKey] }),
            );
        });

        it("uses an installed copy of pimguard, not this repository", function () {
            expect(run.pimguardRoot.startsWith(fs.realpathSync(consumerDir) + path.sep)).to.equal(true);
            expect(fs.realpathSync(run.pimguardRoot)).not.to.equal(fs.realpathSync(repositoryRoot));
        });

        it("shares one @pulumi/pulumi with pimguard, so both register with the same runtime", function () {
            expect(run.pulumiModule.pimguard).to.equal(run.pulumiModule.program);
        });

        it("declares PimGuard as a child of the consumer's own component", function () {
            const [baseline] = resourcesOfType(run, consumerComponentType);
            const guards = resourcesOfType(run, "pimguard:index:PimGuard");
            expect(guards).to.have.lengthOf(1);
            expect(guards[0].parentUrn).to.equal(baseline.urn);
        });

        it("puts every resource pimguard declares under the consumer's component", function () {
            const [baseline] = resourcesOfType(run, consumerComponentType);
            const fromPimguard = run.resources.filter((resource) => ancestors(run, resource).some((ancestor) => ancestor.type === "pimguard:index:PimGuard"));
            const customTypes = new Set(fromPimguard.filter((resource) => resource.custom).map((resource) => resource.type));
            expect([...customTypes]).to.include.members([
                "azure-native:securityinsights:ScheduledAlertRule",
                "azure-native:securityinsights:AutomationRule",
                "azure-native:securityinsights:Watchlist",
                "azure-native:securityinsights:WatchlistItem",
                "azure-native:logic:Workflow",
                "azure-native:managedidentity:UserAssignedIdentity",
                "azure-native:authorization:RoleAssignment",
                "azuread:index/appRoleAssignment:AppRoleAssignment",
            ]);
            const outsideTheConsumer = run.resources.filter((resource) => resource !== baseline && !ancestors(run, resource).includes(baseline));
            expect(outsideTheConsumer.map((resource) => resource.urn)).to.deep.equal([]);
        });

        it("reads the detection query and the Logic Apps' definitions from the installed package", function () {
            const installedQuery = fs.readFileSync(path.join(run.pimguardRoot, "kql", "role-assigned-outside-pim.kql"), "utf8");
            const rule = resourcesOfType(run, "azure-native:securityinsights:ScheduledAlertRule").find(
                (candidate) => candidate.state.displayName === "Directory role assigned outside PIM (pimguard)",
            )!;
            // The component rewrites only the schedule's two `let` lines; every other line is the file's.
            const scheduleLines = /^let (ruleFrequency|lookBack) = /;
            const queryLines = (query: string) => query.split(/\r?\n/).filter((line) => !scheduleLines.test(line));
            expect(queryLines(rule.state.query as string)).to.deep.equal(queryLines(installedQuery));

            // workflow.json and sweep.json include shared parts: what is deployed is each file with its
            // parts resolved, by the installed package's own loader from its own playbook/ folder.
            const installed = installedDefinitions(run.pimguardRoot);
            expect(fs.readFileSync(path.join(run.pimguardRoot, "playbook", "workflow.json"), "utf8")).to.contain('"$include"');
            expect(workflowOf(run, "pimguard:index:RemediationPlaybook").state.definition).to.deep.equal(installed.playbook);
            // The consumer keeps the default sweep interval: an hour.
            expect(workflowOf(run, "pimguard:index:ReconcileSweep").state.definition).to.deep.equal(installed.sweep(60));
        });

        it("carries the consumer's choices: its role list, break-glass accounts, resource group and existing vault", function () {
            const privilegedRoles = watchlistItems(run, "PimGuardPrivilegedRoles");
            const exemptPrincipals = watchlistItems(run, "PimGuardExemptPrincipals");
            expect(privilegedRoles).to.deep.include({ RoleTemplateId: "6c1f0d5e-2b8a-4e47-9d3c-58a1f7e2b604", RoleName: "Contoso Tier-0 Operator" });
            expect(privilegedRoles.map((item) => item.RoleName)).to.include("Exchange Administrator");
            expect(exemptPrincipals.map((item) => item.PrincipalId)).to.include("9a7e4d21-58c3-4f6b-a0d2-7c1e3b5f8a90");

            const workflow = workflowOf(run, "pimguard:index:RemediationPlaybook");
            expect(workflow.state.resourceGroupName).to.equal("rg-contoso-dev-tier0-security");
            expect(resourcesOfType(run, "azure-native:keyvault:Vault")).to.deep.equal([]);
            const [secret] = resourcesOfType(run, "azure-native:keyvault:Secret");
            expect({ vault: secret.state.vaultName, group: secret.state.resourceGroupName }).to.deep.equal({ vault: "kv-secops-dev", group: "rg-secops-dev" });
        });
    });
});

function resourcesOfType(run: MockRunResult, type: string): MockRunResource[] {
    return run.resources.filter((resource) => resource.type === type);
}

/** The Logic App declared by the one component of this type (the playbook's, the sweep's). */
function workflowOf(run: MockRunResult, componentType: string): MockRunResource {
    const [component, ...others] = resourcesOfType(run, componentType);
    if (component === undefined || others.length > 0) {
        throw new Error(`the consumer declared ${others.length + (component ? 1 : 0)} ${componentType}, expected one`);
    }
    const workflows = resourcesOfType(run, "azure-native:logic:Workflow").filter((workflow) => workflow.parentUrn === component.urn);
    if (workflows.length !== 1) {
        throw new Error(`${componentType} declared ${workflows.length} Logic Apps, expected one`);
    }
    return workflows[0];
}

/**
 * The definitions as the installed package builds them: its compiled playbook-definition module,
 * reading the installed package's playbook/ folder (its assets module is checked to resolve there).
 */
function installedDefinitions(pimguardRoot: string): { playbook: unknown; sweep: (intervalMinutes: number) => unknown } {
    const components = path.join(pimguardRoot, "bin", "components");
    const assets = require(path.join(components, "assets.js")) as typeof Assets;
    expect(fs.realpathSync(assets.packageRoot())).to.equal(fs.realpathSync(pimguardRoot));
    const loader = require(path.join(components, "playbook-definition.js")) as typeof PlaybookDefinitions;
    return { playbook: loader.loadPlaybookDefinition(), sweep: (intervalMinutes) => loader.loadSweepDefinition(intervalMinutes) };
}

/** The rows of one watchlist: its WatchlistItem resources' key-value pairs. */
function watchlistItems(run: MockRunResult, alias: string): Record<string, string>[] {
    const items = resourcesOfType(run, "azure-native:securityinsights:WatchlistItem").filter((candidate) => candidate.state.watchlistAlias === alias);
    if (items.length === 0) {
        throw new Error(`the consumer declared no items of watchlist ${alias}`);
    }
    return items.map((item) => item.state.itemsKeyValue as Record<string, string>);
}

/** The resource's parent, its parent's parent, and so on up to the stack's root. */
function ancestors(run: MockRunResult, resource: MockRunResource): MockRunResource[] {
    const byUrn = new Map(run.resources.map((candidate) => [candidate.urn, candidate]));
    const chain: MockRunResource[] = [];
    for (let parent = byUrn.get(resource.parentUrn); parent !== undefined; parent = byUrn.get(parent.parentUrn)) {
        chain.push(parent);
    }
    return chain;
}
