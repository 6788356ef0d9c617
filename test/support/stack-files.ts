import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";

/** The stacks a Pulumi program directory holds: one per `Pulumi.<stack>.yaml`. */
export function stackNames(programDir: string): string[] {
    return fs
        .readdirSync(programDir)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}

export interface StackConfig {
    /** Values as the Pulumi CLI hands them to a program: structured values as JSON text. */
    plain: Record<string, string>;
    /** Keys held as `secure:` ciphertext, which only the stack's secrets provider can read. */
    encrypted: string[];
}

/** Reads the `config:` of `Pulumi.<stack>.yaml`. */
export function readStackConfig(programDir: string, stack: string): StackConfig {
    const file = path.join(programDir, `Pulumi.${stack}.yaml`);
    const parsed = parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
    const config: StackConfig = { plain: {}, encrypted: [] };
    for (const [key, value] of Object.entries(parsed?.config ?? {})) {
        if (typeof value === "object" && value !== null && "secure" in value) {
            config.encrypted.push(key);
        } else {
            config.plain[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return config;
}
