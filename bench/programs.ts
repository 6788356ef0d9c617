/**
 * The programs the bench compares, the tsconfigs that type-check them, and their JavaScript:
 *
 * - the pimguard stack program: `index.ts` (what `pulumi preview` runs) and `components/index.ts`
 *   (the package entry point), with every file of this package they import;
 * - a generated baseline: a program that imports exactly the provider SDK modules (`@pulumi/...`)
 *   the stack program imports, and declares one resource;
 * - a generated resources-only control: the same imports, and every resource and component the
 *   stack program declared, with the inputs it gave them, but none of pimguard's code.
 *
 * What the stack program costs beyond the baseline is its code and the resources it declares; the
 * control splits the two. Everything is generated under bench/.generated (gitignored, and outside
 * the project's type-check), inside the project so that it resolves the project's node_modules.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import type { RecordedRegistration } from "./reports";

export const projectRoot = path.resolve(__dirname, "..");
export const generatedDir = path.join(projectRoot, "bench", ".generated");

/** The files `pulumi preview` starts from, and the package entry point importers start from. */
export const programEntryFiles = ["index.ts", path.join("components", "index.ts")];

/** What the stack program is made of, found by following its imports. */
export interface ProgramImports {
    /** This package's TypeScript files, relative to the project root. */
    sourceFiles: string[];
    /** Imported provider SDK modules (`@pulumi/...`), each as written, e.g. `@pulumi/azure-native/logic`. */
    sdkModules: string[];
    /** Every other external import (Node built-ins, other packages). */
    otherModules: string[];
    /** Relative imports that resolve to nothing (the type-check will fail on them too). */
    unresolved: string[];
}

const resolutionOptions: ts.CompilerOptions = { moduleResolution: ts.ModuleResolutionKind.Node10, resolveJsonModule: true };

/** Follows the relative imports from the entry files and collects what leaves the package. */
export function findProgramImports(root = projectRoot, entries = programEntryFiles): ProgramImports {
    const sources = new Set<string>();
    const sdkModules = new Set<string>();
    const otherModules = new Set<string>();
    const unresolved = new Set<string>();
    const pending = entries.map((entry) => path.join(root, entry));
    while (pending.length > 0) {
        const file = pending.pop()!;
        if (sources.has(file)) {
            continue;
        }
        sources.add(file);
        for (const imported of ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true).importedFiles) {
            const specifier = imported.fileName;
            if (!specifier.startsWith(".")) {
                (specifier.startsWith("@pulumi/") ? sdkModules : otherModules).add(specifier);
                continue;
            }
            const resolved = ts.resolveModuleName(specifier, file, resolutionOptions, ts.sys).resolvedModule;
            if (resolved === undefined) {
                unresolved.add(`${path.relative(root, file)}: ${specifier}`);
            } else if (resolved.extension === ts.Extension.Ts) {
                pending.push(path.resolve(resolved.resolvedFileName));
            }
        }
    }
    const sorted = (values: Set<string>) => [...values].sort();
    return {
        sourceFiles: sorted(new Set([...sources].map((file) => path.relative(root, file)))),
        sdkModules: sorted(sdkModules),
        otherModules: sorted(otherModules),
        unresolved: sorted(unresolved),
    };
}

/** A root-package import such as `@pulumi/azuread` loads (and type-checks) the whole SDK index. */
export function rootSdkImports(sdkModules: string[]): string[] {
    return sdkModules.filter((specifier) => specifier.split("/").length === 2 && specifier !== "@pulumi/pulumi");
}

const baselineResourceModule = "@pulumi/azure-native/resources";

/**
 * Compiles TypeScript files to JavaScript under bench/.generated/compiled, each file alone with the
 * project's compiler options: the same JavaScript ts-node's transpile-only mode produces, written
 * to disk so a plain `node` runs it (see `compiledPath`).
 */
export function compileToJavaScript(files: string[]): void {
    const config = ts.getParsedCommandLineOfConfigFile(
        path.join(projectRoot, "tsconfig.json"),
        {},
        { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
    );
    if (config === undefined) {
        throw new Error("bench: cannot read tsconfig.json");
    }
    const compilerOptions: ts.CompilerOptions = { ...config.options, noEmit: false, declaration: false, sourceMap: false };
    for (const file of files) {
        const source = path.resolve(projectRoot, file);
        writeFile(compiledPath(source), ts.transpileModule(fs.readFileSync(source, "utf8"), { compilerOptions, fileName: source }).outputText);
    }
}

/** Where `compileToJavaScript` writes a source file: the same relative path, `.js`. */
export function compiledPath(sourceFile: string): string {
    const relative = path.relative(projectRoot, path.resolve(projectRoot, sourceFile));
    return path.join(generatedDir, "compiled", relative.replace(/\.ts$/, ".js"));
}

/** Writes the baseline program; returns its path. */
export function writeBaselineProgram(sdkModules: string[]): string {
    const imports = sdkImports([...sdkModules, baselineResourceModule]);
    const text = [
        "// Generated by `npm run bench` (bench/programs.ts). Do not edit: it is rewritten on every run.",
        "// The baseline: the provider SDK modules the pimguard program imports, and one resource.",
        ...imports.lines,
        `export const group = new ${imports.alias(baselineResourceModule)}.ResourceGroup("baseline", { location: "westeurope" });`,
        "",
    ].join("\n");
    const file = path.join(generatedDir, "baseline", "index.ts");
    writeFile(file, text);
    return file;
}

/**
 * Writes the resources-only control: `registrations` (recorded from the stack program under the
 * bench's mocks) declared one after another with their recorded inputs, components as plain
 * ComponentResources. Declared flat, without parents: nesting costs Pulumi a little more, so the
 * control errs towards charging that cost to pimguard's code. Returns the program's path.
 */
export function writeResourcesOnlyProgram(
    sdkModules: string[],
    registrations: RecordedRegistration[],
    file = path.join(generatedDir, "resources-only", "index.ts"),
): string {
    const pulumiModule = "@pulumi/pulumi";
    const classes = registrations.map((registration) => (registration.custom ? sdkClassOf(registration.type) : undefined));
    const imports = sdkImports([...sdkModules, pulumiModule, ...classes.flatMap((sdkClass) => (sdkClass ? [sdkClass.module] : []))]);
    const names = uniqueNames(registrations);
    const declarations = registrations.map((registration, index) => {
        const name = JSON.stringify(names[index]);
        const sdkClass = classes[index];
        if (sdkClass === undefined) {
            return `const component${index} = new ${imports.alias(pulumiModule)}.ComponentResource(${JSON.stringify(registration.type)}, ${name}, {});`;
        }
        return `new ${imports.alias(sdkClass.module)}.${sdkClass.className}(${name}, ${JSON.stringify(registration.inputs)});`;
    });
    const components = registrations.flatMap((registration, index) => (registration.custom ? [] : [`component${index}`]));
    const text = [
        "// Generated by `npm run bench` (bench/programs.ts). Do not edit: it is rewritten on every run.",
        "// The resources-only control: what the stack program declared, with the same inputs, and none of its code.",
        ...imports.lines,
        ...declarations,
        ...components.map((component) => `${component}.registerOutputs({});`),
        "",
    ].join("\n");
    writeFile(file, text);
    return file;
}

/**
 * `import * as sdkN from "<module>"` for each module, once, and an export that uses every alias,
 * so neither tsc nor swc drops an import the program does not otherwise use.
 */
function sdkImports(modules: string[]): { lines: string[]; alias: (specifier: string) => string } {
    const sorted = [...new Set(modules)].sort();
    const alias = (specifier: string) => `sdk${sorted.indexOf(specifier)}`;
    return {
        lines: [
            ...sorted.map((specifier) => `import * as ${alias(specifier)} from ${JSON.stringify(specifier)};`),
            "",
            `export const sdkModules = [${sorted.map(alias).join(", ")}];`,
        ],
        alias,
    };
}

/**
 * The SDK module and class of a resource type token: `azure-native:keyvault:Vault` is
 * `@pulumi/azure-native/keyvault`'s `Vault`, `azuread:index/appRoleAssignment:AppRoleAssignment`
 * is `@pulumi/azuread/appRoleAssignment`'s. Throws for a token no installed module exports.
 */
export function sdkClassOf(type: string): { module: string; className: string } {
    const [pkg, moduleName, className] = type.split(":");
    const file = moduleName === "index" ? "" : moduleName.replace(/^index\//, "");
    const sdkClass = { module: `@pulumi/${pkg}${file === "" ? "" : `/${file}`}`, className };
    let exported: unknown;
    try {
        exported = (require(require.resolve(sdkClass.module, { paths: [projectRoot] })) as Record<string, unknown>)[className];
    } catch {
        exported = undefined;
    }
    if (typeof exported !== "function") {
        throw new Error(`bench: no SDK class for resource type ${type} (looked for ${className} in ${sdkClass.module})`);
    }
    return sdkClass;
}

/** The recorded names, with a suffix where declaring them flat would give two the same URN. */
function uniqueNames(registrations: RecordedRegistration[]): string[] {
    const seen = new Set<string>();
    return registrations.map((registration) => {
        let name = registration.name;
        for (let copy = 2; seen.has(`${registration.type}::${name}`); copy++) {
            name = `${registration.name}-${copy}`;
        }
        seen.add(`${registration.type}::${name}`);
        return name;
    });
}

/**
 * Writes a tsconfig that type-checks exactly `files` (and what they import) with the project's
 * compiler options, except `types`: only Node's, as a program has no use for mocha's.
 */
export function writeTypecheckConfig(name: string, files: string[]): string {
    const config = path.join(generatedDir, `tsconfig.${name}.json`);
    const relative = (file: string) => path.relative(generatedDir, path.resolve(projectRoot, file)).split(path.sep).join("/");
    writeFile(
        config,
        JSON.stringify(
            {
                extends: relative("tsconfig.json"),
                compilerOptions: { noEmit: true, types: ["node"] },
                files: files.map(relative),
                // Not inherited: only `files` and what they import.
                include: [],
            },
            null,
            2,
        ),
    );
    return config;
}

function writeFile(file: string, text: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
}
