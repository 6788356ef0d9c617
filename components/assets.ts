import * as fs from "fs";
import * as path from "path";

/**
 * Reads a file shipped beside the code (`kql/`, `playbook/`). The same code runs from the
 * TypeScript sources (`components/`) and from the built package (`bin/components/`), so the
 * package root is found by walking up to our own package.json rather than assumed.
 */
export function readAsset(folder: "kql" | "playbook", file: string): string {
    return fs.readFileSync(path.join(packageRoot(), folder, file), "utf8");
}

let cachedRoot: string | undefined;

/** The directory holding pimguard's package.json (and so its kql/ and playbook/ folders). */
export function packageRoot(): string {
    if (cachedRoot === undefined) {
        cachedRoot = findPackageRoot(__dirname);
    }
    return cachedRoot;
}

function findPackageRoot(start: string): string {
    for (let dir = start; ; dir = path.dirname(dir)) {
        const manifest = path.join(dir, "package.json");
        if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, "utf8")).name === "pimguard") {
            return dir;
        }
        if (path.dirname(dir) === dir) {
            throw new Error(`pimguard: cannot find the package root above ${start}`);
        }
    }
}
