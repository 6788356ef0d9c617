import { expect } from "chai";
import { playbookGraphAppRoles } from "../components/azure-ids";
import { DirectoryState, GroupMembership } from "../replay/logic-apps/directory-state";
import { replayIncident, ReplayOptions, ReplayReport } from "../replay/logic-apps/replay";
import {
    alert,
    assignment,
    directory,
    groupRuleId,
    incident,
    membership,
    membershipAlert,
    MembershipAlertSpec,
    people,
    roles,
    ruleId,
} from "./support/incidents";
import { failureTag } from "./support/replay-fixtures";

// Privileged groups, as PIM for Groups intends: a role-assignable group may hold its listed
// roles standing; its members and owners must come through PIM for Groups.
const tier0 = people.tier0Group;
const privilegedGroups = [{ id: tier0, roles: [roles.globalAdministrator] }];
const aliceAddedAsMember: MembershipAlertSpec = { principalId: people.alice, groupId: tier0 };

function replay(alerts: Record<string, unknown>[], state: DirectoryState, options: Partial<ReplayOptions> = {}): ReplayReport {
    return replayIncident({
        incident: incident(alerts, { relatedRuleIds: [groupRuleId] }),
        directory: state,
        analyticsRuleIds: [ruleId, groupRuleId],
        privilegedGroups,
        ...options,
    });
}

function withMemberships(memberships: GroupMembership[], extra: Partial<DirectoryState> = {}): DirectoryState {
    return directory([assignment("tier0-holds-ga", tier0, roles.globalAdministrator)], { groupMemberships: memberships, ...extra });
}

function remainingMemberships(report: ReplayReport): string[] {
    return (report.directory.groupMemberships ?? []).map((entry) => entry.id).sort();
}

function paths(report: ReplayReport): string[] {
    return report.graphCalls.map((call) => `${call.method} ${new URL(call.url).pathname} ${call.status}`);
}

function onlyComment(report: ReplayReport): string {
    expect(report.comments).to.have.length(1);
    return report.comments[0]!;
}

describe("playbook replay: privileged groups (PIM for Groups)", () => {
    describe("a user added as a member of a privileged group outside PIM for Groups", () => {
        let report: ReplayReport;

        before(() => {
            report = replay(
                [membershipAlert(aliceAddedAsMember)],
                withMemberships([
                    membership("alice-member", tier0, people.alice),
                    membership("bob-activated", tier0, people.bob, "member", { assignmentType: "Activated", endDateTime: "2026-12-01T00:00:00Z" }),
                ]),
            );
        });

        it("asks PIM for Groups to remove the membership, reads again, and revokes the user's sessions", () => {
            expect(paths(report)).to.deep.equal([
                "GET /v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleInstances 200",
                "POST /v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests 201",
                "GET /v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleInstances 200",
                `GET /v1.0/users/${people.alice} 200`,
                `POST /v1.0/users/${people.alice}/revokeSignInSessions 200`,
            ]);
        });

        it("removes only that membership: another member's activation and the group's own role stay", () => {
            expect(remainingMemberships(report)).to.deep.equal(["bob-activated"]);
            expect(report.directory.roleAssignments.map((entry) => entry.id)).to.deep.equal(["tier0-holds-ga"]);
        });

        it("closes the incident, saying what was removed and verified", () => {
            const comment = onlyComment(report);
            expect(comment).to.contain("added as member of privileged group");
            expect(comment).to.contain("Removed the standing member assignment of group " + tier0 + " through PIM");
            expect(comment).to.contain("Verified: no standing member assignment of this group is left for this principal.");
            expect(report.incident).to.include({ status: "Closed", classification: "TruePositive - SuspiciousActivity" });
        });
    });

    it("an owner added outside PIM loses the ownership; a membership it holds through PIM is kept", () => {
        const report = replay(
            [membershipAlert({ ...aliceAddedAsMember, accessId: "owner" })],
            withMemberships([
                membership("alice-owner", tier0, people.alice, "owner"),
                membership("alice-eligible-activated", tier0, people.alice, "member", { assignmentType: "Activated", endDateTime: "2026-12-01T00:00:00Z" }),
            ]),
        );
        expect(remainingMemberships(report)).to.deep.equal(["alice-eligible-activated"]);
        expect(report.incident.status).to.equal("Closed");
    });

    it("a membership activated through PIM for Groups, or time-bound, is kept: nothing is removed and nothing is left standing", () => {
        const report = replay(
            [membershipAlert(aliceAddedAsMember)],
            withMemberships([
                membership("alice-activated", tier0, people.alice, "member", { assignmentType: "Activated", endDateTime: "2026-12-01T00:00:00Z" }),
                membership("alice-owner-timebound", tier0, people.alice, "owner", { endDateTime: "2027-01-01T00:00:00Z" }),
            ]),
        );
        expect(report.graphCalls.filter((call) => call.method === "POST")).to.deep.equal([]);
        expect(remainingMemberships(report)).to.have.length(2);
        expect(onlyComment(report)).to.contain("Kept: a PIM activation").and.to.contain("Nothing to remove");
    });

    it("in report-only mode says what it would remove and removes nothing", () => {
        const report = replay([membershipAlert(aliceAddedAsMember)], withMemberships([membership("alice-member", tier0, people.alice)]), {
            mode: "reportOnly",
        });
        expect(remainingMemberships(report)).to.deep.equal(["alice-member"]);
        expect(onlyComment(report)).to.contain("Report-only: would remove the standing member assignment of this group.");
        expect(report.incident.status).to.equal("New");
    });

    it("an alert about a group that is not a privileged group is refused: nothing is read or removed, and the incident escalates", () => {
        const otherGroup = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
        const report = replay(
            [membershipAlert({ ...aliceAddedAsMember, groupId: otherGroup })],
            withMemberships([membership("alice-other", otherGroup, people.alice)]),
        );
        expect(report.graphCalls).to.deep.equal([]);
        expect(onlyComment(report)).to.contain("the group is not one of this stack's privileged groups");
        expect(report.incident.tags).to.include(failureTag);
    });

    it("an exempt user added to a privileged group is reported and not removed", () => {
        const report = replay([membershipAlert({ ...aliceAddedAsMember, exempt: "True" })], withMemberships([membership("alice-member", tier0, people.alice)]));
        expect(report.graphCalls).to.deep.equal([]);
        expect(remainingMemberships(report)).to.deep.equal(["alice-member"]);
        expect(onlyComment(report)).to.contain("the principal is exempt");
    });

    it("without PrivilegedAssignmentSchedule.Remove.AzureADGroup the removal fails, naming the permission, and the incident escalates", () => {
        const withoutRemove = playbookGraphAppRoles("adminRemove", true).filter(
            (permission) => permission !== "PrivilegedAssignmentSchedule.Remove.AzureADGroup",
        );
        const report = replay([membershipAlert(aliceAddedAsMember)], withMemberships([membership("alice-member", tier0, people.alice)]), {
            permissions: withoutRemove,
        });
        expect(remainingMemberships(report)).to.deep.equal(["alice-member"]);
        expect(onlyComment(report)).to.contain("HTTP 403").and.to.contain("(the identity needs PrivilegedAssignmentSchedule.Remove.AzureADGroup)");
        expect(report.status).to.equal("Failed");
    });

    describe("a role held by a group", () => {
        const groupHolds = (roleTemplateId: string, roleName: string, exempt = "False") =>
            alert({ principalId: tier0, principalType: "Group", principalName: "Tier 0 administrators", roleTemplateId, roleName, exempt });

        it("a privileged group keeps the role it is listed with: nothing is called and the incident closes as benign", () => {
            const report = replayIncident({
                incident: incident([groupHolds(roles.globalAdministrator, "Global Administrator")]),
                directory: withMemberships([]),
                analyticsRuleIds: [ruleId, groupRuleId],
                privilegedGroups,
            });
            expect(report.graphCalls).to.deep.equal([]);
            expect(onlyComment(report)).to.contain("a privileged group allowed to hold this role standing");
            expect(report.incident).to.include({ status: "Closed", classification: "BenignPositive - SuspiciousButExpected" });
        });

        it("a privileged group loses a role it is not listed with", () => {
            const report = replayIncident({
                incident: incident([groupHolds(roles.privilegedRoleAdministrator, "Privileged Role Administrator")]),
                directory: directory([
                    assignment("tier0-holds-ga", tier0, roles.globalAdministrator),
                    assignment("tier0-holds-pra", tier0, roles.privilegedRoleAdministrator),
                ]),
                analyticsRuleIds: [ruleId, groupRuleId],
                privilegedGroups,
            });
            expect(report.directory.roleAssignments.map((entry) => entry.id)).to.deep.equal(["tier0-holds-ga"]);
            expect(report.incident.status).to.equal("Closed");
        });

        it("an exemption is not honoured for a group: its unlisted role is removed, and the incident says to use privilegedGroups", () => {
            const report = replayIncident({
                incident: incident([groupHolds(roles.globalAdministrator, "Global Administrator", "True")]),
                directory: directory([assignment("tier0-holds-ga", tier0, roles.globalAdministrator)]),
                analyticsRuleIds: [ruleId],
                exemptPrincipalIds: [tier0],
            });
            expect(report.directory.roleAssignments).to.deep.equal([]);
            expect(onlyComment(report)).to.contain("pimguard does not honour exemptions for groups").and.to.contain("pimguard:privilegedGroups");
        });
    });
});
