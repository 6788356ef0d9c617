import { expect } from "chai";
import { ReplayError, UnsupportedConstructError } from "../replay/kql/errors";
import { compileKql, readRecords, ResultRow, replayKql } from "../replay/kql/replay";
import { formatTimespan, parseDateTime, parseTimespanLiteral } from "../replay/kql/values";
import { parseCsv } from "../replay/kql/watchlist";

const now = "2026-03-02T10:05:00Z";

/** Runs a query that reads no table (print, datatable) at the fixed now. */
function run(query: string): ResultRow[] {
    return replayKql(query, [], { now });
}

function single(query: string): ResultRow {
    const rows = run(query);
    expect(rows, query).to.have.length(1);
    return rows[0];
}

/** A minimal AuditLogs row: the replay requires only what it reads, plus TimeGenerated. */
function auditRow(fields: Record<string, unknown>): Record<string, unknown> {
    return { TimeGenerated: "2026-03-02T10:00:00Z", Category: "RoleManagement", ...fields };
}

describe("the KQL replay engine", () => {
    describe("dynamic values and nulls, as Kusto documents them", () => {
        it("reads a missing property, an index out of range and a member of a non-bag as null", () => {
            expect(
                single(`print
                    absent = isnull(dynamic({"a": 1}).b),
                    outOfRange = isnull(dynamic([1, 2])[5]),
                    memberOfString = isnull(dynamic("text").a),
                    lastItem = dynamic([1, 2])[-1],
                    bracketed = dynamic({"Role.TemplateId": "x"})["Role.TemplateId"]`),
            ).to.deep.equal({ absent: true, outOfRange: true, memberOfString: true, lastItem: 2, bracketed: "x" });
        });

        it("compares null with == as false, with != as true, and two nulls as null", () => {
            expect(single("print eq = long(null) == 1, ne = long(null) != 1, bothNull = isnull(long(null) == long(null))")).to.deep.equal({
                eq: false,
                ne: true,
                bothNull: true,
            });
        });

        it("keeps a row only when the where predicate is true, not when it is null", () => {
            const rows = run("datatable(n:long)[1, long(null), 3] | where n > 1 or n < 0");
            expect(rows).to.deep.equal([{ n: 3 }]);
        });

        it("turns a dynamic string into its text and a dynamic bag into its JSON with tostring()", () => {
            expect(single(`print s = tostring(dynamic({"a": "x"}).a), bag = tostring(dynamic({"a": 1})), none = tostring(dynamic(null))`)).to.deep.equal({
                s: "x",
                bag: '{"a":1}',
                none: "",
            });
        });

        it("parses JSON text with parse_json() and keeps other text as a dynamic string", () => {
            expect(
                single(
                    `print quoted = tostring(parse_json('"62e90394-69f5-4237-9190-012177145e10"')), plain = tostring(todynamic('62e90394-69f5-4237-9190-012177145e10'))`,
                ),
            ).to.deep.equal({
                quoted: "62e90394-69f5-4237-9190-012177145e10",
                plain: "62e90394-69f5-4237-9190-012177145e10",
            });
        });

        it("takes the first non-empty string and the first non-null dynamic with coalesce()", () => {
            expect(single(`print s = coalesce("", "b", "c"), d = coalesce(dynamic(null), dynamic({"id": 1})).id`)).to.deep.equal({ s: "b", d: 1 });
        });
    });

    describe("string operators", () => {
        it("matches has on whole terms, ignoring case", () => {
            expect(single(`print whole = "Initiated by MS-PIM app" has "ms-pim", inside = "xMS-PIMx" has "MS-PIM", prefix = "member" has "mem"`)).to.deep.equal(
                {
                    whole: true,
                    inside: false,
                    prefix: false,
                },
            );
        });

        it("ignores case with in~, =~ and contains, and respects it with in, == and contains_cs", () => {
            expect(
                single(`print inTilde = "MS-PIM" in~ ("ms-pim"), inExact = "MS-PIM" in ("ms-pim"), tilde = "A" =~ "a", exact = "A" == "a",
                    contains = "Global Administrator" contains "ADMIN", containsCs = "Global Administrator" contains_cs "ADMIN"`),
            ).to.deep.equal({ inTilde: true, inExact: false, tilde: true, exact: false, contains: true, containsCs: false });
        });

        it("expands a dynamic array and a tabular subquery on the right of in and !in", () => {
            const rows = run(`let apps = dynamic(["MS-PIM", "MS-PIM-Fairfax"]);
                let portals = datatable(name:string)["Portal"];
                datatable(name:string)["MS-PIM", "Portal", "Graph"]
                | extend isPim = name in (apps), isOther = name in (portals), neither = name !in (apps, "Portal")`);
            expect(rows).to.deep.equal([
                { name: "MS-PIM", isPim: true, isOther: false, neither: false },
                { name: "Portal", isPim: false, isOther: true, neither: false },
                { name: "Graph", isPim: false, isOther: false, neither: true },
            ]);
        });

        it("trims a regular expression from both ends with trim()", () => {
            expect(single(`print id = trim('"', '"62e90394"'), spaces = trim(@"\\s+", "  x  ")`)).to.deep.equal({ id: "62e90394", spaces: "x" });
        });
    });

    describe("tabular operators", () => {
        it("expands null into one row, an empty array into none and a bag into one row per property", () => {
            const rows = run(`datatable(k:string, d:dynamic)["null", dynamic(null), "empty", dynamic([]), "bag", dynamic({"a": 1, "b": 2})]
                | mv-expand d`);
            expect(rows).to.deep.equal([
                { k: "null", d: null },
                { k: "bag", d: { a: 1 } },
                { k: "bag", d: { b: 2 } },
            ]);
        });

        it("runs an mv-apply subquery per row, so summarize over an empty array still yields that row", () => {
            const rows = run(`datatable(k:string, d:dynamic)["two", dynamic([1, 2]), "none", dynamic([])]
                | mv-apply item = d on (summarize n = count(), items = make_set(item))`);
            expect(rows).to.deep.equal([
                { k: "two", d: [1, 2], n: 2, items: [1, 2] },
                { k: "none", d: [], n: 0, items: [] },
            ]);
        });

        it("summarizes no rows without 'by' into one row, and with 'by' into none", () => {
            expect(run("datatable(k:string)[] | summarize n = count()")).to.deep.equal([{ n: 0 }]);
            expect(run("datatable(k:string)[] | summarize n = count() by k")).to.deep.equal([]);
        });

        it("keeps the whole latest row of each group with arg_max(..., *)", () => {
            const rows = run(`datatable(who:string, at:long, what:string)["a", 1, "old", "a", 3, "new", "b", 2, "only"]
                | summarize arg_max(at, *) by who`);
            expect(rows).to.deep.equal([
                { who: "a", at: 3, what: "new" },
                { who: "b", at: 2, what: "only" },
            ]);
        });

        it("keeps one left row per key in a default (innerunique) join, as Kusto does", () => {
            const rows = run(`datatable(k:string, l:long)["x", 1, "x", 2]
                | join (datatable(k:string, r:long)["x", 10]) on k`);
            expect(rows).to.deep.equal([{ k: "x", l: 1, k1: "x", r: 10 }]);
        });

        it("fills a leftouter join's missing right side with empty strings and nulls, and keeps only unmatched rows in leftanti", () => {
            const left = `datatable(k:string)["x", "y"]`;
            const right = `(datatable(k:string, name:string, n:long)["x", "X", 1])`;
            expect(run(`${left} | join kind=leftouter ${right} on k`)).to.deep.equal([
                { k: "x", k1: "x", name: "X", n: 1 },
                { k: "y", k1: "", name: "", n: null },
            ]);
            expect(run(`${left} | join kind=leftanti ${right} on $left.k == $right.k`)).to.deep.equal([{ k: "y" }]);
        });

        it("adds the right side's non-key columns with lookup", () => {
            const rows = run(`datatable(id:string)["A", "B"] | lookup kind=inner (datatable(id:string, name:string)["A", "Alpha"]) on id`);
            expect(rows).to.deep.equal([{ id: "A", name: "Alpha" }]);
        });

        it("fills a column missing from one side of a union", () => {
            const rows = run(`union (datatable(a:string, n:long)["x", 1]), (datatable(a:string)["y"])`);
            expect(rows).to.deep.equal([
                { a: "x", n: 1 },
                { a: "y", n: null },
            ]);
        });

        it("names, renames, drops and de-duplicates columns as Kusto does", () => {
            const rows = run(`datatable(UserA:string, UserB:string, n:long)["x", "y", 2, "x", "z", 2, "w", "z", 3]
                | project-away User*
                | extend tolower("K"), Twice = n * 2
                | project-rename Number = n
                | distinct *`);
            expect(rows).to.deep.equal([
                { Number: 2, Column1: "k", Twice: 4 },
                { Number: 3, Column1: "k", Twice: 6 },
            ]);
            expect(run("datatable(a:string)['x', 'y', 'z'] | take 2 | count")).to.deep.equal([{ Count: 2 }]);
        });

        it("sorts descending by default with nulls last, and takes the top rows", () => {
            expect(run("datatable(n:long)[2, long(null), 3, 1] | sort by n")).to.deep.equal([{ n: 3 }, { n: 2 }, { n: 1 }, { n: null }]);
            expect(run("datatable(n:long)[2, 3, 1] | top 2 by n asc")).to.deep.equal([{ n: 1 }, { n: 2 }]);
        });
    });

    describe("time", () => {
        it("keeps a datetime's seven fractional digits and prints datetimes as ISO 8601 UTC", () => {
            expect(
                single("print exact = datetime(2026-03-02T10:00:00.1234567Z) > datetime(2026-03-02T10:00:00.1234566Z), at = datetime(2026-03-02 10:00)"),
            ).to.deep.equal({ exact: true, at: "2026-03-02T10:00:00Z" });
        });

        it("counts now() and ago() from the replay's fixed now", () => {
            expect(single("print now = now(), fiveMinutesAgo = ago(5m), later = now(1h)")).to.deep.equal({
                now: "2026-03-02T10:05:00Z",
                fiveMinutesAgo: "2026-03-02T10:00:00Z",
                later: "2026-03-02T11:05:00Z",
            });
        });

        it("reads timespan literals in their short and clock forms", () => {
            const ticks = (text: string): string | undefined => {
                const span = parseTimespanLiteral(text);
                return span && formatTimespan(span);
            };
            expect([ticks("5m"), ticks("1.5h"), ticks("2d"), ticks("time(1.02:03:04)"), ticks("timespan(00:00:00.5)")]).to.deep.equal([
                "00:05:00",
                "01:30:00",
                "2.00:00:00",
                "1.02:03:04",
                "00:00:00.5",
            ]);
        });

        it("refuses impossible dates instead of rolling them over", () => {
            expect(parseDateTime("2026-02-30T10:00:00Z")).to.equal(undefined);
            expect(parseDateTime("2026-03-02T12:00:00+02:00")?.toString()).to.equal("2026-03-02T10:00:00Z");
        });

        it("answers ingestion_time() from _IngestionTime, or TimeGenerated without it, and hides rows ingested after now", () => {
            const records = [
                auditRow({ Id: "late", TimeGenerated: "2026-03-02T09:00:00Z", _IngestionTime: "2026-03-02T10:04:00Z" }),
                auditRow({ Id: "plain", TimeGenerated: "2026-03-02T09:30:00Z" }),
                auditRow({ Id: "future", TimeGenerated: "2026-03-02T10:04:00Z", _IngestionTime: "2026-03-02T10:06:00Z" }),
            ];
            const rows = replayKql("AuditLogs | project Id, Ingested = ingestion_time()", records, { now });
            expect(rows).to.deep.equal([
                { Id: "late", Ingested: "2026-03-02T10:04:00Z" },
                { Id: "plain", Ingested: "2026-03-02T09:30:00Z" },
            ]);
        });
    });

    describe("refuses what it does not evaluate, saying what and where", () => {
        function refusal(query: string): Error {
            try {
                run(query);
            } catch (error) {
                return error as Error;
            }
            throw new Error(`expected the replay to refuse: ${query}`);
        }

        it("names an operator it does not implement, with its line and column", () => {
            const error = refusal("datatable(s:string)['a=1']\n| parse s with k '=' v");
            expect(error).to.be.instanceOf(UnsupportedConstructError);
            expect(error.message).to.contain("parse operator").and.to.contain("line 2, column 3");
        });

        it("names a function it does not implement", () => {
            expect(refusal("print h = hash_sha256('x')").message).to.contain("hash_sha256()");
        });

        it("does not call the query's own let functions", () => {
            expect(refusal("let f = (s:string) { strcat(s, '!') };\nprint x = f('a')").message).to.contain("function f()");
        });

        it("refuses mv-apply over a property bag, which Kusto documents for arrays only", () => {
            const error = refusal(`datatable(d:dynamic)[dynamic({"a": 1})] | mv-apply d on (take 1)`);
            expect(error.message).to.contain("mv-apply over a property bag");
        });

        it("refuses ingestion_time() once summarize has made new rows, rather than guessing", () => {
            const error = refusal("datatable(s:string)['a'] | summarize by s | extend t = ingestion_time()");
            expect(error.message).to.contain("ingestion_time()");
        });

        it("reports a query that does not compile with the line and column of each error", () => {
            const error = refusal("print x = 1\n| where y == 2");
            expect(error).to.be.instanceOf(ReplayError);
            expect(error.message).to.contain("line 2, column 9");
        });
    });

    describe("inputs", () => {
        it("refuses a record with a key that is not an AuditLogs column, naming the record and the key", () => {
            expect(() => replayKql("AuditLogs", [auditRow({}), auditRow({ TargetResource: [] })], { now, recordsOrigin: "fixture.json" })).to.throw(
                ReplayError,
                'fixture.json: record 2 has "TargetResource"',
            );
        });

        it("refuses a value of the wrong type, naming the record and the column", () => {
            expect(() => replayKql("AuditLogs", [auditRow({ DurationMs: "12" })], { now })).to.throw(ReplayError, "record 1, DurationMs");
        });

        it("reads a dynamic column written as JSON text, as Log Analytics exports do", () => {
            const rows = replayKql(
                "AuditLogs | project Upn = tostring(InitiatedBy.user.userPrincipalName)",
                [auditRow({ InitiatedBy: '{"user": {"userPrincipalName": "megan@contoso.com"}}' })],
                { now },
            );
            expect(rows).to.deep.equal([{ Upn: "megan@contoso.com" }]);
        });

        it("reads a watchlist CSV with quoted fields, doubled quotes and CRLF line ends", () => {
            expect(parseCsv('PrincipalId,Reason\r\n"abc","Break-glass, ""sealed"""\r\n\r\n', "test.csv")).to.deep.equal([
                ["PrincipalId", "Reason"],
                ["abc", 'Break-glass, "sealed"'],
            ]);
        });

        it("returns a watchlist as _GetWatchlist does, with SearchKey and WatchlistItem", () => {
            const rows = replayKql(
                "_GetWatchlist('PimGuardExemptPrincipals') | project SearchKey, WatchlistItem, Reason = tostring(WatchlistItem.Reason)",
                [],
                { now, watchlists: { PimGuardExemptPrincipals: "PrincipalId,Reason\nABC,break-glass\n" } },
            );
            expect(rows).to.deep.equal([{ SearchKey: "ABC", WatchlistItem: { PrincipalId: "ABC", Reason: "break-glass" }, Reason: "break-glass" }]);
        });

        it("reads a watchlist that was not given as empty", () => {
            expect(replayKql("_GetWatchlist('PimGuardExemptPrincipals') | count", [], { now })).to.deep.equal([{ Count: 0 }]);
        });

        it("reads rows of several tables given by name, and refuses a table it has no schema for", () => {
            const records = {
                AuditLogs: [auditRow({ Id: "audit" })],
                AzureActivity: [{ TimeGenerated: "2026-03-02T10:01:00Z", OperationNameValue: "MICROSOFT.LOGIC/WORKFLOWS/WRITE" }],
                SentinelHealth: [{ TimeGenerated: "2026-03-02T10:02:00Z", Status: "Failure" }],
            };
            const query =
                "union (AuditLogs | project What = Id), (AzureActivity | project What = OperationNameValue), (SentinelHealth | project What = Status)";
            expect(replayKql(query, records, { now }).map((r) => r.What)).to.deep.equal(["audit", "MICROSOFT.LOGIC/WORKFLOWS/WRITE", "Failure"]);
            expect(() => replayKql("print x = 1", { SigninLogs: [] }, { now, recordsOrigin: "f.json" })).to.throw(ReplayError, '"SigninLogs" is not a table');
        });

        it("leaves out a fuzzy union's operand whose table the workspace lacks, and stops on it otherwise", () => {
            const records = { AuditLogs: [auditRow({ Id: "audit" })] };
            const fuzzy = "union isfuzzy=true (AuditLogs | project What = Id), (SentinelHealth | project What = Status)";
            expect(replayKql(fuzzy, records, { now })).to.deep.equal([{ What: "audit" }]);
            expect(() => replayKql(fuzzy.replace("isfuzzy=true", "isfuzzy=false"), records, { now })).to.throw(ReplayError, "table SentinelHealth");
            expect(() => replayKql("SentinelHealth | take 1", records, { now })).to.throw(ReplayError, "no records were given");
        });

        it("shows an NRT run only the rows ingested after its previous run, and watchlists whole", () => {
            const records = [
                auditRow({ Id: "before", _IngestionTime: "2026-03-02T10:03:59Z" }),
                auditRow({ Id: "atStart", _IngestionTime: "2026-03-02T10:04:00Z" }),
                auditRow({ Id: "inside", _IngestionTime: "2026-03-02T10:04:30Z" }),
                auditRow({ Id: "atEnd", _IngestionTime: "2026-03-02T10:05:00Z" }),
            ];
            const options = { now, ingestedAfter: "2026-03-02T10:04:00Z", watchlists: { PimGuardExemptPrincipals: "PrincipalId,Reason\nABC,x\n" } };
            expect(replayKql("AuditLogs | project Id", records, options).map((r) => r.Id)).to.deep.equal(["inside", "atEnd"]);
            expect(replayKql("_GetWatchlist('PimGuardExemptPrincipals') | count", [], options)).to.deep.equal([{ Count: 1 }]);
        });

        it("runs a compiled query on records read once, with the same answer as a one-off replay", () => {
            const records = [auditRow({ Id: "a", _IngestionTime: "2026-03-02T10:01:00Z" }), auditRow({ Id: "b", _IngestionTime: "2026-03-02T10:04:00Z" })];
            const query = "AuditLogs | where ingestion_time() > ago(3m) | project Id";
            const compiled = compileKql(query);
            const recorded = readRecords(records, "records");
            for (const at of ["2026-03-02T10:03:00Z", "2026-03-02T10:05:00Z"]) {
                expect(compiled.run(recorded, { now: at })).to.deep.equal(replayKql(query, records, { now: at }));
            }
            expect(compiled.run(recorded, { now: "2026-03-02T10:05:00Z" })).to.deep.equal([{ Id: "b" }]);
        });

        it("refuses a watchlist CSV whose header is not the contract's", () => {
            expect(() => replayKql("print x = 1", [], { now, watchlists: { PimGuardPrivilegedRoles: "Id,Name\n" } })).to.throw(
                ReplayError,
                "header must be RoleTemplateId,RoleName",
            );
        });
    });
});
