/**
 * pimguard as a Pulumi component package (PulumiPlugin.yaml): what a Python, Go, .NET or YAML
 * program gets. The schema comes from Pulumi's own analyzer in node_modules, run by the same
 * ComponentProvider class the plugin host runs; the components are constructed through that
 * provider with inputs shaped as the engine delivers a Python program's arguments.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import * as packageEntry from "../components";
import { ConfigError } from "../components/config";
import { PimGuard, PimGuardArgs } from "../components/pim-guard";
import { componentClasses, componentInterfaces, DeclaredProperty, interfaceProperties } from "./support/component-sources";
import { readmeCodeBlocks } from "./support/readme";
import { DeclaredResource, isSecretInput, runProgram, StackRun, valueOf } from "./support/stack-harness";

const repositoryRoot = path.resolve(__dirname, "..");
const packageName = "pimguard";

/** The parts of a package schema (pulumi/pkg/codegen/schema) these tests read. */
interface PropertySpec {
    type?: string;
    $ref?: string;
    items?: PropertySpec;
    description?: string;
}
interface PackageSchema {
    name: string;
    version: string;
    resources: Record<
        string,
        { isComponent?: boolean; inputProperties: Record<string, PropertySpec>; requiredInputs?: string[]; properties: Record<string, PropertySpec> }
    >;
    types: Record<string, { type: string; properties?: Record<string, PropertySpec>; enum?: { name: string; value: string }[] }>;
}

/** The engine's encoding of a secret value on the wire (pulumi/sdk/proto, runtime/rpc.ts). */
function wireSecret(value: string): Record<string, string> {
    return { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value };
}

/**
 * How the provider host's gRPC server turns a Construct request's inputs into the component's
 * args (@pulumi/pulumi provider/server.js, not in its typings): plain values as they are,
 * secrets and values with dependencies as outputs. Only `toJavaScript()` of the request's
 * protobuf Struct is read, so a stand-in with that method carries the JSON.
 */
const { deserializeInputs } = require("@pulumi/pulumi/provider/server") as {
    deserializeInputs(inputs: { toJavaScript(): unknown }, dependencies: Map<string, unknown>): Promise<Record<string, unknown>>;
};

function fromTheWire(json: Record<string, unknown>): Promise<Record<string, unknown>> {
    return deserializeInputs({ toJavaScript: () => structuredClone(json) }, new Map());
}

describe("pimguard as a component package for Python, Go, .NET and YAML programs", function () {
    // The analyzer builds a TypeScript program of the whole repository: about 6 s, once.
    this.timeout(60_000);

    const hosted = getPulumiComponents(packageEntry);
    let provider: ComponentProvider;
    let schema: PackageSchema;
    let entryPoints: string[];

    before(async function () {
        // The analyzer's choice of entry file is internal; record it as the provider runs it.
        const findEntryPoint = Object.getOwnPropertyDescriptor(Analyzer.prototype, "findProgramEntryPoint")!.value as (this: Analyzer) => { fileName: string };
        entryPoints = [];
        Object.defineProperty(Analyzer.prototype, "findProgramEntryPoint", {
            configurable: true,
            value: function (this: Analyzer) {
                const entry = findEntryPoint.call(this);
                entryPoints.push(entry.fileName);
                return entry;
            },
        });
        try {
            // As the plugin host starts it: the package's name, its directory, the components its main module exports.
            provider = new ComponentProvider({ components: hosted, dirname: repositoryRoot, name: packageName });
            schema = JSON.parse(await provider.getSchema()) as PackageSchema;
        } finally {
            Object.defineProperty(Analyzer.prototype, "findProgramEntryPoint", { configurable: true, value: findEntryPoint });
        }
    });

    describe("the schema Pulumi's analyzer infers from the TypeScript", function () {
        const declared = componentClasses();
        const interfaces = componentInterfaces();
        const token = (component: string) => `${packageName}:index:${component}`;
        const resourceOf = (component: string) => schema.resources[token(component)]!;
        const argsOf = (component: string): DeclaredProperty[] => interfaceProperties(declared.find((c) => c.name === component)!.argsType!, interfaces);

        it("hosts every component the package's entry point exports, and each is one components/ declares", function () {
            expect(hosted.map((component) => component.name).sort()).to.deep.equal(declared.map((component) => component.name).sort());
            expect(Object.keys(schema.resources).sort()).to.deep.equal(declared.map((component) => token(component.name)).sort());
            for (const resource of Object.values(schema.resources)) {
                expect(resource.isComponent).to.equal(true);
            }
        });

        it("reads the components from components/index.ts, the package's entry point, not from the stack program", function () {
            expect(entryPoints).to.deep.equal([path.join(repositoryRoot, "components", "index.ts")]);
        });

        it("is declared a Node.js plugin in PulumiPlugin.yaml (without it the CLI installs nothing), with npm, as package-lock.json implies", function () {
            const plugin = parseYaml(fs.readFileSync(path.join(repositoryRoot, "PulumiPlugin.yaml"), "utf8")) as {
                runtime: { name: string; options?: Record<string, unknown> };
            };
            expect(plugin.runtime.name).to.equal("nodejs");
            expect(plugin.runtime.options?.packagemanager).to.equal("npm");
            expect(fs.existsSync(path.join(repositoryRoot, "package-lock.json"))).to.equal(true);
        });

        it("carries the package's name and version", function () {
            const manifest = require("../package.json") as { name: string; version: string };
            expect({ name: schema.name, version: schema.version }).to.deep.equal({ name: manifest.name, version: manifest.version });
        });

        it("takes every argument each component's args interface declares, required ones required, each with its doc comment", function () {
            for (const { name } of declared) {
                const args = argsOf(name);
                const inputs = resourceOf(name).inputProperties;
                expect(Object.keys(inputs).sort(), name).to.deep.equal(args.map((arg) => arg.name).sort());
                expect([...(resourceOf(name).requiredInputs ?? [])].sort(), name).to.deep.equal(
                    args
                        .filter((arg) => !arg.optional)
                        .map((arg) => arg.name)
                        .sort(),
                );
                for (const arg of args) {
                    expect(arg.doc, `${name}: ${arg.name} has a doc comment`).to.be.a("string");
                    expect(inputs[arg.name]!.description, `${name}.${arg.name}`).to.equal(arg.doc);
                }
            }
        });

        it("describes every property of the shapes the args take, with its doc comment", function () {
            const shapes = typesReachedFrom(Object.values(schema.resources).flatMap((resource) => Object.values(resource.inputProperties)));
            expect(shapes).to.include.members(["SentinelWorkspace", "ExistingVault", "ExemptPrincipal", "DirectoryRole"]);
            for (const shape of shapes.filter((name) => schema.types[token(name)]!.type === "object")) {
                const properties = schema.types[token(shape)]!.properties ?? {};
                const expected = interfaceProperties(shape, interfaces);
                expect(Object.keys(properties).sort(), shape).to.deep.equal(expected.map((property) => property.name).sort());
                for (const property of expected) {
                    expect(properties[property.name]!.description, `${shape}.${property.name}`).to.equal(property.doc).and.to.be.a("string");
                }
            }
        });

        it("offers the mode as an enum of remediate and reportOnly, wherever an argument takes a Mode", function () {
            const modeArgs = declared.flatMap(({ name }) =>
                argsOf(name)
                    .filter((arg) => arg.type === "Mode")
                    .map((arg) => ({ component: name, arg: arg.name })),
            );
            expect(modeArgs).to.deep.include.members([
                { component: "PimGuard", arg: "mode" },
                { component: "RemediationPlaybook", arg: "mode" },
            ]);
            for (const { component, arg } of modeArgs) {
                expect(resourceOf(component).inputProperties[arg]!.$ref, `${component}.${arg}`).to.equal(`#/types/${token("Mode")}`);
            }
            const mode = schema.types[token("Mode")]!;
            expect(mode.type).to.equal("string");
            expect(mode.enum!.map((member) => member.value)).to.deep.equal(["remediate", "reportOnly"]);
        });

        it("takes roles as a list of names or ids and a list of custom roles: two fields, since a schema has no union types", function () {
            const inputs = resourceOf("PimGuard").inputProperties;
            expect(inputs.privilegedRoles).to.deep.include({ type: "array" });
            expect(inputs.privilegedRoles!.items).to.deep.include({ type: "string" });
            expect(inputs.customRoles!.items).to.deep.include({ $ref: `#/types/${token("DirectoryRole")}` });
        });

        it("outputs each component's public fields, and nothing it keeps private", function () {
            for (const { name, publicFields } of declared) {
                expect(Object.keys(resourceOf(name).properties).sort(), name).to.deep.equal([...publicFields].sort());
            }
        });

        describe("the README's programs for other languages", function () {
            const camel = (snake: string) => snake.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
            const upperSnake = (pascal: string) => pascal.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
            const typeProperties = (name: string) => Object.keys(schema.types[token(name)]?.properties ?? {});

            /** `name=` arguments at the top level of the call that starts at `open` (the index of its parenthesis). */
            function keywordArguments(code: string, open: number): string[] {
                const names: string[] = [];
                let depth = 0;
                for (let index = open; index < code.length; index++) {
                    const character = code[index]!;
                    if ("([{".includes(character)) depth++;
                    if (")]}".includes(character) && --depth === 0) break;
                    const keyword = /^(\w+)=(?!=)/.exec(code.slice(index));
                    if (depth === 1 && keyword && !/\w/.test(code[index - 1]!)) names.push(keyword[1]!);
                }
                return names;
            }

            it("Python: PimGuard's keywords, the Args classes and their keywords, the Mode member and the output are the schema's", function () {
                const [python] = readmeCodeBlocks("Importing the components", "python");
                expect(python, "a Python example").to.be.a("string");
                const call = python!.indexOf("pimguard.PimGuard(") + "pimguard.PimGuard".length;
                const inputs = Object.keys(resourceOf("PimGuard").inputProperties);
                expect(keywordArguments(python!, call).map(camel)).to.satisfy((names: string[]) => names.every((name) => inputs.includes(name)));
                for (const match of python!.matchAll(/pimguard\.(\w+)Args\(/g)) {
                    const type = match[1]!;
                    expect(schema.types[token(type)], type).to.not.equal(undefined);
                    const keywords = keywordArguments(python!, match.index! + match[0].length - 1).map(camel);
                    expect(typeProperties(type), type).to.include.members(keywords);
                }
                for (const match of python!.matchAll(/pimguard\.Mode\.(\w+)/g)) {
                    expect(schema.types[token("Mode")]!.enum!.map((member) => upperSnake(member.name))).to.include(match[1]);
                }
                for (const match of python!.matchAll(/\bguard\.(\w+)/g)) {
                    expect(Object.keys(resourceOf("PimGuard").properties)).to.include(camel(match[1]!));
                }
            });

            it("YAML: the resource type, every property and nested field, the mode's value and the output are the schema's", function () {
                const [yamlText] = readmeCodeBlocks("Importing the components", "yaml");
                const program = parseYaml(yamlText!) as {
                    resources: Record<string, { type: string; properties: Record<string, unknown> }>;
                    outputs: Record<string, string>;
                };
                const guard = program.resources.guard!;
                expect(guard.type).to.equal(token("PimGuard"));
                const inputs = resourceOf("PimGuard").inputProperties;
                for (const [name, value] of Object.entries(guard.properties)) {
                    expect(inputs, name).to.have.property(name);
                    const item = inputs[name]!.items ?? inputs[name]!;
                    const nested = item.$ref?.match(/:index:(\w+)$/)?.[1];
                    if (nested !== undefined && schema.types[token(nested)]!.type === "object") {
                        for (const entry of Array.isArray(value) ? value : [value]) {
                            expect(typeProperties(nested), `${name} (${nested})`).to.include.members(Object.keys(entry as object));
                        }
                    }
                }
                expect(schema.types[token("Mode")]!.enum!.map((member) => member.value)).to.include(guard.properties.mode);
                for (const output of Object.values(program.outputs)) {
                    expect(Object.keys(resourceOf("PimGuard").properties)).to.include(/^\$\{guard\.(\w+)\}$/.exec(output)![1]);
                }
            });
        });

        /** Names of the schema types these properties reference, and the types those reference, and so on. */
        function typesReachedFrom(properties: PropertySpec[]): string[] {
            const found = new Set<string>();
            const visit = (property: PropertySpec | undefined): void => {
                if (property === undefined) {
                    return;
                }
                const local = property.$ref?.match(/^#\/types\/[^:]+:index:(.+)$/)?.[1];
                if (local !== undefined && !found.has(local)) {
                    found.add(local);
                    Object.values(schema.types[token(local)]?.properties ?? {}).forEach(visit);
                }
                visit(property.items);
            };
            properties.forEach(visit);
            return [...found].sort();
        }
    });

    describe("PimGuard constructed for a Python program, through the component provider", function () {
        const custom = { templateId: "0b7c5d1e-2f3a-4b6c-9d8e-7f6a5b4c3d2e", name: "Contoso Tier-0 Operator" };
        const webhook = "https://hooks.example.com/pimguard/contoso";

        /** What `pimguard.PimGuard("guard", ...)` in Python sends: camelCase JSON, a secret in the engine's envelope. */
        const pythonArguments = {
            workspace: { name: "law-sentinel", resourceGroupName: "rg-sentinel" },
            privilegedRoles: ["Global Administrator", "Exchange Administrator"],
            customRoles: [custom],
            exemptPrincipals: [{ id: "3f2b8c1e-6d4a-4e0b-9b7c-2a5d8e1f0c34", reason: "Break-glass 1" }],
            mode: "reportOnly",
            revokeSessions: false,
            ruleFrequencyMinutes: 10,
            streamAuditLogs: true,
            notificationWebhookUrl: wireSecret(webhook),
            tags: { owner: "secops" },
        };

        /** The same values, as a TypeScript program writes them. */
        const typeScriptArguments: PimGuardArgs = {
            workspace: { name: "law-sentinel", resourceGroupName: "rg-sentinel" },
            privilegedRoles: ["Global Administrator", "Exchange Administrator"],
            customRoles: [custom],
            exemptPrincipals: [{ id: "3f2b8c1e-6d4a-4e0b-9b7c-2a5d8e1f0c34", reason: "Break-glass 1" }],
            mode: "reportOnly",
            revokeSessions: false,
            ruleFrequencyMinutes: 10,
            streamAuditLogs: true,
            notificationWebhookUrl: pulumi.secret(webhook),
            tags: { owner: "secops" },
        };

        let fromPython: StackRun;
        let fromTypeScript: StackRun;
        let constructed: { urn: pulumi.Input<string>; state: Record<string, unknown> };
        let typeScriptGuard: PimGuard;

        before(async function () {
            fromPython = await runProgram(async () => {
                constructed = await provider.construct("guard", token("PimGuard"), await fromTheWire(pythonArguments), {});
            });
            fromTypeScript = await runProgram(() => {
                typeScriptGuard = new PimGuard("guard", typeScriptArguments);
            });
        });

        function token(component: string): string {
            return `${packageName}:index:${component}`;
        }

        /** What the engine would be asked to create, in a stable order. */
        function declarations(run: StackRun): Omit<DeclaredResource, "id">[] {
            return run.resources
                .map(({ type, name, parentType, custom: isCustom, inputs, urn }) => ({ type, name, parentType, custom: isCustom, inputs, urn }))
                .sort((left, right) => `${left.type}::${left.name}`.localeCompare(`${right.type}::${right.name}`));
        }

        it("declares exactly the resources, with the same inputs, that a TypeScript program gets from the same values", function () {
            expect(fromPython.error).to.equal(undefined);
            expect(fromTypeScript.error).to.equal(undefined);
            expect(fromPython.resources.length).to.be.greaterThan(20);
            expect(declarations(fromPython)).to.deep.equal(declarations(fromTypeScript));
        });

        it("applied the Python program's choices: report-only, its custom role, the webhook kept secret", function () {
            const workflow = fromPython.playbookWorkflow();
            expect(workflow.inputs.parameters.mode.value).to.equal("reportOnly");
            const roleRows = fromPython.ofType("azure-native:securityinsights:WatchlistItem").map((item) => item.inputs.itemsKeyValue);
            expect(roleRows).to.deep.include({ RoleTemplateId: custom.templateId, RoleName: custom.name });
            const secretProperties = fromPython.single("azure-native:keyvault:Secret").inputs.properties;
            expect(isSecretInput(secretProperties)).to.equal(true);
            expect(secretProperties.value.value).to.equal(webhook);
        });

        it("returns the outputs the schema declares, with the values the TypeScript component has", async function () {
            expect(Object.keys(constructed.state).sort()).to.deep.equal(Object.keys(schema.resources[token("PimGuard")]!.properties).sort());
            for (const output of ["ruleId", "playbookId", "identityPrincipalId", "vaultUri", "privilegedRolesWatchlistAlias"] as const) {
                expect(await valueOf(constructed.state[output] as pulumi.Input<string>), output).to.equal(await valueOf(typeScriptGuard[output]));
            }
            expect((constructed.state.policy as { mode: string }).mode).to.equal("reportOnly");
        });

        it("refuses a misspelt mode with pimguard's own message, before declaring anything", async function () {
            let refusal: unknown;
            const run = await runProgram(async () => {
                try {
                    await provider.construct("guard", token("PimGuard"), await fromTheWire({ ...pythonArguments, mode: "remidiate" }), {});
                } catch (error) {
                    refusal = error;
                }
            });
            expect(refusal).to.be.instanceOf(ConfigError);
            expect((refusal as ConfigError).problems).to.deep.equal(['PimGuardArgs.mode is "remidiate"; allowed: "remediate" or "reportOnly"']);
            expect(run.resources).to.deep.equal([]);
        });
    });
});
