import { expect } from "chai";
import { securedPlaceholder } from "../replay/logic-apps/engine";
import { alertWithCustomDetails, incidentArmId, replayPlaybook, Replay, RoleAssignment, webhookUrl } from "./support/playbook-replay";

const principalId = "7c1f3a2b-4d5e-4f60-8a9b-0c1d2e3f4a5b";
const globalAdministrator = "62e90394-69f5-4237-9190-012177145e10";
const administrativeUnitScope = "/administrativeUnits/0b7a9c3e-2f41-4d8e-9a6b-5c3d2e1f0a98";

/** Custom details as the detection rule writes them, for a user assigned Global Administrator tenant-wide. */
function customDetails(overrides: Record<string, readonly string[]> = {}): Record<string, readonly string[]> {
    return {
        RoleTemplateId: [globalAdministrator],
        RoleName: ["Global Administrator"],
        PrincipalId: [principalId],
        PrincipalType: ["User"],
        PrincipalName: ["eve@contoso.com"],
        DirectoryScopeId: ["/"],
        Exempt: ["False"],
        Signal: ["directory"],
        ...overrides,
    };
}

function assignment(id: string, overrides: Partial<RoleAssignment> = {}): RoleAssignment {
    return { id, principalId, roleDefinitionId: globalAdministrator, directoryScopeId: "/", ...overrides };
}

const escalation = {
    incidentArmId,
    severity: "High",
    tagsToAdd: { TagsToAdd: [{ Tag: "pimguard-remediation-failed" }] },
};

function expectEscalatedAndOpen(replay: Replay): void {
    expect(replay.incidentUpdates).to.deep.equal([escalation]);
    expect(replay.run.status).to.equal("Failed");
}

function expectLeftOpenUntouched(replay: Replay): void {
    expect(replay.incidentUpdates).to.deep.equal([]);
    expect(replay.run.status).to.equal("Succeeded");
}

function expectClosedAsTruePositive(replay: Replay): void {
    expect(replay.incidentUpdates).to.have.length(1);
    expect(replay.incidentUpdates[0]).to.deep.include({ incidentArmId, status: "Closed" });
    expect(replay.incidentUpdates[0]!["classification"]).to.deep.include({ ClassificationAndReason: "TruePositive - SuspiciousActivity" });
}

describe("remediation playbook guards (the definition replayed)", () => {
    describe("a well-formed alert (the control case: the guard lets it through)", () => {
        it("lists the principal's assignments of the role, removes the one at the alert's scope, revokes sessions and closes the incident", () => {
            const replay = replayPlaybook({ alerts: [alertWithCustomDetails(customDetails())], assignments: [assignment("assignment-1")] });
            expect(replay.graphRequests).to.deep.equal([
                `GET https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignments?$filter=principalId%20eq%20'${principalId}'%20and%20roleDefinitionId%20eq%20'${globalAdministrator}'`,
                "DELETE https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignments/assignment-1",
                `POST https://graph.microsoft.com/v1.0/users/${principalId}/revokeSignInSessions`,
            ]);
            expect(replay.comments).to.have.length(1);
            expect(replay.comments[0]).to.contain("Removed assignment assignment-1 at scope /").and.contain("Revoked the user's sign-in sessions");
            expectClosedAsTruePositive(replay);
        });

        it("compares ids case-insensitively and sends Graph the lower-case form", () => {
            const replay = replayPlaybook({
                alerts: [
                    alertWithCustomDetails(customDetails({ PrincipalId: [principalId.toUpperCase()], RoleTemplateId: [globalAdministrator.toUpperCase()] })),
                ],
                assignments: [assignment("assignment-1")],
            });
            expect(replay.graphRequests[0]).to.contain(`principalId%20eq%20'${principalId}'`);
            expect(replay.graphRequests).to.include("DELETE https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignments/assignment-1");
        });

        it("removes only the assignment the alert names: same principal, role and scope", () => {
            const replay = replayPlaybook({
                alerts: [alertWithCustomDetails(customDetails({ DirectoryScopeId: [administrativeUnitScope] }))],
                assignments: [
                    assignment("tenant-wide"),
                    assignment("au-scoped", { directoryScopeId: administrativeUnitScope }),
                    assignment("someone-else", { principalId: "0e5d4c3b-2a19-4f87-b6a5-c4d3e2f1a0b9", directoryScopeId: administrativeUnitScope }),
                    assignment("other-role", { roleDefinitionId: "194ae4cb-b126-40b2-bd5b-6091b380977d", directoryScopeId: administrativeUnitScope }),
                ],
            });
            expect(replay.graphRequests.filter((request) => request.startsWith("DELETE"))).to.deep.equal([
                "DELETE https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignments/au-scoped",
            ]);
        });

        it("does not revoke sessions of a service principal or a group", () => {
            for (const PrincipalType of ["ServicePrincipal", "Group"]) {
                const replay = replayPlaybook({
                    alerts: [alertWithCustomDetails(customDetails({ PrincipalType: [PrincipalType] }))],
                    assignments: [assignment("assignment-1")],
                });
                expect(
                    replay.graphRequests.map((request) => request.split(" ")[0]),
                    PrincipalType,
                ).to.deep.equal(["GET", "DELETE"]);
                expectClosedAsTruePositive(replay);
            }
        });
    });

    describe("malformed custom details: nothing is called, the incident is escalated and says why", () => {
        const malformed: [string, unknown, string][] = [
            ["a PrincipalId that is not a GUID", alertWithCustomDetails(customDetails({ PrincipalId: ["eve@contoso.com"] })), "PrincipalId is not a GUID"],
            ["a PrincipalId one character short", alertWithCustomDetails(customDetails({ PrincipalId: [principalId.slice(1)] })), "PrincipalId is not a GUID"],
            [
                "a PrincipalId with a non-hex character",
                alertWithCustomDetails(customDetails({ PrincipalId: [`g${principalId.slice(1)}`] })),
                "PrincipalId is not a GUID",
            ],
            [
                "a PrincipalId that is only the GUID pattern",
                alertWithCustomDetails(customDetails({ PrincipalId: ["xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"] })),
                "PrincipalId is not a GUID",
            ],
            [
                "a RoleTemplateId that is a role name",
                alertWithCustomDetails(customDetails({ RoleTemplateId: ["Global Administrator"] })),
                "RoleTemplateId is not a GUID",
            ],
            [
                "an unknown PrincipalType",
                alertWithCustomDetails(customDetails({ PrincipalType: ["Device"] })),
                "PrincipalType is not User, ServicePrincipal or Group",
            ],
            [
                "a DirectoryScopeId that is not a path",
                alertWithCustomDetails(customDetails({ DirectoryScopeId: ["tenant"] })),
                "DirectoryScopeId is not a directory scope",
            ],
            ["an Exempt flag that is neither True nor False", alertWithCustomDetails(customDetails({ Exempt: ["maybe"] })), "Exempt is neither True nor False"],
            [
                "two principal ids in one alert",
                alertWithCustomDetails(customDetails({ PrincipalId: [principalId, "0e5d4c3b-2a19-4f87-b6a5-c4d3e2f1a0b9"] })),
                "exactly one value",
            ],
            [
                "a missing PrincipalId",
                alertWithCustomDetails(Object.fromEntries(Object.entries(customDetails()).filter(([key]) => key !== "PrincipalId"))),
                "exactly one value",
            ],
            ["custom details that are not JSON", alertWithCustomDetails("{PrincipalId: eve"), "custom details are missing or are not the JSON object"],
            ["custom details that are a JSON array", alertWithCustomDetails("[1, 2]"), "custom details are missing or are not the JSON object"],
            ["no custom details at all", alertWithCustomDetails(undefined), "custom details are missing or are not the JSON object"],
        ];
        for (const [what, alert, reason] of malformed) {
            it(`${what}: no Graph call; the comment says "${reason}"`, () => {
                const replay = replayPlaybook({ alerts: [alert], assignments: [assignment("assignment-1")] });
                expect(replay.graphRequests).to.deep.equal([]);
                expect(replay.comments).to.have.length(1);
                expect(replay.comments[0]).to.contain(reason).and.contain("Nothing was removed");
                expectEscalatedAndOpen(replay);
            });
        }

        it("an incident without alerts: nothing is called and the incident is escalated", () => {
            const replay = replayPlaybook({ alerts: [] });
            expect(replay.graphRequests).to.deep.equal([]);
            expect(replay.comments[0]).to.contain("The incident carries no alerts");
            expectEscalatedAndOpen(replay);
        });

        it("a malformed alert beside a good one: the good one is remediated, the incident is escalated, not closed", () => {
            const replay = replayPlaybook({
                alerts: [alertWithCustomDetails(customDetails({ PrincipalId: ["not-a-guid"] })), alertWithCustomDetails(customDetails())],
                assignments: [assignment("assignment-1")],
            });
            expect(replay.graphRequests.filter((request) => request.startsWith("DELETE"))).to.have.length(1);
            expect(replay.comments[0]).to.contain("PrincipalId is not a GUID").and.contain("Removed assignment assignment-1");
            expectEscalatedAndOpen(replay);
        });
    });

    describe("exempt principals: nothing is called, the incident stays open and says why", () => {
        it("an alert flagged Exempt (in any letter case) by the watchlist", () => {
            const replay = replayPlaybook({ alerts: [alertWithCustomDetails(customDetails({ Exempt: ["TRUE"] }))], assignments: [assignment("assignment-1")] });
            expect(replay.graphRequests).to.deep.equal([]);
            expect(replay.comments[0]).to.contain("the principal is exempt (marked in the PimGuardExemptPrincipals watchlist)");
            expectLeftOpenUntouched(replay);
        });

        it("a principal in the exemptPrincipalIds parameter, even when the watchlist says False", () => {
            const replay = replayPlaybook({
                alerts: [alertWithCustomDetails(customDetails({ PrincipalId: [principalId.toUpperCase()] }))],
                settings: { exemptPrincipalIds: [principalId.toUpperCase()] },
                assignments: [assignment("assignment-1")],
            });
            expect(replay.graphRequests).to.deep.equal([]);
            expect(replay.comments[0]).to.contain("listed in the playbook's exemptPrincipalIds parameter");
            expectLeftOpenUntouched(replay);
        });

        it("an exempt principal whose details are also malformed is treated as malformed (escalated)", () => {
            const replay = replayPlaybook({ alerts: [alertWithCustomDetails(customDetails({ Exempt: ["True"], PrincipalType: ["Device"] }))] });
            expect(replay.graphRequests).to.deep.equal([]);
            expectEscalatedAndOpen(replay);
        });
    });

    describe("report-only mode", () => {
        it("only reads: writes what it would remove and revoke, leaves the incident open", () => {
            const replay = replayPlaybook({
                alerts: [alertWithCustomDetails(customDetails())],
                settings: { mode: "reportOnly" },
                assignments: [assignment("assignment-1")],
            });
            expect(replay.graphRequests.map((request) => request.split(" ")[0])).to.deep.equal(["GET"]);
            expect(replay.comments[0]).to.contain("Would remove assignment assignment-1 at scope /").and.contain("Would revoke the user's sign-in sessions");
            expectLeftOpenUntouched(replay);
        });
    });

    describe("Graph failures", () => {
        const insufficientPrivileges = {
            statusCode: 403,
            body: { error: { code: "Authorization_RequestDenied", message: "Insufficient privileges to complete the operation." } },
        };

        it("a 403 on delete: the comment carries the status and Graph's message; escalated, left open", () => {
            const replay = replayPlaybook({
                alerts: [alertWithCustomDetails(customDetails())],
                assignments: [assignment("assignment-1")],
                graphAnswers: { DELETE: insufficientPrivileges },
            });
            expect(replay.comments[0]).to.contain(
                "FAILED to remove assignment assignment-1 at scope /: HTTP 403 Authorization_RequestDenied: Insufficient privileges to complete the operation.",
            );
            expectEscalatedAndOpen(replay);
        });

        it("a 403 on the listing: nothing is deleted; escalated with Graph's message", () => {
            const replay = replayPlaybook({
                alerts: [alertWithCustomDetails(customDetails())],
                assignments: [assignment("assignment-1")],
                graphAnswers: { GET: insufficientPrivileges },
            });
            expect(replay.graphRequests.map((request) => request.split(" ")[0])).to.deep.equal(["GET"]);
            expect(replay.comments[0]).to.contain("listing the role assignments failed with HTTP 403 Authorization_RequestDenied");
            expectEscalatedAndOpen(replay);
        });

        it("throttling that never ends: four retries, then escalated with the last status", () => {
            const replay = replayPlaybook({
                alerts: [alertWithCustomDetails(customDetails())],
                assignments: [assignment("assignment-1")],
                graphAnswers: { DELETE: { statusCode: 429, body: { error: { code: "TooManyRequests", message: "Too many requests" } } } },
            });
            expect(replay.graphRequests.filter((request) => request.startsWith("DELETE"))).to.have.length(5);
            expect(replay.comments[0]).to.contain("HTTP 429 TooManyRequests");
            expectEscalatedAndOpen(replay);
        });

        it("a 404 on delete means already removed: success, closed, no failure tag", () => {
            const replay = replayPlaybook({
                alerts: [alertWithCustomDetails(customDetails())],
                assignments: [assignment("assignment-1")],
                graphAnswers: { DELETE: { statusCode: 404, body: { error: { code: "Request_ResourceNotFound", message: "Resource not found." } } } },
            });
            expect(replay.comments[0]).to.contain("Assignment assignment-1 at scope / was already removed");
            expectClosedAsTruePositive(replay);
        });
    });

    describe("what the comment shows and what run history keeps", () => {
        it("escapes HTML in a principal's display name, which whoever created the principal chose", () => {
            const replay = replayPlaybook({
                alerts: [alertWithCustomDetails(customDetails({ PrincipalType: ["ServicePrincipal"], PrincipalName: ["<img src=x onerror=alert(1)>"] }))],
                assignments: [assignment("assignment-1")],
            });
            expect(replay.comments[0]).to.contain("&lt;img src=x onerror=alert(1)&gt;").and.not.contain("<img");
        });

        it("posts one notification and keeps the webhook URL out of run history", () => {
            const replay = replayPlaybook({
                alerts: [alertWithCustomDetails(customDetails())],
                settings: { notificationSecretName: "pimguard-webhook" },
                assignments: [assignment("assignment-1")],
            });
            expect(replay.webhookPosts).to.have.length(1);
            expect(replay.webhookPosts[0]).to.deep.include({ source: "pimguard", outcome: "close", alertOutcomes: ["removed"] });
            for (const name of ["Read_notification_webhook_url", "Post_notification"]) {
                expect(replay.history(name)?.inputs, name).to.equal(securedPlaceholder);
                expect(replay.history(name)?.outputs, name).to.equal(securedPlaceholder);
            }
            expect(JSON.stringify(replay.run.history)).to.not.contain(webhookUrl);
        });

        it("never closes an incident whose comment could not be posted: escalates and fails the run instead", () => {
            const replay = replayPlaybook({
                alerts: [alertWithCustomDetails(customDetails())],
                assignments: [assignment("assignment-1")],
                commentAnswer: { statusCode: 403, body: { error: { code: "AuthorizationFailed", message: "missing Microsoft Sentinel Responder" } } },
            });
            expect(replay.comments).to.deep.equal([]);
            expectEscalatedAndOpen(replay);
        });

        it("sends no notification when no secret name is configured", () => {
            const replay = replayPlaybook({ alerts: [alertWithCustomDetails(customDetails())], assignments: [assignment("assignment-1")] });
            expect(replay.webhookPosts).to.deep.equal([]);
        });
    });
});
