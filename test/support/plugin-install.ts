/**
 * Installs pimguard the way `pulumi package add <git url>` does, as far as it can be done
 * offline: the repository's tracked files (what a clone holds) are copied to a directory, and
 * `npm install --loglevel=error` runs there, which is all the Pulumi CLI does to a Node.js
 * plugin before starting it (pulumi/pulumi pkg/workspace/plugin.go, installDependenciesForPluginSpec
 * with IsPlugin: the language host runs no tsc for plugins). Whatever must be built, the
 * package's own `prepare` script builds.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { hardLinkTree, repositoryRoot, run } from "./consumer-package";

/** Copies every file git tracks (working-tree contents) to `destination`. */
export function copyCheckout(destination: string): void {
    const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: repositoryRoot, encoding: "utf8" })
        .split("\0")
        .filter((file) => file !== "");
    for (const file of tracked) {
        const source = path.join(repositoryRoot, file);
        if (!fs.existsSync(source)) {
            continue; // deleted in the working tree, not yet committed
        }
        fs.mkdirSync(path.dirname(path.join(destination, file)), { recursive: true });
        fs.copyFileSync(source, path.join(destination, file));
    }
}

/**
 * `npm install` in the checkout. The repository's node_modules is hard-linked in first, so npm
 * finds every package the lock file names already there and only runs the lifecycle scripts.
 */
export async function installAsPlugin(pluginDir: string): Promise<void> {
    hardLinkTree(path.join(repositoryRoot, "node_modules"), path.join(pluginDir, "node_modules"));
    await run("npm", ["install", "--loglevel=error", "--prefer-offline", "--no-audit", "--no-fund"], pluginDir);
}

/**
 * What the plugin host finds in a fresh Node process: it requires the plugin directory (Node
 * resolves package.json's "main") and collects the ComponentResource classes it exports, then
 * asks the component provider for the schema (the analyzer reads the TypeScript sources).
 */
export async function hostedByPlugin(pluginDir: string): Promise<{ components: string[]; schema: { resources: Record<string, unknown> } }> {
    const script = `
        const experimental = require(require.resolve("@pulumi/pulumi/provider/experimental", { paths: [process.argv[1]] }));
        const components = experimental.getPulumiComponents(require(process.argv[1]));
        const provider = new experimental.ComponentProvider({ components, dirname: process.argv[1], name: "pimguard" });
        provider.getSchema().then((schema) => console.log(JSON.stringify({ components: components.map((c) => c.name), schema: JSON.parse(schema) })));
    `;
    const { stdout } = await run(process.execPath, ["-e", script, pluginDir], pluginDir);
    return JSON.parse(stdout);
}
