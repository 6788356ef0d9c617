/**
 * Runs one policy of policy/ on one resource the way the policy pack's server does
 * (@pulumi/policy server.js, analyze): the engine's property values are deserialized with
 * secrets unpacked, wrapped in @pulumi/policy's exported `unknownCheckingProxy`, and handed to
 * each validation with `reportViolation`. What the server makes of the outcome is kept: the
 * violations, a not-applicable reason, or the advisory "can't run during preview" that an
 * `UnknownValueError` becomes. There is no public test harness in @pulumi/policy 1.21.
 */
import * as path from "path";
import type * as policySdk from "@pulumi/policy";
import { DeclaredResource } from "./stack-harness";

const policyDir = path.resolve(__dirname, "..", "..", "policy");

/** @pulumi/policy as policy/policies.ts resolves it, so its error classes are the ones the policies throw. */
const policyPackage = require(require.resolve("@pulumi/policy", { paths: [policyDir] })) as typeof policySdk;
/** The server's own deserializer (not in the package's typings). */
const { deserializeProperties } = require(require.resolve("@pulumi/policy/deserialize", { paths: [policyDir] })) as {
    deserializeProperties(struct: { toJavaScript(): unknown }, proxySecrets: boolean): Record<string, unknown>;
};

/** What the server reports for one policy and one resource. */
export interface Verdict {
    violations: string[];
    /** Set when the policy called `notApplicable`. */
    notApplicable?: string;
    /** Set when the policy read a value unknown in preview: an advisory diagnostic, not a violation. */
    cannotRunInPreview?: string;
}

/** A resource as the engine shows it to a policy. */
export type JudgedResource = Pick<DeclaredResource, "type" | "name" | "urn" | "inputs">;

class NotApplicable extends Error {
    constructor(readonly reason: string | undefined) {
        super(reason);
    }
}

/** The policy's config as the engine hands it over: the schema's defaults, overridden by the pack config given. */
function effectiveConfig(policy: policySdk.ResourceValidationPolicy, config: Record<string, unknown>): Record<string, unknown> {
    const defaults = Object.fromEntries(
        Object.entries(policy.configSchema?.properties ?? {})
            .filter(([, schema]) => typeof schema === "object" && schema !== null && "default" in schema)
            .map(([key, schema]) => [key, (schema as { default: unknown }).default]),
    );
    return { ...defaults, ...config };
}

export async function judge(policy: policySdk.ResourceValidationPolicy, resource: JudgedResource, config: Record<string, unknown> = {}): Promise<Verdict> {
    const verdict: Verdict = { violations: [] };
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
    for (const validation of validations) {
        // Through JSON, as through the engine's protobuf Struct: an undefined property is not there at all.
        const wire = JSON.parse(JSON.stringify(resource.inputs)) as unknown;
        const props = policyPackage.unknownCheckingProxy(deserializeProperties({ toJavaScript: () => wire }, false));
        const args: policySdk.ResourceValidationArgs = {
            type: resource.type,
            props,
            urn: resource.urn,
            name: resource.name,
            opts: {
                protect: false,
                ignoreChanges: [],
                aliases: [],
                customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
                additionalSecretOutputs: [],
            },
            stackTags: new Map(),
            isType: (resourceClass) => (resourceClass as unknown as { __pulumiType?: string }).__pulumiType === resource.type,
            asType: ((resourceClass: unknown) =>
                (resourceClass as { __pulumiType?: string }).__pulumiType === resource.type ? props : undefined) as policySdk.ResourceValidationArgs["asType"],
            getConfig: <T extends object>() => effectiveConfig(policy, config) as T,
            notApplicable: (reason?: string): never => {
                throw new NotApplicable(reason);
            },
        };
        try {
            await validation(args, (message) => verdict.violations.push(message));
        } catch (error) {
            if (error instanceof policyPackage.UnknownValueError) {
                verdict.cannotRunInPreview = (error as Error).message;
            } else if (error instanceof NotApplicable) {
                verdict.notApplicable = error.reason ?? "";
            } else {
                throw error;
            }
        }
    }
    return verdict;
}
