import { expect } from "chai";
import { loadSweepDefinition } from "../components/playbook-definition";
import { privilegedBuiltInRoles } from "../components/roles";
import { graphCallsIn, graphPermissionsRequired } from "../replay/logic-apps/graph-calls";
import { listActions } from "../components/workflow-structure";
import { loadGraphFacts, methodsAllowedOn, resolveGraphPath } from "./support/graph-contract";
import { graphAppRoleIds, minimalConfig, runStack, StackRun, subscriptionId } from "./support/stack-harness";
import { tamperGuardedIds } from "./support/tamper-guarded-ids";

const workflowType = "azure-native:logic:Workflow";
const workspaceId = `/subscriptions/${subscriptionId}/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/law-sentinel`;
const tier0Group = "5b6c7d8e-9f00-4a1b-8c2d-3e4f5a6b7c8d";
const withGroups = { "pimguard:privilegedGroups": JSON.stringify([{ id: tier0Group, roles: ["Global Administrator"], reason: "Tier 0 (PIM for Groups)" }]) };

function sweepOf(run: StackRun) {
    return run.ofType(workflowType).find((workflow) => workflow.parentType === "pimguard:index:ReconcileSweep");
}

function grantedGraphPermissions(run: StackRun): string[] {
    const valueById = new Map(Object.entries(graphAppRoleIds).map(([value, id]) => [id, value]));
    return run
        .ofType("azuread:index/appRoleAssignment:AppRoleAssignment")
        .map((grant) => valueById.get(grant.inputs.appRoleId) ?? "unknown")
        .sort();
}

describe("the sweep as the stack deploys it", () => {
    let run: StackRun;

    before(async () => {
        run = await runStack(minimalConfig);
        if (run.error) throw run.error;
    });

    it("is on by default: a Logic App every 60 minutes, enabled, beside the playbook, as the playbook's identity", () => {
        const sweep = sweepOf(run)!;
        const playbook = run.playbookWorkflow();
        expect(sweep.inputs.state).to.equal("Enabled");
        expect(sweep.inputs.definition.triggers).to.deep.equal({
            Every_sweep_interval: { type: "Recurrence", recurrence: { frequency: "Minute", interval: 60 } },
        });
        expect(sweep.inputs.resourceGroupName).to.equal(playbook.inputs.resourceGroupName);
        expect(sweep.inputs.identity).to.deep.equal(playbook.inputs.identity);
        expect(run.outputs.sweepId).to.equal(sweep.id);
    });

    it("deploys sweep.json with its parts, and is told the watched roles by name, the brake, the workspace and the playbook's connection", () => {
        const sweep = sweepOf(run)!;
        expect(sweep.inputs.definition).to.deep.equal(JSON.parse(JSON.stringify(loadSweepDefinition(60))));
        const parameters = sweep.inputs.parameters;
        expect(parameters.watchedRoles.value).to.deep.equal(privilegedBuiltInRoles.map(({ templateId, name }) => ({ templateId, name })));
        expect(parameters.maxRemovals.value).to.equal(3);
        expect(parameters.workspaceResourceId.value).to.equal(workspaceId);
        expect(parameters.$connections.value).to.deep.equal(run.playbookWorkflow().inputs.parameters.$connections.value);
        expect(Object.keys(parameters).sort()).to.deep.equal(Object.keys(sweep.inputs.definition.parameters).sort());
    });

    it("takes its interval and brake from config", async () => {
        const tuned = await runStack({ ...minimalConfig, "pimguard:sweepIntervalMinutes": "15", "pimguard:sweepMaxRemovals": "10" });
        const sweep = sweepOf(tuned)!;
        expect(sweep.inputs.definition.triggers.Every_sweep_interval.recurrence).to.deep.equal({ frequency: "Minute", interval: 15 });
        expect(sweep.inputs.parameters.maxRemovals.value).to.equal(10);
    });

    it("is not declared at all with sweepIntervalMinutes 0, and nothing else changes", async () => {
        const off = await runStack({ ...minimalConfig, "pimguard:sweepIntervalMinutes": "0" });
        expect(sweepOf(off)).to.equal(undefined);
        expect(off.outputs.sweepId).to.equal(undefined);
        expect(off.resources.length).to.equal(run.resources.length - 2);
    });

    it("is guarded by the tamper rule", () => {
        const tamper = run.named("azure-native:securityinsights:ScheduledAlertRule", "pimguard-tamper-detection");
        expect(tamperGuardedIds(tamper.inputs.query)).to.include(sweepOf(run)!.id.toLowerCase());
    });

    it("calls only Graph v1.0 paths that exist, and the identity holds every permission its calls need", async () => {
        const definition = loadSweepDefinition(60);
        const facts = loadGraphFacts();
        for (const call of graphCallsIn(definition)) {
            expect(methodsAllowedOn(resolveGraphPath(facts, call.path)), `${call.method} ${call.path}`).to.include(call.method);
        }
        const granted = grantedGraphPermissions(run);
        expect(graphPermissionsRequired(definition, "adminRemove").filter((permission) => !granted.includes(permission))).to.deep.equal([]);
        const grouped = await runStack({ ...minimalConfig, ...withGroups });
        const groupGrants = grantedGraphPermissions(grouped);
        expect(graphPermissionsRequired(definition, "adminRemove", true).filter((permission) => !groupGrants.includes(permission))).to.deep.equal([]);
    });

    it("pages only through links it checks are Graph's: the page request's URI is the link, named with the collection it pages", () => {
        const pages = listActions(loadSweepDefinition(60)).filter(
            ({ action }) => action.type === "Http" && JSON.stringify(action.inputs).includes("sweepNextLink"),
        );
        expect(pages.map(({ name }) => name)).to.deep.equal(["Read_role_assignment_page", "Read_group_membership_page"]);
        for (const { action } of pages) expect((action.metadata as { graphPath?: string }).graphPath).to.match(/^\/[a-zA-Z/]+$/);
    });
});

describe("privileged groups in the stack", () => {
    let grouped: StackRun;

    before(async () => {
        grouped = await runStack({ ...minimalConfig, ...withGroups });
        if (grouped.error) throw grouped.error;
    });

    it("the playbook acts on, and both automation rules run it for, incidents of the role rule and of the group-membership rule", () => {
        const groupRule = grouped.named("azure-native:securityinsights:ScheduledAlertRule", "pimguard-group-membership");
        expect(grouped.outputs.groupMembershipRuleResourceId).to.equal(groupRule.id);
        const ruleIds = [grouped.outputs.ruleResourceId, groupRule.id];
        expect(grouped.playbookWorkflow().inputs.parameters.analyticsRuleIds.value).to.deep.equal(ruleIds);
        for (const automation of grouped.ofType("azure-native:securityinsights:AutomationRule")) {
            expect(automation.inputs.triggeringLogic.conditions[0].conditionProperties.propertyValues).to.deep.equal(ruleIds);
        }
    });

    it("the playbook and the sweep are told which groups are privileged and which roles each may hold", () => {
        for (const workflow of grouped.ofType(workflowType)) {
            expect(workflow.inputs.parameters.privilegedGroupIds.value, workflow.name).to.deep.equal([tier0Group]);
            expect(workflow.inputs.parameters.sanctionedGroupRoles.value, workflow.name).to.deep.equal([`${tier0Group}|62e90394-69f5-4237-9190-012177145e10`]);
        }
    });
});
