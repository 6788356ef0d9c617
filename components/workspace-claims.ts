import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./config";
import { SentinelWorkspace } from "./sentinel-watchlist";

/**
 * One PimGuard per Sentinel workspace: its watchlist aliases, and the tenant-wide diagnostic
 * setting's name, are fixed, so a second one would fight the first over the same resources.
 * Claims are kept per Pulumi run (per resource monitor), so separate runs in one process, as
 * tests make them, do not see each other's.
 */
const claimsByRun = new WeakMap<object, Map<string, string>>();
const runWithoutMonitor = {};

function claims(): Map<string, string> {
    const run = pulumi.runtime.getMonitor() ?? runWithoutMonitor;
    let found = claimsByRun.get(run);
    if (found === undefined) {
        found = new Map();
        claimsByRun.set(run, found);
    }
    return found;
}

/**
 * Records that PimGuard `name` guards `workspace`, or refuses a second one. A workspace given as
 * plain strings is checked at once, before anything is declared; one given as outputs is
 * checked when they resolve (the preview then fails).
 */
export function claimWorkspace(name: string, workspace: SentinelWorkspace): void {
    const check = (group: string, workspaceName: string) =>
        claim(
            `workspace:${group}/${workspaceName}`.toLowerCase(),
            name,
            (holder) =>
                `PimGuard "${name}": Sentinel workspace ${group}/${workspaceName} is already guarded by PimGuard "${holder}"; ` +
                "one PimGuard per workspace is supported (its watchlist aliases are fixed): give the first one all the roles and exemptions",
        );
    if (typeof workspace.name === "string" && typeof workspace.resourceGroupName === "string") {
        check(workspace.resourceGroupName, workspace.name);
    } else {
        pulumi.all([workspace.resourceGroupName, workspace.name]).apply(([group, workspaceName]) => check(group, workspaceName));
    }
}

/** Records that PimGuard `name` streams the tenant's AuditLogs: the diagnostic setting has one fixed name per tenant. */
export function claimAuditLogStreaming(name: string): void {
    claim(
        "auditlogs-streaming",
        name,
        (holder) =>
            `PimGuard "${name}": streamAuditLogs is already on for PimGuard "${holder}"; the tenant's diagnostic setting has one fixed name, so turn it on for one PimGuard only`,
    );
}

function claim(key: string, name: string, refusal: (holder: string) => string): void {
    const holder = claims().get(key);
    if (holder !== undefined && holder !== name) {
        throw new ConfigError([refusal(holder)]);
    }
    claims().set(key, name);
}
