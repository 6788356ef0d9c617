/**
 * What components/ declares, read from its TypeScript sources (parsed, not type-checked): the
 * component classes, their args interfaces and the doc comments an importer's editor shows.
 * Tests hold the package's entry point and its inferred schema to these declarations.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

export const componentsDir = path.resolve(__dirname, "..", "..", "components");

/** Parses (does not type-check) a module of components/. */
export function parseComponentModule(file: string): ts.SourceFile {
    const fullPath = path.join(componentsDir, file);
    return ts.createSourceFile(fullPath, fs.readFileSync(fullPath, "utf8"), ts.ScriptTarget.ES2022, true);
}

function componentModules(): ts.SourceFile[] {
    return fs
        .readdirSync(componentsDir)
        .filter((name) => name.endsWith(".ts"))
        .map(parseComponentModule);
}

export interface ComponentClass {
    name: string;
    module: string;
    /** The type of the constructor's `args` parameter, as written. */
    argsType: string | undefined;
    /** Fields a caller can read (not private or protected), in declaration order. */
    publicFields: string[];
}

function isHidden(member: ts.ClassElement): boolean {
    const flags = ts.getCombinedModifierFlags(member as ts.Declaration);
    return (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 || (member.name !== undefined && ts.isPrivateIdentifier(member.name));
}

/** Every class in components/ that extends ComponentResource. */
export function componentClasses(): ComponentClass[] {
    const found: ComponentClass[] = [];
    for (const source of componentModules()) {
        for (const statement of source.statements) {
            const extendsComponent =
                ts.isClassDeclaration(statement) && statement.heritageClauses?.some((clause) => clause.getText().includes("ComponentResource"));
            if (ts.isClassDeclaration(statement) && statement.name && extendsComponent) {
                const constructor = statement.members.find(ts.isConstructorDeclaration);
                const args = constructor?.parameters.find((parameter) => parameter.name.getText() === "args");
                found.push({
                    name: statement.name.text,
                    module: `./${path.basename(source.fileName).replace(/\.ts$/, "")}`,
                    argsType: args?.type?.getText(),
                    publicFields: statement.members
                        .filter(ts.isPropertyDeclaration)
                        .filter((member) => !isHidden(member))
                        .map((member) => member.name.getText()),
                });
            }
        }
    }
    return found;
}

/** Every interface declared in components/, by name. */
export function componentInterfaces(): Map<string, ts.InterfaceDeclaration> {
    const found = new Map<string, ts.InterfaceDeclaration>();
    for (const source of componentModules()) {
        source.statements.filter(ts.isInterfaceDeclaration).forEach((declaration) => found.set(declaration.name.text, declaration));
    }
    return found;
}

export interface DeclaredProperty {
    name: string;
    optional: boolean;
    /** The text of its `/** ... *\/` comment, if it has one. */
    doc: string | undefined;
    /** Its type, as written. */
    type: string;
}

/**
 * The properties of an interface of components/, its own and those of the interfaces it
 * extends (as TypeScript's checker and Pulumi's analyzer see them).
 */
export function interfaceProperties(name: string, interfaces = componentInterfaces()): DeclaredProperty[] {
    const declaration = interfaces.get(name);
    if (declaration === undefined) {
        throw new Error(`components/ declares no interface ${name}`);
    }
    const inherited = (declaration.heritageClauses ?? []).flatMap((clause) =>
        clause.types.flatMap((type) => interfaceProperties(type.expression.getText(), interfaces)),
    );
    const own = declaration.members.filter(ts.isPropertySignature).map((member) => ({
        name: member.name.getText(),
        optional: member.questionToken !== undefined,
        doc: docComment(member),
        type: member.type?.getText() ?? "",
    }));
    return [...inherited.filter((property) => !own.some((mine) => mine.name === property.name)), ...own];
}

function docComment(node: ts.Node): string | undefined {
    const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
    const text = docs.map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? "").join("\n");
    return text === "" ? undefined : text;
}
