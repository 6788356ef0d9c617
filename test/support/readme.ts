import * as fs from "fs";
import * as path from "path";

const readmePath = path.resolve(__dirname, "..", "..", "README.md");

/** The fenced code blocks of one README section (up to the next `## ` heading) in one language. */
export function readmeCodeBlocks(section: string, language: string): string[] {
    const readme = fs.readFileSync(readmePath, "utf8");
    const start = readme.indexOf(`\n## ${section}\n`);
    if (start < 0) {
        throw new Error(`README.md has no section "## ${section}"`);
    }
    const end = readme.indexOf("\n## ", start + 1);
    const text = readme.slice(start, end < 0 ? undefined : end);
    return [...text.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((match) => match[1]!);
}
