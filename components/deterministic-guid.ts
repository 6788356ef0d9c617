import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";

// Our own RFC 4122 namespace, so GUIDs derived here never coincide with another tool's.
const pimguardNamespace = "7c1f0a53-3b0e-4f4e-9a8e-2d6b5f0c9e41";

/**
 * A name-based GUID: the same parts always give the same GUID. Azure role assignments,
 * analytics rules and automation rules need GUID names; deriving them from what they connect
 * means a re-run updates in place instead of colliding with 409 "exists".
 */
export function deterministicGuid(...parts: string[]): string {
    return nameBasedGuid(pimguardNamespace, parts.join("\n"));
}

/** RFC 4122 version 5 (SHA-1) UUID of `name` in `namespace`. */
export function nameBasedGuid(namespace: string, name: string): string {
    const namespaceBytes = Buffer.from(namespace.replace(/-/g, ""), "hex");
    const bytes = createHash("sha1").update(namespaceBytes).update(name, "utf8").digest().subarray(0, 16);
    bytes[6] = (bytes[6] & 0x0f) | 0x50; // version 5
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    const hex = bytes.toString("hex");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
}

/** A GUID for something that lives in one Sentinel workspace, stable for that workspace. */
export function guidInWorkspace(workspace: { name: pulumi.Input<string>; resourceGroupName: pulumi.Input<string> }, ...parts: string[]): pulumi.Output<string> {
    return pulumi
        .all([workspace.resourceGroupName, workspace.name])
        .apply(([group, name]) => deterministicGuid(group.toLowerCase(), name.toLowerCase(), ...parts));
}
