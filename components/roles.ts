/**
 * Built-in Entra ID directory roles pimguard knows by name. Template ids are the same in every
 * tenant (Microsoft Entra built-in roles reference, January 2026), so config may name a role
 * instead of spelling its GUID.
 */
export interface DirectoryRole {
    /** The role template id; for built-in roles also the unified RBAC roleDefinitionId. */
    templateId: string;
    /** The display name, as Entra shows it. */
    name: string;
}

/** Roles Microsoft labels PRIVILEGED: the default set pimguard enforces. */
export const privilegedBuiltInRoles: readonly DirectoryRole[] = [
    { name: "Agent ID Administrator", templateId: "db506228-d27e-4b7d-95e5-295956d6615f" },
    { name: "Application Administrator", templateId: "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3" },
    { name: "Application Developer", templateId: "cf1c38e5-3621-4004-a7cb-879624dced7c" },
    { name: "Attribute Provisioning Administrator", templateId: "ecb2c6bf-0ab6-418e-bd87-7986f8d63bbe" },
    { name: "Attribute Provisioning Reader", templateId: "422218e4-db15-4ef9-bbe0-8afb41546d79" },
    { name: "Authentication Administrator", templateId: "c4e39bd9-1100-46d3-8c65-fb160da0071f" },
    { name: "Authentication Extensibility Administrator", templateId: "25a516ed-2fa0-40ea-a2d0-12923a21473a" },
    { name: "B2C IEF Keyset Administrator", templateId: "aaf43236-0c0d-4d5f-883a-6955382ac081" },
    { name: "Cloud Application Administrator", templateId: "158c047a-c907-4556-b7ef-446551a6b5f7" },
    { name: "Cloud Device Administrator", templateId: "7698a772-787b-4ac8-901f-60d6b08affd2" },
    { name: "Conditional Access Administrator", templateId: "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9" },
    { name: "Directory Writers", templateId: "9360feb5-f418-4baa-8175-e2a00bac4301" },
    { name: "Domain Name Administrator", templateId: "8329153b-31d0-4727-b945-745eb3bc5f31" },
    { name: "External Identity Provider Administrator", templateId: "be2f45a1-457d-42af-a067-6ec1fa63bc45" },
    { name: "Global Administrator", templateId: "62e90394-69f5-4237-9190-012177145e10" },
    { name: "Global Reader", templateId: "f2ef992c-3afb-46b9-b7cf-a126ee74c451" },
    { name: "Helpdesk Administrator", templateId: "729827e3-9c14-49f7-bb1b-9608f156bbb8" },
    { name: "Hybrid Identity Administrator", templateId: "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2" },
    { name: "Intune Administrator", templateId: "3a2c62db-5318-420d-8d74-23affee5d9d5" },
    { name: "Lifecycle Workflows Administrator", templateId: "59d46f88-662b-457b-bceb-5c3809e5908f" },
    { name: "Partner Tier1 Support", templateId: "4ba39ca4-527c-499a-b93d-d9b492c50246" },
    { name: "Partner Tier2 Support", templateId: "e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8" },
    { name: "Password Administrator", templateId: "966707d0-3269-4727-9be2-8c3a10f19b9d" },
    { name: "Privileged Authentication Administrator", templateId: "7be44c8a-adaf-4e2a-84d6-ab2649e08a13" },
    { name: "Privileged Role Administrator", templateId: "e8611ab8-c189-46e8-94e1-60213ab1f814" },
    { name: "Security Administrator", templateId: "194ae4cb-b126-40b2-bd5b-6091b380977d" },
    { name: "Security Operator", templateId: "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f" },
    { name: "Security Reader", templateId: "5d6b6bb7-de71-4623-b4af-96380a352509" },
    { name: "User Administrator", templateId: "fe930be7-5e62-47db-91af-98c3a49a38b1" },
];

/** Roles not labelled privileged that many tenants still want held only through PIM. */
export const otherWatchedBuiltInRoles: readonly DirectoryRole[] = [
    { name: "Billing Administrator", templateId: "b0f54661-2d74-4c50-afa3-1ec803f12efe" },
    { name: "Compliance Administrator", templateId: "17315797-102d-40b4-93e0-432062caca18" },
    { name: "Directory Synchronization Accounts", templateId: "d29b2b05-8046-44ba-8758-1e26182fcf32" },
    { name: "Exchange Administrator", templateId: "29232cdf-9323-42fd-ade2-1d097af3e4de" },
    { name: "Groups Administrator", templateId: "fdd7a751-b60b-444a-984c-02652fe8fa1c" },
    { name: "Identity Governance Administrator", templateId: "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e" },
    { name: "Power Platform Administrator", templateId: "11648597-926c-4cf3-9c36-bcebb0ba8dcc" },
    { name: "SharePoint Administrator", templateId: "f28a1f50-f6e7-4571-818b-6a12f2af6b6c" },
    { name: "Teams Administrator", templateId: "69091246-20e8-4a56-aa4d-066075b2a7a8" },
];

const knownRoles = [...privilegedBuiltInRoles, ...otherWatchedBuiltInRoles];

/** The built-in role with this display name (case-insensitive), if pimguard knows it. */
export function findRoleByName(name: string): DirectoryRole | undefined {
    const wanted = name.trim().toLowerCase();
    return knownRoles.find((role) => role.name.toLowerCase() === wanted);
}

/** The built-in role with this template id (case-insensitive), if pimguard knows it. */
export function findRoleByTemplateId(templateId: string): DirectoryRole | undefined {
    const wanted = templateId.trim().toLowerCase();
    return knownRoles.find((role) => role.templateId === wanted);
}

/** Every role name pimguard resolves, for error messages. */
export function knownRoleNames(): string[] {
    return knownRoles.map((role) => role.name);
}
