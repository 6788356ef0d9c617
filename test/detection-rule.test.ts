import { expect } from "chai";
import { analyzeKql, KqlColumn } from "../replay/kql/analysis";
import { DeclaredResource, minimalConfig, runStack } from "./support/stack-harness";

// Sentinel's limits for a scheduled rule (REST 2024-09-01 and Microsoft's content validation).
const limits = {
    queryCharacters: 10_000,
    entityMappings: 5,
    fieldMappingsPerEntity: 3,
    customDetails: 20,
    customDetailKey: /^[a-zA-Z]+\w*$/,
    customDetailValue: /^[a-zA-Z_]+\w*$/,
    parametersPerOverride: 3,
    minimumMinutes: 5,
    maximumMinutes: 14 * 24 * 60,
};

/** Minutes in an ISO 8601 duration made of days, hours and minutes. */
function minutesOf(duration: string): number {
    const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(duration);
    expect(match, `duration ${duration}`).to.not.equal(null);
    const [, days, hours, minutes] = match!.map((part) => Number(part ?? 0));
    return days * 1440 + hours * 60 + minutes;
}

describe("the deployed analytics rule against its compiled query", () => {
    const configs: Record<string, Record<string, string>> = {
        "the default 5-minute schedule": minimalConfig,
        "a daily schedule": { ...minimalConfig, "pimguard:ruleFrequencyMinutes": "1440" },
        "the longest schedule Sentinel allows": { ...minimalConfig, "pimguard:ruleFrequencyMinutes": "20160" },
    };

    for (const [label, config] of Object.entries(configs)) {
        describe(`with ${label}`, () => {
            let rule: DeclaredResource;
            let columns: KqlColumn[];

            before(async () => {
                const run = await runStack(config);
                if (run.error) {
                    throw run.error;
                }
                rule = run.named("azure-native:securityinsights:ScheduledAlertRule", "pimguard-detection");
                const analysis = analyzeKql(rule.inputs.query);
                expect(analysis.diagnostics, "diagnostics of the deployed query").to.deep.equal([]);
                columns = analysis.columns;
            });

            it("the deployed query compiles without a single diagnostic and fits Sentinel's size limit", () => {
                expect(rule.inputs.query.length).to.be.within(1, limits.queryCharacters);
            });

            it("frequency and look-back are within 5 minutes to 14 days and the look-back covers the frequency", () => {
                const frequency = minutesOf(rule.inputs.queryFrequency);
                const period = minutesOf(rule.inputs.queryPeriod);
                expect(frequency).to.be.within(limits.minimumMinutes, limits.maximumMinutes);
                expect(period).to.be.within(frequency, limits.maximumMinutes);
                expect(rule.inputs.query).to.contain(`let ruleFrequency = ${frequency}m;`).and.to.contain(`let lookBack = ${period}m;`);
            });

            it("every entity-mapping column is a result column, in the same case, within the mapping limits", () => {
                const mappings: { fieldMappings: { columnName: string }[] }[] = rule.inputs.entityMappings;
                expect(mappings.length).to.be.within(1, limits.entityMappings);
                for (const mapping of mappings) {
                    expect(mapping.fieldMappings.length).to.be.within(1, limits.fieldMappingsPerEntity);
                    for (const field of mapping.fieldMappings) {
                        expect(columns.map((column) => column.name)).to.include(field.columnName);
                    }
                }
            });

            it("every custom detail names a result column, in the same case, within the custom-detail limits", () => {
                const details: Record<string, string> = rule.inputs.customDetails;
                expect(Object.keys(details).length).to.be.within(1, limits.customDetails);
                for (const [key, column] of Object.entries(details)) {
                    expect(key).to.match(limits.customDetailKey);
                    expect(column).to.match(limits.customDetailValue);
                    expect(columns.map((resultColumn) => resultColumn.name)).to.include(column);
                }
            });

            it("incident grouping and the alert name use result columns, at most three per format", () => {
                const grouping: string[] = rule.inputs.incidentConfiguration.groupingConfiguration.groupByCustomDetails;
                grouping.forEach((detail) => expect(Object.keys(rule.inputs.customDetails)).to.include(detail));
                for (const format of [rule.inputs.alertDetailsOverride.alertDisplayNameFormat, rule.inputs.alertDetailsOverride.alertDescriptionFormat]) {
                    const placeholders = [...(format as string).matchAll(/\{\{(\w+)\}\}/g)].map((match) => match[1]);
                    expect(placeholders.length).to.be.within(1, limits.parametersPerOverride);
                    placeholders.forEach((name) => expect(columns.map((column) => column.name)).to.include(name));
                }
            });
        });
    }

    it("the checks above bite: a custom detail naming a column the query lacks is caught", () => {
        const columns = analyzeKql("AuditLogs | project TimeGenerated, PrincipalId = tostring(Id)").columns.map((column) => column.name);
        expect(columns).to.include("PrincipalId");
        expect(columns).not.to.include("principalId");
        expect(columns).not.to.include("RoleTemplateId");
    });
});
