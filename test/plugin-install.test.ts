import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { cleanUpAndReport, makeWorkDir, StepTimings, timed } from "./support/consumer-package";
import { componentClasses } from "./support/component-sources";
import { copyCheckout, hostedByPlugin, installAsPlugin } from "./support/plugin-install";

describe("pimguard installed as a component package from git (PulumiPlugin.yaml)", function () {
    // npm install runs the build (tsc), then the analyzer builds its own TypeScript program.
    this.timeout(240_000);

    const timings: StepTimings = {};
    let workDir: string;
    let pluginDir: string;
    let hosted: Awaited<ReturnType<typeof hostedByPlugin>>;
    let mainBeforeInstall: boolean;

    before(async function () {
        workDir = makeWorkDir("pimguard-plugin-");
        pluginDir = path.join(workDir, "pimguard");
        copyCheckout(pluginDir);
        const manifest = JSON.parse(fs.readFileSync(path.join(pluginDir, "package.json"), "utf8"));
        mainBeforeInstall = fs.existsSync(path.join(pluginDir, manifest.main));
        await timed(timings, "npm install (as the plugin install runs it)", () => installAsPlugin(pluginDir));
        hosted = await timed(timings, "plugin host: require + schema", () => hostedByPlugin(pluginDir));
    });

    after(function () {
        cleanUpAndReport(workDir, timings);
    });

    it("builds itself during npm install: package.json's main module exists after it, and did not before", function () {
        const manifest = JSON.parse(fs.readFileSync(path.join(pluginDir, "package.json"), "utf8"));
        expect(mainBeforeInstall, `${manifest.main} in the clone`).to.equal(false);
        expect(fs.existsSync(path.join(pluginDir, manifest.main)), manifest.main).to.equal(true);
    });

    it("exports every component from its main module, where the plugin host looks for them", function () {
        expect([...hosted.components].sort()).to.deep.equal(
            componentClasses()
                .map((component) => component.name)
                .sort(),
        );
    });

    it("serves a schema with every component, inferred in the installed copy", function () {
        expect(Object.keys(hosted.schema.resources).sort()).to.deep.equal(hosted.components.map((name) => `pimguard:index:${name}`).sort());
    });
});
