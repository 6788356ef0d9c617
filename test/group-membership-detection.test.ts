/**
 * Members and owners added to privileged groups outside PIM for Groups: the query
 * (kql/member-added-to-privileged-group.kql) replayed on recorded AuditLogs, and the watchlist and
 * rule the stack declares for it. Fixture conventions: test/fixtures/auditlogs/README.md.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { nrtRuleQuery } from "../components/analytics-rule-kinds";
import { readAsset } from "../components/assets";
import { ConfigError } from "../components/config";
import { GroupMembershipRule, groupMembershipCustomDetailColumns } from "../components/group-membership-rule";
import { exemptPrincipalsWatchlistAlias, groupMembershipQueryFile, privilegedGroupsWatchlistAlias } from "../components/names";
import { PimGuard } from "../components/pim-guard";
import { assertCleanKql, KqlColumn } from "../replay/kql/analysis";
import { CompiledKql, compileKql, ResultRow } from "../replay/kql/replay";
import { DeclaredResource, minimalConfig, runProgram, runStack, StackRun, subscriptionId } from "./support/stack-harness";
import { tamperGuardedIds as guardedIdsOf } from "./support/tamper-guarded-ids";

const now = "2026-03-02T10:05:00Z";
const fixtures = path.join(__dirname, "fixtures");
const watchlists = {
    [privilegedGroupsWatchlistAlias]: fs.readFileSync(path.join(fixtures, "watchlists", `${privilegedGroupsWatchlistAlias}.csv`), "utf8"),
    [exemptPrincipalsWatchlistAlias]: fs.readFileSync(path.join(fixtures, "watchlists", `${exemptPrincipalsWatchlistAlias}.csv`), "utf8"),
};
const tier0GlobalAdmins = "0c5e8a21-7f3b-4d96-b1e4-9a2d6f8c3e57";
const tier0SecurityOps = "4f1a9c7e-2b6d-4e83-a5f0-d7c3b9e1a264";
const marketing = "8e2d4b6f-1a3c-4957-9b0e-6c8f2a4d7e19";
const megan = {
    InitiatedByUpn: "megan.admin@contoso.onmicrosoft.com",
    InitiatedByIp: "203.0.113.24",
    InitiatedByServicePrincipalId: "",
    InitiatedByAppName: "",
};

/** The result columns the rule maps and the playbook reads (the contract), in order, with their types. */
const contractColumns: KqlColumn[] = [
    { name: "TimeGenerated", type: "datetime" },
    { name: "GroupId", type: "string" },
    { name: "GroupName", type: "string" },
    { name: "AccessId", type: "string" },
    { name: "PrincipalId", type: "string" },
    { name: "PrincipalType", type: "string" },
    { name: "PrincipalName", type: "string" },
    { name: "InitiatedByUpn", type: "string" },
    { name: "InitiatedByServicePrincipalId", type: "string" },
    { name: "InitiatedByAppName", type: "string" },
    { name: "InitiatedByIp", type: "string" },
    { name: "Signal", type: "string" },
    { name: "Exempt", type: "bool" },
    { name: "CorrelationId", type: "string" },
    { name: "AlertTitle", type: "string" },
];

type AuditRecord = Record<string, unknown> & { TargetResources: Record<string, unknown>[]; InitiatedBy: Record<string, unknown> };

function fixture(file: string): AuditRecord[] {
    return JSON.parse(fs.readFileSync(path.join(fixtures, "auditlogs", file), "utf8")) as AuditRecord[];
}

/** The records with each target changed by `change` (a copy). */
function withTargets(records: AuditRecord[], change: (target: Record<string, unknown>) => Record<string, unknown>): AuditRecord[] {
    return records.map((record) => ({ ...record, TargetResources: record.TargetResources.map(change) }));
}

const isPrincipal = (target: Record<string, unknown>) => target.type === "User" || target.type === "ServicePrincipal";

let compiledQueryFile: CompiledKql | undefined;

/** The query file, compiled once for the whole file. */
function compiledFile(): CompiledKql {
    compiledQueryFile ??= compileKql(readAsset("kql", groupMembershipQueryFile));
    return compiledQueryFile;
}

describe("the group-membership query (kql/member-added-to-privileged-group.kql)", () => {
    const file = readAsset("kql", groupMembershipQueryFile);
    let query: CompiledKql;

    before(() => {
        query = compiledFile();
    });

    function detect(records: unknown, options: { at?: string; lists?: Record<string, string> } = {}): ResultRow[] {
        return query.run(records, { now: options.at ?? now, watchlists: options.lists ?? watchlists });
    }

    describe("as a file", () => {
        it("compiles without a diagnostic to exactly the contract's columns, in order, with their types", () => {
            expect(assertCleanKql(file, groupMembershipQueryFile).columns).to.deep.equal(contractColumns);
        });

        it("fits in a Sentinel rule (at most 10,000 characters)", () => {
            expect(file.length).to.be.within(1, 10_000);
        });

        it("has the role query's two timing lines, 5 and 65 minutes, and explains the ingestion-delay arithmetic above them", () => {
            for (const line of ["let ruleFrequency = 5m;", "let lookBack = 65m;"]) {
                expect(
                    file.split("\n").filter((candidate) => candidate === line),
                    line,
                ).to.have.length(1);
            }
            const header = file.slice(0, file.indexOf("let ruleFrequency"));
            expect(header).to.contain("lookBack - ruleFrequency = 60 minutes").and.to.contain("exactly one run");
        });

        it("filters on time, category, service, operation and result before expanding any array", () => {
            const firstExpansion = file.search(/\bmv-(expand|apply)\b/);
            expect(firstExpansion).to.be.greaterThan(0);
            for (const filter of [
                "| where TimeGenerated > ago(lookBack)",
                "| where ingestion_time() > ago(ruleFrequency)",
                '| where Category == "GroupManagement"',
                '| where LoggedByService == "Core Directory"',
                "| where OperationName in (groupAccessOperations)",
                '| where Result == "success"',
            ]) {
                expect(file.indexOf(filter), filter).to.be.within(0, firstExpansion);
            }
        });
    });

    describe("a member or owner added to a listed group outside PIM", () => {
        it("a user made member directly is one row with the contract's columns, naming the group, the user and the admin", () => {
            const rows = detect(fixture("group-member-added-directly.json"));
            expect(rows).to.have.length(1);
            expect(Object.keys(rows[0]!)).to.deep.equal(contractColumns.map((column) => column.name));
            expect(rows[0]).to.deep.equal({
                TimeGenerated: "2026-03-02T10:01:07.219Z",
                GroupId: tier0GlobalAdmins,
                GroupName: "SG-Tier0-GlobalAdmins",
                AccessId: "member",
                PrincipalId: "7c3d9a15-e2b8-4f61-a0d4-5b9e8c2f1a73",
                PrincipalType: "User",
                PrincipalName: "alex.wilber@contoso.onmicrosoft.com",
                ...megan,
                Signal: "directory",
                Exempt: false,
                CorrelationId: "6b0d3e2f-58a4-4c1e-9f73-2d8a5c1b7e40",
                AlertTitle: "SG-Tier0-GlobalAdmins member added outside PIM: alex.wilber@contoso.onmicrosoft.com",
            });
        });

        it("a user made owner is a row with AccessId owner, the group's id in lower case though the watchlist lists it in upper case", () => {
            expect(watchlists[privilegedGroupsWatchlistAlias]).to.contain(tier0SecurityOps.toUpperCase());
            const rows = detect(fixture("group-owner-added.json"));
            expect(rows).to.have.length(1);
            expect(rows[0]).to.include({ AccessId: "owner", GroupId: tier0SecurityOps, PrincipalId: "2a7e5c93-4b1f-4d68-8e3a-f9c1b7d5e602" });
        });

        it("a service principal added by an app names the app by service principal and name (real records carry no appId)", () => {
            const rows = detect(fixture("group-service-principal-added.json"));
            expect(rows).to.have.length(1);
            expect(rows[0]).to.include({
                PrincipalType: "ServicePrincipal",
                PrincipalId: "b82d5e1f-4a6c-4f93-8d07-e3c9a1b6f245",
                PrincipalName: "contoso-provisioning-automation",
                InitiatedByServicePrincipalId: "d9a3f6c2-5e8b-4170-b4d1-8f2e6a9c3b75",
                InitiatedByAppName: "contoso-iam-deployer",
                InitiatedByUpn: "",
                InitiatedByIp: "",
            });
        });

        it("an exempt principal is still reported, with Exempt true; with no exemptions listed, Exempt false", () => {
            expect(detect(fixture("group-member-added-exempt.json")))
                .to.have.length(1)
                .and.to.have.nested.property("[0].Exempt", true);
            const noExemptions = { ...watchlists, [exemptPrincipalsWatchlistAlias]: "PrincipalId,Reason\r\n" };
            expect(detect(fixture("group-member-added-exempt.json"), { lists: noExemptions }))
                .to.have.length(1)
                .and.to.have.nested.property("[0].Exempt", false);
        });

        it("the same add seen twice is one row, from the later record", () => {
            const records = fixture("group-member-added-twice.json");
            expect(records).to.have.length(2);
            const rows = detect(records);
            expect(rows).to.have.length(1);
            expect(rows[0]).to.include({ TimeGenerated: "2026-03-02T10:03:09.448Z", CorrelationId: "d6a2e8c4-3f71-4b19-8d5e-0c7b9f2a4e13" });
        });

        it("the same principal added as member and as owner is two rows, one per access", () => {
            const asOwner = fixture("group-member-added-directly.json").map((record) => ({
                ...record,
                OperationName: "Add owner to group",
                ActivityDisplayName: "Add owner to group",
            }));
            const rows = detect([...fixture("group-member-added-directly.json"), ...asOwner]);
            expect(rows.map((row) => row.AccessId).sort()).to.deep.equal(["member", "owner"]);
        });

        it("a group made member is reported as a Group, and the group it joined is never mistaken for the principal", () => {
            const nested = withTargets(fixture("group-member-added-directly.json"), (target) =>
                target.type === "User" ? { ...target, type: "Group", userPrincipalName: null, displayName: "SG-Helpdesk" } : target,
            );
            const rows = detect(nested);
            expect(rows).to.have.length(1);
            expect(rows[0]).to.include({
                PrincipalType: "Group",
                PrincipalId: "7c3d9a15-e2b8-4f61-a0d4-5b9e8c2f1a73",
                PrincipalName: "SG-Helpdesk",
                GroupId: tier0GlobalAdmins,
            });
        });

        it("a group target that describes itself with the same properties is not taken for a principal added to itself", () => {
            const selfDescribing = withTargets(fixture("group-member-added-directly.json"), (target) =>
                target.type === "Group"
                    ? { ...target, modifiedProperties: fixture("group-member-added-directly.json")[0]!.TargetResources[0]!.modifiedProperties }
                    : target,
            );
            expect(detect(selfDescribing).map((row) => [row.PrincipalType, row.PrincipalId])).to.deep.equal([["User", "7c3d9a15-e2b8-4f61-a0d4-5b9e8c2f1a73"]]);
        });

        it("reads ids in lower case whatever the record's case", () => {
            const shouting = withTargets(fixture("group-member-added-directly.json"), (target) => ({ ...target, id: String(target.id).toUpperCase() }));
            expect(detect(shouting)).to.have.length(1).and.to.have.nested.property("[0].PrincipalId", "7c3d9a15-e2b8-4f61-a0d4-5b9e8c2f1a73");
        });
    });

    describe("a record whose principal names no group (Microsoft Graph's own example layout)", () => {
        it("is read from its targets' types: the one Group target and the one user after it", () => {
            const rows = detect(fixture("group-member-group-target-first.json"));
            expect(rows).to.have.length(1);
            expect(rows[0]).to.include({
                GroupId: tier0GlobalAdmins,
                GroupName: "SG-Tier0-GlobalAdmins",
                PrincipalId: "7c3d9a15-e2b8-4f61-a0d4-5b9e8c2f1a73",
                AccessId: "member",
            });
        });

        it("is not guessed when two users could be the principal: no row, rather than the wrong one", () => {
            const [record] = fixture("group-member-group-target-first.json");
            const second = { ...record!.TargetResources.find(isPrincipal)!, id: "5b3e7d9f-2c4a-4618-b0e2-9f7d1c5a3e86" };
            expect(detect([{ ...record!, TargetResources: [...record!.TargetResources, second] }])).to.deep.equal([]);
        });
    });

    describe("records that are not a privileged path", () => {
        it("PIM for Groups' own writes (an activation and an assignment, by MS-PIM) give no row; the same writes by an admin would", () => {
            const pimWrites = fixture("group-member-activated-by-pim.json");
            expect(detect(pimWrites)).to.deep.equal([]);
            const byAdmin = pimWrites.map((record) =>
                record.LoggedByService === "Core Directory" ? { ...record, InitiatedBy: fixture("group-member-added-directly.json")[0]!.InitiatedBy } : record,
            );
            expect(detect(byAdmin).map((row) => [row.PrincipalId, row.AccessId])).to.have.deep.members([
                ["1e8b4f2d-6c9a-4d37-b5e0-8a2f7c4d9e16", "member"],
                ["2a7e5c93-4b1f-4d68-8e3a-f9c1b7d5e602", "owner"],
            ]);
        });

        it("PIM's writes in the US Government cloud (MS-PIM-Fairfax) give no row either", () => {
            const fairfax = fixture("group-member-added-directly.json").map((record) => ({
                ...record,
                InitiatedBy: {
                    app: { appId: null, displayName: "MS-PIM-Fairfax", servicePrincipalId: "f1c7b3e9-2a5d-4860-9b4f-d3e8a6c21b57", servicePrincipalName: null },
                },
            }));
            expect(detect(fairfax)).to.deep.equal([]);
        });

        it("a group missing from the watchlist gives no row; listing it makes the same record one", () => {
            const records = fixture("group-member-added-to-unlisted-group.json");
            expect(detect(records)).to.deep.equal([]);
            const listed = {
                ...watchlists,
                [privilegedGroupsWatchlistAlias]: `GroupId,Roles,Reason\r\n${marketing},62e90394-69f5-4237-9190-012177145e10,x\r\n`,
            };
            expect(detect(records, { lists: listed }))
                .to.have.length(1)
                .and.to.have.nested.property("[0].GroupId", marketing);
        });

        it("an empty privileged-groups watchlist gives no row at all", () => {
            const none = { ...watchlists, [privilegedGroupsWatchlistAlias]: "GroupId,Roles,Reason\r\n" };
            expect(detect(fixture("group-member-added-directly.json"), { lists: none })).to.deep.equal([]);
        });

        it("a failed add gives no row; the same record succeeding would", () => {
            const records = fixture("group-member-add-failed.json");
            expect(detect(records)).to.deep.equal([]);
            expect(detect(records.map((record) => ({ ...record, Result: "success" })))).to.have.length(1);
        });

        it("a group or principal id that is not a GUID gives no row", () => {
            const badGroup = withTargets(fixture("group-member-added-directly.json"), (target) =>
                isPrincipal(target)
                    ? {
                          ...target,
                          modifiedProperties: (target.modifiedProperties as { displayName: string }[]).map((property) =>
                              property.displayName === "Group.ObjectID" ? { ...property, newValue: '"SG-Tier0-GlobalAdmins"' } : property,
                          ),
                      }
                    : target,
            );
            expect(detect(badGroup)).to.deep.equal([]);
            const badPrincipal = withTargets(fixture("group-member-added-directly.json"), (target) =>
                isPrincipal(target) ? { ...target, id: "alex" } : target,
            );
            expect(detect(badPrincipal)).to.deep.equal([]);
        });
    });

    describe("the alert title (AlertTitle, Sentinel's 256 bytes)", () => {
        function titleFor(groupName: string, principalName: string): string {
            const records = withTargets(fixture("group-member-added-directly.json"), (target) =>
                isPrincipal(target)
                    ? {
                          ...target,
                          userPrincipalName: principalName,
                          modifiedProperties: (target.modifiedProperties as { displayName: string }[]).map((property) =>
                              property.displayName === "Group.DisplayName" ? { ...property, newValue: JSON.stringify(groupName) } : property,
                          ),
                      }
                    : target,
            );
            const rows = detect(records);
            expect(rows).to.have.length(1);
            return rows[0]!.AlertTitle as string;
        }

        it("stays under 256 bytes with a 256-character group name and a long ASCII principal name", () => {
            const title = titleFor("G".repeat(256), `${"a".repeat(240)}@contoso.onmicrosoft.com`);
            expect(Buffer.byteLength(title, "utf8")).to.be.below(256);
            // Cut as late as 256 bytes allow: 252 characters and an ellipsis.
            expect(title).to.equal(`${"G".repeat(252)}...`);
        });

        it("stays under 256 bytes when the names are not ASCII", () => {
            const title = titleFor("Administrateurs généraux", `${"\u{1F510}".repeat(100)}@contoso.onmicrosoft.com`);
            expect(Buffer.byteLength(title, "utf8")).to.be.below(256);
            expect(title.startsWith("Administrateurs généraux member added outside PIM")).to.equal(true);
        });
    });

    describe("records arriving late, over consecutive runs five minutes apart", () => {
        const runs = ["2026-03-02T10:00:00Z", "2026-03-02T10:05:00Z", "2026-03-02T10:10:00Z", "2026-03-02T10:15:00Z"];
        const caught = (records: unknown) => runs.map((at) => detect(records, { at }).length);

        it("evaluate a record in exactly one run: the one during whose window it was ingested", () => {
            const late = fixture("group-member-added-directly.json").map((record) => ({ ...record, _IngestionTime: "2026-03-02T10:07:30Z" }));
            expect(caught(late)).to.deep.equal([0, 0, 1, 0]);
        });

        it("still catch a record ingested 55 minutes after it was generated, and not one past the look-back", () => {
            const generated = (time: string) =>
                fixture("group-member-added-directly.json").map((record) => ({ ...record, TimeGenerated: time, _IngestionTime: "2026-03-02T10:07:30Z" }));
            expect(caught(generated("2026-03-02T09:12:30Z"))).to.deep.equal([0, 0, 1, 0]);
            expect(caught(generated("2026-03-02T09:04:00Z"))).to.deep.equal([0, 0, 0, 0]);
        });
    });

    describe("as a near-real-time query", () => {
        let nrt: string;

        before(() => {
            nrt = nrtRuleQuery(groupMembershipQueryFile);
        });

        it("differs from the file only by the two timing lets and their two filters", () => {
            const removed = file.split("\n").filter((line) => !nrt.split("\n").includes(line));
            expect(removed.map((line) => line.trim())).to.deep.equal([
                "let ruleFrequency = 5m;",
                "let lookBack = 65m;",
                "| where TimeGenerated > ago(lookBack)",
                "| where ingestion_time() > ago(ruleFrequency)",
            ]);
        });

        it("compiles without a diagnostic to the same columns, and catches a three-hour-late record in the run it arrived", () => {
            expect(assertCleanKql(nrt, "NRT group-membership query").columns).to.deep.equal(contractColumns);
            const late = fixture("group-member-added-directly.json").map((record) => ({
                ...record,
                TimeGenerated: "2026-03-02T07:00:10Z",
                _IngestionTime: "2026-03-02T10:04:20Z",
            }));
            const compiled = compileKql(nrt);
            const runAt = (minute: number) =>
                compiled.run(late, { now: `2026-03-02T10:0${minute}:00Z`, ingestedAfter: `2026-03-02T10:0${minute - 1}:00Z`, watchlists }).length;
            expect([4, 5, 6].map(runAt)).to.deep.equal([0, 1, 0]);
        });
    });
});

// -------------------------------------------------------------------------------------------------
// The stack (Pulumi mocks)
// -------------------------------------------------------------------------------------------------

const types = {
    watchlist: "azure-native:securityinsights:Watchlist",
    watchlistItem: "azure-native:securityinsights:WatchlistItem",
    rule: "azure-native:securityinsights:ScheduledAlertRule",
    genericResource: "azure-native:resources:Resource",
};
const privilegedGroups = [
    { id: tier0GlobalAdmins.toUpperCase(), roles: ["Global Administrator"], reason: "Tier-0 admins, eligible through PIM for Groups" },
    { id: tier0SecurityOps, roles: ["Security Administrator", "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f"], reason: "SOC responders" },
];
const groupsConfig = { ...minimalConfig, "pimguard:privilegedGroups": JSON.stringify(privilegedGroups) };
const workspaceId = `/subscriptions/${subscriptionId}/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/law-sentinel`;
const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The identifiers Sentinel accepts per entity type (Sentinel's entity types reference,
 * articles/sentinel/entities-reference.md, "Entity types and identifiers").
 */
const entityIdentifiers: Record<string, readonly string[]> = {
    Account: [
        "Name",
        "FullName",
        "NTDomain",
        "DnsDomain",
        "UPNSuffix",
        "Sid",
        "AadTenantId",
        "AadUserId",
        "PUID",
        "IsDomainJoined",
        "DisplayName",
        "ObjectGuid",
    ],
    IP: ["Address", "AddressScope"],
    CloudApplication: ["AppId", "Name", "InstanceName"],
    SecurityGroup: ["DistinguishedName", "SID", "ObjectGuid"],
};

interface EntityMapping {
    entityType: string;
    fieldMappings: { identifier: string; columnName: string }[];
}

/** Mappings whose identifier Sentinel does not accept for their entity type, or whose column the query lacks. */
function mappingProblems(mappings: EntityMapping[], columns: readonly string[]): string[] {
    return mappings.flatMap((mapping) =>
        mapping.fieldMappings.flatMap((field) => [
            ...((entityIdentifiers[mapping.entityType] ?? []).includes(field.identifier) ? [] : [`${mapping.entityType}.${field.identifier}`]),
            ...(columns.includes(field.columnName) ? [] : [`column ${field.columnName}`]),
        ]),
    );
}

function groupRule(run: StackRun): DeclaredResource {
    return run.named(types.rule, "pimguard-group-membership");
}

function groupWatchlistItems(run: StackRun): Record<string, string>[] {
    return run
        .ofType(types.watchlistItem)
        .filter((item) => item.inputs.watchlistAlias === privilegedGroupsWatchlistAlias)
        .map((item) => item.inputs.itemsKeyValue);
}

function tamperGuardedIds(run: StackRun, guard: string): string[] {
    return guardedIdsOf(run.named(types.rule, `${guard}-tamper-detection`).inputs.query);
}

describe("the stack with privileged groups (pimguard:privilegedGroups)", () => {
    const workspace = { name: "law-sentinel", resourceGroupName: "rg-sentinel" };
    let run: StackRun;
    let nrt: StackRun;
    /** A program composing two PimGuards: one listing a group, with a daily rule; one listing none. */
    let composed: StackRun;
    let withGroups: PimGuard | undefined;
    let without: PimGuard | undefined;
    const exportedRuleIds: unknown[] = [];

    before(async () => {
        // One at a time: the mock runtime is global.
        run = await runStack(groupsConfig);
        nrt = await runStack({ ...groupsConfig, "pimguard:detection": "nrt" });
        composed = await runProgram(() => {
            const privileged = [{ id: tier0GlobalAdmins, roles: ["Global Administrator"], reason: "Tier 0" }];
            withGroups = new PimGuard("guard", { workspace, privilegedGroups: privileged, ruleFrequencyMinutes: 1440 });
            without = new PimGuard("other", { workspace: { name: "law-other", resourceGroupName: "rg-other" } });
            withGroups.groupMembershipRuleResourceId?.apply((id) => exportedRuleIds.push(id));
        });
        for (const stack of [run, nrt, composed]) {
            if (stack.error) {
                throw stack.error;
            }
        }
    });

    describe("when none is listed", () => {
        it("declares no privileged-groups watchlist, no group-membership rule, and PimGuard exposes none", () => {
            const others = composed.resources.filter((resource) => resource.name.startsWith("other"));
            expect(others.filter((resource) => resource.type === types.watchlist).map((watchlist) => watchlist.inputs.watchlistAlias)).to.have.members([
                "PimGuardPrivilegedRoles",
                "PimGuardExemptPrincipals",
            ]);
            expect(others.filter((resource) => resource.type === types.rule).map((rule) => rule.name)).to.deep.equal([
                "other-detection",
                "other-tamper-detection",
            ]);
            expect(others.map((resource) => resource.type)).not.to.include("pimguard:index:GroupMembershipRule");
            expect([without!.groupMembershipRule, without!.privilegedGroupsWatchlist, without!.groupMembershipRuleResourceId]).to.deep.equal([
                undefined,
                undefined,
                undefined,
            ]);
        });
    });

    describe("the PimGuardPrivilegedGroups watchlist", () => {
        it("is keyed by GroupId, one item per group: its id in lower case, its roles as template ids joined by '; ', its reason", () => {
            const watchlist = run.ofType(types.watchlist).find((candidate) => candidate.inputs.watchlistAlias === privilegedGroupsWatchlistAlias);
            expect(watchlist?.inputs).to.include({ itemsSearchKey: "GroupId", workspaceName: "law-sentinel", resourceGroupName: "rg-sentinel" });
            expect(groupWatchlistItems(run)).to.deep.equal([
                { GroupId: tier0GlobalAdmins, Roles: "62e90394-69f5-4237-9190-012177145e10", Reason: privilegedGroups[0]!.reason },
                { GroupId: tier0SecurityOps, Roles: "194ae4cb-b126-40b2-bd5b-6091b380977d; 5f2222b1-57c3-48ba-8ad5-d4759f1fde6f", Reason: "SOC responders" },
            ]);
            expect(withGroups!.privilegedGroupsWatchlist!.alias).to.equal(privilegedGroupsWatchlistAlias);
        });

        it("has the columns the query and the replay read, the search key first", () => {
            const header = watchlists[privilegedGroupsWatchlistAlias].split(/\r?\n/)[0]!.split(",");
            const watchlist = run.ofType(types.watchlist).find((candidate) => candidate.inputs.watchlistAlias === privilegedGroupsWatchlistAlias)!;
            expect(watchlist.inputs.itemsSearchKey).to.equal(header[0]);
            groupWatchlistItems(run).forEach((item) => expect(Object.keys(item)).to.have.members(header));
        });

        it("when read back as Sentinel returns it, makes the deployed query alert on its groups", () => {
            const columns = ["GroupId", "Roles", "Reason"];
            const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
            const csv = [columns.join(","), ...groupWatchlistItems(run).map((item) => columns.map((column) => csvField(item[column]!)).join(","))].join("\r\n");
            // The deployed query is the file, which the suite above compiled.
            expect(groupRule(run).inputs.query).to.equal(readAsset("kql", groupMembershipQueryFile));
            const rows = compiledFile().run(fixture("group-owner-added.json"), { now, watchlists: { [privilegedGroupsWatchlistAlias]: csv } });
            expect(rows.map((row) => row.GroupId)).to.deep.equal([tier0SecurityOps]);
        });
    });

    describe("the GroupMembershipRule", () => {
        it("is a scheduled, enabled, High privilege-escalation and persistence rule (T1098), under a GUID of its own", () => {
            const rule = groupRule(run);
            expect(rule.inputs).to.include({ kind: "Scheduled", enabled: true, severity: "High", triggerOperator: "GreaterThan", triggerThreshold: 0 });
            expect(rule.inputs.tactics).to.deep.equal(["PrivilegeEscalation", "Persistence"]);
            expect(rule.inputs.techniques).to.deep.equal(["T1098"]);
            expect(rule.inputs.ruleId).to.match(guid);
            expect(rule.inputs.ruleId).not.to.equal(run.named(types.rule, "pimguard-detection").inputs.ruleId);
            expect(rule.parentType).to.equal("pimguard:index:GroupMembershipRule");
            expect(withGroups!.groupMembershipRule).to.be.instanceOf(GroupMembershipRule);
            expect(withGroups!.groupMembershipRule!.scheduledRule).to.be.instanceOf(pulumi.CustomResource);
            expect(withGroups!.groupMembershipRule!.nrtRule).to.equal(undefined);
        });

        it("runs the query file on the stack's schedule: every 5 minutes looking back 65 by default, or as configured", () => {
            const rule = groupRule(run);
            expect(rule.inputs).to.include({ queryFrequency: "PT5M", queryPeriod: "PT1H5M" });
            expect(rule.inputs.query).to.equal(readAsset("kql", groupMembershipQueryFile));
            const daily = composed.named(types.rule, "guard-group-membership");
            expect(daily.inputs).to.include({ queryFrequency: "P1D", queryPeriod: "P1DT1H" });
            expect(daily.inputs.query)
                .to.match(/^let ruleFrequency = 1440m;$/m)
                .and.to.match(/^let lookBack = 1500m;$/m);
        });

        it("passes the playbook exactly the contract's columns as custom details, each under its own name", () => {
            // The mock hands inputs back with their keys sorted: compare as sets.
            const details: Record<string, string> = groupRule(run).inputs.customDetails;
            expect(Object.keys(details)).to.have.members([
                "GroupId",
                "GroupName",
                "AccessId",
                "PrincipalId",
                "PrincipalType",
                "PrincipalName",
                "Exempt",
                "Signal",
                "InitiatedByUpn",
                "InitiatedByServicePrincipalId",
                "InitiatedByAppName",
                "CorrelationId",
            ]);
            expect(Object.entries(details).every(([key, column]) => key === column)).to.equal(true);
            expect([...groupMembershipCustomDetailColumns])
                .to.have.members(Object.keys(details))
                .and.to.have.length(12);
            const columns = contractColumns.map((column) => column.name);
            Object.values(details).forEach((column) => expect(columns).to.include(column));
        });

        it("titles each alert with the query's AlertTitle and groups alerts by principal, group and access for a day, never reopening", () => {
            const rule = groupRule(run);
            expect(rule.inputs.alertDetailsOverride.alertDisplayNameFormat).to.equal("{{AlertTitle}}");
            const placeholders = [...(rule.inputs.alertDetailsOverride.alertDescriptionFormat as string).matchAll(/\{\{(\w+)\}\}/g)].map((match) => match[1]);
            expect(placeholders.length).to.be.within(1, 3);
            placeholders.forEach((name) => expect(Object.keys(rule.inputs.customDetails)).to.include(name));
            expect(rule.inputs.eventGroupingSettings).to.deep.equal({ aggregationKind: "AlertPerResult" });
            expect(rule.inputs.incidentConfiguration).to.deep.equal({
                createIncident: true,
                groupingConfiguration: {
                    enabled: true,
                    matchingMethod: "Selected",
                    groupByCustomDetails: ["PrincipalId", "GroupId", "AccessId"],
                    lookbackDuration: "P1D",
                    reopenClosedIncident: false,
                },
            });
        });

        it("maps the principal, the initiator, the app, the IP and the group as entities Sentinel accepts, within five mappings", () => {
            const mappings: EntityMapping[] = groupRule(run).inputs.entityMappings;
            expect(mappings.length).to.be.at.most(5);
            expect(
                mappingProblems(
                    mappings,
                    contractColumns.map((column) => column.name),
                ),
            ).to.deep.equal([]);
            const described = mappings.map((m) => `${m.entityType}:${m.fieldMappings.map((f) => `${f.identifier}=${f.columnName}`).join(",")}`);
            expect(described).to.include.members([
                "Account:AadUserId=PrincipalId,DisplayName=PrincipalName",
                "CloudApplication:Name=InitiatedByAppName",
                "IP:Address=InitiatedByIp",
                "SecurityGroup:ObjectGuid=GroupId",
            ]);
            // The check bites: an Account identifier on a group, or a column the query lacks.
            expect(
                mappingProblems([{ entityType: "SecurityGroup", fieldMappings: [{ identifier: "AadUserId", columnName: "GroupIds" }] }], ["GroupId"]),
            ).to.deep.equal(["SecurityGroup.AadUserId", "column GroupIds"]);
        });

        it("is PimGuard's groupMembershipRuleResourceId, and guarded, with its watchlist, by the tamper-detection rule", () => {
            expect(exportedRuleIds).to.deep.equal([composed.named(types.rule, "guard-group-membership").id]);
            const rule = groupRule(run);
            const watchlist = run.ofType(types.watchlist).find((candidate) => candidate.inputs.watchlistAlias === privilegedGroupsWatchlistAlias)!;
            expect(tamperGuardedIds(run, "pimguard")).to.include.members([rule.id.toLowerCase(), watchlist.id.toLowerCase()]);
            expect(tamperGuardedIds(composed, "other").join("\n")).not.to.contain("pimguardprivilegedgroups");
            expect(run.named(types.rule, "pimguard-tamper-detection").inputs.query.length).to.be.at.most(10_000);
        });
    });

    describe("with pimguard:detection = nrt", () => {
        it("is a near-real-time rule with the scheduled rule's alert, under a GUID of its own, named as Sentinel names it", () => {
            const nrtRule = nrt.named(types.genericResource, "pimguard-group-membership");
            expect(nrtRule.inputs).to.include({ kind: "NRT", apiVersion: "2025-10-01-preview", resourceType: "alertRules" });
            expect(nrtRule.inputs.resourceName).to.match(guid).and.not.to.equal(groupRule(run).inputs.ruleId);
            const scheduled = groupRule(run);
            for (const name of [
                "displayName",
                "severity",
                "tactics",
                "techniques",
                "entityMappings",
                "customDetails",
                "alertDetailsOverride",
                "incidentConfiguration",
            ]) {
                expect(nrtRule.inputs.properties[name], name).to.deep.equal(scheduled.inputs[name]);
            }
            expect(nrtRule.inputs.properties.query).to.equal(nrtRuleQuery(groupMembershipQueryFile));
            expect(nrt.ofType(types.rule).map((rule) => rule.name)).not.to.include("pimguard-group-membership");
            expect(tamperGuardedIds(nrt, "pimguard")).to.include(
                `${workspaceId}/providers/Microsoft.SecurityInsights/alertRules/${nrtRule.inputs.resourceName}`.toLowerCase(),
            );
        });
    });

    it("GroupMembershipRule on its own refuses a frequency with nrt, naming its own arguments, before declaring anything", async () => {
        const attempt = await runProgram(() => {
            new GroupMembershipRule("groups", { workspace, detection: "nrt", ruleFrequencyMinutes: 60 });
        });
        expect(attempt.error).to.be.instanceOf(ConfigError);
        expect(attempt.error!.message).to.contain('GroupMembershipRuleArgs.ruleFrequencyMinutes is 60, but GroupMembershipRuleArgs.detection is "nrt"');
        expect(attempt.resources).to.deep.equal([]);
    });
});
