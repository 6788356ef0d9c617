import { expect } from "chai";
import { DirectoryState, DirectoryStateError, parseDirectoryState } from "../replay/logic-apps/directory-state";
import { FakeCloud, FakeKeyVault, UnexpectedHostError } from "../replay/logic-apps/fake-cloud";
import { playbookGraphAppRoles } from "../components/azure-ids";
import { FakeGraph, parseFilter } from "../replay/logic-apps/fake-graph";
import { graphOperations } from "../replay/logic-apps/graph-permissions";
import { FakeSentinel } from "../replay/logic-apps/fake-sentinel";
import { ConnectorRequest, HttpRequest } from "../replay/logic-apps/network";

const identity = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-pimguard";
const graphAuthentication = { type: "ManagedServiceIdentity", identity, audience: "https://graph.microsoft.com" };
const alice = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const globalAdmin = "62e90394-69f5-4237-9190-012177145e10";
const assignmentsUrl = "https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignments";
const instancesUrl = "https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignmentScheduleInstances";
const requestsUrl = "https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignmentScheduleRequests";
const guest = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
/** Every permission any served call accepts: for tests of behaviour other than permissions. */
const everyPermission = [...new Set(graphOperations.flatMap((operation) => operation.permissions))];
/** What the stack grants by default. */
const stackPermissions = playbookGraphAppRoles("adminRemove");

function directory(overrides: Partial<DirectoryState> = {}): DirectoryState {
    return {
        roleAssignments: [
            { id: "ra-tenant", principalId: alice, roleDefinitionId: globalAdmin, directoryScopeId: "/" },
            { id: "ra-other-role", principalId: alice, roleDefinitionId: "fe930be7-5e62-47db-91af-98c3a49a38b1", directoryScopeId: "/" },
        ],
        users: [alice],
        servicePrincipals: ["7d9e8f10-2a3b-4c5d-9e6f-7a8b9c0d1e2f"],
        groups: [],
        faults: [],
        ...overrides,
    };
}

function graphRequest(method: string, url: string, authentication: unknown = graphAuthentication): HttpRequest {
    return { method, url, headers: {}, authentication };
}

function listUrl(filter: string, base = assignmentsUrl): string {
    return `${base}?$filter=${encodeURIComponent(filter)}`;
}

function graphPost(url: string, body: unknown): HttpRequest {
    return { method: "POST", url, headers: {}, body, authentication: graphAuthentication };
}

function removal(principalId: string, directoryScopeId: string) {
    return { action: "adminRemove", principalId, roleDefinitionId: globalAdmin, directoryScopeId, justification: "test" };
}

type Listed = { value: Record<string, unknown>[]; "@odata.nextLink"?: string };

describe("playbook replay fakes", () => {
    describe("Graph $filter parsing", () => {
        it("reads eq clauses joined by and, unescaping '' in values", () => {
            expect(parseFilter(`principalId eq '${alice}' and roleDefinitionId eq 'it''s'`)).to.deep.equal([
                { property: "principalId", value: alice },
                { property: "roleDefinitionId", value: "it's" },
            ]);
        });

        for (const filter of [
            `principalId eq ${alice}`,
            `principalId ne '${alice}'`,
            `displayName eq 'x'`,
            `principalId eq 'a' or roleDefinitionId eq 'b'`,
            `principalId eq 'a' and`,
        ]) {
            it(`refuses ${JSON.stringify(filter)}`, () => {
                expect(parseFilter(filter)).to.equal(undefined);
            });
        }
    });

    describe("fake Graph", () => {
        it("lists only the assignments matching the filter, ids compared case-insensitively", () => {
            const graph = new FakeGraph(directory(), identity, everyPermission);
            const response = graph.handle(graphRequest("GET", listUrl(`principalId eq '${alice.toUpperCase()}' and roleDefinitionId eq '${globalAdmin}'`)));
            expect(response.statusCode).to.equal(200);
            expect((response.body as { value: { id: string }[] }).value.map((assignment) => assignment.id)).to.deep.equal(["ra-tenant"]);
        });

        it("answers a filter it cannot parse with 400, as Graph does", () => {
            const graph = new FakeGraph(directory(), identity, everyPermission);
            expect(graph.handle(graphRequest("GET", listUrl(`principalId eq ${alice}`))).statusCode).to.equal(400);
        });

        it("deletes an assignment (204), then answers 404 Request_ResourceNotFound for it", () => {
            const graph = new FakeGraph(directory(), identity, everyPermission);
            expect(graph.handle(graphRequest("DELETE", `${assignmentsUrl}/ra-tenant`)).statusCode).to.equal(204);
            const again = graph.handle(graphRequest("DELETE", `${assignmentsUrl}/ra-tenant`));
            expect(again.statusCode).to.equal(404);
            expect(again.body).to.have.nested.property("error.code", "Request_ResourceNotFound");
            expect(graph.snapshot().roleAssignments.map((assignment) => assignment.id)).to.deep.equal(["ra-other-role"]);
        });

        it("revokes a user's sessions (200 value true) and answers 404 for a service principal", () => {
            const graph = new FakeGraph(directory(), identity, everyPermission);
            const user = graph.handle(graphRequest("POST", `https://graph.microsoft.com/v1.0/users/${alice}/revokeSignInSessions`));
            expect(user).to.deep.include({ statusCode: 200 });
            expect(user.body).to.have.property("value", true);
            const servicePrincipal = graph.handle(
                graphRequest("POST", "https://graph.microsoft.com/v1.0/users/7d9e8f10-2a3b-4c5d-9e6f-7a8b9c0d1e2f/revokeSignInSessions"),
            );
            expect(servicePrincipal.statusCode).to.equal(404);
        });

        it("answers 404 to any path pimguard does not call: beta, a typo, another method", () => {
            const graph = new FakeGraph(directory(), identity, everyPermission);
            const unknown = [
                graphRequest("DELETE", "https://graph.microsoft.com/beta/roleManagement/directory/roleAssignments/ra-tenant"),
                graphRequest("DELETE", "https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignment/ra-tenant"),
                graphRequest("POST", assignmentsUrl),
                graphRequest("DELETE", `https://graph.microsoft.com/v1.0/directoryRoles/roleTemplateId=${globalAdmin}/members/${alice}`),
            ];
            expect(unknown.map((request) => graph.handle(request).statusCode)).to.deep.equal([404, 404, 404, 404]);
            expect(graph.snapshot().roleAssignments).to.have.length(2);
        });

        it("rejects a request without the playbook's managed identity for Graph with 401", () => {
            const graph = new FakeGraph(directory(), identity, everyPermission);
            const wrong = [
                undefined,
                { type: "Raw", value: "Bearer x" },
                { ...graphAuthentication, identity: "/other" },
                { ...graphAuthentication, audience: "https://vault.azure.net" },
            ];
            const answers = wrong.map(
                (authentication) => graph.handle({ method: "DELETE", url: `${assignmentsUrl}/ra-tenant`, headers: {}, authentication }).statusCode,
            );
            expect(answers).to.deep.equal([401, 401, 401, 401]);
            expect(graph.snapshot().roleAssignments).to.have.length(2);
        });

        it("applies a fault to requests with its method whose path contains its path, for its first `times` attempts", () => {
            const graph = new FakeGraph(
                directory({ faults: [{ method: "DELETE", path: "/roleAssignments/", status: 403, times: 1 }] }),
                identity,
                everyPermission,
            );
            expect(graph.handle(graphRequest("GET", listUrl(`principalId eq '${alice}'`))).statusCode).to.equal(200);
            const denied = graph.handle(graphRequest("DELETE", `${assignmentsUrl}/ra-tenant`));
            expect(denied.statusCode).to.equal(403);
            expect(denied.body).to.deep.equal({
                error: { code: "Authorization_RequestDenied", message: "Insufficient privileges to complete the operation." },
            });
            expect(graph.handle(graphRequest("DELETE", `${assignmentsUrl}/ra-tenant`)).statusCode).to.equal(204);
            expect(graph.snapshot().faults).to.deep.equal([]);
        });

        it("lists PIM's active instances with the fields Graph documents; an assignment made outside PIM is Assigned, Direct and permanent", () => {
            const graph = new FakeGraph(directory(), identity, stackPermissions);
            const response = graph.handle(graphRequest("GET", listUrl(`principalId eq '${alice}' and roleDefinitionId eq '${globalAdmin}'`, instancesUrl)));
            expect(response.statusCode).to.equal(200);
            expect((response.body as Listed).value).to.deep.equal([
                {
                    id: "ra-tenant",
                    principalId: alice,
                    roleDefinitionId: globalAdmin,
                    directoryScopeId: "/",
                    appScopeId: null,
                    startDateTime: null,
                    endDateTime: null,
                    assignmentType: "Assigned",
                    memberType: "Direct",
                    roleAssignmentOriginId: "ra-tenant",
                    roleAssignmentScheduleId: "ra-tenant",
                },
            ]);
        });

        it("pages a long listing with @odata.nextLink until the last page, which has none", () => {
            const many = Array.from({ length: 5 }, (_, index) => ({
                id: `ra-${index}`,
                principalId: alice,
                roleDefinitionId: globalAdmin,
                directoryScopeId: `/administrativeUnits/${index}`,
            }));
            const graph = new FakeGraph(directory({ roleAssignments: many, pageSize: 2 }), identity, stackPermissions);
            const seen: string[] = [];
            let url: string | undefined = listUrl(`roleDefinitionId eq '${globalAdmin}'`, instancesUrl);
            while (url !== undefined) {
                const page = graph.handle(graphRequest("GET", url)).body as Listed;
                seen.push(...page.value.map((instance) => String(instance.id)));
                url = page["@odata.nextLink"];
            }
            expect(seen).to.deep.equal(["ra-0", "ra-1", "ra-2", "ra-3", "ra-4"]);
            expect(graph.calls).to.have.length(3);
        });

        it("adminRemove ends the principal's direct instances of the role at that scope, activations too, and answers 201 Revoked", () => {
            const state = directory({
                roleAssignments: [
                    { id: "standing", principalId: alice, roleDefinitionId: globalAdmin, directoryScopeId: "/" },
                    {
                        id: "activation",
                        principalId: alice,
                        roleDefinitionId: globalAdmin,
                        directoryScopeId: "/",
                        assignmentType: "Activated",
                        endDateTime: "2026-03-02T18:00:00Z",
                    },
                    { id: "through-group", principalId: alice, roleDefinitionId: globalAdmin, directoryScopeId: "/", memberType: "Group" },
                    { id: "other-scope", principalId: alice, roleDefinitionId: globalAdmin, directoryScopeId: "/administrativeUnits/1" },
                ],
            });
            const graph = new FakeGraph(state, identity, stackPermissions);
            const response = graph.handle(graphPost(requestsUrl, removal(alice, "/")));
            expect(response.statusCode).to.equal(201);
            expect(response.body).to.include({ status: "Revoked", action: "adminRemove", directoryScopeId: "/" });
            expect(graph.snapshot().roleAssignments.map((assignment) => assignment.id)).to.deep.equal(["through-group", "other-scope"]);
        });

        it("answers an adminRemove with nothing to remove 400 RoleAssignmentDoesNotExist", () => {
            const graph = new FakeGraph(directory(), identity, stackPermissions);
            const response = graph.handle(graphPost(requestsUrl, removal(alice, "/administrativeUnits/none")));
            expect(response.statusCode).to.equal(400);
            expect(response.body).to.have.nested.property("error.code", "RoleAssignmentDoesNotExist");
        });

        it("enforces the identity's permissions: the remove-only permission allows adminRemove and nothing else", () => {
            const removeOnly = new FakeGraph(directory(), identity, ["RoleAssignmentSchedule.Remove.Directory"]);
            const assign = removeOnly.handle(graphPost(requestsUrl, { ...removal(alice, "/"), action: "adminAssign" }));
            expect(assign.statusCode).to.equal(403);
            const listing = removeOnly.handle(graphRequest("GET", listUrl(`principalId eq '${alice}'`, instancesUrl)));
            expect(listing.statusCode, "remove-only cannot read").to.equal(403);
            expect(removeOnly.handle(graphPost(requestsUrl, removal(alice, "/"))).statusCode).to.equal(201);
        });

        it("answers a refused PIM call as Graph does: UnknownError wrapping PermissionScopeNotGranted; a directory call with Authorization_RequestDenied", () => {
            const readOnly = new FakeGraph(directory(), identity, ["RoleAssignmentSchedule.Read.Directory"]);
            const pim = readOnly.handle(graphPost(requestsUrl, removal(alice, "/")));
            expect(pim.statusCode).to.equal(403);
            const error = (pim.body as { error: { code: string; message: string } }).error;
            expect(error.code).to.equal("UnknownError");
            expect(JSON.parse(error.message)).to.include({ errorCode: "PermissionScopeNotGranted" });
            expect(JSON.parse(error.message).message).to.contain("RoleAssignmentSchedule.Remove.Directory");
            const user = readOnly.handle(graphRequest("GET", `https://graph.microsoft.com/v1.0/users/${alice}?$select=id,userType`));
            expect(user).to.deep.include({ statusCode: 403 });
            expect(user.body).to.have.nested.property("error.code", "Authorization_RequestDenied");
            expect(readOnly.snapshot().roleAssignments).to.have.length(2);
        });

        it("reads a user's type, member or guest, and answers 404 for anything else; revoking a guest answers 200 though nothing is revoked", () => {
            const graph = new FakeGraph(directory({ guests: [guest] }), identity, stackPermissions);
            const read = (id: string) => graph.handle(graphRequest("GET", `https://graph.microsoft.com/v1.0/users/${id}?$select=id,userType`));
            expect(read(alice).body).to.deep.equal({ id: alice, userType: "Member" });
            expect(read(guest).body).to.deep.equal({ id: guest, userType: "Guest" });
            expect(read("7d9e8f10-2a3b-4c5d-9e6f-7a8b9c0d1e2f").statusCode).to.equal(404);
            expect(graph.handle(graphRequest("POST", `https://graph.microsoft.com/v1.0/users/${guest}/revokeSignInSessions`)).statusCode).to.equal(200);
        });

        it("lists PIM for Groups' instances only when filtered on one group or one principal, as Graph requires", () => {
            const tier0 = "5b6c7d8e-9f00-4a1b-8c2d-3e4f5a6b7c8d";
            const state = directory({
                groupMemberships: [
                    { id: "m-alice", groupId: tier0, principalId: alice, accessId: "member" },
                    { id: "o-bob", groupId: tier0, principalId: "9e8d7c6b-5a49-4382-b716-05f4e3d2c1b0", accessId: "owner", assignmentType: "Activated" },
                ],
            });
            const graph = new FakeGraph(state, identity, ["PrivilegedAssignmentSchedule.Read.AzureADGroup"]);
            const base = "https://graph.microsoft.com/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleInstances";
            expect(graph.handle(graphRequest("GET", base)).statusCode).to.equal(400);
            expect(graph.handle(graphRequest("GET", listUrl(`groupId eq '${tier0}' and principalId eq '${alice}'`, base))).statusCode).to.equal(400);
            const listed = graph.handle(graphRequest("GET", listUrl(`groupId eq '${tier0}'`, base))).body as Listed;
            expect(listed.value.map((instance) => [instance.id, instance.accessId, instance.assignmentType, instance.memberType])).to.deep.equal([
                ["m-alice", "member", "Assigned", "Direct"],
                ["o-bob", "owner", "Activated", "Direct"],
            ]);
        });

        it("ends a direct membership through PIM for Groups' adminRemove with the remove-only permission, and nothing broader", () => {
            const tier0 = "5b6c7d8e-9f00-4a1b-8c2d-3e4f5a6b7c8d";
            const state = directory({
                groupMemberships: [
                    { id: "member", groupId: tier0, principalId: alice, accessId: "member" },
                    { id: "owner", groupId: tier0, principalId: alice, accessId: "owner" },
                ],
            });
            const url = "https://graph.microsoft.com/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests";
            const graph = new FakeGraph(state, identity, ["PrivilegedAssignmentSchedule.Remove.AzureADGroup"]);
            expect(graph.handle(graphPost(url, { action: "adminAssign", accessId: "member", principalId: alice, groupId: tier0 })).statusCode).to.equal(403);
            const removed = graph.handle(
                graphPost(url, { action: "adminRemove", accessId: "member", principalId: alice, groupId: tier0, justification: "test" }),
            );
            expect(removed.statusCode).to.equal(201);
            expect(graph.snapshot().groupMemberships!.map((membership) => membership.id)).to.deep.equal(["owner"]);
        });

        it("records every request with its method, URL and status", () => {
            const graph = new FakeGraph(directory(), identity, everyPermission);
            graph.handle(graphRequest("DELETE", `${assignmentsUrl}/nope`));
            expect(graph.calls).to.deep.equal([{ method: "DELETE", url: `${assignmentsUrl}/nope`, status: 404 }]);
        });
    });

    describe("fake Sentinel connector", () => {
        const incidentId =
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w/providers/Microsoft.SecurityInsights/Incidents/1";
        const connection = {
            connectionId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/connections/azuresentinel",
            id: "/subscriptions/s/providers/Microsoft.Web/locations/westeurope/managedApis/azuresentinel",
            connectionProperties: { authentication: { type: "ManagedServiceIdentity", identity } },
        };
        const request = (method: string, path: string, body: unknown): ConnectorRequest => ({
            connectionName: "azuresentinel",
            connection,
            method,
            path,
            queries: {},
            body,
        });

        it("records comments and applies updates as sent", () => {
            const sentinel = new FakeSentinel({ id: incidentId, status: "New", severity: "Medium" });
            expect(sentinel.handle(request("POST", "/Incidents/Comment", { incidentArmId: incidentId, message: "done" })).statusCode).to.equal(200);
            const update = { incidentArmId: incidentId, severity: "High", tagsToAdd: { TagsToAdd: [{ Tag: "pimguard-remediation-failed" }] } };
            expect(sentinel.handle(request("PUT", "/Incidents", update)).statusCode).to.equal(200);
            expect(sentinel.comments).to.deep.equal(["done"]);
            expect(sentinel.updates).to.deep.equal([update]);
            expect(sentinel.incident).to.deep.equal({ status: "New", severity: "High", tags: ["pimguard-remediation-failed"] });
        });

        it("refuses another incident, closing without a classification, unknown fields and values", () => {
            const sentinel = new FakeSentinel({ id: incidentId, status: "New", severity: "Medium" });
            const answers = [
                request("POST", "/Incidents/Comment", { incidentArmId: `${incidentId}0`, message: "x" }),
                request("PUT", "/Incidents", { incidentArmId: incidentId, status: "Closed" }),
                request("PUT", "/Incidents", { incidentArmId: incidentId, priority: "P1" }),
                request("PUT", "/Incidents", { incidentArmId: incidentId, severity: "Critical" }),
                request("PUT", "/Incidents", { incidentArmId: incidentId, status: "Closed", classification: { ClassificationAndReason: "TruePositive" } }),
                request("POST", "/Incidents/Comments", { incidentArmId: incidentId, message: "x" }),
            ].map((sent) => sentinel.handle(sent).statusCode);
            expect(answers).to.deep.equal([404, 400, 400, 400, 400, 404]);
            expect(sentinel.comments).to.deep.equal([]);
            expect(sentinel.updates).to.deep.equal([]);
        });

        it("refuses a connection that is not the azuresentinel API with a managed identity", () => {
            const sentinel = new FakeSentinel({ id: incidentId, status: "New", severity: "Medium" });
            const withoutIdentity = {
                ...request("POST", "/Incidents/Comment", { incidentArmId: incidentId, message: "x" }),
                connection: { ...connection, connectionProperties: {} },
            };
            expect(sentinel.handle(withoutIdentity).statusCode).to.equal(401);
        });
    });

    describe("fake Key Vault and the network", () => {
        const vault = new FakeKeyVault("https://kv-test.vault.azure.net/", new Map([["webhook", "https://hooks.example/x"]]), identity);
        const vaultAuthentication = { type: "ManagedServiceIdentity", identity, audience: "https://vault.azure.net" };

        it("returns a secret to the playbook's identity", () => {
            const response = vault.handle({
                method: "GET",
                url: "https://kv-test.vault.azure.net/secrets/webhook?api-version=7.4",
                headers: {},
                authentication: vaultAuthentication,
            });
            expect(response.statusCode).to.equal(200);
            expect(response.body).to.have.property("value", "https://hooks.example/x");
        });

        it("needs the vault audience, the api-version and an existing secret", () => {
            const get = (url: string, authentication: unknown = vaultAuthentication) =>
                vault.handle({ method: "GET", url, headers: {}, authentication }).statusCode;
            expect(get("https://kv-test.vault.azure.net/secrets/webhook?api-version=7.4", graphAuthentication)).to.equal(401);
            expect(get("https://kv-test.vault.azure.net/secrets/webhook")).to.equal(400);
            expect(get("https://kv-test.vault.azure.net/secrets/other?api-version=7.4")).to.equal(404);
        });

        it("stops the replay when the playbook calls a host it does not know", () => {
            const cloud = new FakeCloud(
                new FakeGraph(directory(), identity, everyPermission),
                new FakeSentinel({ id: "/x/providers/Microsoft.SecurityInsights/Incidents/1", status: "New", severity: "Low" }),
                vault,
                undefined,
            );
            expect(() => cloud.send({ method: "POST", url: "https://attacker.example/collect", headers: {} })).to.throw(
                UnexpectedHostError,
                /attacker\.example/,
            );
        });
    });

    describe("directory state files", () => {
        it("treats absent lists as empty", () => {
            expect(parseDirectoryState({ users: [alice] })).to.deep.equal({
                roleAssignments: [],
                groupMemberships: [],
                users: [alice],
                guests: [],
                servicePrincipals: [],
                groups: [],
                faults: [],
            });
        });

        it("names what is wrong: an unknown key, a field of an assignment, a fault", () => {
            expect(() => parseDirectoryState({ roleAssignment: [] })).to.throw(DirectoryStateError, /unknown key\(s\) roleAssignment/);
            expect(() => parseDirectoryState({ roleAssignments: [{ id: "x", principalId: alice, roleDefinitionId: globalAdmin }] })).to.throw(
                DirectoryStateError,
                /roleAssignments\[0\]\.directoryScopeId/,
            );
            expect(() => parseDirectoryState({ faults: [{ method: "DELETE", path: "/x", status: 204, times: 1 }] })).to.throw(
                DirectoryStateError,
                /faults\[0\]\.status/,
            );
        });
    });
});
