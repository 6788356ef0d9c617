import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { readAsset } from "../components/assets";
import { ConfigError } from "../components/config";
import { setLet } from "../components/kql-lets";
import { tamperQueryFile } from "../components/names";
import { TamperDetectionRule, tamperCustomDetailColumns, tamperQuery } from "../components/tamper-detection-rule";
import { assertCleanKql, azureActivityColumns, KqlColumn, sentinelHealthColumns } from "../replay/kql/analysis";
import { CompiledKql, compileKql, ResultRow } from "../replay/kql/replay";
import { DeclaredResource, minimalConfig, runProgram, runStack, StackRun } from "./support/stack-harness";
import { tamperGuardedIds } from "./support/tamper-guarded-ids";

// The conventions of test/fixtures/azureactivity/README.md: the run happens at 10:05, against
// the stack the mock tenant deploys (its deployer, identity and resource ids).
const now = "2026-03-02T10:05:00Z";
const fixtures = path.join(__dirname, "fixtures");
const deployerObjectId = "c11e7000-0000-4000-8000-000000000002";
const playbookIdentityObjectId = "5e1d0c9b-0000-4000-8000-0000000000b1";
const watchlists = {
    PimGuardPrivilegedRoles: fs.readFileSync(path.join(fixtures, "watchlists", "PimGuardPrivilegedRoles.csv"), "utf8"),
};
const eve = { Actor: "eve.rogers@contoso.onmicrosoft.com", ActorObjectId: "4b8e2c1d-7a3f-4e59-9c06-d2a1f8b7e354", ActorIp: "198.51.100.23" };
const sam = { Actor: "sam.ortiz@contoso.onmicrosoft.com", ActorObjectId: "2f4a6c8e-0b1d-4f3a-8c5e-7a9b1d3f5c70", ActorIp: "203.0.113.77" };

interface Tables {
    AuditLogs?: unknown[];
    AzureActivity?: unknown[];
    SentinelHealth?: unknown[];
}

function fixture(folder: string, file: string): Record<string, unknown>[] {
    return JSON.parse(fs.readFileSync(path.join(fixtures, folder, file), "utf8")) as Record<string, unknown>[];
}

const activity = (file: string): Tables => ({ AzureActivity: fixture("azureactivity", file) });
const health = (file: string): Tables => ({ SentinelHealth: fixture("sentinelhealth", file) });
const audit = (file: string): Tables => ({ AuditLogs: fixture("auditlogs", file) });

describe("the tamper-detection rule as the stack deploys it", () => {
    let run: StackRun;
    let rule: DeclaredResource;
    let query: CompiledKql;

    before(async () => {
        run = await runStack(minimalConfig);
        if (run.error) {
            throw run.error;
        }
        rule = run.named("azure-native:securityinsights:ScheduledAlertRule", "pimguard-tamper-detection");
        query = compileKql(rule.inputs.query);
    });

    /** One run of the deployed query at `at`, on these tables (the others present and empty unless left out). */
    function detect(tables: Tables, at = now, present: (keyof Tables)[] = ["AuditLogs", "AzureActivity", "SentinelHealth"]): ResultRow[] {
        const empty = Object.fromEntries(present.map((table) => [table, []]));
        return query.run({ ...empty, ...tables }, { now: at, watchlists });
    }

    describe("changes to pimguard's Azure resources (AzureActivity)", () => {
        it("a user disabling the playbook's Logic App is one alert naming the workflow, the operation and the user", () => {
            const rows = detect(activity("logic-app-disabled-by-user.json"));
            expect(rows).to.have.length(1);
            expect(rows[0]).to.include({
                TamperKind: "azureResource",
                Target: run.playbookWorkflow().id.toLowerCase(),
                Operation: "microsoft.logic/workflows/disable/action",
                ...eve,
            });
            expect(rows[0].AlertTitle).to.equal("pimguard tampered with: pimguard-playbook (microsoft.logic/workflows/disable/action)");
        });

        it("a service principal deleting the analytics rule is one alert, whatever case the operation is logged in", () => {
            const rows = detect(activity("analytics-rule-deleted-by-service-principal.json"));
            expect(rows).to.have.length(1);
            expect(rows[0]).to.include({
                Target: detectionRule(run).id.toLowerCase(),
                Operation: "microsoft.securityinsights/alertrules/delete",
                Actor: "9c2e4a6f-8b1d-4c3e-a5f7-0d2b4c6e8a13",
                ActorObjectId: "9c2e4a6f-8b1d-4c3e-a5f7-0d2b4c6e8a13",
            });
        });

        for (const [file, resource, operation] of [
            ["automation-rule-changed.json", "the automation rule", "microsoft.securityinsights/automationrules/write"],
            ["watchlist-item-deleted.json", "an item of the exemptions watchlist", "microsoft.securityinsights/watchlists/watchlistitems/delete"],
            ["api-connection-deleted.json", "the playbook's Sentinel API connection", "microsoft.web/connections/delete"],
        ]) {
            it(`changing ${resource} is one alert`, () => {
                const rows = detect(activity(file));
                expect(rows.map((row) => [row.TamperKind, row.Operation])).to.deep.equal([["azureResource", operation]]);
            });
        }

        it("the deploying identity's own changes raise nothing", () => {
            const changes = fixture("azureactivity", "deployer-updates.json");
            expect(changes.map((row) => row.Caller)).to.satisfy((callers: string[]) => callers.every((caller) => caller === deployerObjectId));
            expect(detect({ AzureActivity: changes })).to.deep.equal([]);
        });

        it("the same changes by anyone else do alert: the deployer is told apart by object id only", () => {
            const impostor = fixture("azureactivity", "deployer-updates.json").map((row) => withClaimedObjectId(row, sam.ActorObjectId));
            expect(detect({ AzureActivity: impostor })).to.have.length(3);
        });

        it("other resources, Sentinel fetching the playbook's callback URL, and a refused change raise nothing", () => {
            expect(detect(activity("unrelated-and-unsuccessful.json"))).to.deep.equal([]);
        });

        it("a change alerts in exactly one run: the one during which it was ingested", () => {
            const records = activity("logic-app-disabled-by-user.json");
            const runs = ["2026-03-02T10:00:00Z", "2026-03-02T10:05:00Z", "2026-03-02T10:10:00Z"].map((at) => detect(records, at).length);
            expect(runs).to.deep.equal([0, 1, 0]);
        });

        it("runs on without the AzureActivity table (connector off), reporting the rest", () => {
            const rows = detect(health("automation-rule-could-not-run-playbook.json"), now, ["AuditLogs", "SentinelHealth"]);
            expect(rows.map((row) => row.TamperKind)).to.deep.equal(["sentinelHealth"]);
        });
    });

    describe("health failures of pimguard's automation (SentinelHealth)", () => {
        it("the automation rule failing to trigger the playbook is one alert saying why", () => {
            const rows = detect(health("automation-rule-could-not-run-playbook.json"));
            expect(rows).to.have.length(1);
            expect(rows[0]).to.include({ TamperKind: "sentinelHealth", Target: automationRule(run).id.toLowerCase(), Operation: "Automation rule run" });
            expect(rows[0].Detail).to.contain("Could not trigger playbook: pimguard-playbook. The playbook was disabled.");
        });

        it("a failed run of the detection rule is one alert", () => {
            const rows = detect(health("analytics-rule-run-failed.json"));
            expect(rows.map((row) => [row.Target, row.Operation])).to.deep.equal([[detectionRule(run).id.toLowerCase(), "Scheduled analytics rule run"]]);
        });

        it("successful runs and other rules' failures raise nothing", () => {
            expect(detect(health("healthy-and-unrelated.json"))).to.deep.equal([]);
        });

        it("runs on without the SentinelHealth table (health monitoring off), reporting the rest", () => {
            const rows = detect(activity("logic-app-disabled-by-user.json"), now, ["AuditLogs", "AzureActivity"]);
            expect(rows.map((row) => row.TamperKind)).to.deep.equal(["azureResource"]);
        });
    });

    describe("Entra changes that weaken the guard (AuditLogs)", () => {
        it("removing one of the playbook identity's Graph permissions is one alert naming the permission; another app's is ignored", () => {
            const rows = detect(audit("tamper-graph-permission-removed.json"));
            expect(rows).to.have.length(1);
            expect(rows[0]).to.include({
                TamperKind: "graphPermission",
                Target: playbookIdentityObjectId,
                Detail: "removed: RoleManagement.ReadWrite.Directory",
                ...eve,
            });
        });

        it("weakening PIM's settings of a watched role alerts, found by template id or by name; an unwatched role is ignored", () => {
            const rows = detect(audit("tamper-pim-role-setting-updated.json"));
            expect(rows.map((row) => row.Target)).to.deep.equal(["Global Administrator", "Privileged Role Administrator"]);
            expect(rows[0]).to.include({ TamperKind: "pimRoleSetting", ...sam });
            expect(rows[0].Detail).to.contain("MFA on activation requirement disabled");
        });

        it("disabling a PIM alert is one alert", () => {
            const rows = detect(audit("tamper-pim-alert-disabled.json"));
            expect(rows.map((row) => [row.TamperKind, row.Target])).to.deep.equal([
                ["pimAlert", "Roles are being assigned outside of Privileged Identity Management"],
            ]);
        });

        it("the deploying identity's own Entra changes raise nothing", () => {
            expect(detect(audit("tamper-by-deployer.json"))).to.deep.equal([]);
        });

        describe("AuditLogs going quiet (the Entra diagnostic setting deleted or changed)", () => {
            /** The records of a fixture, the last of them ingested at `lastIngested`. */
            function lastIngestedAt(lastIngested: string): Tables {
                return { AuditLogs: fixture("auditlogs", "directory-user-global-admin.json").map((row) => ({ ...row, _IngestionTime: lastIngested })) };
            }

            it("alerts once, in the run during which the silence passes 60 minutes", () => {
                const quiet = lastIngestedAt("2026-03-02T09:04:30Z");
                const runs = ["2026-03-02T10:00:00Z", "2026-03-02T10:05:00Z", "2026-03-02T10:10:00Z", "2026-03-02T10:15:00Z"].map((at) => detect(quiet, at));
                expect(runs.map((rows) => rows.length)).to.deep.equal([0, 1, 0, 0]);
                expect(runs[1][0]).to.include({ TamperKind: "auditLogsSilent", Target: "AuditLogs" });
                expect(runs[1][0].Detail).to.contain("2026-03-02T09:04:30").and.to.contain("diagnostic setting");
            });

            it("raises nothing while records keep arriving", () => {
                expect(detect(lastIngestedAt("2026-03-02T09:40:00Z"))).to.deep.equal([]);
            });
        });
    });

    describe("the rule", () => {
        it("is High severity, runs every 5 minutes and looks back over the late-arrival allowance and the silence", () => {
            expect(rule.inputs).to.include({ severity: "High", kind: "Scheduled", enabled: true, queryFrequency: "PT5M", queryPeriod: "PT2H5M" });
            expect(rule.inputs.query)
                .to.contain("let ruleFrequency = 5m;")
                .and.to.contain("let lookBack = 125m;")
                .and.to.contain("let auditLogsSilence = 60m;");
        });

        it("no automation rule runs a playbook for it: its incidents are for people", () => {
            for (const automation of run.ofType("azure-native:securityinsights:AutomationRule")) {
                expect(JSON.stringify(automation.inputs.triggeringLogic)).not.to.contain(rule.id);
            }
        });

        it("takes the deployer's object id from the deployment's client config, and the identity from the playbook's", () => {
            expect(run.invokes.map((invoke) => invoke.token)).to.include("azure-native:authorization:getClientConfig");
            expect(rule.inputs.query).to.contain(`let deployerObjectId = "${deployerObjectId}";`);
            expect(rule.inputs.query).to.contain(`let playbookIdentityObjectId = "${playbookIdentityObjectId}";`);
        });

        it("guards every resource the playbook depends on, by the id the stack declared it with", () => {
            const guarded = [
                detectionRule(run),
                ...run.ofType("azure-native:securityinsights:AutomationRule"),
                ...run.ofType("azure-native:securityinsights:Watchlist"),
                run.playbookWorkflow(),
                run.single("azure-native:resources:Resource"),
                run.single("azure-native:managedidentity:UserAssignedIdentity"),
                run.single("azure-native:resources:ResourceGroup"),
            ];
            const guardedIds = tamperGuardedIds(rule.inputs.query);
            for (const resource of guarded) {
                expect(guardedIds, resource.type).to.include(resource.id.toLowerCase());
            }
        });

        it("compiles without a diagnostic as deployed, fits Sentinel's 10,000 characters, and maps only result columns", () => {
            const columns = assertCleanKql(rule.inputs.query, "deployed tamper query").columns.map((column) => column.name);
            expect(rule.inputs.query.length).to.be.at.most(10_000);
            for (const mapping of rule.inputs.entityMappings as { fieldMappings: { columnName: string }[] }[]) {
                mapping.fieldMappings.forEach((field) => expect(columns).to.include(field.columnName));
            }
            expect(Object.values(rule.inputs.customDetails)).to.have.members([...tamperCustomDetailColumns]);
            tamperCustomDetailColumns.forEach((column) => expect(columns).to.include(column));
            expect(rule.inputs.incidentConfiguration.groupingConfiguration.groupByCustomDetails).to.deep.equal(["TamperKind", "Target"]);
        });
    });
});

describe("the tamper-detection query's settings", () => {
    const base = { deployerObjectId, playbookIdentityObjectId, guardedResourceIds: [] as string[], auditLogsSilenceMinutes: 60 };

    it("are one let line each in kql/, which the component rewrites", () => {
        const text = readAsset("kql", tamperQueryFile);
        for (const name of ["ruleFrequency", "lookBack", "deployerObjectId", "playbookIdentityObjectId", "guardedResourcesByScope", "auditLogsSilence"]) {
            expect(text.match(new RegExp(`^let ${name} = .*;$`, "gm")), name).to.have.length(1);
        }
    });

    it("are refused when the file has none, or two, of a let line, rather than deployed unset", () => {
        expect(() => setLet("print 1", "x.kql", "lookBack", "5m")).to.throw('kql/x.kql must contain exactly one line "let lookBack = <value>;" (found 0)');
        expect(() => setLet("let a = 1;\nlet a = 2;\nprint a", "x.kql", "a", "3")).to.throw("(found 2)");
        expect(setLet("let a = 1;\nprint a", "x.kql", "a", "3")).to.equal("let a = 3;\nprint a");
    });

    it("compare resource ids in lower case, each once, as the activity log's varying case requires", () => {
        const group = "/subscriptions/S/resourceGroups/RG";
        const query = tamperQuery({ ...base, guardedResourceIds: [group, group.toLowerCase(), `${group}/providers/Microsoft.Logic/workflows/Playbook`] });
        expect(tamperGuardedIds(query)).to.deep.equal([
            "/subscriptions/s/resourcegroups/rg",
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.logic/workflows/playbook",
        ]);
    });

    it("leave the deployer empty when the client config has no object id, so every change alerts", () => {
        expect(tamperQuery({ ...base, deployerObjectId: "" })).to.contain('let deployerObjectId = "";');
        expect(tamperQuery({ ...base, deployerObjectId: 'x"; print "injected' })).to.contain('let deployerObjectId = "";');
    });

    it("refuse a silence outside 15 minutes to a day, naming the argument, before declaring anything", async () => {
        const attempt = await runProgram(() => {
            new TamperDetectionRule("tamper", { ...base, workspace: { name: "law", resourceGroupName: "rg" }, auditLogsSilenceMinutes: 5 });
        });
        expect(attempt.error).to.be.instanceOf(ConfigError);
        expect(attempt.error!.message).to.contain("TamperDetectionRuleArgs.auditLogsSilenceMinutes is 5");
        expect(attempt.resources).to.deep.equal([]);
    });
});

describe("the tamper-detection query with the longest names Azure allows", () => {
    // Azure's limits: a resource group's name 90 characters, a Log Analytics workspace's 63, a Logic
    // App's and an API connection's 80, a user-assigned identity's 128, a key vault's 24.
    const subscription = "/subscriptions/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
    const workspace = `${subscription}/resourceGroups/${"g".repeat(90)}/providers/Microsoft.OperationalInsights/workspaces/${"w".repeat(63)}`;
    const sentinel = `${workspace}/providers/Microsoft.SecurityInsights`;
    const playbookGroup = `${subscription}/resourceGroups/${"p".repeat(90)}`;
    const ruleId = (n: number) => `${n}0000000-0000-4000-8000-000000000000`;
    /** What PimGuard guards with every option on (privileged groups, the sweep). */
    const guardedByPimGuard = [
        `${sentinel}/alertRules/${ruleId(1)}`,
        `${sentinel}/automationRules/${ruleId(2)}`,
        `${sentinel}/automationRules/${ruleId(3)}`,
        `${sentinel}/watchlists/PimGuardPrivilegedRoles`,
        `${sentinel}/watchlists/PimGuardExemptPrincipals`,
        `${playbookGroup}/providers/Microsoft.Logic/workflows/${"l".repeat(80)}`,
        `${playbookGroup}/providers/Microsoft.Web/connections/${"c".repeat(80)}`,
        `${playbookGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${"i".repeat(128)}`,
        playbookGroup,
        `${sentinel}/alertRules/${ruleId(4)}`,
        `${sentinel}/watchlists/PimGuardPrivilegedGroups`,
        `${playbookGroup}/providers/Microsoft.Logic/workflows/${"s".repeat(80)}`,
    ];
    /** Room for three more, of the longest kinds: one of them in a resource group of its own. */
    const room = [
        `${playbookGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${"j".repeat(128)}`,
        `${playbookGroup}/providers/Microsoft.Logic/workflows/${"m".repeat(80)}`,
        `${subscription}/resourceGroups/${"v".repeat(90)}/providers/Microsoft.KeyVault/vaults/${"k".repeat(24)}`,
    ];
    const guardedResourceIds = [...guardedByPimGuard, ...room];
    const deployed = tamperQuery({ deployerObjectId, playbookIdentityObjectId, guardedResourceIds, auditLogsSilenceMinutes: 60 });

    /** One run of the query on these AzureActivity and SentinelHealth rows. */
    function detect(tables: Tables): ResultRow[] {
        return compileKql(deployed).run({ AuditLogs: [], AzureActivity: [], SentinelHealth: [], ...tables }, { now, watchlists });
    }

    /** The successful disable of logic-app-disabled-by-user.json, as if made to `id` (the log's ResourceId is upper case). */
    function changeTo(id: string, index: number): Record<string, unknown> {
        const [, success] = fixture("azureactivity", "logic-app-disabled-by-user.json");
        return { ...success, _ResourceId: id, ResourceId: id.toUpperCase(), CorrelationId: `${index}`.padStart(8, "0") + "-2c4b-4f96-8e1a-b7c0d9f2a364" };
    }

    it("cover as many resources as PimGuard guards with every option on", async () => {
        const privilegedGroups = [{ id: "7d3c0d2e-1b4f-4a6e-9c8d-2f1e0a9b8c7d", roles: ["Global Administrator"], reason: "Tier 0" }];
        const everything = await runStack({ ...minimalConfig, "pimguard:privilegedGroups": JSON.stringify(privilegedGroups) });
        if (everything.error) {
            throw everything.error;
        }
        const rule = everything.named("azure-native:securityinsights:ScheduledAlertRule", "pimguard-tamper-detection");
        expect(tamperGuardedIds(rule.inputs.query)).to.have.length(guardedByPimGuard.length);
    });

    it("fit Sentinel's 10,000 characters with all of them and room for three more, and compile cleanly", () => {
        expect(deployed.length).to.be.at.most(10_000);
        expect(assertCleanKql(deployed, "longest tamper query").diagnostics).to.deep.equal([]);
    });

    it("guard exactly those ids, in lower case", () => {
        expect(tamperGuardedIds(deployed)).to.have.members(guardedResourceIds.map((id) => id.toLowerCase()));
    });

    it("alert on a change to each of them, or to a watchlist's item, whatever case the activity log writes", () => {
        const changed = [...guardedResourceIds, `${sentinel}/watchlists/PimGuardExemptPrincipals/watchlistItems/${ruleId(5)}`];
        const rows = detect({ AzureActivity: changed.map(changeTo) });
        expect(rows.map((row) => row.Target)).to.have.members(changed.map((id) => id.toLowerCase()));
    });

    it("raise nothing for the workspace or the resource group the ids are grouped under, nor for a neighbour", () => {
        const neighbours = [
            workspace,
            `${playbookGroup}/providers/Microsoft.Logic/workflows/other`,
            `${subscription}/resourceGroups/${"p".repeat(89)}`,
            `${sentinel}/alertRules/${ruleId(6)}`,
        ];
        expect(detect({ AzureActivity: neighbours.map(changeTo) })).to.deep.equal([]);
    });

    it("report a health failure of a guarded rule", () => {
        const [failure] = fixture("sentinelhealth", "analytics-rule-run-failed.json");
        const rows = detect({ SentinelHealth: [{ ...failure, SentinelResourceId: guardedByPimGuard[0] }] });
        expect(rows.map((row) => [row.TamperKind, row.Target])).to.deep.equal([["sentinelHealth", guardedByPimGuard[0].toLowerCase()]]);
    });
});

describe("AzureActivity and SentinelHealth fixtures", () => {
    const folders: [string, readonly KqlColumn[]][] = [
        ["azureactivity", azureActivityColumns],
        ["sentinelhealth", sentinelHealthColumns],
    ];
    for (const [folder, columns] of folders) {
        const files = fs
            .readdirSync(path.join(fixtures, folder))
            .filter((file) => file.endsWith(".json"))
            .sort();
        const readme = fs.readFileSync(path.join(fixtures, folder, "README.md"), "utf8");

        it(`${folder}: each file is described in its README, and the README names no missing file`, () => {
            const described = [...readme.matchAll(/^\| `([^`]+\.json)` \|/gm)].map((match) => match[1]).sort();
            expect(described).to.deep.equal(files);
        });

        for (const file of files) {
            it(`${folder}/${file} holds rows with exactly the documented columns`, () => {
                for (const [index, row] of fixture(folder, file).entries()) {
                    const { _IngestionTime: ingested, ...values } = row;
                    expect(Object.keys(values), `row ${index}`).to.have.members(columns.map((column) => column.name));
                    expect(ingested, `row ${index} _IngestionTime`).to.be.a("string");
                }
            });
        }
    }
});

function detectionRule(run: StackRun): DeclaredResource {
    return run.named("azure-native:securityinsights:ScheduledAlertRule", "pimguard-detection");
}

function automationRule(run: StackRun): DeclaredResource {
    return run.named("azure-native:securityinsights:AutomationRule", "pimguard-automation");
}

/** An AzureActivity row as if another principal had made the call: Caller and the object id claim. */
function withClaimedObjectId(row: Record<string, unknown>, objectId: string): Record<string, unknown> {
    const claim = "http://schemas.microsoft.com/identity/claims/objectidentifier";
    const claims = { ...(row.Claims_d as Record<string, unknown>), [claim]: objectId };
    return { ...row, Caller: objectId, Claims_d: claims, Claims: JSON.stringify(claims) };
}
