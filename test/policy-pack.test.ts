import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
    detectionAndResponseEnabled,
    graphPermissionsCannotGrantRoles,
    pimguardPolicies,
    roleAssignmentsBelowSubscription,
    roleGrantingGraphPermissions,
    vaultRbacWithPurgeProtection,
} from "../policy/policies";
import { judge, JudgedResource } from "./support/policy-harness";
import { ServedPolicyPack } from "./support/policy-server";
import { DeclaredResource, minimalConfig, runStack, StackRun, subscriptionId } from "./support/stack-harness";

const policyDir = path.resolve(__dirname, "..", "policy");
// The opt-in a stack needs that sets pimguard:removalMethod roleAssignmentDelete; the default stack needs none.
const playbookOptIn = JSON.parse(fs.readFileSync(path.join(policyDir, "role-assignment-delete-opt-in.json"), "utf8")) as Record<
    string,
    Record<string, unknown>
>;

const types = {
    roleAssignment: "azure-native:authorization:RoleAssignment",
    vault: "azure-native:keyvault:Vault",
    appRoleAssignment: "azuread:index/appRoleAssignment:AppRoleAssignment",
    scheduledRule: "azure-native:securityinsights:ScheduledAlertRule",
    automationRule: "azure-native:securityinsights:AutomationRule",
    workflow: "azure-native:logic:Workflow",
};

/** A copy of a declared resource with some inputs changed (a shallow merge, one level deep for `properties`). */
function altered(resource: DeclaredResource, inputs: Record<string, unknown>): JudgedResource {
    return { ...resource, inputs: { ...structuredClone(resource.inputs), ...inputs } };
}

/** The same resource declared outside any pimguard component, e.g. by the program that imports pimguard. */
function outsidePimguard(resource: JudgedResource): JudgedResource {
    const [prefix, project, typeChain, name] = resource.urn.split("::");
    const ownType = typeChain!.split("$").pop()!;
    return { ...resource, urn: [prefix, project, `contoso:security:Baseline$${ownType}`, name].join("::") };
}

describe("the policy pack (policy/): pimguard's posture on any stack that uses it", function () {
    let stack: StackRun;
    /** The same stack with the opt-in direct delete, whose identity holds RoleManagement.ReadWrite.Directory. */
    let deleteStack: StackRun;
    let pack: ServedPolicyPack;

    before(async function () {
        // The pack starts in a process of its own (about a second with ts-node) while the stack runs here.
        const serving = ServedPolicyPack.start(policyDir);
        // Everything pimguard can declare: its own vault, the three role assignments, both Graph grants, rules, playbook.
        try {
            stack = await runStack({ ...minimalConfig, "pimguard:streamAuditLogs": "true" });
            deleteStack = await runStack({ ...minimalConfig, "pimguard:removalMethod": "roleAssignmentDelete" });
        } finally {
            pack = await serving; // so that after() stops it whatever happened here
        }
        expect(stack.error).to.equal(undefined);
        expect(deleteStack.error).to.equal(undefined);
    });

    after(function () {
        pack?.stop();
    });

    async function failuresOf(run: StackRun, config: Record<string, Record<string, unknown>>): Promise<string[]> {
        const failures: string[] = [];
        for (const policy of pimguardPolicies) {
            for (const resource of run.resources) {
                const verdict = await judge(policy, resource, config[policy.name] ?? {});
                failures.push(...verdict.violations, ...(verdict.cannotRunInPreview ? [verdict.cannotRunInPreview] : []));
            }
        }
        return failures;
    }

    it("passes every resource of pimguard's default stack with no policy config: its identity can remove roles, not grant them", async function () {
        expect(await failuresOf(stack, {})).to.deep.equal([]);
    });

    it("passes the opt-in direct-delete stack only with the repository's opt-in for RoleManagement.ReadWrite.Directory", async function () {
        expect(await failuresOf(deleteStack, playbookOptIn)).to.deep.equal([]);
        expect((await failuresOf(deleteStack, {})).join("\n")).to.contain("RoleManagement.ReadWrite.Directory");
    });

    it("names its policies as the pack server accepts them (it exits on anything else)", function () {
        const names = pimguardPolicies.map((policy) => policy.name);
        expect(new Set(names).size).to.equal(names.length);
        for (const policy of pimguardPolicies) {
            expect(policy.name)
                .to.match(/^[a-zA-Z0-9-_.]{1,100}$/)
                .and.not.equal("all");
            expect(Object.keys(policy.configSchema?.properties ?? {})).not.to.include("enforcementLevel");
            expect(policy.enforcementLevel).to.equal("mandatory");
        }
        for (const key of Object.keys(playbookOptIn)) {
            expect(names, `policy/role-assignment-delete-opt-in.json configures ${key}`).to.include(key);
        }
    });

    describe("served by policy/index.ts, driven over gRPC as the Pulumi CLI drives it", function () {
        it("serves every policy of policies.ts", async function () {
            expect(await pack.policyNames()).to.deep.equal(pimguardPolicies.map((policy) => policy.name));
        });

        it("reports a mandatory violation for a bad resource and nothing for pimguard's own", async function () {
            const vault = stack.single(types.vault);
            expect(await pack.analyze(vault)).to.deep.equal([]);
            const purgeable = await pack.analyze(altered(vault, { properties: { ...vault.inputs.properties, enablePurgeProtection: false } }));
            expect(purgeable.map(({ policy, mandatory }) => ({ policy, mandatory }))).to.deep.equal([
                { policy: vaultRbacWithPurgeProtection.name, mandatory: true },
            ]);
        });

        it("takes the opt-in for the playbook's Graph permission from the policy config it is sent", async function () {
            const grant = deleteStack
                .ofType(types.appRoleAssignment)
                .find((resource) => resource.inputs.appRoleId === roleGrantingGraphPermissions["RoleManagement.ReadWrite.Directory"]!.appRoleId)!;
            await pack.configure({});
            expect((await pack.analyze(grant)).map((diagnostic) => diagnostic.policy)).to.deep.equal([graphPermissionsCannotGrantRoles.name]);
            await pack.configure(playbookOptIn);
            expect(await pack.analyze(grant)).to.deep.equal([]);
        });
    });

    describe(roleAssignmentsBelowSubscription.name, function () {
        const policy = roleAssignmentsBelowSubscription;
        const assignment = () => stack.ofType(types.roleAssignment)[0]!;

        it("passes pimguard's three role assignments: playbook group, workspace, vault", async function () {
            const assignments = stack.ofType(types.roleAssignment);
            expect(assignments).to.have.length(3);
            for (const resource of assignments) {
                expect(await judge(policy, resource)).to.deep.equal({ violations: [] });
            }
        });

        it("fails one at a subscription, a management group or the root", async function () {
            const scopes = {
                [`/subscriptions/${subscriptionId}`]: "a whole subscription",
                "/providers/Microsoft.Management/managementGroups/contoso-root": "a management group",
                "/": "the tenant root",
            };
            for (const [scope, kind] of Object.entries(scopes)) {
                const { violations } = await judge(policy, altered(assignment(), { scope }));
                expect(violations, scope).to.have.length(1);
                expect(violations[0]).to.contain(`is scoped to ${kind} (${scope})`);
            }
        });

        it("leaves role assignments outside pimguard to their owners", async function () {
            const verdict = await judge(policy, outsidePimguard(altered(assignment(), { scope: `/subscriptions/${subscriptionId}` })));
            expect(verdict.violations).to.deep.equal([]);
            expect(verdict.notApplicable).to.contain("inside a pimguard component");
        });

        it("cannot judge a scope unknown in preview, and says so (an advisory, as Pulumi reports it)", async function () {
            const verdict = await judge(policy, altered(assignment(), { scope: pulumi.runtime.unknownValue }));
            expect(verdict.violations).to.deep.equal([]);
            expect(verdict.cannotRunInPreview).to.contain("scope");
        });
    });

    describe(vaultRbacWithPurgeProtection.name, function () {
        const policy = vaultRbacWithPurgeProtection;
        const vault = () => stack.single(types.vault);

        it("passes the vault pimguard creates", async function () {
            expect(await judge(policy, vault())).to.deep.equal({ violations: [] });
        });

        it("fails a vault with access policies instead of RBAC, and one without purge protection", async function () {
            const properties = vault().inputs.properties;
            const accessPolicies = await judge(policy, altered(vault(), { properties: { ...properties, enableRbacAuthorization: false } }));
            expect(accessPolicies.violations).to.have.length(1);
            expect(accessPolicies.violations[0]).to.contain("enableRbacAuthorization");
            const purgeable = await judge(policy, altered(vault(), { properties: { ...properties, enablePurgeProtection: undefined } }));
            expect(purgeable.violations).to.have.length(1);
            expect(purgeable.violations[0]).to.contain("enablePurgeProtection");
        });
    });

    describe(graphPermissionsCannotGrantRoles.name, function () {
        const policy = graphPermissionsCannotGrantRoles;
        const grants = () => deleteStack.ofType(types.appRoleAssignment);
        const roleGranting = (resource: DeclaredResource) =>
            Object.keys(roleGrantingGraphPermissions).find((permission) => roleGrantingGraphPermissions[permission]!.appRoleId === resource.inputs.appRoleId);
        const optIn = () => playbookOptIn[policy.name]!;

        it("fails the playbook's role-granting grant without the opt-in, and passes its other grants", async function () {
            expect(
                grants()
                    .map(roleGranting)
                    .filter((permission) => permission !== undefined),
            ).to.have.length.at.least(1);
            for (const grant of grants()) {
                const { violations } = await judge(policy, grant);
                const permission = roleGranting(grant);
                expect(violations, grant.name).to.have.length(permission === undefined ? 0 : 1);
                if (permission !== undefined) {
                    expect(violations[0]).to.contain(`grants Microsoft Graph's ${permission}`).and.to.contain("allowRoleGrantingPermissions");
                }
            }
        });

        it("opts in by name in policy/role-assignment-delete-opt-in.json: exactly the role-granting permissions that playbook holds", async function () {
            const held = grants()
                .map(roleGranting)
                .filter((permission) => permission !== undefined);
            expect([...(optIn().allowRoleGrantingPermissions as string[])].sort()).to.deep.equal([...new Set(held)].sort());
            for (const grant of grants()) {
                expect(await judge(policy, grant, optIn()), grant.name).to.deep.equal({ violations: [] });
            }
        });

        it("still fails another role-granting permission under that opt-in: AppRoleAssignment.ReadWrite.All", async function () {
            const appRoleAssignment = roleGrantingGraphPermissions["AppRoleAssignment.ReadWrite.All"]!.appRoleId;
            const { violations } = await judge(policy, altered(grants()[0]!, { appRoleId: appRoleAssignment }), optIn());
            expect(violations).to.have.length(1);
            expect(violations[0]).to.contain("AppRoleAssignment.ReadWrite.All").and.to.contain("grant any application permission");
        });

        it("tells the permission from pimguard's name for the grant while the app role id is unknown in preview", async function () {
            const grant = grants().find((resource) => roleGranting(resource) !== undefined)!;
            expect(grant.name).to.match(new RegExp(`-graph-${roleGranting(grant)!.replace(/\./g, "\\.")}$`));
            const verdict = await judge(policy, altered(grant, { appRoleId: pulumi.runtime.unknownValue }));
            expect(verdict.violations).to.have.length(1);
            expect(verdict.violations[0]).to.contain(roleGranting(grant)!);
        });

        it("cannot judge an unknown app role id under a name that does not say the permission, and says so", async function () {
            const grant = grants()[0]!;
            const verdict = await judge(policy, { ...altered(grant, { appRoleId: pulumi.runtime.unknownValue }), name: "ops-automation-grant" });
            expect(verdict.violations).to.deep.equal([]);
            expect(verdict.cannotRunInPreview).to.contain("appRoleId");
        });
    });

    describe(detectionAndResponseEnabled.name, function () {
        const policy = detectionAndResponseEnabled;

        it("passes pimguard's analytics rule, automation rule and playbook", async function () {
            for (const type of [types.scheduledRule, types.automationRule, types.workflow]) {
                for (const resource of stack.ofType(type)) expect(await judge(policy, resource), resource.name).to.deep.equal({ violations: [] });
            }
        });

        it("fails a disabled analytics rule, in any API version, NRT rules included", async function () {
            const rule = stack.named(types.scheduledRule, "pimguard-detection");
            expect((await judge(policy, altered(rule, { enabled: false }))).violations[0]).to.contain("is not enabled");
            const nrt = { ...altered(rule, { enabled: false }), type: "azure-native:securityinsights/v20241001preview:NrtAlertRule" };
            nrt.urn = rule.urn.replace(types.scheduledRule, nrt.type);
            expect((await judge(policy, nrt)).violations).to.have.length(1);
        });

        it("fails a disabled automation rule and a disabled playbook", async function () {
            const automation = stack.named(types.automationRule, "pimguard-automation");
            const triggeringLogic = { ...automation.inputs.triggeringLogic, isEnabled: false };
            expect((await judge(policy, altered(automation, { triggeringLogic }))).violations[0]).to.contain("triggeringLogic.isEnabled");
            const workflow = stack.playbookWorkflow();
            expect((await judge(policy, altered(workflow, { state: "Disabled" }))).violations[0]).to.contain('state "Disabled"');
        });
    });
});
