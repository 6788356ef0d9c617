import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { readAsset } from "../components/assets";
import { ConfigError } from "../components/config";
import { DetectionRule, nrtApiVersion, nrtDetectionQuery, sentinelRuleResourceId } from "../components/detection-rule";
import { detectionQueryFile } from "../components/names";
import { assertCleanKql } from "../replay/kql/analysis";
import { CompiledKql, compileKql } from "../replay/kql/replay";
import { burstStream, directoryRecord, privilegedRolesCsv, sentinelSchedules, singleAlerts } from "../bench/remediation-latency";
import { DeclaredResource, minimalConfig, runProgram, runStack, StackRun, subscriptionId } from "./support/stack-harness";
import { tamperGuardedIds } from "./support/tamper-guarded-ids";

const nrtConfig = { ...minimalConfig, "pimguard:detection": "nrt" };
const workspaceId = `/subscriptions/${subscriptionId}/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/law-sentinel`;

/**
 * Sentinel's documented limits for near-real-time rules ("Detect threats quickly with
 * near-real-time (NRT) analytics rules", and the NrtAlertRule definition of the REST API specs,
 * Microsoft.SecurityInsights/preview/2025-10-01-preview/AlertRules.json).
 */
const nrtLimits = {
    /** "hard-coded to run once every minute and capture events ingested in the preceding minute". */
    runEveryMinutes: 1,
    /** "up to 30 single-event alerts": more yield 29 alerts and a 30th that summarizes the rest. */
    alertsPerRun: 30,
    /** "No more than 50 rules can be defined per customer". */
    rulesPerCustomer: 50,
    queryCharacters: 10_000,
    /** The stack's own, stricter limits for both kinds (Sentinel allows more entity mappings in newer API versions). */
    entityMappings: 5,
    customDetails: 20,
    requiredProperties: ["displayName", "enabled", "severity", "query", "suppressionEnabled", "suppressionDuration"],
    optionalProperties: [
        "alertRuleTemplateName",
        "templateVersion",
        "description",
        "tactics",
        "techniques",
        "subTechniques",
        "incidentConfiguration",
        "customDetails",
        "entityMappings",
        "alertDetailsOverride",
        "eventGroupingSettings",
        "sentinelEntitiesMappings",
    ],
    /** A scheduled rule's; an NRT rule has none of them. */
    scheduledOnlyProperties: ["queryFrequency", "queryPeriod", "triggerOperator", "triggerThreshold"],
};

function nrtRuleOf(run: StackRun): DeclaredResource {
    return run.named("azure-native:resources:Resource", "pimguard-detection");
}

describe("near-real-time detection (pimguard:detection = nrt)", () => {
    let nrt: StackRun;
    let scheduled: StackRun;
    let rule: DeclaredResource;

    before(async () => {
        // One at a time: the mock runtime is global.
        nrt = await runStack(nrtConfig);
        scheduled = await runStack(minimalConfig);
        for (const run of [nrt, scheduled]) {
            if (run.error) {
                throw run.error;
            }
        }
        rule = nrtRuleOf(nrt);
    });

    describe("the declared resource", () => {
        it("is the NRT kind of Microsoft.SecurityInsights/alertRules under the workspace, at the newest preview API version that has it", () => {
            expect(rule.inputs).to.include({
                resourceGroupName: "rg-sentinel",
                resourceProviderNamespace: "Microsoft.OperationalInsights",
                parentResourcePath: "workspaces/law-sentinel/providers/Microsoft.SecurityInsights",
                resourceType: "alertRules",
                apiVersion: "2025-10-01-preview",
                kind: "NRT",
            });
            expect(nrtApiVersion).to.match(/-preview$/);
            expect(rule.inputs.resourceName).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        });

        it("replaces the scheduled rule, under a GUID of its own, so switching kinds never deletes the rule just written", () => {
            expect(nrt.ofType("azure-native:securityinsights:ScheduledAlertRule").map((candidate) => candidate.name)).to.deep.equal([
                "pimguard-tamper-detection",
            ]);
            const scheduledRule = scheduled.named("azure-native:securityinsights:ScheduledAlertRule", "pimguard-detection");
            expect(rule.inputs.resourceName).not.to.equal(scheduledRule.inputs.ruleId);
        });

        it("carries the properties NrtAlertRule requires, none it lacks, and no schedule", () => {
            const properties = Object.keys(rule.inputs.properties);
            expect(properties).to.include.members(nrtLimits.requiredProperties);
            expect([...nrtLimits.requiredProperties, ...nrtLimits.optionalProperties]).to.include.members(properties);
            nrtLimits.scheduledOnlyProperties.forEach((name) => expect(properties).not.to.include(name));
        });

        it("raises the same alerts as the scheduled rule: severity, entities, custom details, title and incident grouping", () => {
            const scheduledRule = scheduled.named("azure-native:securityinsights:ScheduledAlertRule", "pimguard-detection");
            for (const name of [
                "displayName",
                "description",
                "severity",
                "tactics",
                "techniques",
                "enabled",
                "suppressionEnabled",
                "suppressionDuration",
                "eventGroupingSettings",
                "entityMappings",
                "customDetails",
                "alertDetailsOverride",
                "incidentConfiguration",
            ]) {
                expect(rule.inputs.properties[name], name).to.deep.equal(scheduledRule.inputs[name]);
            }
            expect(rule.inputs.properties.eventGroupingSettings).to.deep.equal({ aggregationKind: "AlertPerResult" });
        });
    });

    describe("its id, which the automation rule matches incidents on", () => {
        it("is the id Sentinel names in an incident's relatedAnalyticRuleIds, and what the automation rule and the outputs carry", () => {
            const expected = `${workspaceId}/providers/Microsoft.SecurityInsights/alertRules/${rule.inputs.resourceName}`;
            expect(nrt.outputs.ruleResourceId).to.equal(expected);
            expect(nrt.outputs.ruleId).to.equal(rule.inputs.resourceName);
            const automations = nrt.ofType("azure-native:securityinsights:AutomationRule");
            expect(automations).to.have.length(2);
            for (const automation of automations) {
                expect(automation.inputs.triggeringLogic.conditions[0].conditionProperties.propertyValues).to.deep.equal([expected]);
            }
        });

        it("is spelt as the scheduled rule's is, not as azure-native spells a generic resource's id", () => {
            // The generic resource's own id comes from the Resources API's path template: "resourcegroups".
            expect(rule.id).to.contain("/resourcegroups/rg-sentinel/");
            expect(nrt.outputs.ruleResourceId).not.to.equal(rule.id);
            expect(nrt.outputs.ruleResourceId).to.equal(sentinelRuleResourceId(rule.id));
            const scheduledRule = scheduled.named("azure-native:securityinsights:ScheduledAlertRule", "pimguard-detection");
            expect(sentinelRuleResourceId(rule.id).replace(rule.inputs.resourceName, "")).to.equal(scheduledRule.id.replace(scheduledRule.inputs.ruleId, ""));
        });

        it("is the relatedAnalyticRuleIds shape of a real incident, resourceGroups and all", () => {
            const body = fs.readFileSync(path.join(__dirname, "fixtures", "incidents", "sentinel-trigger-body.json"), "utf8");
            const [related] = JSON.parse(body).object.properties.relatedAnalyticRuleIds as string[];
            const shape = (id: string) => id.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<guid>");
            expect(shape(nrt.outputs.ruleResourceId as string)).to.equal(shape(related));
        });

        it("is guarded by the tamper-detection rule", () => {
            const tamper = nrt.named("azure-native:securityinsights:ScheduledAlertRule", "pimguard-tamper-detection");
            expect(tamperGuardedIds(tamper.inputs.query)).to.include((nrt.outputs.ruleResourceId as string).toLowerCase());
        });
    });

    describe("its query: kql/role-assigned-outside-pim.kql without the scheduled timing", () => {
        const file = readAsset("kql", detectionQueryFile);
        const query = nrtDetectionQuery();
        let compiled: CompiledKql;

        before(() => {
            compiled = compileKql(query);
        });

        it("is what is deployed", () => {
            expect(rule.inputs.properties.query).to.equal(query);
        });

        it("differs from the file only by the two timing lets and their two filters", () => {
            const removed = file.split("\n").filter((line) => !query.split("\n").includes(line));
            expect(removed.map((line) => line.trim())).to.deep.equal([
                "let ruleFrequency = 5m;",
                "let lookBack = 65m;",
                "| where TimeGenerated > ago(lookBack)",
                "| where ingestion_time() > ago(ruleFrequency)",
            ]);
        });

        it("compiles without a diagnostic to the scheduled query's columns, within Sentinel's limits", () => {
            const nrtColumns = assertCleanKql(query, "NRT query").columns;
            expect(nrtColumns).to.deep.equal(assertCleanKql(file, detectionQueryFile).columns);
            expect(query.length).to.be.at.most(nrtLimits.queryCharacters);
            expect(rule.inputs.properties.entityMappings.length).to.be.at.most(nrtLimits.entityMappings);
            expect(Object.keys(rule.inputs.properties.customDetails).length).to.be.at.most(nrtLimits.customDetails);
        });

        it("is refused, naming the line, if the file no longer has a scheduled-only line or uses the timing elsewhere", () => {
            expect(() => nrtDetectionQuery(file.replace("let lookBack = 65m;\n", ""))).to.throw(/exactly one line matching .*lookBack/);
            const elsewhere = file.replace(
                '| where Category == "RoleManagement";',
                '| where Category == "RoleManagement"\n    | where TimeGenerated > ago(lookBack * 2);',
            );
            expect(() => nrtDetectionQuery(elsewhere)).to.throw(
                "uses the scheduled timing outside the lines an NRT rule drops: | where TimeGenerated > ago(lookBack * 2);",
            );
        });

        it("leaves the ingestion window to Sentinel: no ingestion_time(), no TimeGenerated bound that would drop a late record", () => {
            const code = query
                .split("\n")
                .filter((line) => !line.trim().startsWith("//"))
                .join("\n");
            expect(code).not.to.match(/ingestion_time\(\)|TimeGenerated\s*>|ago\(/);
        });

        it("catches, in the run during which it arrived, a record generated three hours earlier", () => {
            const records = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "auditlogs", "directory-user-global-admin.json"), "utf8")) as Record<
                string,
                unknown
            >[];
            const late = records.map((record) => ({ ...record, TimeGenerated: "2026-03-02T07:00:10Z", _IngestionTime: "2026-03-02T10:04:20Z" }));
            const watchlists = {
                PimGuardPrivilegedRoles: fs.readFileSync(path.join(__dirname, "fixtures", "watchlists", "PimGuardPrivilegedRoles.csv"), "utf8"),
            };
            const runAt = (minute: string) =>
                compiled.run(late, { now: `2026-03-02T10:0${minute}:00Z`, ingestedAfter: `2026-03-02T10:0${Number(minute) - 1}:00Z`, watchlists });
            expect(["4", "5", "6"].map((minute) => runAt(minute).length)).to.deep.equal([0, 1, 0]);
        });
    });

    describe("Sentinel's NRT limits", () => {
        it("pimguard declares one NRT rule, far within the 50 a customer may have", () => {
            const nrtRules = nrt.ofType("azure-native:resources:Resource").filter((resource) => resource.inputs.kind === "NRT");
            expect(nrtRules).to.have.length(1);
            expect(nrtRules.length).to.be.below(nrtLimits.rulesPerCustomer);
        });

        it("a run alerts once per assignment it returns, so more than 30 in one minute leave all but 29 to a summary alert", () => {
            // One alert per result row (AlertPerResult), and one row per assignment.
            expect(rule.inputs.properties.eventGroupingSettings.aggregationKind).to.equal("AlertPerResult");
            const start = Date.parse("2026-03-02T10:00:00Z");
            const burst = burstStream(35, start);
            const runAt = start + 2 * nrtLimits.runEveryMinutes * 60_000;
            const rows = compileKql(nrtDetectionQuery()).run(burst.map(directoryRecord), {
                now: new Date(runAt).toISOString(),
                ingestedAfter: new Date(runAt - nrtLimits.runEveryMinutes * 60_000).toISOString(),
                watchlists: { PimGuardPrivilegedRoles: privilegedRolesCsv() },
            });
            expect(rows).to.have.length(35);
            // The bench counts those rows as Sentinel documents it.
            expect(sentinelSchedules.nrt.alertsPerRun).to.equal(nrtLimits.alertsPerRun);
            expect(singleAlerts(rows.length, sentinelSchedules.nrt)).to.equal(29);
            expect(singleAlerts(30, sentinelSchedules.nrt)).to.equal(30);
            expect(singleAlerts(rows.length, sentinelSchedules.scheduled)).to.equal(35);
        });
    });

    describe("settings an NRT rule cannot honour", () => {
        it("a frequency is refused, naming both keys, before any resource is declared", async () => {
            const attempt = await runStack({ ...nrtConfig, "pimguard:ruleFrequencyMinutes": "15" });
            expect(attempt.error).to.be.instanceOf(ConfigError);
            expect(attempt.error!.message).to.contain('pimguard:ruleFrequencyMinutes is 15, but pimguard:detection is "nrt"');
            expect(attempt.resources).to.deep.equal([]);
        });

        it("the DetectionRule component refuses it too, when composed on its own", async () => {
            const attempt = await runProgram(() => {
                new DetectionRule("detection", { workspace: { name: "law", resourceGroupName: "rg" }, detection: "nrt", ruleFrequencyMinutes: 60 });
            });
            expect(attempt.error).to.be.instanceOf(ConfigError);
            expect(attempt.error!.message).to.contain('DetectionRuleArgs.ruleFrequencyMinutes is 60, but DetectionRuleArgs.detection is "nrt"');
            expect(attempt.resources).to.deep.equal([]);
        });
    });
});
