/**
 * The policy pack as the Pulumi CLI drives it: policy/index.ts runs in its own process and
 * serves Pulumi's Analyzer gRPC service on the port it prints; the CLI then asks for the pack's
 * policies (GetAnalyzerInfo), sends the policy config (Configure) and each resource's inputs
 * (Analyze). The protocol classes come from @pulumi/pulumi's generated proto modules.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import type * as emptyProto from "google-protobuf/google/protobuf/empty_pb";
import type * as structProto from "google-protobuf/google/protobuf/struct_pb";
import { JudgedResource } from "./policy-harness";

const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
/** google-protobuf as @pulumi/pulumi's proto modules load it (it is their dependency, not ours). */
function protobufModule<T>(name: string): T {
    return require(require.resolve(`google-protobuf/google/protobuf/${name}`, { paths: [pulumiDir] })) as T;
}
const { Struct } = protobufModule<typeof structProto>("struct_pb");
const { Empty } = protobufModule<typeof emptyProto>("empty_pb");

/** One diagnostic, as the CLI would print it. */
export interface Diagnostic {
    policy: string;
    message: string;
    mandatory: boolean;
}

export class ServedPolicyPack {
    private constructor(
        private readonly process: ChildProcess,
        private readonly client: analyzerRpc.AnalyzerClient,
    ) {}

    /** Starts policy/index.ts (TypeScript through ts-node) in `packDir` and connects to the port it prints. */
    static start(packDir: string): Promise<ServedPolicyPack> {
        return new Promise((resolve, reject) => {
            const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], { cwd: packDir, stdio: ["ignore", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            child.stdout!.on("data", (chunk: Buffer) => {
                stdout += chunk.toString();
                const port = /^(\d+)\n/.exec(stdout)?.[1];
                if (port !== undefined) {
                    resolve(new ServedPolicyPack(child, new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure())));
                }
            });
            child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
            child.on("exit", (code) => reject(new Error(`the policy pack exited (${code}) before serving:\n${stdout}${stderr}`)));
            child.on("error", reject);
        });
    }

    stop(): void {
        this.client.close();
        this.process.kill();
    }

    /** The names of the policies the pack serves. */
    policyNames(): Promise<string[]> {
        return new Promise((resolve, reject) =>
            this.client.getAnalyzerInfo(new Empty(), (error, info) =>
                error ? reject(error) : resolve(info!.getPoliciesList().map((policy) => policy.getName())),
            ),
        );
    }

    /** The policy config the CLI sends from `--policy-pack-config` (each policy mandatory here). */
    configure(config: Record<string, Record<string, unknown>>): Promise<void> {
        const request = new analyzerProto.ConfigureAnalyzerRequest();
        for (const [policy, properties] of Object.entries(config)) {
            const policyConfig = new analyzerProto.PolicyConfig();
            policyConfig.setEnforcementlevel(analyzerProto.EnforcementLevel.MANDATORY);
            policyConfig.setProperties(Struct.fromJavaScript(properties as Record<string, structProto.JavaScriptValue>));
            request.getPolicyconfigMap().set(policy, policyConfig);
        }
        return new Promise((resolve, reject) => this.client.configure(request, (error) => (error ? reject(error) : resolve())));
    }

    /** What the pack says about one resource's inputs (the JSON the engine sends). */
    analyze(resource: JudgedResource): Promise<Diagnostic[]> {
        const request = new analyzerProto.AnalyzeRequest();
        request.setType(resource.type);
        request.setName(resource.name);
        request.setUrn(resource.urn);
        request.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(resource.inputs)) as Record<string, structProto.JavaScriptValue>));
        request.setOptions(new analyzerProto.AnalyzerResourceOptions());
        return new Promise((resolve, reject) =>
            this.client.analyze(request, (error, response) =>
                error
                    ? reject(error)
                    : resolve(
                          response!.getDiagnosticsList().map((diagnostic) => ({
                              policy: diagnostic.getPolicyname(),
                              message: diagnostic.getMessage(),
                              mandatory: diagnostic.getEnforcementlevel() === analyzerProto.EnforcementLevel.MANDATORY,
                          })),
                      ),
            ),
        );
    }
}
