import * as pulumi from "@pulumi/pulumi";
import { DirectoryRole, findRoleByName, findRoleByTemplateId, knownRoleNames, privilegedBuiltInRoles } from "./roles";

// An `as const` object, not a string-literal union: Pulumi's schema analyzer turns it into an
// enum for Python, Go, .NET and YAML programs, and TypeScript callers still write "reportOnly".
/** What the playbook does about an assignment it is alerted to. */
export const Mode = {
    /** Remove the assignment, revoke the user's sessions, and say on the incident what was done. */
    Remediate: "remediate",
    /** Change nothing in the directory; only say on the incident what would be removed. */
    ReportOnly: "reportOnly",
} as const;
/** `remediate` removes assignments; `reportOnly` only says on the incident what it would remove. */
export type Mode = (typeof Mode)[keyof typeof Mode];
export const modes: readonly Mode[] = Object.values(Mode);

/** How the detection rule runs (an `as const` object, like Mode, so other languages get an enum). */
export const DetectionKind = {
    /** A scheduled rule every ruleFrequencyMinutes (5 or more). */
    Scheduled: "scheduled",
    /** Sentinel's near-real-time rule: every minute, on what arrived since its previous run. */
    Nrt: "nrt",
} as const;
/** `scheduled` every ruleFrequencyMinutes, or `nrt` every minute. */
export type DetectionKind = (typeof DetectionKind)[keyof typeof DetectionKind];
export const detectionKinds: readonly DetectionKind[] = Object.values(DetectionKind);

/** Tags for every taggable resource; values may be Pulumi outputs. */
export type Tags = pulumi.Input<Record<string, pulumi.Input<string>>>;

/** How the playbook removes a standing assignment (an `as const` object, so other languages get an enum). */
export const RemovalMethod = {
    /** The default: a PIM remove request, with a permission that can only remove. */
    AdminRemove: "adminRemove",
    /**
     * Delete the role assignment directly. Needs RoleManagement.ReadWrite.Directory, a permission
     * that can also grant any role: opt in only where PIM's remove request cannot remove what you find.
     */
    RoleAssignmentDelete: "roleAssignmentDelete",
} as const;
/** `adminRemove` (through PIM) or `roleAssignmentDelete` (direct, needs a grant-capable permission). */
export type RemovalMethod = (typeof RemovalMethod)[keyof typeof RemovalMethod];
export const removalMethods: readonly RemovalMethod[] = Object.values(RemovalMethod);

/** A principal that may hold roles outside PIM (a break-glass account): alerted on, never touched. */
export interface ExemptPrincipal {
    /** Entra object id of the user, service principal or group. */
    id: string;
    /** Why it is exempt; shown on the watchlist and on every incident about it. */
    reason: string;
}

/**
 * An exemption's reason becomes a watchlist row with its id: Sentinel allows 10 KB a row, and
 * 1,000 characters stay below that whatever the script (at most 4 bytes a character in UTF-8).
 */
export const maxExemptionReasonLength = 1000;

/**
 * A role-assignable group allowed to hold some watched roles standing: Microsoft's "PIM for
 * Groups" setup, where the group holds the role permanently and people become its members
 * through PIM. Its standing assignments of these roles are kept; anyone added to it (or made
 * its owner) outside PIM for Groups is removed.
 */
export interface PrivilegedGroup {
    /** The group's Entra object id. */
    id: string;
    /** The watched roles it may hold standing, by name or template id (template ids once validated). */
    roles: string[];
    /** Why; shown on the watchlist and on incidents about the group. */
    reason: string;
}

/** The sweep runs every 15 minutes to once a day; 0 turns it off. */
export const minSweepIntervalMinutes = 15;
export const maxSweepIntervalMinutes = 24 * 60;
/** At most this many removals a sweep may be allowed per run. */
export const maxSweepRemovalsLimit = 50;

/** Sentinel accepts rule frequencies from 5 minutes to 14 days. */
export const minRuleFrequencyMinutes = 5;
export const maxRuleFrequencyMinutes = 14 * 24 * 60;

/** The behaviour settings every PimGuard shares, after validation. */
export interface GuardPolicy {
    privilegedRoles: DirectoryRole[];
    exemptPrincipals: ExemptPrincipal[];
    mode: Mode;
    removalMethod: RemovalMethod;
    revokeSessions: boolean;
    closeIncidents: boolean;
    ruleFrequencyMinutes: number;
    /** Groups allowed to hold watched roles standing; roles as template ids. */
    privilegedGroups: PrivilegedGroup[];
    /** Minutes between sweeps of every watched role; 0: no sweep. */
    sweepIntervalMinutes: number;
    /** The brake: at most this many standing assignments a sweep removes per run; the rest are reported and escalated. */
    sweepMaxRemovals: number;
    detection: DetectionKind;
}

/**
 * What every optional policy setting is when nothing sets it: the stack's config, PimGuardArgs
 * and Pulumi.yaml's declared defaults all mean this (a test holds Pulumi.yaml to it).
 */
export const defaultPolicy: Readonly<GuardPolicy> = Object.freeze({
    privilegedRoles: [...privilegedBuiltInRoles],
    exemptPrincipals: [],
    mode: "remediate",
    removalMethod: "adminRemove",
    revokeSessions: true,
    closeIncidents: true,
    ruleFrequencyMinutes: 5,
    privilegedGroups: [],
    sweepIntervalMinutes: 60,
    sweepMaxRemovals: 3,
    detection: "scheduled",
});

/** The rule frequency when none is given. */
export const defaultRuleFrequencyMinutes = defaultPolicy.ruleFrequencyMinutes;

/** Everything the stack's config says, validated and typed. */
export interface StackSettings extends GuardPolicy {
    workspaceName: string;
    workspaceResourceGroup: string;
    resourceGroupName?: string;
    /** Plain text here; the stack program wraps it with `pulumi.secret` before use. */
    notificationWebhookUrl?: string;
    streamAuditLogs: boolean;
    tags: Record<string, string>;
}

/**
 * Thrown for bad configuration: one line per problem, each naming the key, the value and what
 * is allowed. Raised before any resource is declared, so a bad value changes nothing.
 */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`pimguard configuration is invalid:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

const namespace = "pimguard";

/** Every key the stack reads; anything else under `pimguard:` is a typo and is refused. */
export const configKeys = [
    "workspaceName",
    "workspaceResourceGroup",
    "resourceGroupName",
    "privilegedRoles",
    "exemptPrincipals",
    "mode",
    "removalMethod",
    "revokeSessions",
    "closeIncidents",
    "ruleFrequencyMinutes",
    "privilegedGroups",
    "sweepIntervalMinutes",
    "sweepMaxRemovals",
    "detection",
    "notificationWebhookUrl",
    "streamAuditLogs",
    "tags",
] as const;
type ConfigKey = (typeof configKeys)[number];

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` is a GUID in the 8-4-4-4-12 form Entra uses for object and template ids. */
export function isGuid(value: string): boolean {
    return guidPattern.test(value);
}

/**
 * Reads the stack's config, given as Pulumi holds it: full keys (`pimguard:mode`) to raw
 * strings, objects and arrays as JSON text. Returns typed settings or throws one ConfigError
 * listing every problem.
 */
export function parseStackConfig(raw: Readonly<Record<string, string>>): StackSettings {
    const problems: string[] = [];
    const reader = new ConfigReader(raw, problems);

    for (const key of Object.keys(raw)) {
        const [prefix, name] = splitKey(key);
        if (prefix === namespace && !(configKeys as readonly string[]).includes(name)) {
            problems.push(`${key} is not a pimguard setting; known keys: ${configKeys.map((k) => `${namespace}:${k}`).join(", ")}`);
        }
    }

    const settings: StackSettings = {
        workspaceName: reader.requiredString("workspaceName", azureNameRule.workspace),
        workspaceResourceGroup: reader.requiredString("workspaceResourceGroup", azureNameRule.resourceGroup),
        resourceGroupName: reader.optionalName("resourceGroupName", azureNameRule.resourceGroup),
        privilegedRoles: resolvePrivilegedRoles(reader.optionalStringArray("privilegedRoles"), keyName("privilegedRoles"), problems),
        exemptPrincipals: checkExemptPrincipals(
            reader.optionalJson("exemptPrincipals") ?? defaultPolicy.exemptPrincipals,
            keyName("exemptPrincipals"),
            problems,
        ),
        mode: checkMode(reader.optionalString("mode") ?? defaultPolicy.mode, keyName("mode"), problems),
        removalMethod: checkRemovalMethod(reader.optionalString("removalMethod") ?? defaultPolicy.removalMethod, keyName("removalMethod"), problems),
        revokeSessions: reader.boolean("revokeSessions", defaultPolicy.revokeSessions),
        closeIncidents: reader.boolean("closeIncidents", defaultPolicy.closeIncidents),
        ruleFrequencyMinutes: reader.ruleFrequency(),
        privilegedGroups: [],
        sweepIntervalMinutes: checkSweepInterval(
            reader.optionalInteger("sweepIntervalMinutes") ?? defaultPolicy.sweepIntervalMinutes,
            keyName("sweepIntervalMinutes"),
            problems,
        ),
        sweepMaxRemovals: checkSweepMaxRemovals(
            reader.optionalInteger("sweepMaxRemovals") ?? defaultPolicy.sweepMaxRemovals,
            keyName("sweepMaxRemovals"),
            problems,
        ),
        detection: checkDetection(reader.optionalString("detection") ?? defaultPolicy.detection, keyName("detection"), problems),
        notificationWebhookUrl: reader.webhookUrl(),
        streamAuditLogs: reader.boolean("streamAuditLogs", false),
        tags: reader.tags(),
    };
    settings.privilegedGroups = checkPrivilegedGroups(
        reader.optionalJson("privilegedGroups") ?? defaultPolicy.privilegedGroups,
        keyName("privilegedGroups"),
        { watched: settings.privilegedRoles, exemptions: settings.exemptPrincipals, exemptionsKey: keyName("exemptPrincipals") },
        problems,
    );
    checkDetectionHonours(settings, { detection: keyName("detection"), ruleFrequencyMinutes: keyName("ruleFrequencyMinutes") }, problems);
    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    return settings;
}

/** The policy as a program importing PimGuard gives it: every field optional. */
export interface GuardPolicyArgs {
    /** Roles enforced, by built-in role name or template id (a custom role's id too). Default: Microsoft's PRIVILEGED-labelled built-in roles. */
    privilegedRoles?: string[];
    /** The tenant's own custom roles, enforced as well, each with the name the watchlist and incidents show. Added to `privilegedRoles` (or to its default). Default: none. */
    customRoles?: DirectoryRole[];
    /** Break-glass principals: alerted on, never removed. Default: none. */
    exemptPrincipals?: ExemptPrincipal[];
    /** `remediate` (default) removes assignments; `reportOnly` only comments what it would remove. */
    mode?: Mode;
    /**
     * `adminRemove` (default): PIM's remove request, with a permission that can only remove.
     * `roleAssignmentDelete`: deletes role assignments directly and grants the identity
     * RoleManagement.ReadWrite.Directory, which can also grant any role; opt in only if PIM's
     * remove request fails in your tenant.
     */
    removalMethod?: RemovalMethod;
    /** Revoke a user's sign-in sessions after removing the role. Default true. */
    revokeSessions?: boolean;
    /** Close the incident as True Positive when remediation succeeded. Default true. */
    closeIncidents?: boolean;
    /** How often the analytics rule runs, in minutes (5 to 20160). Default 5. */
    ruleFrequencyMinutes?: number;
    /** Role-assignable groups allowed to hold watched roles standing (PIM for Groups). Default: none. */
    privilegedGroups?: PrivilegedGroup[];
    /** Minutes between sweeps of every watched role (15 to 1440); 0 turns the sweep off. Default 60. */
    sweepIntervalMinutes?: number;
    /** The most standing assignments one sweep removes (1 to 50); beyond that it reports and escalates. Default 3. */
    sweepMaxRemovals?: number;
    /** `scheduled` (default): a scheduled rule every ruleFrequencyMinutes; `nrt`: a near-real-time rule, every minute. */
    detection?: DetectionKind;
}

/**
 * Applies defaults to a policy given in code and checks it with the same rules as stack config.
 * Throws a ConfigError naming the argument (e.g. `PimGuardArgs.mode`).
 */
export function guardPolicyFromArgs(args: GuardPolicyArgs, argPrefix: string): GuardPolicy {
    const problems: string[] = [];
    const policy: GuardPolicy = {
        privilegedRoles: rolesFromArgs(args, argPrefix, problems),
        exemptPrincipals: checkExemptPrincipals(args.exemptPrincipals ?? defaultPolicy.exemptPrincipals, `${argPrefix}.exemptPrincipals`, problems),
        mode: checkMode(args.mode ?? defaultPolicy.mode, `${argPrefix}.mode`, problems),
        removalMethod: checkRemovalMethod(args.removalMethod ?? defaultPolicy.removalMethod, `${argPrefix}.removalMethod`, problems),
        revokeSessions: checkBoolean(args.revokeSessions ?? defaultPolicy.revokeSessions, `${argPrefix}.revokeSessions`, problems),
        closeIncidents: checkBoolean(args.closeIncidents ?? defaultPolicy.closeIncidents, `${argPrefix}.closeIncidents`, problems),
        ruleFrequencyMinutes: checkRuleFrequency(
            args.ruleFrequencyMinutes ?? defaultPolicy.ruleFrequencyMinutes,
            `${argPrefix}.ruleFrequencyMinutes`,
            problems,
        ),
        privilegedGroups: [],
        sweepIntervalMinutes: checkSweepInterval(
            args.sweepIntervalMinutes ?? defaultPolicy.sweepIntervalMinutes,
            `${argPrefix}.sweepIntervalMinutes`,
            problems,
        ),
        sweepMaxRemovals: checkSweepMaxRemovals(args.sweepMaxRemovals ?? defaultPolicy.sweepMaxRemovals, `${argPrefix}.sweepMaxRemovals`, problems),
        detection: checkDetection(args.detection ?? defaultPolicy.detection, `${argPrefix}.detection`, problems),
    };
    checkDetectionHonours(
        { detection: policy.detection, ruleFrequencyMinutes: policy.ruleFrequencyMinutes },
        { detection: `${argPrefix}.detection`, ruleFrequencyMinutes: `${argPrefix}.ruleFrequencyMinutes` },
        problems,
    );
    policy.privilegedGroups = checkPrivilegedGroups(
        args.privilegedGroups ?? defaultPolicy.privilegedGroups,
        `${argPrefix}.privilegedGroups`,
        { watched: policy.privilegedRoles, exemptions: policy.exemptPrincipals, exemptionsKey: `${argPrefix}.exemptPrincipals` },
        problems,
    );
    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    return policy;
}

/**
 * Privileged groups need a well-formed object id, at least one watched role (a role nobody
 * enforces needs no sanction), a one-line reason, and each group once. A group that is also an
 * exempt principal is refused: exempting it would blind pimguard to anyone added to it.
 */
export function checkPrivilegedGroups(
    value: unknown,
    key: string,
    context: { watched: readonly DirectoryRole[]; exemptions: readonly ExemptPrincipal[]; exemptionsKey: string },
    problems: string[],
): PrivilegedGroup[] {
    if (!Array.isArray(value)) {
        problems.push(`${key} is ${show(value)}; allowed: a list of { id, roles, reason } objects`);
        return [];
    }
    const groups: PrivilegedGroup[] = [];
    const seen = new Set<string>();
    value.forEach((entry: unknown, index: number) => {
        const where = `${key}[${index}]`;
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            problems.push(`${where} is ${show(entry)}; allowed: an object { id, roles, reason }`);
            return;
        }
        const { id, roles, reason, ...rest } = entry as Record<string, unknown>;
        const extra = Object.keys(rest);
        if (extra.length > 0) problems.push(`${where} has unknown field(s) ${extra.join(", ")}; allowed: id, roles, reason`);
        if (typeof id !== "string" || !isGuid(id.trim())) {
            problems.push(`${where}.id is ${show(id)}; allowed: the role-assignable group's Entra object id (GUID)`);
            return;
        }
        const groupId = id.trim().toLowerCase();
        const templateIds = checkGroupRoles(roles, `${where}.roles`, context.watched, problems);
        const checkedReason = checkReason(reason, `${where}.reason`, `the group ${groupId}`, problems);
        if (seen.has(groupId)) problems.push(`${where}.id ${show(id)} is listed twice; list each group once`);
        if (context.exemptions.some((exemption) => exemption.id === groupId)) {
            problems.push(
                `${where}.id ${show(id)} is also in ${context.exemptionsKey}; a group is sanctioned through privilegedGroups only (an exemption would hide anyone added to it outside PIM)`,
            );
        }
        seen.add(groupId);
        if (templateIds !== undefined && checkedReason !== undefined) groups.push({ id: groupId, roles: templateIds, reason: checkedReason });
    });
    return groups;
}

function checkGroupRoles(roles: unknown, key: string, watched: readonly DirectoryRole[], problems: string[]): string[] | undefined {
    if (!Array.isArray(roles) || roles.length === 0) {
        problems.push(`${key} is ${show(roles)}; allowed: a non-empty list of watched roles, by name or template id`);
        return undefined;
    }
    const templateIds: string[] = [];
    for (const entry of roles) {
        const role = resolveRole(entry, key, problems);
        if (role === undefined) continue;
        if (!watched.some((candidate) => candidate.templateId === role.templateId)) {
            problems.push(
                `${key} has ${show(entry)}, which is not a watched role; allowed: one of pimguard's privileged roles (a group needs no sanction for a role nobody enforces)`,
            );
            continue;
        }
        if (templateIds.includes(role.templateId)) {
            problems.push(`${key} lists ${show(entry)} twice; each role once`);
            continue;
        }
        templateIds.push(role.templateId);
    }
    return templateIds;
}

/** A one-line reason of at most maxExemptionReasonLength characters, or undefined after recording the problem. */
function checkReason(reason: unknown, key: string, about: string, problems: string[]): string | undefined {
    if (typeof reason !== "string" || reason.trim() === "" || /[\r\n]/.test(reason)) {
        problems.push(`${key} is ${show(reason)}; allowed: a non-empty one-line reason (it is shown on every incident about ${about})`);
        return undefined;
    }
    const characters = [...reason.trim()].length;
    if (characters > maxExemptionReasonLength) {
        problems.push(`${key} has ${characters} characters; allowed: at most ${maxExemptionReasonLength} (a watchlist row must stay under Sentinel's 10 KB)`);
        return undefined;
    }
    return reason.trim();
}

export function checkSweepInterval(value: unknown, key: string, problems: string[]): number {
    const valid =
        typeof value === "number" && Number.isInteger(value) && (value === 0 || (value >= minSweepIntervalMinutes && value <= maxSweepIntervalMinutes));
    if (!valid) {
        problems.push(
            `${key} is ${show(value)}; allowed: 0 (no sweep) or a whole number of minutes from ${minSweepIntervalMinutes} to ${maxSweepIntervalMinutes}`,
        );
        return defaultPolicy.sweepIntervalMinutes;
    }
    return value;
}

export function checkSweepMaxRemovals(value: unknown, key: string, problems: string[]): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > maxSweepRemovalsLimit) {
        problems.push(
            `${key} is ${show(value)}; allowed: a whole number from 1 to ${maxSweepRemovalsLimit} (the most standing assignments one sweep may remove)`,
        );
        return defaultPolicy.sweepMaxRemovals;
    }
    return value;
}

/**
 * `privilegedRoles` and `customRoles` together, each role once. Two fields rather than one list
 * of names and role objects: Pulumi's schema has no union types, and Python, Go, .NET and YAML
 * programs see the args through that schema. An empty `privilegedRoles` is allowed beside
 * custom roles (the guard still enforces something), and refused on its own.
 */
function rolesFromArgs(args: GuardPolicyArgs, argPrefix: string, problems: string[]): DirectoryRole[] {
    const namedKey = `${argPrefix}.privilegedRoles`;
    const customKey = `${argPrefix}.customRoles`;
    const given: unknown = args.privilegedRoles;
    if (given !== undefined && !Array.isArray(given)) {
        problems.push(`${namedKey} is ${show(given)}; allowed: a list of role names or template ids`);
        return [];
    }
    const customOnly = given?.length === 0 && Array.isArray(args.customRoles) && args.customRoles.length > 0;
    const named = customOnly ? [] : resolvePrivilegedRoles(given, namedKey, problems);
    return [...named, ...checkCustomRoles(args.customRoles ?? [], customKey, { key: namedKey, roles: named }, problems)];
}

/**
 * Custom roles need a template id that is no built-in role's, and a one-line name; each role
 * once, here and among the named roles.
 */
function checkCustomRoles(value: unknown, key: string, named: { key: string; roles: DirectoryRole[] }, problems: string[]): DirectoryRole[] {
    if (!Array.isArray(value)) {
        problems.push(`${key} is ${show(value)}; allowed: a list of { templateId, name } objects`);
        return [];
    }
    const roles: DirectoryRole[] = [];
    value.forEach((entry: unknown, index: number) => {
        const where = `${key}[${index}]`;
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            problems.push(`${where} is ${show(entry)}; allowed: an object { templateId, name }`);
            return;
        }
        const { templateId, name, ...rest } = entry as Record<string, unknown>;
        const extra = Object.keys(rest);
        if (extra.length > 0) {
            problems.push(`${where} has unknown field(s) ${extra.join(", ")}; allowed: templateId, name`);
        }
        if (typeof templateId !== "string" || !isGuid(templateId.trim())) {
            problems.push(`${where}.templateId is ${show(templateId)}; allowed: the custom role's template id (GUID)`);
            return;
        }
        const id = templateId.trim().toLowerCase();
        const builtIn = findRoleByTemplateId(id);
        if (builtIn !== undefined) {
            problems.push(
                `${where}.templateId ${show(templateId)} is the built-in role ${show(builtIn.name)}; allowed: a custom role (list built-in roles in ${named.key})`,
            );
            return;
        }
        if (typeof name !== "string" || name.trim() === "" || /[\r\n]/.test(name)) {
            problems.push(`${where}.name is ${show(name)}; allowed: a non-empty one-line name (the watchlist and incidents show it)`);
            return;
        }
        if (roles.some((role) => role.templateId === id)) {
            problems.push(`${where}.templateId ${show(templateId)} is listed twice; list each role once`);
            return;
        }
        if (named.roles.some((role) => role.templateId === id)) {
            problems.push(`${where}.templateId ${show(templateId)} is also listed in ${named.key}; list each role once`);
            return;
        }
        roles.push({ templateId: id, name: name.trim() });
    });
    return roles;
}

function checkBoolean(value: unknown, key: string, problems: string[]): boolean {
    if (typeof value !== "boolean") {
        problems.push(`${key} is ${show(value)}; allowed: true or false`);
        return false;
    }
    return value;
}

/**
 * Turns role names or template ids into roles. Unknown names, malformed GUIDs, duplicates and
 * an empty list are problems: an empty list would deploy a guard that enforces nothing.
 */
export function resolvePrivilegedRoles(entries: string[] | undefined, key: string, problems: string[]): DirectoryRole[] {
    if (entries === undefined) {
        return [...defaultPolicy.privilegedRoles];
    }
    if (entries.length === 0) {
        problems.push(`${key} is []; allowed: at least one role name or template id (omit the key for Microsoft's PRIVILEGED roles)`);
    }
    const roles: DirectoryRole[] = [];
    const seen = new Map<string, string>();
    for (const entry of entries) {
        const role = resolveRole(entry, key, problems);
        if (role === undefined) {
            continue;
        }
        const earlier = seen.get(role.templateId);
        if (earlier !== undefined) {
            problems.push(`${key} lists ${show(entry)} twice (already listed as ${show(earlier)}); each role once`);
            continue;
        }
        seen.set(role.templateId, entry);
        roles.push(role);
    }
    return roles;
}

function resolveRole(entry: unknown, key: string, problems: string[]): DirectoryRole | undefined {
    if (typeof entry !== "string" || entry.trim() === "") {
        problems.push(`${key} has entry ${show(entry)}; allowed: a built-in role name or a role template id (GUID)`);
        return undefined;
    }
    const text = entry.trim();
    if (isGuid(text)) {
        const templateId = text.toLowerCase();
        // Custom roles are allowed by id; their name is unknown until Entra is asked.
        return findRoleByTemplateId(templateId) ?? { templateId, name: `Custom role ${templateId}` };
    }
    if (/^[0-9a-f-]{20,}$/i.test(text)) {
        problems.push(`${key} has ${show(entry)}, which is not a well-formed GUID; allowed: 8-4-4-4-12 hexadecimal digits`);
        return undefined;
    }
    const role = findRoleByName(text);
    if (role === undefined) {
        problems.push(`${key} has unknown role name ${show(entry)}; allowed: a role template id (GUID) or one of: ${knownRoleNames().join(", ")}`);
    }
    return role;
}

/** Exemptions need a well-formed object id and a reason; each principal once. */
export function checkExemptPrincipals(value: unknown, key: string, problems: string[]): ExemptPrincipal[] {
    if (!Array.isArray(value)) {
        problems.push(`${key} is ${show(value)}; allowed: a list of { id, reason } objects`);
        return [];
    }
    const exemptions: ExemptPrincipal[] = [];
    const seen = new Set<string>();
    value.forEach((entry: unknown, index: number) => {
        const where = `${key}[${index}]`;
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            problems.push(`${where} is ${show(entry)}; allowed: an object { id, reason }`);
            return;
        }
        const { id, reason, ...rest } = entry as Record<string, unknown>;
        const extra = Object.keys(rest);
        if (extra.length > 0) {
            problems.push(`${where} has unknown field(s) ${extra.join(", ")}; allowed: id, reason`);
        }
        if (typeof id !== "string" || !isGuid(id.trim())) {
            problems.push(`${where}.id is ${show(id)}; allowed: the principal's Entra object id (GUID)`);
            return;
        }
        const checkedReason = checkReason(reason, `${where}.reason`, id, problems);
        if (checkedReason === undefined) {
            return;
        }
        const normalisedId = id.trim().toLowerCase();
        if (seen.has(normalisedId)) {
            problems.push(`${where}.id ${show(id)} is exempted twice; list each principal once`);
            return;
        }
        seen.add(normalisedId);
        exemptions.push({ id: normalisedId, reason: checkedReason });
    });
    return exemptions;
}

export function checkMode(value: unknown, key: string, problems: string[]): Mode {
    if (typeof value === "string" && (modes as readonly string[]).includes(value)) {
        return value as Mode;
    }
    problems.push(`${key} is ${show(value)}; allowed: ${modes.map((mode) => `"${mode}"`).join(" or ")}`);
    return "reportOnly";
}

export function checkRemovalMethod(value: unknown, key: string, problems: string[]): RemovalMethod {
    if (typeof value === "string" && (removalMethods as readonly string[]).includes(value)) {
        return value as RemovalMethod;
    }
    problems.push(`${key} is ${show(value)}; allowed: ${removalMethods.map((method) => `"${method}"`).join(" or ")}`);
    return "adminRemove";
}

export function checkRuleFrequency(value: unknown, key: string, problems: string[]): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < minRuleFrequencyMinutes || value > maxRuleFrequencyMinutes) {
        problems.push(
            `${key} is ${show(value)}; allowed: a whole number of minutes from ${minRuleFrequencyMinutes} to ${maxRuleFrequencyMinutes} (Sentinel's 5 minutes to 14 days)`,
        );
        return defaultRuleFrequencyMinutes;
    }
    return value;
}

export function checkDetection(value: unknown, key: string, problems: string[]): DetectionKind {
    if (typeof value === "string" && (detectionKinds as readonly string[]).includes(value)) {
        return value as DetectionKind;
    }
    problems.push(`${key} is ${show(value)}; allowed: ${detectionKinds.map((kind) => `"${kind}"`).join(" or ")}`);
    return defaultPolicy.detection;
}

/**
 * A near-real-time rule runs every minute on what arrived since its previous run: Sentinel fixes
 * its schedule, so a frequency other than the default (which Pulumi.yaml fills in for every
 * stack) cannot be honoured.
 */
export function checkDetectionHonours(
    settings: { detection: DetectionKind; ruleFrequencyMinutes: number },
    keys: { detection: string; ruleFrequencyMinutes: string },
    problems: string[],
): void {
    if (settings.detection === "nrt" && settings.ruleFrequencyMinutes !== defaultRuleFrequencyMinutes) {
        problems.push(
            `${keys.ruleFrequencyMinutes} is ${settings.ruleFrequencyMinutes}, but ${keys.detection} is "nrt": a near-real-time rule runs every minute ` +
                `and takes no frequency; allowed: leave ${keys.ruleFrequencyMinutes} unset (its default, ${defaultRuleFrequencyMinutes}, is then ignored), ` +
                `or set ${keys.detection} to "scheduled"`,
        );
    }
}

interface NameRule {
    pattern: RegExp;
    allowed: string;
}

// Azure's naming rules, so a typo fails in preview instead of half-way through `pulumi up`.
const azureNameRule = {
    workspace: {
        pattern: /^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/,
        allowed: "4 to 63 letters, digits or hyphens, starting and ending with a letter or digit",
    },
    resourceGroup: {
        pattern: /^[-\w.()]{0,89}[-\w()]$/,
        allowed: "1 to 90 letters, digits, underscores, hyphens, periods or parentheses, not ending in a period",
    },
} satisfies Record<string, NameRule>;

/** Reads one key at a time, recording problems instead of stopping at the first. */
class ConfigReader {
    constructor(
        private readonly raw: Readonly<Record<string, string>>,
        private readonly problems: string[],
    ) {}

    private value(key: ConfigKey): string | undefined {
        return this.raw[keyName(key)];
    }

    requiredString(key: ConfigKey, rule: NameRule): string {
        const value = this.value(key);
        if (value === undefined || value.trim() === "") {
            this.problems.push(`${keyName(key)} is missing; it is required (${rule.allowed}): pulumi config set ${keyName(key)} <value>`);
            return "";
        }
        return this.checkName(key, value, rule);
    }

    optionalString(key: ConfigKey, rule?: NameRule): string | undefined {
        const value = this.value(key);
        if (value === undefined) {
            return undefined;
        }
        return rule ? this.checkName(key, value, rule) : value;
    }

    /** A name that may be left empty (Pulumi.yaml's default for it): empty means none. */
    optionalName(key: ConfigKey, rule: NameRule): string | undefined {
        const value = this.value(key);
        return value === undefined || value === "" ? undefined : this.checkName(key, value, rule);
    }

    private checkName(key: ConfigKey, value: string, rule: NameRule): string {
        if (!rule.pattern.test(value)) {
            this.problems.push(`${keyName(key)} is ${show(value)}; allowed: ${rule.allowed}`);
        }
        return value;
    }

    optionalJson(key: ConfigKey): unknown {
        const value = this.value(key);
        if (value === undefined) {
            return undefined;
        }
        try {
            return JSON.parse(value);
        } catch {
            this.problems.push(`${keyName(key)} is ${show(value)}, which is not valid YAML/JSON structured config`);
            return undefined;
        }
    }

    optionalStringArray(key: ConfigKey): string[] | undefined {
        const value = this.optionalJson(key);
        if (value === undefined) {
            return undefined;
        }
        if (!Array.isArray(value)) {
            this.problems.push(`${keyName(key)} is ${show(value)}; allowed: a list of role names or template ids`);
            return undefined;
        }
        return value as string[];
    }

    boolean(key: ConfigKey, fallback: boolean): boolean {
        const value = this.value(key);
        if (value === undefined) {
            return fallback;
        }
        if (value === "true" || value === "false") {
            return value === "true";
        }
        this.problems.push(`${keyName(key)} is ${show(value)}; allowed: true or false`);
        return fallback;
    }

    optionalInteger(key: ConfigKey): number | string | undefined {
        const value = this.value(key);
        if (value === undefined) {
            return undefined;
        }
        return /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
    }

    ruleFrequency(): number {
        const value = this.value("ruleFrequencyMinutes");
        if (value === undefined) {
            return defaultRuleFrequencyMinutes;
        }
        const minutes = /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
        return checkRuleFrequency(minutes, keyName("ruleFrequencyMinutes"), this.problems);
    }

    webhookUrl(): string | undefined {
        const value = this.value("notificationWebhookUrl");
        if (value === undefined || value === "") {
            return undefined;
        }
        let url: URL | undefined;
        try {
            url = new URL(value);
        } catch {
            url = undefined;
        }
        // The value is a secret: the message must not repeat it.
        if (url === undefined || url.protocol !== "https:") {
            this.problems.push(
                `${keyName("notificationWebhookUrl")} is not an https:// URL (value not shown: it is a secret); allowed: an https:// webhook URL`,
            );
        }
        return value;
    }

    tags(): Record<string, string> {
        const value = this.optionalJson("tags");
        if (value === undefined) {
            return {};
        }
        const key = keyName("tags");
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            this.problems.push(`${key} is ${show(value)}; allowed: a map of tag names to string values`);
            return {};
        }
        const entries = Object.entries(value as Record<string, unknown>);
        if (entries.length > 50) {
            this.problems.push(`${key} has ${entries.length} tags; allowed: at most 50 (Azure's limit per resource)`);
        }
        const tags: Record<string, string> = {};
        for (const [name, tagValue] of entries) {
            if (typeof tagValue !== "string" || tagValue.length > 256) {
                this.problems.push(`${key}.${name} is ${show(tagValue)}; allowed: a string of at most 256 characters`);
            } else if (name.length > 512 || /[<>%&\\?/]/.test(name)) {
                this.problems.push(`${key} has tag name ${show(name)}; allowed: at most 512 characters, none of < > % & \\ ? /`);
            } else {
                tags[name] = tagValue;
            }
        }
        return tags;
    }
}

function keyName(key: ConfigKey): string {
    return `${namespace}:${key}`;
}

function splitKey(fullKey: string): [string, string] {
    const colon = fullKey.indexOf(":");
    return colon < 0 ? ["", fullKey] : [fullKey.slice(0, colon), fullKey.slice(colon + 1)];
}

function show(value: unknown): string {
    return value === undefined ? "missing" : JSON.stringify(value);
}
