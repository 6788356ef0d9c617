import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const root = path.resolve(__dirname, "..");

/** Every file git tracks, relative to the repository root. */
function trackedFiles(): string[] {
    return execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" })
        .split("\0")
        .filter((file) => file !== "");
}

/** The relative module specifiers a TypeScript file imports or re-exports. */
function relativeImports(file: string): string[] {
    return ts
        .preProcessFile(fs.readFileSync(path.join(root, file), "utf8"), true, false)
        .importedFiles.map((imported) => imported.fileName)
        .filter((specifier) => specifier.startsWith("."));
}

/** The top-level folder a relative import from `file` lands in. */
function folderImported(file: string, specifier: string): string {
    return path.relative(root, path.resolve(root, path.dirname(file), specifier)).split(path.sep)[0]!;
}

describe("the repository's layout", () => {
    const files = trackedFiles();
    const typeScript = files.filter((file) => file.endsWith(".ts"));

    it("keeps kql/ and playbook/ to what is deployed: queries and workflow definitions, no code", () => {
        const deployed = files.filter((file) => /^(kql|playbook)\//.test(file));
        expect(deployed.filter((file) => !/^kql\/[^/]+\.kql$/.test(file) && !/^playbook\/[^/]+\.json$/.test(file))).to.deep.equal([]);
    });

    it("has the product's code import only the product: components/ reads nothing from replay/, bench/ or test/", () => {
        const outward = typeScript
            .filter((file) => file.startsWith("components/"))
            .flatMap((file) => relativeImports(file).map((specifier) => ({ file, folder: folderImported(file, specifier) })))
            .filter(({ folder }) => folder !== "components");
        expect(outward).to.deep.equal([]);
    });

    it("has the tools depend on the product and never on the tests", () => {
        const intoTests = typeScript
            .filter((file) => /^(replay|bench)\//.test(file))
            .flatMap((file) => relativeImports(file).map((specifier) => ({ file, folder: folderImported(file, specifier) })))
            .filter(({ folder }) => folder === "test" || folder === "examples");
        expect(intoTests).to.deep.equal([]);
    });

    it("keeps the policy pack self-contained: policy/ imports nothing from the rest of the repository (it is installed and run on its own)", () => {
        const policyFiles = typeScript.filter((file) => file.startsWith("policy/"));
        expect(policyFiles).to.include("policy/policies.ts");
        const outward = policyFiles
            .flatMap((file) => relativeImports(file).map((specifier) => ({ file, folder: folderImported(file, specifier) })))
            .filter(({ folder }) => folder !== "policy");
        expect(outward).to.deep.equal([]);
    });

    it("names every file in one case, kebab-case, except files whose names their tools or Sentinel fix", () => {
        const fixedByTheirTools = /^(README\.md|LICENSE|CHANGELOG\.md|Pulumi(\.[^.]+)?\.yaml|PulumiPlugin\.yaml|PulumiPolicy\.yaml|\..+)$/;
        // Watchlist fixtures are named after the Sentinel alias they stand for.
        const watchlistFixture = /^test\/fixtures\/watchlists\/PimGuard[A-Za-z]+\.csv$/;
        const offCase = files.filter((file) => {
            const name = path.basename(file);
            return !/^[a-z0-9]+([-.][a-z0-9]+)*$/.test(name) && !fixedByTheirTools.test(name) && !watchlistFixture.test(file);
        });
        expect(offCase).to.deep.equal([]);
    });

    it("is described in the README's Layout section, one line per top-level folder", () => {
        const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
        const section = /^## Layout\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme);
        expect(section, "a '## Layout' section").to.not.equal(null);
        const tree = /```text\n([\s\S]*?)```/.exec(section![1]!);
        expect(tree, "a text block holding the tree").to.not.equal(null);
        const described = tree![1]!
            .split("\n")
            .map((line) => /^([\w.-]+)\/\s/.exec(line)?.[1])
            .filter((folder): folder is string => folder !== undefined)
            .sort();
        const folders = [...new Set(files.filter((file) => file.includes("/") && !file.startsWith(".")).map((file) => file.split("/")[0]!))].sort();
        expect(described).to.deep.equal(folders);
    });
});
