import { expect } from "chai";
import { ConfigError } from "../components/config";
import { PimGuard, PimGuardArgs } from "../components/pim-guard";
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

    it("keeps the name a caller gives a custom role", async () => {
        const custom = { templateId: "0b7c5d1e-2f3a-4b6c-9d8e-7f6a5b4c3d2e", name: "Contoso Tier-0 Operator" };
        const run = await guardWith({ privilegedRoles: ["Global Administrator", custom] });
        const items = run.ofType("azure-native:securityinsights:WatchlistItem").map((item) => item.inputs.itemsKeyValue);
        expect(items).to.deep.include({ RoleTemplateId: custom.templateId, RoleName: custom.name });
    });

    it("uses a vault it is given: no new vault, the secret and the read grant go to that vault", async () => {
        const run = await guardWith({ vault: existingVault, notificationWebhookUrl: "https://hooks.example.com/x" });
        expect(run.ofType("azure-native:keyvault:Vault")).to.have.length(0);
        expect(run.single("azure-native:keyvault:Secret").inputs).to.include({ vaultName: existingVault.name, resourceGroupName: existingVault.resourceGroupName });
        const secretsUser = run
            .ofType("azure-native:authorization:RoleAssignment")
            .find((assignment) => assignment.inputs.roleDefinitionId.endsWith("/4633458b-17de-408a-b874-0445c86b69e6"));
        expect(secretsUser?.inputs.scope).to.equal(existingVault.id);
        expect(run.outputs.vaultUri).to.equal(existingVault.vaultUri);
        expect(run.single("azure-native:logic:Workflow").inputs.parameters.keyVaultUri.value).to.equal(existingVault.vaultUri);
    });
});
