import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseReplayArguments, runReplayCommand } from "../replay/logic-apps/cli";
import { UnsupportedFeatureError } from "../replay/logic-apps/errors";
import { assignments, fixturePath, principals } from "./support/replay-fixtures";

const packageRoot = path.join(__dirname, "..");

function command(...args: string[]): { code: number; stdout: string; stderr: string } {
    let stdout = "";
    let stderr = "";
    const code = runReplayCommand(
        args,
        packageRoot,
        (text) => (stdout += text),
        (text) => (stderr += text),
    );
    return { code, stdout, stderr };
}

function temporaryFile(name: string, content: string): string {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "pimguard-replay-"));
    const file = path.join(directory, name);
    fs.writeFileSync(file, content);
    return file;
}

describe("npm run playbook:replay", () => {
    it("exits 2 with a message naming the file when the incident is not JSON (run through npm)", () => {
        const incident = temporaryFile("incident.json", "{ not json");
        const result = spawnSync("npm", ["run", "--silent", "playbook:replay", "--", incident], { cwd: packageRoot, encoding: "utf8" });
        expect(result.status).to.equal(2);
        expect(result.stderr).to.include(`${incident} is not valid JSON`);
        expect(result.stdout).to.equal("");
    });

    it("prints one JSON report with the contract's fields", () => {
        const result = command(fixturePath("incidents", "user-global-admin"), "--directory", fixturePath("directory", "tenant"));
        expect(result.code).to.equal(0);
        const report = JSON.parse(result.stdout) as Record<string, unknown>;
        expect(report).to.include.all.keys("status", "graphCalls", "comments", "incidentUpdates", "notifications", "directory", "actionsExecuted");
        expect(report.status).to.equal("Succeeded");
        expect(JSON.stringify(report.directory)).to.not.include(assignments.aliceGlobalAdmin);
    });

    it("passes mode, exemptions and switches to the playbook's parameters", () => {
        const result = command(
            fixturePath("incidents", "break-glass-unflagged"),
            "--directory",
            fixturePath("directory", "tenant"),
            "--mode=reportOnly",
            "--exempt",
            principals.breakGlass,
            "--exempt",
            principals.alice,
            "--revoke-sessions",
            "false",
            "--close-incidents=false",
        );
        const report = JSON.parse(result.stdout) as { graphCalls: unknown[]; comments: string[] };
        expect(report.graphCalls).to.deep.equal([]);
        expect(report.comments[0]).to.include("exemptPrincipalIds").and.include("mode reportOnly");
    });

    it("exits 2 on input that is not an incident, a bad directory file and bad options", () => {
        const notAnIncident = temporaryFile("incident.json", JSON.stringify({ object: { id: "x" } }));
        const badDirectory = temporaryFile("state.json", JSON.stringify({ roleAssignment: [] }));
        const incident = fixturePath("incidents", "user-global-admin");
        const cases: [string[], RegExp][] = [
            [[notAnIncident], /incident: object\.id must be the incident's ARM id/],
            [[incident, "--directory", badDirectory], /unknown key\(s\) roleAssignment/],
            [[incident, "--directory", "missing.json"], /cannot read missing\.json/],
            [[incident, "--mode", "fix"], /--mode must be remediate or reportOnly/],
            [[incident, "--exempt", "break-glass"], /--exempt needs an object id/],
            [[incident, "--revoke-sessions", "yes"], /--revoke-sessions must be true or false/],
            [[incident, "--notify", "http://hooks.example"], /--notify needs an https URL/],
            [[incident, "--verbose"], /unknown option --verbose/],
            [[], /expected one incident file, got none/],
        ];
        for (const [args, message] of cases) {
            const result = command(...args);
            expect(result.code, args.join(" ")).to.equal(2);
            expect(result.stderr).to.match(message);
            expect(result.stdout).to.equal("");
        }
    });

    it("exits 1, apart from bad input, when the definition cannot be replayed", () => {
        let stderr = "";
        const refuse = (): never => {
            throw new UnsupportedFeatureError("the action type 'Until' (action 'Poll')");
        };
        const code = runReplayCommand(
            [fixturePath("incidents", "user-global-admin")],
            packageRoot,
            () => undefined,
            (text) => (stderr += text),
            refuse,
        );
        expect(code).to.equal(1);
        expect(stderr).to.include("does not implement the action type 'Until'");
    });

    it("documents its options in --help", () => {
        const result = command("--help");
        expect(result.code).to.equal(0);
        for (const option of [
            "--directory",
            "--mode",
            "--exempt",
            "--privileged-group",
            "--revoke-sessions",
            "--close-incidents",
            "--notify",
            "--trace",
            "--sweep",
            "--max-removals",
        ]) {
            expect(result.stdout).to.include(option);
        }
    });

    it("--sweep replays the sweep on the directory instead of an incident, with its brake", () => {
        const result = command("--sweep", "--directory", fixturePath("directory", "tenant"), "--mode", "reportOnly", "--max-removals", "5");
        expect(result.code, result.stderr).to.equal(0);
        const report = JSON.parse(result.stdout) as { status: string; incidents: { title: string; comments: string[] }[]; directory: unknown };
        expect(report).to.include.all.keys("status", "graphCalls", "incidents", "directory", "actionsExecuted");
        expect(report.incidents.length).to.be.above(0);
        expect(report.incidents.every((incident) => incident.comments[0]!.includes("Report-only"))).to.equal(true);
        expect(JSON.stringify(report.directory)).to.include(assignments.aliceGlobalAdmin);
    });

    it("refuses an incident file with --sweep, and --max-removals without it or out of range", () => {
        expect(command("--sweep", fixturePath("incidents", "user-global-admin")).code).to.equal(2);
        expect(command(fixturePath("incidents", "user-global-admin"), "--max-removals", "5").stderr).to.include("use it with --sweep");
        expect(command("--sweep", "--max-removals", "0").stderr).to.include("--max-removals must be a whole number from 1 to 50");
        expect(command("--sweep", "--privileged-group", "not-a-guid:x").stderr).to.include("--privileged-group needs a group object id");
    });

    it("collects repeated --exempt options in order", () => {
        expect(parseReplayArguments(["i.json", "--exempt", principals.alice, `--exempt=${principals.breakGlass}`]).exemptPrincipalIds).to.deep.equal([
            principals.alice,
            principals.breakGlass,
        ]);
    });
});
