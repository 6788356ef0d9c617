import { expect } from "chai";
import { loadPlaybookDefinition } from "../components/playbook-definition";
import { graphPermissionsRequired } from "../replay/logic-apps/graph-calls";
import { grantCapablePermissions } from "../replay/logic-apps/graph-permissions";
import { listActions } from "../components/workflow-structure";
import { graphAppRoleIds, minimalConfig, runStack, StackRun } from "./support/stack-harness";

/** Permission values of the Graph app roles the deployed identity holds, read from the mock graph. */
function grantedGraphPermissions(run: StackRun): string[] {
    const valueById = new Map(Object.entries(graphAppRoleIds).map(([value, id]) => [id, value]));
    return run
        .ofType("azuread:index/appRoleAssignment:AppRoleAssignment")
        .map((assignment) => valueById.get(assignment.inputs.appRoleId) ?? `unknown app role ${assignment.inputs.appRoleId}`)
        .sort();
}

describe("the deployed playbook and the identity it runs as", () => {
    let run: StackRun;
    const definition = loadPlaybookDefinition();

    before(async () => {
        run = await runStack(minimalConfig);
        if (run.error) {
            throw run.error;
        }
    });

    it("the identity holds exactly the Graph permissions the definition's calls need, no more", () => {
        expect(grantedGraphPermissions(run)).to.deep.equal(graphPermissionsRequired(definition, "adminRemove"));
    });

    it("by default the identity holds no Graph permission that can grant a role", () => {
        const granted = grantedGraphPermissions(run);
        expect(granted.filter((permission) => grantCapablePermissions.includes(permission))).to.deep.equal([]);
        expect(granted).to.include("RoleAssignmentSchedule.Remove.Directory");
    });

    it("only the removalMethod opt-in brings a grant-capable permission, and then exactly what its calls need", async () => {
        const optedIn = await runStack({ ...minimalConfig, "pimguard:removalMethod": "roleAssignmentDelete" });
        const granted = grantedGraphPermissions(optedIn);
        expect(granted).to.deep.equal(graphPermissionsRequired(definition, "roleAssignmentDelete"));
        expect(granted.filter((permission) => grantCapablePermissions.includes(permission))).to.deep.equal(["RoleManagement.ReadWrite.Directory"]);
    });

    it("privileged groups add exactly the PIM for Groups read and remove permissions their calls need, neither of which can grant", async () => {
        const withGroups = await runStack({
            ...minimalConfig,
            "pimguard:privilegedGroups": JSON.stringify([{ id: "5b6c7d8e-9f00-4a1b-8c2d-3e4f5a6b7c8d", roles: ["Global Administrator"], reason: "Tier 0" }]),
        });
        const granted = grantedGraphPermissions(withGroups);
        expect(granted).to.deep.equal(graphPermissionsRequired(definition, "adminRemove", true));
        expect(granted).to.include.members(["PrivilegedAssignmentSchedule.Read.AzureADGroup", "PrivilegedAssignmentSchedule.Remove.AzureADGroup"]);
        expect(granted.filter((permission) => grantCapablePermissions.includes(permission))).to.deep.equal([]);
        expect(grantedGraphPermissions(run)).to.not.include("PrivilegedAssignmentSchedule.Read.AzureADGroup");
    });

    it("the contract bites: a call needing a grant-capable permission, added anywhere, shows up in what is required", () => {
        const copy = JSON.parse(JSON.stringify(definition)) as typeof definition;
        (copy.actions as Record<string, unknown>)["Assign_a_role"] = {
            type: "Http",
            inputs: {
                method: "POST",
                uri: "https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignmentScheduleRequests",
                body: { action: "adminAssign" },
            },
            runAfter: {},
        };
        expect(graphPermissionsRequired(copy, "adminRemove").filter((permission) => grantCapablePermissions.includes(permission))).to.deep.equal([
            "RoleAssignmentSchedule.ReadWrite.Directory",
        ]);
    });

    it("the workflow resource deploys the definition from playbook/ unchanged", () => {
        expect(run.playbookWorkflow().inputs.definition).to.deep.equal(JSON.parse(JSON.stringify(definition)));
    });

    it("the workflow resource gives a value for every definition parameter and nothing else", () => {
        const deployed = Object.keys(run.playbookWorkflow().inputs.parameters).sort();
        expect(deployed).to.deep.equal(Object.keys(definition.parameters).sort());
    });

    it("every connection an action or trigger uses is wired in $connections to the deployed API connection", () => {
        const used = new Set<string>();
        const collect = (inputs: unknown) => {
            const text = JSON.stringify(inputs ?? {});
            for (const match of text.matchAll(/parameters\('\$connections'\)\['(\w+)'\]/g)) {
                used.add(match[1]);
            }
        };
        Object.values(definition.triggers).forEach((trigger) => collect(trigger.inputs));
        listActions(definition).forEach(({ action }) => collect(action.inputs));
        expect([...used]).to.deep.equal(["azuresentinel"]);

        const wired = run.playbookWorkflow().inputs.parameters.$connections.value;
        const connection = run.single("azure-native:resources:Resource");
        for (const name of used) {
            expect(wired[name]?.connectionId, name).to.equal(connection.id);
        }
    });
});
