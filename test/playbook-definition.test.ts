import { expect } from "chai";
import { graphCallsIn, graphPermissionFor, graphPermissionsRequired } from "../replay/logic-apps/graph-calls";
import { loadPlaybookDefinition, parsePlaybookDefinition, PlaybookParameterValues, workflowParameters } from "../components/playbook-definition";
import { maxActionDescriptionLength } from "../replay/logic-apps/definition-checks";
import { customDetailColumns } from "../components/detection-rule";
import { groupMembershipCustomDetailColumns } from "../components/group-membership-rule";
import { listActions, WorkflowAction, WorkflowDefinition } from "../components/workflow-structure";
import { filteredProperties, loadGraphFacts, methodsAllowedOn, propertiesOf, resolveGraphPath } from "./support/graph-contract";
import { connectionNamesUsed, functionNamesUsed, referenceProblems, runAfterCycles, runAfterProblems } from "./support/workflow-checks";

const identityResourceId =
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-pimguard/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-pimguard";

const sampleValues: PlaybookParameterValues = {
    sentinelConnection: {
        connectionId:
            "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-pimguard/providers/Microsoft.Web/connections/azuresentinel-pimguard",
        connectionName: "azuresentinel-pimguard",
        managedApiId: "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Web/locations/westeurope/managedApis/azuresentinel",
    },
    identityResourceId,
    analyticsRuleIds: [
        "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/law/providers/Microsoft.SecurityInsights/alertRules/9c4d7e1f-2a3b-4c5d-8e6f-0a1b2c3d4e5f",
    ],
    watchedRoleTemplateIds: ["62E90394-69F5-4237-9190-012177145E10", "e8611ab8-c189-46e8-94e1-60213ab1f814"],
    removalMethod: "adminRemove",
    mode: "remediate",
    revokeSessions: true,
    closeIncidents: true,
    exemptPrincipalIds: ["6F1C2D3E-0000-4000-8000-00000000BEEF"],
    privilegedGroups: [{ id: "5B6C7D8E-9F00-4A1B-8C2D-3E4F5A6B7C8D", roles: ["62E90394-69F5-4237-9190-012177145E10"] }],
    keyVaultUri: "https://kv-pimguard-ab12cd.vault.azure.net",
    notificationSecretName: "pimguard-webhook",
};

/** A deep copy to mutate when showing that a check catches a broken definition. */
function copyOf(definition: WorkflowDefinition): WorkflowDefinition {
    return JSON.parse(JSON.stringify(definition));
}

function actionNamed(definition: WorkflowDefinition, name: string): WorkflowAction {
    const found = listActions(definition).find((located) => located.name === name);
    if (found === undefined) throw new Error(`the definition has no action ${name}`);
    return found.action;
}

function httpActions(definition: WorkflowDefinition): { name: string; inputs: Record<string, unknown>; action: WorkflowAction }[] {
    return listActions(definition)
        .filter(({ action }) => action.type === "Http")
        .map(({ name, action }) => ({ name, action, inputs: action.inputs as Record<string, unknown> }));
}

const definition = loadPlaybookDefinition();

describe("remediation playbook definition (playbook/workflow.json)", () => {
    describe("what it reads from alerts", () => {
        const detailsRead = () => [...JSON.stringify(definition).matchAll(/outputs\('Read_custom_details'\)\?\['(\w+)'\]/g)].map((match) => match[1]!);

        it("reads only custom details one of pimguard's rules writes: the role rule's, or the group-membership rule's", () => {
            const written = new Set<string>([...customDetailColumns, ...groupMembershipCustomDetailColumns]);
            expect(detailsRead()).to.include.members(["PrincipalId", "RoleTemplateId", "GroupId", "AccessId"]);
            expect(detailsRead().filter((name) => !written.has(name))).to.deep.equal([]);
        });

        it("tells a membership alert by GroupId, which only the group-membership rule writes", () => {
            expect(groupMembershipCustomDetailColumns).to.include("GroupId");
            expect(customDetailColumns).to.not.include("GroupId");
        });
    });

    describe("structure", () => {
        it("has exactly the top-level keys of a workflow definition", () => {
            expect(Object.keys(definition).sort()).to.deep.equal(["$schema", "actions", "contentVersion", "outputs", "parameters", "triggers"].sort());
            expect(definition.$schema).to.equal("https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#");
        });

        it("rejects a definition file that lacks a top-level key, naming the key", () => {
            expect(() => parsePlaybookDefinition(JSON.stringify({ ...definition, triggers: undefined }))).to.throw(/"triggers"/);
        });

        it("starts only from a Sentinel incident, through the azuresentinel connection's webhook", () => {
            const triggers = Object.values(definition.triggers);
            expect(triggers).to.have.length(1);
            expect(triggers[0]).to.deep.include({ type: "ApiConnectionWebhook" });
            expect(triggers[0]!.inputs).to.deep.equal({
                host: { connection: { name: "@parameters('$connections')['azuresentinel']['connectionId']" } },
                body: { callback_url: "@{listCallbackUrl()}" },
                path: "/incident-creation",
            });
        });

        it("only uses action types a Consumption Logic App runs", () => {
            const consumptionTypes = new Set([
                "Compose",
                "Query",
                "Select",
                "ParseJson",
                "InitializeVariable",
                "SetVariable",
                "AppendToArrayVariable",
                "If",
                "Switch",
                "Foreach",
                "Until",
                "Wait",
                "IncrementVariable",
                "Scope",
                "Terminate",
                "Http",
                "ApiConnection",
            ]);
            const unsupported = listActions(definition).filter(({ action }) => !consumptionTypes.has(action.type));
            expect(unsupported.map(({ name, action }) => `${name}: ${action.type}`)).to.deep.equal([]);
        });

        it("describes every action within the 256 characters Logic Apps saves", () => {
            const tooLong = listActions(definition).filter(({ action }) => (action.description ?? "").length > maxActionDescriptionLength);
            expect(tooLong.map(({ name, action }) => `${name}: ${action.description!.length}`)).to.deep.equal([]);
        });

        it("only calls documented workflow definition language functions", () => {
            const documented = new Set(
                [
                    "and",
                    "or",
                    "not",
                    "if",
                    "equals",
                    "greater",
                    "greaterOrEquals",
                    "less",
                    "lessOrEquals",
                    "concat",
                    "endsWith",
                    "startsWith",
                    "indexOf",
                    "lastIndexOf",
                    "nthIndexOf",
                    "replace",
                    "split",
                    "substring",
                    "toLower",
                    "toUpper",
                    "trim",
                    "length",
                    "contains",
                    "empty",
                    "first",
                    "last",
                    "join",
                    "union",
                    "intersection",
                    "skip",
                    "take",
                    "createArray",
                    "coalesce",
                    "json",
                    "string",
                    "int",
                    "bool",
                    "array",
                    "encodeUriComponent",
                    "decodeUriComponent",
                    "add",
                    "sub",
                    "utcNow",
                    "guid",
                    "body",
                    "outputs",
                    "actions",
                    "result",
                    "items",
                    "item",
                    "variables",
                    "parameters",
                    "triggerBody",
                    "triggerOutputs",
                    "listCallbackUrl",
                    "workflow",
                ].map((name) => name.toLowerCase()),
            );
            expect(functionNamesUsed(definition).filter((name) => !documented.has(name.toLowerCase()))).to.deep.equal([]);
        });

        it("names only actions of the same scope in every runAfter", () => {
            expect(runAfterProblems(definition)).to.deep.equal([]);
        });

        it("catches a runAfter that names an action of another scope", () => {
            const broken = copyOf(definition);
            (actionNamed(broken, "Post_incident_comment") as { runAfter: object }).runAfter = { Delete_role_assignment: ["Succeeded"] };
            expect(runAfterProblems(broken)).to.deep.equal([
                "Post_incident_comment runs after Delete_role_assignment, which is not another action of its scope",
            ]);
        });

        it("has no runAfter cycle in any scope", () => {
            expect(runAfterCycles(definition)).to.deep.equal([]);
        });

        it("catches a runAfter cycle", () => {
            const broken = copyOf(definition);
            (actionNamed(broken, "Initialize_alert_reports") as { runAfter: object }).runAfter = { For_each_alert: ["Succeeded"] };
            expect(runAfterCycles(broken)).to.have.length(1);
        });

        it("references only actions, loops, variables and parameters that exist and have been reached", () => {
            expect(referenceProblems(definition)).to.deep.equal([]);
        });

        it("catches a reference to an action that may not have run yet", () => {
            const broken = copyOf(definition);
            (actionNamed(broken, "Describe_alert") as { runAfter: object }).runAfter = { Read_custom_details: ["Succeeded"] };
            (actionNamed(broken, "Normalize_alert_fields") as { runAfter: object }).runAfter = { Describe_alert: ["Succeeded"] };
            expect(
                referenceProblems(broken).some((problem) => /^Describe_alert: outputs\('Normalize_alert_fields'\) may not have run yet/.test(problem)),
            ).to.equal(true);
        });

        it("catches items() outside its Foreach and an undeclared parameter", () => {
            const broken = copyOf(definition);
            (actionNamed(broken, "Decide_incident_outcome") as { inputs: unknown }).inputs = "@concat(items('For_each_alert'), parameters('dryRun'))";
            expect(referenceProblems(broken)).to.deep.equal([
                "Decide_incident_outcome: items('For_each_alert') is not inside that Foreach",
                "Decide_incident_outcome: parameters('dryRun') is not declared",
            ]);
        });

        it("uses only connections that workflowParameters wires", () => {
            const wired = Object.keys(workflowParameters(sampleValues).$connections.value);
            expect(connectionNamesUsed(definition)).to.have.length.above(0);
            expect(connectionNamesUsed(definition).filter((name) => !wired.includes(name))).to.deep.equal([]);
        });

        it("runs every loop one item at a time: the reconcile variables are shared by the iterations", () => {
            const loops = listActions(definition).filter(({ action }) => action.type === "Foreach");
            expect(loops.map(({ name }) => name)).to.include.members(["For_each_alert", "For_each_assignment_to_remove"]);
            for (const { name, action } of loops) expect(action.operationOptions, name).to.equal("Sequential");
        });

        it("includes the shared reconcile part, whose variables the workflow initializes", () => {
            const reconcile = actionNamed(definition, "Reconcile_standing_access");
            expect(reconcile.type).to.equal("Scope");
            expect(reconcile.runAfter).to.deep.equal({ Reconcile_target: ["Succeeded"] });
            const used = new Set([...JSON.stringify(reconcile).matchAll(/"name":"(reconcile\w+)"/g)].map((match) => match[1]!));
            const initialized = listActions(definition)
                .filter(({ action }) => action.type === "InitializeVariable")
                .flatMap(({ action }) => (action.inputs as { variables: { name: string }[] }).variables.map((variable) => variable.name));
            expect([...used].filter((name) => !initialized.includes(name))).to.deep.equal([]);
        });

        it("refuses an include that is not exactly { $include, runAfter }, or parts that include each other", () => {
            const host = (action: unknown) =>
                JSON.stringify({ $schema: "s", contentVersion: "1", parameters: {}, triggers: {}, actions: { Shared: action }, outputs: {} });
            expect(() => parsePlaybookDefinition(host({ $include: "reconcile.json", type: "Scope" }), () => "{}")).to.throw(/must be \{ "\$include"/);
            const parts: Record<string, string> = {
                "part.json": JSON.stringify({ type: "Scope", actions: { X: { $include: "other.json" } } }),
                "other.json": JSON.stringify({ type: "Scope", actions: { Y: { $include: "part.json" } } }),
            };
            expect(() => parsePlaybookDefinition(host({ $include: "part.json" }), (file) => parts[file]!)).to.throw(
                /part\.json includes other\.json includes part\.json: a part cannot include itself/,
            );
        });

        it("includes a part's own parts, with the runAfter each placeholder gave", () => {
            const host = JSON.stringify({
                $schema: "s",
                contentVersion: "1",
                parameters: {},
                triggers: {},
                actions: { Outer: { $include: "outer.json" } },
                outputs: {},
            });
            const parts: Record<string, string> = {
                "outer.json": JSON.stringify({
                    type: "Scope",
                    actions: { First: { type: "Compose", inputs: 1 }, Inner: { $include: "inner.json", runAfter: { First: ["Succeeded"] } } },
                }),
                "inner.json": JSON.stringify({ type: "Compose", inputs: 2 }),
            };
            const parsed = parsePlaybookDefinition(host, (file) => parts[file]!);
            expect(parsed.actions.Outer).to.deep.equal({
                type: "Scope",
                actions: { First: { type: "Compose", inputs: 1 }, Inner: { type: "Compose", inputs: 2, runAfter: { First: ["Succeeded"] } } },
                runAfter: {},
            });
        });
    });

    describe("parameters", () => {
        it("declares exactly the contract's parameters with their types", () => {
            const declared = Object.fromEntries(Object.entries(definition.parameters).map(([name, parameter]) => [name, parameter.type]));
            expect(declared).to.deep.equal({
                $connections: "Object",
                identityResourceId: "String",
                analyticsRuleIds: "Array",
                watchedRoleTemplateIds: "Array",
                mode: "String",
                removalMethod: "String",
                revokeSessions: "Bool",
                closeIncidents: "Bool",
                exemptPrincipalIds: "Array",
                privilegedGroupIds: "Array",
                sanctionedGroupRoles: "Array",
                keyVaultUri: "String",
                notificationSecretName: "String",
            });
        });

        it("defaults to report-only mode and no notification when a value is missing", () => {
            expect(definition.parameters["mode"]!.defaultValue).to.equal("reportOnly");
            expect(definition.parameters["mode"]!.allowedValues).to.have.members(["remediate", "reportOnly"]);
            expect(definition.parameters["notificationSecretName"]!.defaultValue).to.equal("");
            expect(definition.parameters["identityResourceId"]!.defaultValue).to.equal(undefined);
        });

        it("keeps deployment-specific values out of the definition", () => {
            const text = JSON.stringify(definition);
            expect(text).to.not.match(/\/subscriptions\//i);
            expect(text).to.not.match(/vault\.azure\.net\//i);
            expect(text).to.not.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
        });
    });

    describe("workflowParameters", () => {
        it("gives a value to exactly the definition's parameters", () => {
            expect(Object.keys(workflowParameters(sampleValues)).sort()).to.deep.equal(Object.keys(definition.parameters).sort());
        });

        it("wires the Sentinel connection with the managed identity", () => {
            expect(workflowParameters(sampleValues).$connections.value).to.deep.equal({
                azuresentinel: {
                    connectionId: sampleValues.sentinelConnection.connectionId,
                    connectionName: "azuresentinel-pimguard",
                    id: sampleValues.sentinelConnection.managedApiId,
                    connectionProperties: { authentication: { type: "ManagedServiceIdentity", identity: identityResourceId } },
                },
            });
        });

        it("lower-cases exempt object ids, because the playbook compares them exactly", () => {
            expect(workflowParameters(sampleValues).exemptPrincipalIds.value).to.deep.equal(["6f1c2d3e-0000-4000-8000-00000000beef"]);
        });

        it("ends the vault URI with a slash, because the playbook appends secrets/<name>", () => {
            expect(workflowParameters(sampleValues).keyVaultUri.value).to.equal("https://kv-pimguard-ab12cd.vault.azure.net/");
        });

        it("passes mode and flags through unchanged", () => {
            const parameters = workflowParameters({ ...sampleValues, mode: "reportOnly", revokeSessions: false, closeIncidents: false });
            expect([parameters.mode.value, parameters.revokeSessions.value, parameters.closeIncidents.value]).to.deep.equal(["reportOnly", false, false]);
        });

        it("accepts an empty vault URI when notifications are off", () => {
            const parameters = workflowParameters({ ...sampleValues, keyVaultUri: "", notificationSecretName: "" });
            expect([parameters.keyVaultUri.value, parameters.notificationSecretName.value]).to.deep.equal(["", ""]);
        });

        it("rejects an exempt id that is not a GUID, naming it", () => {
            expect(() => workflowParameters({ ...sampleValues, exemptPrincipalIds: ["breakglass@contoso.com"] })).to.throw(
                /exemptPrincipalIds\[0\] "breakglass@contoso.com" is not an object id/,
            );
        });

        it("rejects an unknown mode, naming the allowed ones", () => {
            expect(() => workflowParameters({ ...sampleValues, mode: "remove" as never })).to.throw(/mode "remove" is not one of remediate, reportOnly/);
        });

        it("rejects a system-assigned or malformed identity id", () => {
            expect(() => workflowParameters({ ...sampleValues, identityResourceId: "SystemAssigned" })).to.throw(
                /identityResourceId "SystemAssigned" is not a user-assigned identity id/,
            );
        });

        it("rejects a notification secret without a usable vault URI", () => {
            expect(() => workflowParameters({ ...sampleValues, keyVaultUri: "" })).to.throw(/keyVaultUri "" is not a URL/);
            expect(() => workflowParameters({ ...sampleValues, keyVaultUri: "http://kv.vault.azure.net/" })).to.throw(/https root URI/);
        });

        it("rejects a secret name Key Vault would not accept", () => {
            expect(() => workflowParameters({ ...sampleValues, notificationSecretName: "web hook/url" })).to.throw(
                /notificationSecretName "web hook\/url" is not a Key Vault secret name/,
            );
        });

        it("rejects a connection that is not the azuresentinel managed API", () => {
            const sentinelConnection = {
                ...sampleValues.sentinelConnection,
                managedApiId: "/subscriptions/x/providers/Microsoft.Web/locations/westeurope/managedApis/office365",
            };
            expect(() => workflowParameters({ ...sampleValues, sentinelConnection })).to.throw(/managedApiId .* is not the azuresentinel managed API/);
        });
    });

    describe("Graph contract", () => {
        let facts: ReturnType<typeof loadGraphFacts>;
        let calls: ReturnType<typeof graphCallsIn>;

        before(() => {
            facts = loadGraphFacts();
            calls = graphCallsIn(definition);
        });

        it("reads PIM's instances, removes through PIM (or, opted in, deletes), reads users and revokes sessions - and calls Graph for nothing else", () => {
            expect(calls.map(({ method, path, requestAction }) => `${method} ${path}${requestAction === undefined ? "" : ` ${requestAction}`}`)).to.deep.equal([
                "GET /roleManagement/directory/roleAssignmentScheduleInstances",
                "POST /roleManagement/directory/roleAssignmentScheduleRequests adminRemove",
                "DELETE /roleManagement/directory/roleAssignments/{value}",
                "GET /roleManagement/directory/roleAssignmentScheduleInstances",
                "GET /identityGovernance/privilegedAccess/group/assignmentScheduleInstances",
                "POST /identityGovernance/privilegedAccess/group/assignmentScheduleRequests adminRemove",
                "GET /identityGovernance/privilegedAccess/group/assignmentScheduleInstances",
                "GET /users/{principalId}",
                "POST /users/{principalId}/revokeSignInSessions",
            ]);
        });

        it("calls PIM for Groups only where privileged groups are configured", () => {
            const withoutGroups = graphCallsIn(definition, "adminRemove", false).map((call) => call.path);
            expect(withoutGroups.filter((path) => path.startsWith("/identityGovernance/"))).to.deep.equal([]);
            expect(withoutGroups).to.include("/roleManagement/directory/roleAssignmentScheduleInstances");
        });

        it("asks PIM for Groups for an action Graph v1.0 defines, with the fields a group schedule request has, and lists by principal", () => {
            const request = httpActions(definition).find(({ name }) => name === "Request_membership_removal_through_PIM")!;
            const body = request.inputs["body"] as Record<string, unknown>;
            const requestType = facts.entityTypes["microsoft.graph.privilegedAccessGroupAssignmentScheduleRequest"]!;
            expect(requestType.actions).to.include(body.action);
            expect(Object.keys(body).filter((field) => !(requestType.properties ?? []).includes(field))).to.deep.equal([]);
            const instance = propertiesOf(facts, "microsoft.graph.privilegedAccessGroupAssignmentScheduleInstance");
            for (const listing of calls.filter((call) => call.path === "/identityGovernance/privilegedAccess/group/assignmentScheduleInstances")) {
                // Graph requires exactly one filter, on principalId or groupId.
                expect(filteredProperties(listing.filter ?? "")).to.deep.equal(["principalId"]);
                expect(instance).to.include("principalId");
            }
        });

        it("makes the direct delete only with the opt-in removal method, and the PIM request only without it", () => {
            const names = (method: "adminRemove" | "roleAssignmentDelete") => graphCallsIn(definition, method).map((call) => call.action);
            expect(names("adminRemove")).to.include("Request_removal_through_PIM").and.not.include("Delete_role_assignment");
            expect(names("roleAssignmentDelete")).to.include("Delete_role_assignment").and.not.include("Request_removal_through_PIM");
        });

        it("calls only paths and methods that exist in Graph v1.0", () => {
            for (const call of calls) {
                const target = resolveGraphPath(facts, call.path);
                expect(methodsAllowedOn(target), `${call.method} ${call.path}`).to.include(call.method);
            }
        });

        it("asks PIM for an action Graph v1.0 defines, with the fields a schedule request has", () => {
            const request = httpActions(definition).find(({ name }) => name === "Request_removal_through_PIM")!;
            const body = request.inputs["body"] as Record<string, unknown>;
            const requestType = facts.entityTypes["microsoft.graph.unifiedRoleAssignmentScheduleRequest"]!;
            expect(requestType.actions).to.include(body.action);
            expect(Object.keys(body).filter((field) => !(requestType.properties ?? []).includes(field))).to.deep.equal([]);
        });

        it("rejects a path Graph v1.0 does not have, naming the segment", () => {
            expect(() => resolveGraphPath(facts, "/roleManagement/directory/roleAssignmentScheduleInstance")).to.throw(/"roleAssignmentScheduleInstance"/);
            expect(() => resolveGraphPath(facts, "/servicePrincipals/{id}/revokeSignInSessions")).to.throw(/"servicePrincipals"/);
            expect(methodsAllowedOn(resolveGraphPath(facts, "/roleManagement/directory/roleAssignmentScheduleInstances"))).to.not.include("DELETE");
        });

        it("filters the listings on properties an instance has, and selects properties a user has", () => {
            const listings = calls.filter((call) => call.path === "/roleManagement/directory/roleAssignmentScheduleInstances");
            const properties = propertiesOf(facts, "microsoft.graph.unifiedRoleAssignmentScheduleInstance");
            for (const listing of listings) {
                expect(filteredProperties(listing.filter ?? "")).to.deep.equal(["principalId", "roleDefinitionId"]);
                expect(filteredProperties(listing.filter!).filter((property) => !properties.includes(property))).to.deep.equal([]);
            }
            const userRead = httpActions(definition).find(({ name }) => name === "Read_principal_as_user")!;
            const selected = String((userRead.inputs["queries"] as Record<string, string>)["$select"]).split(",");
            expect(selected.filter((property) => !propertiesOf(facts, "microsoft.graph.user").includes(property))).to.deep.equal([]);
        });
    });

    describe("permissions contract", () => {
        it("by default needs to read instances, remove through PIM, read users and revoke sessions: nothing that can grant a role", () => {
            expect(graphPermissionsRequired(definition, "adminRemove")).to.deep.equal([
                "RoleAssignmentSchedule.Read.Directory",
                "RoleAssignmentSchedule.Remove.Directory",
                "User.Read.All",
                "User.RevokeSessions.All",
            ]);
        });

        it("with privileged groups, also reads and removes PIM for Groups assignments: still nothing that can grant", () => {
            expect(graphPermissionsRequired(definition, "adminRemove", true)).to.deep.equal([
                "PrivilegedAssignmentSchedule.Read.AzureADGroup",
                "PrivilegedAssignmentSchedule.Remove.AzureADGroup",
                "RoleAssignmentSchedule.Read.Directory",
                "RoleAssignmentSchedule.Remove.Directory",
                "User.Read.All",
                "User.RevokeSessions.All",
            ]);
        });

        it("with the opt-in direct delete, needs RoleManagement.ReadWrite.Directory, which also covers the listing", () => {
            expect(graphPermissionFor({ method: "GET", path: "/roleManagement/directory/roleAssignmentScheduleInstances" })).to.equal(
                "RoleAssignmentSchedule.Read.Directory",
            );
            expect(graphPermissionsRequired(definition, "roleAssignmentDelete")).to.deep.equal([
                "RoleManagement.ReadWrite.Directory",
                "User.Read.All",
                "User.RevokeSessions.All",
            ]);
        });

        it("refuses to guess the permission of a Graph call it does not know", () => {
            expect(() => graphPermissionFor({ method: "DELETE", path: "/users/{id}" })).to.throw(/no known Graph permission for DELETE \/users\/\{\}/);
        });

        it("counts a Graph call added anywhere in the definition, however deeply nested", () => {
            const extended = copyOf(definition);
            const revokeBranch = actionNamed(extended, "Revoke_sessions_if_removed") as { actions: Record<string, unknown> };
            revokeBranch.actions["Delete_user"] = {
                type: "Http",
                inputs: { method: "DELETE", uri: "https://graph.microsoft.com/v1.0/users/@{items('For_each_alert')?['id']}" },
                runAfter: {},
            };
            expect(() => graphPermissionsRequired(extended, "adminRemove")).to.throw(/DELETE \/users\/\{\}/);
        });

        it("refuses Graph beta: only v1.0 is checked and granted", () => {
            const beta = copyOf(definition);
            (actionNamed(beta, "List_active_assignments").inputs as { uri: string }).uri =
                "https://graph.microsoft.com/beta/roleManagement/directory/roleAssignmentScheduleInstances";
            expect(() => graphCallsIn(beta)).to.throw(/List_active_assignments calls Graph outside https:\/\/graph.microsoft.com\/v1.0/);
        });
    });

    describe("HTTP actions", () => {
        const graphAuthentication = {
            type: "ManagedServiceIdentity",
            identity: "@parameters('identityResourceId')",
            audience: "https://graph.microsoft.com",
        };

        it("authenticates every Graph call with the user-assigned identity for Graph", () => {
            const graph = httpActions(definition).filter(({ inputs }) => String(inputs["uri"]).startsWith("https://graph.microsoft.com/"));
            expect(graph).to.have.length(9);
            for (const { name, inputs } of graph) expect(inputs["authentication"], name).to.deep.equal(graphAuthentication);
        });

        it("reads the webhook secret with the same identity, for Key Vault", () => {
            const vault = httpActions(definition).filter(({ inputs }) => String(inputs["uri"]).startsWith("@{parameters('keyVaultUri')}"));
            expect(vault.map(({ name }) => name)).to.deep.equal(["Read_notification_webhook_url"]);
            expect(vault[0]!.inputs["method"]).to.equal("GET");
            expect(vault[0]!.inputs["uri"]).to.equal("@{parameters('keyVaultUri')}secrets/@{parameters('notificationSecretName')}?api-version=7.4");
            expect(vault[0]!.inputs["authentication"]).to.deep.equal({ ...graphAuthentication, audience: "https://vault.azure.net" });
        });

        it("sends no identity token to the webhook, and calls no other host", () => {
            const others = httpActions(definition).filter(
                ({ inputs }) =>
                    !String(inputs["uri"]).startsWith("https://graph.microsoft.com/") && !String(inputs["uri"]).startsWith("@{parameters('keyVaultUri')}"),
            );
            expect(others.map(({ name, inputs }) => [name, inputs["uri"], inputs["authentication"]])).to.deep.equal([
                ["Post_notification", "@body('Read_notification_webhook_url')?['value']", undefined],
            ]);
        });

        it("retries every Graph call explicitly: exponential, 4 retries from 10 seconds", () => {
            const graph = httpActions(definition).filter(({ inputs }) => String(inputs["uri"]).startsWith("https://graph.microsoft.com/"));
            for (const { name, inputs } of graph) {
                expect(inputs["retryPolicy"], name).to.deep.include({ type: "exponential", count: 4, interval: "PT10S" });
                expect(inputs["retryPolicy"], name).to.have.keys("type", "count", "interval", "minimumInterval", "maximumInterval");
            }
        });

        it("keeps the webhook URL out of run history: secure inputs and outputs on the secret read and the post", () => {
            for (const name of ["Read_notification_webhook_url", "Post_notification"]) {
                const secureData = (actionNamed(definition, name).runtimeConfiguration as { secureData?: { properties?: string[] } } | undefined)?.secureData;
                expect(secureData?.properties, name).to.have.members(["inputs", "outputs"]);
            }
        });
    });
});
