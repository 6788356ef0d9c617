import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { findProgramImports, generatedDir, sdkClassOf, writeResourcesOnlyProgram } from "../bench/programs";
import { minimalConfig, runProgram, runStack, StackRun } from "./support/stack-harness";

/** What a run declared, in a form two runs can be compared by. */
function declarations(run: StackRun) {
    return run.resources
        .map((resource) => ({ type: resource.type, name: resource.name, custom: resource.custom, inputs: resource.custom ? resource.inputs : {} }))
        .sort((a, b) => `${a.type}::${a.name}`.localeCompare(`${b.type}::${b.name}`));
}

describe("the bench's resources-only control", () => {
    const controlFile = path.join(generatedDir, "test", "resources-only.ts");
    let stack: StackRun;
    let control: StackRun;

    before(async () => {
        stack = await runStack(minimalConfig);
        writeResourcesOnlyProgram(findProgramImports().sdkModules, declarations(stack), controlFile);
        control = await runProgram(() => require(controlFile));
    });

    after(() => fs.rmSync(path.dirname(controlFile), { recursive: true, force: true }));

    it("declares every resource and component the stack program declares, with the same inputs", () => {
        expect(control.error).to.equal(undefined);
        expect(declarations(control)).to.deep.equal(declarations(stack));
    });

    it("imports provider SDK modules and nothing of pimguard's", () => {
        const imported = ts.preProcessFile(fs.readFileSync(controlFile, "utf8"), true, true).importedFiles.map((file) => file.fileName);
        expect(imported).to.have.length.above(0);
        expect(imported.filter((specifier) => !specifier.startsWith("@pulumi/"))).to.deep.equal([]);
    });

    it("finds the SDK class of a type token, including the index/<file> form of azuread and random", () => {
        expect(sdkClassOf("azure-native:keyvault:Vault")).to.deep.equal({ module: "@pulumi/azure-native/keyvault", className: "Vault" });
        expect(sdkClassOf("azuread:index/appRoleAssignment:AppRoleAssignment")).to.deep.equal({
            module: "@pulumi/azuread/appRoleAssignment",
            className: "AppRoleAssignment",
        });
    });

    it("refuses a resource type no installed SDK exports, naming it", () => {
        expect(() => sdkClassOf("azure-native:keyvault:NoSuchVault")).to.throw(/azure-native:keyvault:NoSuchVault/);
        expect(() => sdkClassOf("nosuchprovider:index:Thing")).to.throw(/nosuchprovider:index:Thing/);
    });
});
