import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { packageRoot, readAsset } from "../components/assets";
import { detectionQueryFile, exemptPrincipalsWatchlistAlias, privilegedRolesWatchlistAlias } from "../components/names";
import { otherWatchedBuiltInRoles, privilegedBuiltInRoles } from "../components/roles";
import { runCli, usage } from "../replay/kql/cli";
import { ResultRow, readJsonFile, replayKql } from "../replay/kql/replay";

// The conventions of test/fixtures/auditlogs/README.md: the run happens at 10:05 and the
// watchlists are the CSVs of test/fixtures/watchlists.
const now = "2026-03-02T10:05:00Z";
const auditLogsFixtures = path.join(__dirname, "fixtures", "auditlogs");
const watchlistFixtures = path.join(__dirname, "fixtures", "watchlists");
const huntingQueryFile = "standing-assignments-outside-pim.kql";

const watchlists = {
    [privilegedRolesWatchlistAlias]: fs.readFileSync(path.join(watchlistFixtures, `${privilegedRolesWatchlistAlias}.csv`), "utf8"),
    [exemptPrincipalsWatchlistAlias]: fs.readFileSync(path.join(watchlistFixtures, `${exemptPrincipalsWatchlistAlias}.csv`), "utf8"),
};

/** The result columns of the shared contract, in order. */
const contractColumns = [
    "TimeGenerated",
    "RoleTemplateId",
    "RoleName",
    "PrincipalId",
    "PrincipalType",
    "PrincipalName",
    "DirectoryScopeId",
    "InitiatedByUpn",
    "InitiatedByServicePrincipalId",
    "InitiatedByAppName",
    "InitiatedByIp",
    "Signal",
    "Exempt",
    "CorrelationId",
    "AlertTitle",
];

function fixture(file: string): Record<string, unknown>[] {
    return readJsonFile(path.join(auditLogsFixtures, file)) as Record<string, unknown>[];
}

/** Runs a shipped query, read from kql/ as deployed, on records at a given now. */
function runShipped(queryFile: string, records: unknown, at = now, queryText = readAsset("kql", queryFile)): ResultRow[] {
    return replayKql(queryText, records, { now: at, watchlists, recordsOrigin: queryFile });
}

function detect(file: string, at = now): ResultRow[] {
    return runShipped(detectionQueryFile, fixture(file), at);
}

function hunt(file: string): ResultRow[] {
    return runShipped(huntingQueryFile, fixture(file));
}

/** A copy of a fixture's records, each ingested at `ingestedAt`. */
function ingestedAt(file: string, ingested: string): Record<string, unknown>[] {
    return fixture(file).map((record) => ({ ...record, _IngestionTime: ingested }));
}

const megan = {
    InitiatedByUpn: "megan.admin@contoso.onmicrosoft.com",
    InitiatedByIp: "203.0.113.24",
    InitiatedByServicePrincipalId: "",
    InitiatedByAppName: "",
};

describe("the detection query, replayed on recorded AuditLogs", () => {
    describe("a Core Directory assignment of a watched role", () => {
        it("to a user is one row naming the user, the role and the admin who made it", () => {
            const rows = detect("directory-user-global-admin.json");
            expect(rows).to.have.length(1);
            expect(Object.keys(rows[0])).to.deep.equal(contractColumns);
            expect(rows[0]).to.include({
                RoleTemplateId: "62e90394-69f5-4237-9190-012177145e10",
                RoleName: "Global Administrator",
                PrincipalId: "7c3d9a15-e2b8-4f61-a0d4-5b9e8c2f1a73",
                PrincipalType: "User",
                PrincipalName: "alex.wilber@contoso.onmicrosoft.com",
                DirectoryScopeId: "/",
                Signal: "directory",
                Exempt: false,
                ...megan,
            });
        });

        it("to a service principal is one row naming the app that made it by service principal and name (real records carry no appId)", () => {
            const rows = detect("directory-service-principal.json");
            expect(rows).to.have.length(1);
            expect(rows[0]).to.include({
                RoleTemplateId: "e8611ab8-c189-46e8-94e1-60213ab1f814",
                PrincipalId: "b82d5e1f-4a6c-4f93-8d07-e3c9a1b6f245",
                PrincipalType: "ServicePrincipal",
                PrincipalName: "contoso-provisioning-automation",
                InitiatedByServicePrincipalId: "d9a3f6c2-5e8b-4170-b4d1-8f2e6a9c3b75",
                InitiatedByAppName: "contoso-iam-deployer",
                InitiatedByUpn: "",
                InitiatedByIp: "",
            });
        });

        it("to a role-assignable group is one row", () => {
            const rows = detect("directory-group.json");
            expect(rows).to.have.length(1);
            expect(rows[0]).to.include({
                RoleTemplateId: "194ae4cb-b126-40b2-bd5b-6091b380977d",
                PrincipalId: "f4b7d2a9-8e3c-4f16-a5d9-c2e0b7f4a861",
                PrincipalType: "Group",
                PrincipalName: "SG-Tier0-SecOps",
            });
        });

        it("over an administrative unit carries that unit as its scope", () => {
            expect(detect("directory-au-scoped.json"))
                .to.have.length(1)
                .and.to.have.nested.property("[0].DirectoryScopeId", "/administrativeUnits/5d8a2e6f-3c1b-4a97-8e40-d9b6f2c7a153");
            const restricted = detect("directory-restricted-au-scoped.json");
            expect(restricted).to.have.length(1);
            expect(restricted[0]).to.include({
                PrincipalType: "Group",
                RoleTemplateId: "fe930be7-5e62-47db-91af-98c3a49a38b1",
                DirectoryScopeId: "/administrativeUnits/a1f6c3e9-7b4d-4d28-9f52-e8c0b3a6d794",
            });
        });

        it("over a unit the record does not name is reported with an empty scope, never as tenant-wide", () => {
            const rows = detect("directory-au-scoped-unit-unknown.json");
            expect(rows).to.have.length(1);
            expect(rows[0]).to.include({ PrincipalId: "e6f0a3b8-7c2d-4195-8a4e-2b9d5f1c8e03", DirectoryScopeId: "" });
        });

        it("to an exempt break-glass account is reported, marked exempt", () => {
            const rows = detect("exempt-break-glass.json");
            expect(rows).to.have.length(1);
            expect(rows[0]).to.include({ PrincipalId: "9f2a6d4c-3b8e-4a51-8c7d-e0b5f1a93c28", Exempt: true });
        });

        it("that was removed again right away is still reported (the playbook then finds nothing to remove)", () => {
            expect(detect("assigned-then-removed.json").map((r) => r.PrincipalId)).to.deep.equal(["e6f0a3b8-7c2d-4195-8a4e-2b9d5f1c8e03"]);
        });
    });

    describe("records that are not an out-of-PIM assignment of a watched role", () => {
        for (const [file, why] of [
            ["directory-initiated-by-ms-pim.json", "a write made by PIM itself"],
            ["directory-unwatched-role.json", "a role missing from the privileged-roles watchlist"],
            ["directory-failure.json", "an assignment that failed"],
            ["pim-scan-azure-resource-role.json", "an Azure resource role"],
        ]) {
            it(`produce no row for ${why}`, () => {
                expect(detect(file)).to.deep.equal([]);
            });
        }
    });

    describe("PIM's scan", () => {
        it("reports a standing assignment it found, with Signal pimScan and PIM's own service principal as initiator", () => {
            const rows = detect("pim-scan-user.json");
            expect(rows).to.have.length(1);
            expect(rows[0]).to.include({
                PrincipalId: "1e8b4f2d-6c9a-4d37-b5e0-8a2f7c4d9e16",
                PrincipalName: "pat.kim@contoso.onmicrosoft.com",
                RoleTemplateId: "62e90394-69f5-4237-9190-012177145e10",
                Signal: "pimScan",
                InitiatedByUpn: "",
                InitiatedByServicePrincipalId: "f1c7b3e9-2a5d-4860-9b4f-d3e8a6c21b57",
                InitiatedByAppName: "MS-PIM",
                InitiatedByIp: "",
            });
        });

        it("takes the role from the Role target when the details name neither TemplateId nor RoleDefinitionOriginId", () => {
            const rows = detect("pim-scan-role-target-only.json");
            expect(rows).to.have.length(1);
            expect(rows[0]).to.include({
                PrincipalId: "5a9c3e71-b4d2-4f68-8e05-c1d7f2a6b394",
                RoleTemplateId: "e8611ab8-c189-46e8-94e1-60213ab1f814",
                RoleName: "Privileged Role Administrator",
                Signal: "pimScan",
            });
        });

        it("repeating itself yields one row, from the later record", () => {
            const rows = detect("pim-scan-group-repeated.json");
            expect(rows).to.have.length(1);
            expect(rows[0]).to.include({ PrincipalType: "Group", Signal: "pimScan", TimeGenerated: "2026-03-02T10:00:11.502Z" });
        });

        it("describing the same assignment as a directory record yields one row, the directory one", () => {
            const rows = detect("both-signals-same-assignment.json");
            expect(rows).to.have.length(1);
            expect(rows[0]).to.include({ PrincipalId: "c5a1e7f3-9d2b-4e86-a3f0-6b8d4c1e7a92", Signal: "directory", TimeGenerated: "2026-03-02T09:59:48.916Z" });
        });
    });

    describe("records arriving late, over consecutive runs five minutes apart", () => {
        const runs = ["2026-03-02T09:55:00Z", "2026-03-02T10:00:00Z", "2026-03-02T10:05:00Z", "2026-03-02T10:10:00Z"];

        function timesCaught(records: unknown, correlationId: string, at: readonly string[] = runs, queryText?: string): number[] {
            return at.map((run) => runShipped(detectionQueryFile, records, run, queryText).filter((r) => r.CorrelationId === correlationId).length);
        }

        it("evaluate each record within the look-back in exactly one run", () => {
            const records = fixture("late-arrival.json");
            // Generated 09:12:40, ingested 10:03:40 (51 minutes late): the 10:05 run's.
            expect(timesCaught(records, "d1c1eba1-49fd-4074-b7ec-b6282b23520c")).to.deep.equal([0, 0, 1, 0]);
            // Ingested 09:58:55: the 10:00 run's, not the 10:05 one.
            expect(timesCaught(records, "c418d5cc-6aec-4926-914f-d9af49e7c083")).to.deep.equal([0, 1, 0, 0]);
        });

        it("catch a record that reaches the workspace after a run in the next run", () => {
            const records = ingestedAt("directory-user-global-admin.json", "2026-03-02T10:07:30Z");
            expect(timesCaught(records, "424b1fee-9709-4315-85d9-5954058b4714", [now, "2026-03-02T10:10:00Z"])).to.deep.equal([0, 1]);
        });

        it("give a record ingested exactly at a run's start to that run only", () => {
            const records = ingestedAt("directory-user-global-admin.json", now);
            expect(timesCaught(records, "424b1fee-9709-4315-85d9-5954058b4714", [now, "2026-03-02T10:10:00Z"])).to.deep.equal([1, 0]);
        });

        it("still tile time when the rule is rewritten for a 15-minute frequency", () => {
            const rewritten = readAsset("kql", detectionQueryFile)
                .replace("let ruleFrequency = 5m;", "let ruleFrequency = 15m;")
                .replace("let lookBack = 65m;", "let lookBack = 75m;");
            const records = ingestedAt("directory-user-global-admin.json", "2026-03-02T10:07:30Z");
            const quarterHours = ["2026-03-02T10:05:00Z", "2026-03-02T10:20:00Z", "2026-03-02T10:35:00Z"];
            expect(timesCaught(records, "424b1fee-9709-4315-85d9-5954058b4714", quarterHours, rewritten)).to.deep.equal([0, 1, 0]);
        });
    });
});

describe("the detection query with watchlists as Sentinel holds them", () => {
    const noExemptions = { ...watchlists, [exemptPrincipalsWatchlistAlias]: "PrincipalId,Reason\r\n" };

    it("still reports every watched assignment when the exemptions watchlist has no items (the default)", () => {
        const rows = replayKql(readAsset("kql", detectionQueryFile), fixture("exempt-break-glass.json"), { now, watchlists: noExemptions });
        expect(rows).to.have.length(1);
        expect(rows[0]).to.include({ PrincipalId: "9f2a6d4c-3b8e-4a51-8c7d-e0b5f1a93c28", Exempt: false });
    });

    it("the hunting query too", () => {
        const rows = replayKql(readAsset("kql", huntingQueryFile), fixture("exempt-break-glass.json"), { now, watchlists: noExemptions });
        expect(rows).to.have.length(1);
        expect(rows[0]).to.include({ Exempt: false, Watched: true });
    });
});

describe("the alert title the query composes", () => {
    const longestRoleName = [...privilegedBuiltInRoles, ...otherWatchedBuiltInRoles].map((role) => role.name).sort((a, b) => b.length - a.length)[0]!;

    /** The detection row for the Global Administrator fixture with the assignee's UPN and the role's watched name replaced. */
    function titleFor(roleName: string, principalName: string): string {
        const records = fixture("directory-user-global-admin.json").map((record) => ({
            ...record,
            TargetResources: (record.TargetResources as Record<string, unknown>[]).map((target) =>
                target.type === "User" ? { ...target, userPrincipalName: principalName } : target,
            ),
        }));
        const roles = `RoleTemplateId,RoleName\r\n62e90394-69f5-4237-9190-012177145e10,"${roleName}"\r\n`;
        const rows = replayKql(readAsset("kql", detectionQueryFile), records, { now, watchlists: { ...watchlists, [privilegedRolesWatchlistAlias]: roles } });
        expect(rows).to.have.length(1);
        return rows[0]!.AlertTitle as string;
    }

    it("names the role and the principal when they fit", () => {
        expect(titleFor("Global Administrator", "alex.wilber@contoso.onmicrosoft.com")).to.equal(
            "Global Administrator assigned outside PIM to alex.wilber@contoso.onmicrosoft.com",
        );
    });

    it("stays under Sentinel's 256 bytes with the longest role name and a long ASCII principal name", () => {
        const title = titleFor(longestRoleName, `${"a".repeat(240)}@contoso.onmicrosoft.com`);
        expect(Buffer.byteLength(title, "utf8")).to.be.below(256);
        expect(title.startsWith(`${longestRoleName} assigned outside PIM to aaa`)).to.equal(true);
    });

    it("stays under 256 bytes when the names are not ASCII", () => {
        const title = titleFor("Administrateur général", `${"\u{1F510}".repeat(100)}@contoso.onmicrosoft.com`);
        expect(Buffer.byteLength(title, "utf8")).to.be.below(256);
        expect(title.startsWith("Administrateur général assigned outside PIM to")).to.equal(true);
    });
});

describe("the hunting query, replayed on recorded AuditLogs", () => {
    it("lists a standing out-of-PIM assignment of a watched role", () => {
        const rows = hunt("directory-user-global-admin.json");
        expect(rows).to.have.length(1);
        expect(rows[0]).to.include({ PrincipalId: "7c3d9a15-e2b8-4f61-a0d4-5b9e8c2f1a73", Watched: true, Exempt: false });
    });

    it("lists an unwatched role too, marked as not watched", () => {
        const rows = hunt("directory-unwatched-role.json");
        expect(rows).to.have.length(1);
        expect(rows[0]).to.include({ RoleName: "Exchange Administrator", Watched: false });
    });

    it("drops an assignment that was removed afterwards, and PIM's own writes", () => {
        expect(hunt("assigned-then-removed.json")).to.deep.equal([]);
        expect(hunt("directory-initiated-by-ms-pim.json")).to.deep.equal([]);
    });

    it("tells which signals saw an assignment and when it was first seen", () => {
        expect(hunt("both-signals-same-assignment.json")).to.have.nested.property("[0].Signals").that.has.members(["directory", "pimScan"]);
        expect(hunt("pim-scan-group-repeated.json")).to.have.nested.property("[0].FirstSeen", "2026-03-02T09:15:04.119Z");
    });

    it("lists each late record within its 30 days", () => {
        expect(hunt("late-arrival.json")).to.have.length(3);
    });
});

describe("npm run kql:replay", () => {
    const query = path.join("kql", detectionQueryFile);
    const records = path.join("test", "fixtures", "auditlogs", "exempt-break-glass.json");
    const watchlistArguments = [
        "--watchlist",
        `${privilegedRolesWatchlistAlias}=${path.join("test", "fixtures", "watchlists", `${privilegedRolesWatchlistAlias}.csv`)}`,
        "--watchlist",
        `${exemptPrincipalsWatchlistAlias}=${path.join("test", "fixtures", "watchlists", `${exemptPrincipalsWatchlistAlias}.csv`)}`,
    ];

    function cli(argv: string[]): { code: number; stdout: string; stderr: string } {
        let stdout = "";
        let stderr = "";
        const code = runCli(argv, { cwd: packageRoot(), stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
        return { code, stdout, stderr };
    }

    it("prints the result rows as a JSON array, reading paths relative to the caller's directory", () => {
        const { code, stdout, stderr } = cli([query, records, ...watchlistArguments, "--now", now]);
        expect({ code, stderr }).to.deep.equal({ code: 0, stderr: "" });
        const rows = JSON.parse(stdout) as ResultRow[];
        expect(rows.map((r) => [r.PrincipalId, r.Exempt])).to.deep.equal([["9f2a6d4c-3b8e-4a51-8c7d-e0b5f1a93c28", true]]);
    });

    it("reads a watchlist that is not given as empty, so no role is watched", () => {
        expect(JSON.parse(cli([query, records, "--now", now]).stdout)).to.deep.equal([]);
    });

    it("says in --help that a watchlist not given is empty", () => {
        const { code, stdout } = cli(["--help"]);
        expect(code).to.equal(0);
        expect(stdout).to.equal(`${usage}\n`).and.to.contain("A watchlist not given is EMPTY");
    });

    it("exits 2 on a wrong --watchlist or --now, saying what is wrong", () => {
        expect(cli([query, records, "--watchlist", "nofile"]))
            .to.include({ code: 2 })
            .and.to.have.property("stderr")
            .that.contains("<alias>=<file.csv>");
        expect(cli([query, records, "--now", "yesterday"]))
            .to.include({ code: 2 })
            .and.to.have.property("stderr")
            .that.contains("ISO 8601");
    });

    it("as a real process, exits 2 with the file's name when the records are not valid JSON", function () {
        this.timeout(120_000);
        const directory = fs.mkdtempSync(path.join(os.tmpdir(), "pimguard-replay-"));
        const malformed = path.join(directory, "malformed.json");
        fs.writeFileSync(malformed, '[{"TimeGenerated": "2026-03-02T10:00:00Z",');
        try {
            const result = spawnSync("npm", ["run", "--silent", "kql:replay", "--", query, malformed], { cwd: packageRoot(), encoding: "utf8" });
            expect({ status: result.status, stdout: result.stdout }).to.deep.equal({ status: 2, stdout: "" });
            expect(result.stderr).to.contain(`${malformed} is not valid JSON`);
        } finally {
            fs.rmSync(directory, { recursive: true, force: true });
        }
    });
});
