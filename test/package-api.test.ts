import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { componentClasses, componentInterfaces, parseComponentModule } from "./support/component-sources";

/** Names components/index.ts re-exports, by the module they come from (e.g. "./pim-guard"). */
function entryPointExports(): Map<string, string> {
    const exported = new Map<string, string>();
    for (const statement of parseComponentModule("index.ts").statements) {
        if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
            const from = (statement.moduleSpecifier as ts.StringLiteral).text;
            statement.exportClause.elements.forEach((element) => exported.set(element.name.text, from));
        }
    }
    return exported;
}

/**
 * Properties with no `/** ... *\/` comment in the interfaces named and in those they extend
 * (an importer's editor shows inherited properties' comments too).
 */
function undocumentedProperties(interfaceNames: Set<string>): string[] {
    const interfaces = componentInterfaces();
    const pending = [...interfaceNames];
    const checked = new Set<string>();
    const missing: string[] = [];
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
        const declaration = interfaces.get(name);
        if (declaration === undefined || checked.has(name)) {
            continue;
        }
        checked.add(name);
        declaration.heritageClauses?.forEach((clause) => clause.types.forEach((type) => pending.push(type.expression.getText())));
        for (const member of declaration.members) {
            if (ts.isPropertySignature(member) && ts.getJSDocCommentsAndTags(member).length === 0) {
                missing.push(`${name}.${member.name.getText()}`);
            }
        }
    }
    return missing;
}

describe("the package's entry point (components/index.ts)", function () {
    const exported = entryPointExports();
    const components = componentClasses();

    it("finds the components it checks", function () {
        expect(components.map((component) => component.name)).to.include.members(["PimGuard", "DetectionRule", "RemediationPlaybook"]);
    });

    it("exports every component, from the module that declares it", function () {
        const notExported = components.filter((component) => exported.get(component.name) !== component.module).map((component) => component.name);
        expect(notExported).to.deep.equal([]);
    });

    it("exports every component's args type", function () {
        const argsTypes = components.map((component) => component.argsType);
        expect(argsTypes).not.to.include(undefined);
        expect(argsTypes.filter((type) => !exported.has(type!))).to.deep.equal([]);
    });

    it("documents every argument of every exported args type, and of the shapes they take", function () {
        const argumentShapes = new Set([...exported.keys()].filter((name) => name.endsWith("Args")));
        for (const shape of ["ExistingVault", "SentinelWorkspace", "ExemptPrincipal", "DirectoryRole"]) {
            expect(exported.has(shape), shape).to.equal(true);
            argumentShapes.add(shape);
        }
        expect(undocumentedProperties(argumentShapes)).to.deep.equal([]);
    });
});

describe("package metadata a user of the package expects", () => {
    const root = path.resolve(__dirname, "..");
    const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));

    /** The lowest version a caret or tilde range admits, as [major, minor, patch]. */
    function floorOf(range: string): number[] {
        const match = /^[\^~]?(\d+)\.(\d+)\.(\d+)$/.exec(range);
        expect(match, `a simple range, not ${range}`).to.not.equal(null);
        return match!.slice(1).map(Number);
    }

    function atMost(left: number[], right: number[]): boolean {
        for (let index = 0; index < 3; index++) {
            if (left[index] !== right[index]) return left[index]! < right[index]!;
        }
        return true;
    }

    it("ships a LICENSE whose text is the license package.json names", () => {
        expect(manifest.license).to.equal("MIT");
        expect(fs.readFileSync(path.join(root, "LICENSE"), "utf8")).to.match(/^MIT License\n/);
    });

    it("names its repository", () => {
        expect(manifest.repository).to.have.property("type", "git");
        expect(manifest.repository.url).to.match(/^git\+https:\/\/.+\.git$/);
    });

    it("asks for no newer @pulumi/pulumi than the provider SDKs it uses, so a consumer keeps one copy", () => {
        const ours = floorOf(manifest.dependencies["@pulumi/pulumi"]);
        for (const sdk of ["@pulumi/azure-native", "@pulumi/azuread", "@pulumi/random"]) {
            const theirs = JSON.parse(fs.readFileSync(path.join(root, "node_modules", sdk, "package.json"), "utf8")).dependencies["@pulumi/pulumi"];
            expect(atMost(ours, floorOf(theirs)), `${sdk} asks for ${theirs}`).to.equal(true);
        }
    });
});
