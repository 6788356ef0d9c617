import * as pulumi from "@pulumi/pulumi";
import * as aadiam from "@pulumi/azure-native/aadiam";

export interface AuditLogStreamingArgs {
    /** The Log Analytics workspace's ARM id. */
    workspaceId: pulumi.Input<string>;
}

/**
 * The tenant-wide Entra diagnostic setting that sends AuditLogs to the workspace. Off by
 * default: most tenants already stream them (Sentinel's Entra ID connector), and creating it
 * needs Security Administrator or Global Administrator in Entra.
 */
export class AuditLogStreaming extends pulumi.ComponentResource {
    public readonly diagnosticSetting: aadiam.DiagnosticSetting;

    constructor(name: string, args: AuditLogStreamingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pimguard:index:AuditLogStreaming", name, {}, opts);

        this.diagnosticSetting = new aadiam.DiagnosticSetting(
            name,
            {
                name: "pimguard-auditlogs",
                workspaceId: args.workspaceId,
                // Retention is the workspace's business; diagnostic-setting retention is retired.
                logs: [{ category: aadiam.Category.AuditLogs, enabled: true }],
            },
            { parent: this },
        );

        this.registerOutputs({ diagnosticSettingId: this.diagnosticSetting.id });
    }
}
