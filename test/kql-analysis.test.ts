import { expect } from "chai";
import { analyzeKql, assertCleanKql, columnsOf, parseAndAnalyzeKql, syntaxKindName } from "../replay/kql/analysis";
import { exemptPrincipalsWatchlistAlias, privilegedRolesWatchlistAlias } from "../components/names";

describe("the KQL analysis helper", () => {
    describe("catches broken queries with their line and column", () => {
        it("reports a misspelled column where it is written", () => {
            const { diagnostics } = analyzeKql("AuditLogs\n| where OperatioName == 'Add member to role'");
            expect(diagnostics).to.have.length(1);
            expect(diagnostics[0]).to.include({ severity: "Error", line: 2, column: 9 });
            expect(diagnostics[0].message).to.contain("OperatioName");
        });

        it("reports a call to a function that does not exist", () => {
            const { diagnostics } = analyzeKql("AuditLogs\n| take 1\n| extend Assignee = first_target(TargetResources)");
            expect(diagnostics).to.have.length(1);
            expect(diagnostics[0]).to.include({ severity: "Error", line: 3, column: 21 });
            expect(diagnostics[0].message).to.contain("first_target");
        });

        it("reports a comparison between incompatible types", () => {
            const { diagnostics } = analyzeKql("AuditLogs\n| where TimeGenerated > 'yesterday'");
            expect(diagnostics).to.have.length(1);
            expect(diagnostics[0]).to.include({ severity: "Error", line: 2, column: 23 });
        });

        it("reports analyzer warnings, not only compiler errors", () => {
            const { diagnostics } = analyzeKql("AuditLogs\n| join (AuditLogs) on CorrelationId");
            expect(diagnostics.map((d) => d.severity)).to.deep.equal(["Warning"]);
            expect(diagnostics[0].line).to.equal(2);
        });

        it("throws naming the file, line and column of every diagnostic", () => {
            const broken = "AuditLogs\n| where OperatioName == 'x'\n| extend y = nope()";
            expect(() => assertCleanKql(broken, "broken.kql")).to.throw(Error, /broken\.kql:2:9: .*OperatioName[\s\S]*broken\.kql:3:14: .*nope/);
        });

        it("passes a clean query and returns its analysis", () => {
            const analysis = assertCleanKql("AuditLogs | project TimeGenerated", "clean.kql");
            expect(analysis).to.deep.equal({ diagnostics: [], columns: [{ name: "TimeGenerated", type: "datetime" }] });
        });
    });

    describe("knows the schema pimguard's queries run on", () => {
        it("declares AuditLogs with the documented column types", () => {
            const { diagnostics, columns } = analyzeKql(
                "AuditLogs | project TimeGenerated, DurationMs, TargetResources, _BilledSize, ActivityDateTime, Result",
            );
            expect(diagnostics).to.deep.equal([]);
            expect(columns).to.deep.equal([
                { name: "TimeGenerated", type: "datetime" },
                { name: "DurationMs", type: "long" },
                { name: "TargetResources", type: "dynamic" },
                { name: "_BilledSize", type: "real" },
                { name: "ActivityDateTime", type: "datetime" },
                { name: "Result", type: "string" },
            ]);
        });

        it("binds ingestion_time()", () => {
            const { diagnostics, columns } = analyzeKql("AuditLogs | where ingestion_time() > ago(5m) | extend Ingested = ingestion_time() | project Ingested");
            expect(diagnostics).to.deep.equal([]);
            expect(columns).to.deep.equal([{ name: "Ingested", type: "datetime" }]);
        });

        it("gives a watchlist only the columns Sentinel returns even when it has no items", () => {
            const { diagnostics, columns } = analyzeKql(`_GetWatchlist('${privilegedRolesWatchlistAlias}')`);
            expect(diagnostics).to.deep.equal([]);
            expect(columns).to.deep.equal([
                { name: "_DTItemId", type: "string" },
                { name: "LastUpdatedTimeUTC", type: "datetime" },
                { name: "SearchKey", type: "string" },
                { name: "WatchlistItem", type: "dynamic" },
            ]);
        });

        it("refuses an item column read as a column: it is missing from an empty watchlist", () => {
            expect(
                analyzeKql(
                    `_GetWatchlist('${exemptPrincipalsWatchlistAlias}') | project PrincipalId = tolower(SearchKey), Reason = tostring(WatchlistItem.Reason)`,
                ).diagnostics,
            ).to.deep.equal([]);
            const byColumn = analyzeKql(`_GetWatchlist('${exemptPrincipalsWatchlistAlias}') | project PrincipalId`);
            expect(byColumn.diagnostics.map((d) => d.message).join()).to.contain("PrincipalId");
        });

        it("rejects a watchlist alias pimguard does not deploy", () => {
            const { diagnostics } = analyzeKql("_GetWatchlist('PimGuardPrivilegedRole')");
            expect(diagnostics).to.have.length(1);
            expect(diagnostics[0]).to.include({ code: "PIMGUARD001", line: 1, column: 1 });
        });
    });

    describe("exposes the bound syntax tree", () => {
        it("lets a caller walk the nodes with their kinds and types", () => {
            const code = parseAndAnalyzeKql("print Answer = 42");
            const kinds: string[] = [];
            code.Syntax.WalkElements((element) => kinds.push(syntaxKindName(element.Kind)));
            expect(kinds).to.include.members(["PrintOperator", "SimpleNamedExpression", "LongLiteralExpression"]);
            expect(columnsOf(code.ResultType)).to.deep.equal([{ name: "Answer", type: "long" }]);
        });
    });
});
