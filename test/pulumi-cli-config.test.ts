import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { configKeys, parseStackConfig } from "../components/config";
import {
    findProjects,
    programConfig,
    projectProblems,
    PulumiProject,
    readProject,
    readStackFile,
    stackConfigError,
    StackConfigValues,
} from "./support/pulumi-cli-config";
import { minimalConfig } from "./support/stack-harness";

const repositoryRoot = path.resolve(__dirname, "..");

function project(yamlText: string): PulumiProject {
    const parsed = parseYaml(yamlText) as { name: string; config: PulumiProject["config"] };
    return { name: parsed.name, config: parsed.config };
}

describe("what the Pulumi CLI checks before the program runs", () => {
    const projects = findProjects(repositoryRoot);

    it("finds the root project and the consumer example, each with stack files", () => {
        const found = projects.map((entry) => path.relative(repositoryRoot, entry.projectFile));
        expect(found).to.have.members(["Pulumi.yaml", path.join("examples", "consumer", "Pulumi.yaml")]);
        projects.forEach((entry) => expect(entry.stackFiles, entry.projectFile).not.to.deep.equal([]));
    });

    for (const { projectFile, stackFiles } of projects) {
        const where = path.relative(repositoryRoot, projectFile);

        it(`${where} passes the CLI's project checks`, () => {
            expect(projectProblems(readProject(projectFile))).to.deep.equal([]);
        });

        for (const stackFile of stackFiles) {
            const stack = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(stackFile))![1]!;
            it(`${path.relative(repositoryRoot, stackFile)}: pulumi preview gets past the CLI's config checks`, () => {
                expect(stackConfigError(readProject(projectFile), stack, readStackFile(stackFile))).to.equal(undefined);
            });
        }
    }

    describe("the rules, as the CLI applies them", () => {
        // The declarations Pulumi.yaml had, and Pulumi.dev.yaml as it was: what a new user tried.
        const before = project(`
name: pimguard
config:
  workspaceName: { type: string }
  workspaceResourceGroup: { type: string }
  resourceGroupName: { type: string }
  privilegedRoles: { type: array, items: { type: string } }
  mode: { type: string, default: remediate }
  notificationWebhookUrl: { type: string, secret: true }
`);
        const devStack: StackConfigValues = {
            "pimguard:workspaceName": "law-sentinel-dev",
            "pimguard:workspaceResourceGroup": "rg-sentinel-dev",
            "pimguard:mode": "reportOnly",
        };

        it("a declared key with neither default nor value is required: the refusal a new user saw", () => {
            expect(stackConfigError(before, "dev", devStack)).to.equal(
                "validating stack config: Stack 'dev' is missing configuration values 'notificationWebhookUrl', 'privilegedRoles' and 'resourceGroupName'",
            );
        });

        it("a key declared secret must be set as secure: ciphertext", () => {
            const stack = {
                ...devStack,
                "pimguard:resourceGroupName": "rg",
                "pimguard:privilegedRoles": ["Global Administrator"],
                "pimguard:notificationWebhookUrl": "https://hooks.example.com/x",
            };
            expect(stackConfigError(before, "dev", stack)).to.equal(
                "validating stack config: Stack 'dev' with configuration key 'notificationWebhookUrl' must be encrypted as it's secret",
            );
            expect(stackConfigError(before, "dev", { ...stack, "pimguard:notificationWebhookUrl": { secure: "v1:abc" } })).to.equal(undefined);
        });

        it("a declared type is checked: integers as whole numbers, booleans as true or false, arrays item by item, objects as maps", () => {
            const typed = project(`
name: p
config:
  count: { type: integer, default: 5 }
  flag: { type: boolean, default: true }
  names: { type: array, items: { type: string }, default: [] }
  labels: { type: object, default: {} }
`);
            expect(stackConfigError(typed, "s", { "p:count": "15" })).to.equal(undefined);
            expect(stackConfigError(typed, "s", { "p:count": "1.5" })).to.equal(
                "validating stack config: Stack 's' with configuration key 'count' must be of type 'integer'",
            );
            expect(stackConfigError(typed, "s", { "p:flag": "yes" })).to.equal(
                "validating stack config: Stack 's' with configuration key 'flag' must be of type 'boolean'",
            );
            expect(stackConfigError(typed, "s", { "p:names": [{ a: 1 }] })).to.equal(
                "validating stack config: Stack 's' with configuration key 'names' must be of type 'array<string>'",
            );
            expect(stackConfigError(typed, "s", { "p:labels": ["x"] })).to.equal(
                "validating stack config: Stack 's' with configuration key 'labels' must be of type 'object'",
            );
        });

        it("a project file is refused for an array without items, a default of the wrong type, or a provider key with a default", () => {
            const broken = project(`
name: p
config:
  names: { type: array }
  count: { type: integer, default: five }
  azure-native:location: { default: westeurope }
`);
            expect(projectProblems(broken)).to.deep.equal([
                "The configuration key 'names' declares an array but does not specify the underlying type via the 'items' attribute",
                "The default value specified for configuration key 'count' is not of the expected type 'integer'",
                "Configuration key 'azure-native:location' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?",
                "Configuration key 'azure-native:location' is namespaced and must provide an attribute 'value'",
            ]);
        });
    });
});

describe("Pulumi.yaml's defaults are the defaults the code applies", () => {
    const rootProject = readProject(path.join(repositoryRoot, "Pulumi.yaml"));

    it("a stack setting only the two required keys runs with exactly the settings the code defaults to", () => {
        const received = programConfig(rootProject, { "pimguard:workspaceName": "law-sentinel", "pimguard:workspaceResourceGroup": "rg-sentinel" });
        expect(parseStackConfig(received)).to.deep.equal(parseStackConfig(minimalConfig));
    });

    for (const [key, declaration] of Object.entries(rootProject.config)) {
        if (!("default" in declaration)) continue;
        it(`pimguard:${key}'s declared default means the same as leaving it out`, () => {
            const onlyThisDefault = programConfig({ ...rootProject, config: { [key]: declaration } }, minimalConfig);
            expect(parseStackConfig(onlyThisDefault)).to.deep.equal(parseStackConfig(minimalConfig));
        });
    }

    it("declares every key the program reads, except those the CLI would make required, which a comment lists", () => {
        const declared = Object.keys(rootProject.config);
        const undeclared = configKeys.filter((key) => !declared.includes(key));
        expect(undeclared).to.deep.equal(["notificationWebhookUrl"]);
        expect(fs.readFileSync(path.join(repositoryRoot, "Pulumi.yaml"), "utf8")).to.match(/^\s*#\s+notificationWebhookUrl\s/m);
        expect(declared.filter((key) => !(configKeys as readonly string[]).includes(key))).to.deep.equal([]);
    });
});
