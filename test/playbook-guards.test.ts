import { expect } from "chai";
import { securedPlaceholder } from "../replay/logic-apps/engine";
import { replayIncident, ReplayOptions, ReplayReport } from "../replay/logic-apps/replay";
import { alert, AlertSpec, assignment, directory, incident, people, roles, ruleId } from "./support/incidents";
import { failureTag } from "./support/replay-fixtures";

const webhook = "https://hooks.example.com/services/T000/B000/secret-token";
const standing = directory([assignment("standing", people.alice, roles.globalAdministrator)]);

/** The custom details the detection rule writes for Alice made Global Administrator tenant-wide. */
function details(overrides: Record<string, string[]> = {}): Record<string, string[]> {
    return {
        RoleTemplateId: [roles.globalAdministrator],
        RoleName: ["Global Administrator"],
        PrincipalId: [people.alice],
        PrincipalType: ["User"],
        PrincipalName: ["alice@contoso.com"],
        DirectoryScopeId: ["/"],
        Exempt: ["False"],
        Signal: ["directory"],
        ...overrides,
    };
}

function withDetails(customDetails: Record<string, string[]> | string): AlertSpec {
    return { principalId: people.alice, roleTemplateId: roles.globalAdministrator, customDetails };
}

function replay(alerts: readonly Record<string, unknown>[], options: Partial<ReplayOptions> = {}): ReplayReport {
    return replayIncident({ incident: incident(alerts), directory: standing, analyticsRuleIds: [ruleId], ...options });
}

function expectEscalated(report: ReplayReport): void {
    expect(report.incident).to.include({ status: "New", severity: "High" });
    expect(report.incident.tags).to.include(failureTag);
    expect(report.status).to.equal("Failed");
}

describe("remediation playbook guards (the definition replayed)", () => {
    it("control case: a well-formed alert from this stack's rule is reconciled and the incident closed", () => {
        const report = replay([alert(withDetails(details()))]);
        expect(report.directory.roleAssignments).to.deep.equal([]);
        expect(report.incident.status).to.equal("Closed");
    });

    it("compares ids case-insensitively and sends Graph the lower-case form", () => {
        const report = replay([
            alert(withDetails(details({ PrincipalId: [people.alice.toUpperCase()], RoleTemplateId: [roles.globalAdministrator.toUpperCase()] }))),
        ]);
        expect(decodeURIComponent(report.graphCalls[0]!.url)).to.contain(
            `principalId eq '${people.alice}' and roleDefinitionId eq '${roles.globalAdministrator}'`,
        );
        expect(report.directory.roleAssignments).to.deep.equal([]);
    });

    describe("malformed custom details: nothing is called, the incident is escalated and says why", () => {
        const malformed: [string, Record<string, string[]> | string, string][] = [
            ["a PrincipalId that is not a GUID", details({ PrincipalId: ["eve@contoso.com"] }), "PrincipalId is not a GUID"],
            ["a PrincipalId one character short", details({ PrincipalId: [people.alice.slice(1)] }), "PrincipalId is not a GUID"],
            ["a PrincipalId with a non-hex character", details({ PrincipalId: [`g${people.alice.slice(1)}`] }), "PrincipalId is not a GUID"],
            ["a PrincipalId that is only the GUID pattern", details({ PrincipalId: ["xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"] }), "PrincipalId is not a GUID"],
            ["a PrincipalId carrying an OData filter clause", details({ PrincipalId: [`${people.alice}' or principalId ne '`] }), "PrincipalId is not a GUID"],
            ["a RoleTemplateId that is a role name", details({ RoleTemplateId: ["Global Administrator"] }), "RoleTemplateId is not a GUID"],
            ["an unknown PrincipalType", details({ PrincipalType: ["Device"] }), "PrincipalType is not User, ServicePrincipal or Group"],
            ["an Exempt flag that is neither True nor False", details({ Exempt: ["maybe"] }), "Exempt is neither True nor False"],
            ["two principal ids in one alert", details({ PrincipalId: [people.alice, people.bob] }), "exactly one value"],
            ["a missing PrincipalId", Object.fromEntries(Object.entries(details()).filter(([key]) => key !== "PrincipalId")), "exactly one value"],
            ["custom details that are not JSON", "{PrincipalId: eve", "custom details are missing or are not the JSON object"],
            ["custom details that are a JSON array", "[1, 2]", "custom details are missing or are not the JSON object"],
        ];
        for (const [what, customDetails, reason] of malformed) {
            it(`${what}: no Graph call; the comment says "${reason}"`, () => {
                const report = replay([alert(withDetails(customDetails))]);
                expect(report.graphCalls).to.deep.equal([]);
                expect(report.comments).to.have.length(1);
                expect(report.comments[0]).to.contain(reason).and.contain("Nothing was removed");
                expectEscalated(report);
            });
        }

        it("an incident without alerts: nothing is called and the incident is escalated", () => {
            const report = replay([]);
            expect(report.graphCalls).to.deep.equal([]);
            expect(report.comments[0]).to.contain("carries no alerts");
            expectEscalated(report);
        });

        it("a malformed alert beside a good one: the good one is reconciled, the incident is escalated, not closed", () => {
            const report = replay([alert(withDetails("not json")), alert(withDetails(details()))]);
            expect(report.directory.roleAssignments).to.deep.equal([]);
            expect(report.comments[0]).to.contain("Processed 2 of 2 alert(s)");
            expectEscalated(report);
        });
    });

    describe("exempt principals: nothing is called, the incident stays open and says why", () => {
        it("an alert flagged Exempt (in any letter case) by the watchlist", () => {
            const report = replay([alert(withDetails(details({ Exempt: ["TRUE"] })))]);
            expect(report.graphCalls).to.deep.equal([]);
            expect(report.comments[0]).to.contain("marked in the PimGuardExemptPrincipals watchlist");
            expect(report.incident).to.include({ status: "New", severity: "Medium" });
            expect(report.status).to.equal("Succeeded");
        });

        it("a principal in the exemptPrincipalIds parameter, even when the watchlist says False", () => {
            const report = replay([alert(withDetails(details()))], { exemptPrincipalIds: [people.alice] });
            expect(report.graphCalls).to.deep.equal([]);
            expect(report.comments[0]).to.contain("listed in the playbook's exemptPrincipalIds parameter");
            expect(report.incidentUpdates).to.deep.equal([]);
        });

        it("an exempt principal whose details are also malformed is treated as malformed (escalated)", () => {
            const report = replay([alert(withDetails(details({ Exempt: ["True"], PrincipalType: ["Device"] })))]);
            expect(report.graphCalls).to.deep.equal([]);
            expectEscalated(report);
        });
    });

    describe("what the comment shows and what run history keeps", () => {
        it("escapes HTML in a principal's display name, which whoever created the principal chose", () => {
            const report = replay([alert(withDetails(details({ PrincipalName: ["<img src=x onerror=alert(1)>"] })))]);
            expect(report.comments[0]).to.contain("&lt;img src=x onerror=alert(1)&gt;").and.not.contain("<img");
        });

        it("posts one notification and keeps the webhook URL out of run history", () => {
            const report = replay([alert(withDetails(details()))], { notificationWebhookUrl: webhook, trace: true });
            expect(report.notifications).to.have.length(1);
            expect(report.notifications[0]).to.deep.include({ source: "pimguard", outcome: "close", alertOutcomes: ["removed"] });
            for (const name of ["Read_notification_webhook_url", "Post_notification"]) {
                const record = report.trace!.find((entry) => entry.name === name);
                expect(record?.inputs, name).to.equal(securedPlaceholder);
                expect(record?.outputs, name).to.equal(securedPlaceholder);
            }
            expect(JSON.stringify(report)).to.not.contain(webhook);
        });

        it("sends no notification when none is configured", () => {
            expect(replay([alert(withDetails(details()))]).notifications).to.deep.equal([]);
        });

        it("never closes an incident whose comment could not be posted (no Sentinel Responder): the run fails instead", () => {
            const report = replay([alert(withDetails(details()))], { sentinelResponder: false });
            expect(report.comments).to.deep.equal([]);
            expect(report.incident.status).to.equal("New");
            expect(report.status).to.equal("Failed");
        });
    });
});
