import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { readmeCodeBlocks } from "./support/readme";

const examplesDir = path.join(__dirname, "readme-examples");

describe("the README's TypeScript examples", function () {
    // npm test's tsc type-checks test/readme-examples/, where tsconfig.json maps "pimguard" to
    // components/index.ts: the examples compile against the package as a program imports it.
    it("are each a file of test/readme-examples/, word for word, so the type-check covers them", function () {
        const inReadme = readmeCodeBlocks("Importing the components", "ts");
        expect(inReadme).to.have.length.at.least(1);
        const files = fs
            .readdirSync(examplesDir)
            .filter((file) => file.endsWith(".ts"))
            .map((file) => fs.readFileSync(path.join(examplesDir, file), "utf8"));
        expect([...files].sort()).to.deep.equal([...inReadme].sort());
    });
});
