import { expect } from "chai";
import { playbookGraphAppRoles } from "../components/azure-ids";
import { loadPlaybookDefinition } from "../components/playbook-definition";
import { DirectoryState } from "../replay/logic-apps/directory-state";
import { GraphCall } from "../replay/logic-apps/fake-graph";
import { replayIncident, ReplayOptions, ReplayReport } from "../replay/logic-apps/replay";
import { administrativeUnit, alert, AlertSpec, assignment, directory, incident, otherRuleGuid, otherRuleId, people, roles, ruleId } from "./support/incidents";
import { directoryFixture, failureTag, incidentFixture } from "./support/replay-fixtures";

const aliceGlobalAdmin: AlertSpec = { principalId: people.alice, roleTemplateId: roles.globalAdministrator };

function replay(alerts: AlertSpec[], state: DirectoryState, options: Partial<ReplayOptions> = {}): ReplayReport {
    return replayIncident({ incident: incident(alerts.map(alert)), directory: state, analyticsRuleIds: [ruleId], ...options });
}

function remaining(report: ReplayReport): string[] {
    return report.directory.roleAssignments.map((entry) => entry.id).sort();
}

function calls(report: ReplayReport, method: string, pathPart: string): GraphCall[] {
    return report.graphCalls.filter((call) => call.method === method && call.url.includes(pathPart));
}

const removalRequests = (report: ReplayReport) => calls(report, "POST", "/roleAssignmentScheduleRequests");
const revocations = (report: ReplayReport) => calls(report, "POST", "/revokeSignInSessions");

function onlyComment(report: ReplayReport): string {
    expect(report.comments).to.have.length(1);
    return report.comments[0]!;
}

function expectClosed(report: ReplayReport): void {
    expect(report.incident).to.include({ status: "Closed", classification: "TruePositive - SuspiciousActivity" });
    expect(report.incident.tags).to.not.include(failureTag);
    expect(report.status).to.equal("Succeeded");
}

function expectEscalated(report: ReplayReport): void {
    expect(report.incident).to.include({ status: "New", severity: "High" });
    expect(report.incident.tags).to.include(failureTag);
    expect(report.status).to.equal("Failed");
}

describe("playbook replay: reconciling against PIM's view of the directory", () => {
    describe("a user assigned Global Administrator outside PIM", () => {
        let report: ReplayReport;

        before(() => {
            report = replay(
                [aliceGlobalAdmin],
                directory([assignment("standing", people.alice, roles.globalAdministrator), assignment("unrelated", people.bob, roles.globalAdministrator)]),
            );
        });

        it("reads PIM's instances of that role for that principal, asks PIM to remove the standing one, and reads again", () => {
            expect(report.graphCalls.map((call) => `${call.method} ${new URL(call.url).pathname} ${call.status}`)).to.deep.equal([
                "GET /v1.0/roleManagement/directory/roleAssignmentScheduleInstances 200",
                "POST /v1.0/roleManagement/directory/roleAssignmentScheduleRequests 201",
                "GET /v1.0/roleManagement/directory/roleAssignmentScheduleInstances 200",
                `GET /v1.0/users/${people.alice} 200`,
                `POST /v1.0/users/${people.alice}/revokeSignInSessions 200`,
            ]);
            expect(decodeURIComponent(report.graphCalls[0]!.url)).to.contain(
                `principalId eq '${people.alice}' and roleDefinitionId eq '${roles.globalAdministrator}'`,
            );
        });

        it("loses the standing assignment and nothing else", () => {
            expect(remaining(report)).to.deep.equal(["unrelated"]);
        });

        it("says on the incident what was removed, that the second reading found nothing standing, and that sessions were revoked", () => {
            const comment = onlyComment(report);
            expect(comment).to.contain("Removed the standing assignment at scope / through PIM");
            expect(comment).to.contain("Verified: no standing assignment of this role is left for this principal.");
            expect(comment).to.contain("Revoked the user's sign-in sessions.");
            expectClosed(report);
        });
    });

    it("keeps a PIM activation while removing a permanent assignment of the same role to the same principal at another scope", () => {
        const state = directory([
            assignment("activation", people.alice, roles.globalAdministrator, "/", {
                assignmentType: "Activated",
                startDateTime: "2026-03-02T09:30:00Z",
                endDateTime: "2026-03-02T17:30:00Z",
            }),
            assignment("standing", people.alice, roles.globalAdministrator, administrativeUnit),
        ]);
        const report = replay([aliceGlobalAdmin], state);
        expect(remaining(report)).to.deep.equal(["activation"]);
        expect(onlyComment(report)).to.contain("Kept: a PIM activation at scope / (instance activation)");
        expectClosed(report);
    });

    it("does not ask PIM to remove a standing assignment that shares its scope with a kept activation: it escalates and removes nothing", () => {
        const state = directory([
            assignment("activation", people.alice, roles.globalAdministrator, "/", { assignmentType: "Activated", endDateTime: "2026-03-02T17:30:00Z" }),
            assignment("standing", people.alice, roles.globalAdministrator, "/"),
        ]);
        const report = replay([aliceGlobalAdmin], state);
        expect(removalRequests(report)).to.deep.equal([]);
        expect(remaining(report)).to.deep.equal(["activation", "standing"]);
        expect(onlyComment(report)).to.contain("FAILED: not removed at scope / (instance standing): it shares its scope with a kept assignment");
        expectEscalated(report);
    });

    it("keeps a time-bound assignment and one held through a group", () => {
        const state = directory([
            assignment("time-bound", people.alice, roles.globalAdministrator, "/", {
                startDateTime: "2026-03-01T00:00:00Z",
                endDateTime: "2026-04-01T00:00:00Z",
            }),
            assignment("through-group", people.alice, roles.globalAdministrator, administrativeUnit, { memberType: "Group" }),
        ]);
        const report = replay([aliceGlobalAdmin], state);
        expect(removalRequests(report)).to.deep.equal([]);
        expect(remaining(report)).to.deep.equal(["through-group", "time-bound"]);
        const comment = onlyComment(report);
        expect(comment).to.contain("Kept: time-bound, until 2026-04-01T00:00:00Z at scope /");
        expect(comment).to.contain("Kept: held through a group (memberType Group)");
        expect(comment).to.contain("Nothing to remove");
        expectClosed(report);
    });

    it("removes the same role at two scopes, both", () => {
        const state = directory([
            assignment("tenant", people.alice, roles.globalAdministrator, "/"),
            assignment("unit", people.alice, roles.globalAdministrator, administrativeUnit),
        ]);
        const report = replay([aliceGlobalAdmin], state);
        expect(remaining(report)).to.deep.equal([]);
        expect(removalRequests(report).map((call) => call.status)).to.deep.equal([201, 201]);
        expectClosed(report);
    });

    it("treats the alert's scope as a hint: when it holds nothing but another scope does, ends remediated only once the other is gone", () => {
        const state = directory([assignment("tenant", people.alice, roles.globalAdministrator, "/")]);
        const report = replay([{ ...aliceGlobalAdmin, directoryScopeId: administrativeUnit }], state);
        expect(remaining(report)).to.deep.equal([]);
        expectClosed(report);
        const refused = replay([{ ...aliceGlobalAdmin, directoryScopeId: administrativeUnit }], {
            ...state,
            faults: [{ method: "POST", path: "/roleAssignmentScheduleRequests", status: 400, code: "BadRequest", times: 1 }],
        });
        expect(remaining(refused)).to.deep.equal(["tenant"]);
        expect(onlyComment(refused)).to.contain("FAILED: still standing after removal at scope / (instance tenant)");
        expectEscalated(refused);
    });

    it("removes once when the same alert is processed twice: the second run finds nothing to remove and says so", () => {
        const first = replay([aliceGlobalAdmin], directory([assignment("standing", people.alice, roles.globalAdministrator)]));
        const second = replay([aliceGlobalAdmin], first.directory);
        expect(removalRequests(first)).to.have.length(1);
        expect(removalRequests(second)).to.deep.equal([]);
        expect(revocations(second)).to.deep.equal([]);
        const comment = onlyComment(second);
        expect(comment).to.contain("Nothing to remove: no standing assignment of this role for this principal.");
        expect(comment).to.not.contain("Removed");
        expectClosed(second);
    });

    it("remediates a second alert added to an open incident, and reports nothing to remove for the first, already handled", () => {
        const bobGlobalAdmin: AlertSpec = { principalId: people.bob, roleTemplateId: roles.globalAdministrator, principalName: "bob@contoso.com" };
        const afterFirst = replay([aliceGlobalAdmin], directory([assignment("alice-standing", people.alice, roles.globalAdministrator)]), {
            closeIncidents: false,
        });
        expect(afterFirst.incident.status, "left open after the first alert").to.equal("New");
        const withSecond = {
            ...afterFirst.directory,
            roleAssignments: [...afterFirst.directory.roleAssignments, assignment("bob-standing", people.bob, roles.globalAdministrator)],
        };
        const report = replay([aliceGlobalAdmin, bobGlobalAdmin], withSecond);
        expect(remaining(report)).to.deep.equal([]);
        const comment = onlyComment(report);
        expect(comment).to.contain("Processed 2 of 2 alert(s)");
        expect(comment.split("<p><b>bob@contoso.com</b>")[1]).to.contain("Removed the standing assignment");
        expect(comment.split("<p><b>bob@contoso.com</b>")[0]).to.contain("Nothing to remove");
        expectClosed(report);
    });

    describe("only what this stack owns", () => {
        it("refuses an incident none of whose related rules is this stack's rule: a comment, no Graph call, a failed run", () => {
            const report = replayIncident({
                incident: incident([alert(aliceGlobalAdmin)], { relatedRuleIds: [otherRuleId] }),
                directory: directory([assignment("standing", people.alice, roles.globalAdministrator)]),
                analyticsRuleIds: [ruleId],
            });
            expect(report.graphCalls).to.deep.equal([]);
            expect(remaining(report)).to.deep.equal(["standing"]);
            expect(onlyComment(report)).to.contain("was not raised by this stack's analytics rule");
            expect(report.incidentUpdates).to.deep.equal([]);
            expect(report.status).to.equal("Failed");
            expect(report.error?.code).to.equal("PimGuardRefused");
        });

        it("leaves alone an alert of another rule in an incident it owns, and acts on its own rule's alert", () => {
            const foreign: AlertSpec = {
                principalId: people.bob,
                roleTemplateId: roles.globalAdministrator,
                ruleGuid: otherRuleGuid,
                principalName: "bob@contoso.com",
            };
            const state = directory([assignment("alice", people.alice, roles.globalAdministrator), assignment("bob", people.bob, roles.globalAdministrator)]);
            const report = replay([aliceGlobalAdmin, foreign], state);
            expect(remaining(report)).to.deep.equal(["bob"]);
            expect(onlyComment(report)).to.contain("the alert comes from another analytics rule");
            expectClosed(report);
        });

        it("refuses a role outside its watched-role parameter, whatever the watchlist made the rule alert on", () => {
            const exchange: AlertSpec = { principalId: people.alice, roleTemplateId: roles.exchangeAdministrator, roleName: "Exchange Administrator" };
            const report = replay([exchange], directory([assignment("exchange", people.alice, roles.exchangeAdministrator)]));
            expect(report.graphCalls).to.deep.equal([]);
            expect(remaining(report)).to.deep.equal(["exchange"]);
            expect(onlyComment(report)).to.contain("the role is not one this stack enforces");
            expectEscalated(report);
            const watched = replay([exchange], directory([assignment("exchange", people.alice, roles.exchangeAdministrator)]), {
                watchedRoleTemplateIds: [roles.exchangeAdministrator],
            });
            expect(remaining(watched)).to.deep.equal([]);
        });
    });

    describe("honest outcomes", () => {
        it("a removal the permission set does not allow fails, naming the permission the identity lacks", () => {
            const withoutRemove = playbookGraphAppRoles("adminRemove").filter((permission) => permission !== "RoleAssignmentSchedule.Remove.Directory");
            const report = replay([aliceGlobalAdmin], directory([assignment("standing", people.alice, roles.globalAdministrator)]), {
                permissions: withoutRemove,
            });
            expect(removalRequests(report).map((call) => call.status)).to.deep.equal([403]);
            expect(remaining(report)).to.deep.equal(["standing"]);
            const comment = onlyComment(report);
            expect(comment).to.contain("FAILED to remove the assignment at scope /: HTTP 403");
            expect(comment).to.contain("the identity needs RoleAssignmentSchedule.Remove.Directory");
            expect(comment).to.contain("FAILED: still standing after removal");
            expect(revocations(report)).to.deep.equal([]);
            expectEscalated(report);
        });

        it("a listing the permission set does not allow removes nothing and names the read permission", () => {
            const report = replay([aliceGlobalAdmin], directory([assignment("standing", people.alice, roles.globalAdministrator)]), {
                permissions: ["RoleAssignmentSchedule.Remove.Directory", "User.Read.All", "User.RevokeSessions.All"],
            });
            expect(removalRequests(report)).to.deep.equal([]);
            expect(onlyComment(report)).to.contain("the identity needs RoleAssignmentSchedule.Read.Directory");
            expectEscalated(report);
        });

        it("does not revoke a B2B guest's sessions and says it does not apply, rather than reporting it done", () => {
            const guestAlert: AlertSpec = {
                principalId: people.guest,
                roleTemplateId: roles.globalAdministrator,
                principalName: "partner_fabrikam.com#EXT#@contoso.onmicrosoft.com",
            };
            const report = replay([guestAlert], directory([assignment("guest", people.guest, roles.globalAdministrator)]));
            expect(remaining(report)).to.deep.equal([]);
            expect(revocations(report)).to.deep.equal([]);
            expect(onlyComment(report)).to.contain("Sessions not revoked: not applicable to a B2B guest");
            expectClosed(report);
        });

        it("does not look up or revoke sessions of a service principal or a group", () => {
            const servicePrincipal: AlertSpec = {
                principalId: people.deployAutomation,
                roleTemplateId: roles.privilegedRoleAdministrator,
                principalType: "ServicePrincipal",
                principalName: "deploy-automation",
            };
            const report = replay([servicePrincipal], directory([assignment("sp", people.deployAutomation, roles.privilegedRoleAdministrator)]));
            expect(remaining(report)).to.deep.equal([]);
            expect(calls(report, "GET", "/users/")).to.deep.equal([]);
            expect(onlyComment(report)).to.contain("Sessions not revoked: not applicable to a ServicePrincipal.");
            expectClosed(report);
        });

        it("reports a user deleted since the alert as such", () => {
            const deleted = "0d0d0d0d-1111-4222-8333-944445555666";
            const report = replay(
                [{ principalId: deleted, roleTemplateId: roles.globalAdministrator }],
                directory([assignment("orphan", deleted, roles.globalAdministrator)]),
            );
            expect(revocations(report)).to.deep.equal([]);
            expect(onlyComment(report)).to.contain("the user no longer exists (deleted since the alert)");
        });

        it("waits out PIM's five-minute minimum once and tries again", () => {
            const state = directory([assignment("fresh", people.alice, roles.globalAdministrator)], {
                faults: [{ method: "POST", path: "/roleAssignmentScheduleRequests", status: 400, code: "ActiveDurationTooShort", times: 1 }],
            });
            const report = replay([aliceGlobalAdmin], state, { trace: true });
            expect(removalRequests(report).map((call) => call.status)).to.deep.equal([400, 201]);
            expect(report.trace!.filter((record) => record.name === "Wait_out_the_five_minute_minimum")).to.have.length(1);
            expect(remaining(report)).to.deep.equal([]);
            expectClosed(report);
        });

        it("gives up after the second refusal within five minutes and says why", () => {
            const state = directory([assignment("fresh", people.alice, roles.globalAdministrator)], {
                faults: [{ method: "POST", path: "/roleAssignmentScheduleRequests", status: 400, code: "ActiveDurationTooShort", times: 5 }],
            });
            const report = replay([aliceGlobalAdmin], state);
            expect(removalRequests(report)).to.have.length(2);
            expect(onlyComment(report)).to.contain(
                "PIM refuses to remove an assignment within five minutes of its creation (ActiveDurationTooShort), also after waiting five minutes",
            );
            expectEscalated(report);
        });

        it("takes RoleAssignmentDoesNotExist for what the second reading says: gone is success, still there is a failure", () => {
            const doesNotExist = { method: "POST", path: "/roleAssignmentScheduleRequests", status: 400, code: "RoleAssignmentDoesNotExist", times: 1 };
            const standing = [assignment("standing", people.alice, roles.globalAdministrator)];
            // Graph removed it but answered RoleAssignmentDoesNotExist, as public tooling measured after a resent request.
            const gone = replay([aliceGlobalAdmin], directory(standing, { faults: [{ ...doesNotExist, handled: true }] }));
            expect(onlyComment(gone))
                .to.contain("PIM found nothing to remove for the assignment at scope / (RoleAssignmentDoesNotExist)")
                .and.to.contain("Verified: no standing assignment");
            expectClosed(gone);
            const stillThere = replay([aliceGlobalAdmin], directory(standing, { faults: [doesNotExist] }));
            expect(onlyComment(stillThere)).to.contain("FAILED: still standing after removal at scope /");
            expectEscalated(stillThere);
        });

        it("retries a removal Graph answers 503, as the action's retry policy says", () => {
            const report = replay(
                [aliceGlobalAdmin],
                directory([assignment("standing", people.alice, roles.globalAdministrator)], {
                    faults: [{ method: "POST", path: "/roleAssignmentScheduleRequests", status: 503, times: 2 }],
                }),
            );
            expect(removalRequests(report).map((call) => call.status)).to.deep.equal([503, 503, 201]);
            expectClosed(report);
        });

        it("escalates when PIM lists more than one page for one principal and role, removing nothing from a partial listing", () => {
            const many = Array.from({ length: 3 }, (_, index) =>
                assignment(`unit-${index}`, people.alice, roles.globalAdministrator, `/administrativeUnits/${index}`),
            );
            const report = replay([aliceGlobalAdmin], directory(many, { pageSize: 2 }));
            expect(removalRequests(report)).to.deep.equal([]);
            expect(onlyComment(report)).to.contain("more than one page of active assignments");
            expectEscalated(report);
        });
    });

    describe("modes and switches", () => {
        it("report-only reads, says what it would remove and keep, changes nothing and leaves the incident open", () => {
            const state = directory([
                assignment("standing", people.alice, roles.globalAdministrator),
                assignment("activation", people.alice, roles.globalAdministrator, administrativeUnit, { assignmentType: "Activated" }),
            ]);
            const report = replay([aliceGlobalAdmin], state, { mode: "reportOnly" });
            expect(report.graphCalls.map((call) => call.method)).to.deep.equal(["GET"]);
            expect(remaining(report)).to.deep.equal(["activation", "standing"]);
            const comment = onlyComment(report);
            expect(comment).to.contain("Report-only: would remove the standing assignment at scope / (instance standing)");
            expect(comment).to.contain("Kept: a PIM activation");
            expect(report.incident.status).to.equal("New");
            expect(report.incidentUpdates).to.deep.equal([]);
        });

        it("revokeSessions false removes without revoking; closeIncidents false leaves a remediated incident open", () => {
            const quiet = replay([aliceGlobalAdmin], directory([assignment("standing", people.alice, roles.globalAdministrator)]), {
                revokeSessions: false,
                closeIncidents: false,
            });
            expect(remaining(quiet)).to.deep.equal([]);
            expect(revocations(quiet)).to.deep.equal([]);
            expect(quiet.incident.status).to.equal("New");
            expect(quiet.incidentUpdates).to.deep.equal([]);
        });

        it("the opt-in direct delete removes the assignment behind the instance, with its own permission", () => {
            const report = replay([aliceGlobalAdmin], directory([assignment("standing", people.alice, roles.globalAdministrator)]), {
                removalMethod: "roleAssignmentDelete",
            });
            expect(calls(report, "DELETE", "/roleManagement/directory/roleAssignments/standing").map((call) => call.status)).to.deep.equal([204]);
            expect(removalRequests(report)).to.deep.equal([]);
            expect(remaining(report)).to.deep.equal([]);
            expectClosed(report);
        });

        it("the opt-in direct delete without its permission fails and names it", () => {
            const report = replay([aliceGlobalAdmin], directory([assignment("standing", people.alice, roles.globalAdministrator)]), {
                removalMethod: "roleAssignmentDelete",
                permissions: playbookGraphAppRoles("adminRemove"),
            });
            expect(onlyComment(report)).to.contain("the identity needs RoleManagement.ReadWrite.Directory");
            expectEscalated(report);
        });
    });
});

describe("playbook replay: recorded trigger bodies", () => {
    const tenant = directoryFixture("tenant");

    it("reads a body exactly as Sentinel sends it (lowercase alerts) as it reads the capital-A fixtures", () => {
        const real = replayIncident({ incident: incidentFixture("sentinel-trigger-body"), directory: tenant });
        const capitalised = replayIncident({ incident: incidentFixture("user-global-admin"), directory: tenant });
        expect(real.directory).to.deep.equal(capitalised.directory);
        expect(real.graphCalls.map((call) => `${call.method} ${call.status}`)).to.deep.equal(
            capitalised.graphCalls.map((call) => `${call.method} ${call.status}`),
        );
        expect(onlyComment(real)).to.contain("Removed the standing assignment at scope / through PIM").and.to.contain("Processed 1 of 1 alert(s)");
        expectClosed(real);
    });

    it("an exempt principal is reported and never touched, by the watchlist flag or by the playbook's own parameter", () => {
        const flagged = replayIncident({ incident: incidentFixture("exempt-flag"), directory: tenant });
        expect(flagged.graphCalls).to.deep.equal([]);
        expect(onlyComment(flagged)).to.contain("the principal is exempt");
        const unflagged = replayIncident({ incident: incidentFixture("break-glass-unflagged"), directory: tenant, exemptPrincipalIds: [people.breakGlass] });
        expect(unflagged.graphCalls).to.deep.equal([]);
        expect(unflagged.incident.status).to.equal("New");
        const notExempt = replayIncident({ incident: incidentFixture("break-glass-unflagged"), directory: tenant });
        expect(removalRequests(notExempt)).to.have.length(1);
    });

    it("custom details that are not JSON, or ids that are not GUIDs, make no Graph call and escalate", () => {
        for (const fixture of ["malformed-custom-details", "non-guid-ids"]) {
            const report = replayIncident({ incident: incidentFixture(fixture), directory: tenant });
            expect(report.graphCalls, fixture).to.deep.equal([]);
            expectEscalated(report);
        }
    });

    it("a typo in a Graph URI of the definition fails: a 404 for a wrong path is never taken for success", () => {
        const text = JSON.stringify(loadPlaybookDefinition());
        const typo = JSON.parse(text.split("/roleAssignmentScheduleRequests").join("/roleAssignmentScheduleRequest")) as unknown;
        const report = replayIncident({ incident: incidentFixture("user-global-admin"), directory: tenant, definition: typo });
        expect(removalRequests(report)).to.deep.equal([]);
        expect(calls(report, "POST", "/roleAssignmentScheduleRequest").map((call) => call.status)).to.deep.equal([404]);
        expectEscalated(report);
    });

    it("an empty directory is the default: nothing to remove, and the incident closes saying so", () => {
        const report = replayIncident({ incident: incidentFixture("user-global-admin") });
        expect(onlyComment(report)).to.contain("Nothing to remove");
        expect(report.directory.roleAssignments).to.deep.equal([]);
        expectClosed(report);
    });
});
