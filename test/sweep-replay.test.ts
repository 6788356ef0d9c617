import { expect } from "chai";
import { playbookGraphAppRoles } from "../components/azure-ids";
import { DirectoryState } from "../replay/logic-apps/directory-state";
import { SentinelIncident } from "../replay/logic-apps/fake-sentinel";
import { replayEnvironment, replaySweep, SweepReplayOptions, SweepReport } from "../replay/logic-apps/replay";
import { assignment, directory, membership, people, roles } from "./support/incidents";
import { failureTag } from "./support/replay-fixtures";

// The sweep lists every active assignment of every watched role (and every member and owner of
// every privileged group) and reconciles what is standing, each finding on an incident of its own.
const globalAdministrator = { templateId: roles.globalAdministrator, name: "Global Administrator" };
const privilegedRoleAdministrator = { templateId: roles.privilegedRoleAdministrator, name: "Privileged Role Administrator" };
const watchedRoles = [globalAdministrator, privilegedRoleAdministrator];
const brakeTag = "pimguard-sweep-brake";

function sweep(state: DirectoryState, options: Partial<SweepReplayOptions> = {}): SweepReport {
    return replaySweep({ directory: state, watchedRoles, ...options });
}

function remaining(report: SweepReport): string[] {
    return report.directory.roleAssignments.map((entry) => entry.id).sort();
}

function incidentAbout(report: SweepReport, principalId: string): SentinelIncident {
    const found = report.incidents.filter((incident) => incident.title?.includes(principalId));
    expect(found, `one incident about ${principalId}`).to.have.length(1);
    return found[0]!;
}

/** `n` distinct users whose ids differ early (as Entra's random object ids do). */
function manyUsers(count: number): string[] {
    return Array.from({ length: count }, (_, index) => `${(index + 1).toString(16).padStart(8, "0")}-7a6b-4c5d-8e9f-0a1b2c3d4e5f`);
}

describe("the sweep (playbook/sweep.json, replayed as its recurrence starts it)", () => {
    describe("a standing assignment made before pimguard was deployed", () => {
        let report: SweepReport;

        before(() => {
            report = sweep(directory([assignment("before-deployment", people.alice, roles.globalAdministrator)]));
        });

        it("is removed through PIM and the user's sessions are revoked", () => {
            expect(remaining(report)).to.deep.equal([]);
            const posts = report.graphCalls.filter((call) => call.method === "POST").map((call) => new URL(call.url).pathname);
            expect(posts).to.deep.equal(["/v1.0/roleManagement/directory/roleAssignmentScheduleRequests", `/v1.0/users/${people.alice}/revokeSignInSessions`]);
        });

        it("is reported on an incident of its own in the workspace, High, labelled, with the comment saying what was done, then closed", () => {
            const incident = incidentAbout(report, people.alice);
            expect(incident.id.startsWith(`${replayEnvironment.workspaceResourceId}/providers/Microsoft.SecurityInsights/incidents/`)).to.equal(true);
            expect(incident).to.include({ severity: "High", status: "Closed", classification: "TruePositive - SuspiciousActivity" });
            expect(incident.tags).to.include("pimguard-sweep");
            expect(incident.comments).to.have.length(1);
            expect(incident.comments[0]).to.contain("Global Administrator").and.to.contain("Verified: no standing assignment of this role is left");
            expect(report.status).to.equal("Succeeded");
        });
    });

    it("keeps a PIM activation and a time-bound assignment, and raises nothing for them", () => {
        const report = sweep(
            directory([
                assignment("activation", people.alice, roles.globalAdministrator, "/", { assignmentType: "Activated", endDateTime: "2026-12-01T08:00:00Z" }),
                assignment("time-bound", people.bob, roles.privilegedRoleAdministrator, "/", { endDateTime: "2027-03-01T00:00:00Z" }),
            ]),
        );
        expect(remaining(report)).to.deep.equal(["activation", "time-bound"]);
        expect(report.incidents).to.deep.equal([]);
        expect(report.graphCalls.every((call) => call.method === "GET")).to.equal(true);
        expect(report.status).to.equal("Succeeded");
    });

    it("keeps an exempt break-glass account's standing assignment, and raises nothing for it", () => {
        const report = sweep(directory([assignment("break-glass", people.breakGlass, roles.globalAdministrator)]), { exemptPrincipalIds: [people.breakGlass] });
        expect(remaining(report)).to.deep.equal(["break-glass"]);
        expect(report.incidents).to.deep.equal([]);
    });

    it("does not honour an exemption for a group: an exempt group's unlisted role is removed", () => {
        const report = sweep(directory([assignment("group-ga", people.tier0Group, roles.globalAdministrator)]), { exemptPrincipalIds: [people.tier0Group] });
        expect(remaining(report)).to.deep.equal([]);
        expect(incidentAbout(report, people.tier0Group).comments[0]).to.contain("(Group)");
    });

    describe("privileged groups", () => {
        const privilegedGroups = [{ id: people.tier0Group, roles: [roles.globalAdministrator] }];

        it("a listed group keeps its listed role and loses an unlisted one", () => {
            const report = sweep(
                directory([
                    assignment("tier0-ga", people.tier0Group, roles.globalAdministrator),
                    assignment("tier0-pra", people.tier0Group, roles.privilegedRoleAdministrator),
                ]),
                { privilegedGroups },
            );
            expect(remaining(report)).to.deep.equal(["tier0-ga"]);
            expect(incidentAbout(report, people.tier0Group).title).to.contain("Privileged Role Administrator");
        });

        it("checks the group's direct, permanent active members and owners: those added outside PIM for Groups are removed, activations kept", () => {
            const report = sweep(
                directory([assignment("tier0-ga", people.tier0Group, roles.globalAdministrator)], {
                    groupMemberships: [
                        membership("alice-member", people.tier0Group, people.alice),
                        membership("bob-owner", people.tier0Group, people.bob, "owner"),
                        membership("guest-activated", people.tier0Group, people.guest, "member", {
                            assignmentType: "Activated",
                            endDateTime: "2026-12-01T00:00:00Z",
                        }),
                    ],
                }),
                { privilegedGroups },
            );
            expect((report.directory.groupMemberships ?? []).map((entry) => entry.id)).to.deep.equal(["guest-activated"]);
            expect(incidentAbout(report, people.alice).title).to.contain("standing member of privileged group");
            expect(incidentAbout(report, people.bob).title).to.contain("standing owner of privileged group");
            expect(report.status).to.equal("Succeeded");
        });

        it("lists a privileged group's members only with the PIM for Groups permission, which the stack grants only with privileged groups", () => {
            const report = sweep(directory([]), { privilegedGroups, permissions: playbookGraphAppRoles("adminRemove", false) });
            expect(report.status).to.equal("Failed");
            expect(report.error?.message).to.contain("PrivilegedAssignmentSchedule.Read.AzureADGroup");
        });
    });

    describe("250 standing assignments, over three pages", () => {
        const users = manyUsers(250);
        const crowded = (): DirectoryState =>
            directory(
                users.map((user, index) => assignment(`standing-${index}`, user, roles.globalAdministrator)),
                { users, pageSize: 100 },
            );

        it("follows @odata.nextLink to the end: every one is found and reported on its own incident", () => {
            const report = sweep(crowded(), { mode: "reportOnly" });
            const pages = report.graphCalls.filter(
                (call) => new URL(call.url).searchParams.get("$filter") === `roleDefinitionId eq '${roles.globalAdministrator}'`,
            );
            expect(pages).to.have.length(3);
            expect(report.incidents).to.have.length(250);
            expect(new Set(report.incidents.map((incident) => incident.id)).size).to.equal(250);
        });

        it("in report-only mode changes nothing and reports everything, leaving each incident open", () => {
            const report = sweep(crowded(), { mode: "reportOnly" });
            expect(remaining(report)).to.have.length(250);
            expect(report.graphCalls.filter((call) => call.method !== "GET")).to.deep.equal([]);
            expect(report.incidents.every((incident) => incident.status === "New" && incident.comments[0]!.includes("Report-only: would remove"))).to.equal(
                true,
            );
            expect(report.status).to.equal("Succeeded");
        });

        it("with the brake at 50, removes 50, holds the other 200 open at High tagged for the brake, and fails the run", () => {
            const report = sweep(crowded(), { maxRemovals: 50 });
            expect(remaining(report)).to.have.length(200);
            const held = report.incidents.filter((incident) => incident.tags.includes(brakeTag));
            expect(held).to.have.length(200);
            expect(held.every((incident) => incident.status === "New" && incident.severity === "High")).to.equal(true);
            expect(held[0]!.comments[0]).to.contain("HELD BY THE BRAKE").and.to.contain("pimguard:sweepMaxRemovals");
            expect(report.incidents.filter((incident) => incident.status === "Closed")).to.have.length(50);
            expect(report.status).to.equal("Failed");
            expect(report.error?.message).to.contain("held by the brake (pimguard:sweepMaxRemovals): 200");
        });
    });

    it("by default removes at most three per run: a wrong role list cannot strip a tenant's admins at once", () => {
        const users = manyUsers(5);
        const report = sweep(
            directory(
                users.map((user, index) => assignment(`admin-${index}`, user, roles.globalAdministrator)),
                { users },
            ),
        );
        expect(remaining(report)).to.have.length(2);
        expect(report.incidents.filter((incident) => incident.tags.includes(brakeTag))).to.have.length(2);
    });

    it("reports a finding still standing on its open incident again, not on a new one, and reopens one closed meanwhile", () => {
        const first = sweep(directory([assignment("standing", people.alice, roles.globalAdministrator)]), { mode: "reportOnly" });
        const earlier = incidentAbout(first, people.alice);
        const again = sweep(directory([assignment("standing", people.alice, roles.globalAdministrator)]), {
            mode: "reportOnly",
            incidents: [{ id: earlier.id, status: "Active", severity: "High" }],
        });
        expect(again.incidents.map((incident) => incident.id)).to.deep.equal([earlier.id]);
        expect(incidentAbout(again, people.alice)).to.include({ status: "Active" });
        const reopened = sweep(directory([assignment("standing", people.alice, roles.globalAdministrator)]), {
            mode: "reportOnly",
            incidents: [{ id: earlier.id, status: "Closed", severity: "High" }],
        });
        expect(incidentAbout(reopened, people.alice)).to.include({ status: "New" });
    });

    it("removes nothing for a finding it cannot report (no Microsoft Sentinel Responder), and fails the run", () => {
        const report = sweep(directory([assignment("standing", people.alice, roles.globalAdministrator)]), { sentinelResponder: false });
        expect(remaining(report)).to.deep.equal(["standing"]);
        expect(report.status).to.equal("Failed");
        expect(report.error?.message).to.contain("failed: 1");
    });

    it("escalates a finding it cannot remove, naming the permission, and fails the run", () => {
        const withoutRemove = playbookGraphAppRoles("adminRemove").filter((permission) => permission !== "RoleAssignmentSchedule.Remove.Directory");
        const report = sweep(directory([assignment("standing", people.alice, roles.globalAdministrator)]), { permissions: withoutRemove });
        const incident = incidentAbout(report, people.alice);
        expect(incident.tags).to.include(failureTag);
        expect(incident.comments[0]).to.contain("(the identity needs RoleAssignmentSchedule.Remove.Directory)");
        expect(report.status).to.equal("Failed");
    });

    it("fails the run when a listing fails, naming the permission, and removes nothing", () => {
        const withoutRead = playbookGraphAppRoles("adminRemove").filter((permission) => permission !== "RoleAssignmentSchedule.Read.Directory");
        const report = sweep(directory([assignment("standing", people.alice, roles.globalAdministrator)]), { permissions: withoutRead });
        expect(remaining(report)).to.deep.equal(["standing"]);
        expect(report.status).to.equal("Failed");
        expect(report.error?.message)
            .to.contain("FAILED to list the active assignments of Global Administrator")
            .and.to.contain("RoleAssignmentSchedule.Read.Directory");
    });
});
