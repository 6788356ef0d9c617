import { PimGuard } from "pimguard";

const guard = new PimGuard("contoso", {
    workspace: { name: "law-sentinel", resourceGroupName: "rg-sentinel" },
    privilegedRoles: ["Global Administrator", "Privileged Role Administrator"],
    customRoles: [{ templateId: "6c1f0d5e-2b8a-4e47-9d3c-58a1f7e2b604", name: "Contoso Tier-0 Operator" }],
    exemptPrincipals: [{ id: "3f2b8c1e-6d4a-4e0b-9b7c-2a5d8e1f0c34", reason: "Break-glass 1" }],
    mode: "reportOnly",
});
export const playbookId = guard.playbookId;
