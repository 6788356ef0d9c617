/**
 * Fixtures for the playbook replay tests: incidents as Sentinel's trigger delivers them and
 * directory states, from test/fixtures/. The ids below are the ones the fixture files hold.
 */
import * as fs from "fs";
import * as path from "path";
import { DirectoryState, GraphFault, parseDirectoryState } from "../../replay/logic-apps/directory-state";

const fixtures = path.join(__dirname, "..", "fixtures");

export function incidentFixture(name: string): unknown {
    return JSON.parse(fs.readFileSync(path.join(fixtures, "incidents", `${name}.json`), "utf8"));
}

export function directoryFixture(name: string): DirectoryState {
    return parseDirectoryState(JSON.parse(fs.readFileSync(path.join(fixtures, "directory", `${name}.json`), "utf8")));
}

export function withFaults(directory: DirectoryState, ...faults: GraphFault[]): DirectoryState {
    return { ...directory, faults: [...directory.faults, ...faults] };
}

export function fixturePath(kind: "incidents" | "directory", name: string): string {
    return path.join(fixtures, kind, `${name}.json`);
}

export const principals = {
    alice: "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
    breakGlass: "b0b0b0b0-1111-4222-8333-944445555666",
    deployAutomation: "7d9e8f10-2a3b-4c5d-9e6f-7a8b9c0d1e2f",
    helpdeskGroup: "3a4b5c6d-7e8f-4091-a2b3-c4d5e6f70812",
} as const;

/** Role assignment ids of directory/tenant.json. */
export const assignments = {
    aliceGlobalAdmin: "lAPpYvVpN0KRkAEhdxReEBQxTLgpAy5EsL1W1LGCz28-1",
    aliceUserAdminInAdministrativeUnit: "uKoR9cHlbUSTP1Xp8ufw8xQxTLgpAy5EsL1W1LGCz28-1",
    aliceUserAdminTenantWide: "uKoR9cHlbUSTP1Xp8ufw8xQxTLgpAy5EsL1W1LGCz28-2",
    deployAutomationPrivilegedRoleAdmin: "uGFh6BjByEaU4WAhOrH4FBD4n30qOl1MnaZ6ipwNHi8-1",
    helpdeskGroupGlobalAdmin: "lAPpYvVpN0KRkAEhdxReEG1cSzp-j5BAorPE1ebgcI0-1",
    bobGlobalAdmin: "lAPpYvVpN0KRkAEhdxReEGtYjZ5aSYJDtxYF9OPSwbA-1",
    breakGlassGlobalAdmin: "lAPpYvVpN0KRkAEhdxReELCwsLARERJCgzNJREVVVmY-1",
} as const;

export const administrativeUnitScope = "/administrativeUnits/5c1e7a2b-0d3f-4e6a-9b8c-1f2e3d4c5b6a";
export const failureTag = "pimguard-remediation-failed";
