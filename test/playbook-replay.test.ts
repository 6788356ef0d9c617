import { expect } from "chai";
import { loadPlaybookDefinition } from "../components/playbook-definition";
import { DirectoryState } from "../replay/logic-apps/directory-state";
import { GraphCall } from "../replay/logic-apps/fake-graph";
import { replayIncident, ReplayOptions, ReplayReport } from "../replay/logic-apps/replay";
import { administrativeUnitScope, assignments, directoryFixture, failureTag, incidentFixture, principals, withFaults } from "./support/replay-fixtures";

const tenant = directoryFixture("tenant");
const allTenantAssignmentIds = tenant.roleAssignments.map((assignment) => assignment.id);

function replay(incident: string, options: Partial<ReplayOptions> = {}): ReplayReport {
    return replayIncident({ incident: incidentFixture(incident), directory: tenant, ...options });
}

function remainingAssignmentIds(report: ReplayReport): string[] {
    return report.directory.roleAssignments.map((assignment) => assignment.id);
}

function tenantWithout(...removed: string[]): string[] {
    return allTenantAssignmentIds.filter((id) => !removed.includes(id));
}

function callsTo(report: ReplayReport, method: string, pathPart: string): GraphCall[] {
    return report.graphCalls.filter((call) => call.method === method && call.url.includes(pathPart));
}

function revocationsOf(report: ReplayReport, principalId: string): GraphCall[] {
    return callsTo(report, "POST", `/v1.0/users/${principalId}/revokeSignInSessions`);
}

function expectClosedAsTruePositive(report: ReplayReport): void {
    expect(report.incident.status).to.equal("Closed");
    expect(report.incident.classification).to.equal("TruePositive - SuspiciousActivity");
    expect(report.incident.tags).to.not.include(failureTag);
}

function expectLeftOpenUntouched(report: ReplayReport): void {
    expect(report.incident.status).to.equal("New");
    expect(report.incident.severity).to.equal("Medium");
    expect(report.incidentUpdates).to.deep.equal([]);
}

function expectEscalated(report: ReplayReport): void {
    expect(report.incident.status).to.equal("New");
    expect(report.incident.severity).to.equal("High");
    expect(report.incident.tags).to.include(failureTag);
    expect(report.status).to.equal("Failed");
}

function onlyComment(report: ReplayReport): string {
    expect(report.comments).to.have.length(1);
    return report.comments[0]!;
}

describe("playbook replay: a trigger body exactly as Sentinel sends it", () => {
    let report: ReplayReport;

    before(() => {
        report = replay("sentinel-trigger-body");
    });

    it("reads lowercase alerts and the custom details string as the capital-A fixtures are read", () => {
        expect(remainingAssignmentIds(report)).to.have.members(tenantWithout(assignments.aliceGlobalAdmin));
        expect(onlyComment(report)).to.include(`Removed assignment ${assignments.aliceGlobalAdmin}`).and.to.include("Processed 1 of 1 alert(s)");
        expectClosedAsTruePositive(report);
    });

    it("does the same as the fixture that spells the alerts Alerts", () => {
        const capitalised = replay("user-global-admin");
        expect(report.directory).to.deep.equal(capitalised.directory);
        expect(report.graphCalls.map((call) => `${call.method} ${call.status}`)).to.deep.equal(
            capitalised.graphCalls.map((call) => `${call.method} ${call.status}`),
        );
    });
});

describe("playbook replay: the deployed definition against recorded incidents", () => {
    describe("a user assigned Global Administrator outside PIM", () => {
        let report: ReplayReport;

        before(() => {
            report = replay("user-global-admin");
        });

        it("loses exactly that assignment and nothing else", () => {
            expect(remainingAssignmentIds(report)).to.have.members(tenantWithout(assignments.aliceGlobalAdmin));
        });

        it("has their sign-in sessions revoked", () => {
            expect(revocationsOf(report, principals.alice).map((call) => call.status)).to.deep.equal([200]);
        });

        it("gets one comment naming the removed assignment and the revocation", () => {
            const comment = onlyComment(report);
            expect(comment).to.include(`Removed assignment ${assignments.aliceGlobalAdmin}`);
            expect(comment).to.include("Global Administrator");
            expect(comment).to.include("alice@contoso.com");
            expect(comment).to.match(/Revoked the user's sign-in sessions/);
        });

        it("closes the incident as TruePositive - SuspiciousActivity and the run succeeds", () => {
            expectClosedAsTruePositive(report);
            expect(report.status).to.equal("Succeeded");
        });

        it("lists the assignments with the principal and role in Graph's $filter", () => {
            const [listing] = callsTo(report, "GET", "/v1.0/roleManagement/directory/roleAssignments");
            const filter = new URL(listing!.url).searchParams.get("$filter");
            expect(filter).to.equal(`principalId eq '${principals.alice}' and roleDefinitionId eq '62e90394-69f5-4237-9190-012177145e10'`);
        });

        it("stays within a budget of 35 billed action executions", () => {
            expect(report.actionsExecuted).to.be.within(1, 35);
        });
    });

    it("a service principal loses the assignment and no session revocation is attempted", () => {
        const report = replay("service-principal");
        expect(remainingAssignmentIds(report)).to.have.members(tenantWithout(assignments.deployAutomationPrivilegedRoleAdmin));
        expect(callsTo(report, "POST", "revokeSignInSessions")).to.deep.equal([]);
        expect(onlyComment(report)).to.include(`Removed assignment ${assignments.deployAutomationPrivilegedRoleAdmin}`);
        expectClosedAsTruePositive(report);
    });

    it("a role-assignable group loses the assignment and no session revocation is attempted", () => {
        const report = replay("group");
        expect(remainingAssignmentIds(report)).to.have.members(tenantWithout(assignments.helpdeskGroupGlobalAdmin));
        expect(callsTo(report, "POST", "revokeSignInSessions")).to.deep.equal([]);
        expectClosedAsTruePositive(report);
    });

    describe("an assignment scoped to an administrative unit", () => {
        let report: ReplayReport;

        before(() => {
            report = replay("au-scoped");
        });

        it("is removed at its scope", () => {
            expect(remainingAssignmentIds(report)).to.not.include(assignments.aliceUserAdminInAdministrativeUnit);
            expect(onlyComment(report)).to.include(`at scope ${administrativeUnitScope}`);
            expectClosedAsTruePositive(report);
        });

        it("leaves a tenant-wide assignment of the same role to the same principal alone: the alert did not name it", () => {
            expect(remainingAssignmentIds(report)).to.have.members(tenantWithout(assignments.aliceUserAdminInAdministrativeUnit));
            expect(remainingAssignmentIds(report)).to.include(assignments.aliceUserAdminTenantWide);
        });
    });

    it("two alerts grouped into one incident are both handled, in one comment and one closing update", () => {
        const report = replay("two-alerts");
        expect(remainingAssignmentIds(report)).to.have.members(tenantWithout(assignments.aliceGlobalAdmin, assignments.deployAutomationPrivilegedRoleAdmin));
        const comment = onlyComment(report);
        expect(comment).to.include("alice@contoso.com").and.include("deploy-automation");
        expect(revocationsOf(report, principals.alice)).to.have.length(1);
        expect(report.incidentUpdates).to.have.length(1);
        expectClosedAsTruePositive(report);
    });

    describe("an exempt principal is reported and never touched", () => {
        it("when the exemptions watchlist flagged the alert (Exempt: True)", () => {
            const report = replay("exempt-flag");
            expect(report.directory).to.deep.equal(tenant);
            expect(report.graphCalls).to.deep.equal([]);
            expect(onlyComment(report)).to.match(/Nothing was removed: the principal is exempt \(marked in the PimGuardExemptPrincipals watchlist\)/);
            expectLeftOpenUntouched(report);
        });

        it("when only the playbook's exemptPrincipalIds parameter lists it, so a watchlist edit alone cannot expose it", () => {
            const report = replay("break-glass-unflagged", { exemptPrincipalIds: [principals.breakGlass.toUpperCase()] });
            expect(report.directory).to.deep.equal(tenant);
            expect(report.graphCalls).to.deep.equal([]);
            expect(onlyComment(report)).to.include("exemptPrincipalIds");
            expectLeftOpenUntouched(report);
        });

        it("while the same alert without the exemption is remediated", () => {
            const report = replay("break-glass-unflagged");
            expect(remainingAssignmentIds(report)).to.not.include(assignments.breakGlassGlobalAdmin);
        });
    });

    it("reportOnly mode changes nothing and says what it would remove and revoke", () => {
        const report = replay("user-global-admin", { mode: "reportOnly" });
        expect(report.directory).to.deep.equal(tenant);
        expect(report.graphCalls.map((call) => call.method)).to.deep.equal(["GET"]);
        const comment = onlyComment(report);
        expect(comment).to.include(`Would remove assignment ${assignments.aliceGlobalAdmin} at scope /`);
        expect(comment).to.include("Would revoke the user's sign-in sessions");
        expectLeftOpenUntouched(report);
    });

    describe("an assignment that is already gone counts as removed", () => {
        it("when Graph lists no matching assignment: success, no failure tag", () => {
            const report = replay("user-global-admin", { directory: directoryFixture("already-removed") });
            expect(callsTo(report, "DELETE", "roleAssignments")).to.deep.equal([]);
            expect(onlyComment(report)).to.include("already removed");
            expectClosedAsTruePositive(report);
            expect(report.status).to.equal("Succeeded");
        });

        it("when it disappears between the listing and the delete (Graph answers 404)", () => {
            const directory = withFaults(tenant, { method: "DELETE", path: assignments.aliceGlobalAdmin, status: 404, times: 1 });
            const report = replay("user-global-admin", { directory });
            expect(callsTo(report, "DELETE", assignments.aliceGlobalAdmin).map((call) => call.status)).to.deep.equal([404]);
            expect(onlyComment(report)).to.match(
                new RegExp(`${assignments.aliceGlobalAdmin} at scope / was already removed \\(Graph answered 404 Request_ResourceNotFound\\)`),
            );
            expectClosedAsTruePositive(report);
        });
    });

    describe("a delete Graph refuses with 403", () => {
        let report: ReplayReport;

        before(() => {
            report = replay("user-global-admin", { directory: directoryFixture("delete-forbidden") });
        });

        it("removes nothing and is not retried (403 is not transient)", () => {
            expect(remainingAssignmentIds(report)).to.have.members(allTenantAssignmentIds);
            expect(callsTo(report, "DELETE", "roleAssignments").map((call) => call.status)).to.deep.equal([403]);
        });

        it("leaves the incident open with severity High, the failure tag, and Graph's status and error in the comment", () => {
            expectEscalated(report);
            const comment = onlyComment(report);
            expect(comment).to.include("HTTP 403 Authorization_RequestDenied: Insufficient privileges to complete the operation.");
            expect(report.incident.classification).to.equal(undefined);
        });

        it("still revokes the user's sessions, whose tokens may carry the role", () => {
            expect(revocationsOf(report, principals.alice)).to.have.length(1);
        });
    });

    it("a delete throttled twice (429) succeeds on the third attempt, each attempt reported", () => {
        const report = replay("user-global-admin", { directory: directoryFixture("throttled") });
        expect(callsTo(report, "DELETE", assignments.aliceGlobalAdmin).map((call) => call.status)).to.deep.equal([429, 429, 204]);
        expect(remainingAssignmentIds(report)).to.not.include(assignments.aliceGlobalAdmin);
        expectClosedAsTruePositive(report);
    });

    it("a delete that keeps failing with 503 is tried five times (exponential policy, 4 retries) and then escalated", () => {
        const directory = withFaults(tenant, { method: "DELETE", path: "/roleAssignments/", status: 503, times: 10 });
        const report = replay("user-global-admin", { directory });
        expect(callsTo(report, "DELETE", "roleAssignments").map((call) => call.status)).to.deep.equal([503, 503, 503, 503, 503]);
        expect(onlyComment(report)).to.include("HTTP 503");
        expectEscalated(report);
    });

    it("a listing Graph refuses leaves the assignment, escalates and says why", () => {
        const directory = withFaults(tenant, { method: "GET", path: "/roleAssignments", status: 403, times: 1 });
        const report = replay("user-global-admin", { directory });
        expect(report.directory.roleAssignments).to.deep.equal(tenant.roleAssignments);
        expect(onlyComment(report)).to.include("listing the role assignments failed with HTTP 403 Authorization_RequestDenied");
        expectEscalated(report);
    });

    describe("an alert the playbook cannot trust makes no Graph call at all", () => {
        it("custom details that are not JSON", () => {
            const report = replay("malformed-custom-details");
            expect(report.graphCalls).to.deep.equal([]);
            expect(report.directory).to.deep.equal(tenant);
            expect(onlyComment(report)).to.include("custom details are missing or are not the JSON object");
            expectEscalated(report);
        });

        it("ids that are not GUIDs (an injected filter clause, a role name instead of its template id)", () => {
            const report = replay("non-guid-ids");
            expect(report.graphCalls).to.deep.equal([]);
            expect(report.directory).to.deep.equal(tenant);
            expect(onlyComment(report)).to.include("PrincipalId is not a GUID").and.include("RoleTemplateId is not a GUID");
            expectEscalated(report);
        });
    });

    describe("switches", () => {
        it("revokeSessions false removes the assignment without revoking sessions", () => {
            const report = replay("user-global-admin", { revokeSessions: false });
            expect(remainingAssignmentIds(report)).to.not.include(assignments.aliceGlobalAdmin);
            expect(callsTo(report, "POST", "revokeSignInSessions")).to.deep.equal([]);
        });

        it("closeIncidents false remediates but leaves the incident open", () => {
            const report = replay("user-global-admin", { closeIncidents: false });
            expect(remainingAssignmentIds(report)).to.not.include(assignments.aliceGlobalAdmin);
            expectLeftOpenUntouched(report);
        });
    });

    describe("notifications", () => {
        const webhookUrl = "https://hooks.example.com/services/T0KEN/s3cret-path";

        it("post one summary to the webhook read from Key Vault, and the URL appears nowhere in the report", () => {
            const report = replay("user-global-admin", { notificationWebhookUrl: webhookUrl, trace: true });
            expect(report.notifications).to.have.length(1);
            expect(report.notifications[0]).to.include({ source: "pimguard", incidentNumber: 101, outcome: "close" });
            expect(JSON.stringify(report)).to.not.include("T0KEN").and.not.include("s3cret");
        });

        it("are off by default: no vault read, no post", () => {
            const report = replay("user-global-admin", { trace: true });
            expect(report.notifications).to.deep.equal([]);
            expect(report.trace!.map((record) => record.name)).to.not.include("Read_notification_webhook_url");
        });

        it("hide the secret read and the post from the run history (secureData)", () => {
            const report = replay("user-global-admin", { notificationWebhookUrl: webhookUrl, trace: true });
            const secured = report.trace!.filter((record) => ["Read_notification_webhook_url", "Post_notification"].includes(record.name));
            expect(secured).to.have.length(2);
            for (const record of secured) {
                expect(record.status).to.equal("Succeeded");
                expect(record.inputs).to.equal("<secured by secureData>");
                expect(record.outputs).to.equal("<secured by secureData>");
            }
        });
    });

    describe("a typo in a Graph URI of the definition fails a test", () => {
        function replayWithTypo(correct: string, typo: string): ReplayReport {
            const text = JSON.stringify(loadPlaybookDefinition());
            expect(text).to.include(correct);
            return replay("user-global-admin", { definition: JSON.parse(text.split(correct).join(typo)) as unknown });
        }

        it("in the listing: reported as a 404, nothing removed, incident escalated", () => {
            const report = replayWithTypo('/v1.0/roleManagement/directory/roleAssignments"', '/v1.0/roleManagement/directory/roleAssignment"');
            expect(callsTo(report, "GET", "/roleAssignment?").map((call) => call.status)).to.deep.equal([404]);
            expect(remainingAssignmentIds(report)).to.include(assignments.aliceGlobalAdmin);
            expectEscalated(report);
        });

        it("in the deletion: a 404 for a wrong path is not taken for 'already removed'; the assignment stays and the incident is escalated", () => {
            const report = replayWithTypo("roleAssignments/@{", "roleAssignment/@{");
            expect(callsTo(report, "DELETE", "/roleAssignment/").map((call) => call.status)).to.deep.equal([404]);
            expect(remainingAssignmentIds(report)).to.include(assignments.aliceGlobalAdmin);
            expect(onlyComment(report)).to.include("FAILED to remove assignment").and.not.to.include("already removed");
            expectEscalated(report);
        });

        it("in the revocation: reported as a 404 and escalated", () => {
            const report = replayWithTypo("/revokeSignInSessions", "/revokeSigninSession");
            expect(callsTo(report, "POST", "/revokeSigninSession").map((call) => call.status)).to.deep.equal([404]);
            expect(onlyComment(report)).to.include("FAILED to revoke");
            expectEscalated(report);
        });
    });

    it("an empty directory is the default: nothing to remove, the user does not exist", () => {
        const report = replayIncident({ incident: incidentFixture("user-global-admin") });
        const empty: DirectoryState = { roleAssignments: [], users: [], servicePrincipals: [], groups: [], faults: [] };
        expect(report.directory).to.deep.equal(empty);
        expect(revocationsOf(report, principals.alice).map((call) => call.status)).to.deep.equal([404]);
        expectEscalated(report);
    });
});
