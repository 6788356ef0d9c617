import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { readAsset } from "../components/assets";
import {
    detectionQueryFile,
    exemptPrincipalsWatchlistAlias,
    groupMembershipQueryFile,
    privilegedGroupsWatchlistAlias,
    privilegedRolesWatchlistAlias,
    tamperQueryFile,
} from "../components/names";
import { analyzeKql, assertCleanKql, auditLogsColumns, KqlColumn, watchlistCsvColumns } from "../replay/kql/analysis";

const kqlFolder = path.join(__dirname, "..", "kql");
const auditLogsFixtures = path.join(__dirname, "fixtures", "auditlogs");
const watchlistFixtures = path.join(__dirname, "fixtures", "watchlists");

/** The result columns the analytics rule and the playbook are built on (the shared contract). */
const contractColumns: KqlColumn[] = [
    { name: "TimeGenerated", type: "datetime" },
    { name: "RoleTemplateId", type: "string" },
    { name: "RoleName", type: "string" },
    { name: "PrincipalId", type: "string" },
    { name: "PrincipalType", type: "string" },
    { name: "PrincipalName", type: "string" },
    { name: "DirectoryScopeId", type: "string" },
    { name: "InitiatedByUpn", type: "string" },
    { name: "InitiatedByServicePrincipalId", type: "string" },
    { name: "InitiatedByAppName", type: "string" },
    { name: "InitiatedByIp", type: "string" },
    { name: "Signal", type: "string" },
    { name: "Exempt", type: "bool" },
    { name: "CorrelationId", type: "string" },
    { name: "AlertTitle", type: "string" },
];

const ruleFrequencyLine = "let ruleFrequency = 5m;";
const lookBackLine = "let lookBack = 65m;";

function kqlFiles(): string[] {
    return fs
        .readdirSync(kqlFolder)
        .filter((file) => file.endsWith(".kql"))
        .sort();
}

function linesEqualTo(text: string, line: string): number {
    return text.split(/\r?\n/).filter((candidate) => candidate === line).length;
}

/** Minutes in a KQL timespan literal such as `5m`, `1h` or `90s`. */
function minutes(literal: string): number {
    const match = /^(\d+)(s|m|h)$/.exec(literal);
    if (match === null) {
        throw new Error(`not a whole-unit KQL timespan: ${literal}`);
    }
    return Number(match[1]) * { s: 1 / 60, m: 1, h: 60 }[match[2] as "s" | "m" | "h"];
}

function letValue(text: string, name: string): string {
    const match = new RegExp(`^let ${name} = (\\S+);$`, "m").exec(text);
    if (match === null) {
        throw new Error(`no "let ${name} = ...;" line`);
    }
    return match[1];
}

describe("the KQL shipped in kql/", () => {
    it("includes the detection query, a hunting query, the group-membership query and the tamper-detection query", () => {
        expect(kqlFiles()).to.include.members([detectionQueryFile, "standing-assignments-outside-pim.kql", groupMembershipQueryFile, tamperQueryFile]);
    });

    for (const file of kqlFiles()) {
        it(`${file} compiles with no error, warning or suggestion from Kusto.Language`, () => {
            assertCleanKql(readAsset("kql", file), file);
        });

        it(`${file} reads only pimguard's watchlists, by their aliases`, () => {
            const aliases = [...readAsset("kql", file).matchAll(/_GetWatchlist\(\s*'([^']*)'\s*\)/g)].map((m) => m[1]);
            expect(aliases).to.have.length.above(0);
            expect([privilegedRolesWatchlistAlias, exemptPrincipalsWatchlistAlias, privilegedGroupsWatchlistAlias]).to.include.members(aliases);
        });

        it(`${file} never reads audit fields by array position`, () => {
            const text = readAsset("kql", file);
            expect(text).not.to.match(/(TargetResources|AdditionalDetails|modifiedProperties|administrativeUnits)\s*\[\s*\d/);
        });
    }
});

describe("the detection query", () => {
    const query = readAsset("kql", detectionQueryFile);

    it("returns exactly the contract's columns, in order, with their types", () => {
        expect(assertCleanKql(query, detectionQueryFile).columns).to.deep.equal(contractColumns);
    });

    it("fits in a Sentinel scheduled rule (at most 10,000 characters)", () => {
        expect(query.length).to.be.within(1, 10_000);
    });

    describe("timing that the DetectionRule component rewrites", () => {
        it("declares the rule frequency in exactly one line, 5 minutes by default", () => {
            expect(linesEqualTo(query, ruleFrequencyLine)).to.equal(1);
            expect(query.match(/let ruleFrequency\b/g)).to.have.length(1);
        });

        it("declares the look-back in exactly one line, 65 minutes by default", () => {
            expect(linesEqualTo(query, lookBackLine)).to.equal(1);
            expect(query.match(/let lookBack\b/g)).to.have.length(1);
        });

        it("tolerates records arriving up to 60 minutes late by default", () => {
            expect(minutes(letValue(query, "lookBack")) - minutes(letValue(query, "ruleFrequency"))).to.equal(60);
        });

        it("still compiles to the same columns when rewritten for a 15-minute frequency", () => {
            const rewritten = query.replace(ruleFrequencyLine, "let ruleFrequency = 15m;").replace(lookBackLine, "let lookBack = 75m;");
            expect(rewritten).not.to.equal(query);
            expect(assertCleanKql(rewritten, "rewritten query").columns).to.deep.equal(contractColumns);
        });

        it("explains the ingestion-delay arithmetic in its header comment", () => {
            const header = query.slice(0, query.indexOf(ruleFrequencyLine));
            expect(header).to.match(/ingestion_time|ingested/i);
            expect(header).to.contain("lookBack - ruleFrequency = 60 minutes");
            expect(header).to.contain("exactly one run");
        });
    });

    describe("cost and ingestion-delay safety", () => {
        const firstExpansion = query.search(/\bmv-(expand|apply)\b/);
        const position = (fragment: string): number => {
            const at = query.indexOf(fragment);
            expect(at, `query should contain: ${fragment}`).to.be.at.least(0);
            return at;
        };

        it("filters on TimeGenerated first, then on ingestion time over the last frequency", () => {
            expect(position("| where TimeGenerated > ago(lookBack)")).to.be.below(position("| where ingestion_time() > ago(ruleFrequency)"));
            expect(position("AuditLogs")).to.be.below(position("| where TimeGenerated > ago(lookBack)"));
        });

        it("filters on time, Category and OperationName before expanding any array", () => {
            expect(firstExpansion).to.be.greaterThan(0);
            for (const filter of [
                "| where ingestion_time() > ago(ruleFrequency)",
                '| where Category == "RoleManagement"',
                "| where OperationName in (directoryAssignmentOperations)",
            ]) {
                expect(position(filter), filter).to.be.below(firstExpansion);
            }
        });
    });

    describe("signals", () => {
        it("takes every Core Directory assignment operation, tenant-wide and scoped", () => {
            for (const operation of [
                "Add member to role",
                "Add scoped member to role",
                "Add member to role scoped over Restricted Management Administrative Unit",
            ]) {
                expect(query).to.contain(`"${operation}"`);
            }
        });

        it("ignores assignments written by PIM itself, in the commercial and US Government clouds", () => {
            expect(query).to.contain('dynamic(["MS-PIM", "MS-PIM-Fairfax"])');
        });

        it("keeps PIM's own 'outside of PIM' finding as a safety net", () => {
            expect(query).to.contain('"Add member to role outside of PIM (permanent)"');
        });

        it("reports an exempt principal with Exempt = true instead of dropping it", () => {
            expect(query).to.match(/extend Exempt = PrincipalId in \(exemptPrincipalIds\)/);
        });
    });
});

describe("the hunting query for standing out-of-PIM assignments", () => {
    const file = "standing-assignments-outside-pim.kql";

    it("covers the last 30 days", () => {
        expect(letValue(readAsset("kql", file), "lookBack")).to.equal("30d");
    });

    it("lists each principal, role and scope with whether pimguard enforces the role", () => {
        const names = analyzeKql(readAsset("kql", file)).columns.map((c) => c.name);
        expect(names).to.include.members(["PrincipalId", "PrincipalType", "RoleTemplateId", "DirectoryScopeId", "Watched", "Exempt", "LastSeen"]);
    });
});

describe("AuditLogs fixtures", () => {
    const fixtureFiles = fs
        .readdirSync(auditLogsFixtures)
        .filter((file) => file.endsWith(".json"))
        .sort();
    const documentedColumns = new Map(auditLogsColumns.map((c) => [c.name, c.type]));
    const readme = fs.readFileSync(path.join(auditLogsFixtures, "README.md"), "utf8");

    it("exist, one scenario per file", () => {
        expect(fixtureFiles.length).to.be.at.least(10);
    });

    it("are each described in the README table, and the table names no missing file", () => {
        const described = [...readme.matchAll(/^\| `([^`]+\.json)` \|/gm)].map((m) => m[1]).sort();
        expect(described).to.deep.equal(fixtureFiles);
    });

    for (const file of fixtureFiles) {
        it(`${file} holds AuditLogs rows with exactly the documented columns and types`, () => {
            const rows: unknown = JSON.parse(fs.readFileSync(path.join(auditLogsFixtures, file), "utf8"));
            expect(rows).to.be.an("array").with.length.above(0);
            for (const [index, row] of (rows as Record<string, unknown>[]).entries()) {
                const where = `${file} row ${index}`;
                const { _IngestionTime: ingestionTime, ...columns } = row;
                expect(Object.keys(columns), where).to.have.members([...documentedColumns.keys()]);
                if (ingestionTime !== undefined) {
                    expect(isIsoDateTime(ingestionTime), `${where} _IngestionTime`).to.equal(true);
                }
                for (const [name, value] of Object.entries(columns)) {
                    expect(hasKustoType(value, documentedColumns.get(name) ?? ""), `${where} ${name}`).to.equal(true);
                }
            }
        });
    }

    it("cover users, service principals and groups as assignees", () => {
        const assigneeTypes = new Set<string>();
        for (const file of fixtureFiles) {
            for (const row of JSON.parse(fs.readFileSync(path.join(auditLogsFixtures, file), "utf8")) as { TargetResources: { type: string }[] }[]) {
                row.TargetResources.forEach((target) => assigneeTypes.add(target.type));
            }
        }
        expect([...assigneeTypes]).to.include.members(["User", "ServicePrincipal", "Group"]);
    });
});

describe("watchlist fixtures", () => {
    for (const [alias, header] of Object.entries(watchlistCsvColumns)) {
        it(`${alias}.csv has the contract's header`, () => {
            const firstLine = fs.readFileSync(path.join(watchlistFixtures, `${alias}.csv`), "utf8").split(/\r?\n/)[0];
            expect(firstLine).to.equal(header.join(","));
        });
    }
});

function isIsoDateTime(value: unknown): boolean {
    return typeof value === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value) && !Number.isNaN(Date.parse(value));
}

function hasKustoType(value: unknown, type: string): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "datetime":
            return isIsoDateTime(value);
        case "long":
            return Number.isInteger(value);
        case "real":
            return typeof value === "number";
        case "dynamic":
            return typeof value === "object";
        default:
            return false;
    }
}
