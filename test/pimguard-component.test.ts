import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../components/config";
import { PimGuard, PimGuardArgs } from "../components/pim-guard";
import { privilegedBuiltInRoles } from "../components/roles";
import { runProgram, subscriptionId } from "./support/stack-harness";

const workspace = { name: "law-sentinel", resourceGroupName: "rg-sentinel" };
const existingVault = {
    id: `/subscriptions/${subscriptionId}/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-shared-secops`,
    name: "kv-shared-secops",
    resourceGroupName: "rg-shared",
    vaultUri: "https://kv-shared-secops.vault.azure.net/",
};

function guardWith(args: Partial<PimGuardArgs>) {
    return runProgram(() => {
        const guard = new PimGuard("guard", { workspace, ...args });
        return { playbookId: guard.playbookId, vaultUri: guard.vaultUri };
    });
}

describe("PimGuard imported by another program", () => {
    it("checks its arguments with the config rules and declares nothing when one is wrong", async () => {
        const run = await guardWith({ mode: "remidiate" as never, ruleFrequencyMinutes: 2 });
        expect(run.error).to.be.instanceOf(ConfigError);
        expect((run.error as ConfigError).problems).to.deep.equal([
            'PimGuardArgs.mode is "remidiate"; allowed: "remediate" or "reportOnly"',
            "PimGuardArgs.ruleFrequencyMinutes is 2; allowed: a whole number of minutes from 5 to 20160 (Sentinel's 5 minutes to 14 days)",
        ]);
        expect(run.resources).to.have.length(0);
    });

    it("refuses an exemption without a reason", async () => {
        const run = await guardWith({ exemptPrincipals: [{ id: "3f2b8c1e-6d4a-4e0b-9b7c-2a5d8e1f0c34", reason: " " }] });
        expect((run.error as ConfigError).problems[0]).to.contain("PimGuardArgs.exemptPrincipals[0].reason");
        expect(run.resources).to.have.length(0);
    });

    describe("roles: built-in ones by name or id in privilegedRoles, the tenant's own in customRoles", () => {
        const custom = { templateId: "0b7c5d1e-2f3a-4b6c-9d8e-7f6a5b4c3d2e", name: "Contoso Tier-0 Operator" };
        const roleRows = (run: Awaited<ReturnType<typeof guardWith>>) =>
            run
                .ofType("azure-native:securityinsights:WatchlistItem")
                .map((item) => item.inputs.itemsKeyValue)
                .filter((row) => "RoleTemplateId" in row);

        it("enforces custom roles beside the named ones, with the names the caller gives them", async () => {
            const run = await guardWith({ privilegedRoles: ["Global Administrator"], customRoles: [custom] });
            expect(roleRows(run)).to.deep.equal([
                { RoleTemplateId: "62e90394-69f5-4237-9190-012177145e10", RoleName: "Global Administrator" },
                { RoleTemplateId: custom.templateId, RoleName: custom.name },
            ]);
        });

        it("adds custom roles to Microsoft's PRIVILEGED roles when privilegedRoles is left out", async () => {
            const run = await guardWith({ customRoles: [custom] });
            expect(roleRows(run)).to.have.length(privilegedBuiltInRoles.length + 1);
            expect(roleRows(run)).to.deep.include({ RoleTemplateId: custom.templateId, RoleName: custom.name });
        });

        it("accepts an empty privilegedRoles beside custom roles, and refuses it alone", async () => {
            const customOnly = await guardWith({ privilegedRoles: [], customRoles: [custom] });
            expect(roleRows(customOnly)).to.deep.equal([{ RoleTemplateId: custom.templateId, RoleName: custom.name }]);
            const nothing = await guardWith({ privilegedRoles: [] });
            expect((nothing.error as ConfigError).problems[0])
                .to.contain("PimGuardArgs.privilegedRoles is []")
                .and.to.contain("at least one");
            expect(nothing.resources).to.have.length(0);
        });

        it("refuses a built-in role, a malformed id, a missing name and a role listed twice in customRoles, naming each entry", async () => {
            const run = await guardWith({
                privilegedRoles: [custom.templateId],
                customRoles: [
                    { templateId: "62E90394-69F5-4237-9190-012177145E10", name: "My Global Admin" },
                    { templateId: "0b7c5d1e-2f3a", name: "Short" },
                    { templateId: "1c8d6e2f-3a4b-4c7d-8e9f-0a1b2c3d4e5f", name: " " },
                    custom,
                    { templateId: "1c8d6e2f-3a4b-4c7d-8e9f-0a1b2c3d4e5f", name: "Contoso Auditor" },
                    { templateId: "1C8D6E2F-3A4B-4C7D-8E9F-0A1B2C3D4E5F", name: "Contoso Auditor (again)" },
                ],
            });
            expect((run.error as ConfigError).problems).to.deep.equal([
                'PimGuardArgs.customRoles[0].templateId "62E90394-69F5-4237-9190-012177145E10" is the built-in role "Global Administrator"; allowed: a custom role (list built-in roles in PimGuardArgs.privilegedRoles)',
                'PimGuardArgs.customRoles[1].templateId is "0b7c5d1e-2f3a"; allowed: the custom role\'s template id (GUID)',
                'PimGuardArgs.customRoles[2].name is " "; allowed: a non-empty one-line name (the watchlist and incidents show it)',
                `PimGuardArgs.customRoles[3].templateId "${custom.templateId}" is also listed in PimGuardArgs.privilegedRoles; list each role once`,
                'PimGuardArgs.customRoles[5].templateId "1C8D6E2F-3A4B-4C7D-8E9F-0A1B2C3D4E5F" is listed twice; list each role once',
            ]);
            expect(run.resources).to.have.length(0);
        });

        it("refuses privilegedRoles given as one string instead of a list, as a Python caller might pass it", async () => {
            const run = await guardWith({ privilegedRoles: "Global Administrator" as never });
            expect((run.error as ConfigError).problems).to.deep.equal([
                'PimGuardArgs.privilegedRoles is "Global Administrator"; allowed: a list of role names or template ids',
            ]);
        });
    });

    it("uses a vault it is given: no new vault, the secret and the read grant go to that vault", async () => {
        const run = await guardWith({ vault: existingVault, notificationWebhookUrl: "https://hooks.example.com/x" });
        expect(run.ofType("azure-native:keyvault:Vault")).to.have.length(0);
        expect(run.single("azure-native:keyvault:Secret").inputs).to.include({
            vaultName: existingVault.name,
            resourceGroupName: existingVault.resourceGroupName,
        });
        const secretsUser = run
            .ofType("azure-native:authorization:RoleAssignment")
            .find((assignment) => assignment.inputs.roleDefinitionId.endsWith("/4633458b-17de-408a-b874-0445c86b69e6"));
        expect(secretsUser?.inputs.scope).to.equal(existingVault.id);
        expect(run.outputs.vaultUri).to.equal(existingVault.vaultUri);
        expect(run.playbookWorkflow().inputs.parameters.keyVaultUri.value).to.equal(existingVault.vaultUri);
    });
});

describe("PimGuard's surface", () => {
    it("exposes its main child resources, as pulumi-awsx components do", async () => {
        let guard: PimGuard | undefined;
        const run = await runProgram(() => {
            guard = new PimGuard("guard", { workspace, streamAuditLogs: true });
        });
        expect(run.error).to.equal(undefined);
        const children = {
            privilegedRolesWatchlist: "pimguard:index:SentinelWatchlist",
            exemptPrincipalsWatchlist: "pimguard:index:SentinelWatchlist",
            secretsVault: "pimguard:index:SecretsVault",
            identity: "pimguard:index:PlaybookIdentity",
            detectionRule: "pimguard:index:DetectionRule",
            playbook: "pimguard:index:RemediationPlaybook",
            automation: "pimguard:index:PlaybookAutomation",
            auditLogStreaming: "pimguard:index:AuditLogStreaming",
        } as const;
        for (const [property, type] of Object.entries(children)) {
            const child = guard![property as keyof typeof children];
            expect(child, property).to.be.instanceOf(pulumi.ComponentResource);
            // A child's URN names its type after its parents' types: ...::pimguard:index:PimGuard$<type>::<name>.
            expect((await urnOf(child!)).split("::")[2]!.split("$").pop(), property).to.equal(type);
        }
        expect(guard!.identity.identity).to.be.instanceOf(pulumi.CustomResource);
        expect(guard!.detectionRule.scheduledRule).to.be.instanceOf(pulumi.CustomResource);
        expect(guard!.detectionRule.nrtRule).to.equal(undefined);
    });

    it("takes tags whose values are outputs", async () => {
        const run = await runProgram(() => {
            new PimGuard("guard", { workspace, tags: { owner: pulumi.output("identity-security"), costCenter: "4711" } });
        });
        expect(run.playbookWorkflow().inputs.tags).to.deep.equal({ owner: "identity-security", costCenter: "4711" });
        expect(run.single("azure-native:managedidentity:UserAssignedIdentity").inputs.tags).to.deep.equal({ owner: "identity-security", costCenter: "4711" });
    });

    it("refuses a second PimGuard on the same Sentinel workspace, naming both, before it declares anything", async () => {
        const run = await runProgram(() => {
            new PimGuard("first", { workspace });
            new PimGuard("second", { workspace: { name: "LAW-SENTINEL", resourceGroupName: "rg-sentinel" } });
        });
        expect(run.error).to.be.instanceOf(ConfigError);
        expect(run.error!.message).to.contain('PimGuard "second": Sentinel workspace rg-sentinel/LAW-SENTINEL is already guarded by PimGuard "first"');
        expect(run.resources.filter((resource) => resource.name.startsWith("second"))).to.deep.equal([]);
    });

    it("allows PimGuards on different workspaces, but only one streaming the tenant's AuditLogs", async () => {
        const other = { name: "law-sentinel-eu", resourceGroupName: "rg-sentinel-eu" };
        const separate = await runProgram(() => {
            new PimGuard("first", { workspace });
            new PimGuard("second", { workspace: other });
        });
        expect(separate.error).to.equal(undefined);
        const bothStreaming = await runProgram(() => {
            new PimGuard("first", { workspace, streamAuditLogs: true });
            new PimGuard("second", { workspace: other, streamAuditLogs: true });
        });
        expect(bothStreaming.error?.message).to.contain('PimGuard "second": streamAuditLogs is already on for PimGuard "first"');
    });
});

function urnOf(resource: pulumi.Resource): Promise<string> {
    return new Promise((resolve) => resource.urn.apply(resolve));
}
