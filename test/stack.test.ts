import { expect } from "chai";
import { privilegedBuiltInRoles } from "../components/roles";
import {
    DeclaredResource,
    graphAppRoleIds,
    graphServicePrincipalObjectId,
    isSecretInput,
    minimalConfig,
    runStack,
    securityInsightsObjectId,
    StackRun,
    subscriptionId,
    tenantId,
    workspaceLocation,
} from "./support/stack-harness";

const types = {
    identity: "azure-native:managedidentity:UserAssignedIdentity",
    appRoleAssignment: "azuread:index/appRoleAssignment:AppRoleAssignment",
    roleAssignment: "azure-native:authorization:RoleAssignment",
    vault: "azure-native:keyvault:Vault",
    secret: "azure-native:keyvault:Secret",
    watchlist: "azure-native:securityinsights:Watchlist",
    watchlistItem: "azure-native:securityinsights:WatchlistItem",
    rule: "azure-native:securityinsights:ScheduledAlertRule",
    automationRule: "azure-native:securityinsights:AutomationRule",
    workflow: "azure-native:logic:Workflow",
    genericResource: "azure-native:resources:Resource",
    resourceGroup: "azure-native:resources:ResourceGroup",
    diagnosticSetting: "azure-native:aadiam:DiagnosticSetting",
};

const roleIds = {
    sentinelResponder: "3e150937-b8fe-4cfb-8069-0eaf05ecd056",
    sentinelAutomationContributor: "f4c81013-99ee-4d62-a7ee-b3f1f648599a",
    keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
};
const workspaceId = `/subscriptions/${subscriptionId}/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/law-sentinel`;
const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const breakGlass = { id: "3f2b8c1e-6d4a-4e0b-9b7c-2a5d8e1f0c34", reason: "Break-glass account 1" };

function roleAssignmentFor(run: StackRun, roleId: string): DeclaredResource {
    const found = run.ofType(types.roleAssignment).filter((assignment) => assignment.inputs.roleDefinitionId.endsWith(`/${roleId}`));
    expect(found, `role assignments of ${roleId}`).to.have.length(1);
    return found[0];
}

function watchlist(run: StackRun, alias: string): DeclaredResource {
    const found = run.ofType(types.watchlist).find((candidate) => candidate.inputs.watchlistAlias === alias);
    expect(found, `watchlist ${alias}`).to.not.equal(undefined);
    return found!;
}

/** The rows of a watchlist as the stack declares them: one WatchlistItem each, in order. */
function itemsOf(run: StackRun, alias: string): Record<string, string>[] {
    return run
        .ofType(types.watchlistItem)
        .filter((item) => item.inputs.watchlistAlias === alias)
        .map((item) => item.inputs.itemsKeyValue);
}

function itemIds(run: StackRun, alias: string): string[] {
    return run
        .ofType(types.watchlistItem)
        .filter((item) => item.inputs.watchlistAlias === alias)
        .map((item) => item.inputs.watchlistItemId);
}

/** Sentinel's display-name rule (watchlists-create docs), written out as the docs state it. */
function followsWatchlistNamingRule(name: string): boolean {
    const allowed = [...name].every((character) => /[A-Za-z0-9 _-]/.test(character));
    const startsAndEndsWell = /^[A-Za-z0-9]/.test(name) && /[A-Za-z0-9]$/.test(name);
    return name.length >= 3 && name.length <= 64 && allowed && startsAndEndsWell;
}

describe("the pimguard stack", function () {
    let run: StackRun;

    before(async () => {
        run = await runStack(minimalConfig);
        if (run.error) {
            throw run.error;
        }
    });

    describe("components", () => {
        it("every pimguard component is under PimGuard and every Azure resource under a pimguard component", () => {
            const root = run.resources.filter((resource) => resource.parentType === undefined);
            expect(root.map((resource) => resource.type)).to.deep.equal(["pimguard:index:PimGuard"]);
            for (const resource of run.resources.filter((candidate) => !candidate.custom && candidate.parentType !== undefined)) {
                expect(resource.type, resource.name).to.match(/^pimguard:index:[A-Z]\w+$/);
                expect(resource.parentType, resource.name).to.equal("pimguard:index:PimGuard");
            }
            for (const resource of run.resources.filter((candidate) => candidate.custom)) {
                expect(resource.parentType, `${resource.type} ${resource.name}`).to.match(/^pimguard:index:/);
            }
        });

        it("declares each part of the design once, and the watchlist component twice", () => {
            const componentTypes = run.resources.filter((resource) => !resource.custom).map((resource) => resource.type.replace("pimguard:index:", ""));
            expect(componentTypes.sort()).to.deep.equal(
                [
                    "DetectionRule",
                    "PimGuard",
                    "PlaybookAutomation",
                    "PlaybookIdentity",
                    "ReconcileSweep",
                    "RemediationPlaybook",
                    "SecretsVault",
                    "SentinelWatchlist",
                    "SentinelWatchlist",
                    "TamperDetectionRule",
                ].sort(),
            );
        });

        it("exports what a user needs to find the deployed pieces", () => {
            expect(run.outputs.ruleId).to.match(guid);
            expect(run.outputs.ruleResourceId).to.equal(run.named(types.rule, "pimguard-detection").id);
            expect(run.outputs.playbookId).to.equal(run.playbookWorkflow().id);
            expect(run.ofType(types.automationRule).map((rule) => rule.id)).to.include(run.outputs.automationRuleId);
            expect(run.outputs.identityPrincipalId).to.match(guid);
            expect(run.outputs.vaultUri).to.match(/^https:\/\/kv-pimguard-[a-z0-9]{6}\.vault\.azure\.net\/$/);
            expect(run.outputs.privilegedRolesWatchlistAlias).to.equal("PimGuardPrivilegedRoles");
            expect(run.outputs.exemptPrincipalsWatchlistAlias).to.equal("PimGuardExemptPrincipals");
        });

        it("puts the playbook side in a new resource group in the workspace's region when none is configured", () => {
            const group = run.single(types.resourceGroup);
            expect(group.inputs.location).to.equal(workspaceLocation);
            expect(run.playbookWorkflow().inputs.resourceGroupName).to.equal(run.outputs.resourceGroupName);
            expect(run.playbookWorkflow().inputs.location).to.equal(workspaceLocation);
        });

        it("uses a configured resource group instead of creating one", async () => {
            const withGroup = await runStack({ ...minimalConfig, "pimguard:resourceGroupName": "rg-pimguard-prod" });
            expect(withGroup.ofType(types.resourceGroup)).to.have.length(0);
            for (const type of [types.identity, types.vault, types.genericResource]) {
                expect(withGroup.single(type).inputs.resourceGroupName, type).to.equal("rg-pimguard-prod");
            }
            for (const workflow of withGroup.ofType(types.workflow)) expect(workflow.inputs.resourceGroupName, workflow.name).to.equal("rg-pimguard-prod");
            expect(roleAssignmentFor(withGroup, roleIds.sentinelAutomationContributor).inputs.scope).to.equal(
                `/subscriptions/${subscriptionId}/resourceGroups/rg-pimguard-prod`,
            );
        });

        it("does not stream AuditLogs unless asked, and streams them to the workspace when asked", async () => {
            expect(run.ofType(types.diagnosticSetting)).to.have.length(0);
            const streaming = await runStack({ ...minimalConfig, "pimguard:streamAuditLogs": "true" });
            const setting = streaming.single(types.diagnosticSetting);
            expect(setting.inputs.workspaceId).to.equal(workspaceId);
            expect(setting.inputs.logs).to.deep.equal([{ category: "AuditLogs", enabled: true }]);
        });
    });

    describe("PlaybookIdentity", () => {
        it("is a user-assigned managed identity beside the playbook", () => {
            const identity = run.single(types.identity);
            expect(identity.inputs.location).to.equal(workspaceLocation);
            expect(run.playbookWorkflow().inputs.identity).to.deep.equal({ type: "UserAssigned", userAssignedIdentities: [identity.id] });
        });

        it("holds exactly the Graph app roles to read PIM's view, remove through PIM, read users and revoke sessions, on Graph's service principal", () => {
            const assignments = run.ofType(types.appRoleAssignment);
            const expected = ["RoleAssignmentSchedule.Read.Directory", "RoleAssignmentSchedule.Remove.Directory", "User.Read.All", "User.RevokeSessions.All"];
            expect(assignments.map((assignment) => assignment.inputs.appRoleId).sort()).to.deep.equal(expected.map((value) => graphAppRoleIds[value]).sort());
            for (const assignment of assignments) {
                expect(assignment.inputs.resourceObjectId).to.equal(graphServicePrincipalObjectId);
                expect(assignment.inputs.principalObjectId).to.equal(run.outputs.identityPrincipalId);
            }
        });

        it("looks the app role ids up by permission value rather than hard-coding them", async () => {
            const original = { ...graphAppRoleIds };
            graphAppRoleIds["RoleAssignmentSchedule.Remove.Directory"] = "00000000-0000-4000-8000-0000000000aa";
            try {
                const otherTenant = await runStack(minimalConfig);
                expect(otherTenant.ofType(types.appRoleAssignment).map((assignment) => assignment.inputs.appRoleId)).to.include(
                    "00000000-0000-4000-8000-0000000000aa",
                );
            } finally {
                Object.assign(graphAppRoleIds, original);
            }
        });

        it("is Microsoft Sentinel Responder on the workspace and Key Vault Secrets User on the vault, nothing else", () => {
            const responder = roleAssignmentFor(run, roleIds.sentinelResponder);
            expect(responder.inputs.scope).to.equal(workspaceId);
            expect(responder.inputs.principalId).to.equal(run.outputs.identityPrincipalId);
            const secretsUser = roleAssignmentFor(run, roleIds.keyVaultSecretsUser);
            expect(secretsUser.inputs.scope).to.equal(run.single(types.vault).id);
            expect(secretsUser.inputs.principalId).to.equal(run.outputs.identityPrincipalId);
            const identityGrants = run.ofType(types.roleAssignment).filter((assignment) => assignment.inputs.principalId === run.outputs.identityPrincipalId);
            expect(identityGrants).to.have.length(2);
        });
    });

    describe("Azure role assignments", () => {
        it("are never at subscription scope", () => {
            for (const assignment of run.ofType(types.roleAssignment)) {
                expect(assignment.inputs.scope, assignment.name).to.match(/^\/subscriptions\/[^/]+\/resourceGroups\/.+/);
            }
        });

        it("name the full built-in role definition id and say the principal is a service principal", () => {
            for (const assignment of run.ofType(types.roleAssignment)) {
                expect(assignment.inputs.roleDefinitionId).to.match(
                    new RegExp(`^/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/[0-9a-f-]{36}$`),
                );
                expect(assignment.inputs.principalType).to.equal("ServicePrincipal");
            }
        });

        it("have GUID names that are the same on every run and different for each grant", async () => {
            const again = await runStack(minimalConfig);
            const names = (stack: StackRun) =>
                stack
                    .ofType(types.roleAssignment)
                    .map((assignment) => assignment.inputs.roleAssignmentName as string)
                    .sort();
            expect(names(run)).to.have.length(3);
            names(run).forEach((name) => expect(name).to.match(guid));
            expect(new Set(names(run)).size).to.equal(3);
            expect(names(again)).to.deep.equal(names(run));
        });
    });

    describe("SecretsVault", () => {
        it("is an RBAC-mode Key Vault with soft delete and purge protection", () => {
            const properties = run.single(types.vault).inputs.properties;
            expect(properties).to.include({ enableRbacAuthorization: true, enableSoftDelete: true, enablePurgeProtection: true, tenantId });
            // The API requires accessPolicies outside recover mode; RBAC mode leaves it empty.
            expect(properties.accessPolicies).to.deep.equal([]);
            expect(properties.softDeleteRetentionInDays).to.be.at.least(7);
        });

        it("has a globally unique name Key Vault accepts", () => {
            const name: string = run.single(types.vault).inputs.vaultName;
            expect(name.length).to.be.within(3, 24);
            expect(name).to.match(/^[a-z][a-z0-9-]*[a-z0-9]$/);
            expect(name).not.to.contain("--");
            expect(run.single("random:index/randomString:RandomString").inputs).to.include({ special: false, upper: false });
        });

        it("holds no secret when no webhook is configured, and tells the playbook so", () => {
            expect(run.ofType(types.secret)).to.have.length(0);
            expect(run.playbookWorkflow().inputs.parameters.notificationSecretName.value).to.equal("");
        });

        it("keeps a configured webhook URL a secret from config to vault, out of the workflow and the outputs", async () => {
            const url = "https://hooks.example.com/services/T000/B000/very-secret-token";
            const withWebhook = await runStack({ ...minimalConfig, "pimguard:notificationWebhookUrl": url }, ["pimguard:notificationWebhookUrl"]);
            const secret = withWebhook.single(types.secret);
            expect(isSecretInput(secret.inputs.properties)).to.equal(true);
            expect(secret.inputs.vaultName).to.equal(withWebhook.single(types.vault).inputs.vaultName);
            const workflowParameters = withWebhook.playbookWorkflow().inputs.parameters;
            expect(workflowParameters.notificationSecretName.value).to.equal(secret.inputs.secretName);
            expect(JSON.stringify(withWebhook.playbookWorkflow().inputs)).not.to.contain("very-secret-token");
            expect(JSON.stringify(withWebhook.outputs)).not.to.contain("very-secret-token");
        });
    });

    describe("SentinelWatchlist", () => {
        it("declares each watchlist without CSV content (Sentinel refuses an upload with no data rows)", () => {
            for (const list of run.ofType(types.watchlist)) {
                expect(list.inputs, list.name).not.to.have.property("rawContent");
                expect(list.inputs.provider, list.name).to.equal("Microsoft");
                expect(followsWatchlistNamingRule(list.inputs.displayName), list.inputs.displayName).to.equal(true);
            }
        });

        it("privileged roles: one item per configured role, searchable by template id", () => {
            expect(watchlist(run, "PimGuardPrivilegedRoles").inputs.itemsSearchKey).to.equal("RoleTemplateId");
            const items = itemsOf(run, "PimGuardPrivilegedRoles");
            expect(items).to.have.length(privilegedBuiltInRoles.length);
            expect(items).to.deep.include({ RoleTemplateId: "62e90394-69f5-4237-9190-012177145e10", RoleName: "Global Administrator" });
        });

        it("privileged roles follow the configured list", async () => {
            const custom = await runStack({ ...minimalConfig, "pimguard:privilegedRoles": JSON.stringify(["Global Administrator", "Exchange Administrator"]) });
            expect(itemsOf(custom, "PimGuardPrivilegedRoles")).to.deep.equal([
                { RoleTemplateId: "62e90394-69f5-4237-9190-012177145e10", RoleName: "Global Administrator" },
                { RoleTemplateId: "29232cdf-9323-42fd-ade2-1d097af3e4de", RoleName: "Exchange Administrator" },
            ]);
        });

        it("exempt principals: the watchlist exists with no items by default", () => {
            expect(watchlist(run, "PimGuardExemptPrincipals").inputs.itemsSearchKey).to.equal("PrincipalId");
            expect(itemsOf(run, "PimGuardExemptPrincipals")).to.deep.equal([]);
        });

        it("exempt principals: one item per exemption, the reason kept as written", async () => {
            const second = { id: "9a7e4d2c-1b3f-4c5e-8d6a-0f9e2b4c7a13", reason: 'Break-glass 2, "cloud-only"' };
            const config = { ...minimalConfig, "pimguard:exemptPrincipals": JSON.stringify([breakGlass, second]) };
            expect(itemsOf(await runStack(config), "PimGuardExemptPrincipals")).to.deep.equal([
                { PrincipalId: breakGlass.id, Reason: breakGlass.reason },
                { PrincipalId: second.id, Reason: second.reason },
            ]);
        });

        it("adding one exemption adds one item and changes no other", async () => {
            const second = { id: "9a7e4d2c-1b3f-4c5e-8d6a-0f9e2b4c7a13", reason: "Break-glass account 2" };
            const before = await runStack({ ...minimalConfig, "pimguard:exemptPrincipals": JSON.stringify([breakGlass]) });
            const after = await runStack({ ...minimalConfig, "pimguard:exemptPrincipals": JSON.stringify([second, breakGlass]) });
            const exemptItems = (stack: StackRun) =>
                stack.ofType(types.watchlistItem).filter((item) => item.inputs.watchlistAlias === "PimGuardExemptPrincipals");
            const [kept] = exemptItems(before);
            const keptAfter = exemptItems(after).find((item) => item.name === kept!.name);
            expect(keptAfter?.inputs, "the existing exemption's item").to.deep.equal(kept!.inputs);
            expect(exemptItems(after).map((item) => item.name)).to.have.length(2);
            expect(after.ofType(types.watchlist).map((list) => list.inputs)).to.deep.equal(before.ofType(types.watchlist).map((list) => list.inputs));
        });

        it("item ids are GUIDs derived from the search key, the same for any case of it", async () => {
            const upper = { id: breakGlass.id.toUpperCase(), reason: breakGlass.reason };
            const ids = async (exemption: typeof breakGlass) =>
                itemIds(await runStack({ ...minimalConfig, "pimguard:exemptPrincipals": JSON.stringify([exemption]) }), "PimGuardExemptPrincipals");
            const lower = await ids(breakGlass);
            expect(lower).to.have.length(1);
            expect(lower[0]).to.match(guid);
            expect(await ids(upper)).to.deep.equal(lower);
            const roleIds = itemIds(run, "PimGuardPrivilegedRoles");
            expect(new Set(roleIds).size).to.equal(roleIds.length);
        });
    });

    describe("DetectionRule", () => {
        it("is a scheduled, enabled, high-severity privilege-escalation rule with a deterministic GUID id", async () => {
            const rule = run.named(types.rule, "pimguard-detection");
            expect(rule.inputs).to.include({ kind: "Scheduled", enabled: true, severity: "High", triggerOperator: "GreaterThan", triggerThreshold: 0 });
            expect(rule.inputs.tactics).to.include("PrivilegeEscalation");
            expect(rule.inputs.ruleId).to.match(guid);
            expect((await runStack(minimalConfig)).named(types.rule, "pimguard-detection").inputs.ruleId).to.equal(rule.inputs.ruleId);
            expect(rule.inputs.workspaceName).to.equal("law-sentinel");
            expect(rule.inputs.resourceGroupName).to.equal("rg-sentinel");
        });

        it("runs every 5 minutes and looks back an hour more, by default", () => {
            const rule = run.named(types.rule, "pimguard-detection");
            expect(rule.inputs.queryFrequency).to.equal("PT5M");
            expect(rule.inputs.queryPeriod).to.equal("PT1H5M");
            expect(rule.inputs.query)
                .to.match(/^let ruleFrequency = 5m;/m)
                .and.to.match(/^let lookBack = 65m;/m);
        });

        it("carries a configured frequency into the schedule and the query", async () => {
            const rule = (await runStack({ ...minimalConfig, "pimguard:ruleFrequencyMinutes": "1440" })).named(types.rule, "pimguard-detection");
            expect(rule.inputs.queryFrequency).to.equal("P1D");
            expect(rule.inputs.queryPeriod).to.equal("P1DT1H");
            expect(rule.inputs.query)
                .to.match(/^let ruleFrequency = 1440m;/m)
                .and.to.match(/^let lookBack = 1500m;/m);
        });

        it("raises one alert per result row and one incident per principal and role", () => {
            const rule = run.named(types.rule, "pimguard-detection");
            expect(rule.inputs.eventGroupingSettings).to.deep.equal({ aggregationKind: "AlertPerResult" });
            expect(rule.inputs.incidentConfiguration.createIncident).to.equal(true);
            const grouping = rule.inputs.incidentConfiguration.groupingConfiguration;
            expect(grouping).to.include({ enabled: true, matchingMethod: "Selected", reopenClosedIncident: false });
            expect(grouping.groupByCustomDetails.sort()).to.deep.equal(["PrincipalId", "RoleTemplateId"]);
        });

        it("maps the target account by AadUserId, the initiating account and the initiating IP", () => {
            const mappings: { entityType: string; fieldMappings: { identifier: string; columnName: string }[] }[] = run.named(types.rule, "pimguard-detection")
                .inputs.entityMappings;
            const describe = mappings.map(
                (mapping) => `${mapping.entityType}:${mapping.fieldMappings.map((field) => `${field.identifier}=${field.columnName}`).join(",")}`,
            );
            expect(describe).to.include("Account:AadUserId=PrincipalId,DisplayName=PrincipalName");
            expect(describe).to.include("Account:FullName=InitiatedByUpn");
            expect(describe).to.include("IP:Address=InitiatedByIp");
        });

        it("passes the playbook everything it acts on as custom details", () => {
            const details = run.named(types.rule, "pimguard-detection").inputs.customDetails;
            for (const column of ["RoleTemplateId", "RoleName", "PrincipalId", "PrincipalType", "DirectoryScopeId", "Exempt", "Signal"]) {
                expect(details[column], column).to.equal(column);
            }
        });
    });

    describe("RemediationPlaybook", () => {
        it("connects to Sentinel through an API connection that accepts the managed identity", () => {
            const connection = run.single(types.genericResource);
            expect(connection.inputs).to.include({
                resourceProviderNamespace: "Microsoft.Web",
                resourceType: "connections",
                apiVersion: "2016-06-01",
                kind: "V1",
                parentResourcePath: "",
            });
            expect(connection.inputs.properties.parameterValueType).to.equal("Alternative");
            expect(connection.inputs.properties.api.id).to.equal(
                `/subscriptions/${subscriptionId}/providers/Microsoft.Web/locations/${workspaceLocation}/managedApis/azuresentinel`,
            );
        });

        it("wires $connections.azuresentinel to that connection, authenticated as the identity", () => {
            const parameters = run.playbookWorkflow().inputs.parameters;
            const identityId = run.single(types.identity).id;
            const sentinel = parameters.$connections.value.azuresentinel;
            expect(sentinel.connectionId).to.equal(run.single(types.genericResource).id);
            expect(sentinel.id).to.equal(run.single(types.genericResource).inputs.properties.api.id);
            expect(sentinel.connectionProperties.authentication).to.deep.equal({ type: "ManagedServiceIdentity", identity: identityId });
            expect(parameters.identityResourceId.value).to.equal(identityId);
        });

        it("is enabled and carries the deployment's policy as workflow parameters", () => {
            const workflow = run.playbookWorkflow();
            expect(workflow.inputs.state).to.equal("Enabled");
            expect(workflow.inputs.parameters.mode.value).to.equal("remediate");
            expect(workflow.inputs.parameters.revokeSessions.value).to.equal(true);
            expect(workflow.inputs.parameters.closeIncidents.value).to.equal(true);
            expect(workflow.inputs.parameters.exemptPrincipalIds.value).to.deep.equal([]);
            expect(workflow.inputs.parameters.keyVaultUri.value).to.equal(run.outputs.vaultUri);
            expect(Object.keys(workflow.inputs.definition.actions ?? {})).to.not.have.length(0);
        });
    });

    describe("PlaybookAutomation", () => {
        it("runs this playbook for incidents of this rule only: when one is created, and when alerts are added to one", () => {
            const ofThisRule = {
                conditionType: "Property",
                conditionProperties: {
                    propertyName: "IncidentRelatedAnalyticRuleIds",
                    operator: "Contains",
                    propertyValues: [run.named(types.rule, "pimguard-detection").id],
                },
            };
            const rules = run.ofType(types.automationRule).map((rule) => rule.inputs);
            expect(rules.map((rule) => rule.triggeringLogic)).to.deep.equal([
                { isEnabled: true, triggersOn: "Incidents", triggersWhen: "Created", conditions: [ofThisRule] },
                {
                    isEnabled: true,
                    triggersOn: "Incidents",
                    triggersWhen: "Updated",
                    conditions: [ofThisRule, { conditionType: "PropertyArrayChanged", conditionProperties: { arrayType: "Alerts", changeType: "Added" } }],
                },
            ]);
            for (const rule of rules) {
                expect(rule.actions).to.deep.equal([
                    { actionType: "RunPlaybook", order: 1, actionConfiguration: { logicAppResourceId: run.playbookWorkflow().id, tenantId } },
                ]);
                expect(rule.automationRuleId).to.match(guid);
            }
            expect(new Set(rules.map((rule) => rule.automationRuleId)).size).to.equal(2);
        });

        it("tells the playbook which rule it serves and which roles it enforces, from config rather than the watchlist", () => {
            const parameters = run.playbookWorkflow().inputs.parameters;
            expect(parameters.analyticsRuleIds.value).to.deep.equal([run.named(types.rule, "pimguard-detection").id]);
            expect(parameters.watchedRoleTemplateIds.value).to.deep.equal(privilegedBuiltInRoles.map((role) => role.templateId));
            expect(parameters.removalMethod.value).to.equal("adminRemove");
        });

        it("lets Azure Security Insights run playbooks in the playbook's resource group", () => {
            const grant = roleAssignmentFor(run, roleIds.sentinelAutomationContributor);
            expect(grant.inputs.principalId).to.equal(securityInsightsObjectId);
            expect(grant.inputs.scope).to.equal(run.single(types.resourceGroup).id);
        });
    });

    describe("changing the config changes what it should and nothing else", () => {
        async function changedBy(extra: Record<string, string>): Promise<string[]> {
            const changed = await runStack({ ...minimalConfig, ...extra });
            if (changed.error) {
                throw changed.error;
            }
            const key = (resource: DeclaredResource) => `${resource.type}::${resource.name}`;
            const before = new Map(run.resources.map((resource) => [key(resource), JSON.stringify(resource.inputs)]));
            const after = new Map(changed.resources.map((resource) => [key(resource), JSON.stringify(resource.inputs)]));
            const keys = new Set([...before.keys(), ...after.keys()]);
            return [...keys].filter((name) => before.get(name) !== after.get(name)).sort();
        }

        it("an exemption adds one exemptions watchlist item and changes the playbook's and the sweep's own copies", async () => {
            expect(await changedBy({ "pimguard:exemptPrincipals": JSON.stringify([breakGlass]) })).to.deep.equal([
                `${types.workflow}::pimguard-playbook`,
                `${types.workflow}::pimguard-sweep`,
                `${types.watchlistItem}::pimguard-exempt-principals-${breakGlass.id}`,
            ]);
        });

        it("narrowing the role list removes the other roles' items and changes the playbook's and the sweep's own copies, nothing else", async () => {
            const changed = await changedBy({ "pimguard:privilegedRoles": JSON.stringify(["Global Administrator"]) });
            const expected = [
                `${types.workflow}::pimguard-playbook`,
                `${types.workflow}::pimguard-sweep`,
                ...privilegedBuiltInRoles
                    .filter((role) => role.name !== "Global Administrator")
                    .map((role) => `${types.watchlistItem}::pimguard-privileged-roles-${role.templateId}`),
            ].sort();
            expect(changed).to.deep.equal(expected);
        });

        it("report-only mode changes only the playbook and the sweep", async () => {
            expect(await changedBy({ "pimguard:mode": "reportOnly" })).to.deep.equal([
                `${types.workflow}::pimguard-playbook`,
                `${types.workflow}::pimguard-sweep`,
            ]);
        });

        it("the sweep's interval and brake change only the sweep", async () => {
            expect(await changedBy({ "pimguard:sweepIntervalMinutes": "30", "pimguard:sweepMaxRemovals": "5" })).to.deep.equal([
                `${types.workflow}::pimguard-sweep`,
            ]);
        });

        it("the rule frequency changes only the analytics rule", async () => {
            expect(await changedBy({ "pimguard:ruleFrequencyMinutes": "15" })).to.deep.equal([`${types.rule}::pimguard-detection`]);
        });
    });

    describe("bad config", () => {
        it("stops the program before any resource is declared", async () => {
            const bad = await runStack({ ...minimalConfig, "pimguard:mode": "remidiate" });
            expect(bad.error?.message).to.contain('pimguard:mode is "remidiate"');
            expect(bad.resources).to.have.length(0);
        });
    });
});
