import * as fs from "fs";
import * as path from "path";

/**
 * Reads a file shipped beside the code (`kql/`, `playbook/`). The same code runs from the
 * TypeScript sources (`components/`) and from the built package (`bin/components/`, installed
 * under any name), so the package root is the nearest folder above this module that holds a
 * package.json: the repository's in a checkout, the installed package's once installed.
 */
export function readAsset(folder: "kql" | "playbook", file: string): string {
    return fs.readFileSync(path.join(packageRoot(), folder, file), "utf8");
}

let cachedRoot: string | undefined;

/** The directory holding pimguard's package.json (and so its kql/ and playbook/ folders). */
export function packageRoot(): string {
    cachedRoot ??= nearestPackageRoot(__dirname);
    return cachedRoot;
}

function nearestPackageRoot(start: string): string {
    for (let dir = start; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "package.json"))) {
            return dir;
        }
        if (path.dirname(dir) === dir) {
            throw new Error(`pimguard: no package.json above ${start}, so kql/ and playbook/ cannot be found`);
        }
    }
}
