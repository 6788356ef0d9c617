import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, defaultPolicy, guardPolicyFromArgs, parseStackConfig } from "../components/config";
import { privilegedBuiltInRoles } from "../components/roles";
import { minimalConfig } from "./support/stack-harness";

const globalAdministrator = "62e90394-69f5-4237-9190-012177145e10";
const breakGlass = "3f2b8c1e-6d4a-4e0b-9b7c-2a5d8e1f0c34";

function configWith(extra: Record<string, string>): Record<string, string> {
    return { ...minimalConfig, ...extra };
}

/** The problems a config is refused for; fails the test if it is accepted. */
function problemsOf(config: Record<string, string>): string[] {
    let refused: unknown;
    try {
        parseStackConfig(config);
    } catch (error) {
        refused = error;
    }
    expect(refused, "the config was accepted").to.be.instanceOf(ConfigError);
    return (refused as ConfigError).problems;
}

describe("stack configuration", () => {
    describe("defaults", () => {
        it("a workspace alone enforces Microsoft's PRIVILEGED roles in remediate mode with sessions revoked and incidents closed", () => {
            const settings = parseStackConfig(minimalConfig);
            expect(settings.privilegedRoles.map((role) => role.templateId)).to.include(globalAdministrator);
            expect(settings.privilegedRoles).to.have.length(privilegedBuiltInRoles.length);
            expect(settings).to.include({ mode: "remediate", revokeSessions: true, closeIncidents: true, ruleFrequencyMinutes: 5, streamAuditLogs: false });
            expect(settings.exemptPrincipals).to.deep.equal([]);
            expect(settings.resourceGroupName).to.equal(undefined);
            expect(settings.notificationWebhookUrl).to.equal(undefined);
        });

        it("roles may be named or given by template id, in any case", () => {
            const settings = parseStackConfig(
                configWith({ "pimguard:privilegedRoles": JSON.stringify(["global administrator", "E8611AB8-C189-46E8-94E1-60213AB1F814"]) }),
            );
            expect(settings.privilegedRoles).to.deep.equal([
                { name: "Global Administrator", templateId: globalAdministrator },
                { name: "Privileged Role Administrator", templateId: "e8611ab8-c189-46e8-94e1-60213ab1f814" },
            ]);
        });

        it("a custom role is accepted by its id", () => {
            const custom = "0b7c5d1e-2f3a-4b6c-9d8e-7f6a5b4c3d2e";
            const settings = parseStackConfig(configWith({ "pimguard:privilegedRoles": JSON.stringify([custom]) }));
            expect(settings.privilegedRoles[0].templateId).to.equal(custom);
        });

        it("exemptions keep their reason and a lower-case id", () => {
            const settings = parseStackConfig(
                configWith({ "pimguard:exemptPrincipals": JSON.stringify([{ id: breakGlass.toUpperCase(), reason: "Break-glass 1" }]) }),
            );
            expect(settings.exemptPrincipals).to.deep.equal([{ id: breakGlass, reason: "Break-glass 1" }]);
        });
    });

    describe("each bad value stops the program with a message naming the key, the value and what is allowed", () => {
        it("missing workspace keys", () => {
            const problems = problemsOf({});
            expect(problems).to.have.length(2);
            expect(problems[0]).to.contain("pimguard:workspaceName is missing").and.to.contain("required");
            expect(problems[1]).to.contain("pimguard:workspaceResourceGroup is missing");
        });

        it("a workspace name Azure would refuse", () => {
            const [problem] = problemsOf(configWith({ "pimguard:workspaceName": "my workspace!" }));
            expect(problem).to.contain("pimguard:workspaceName").and.to.contain('"my workspace!"').and.to.contain("4 to 63 letters");
        });

        it("an unknown role name", () => {
            const [problem] = problemsOf(configWith({ "pimguard:privilegedRoles": JSON.stringify(["Global Admin"]) }));
            expect(problem).to.contain("pimguard:privilegedRoles").and.to.contain('"Global Admin"').and.to.contain("Global Administrator");
        });

        it("a malformed role template id", () => {
            const [problem] = problemsOf(configWith({ "pimguard:privilegedRoles": JSON.stringify(["62e90394-69f5-4237-9190-012177145e1"]) }));
            expect(problem).to.contain("pimguard:privilegedRoles").and.to.contain("62e90394-69f5-4237-9190-012177145e1").and.to.contain("GUID");
        });

        it("a role listed twice, once by name and once by id", () => {
            const [problem] = problemsOf(configWith({ "pimguard:privilegedRoles": JSON.stringify(["Global Administrator", globalAdministrator]) }));
            expect(problem).to.contain("pimguard:privilegedRoles").and.to.contain(globalAdministrator).and.to.contain("twice");
        });

        it("an empty role list, which would enforce nothing", () => {
            const [problem] = problemsOf(configWith({ "pimguard:privilegedRoles": "[]" }));
            expect(problem).to.contain("pimguard:privilegedRoles is []").and.to.contain("at least one");
        });

        it("an exemption without an id", () => {
            const [problem] = problemsOf(configWith({ "pimguard:exemptPrincipals": JSON.stringify([{ reason: "break-glass" }]) }));
            expect(problem).to.contain("pimguard:exemptPrincipals[0].id is missing").and.to.contain("object id");
        });

        it("an exemption with a malformed id", () => {
            const [problem] = problemsOf(configWith({ "pimguard:exemptPrincipals": JSON.stringify([{ id: "breakglass@contoso.com", reason: "x" }]) }));
            expect(problem).to.contain("pimguard:exemptPrincipals[0].id").and.to.contain("breakglass@contoso.com").and.to.contain("GUID");
        });

        it("an exemption without a reason", () => {
            const [problem] = problemsOf(configWith({ "pimguard:exemptPrincipals": JSON.stringify([{ id: breakGlass }]) }));
            expect(problem).to.contain("pimguard:exemptPrincipals[0].reason is missing").and.to.contain("reason");
        });

        it("an exemption reason too long for a watchlist row", () => {
            const [problem] = problemsOf(configWith({ "pimguard:exemptPrincipals": JSON.stringify([{ id: breakGlass, reason: "r".repeat(1001) }]) }));
            expect(problem).to.equal(
                "pimguard:exemptPrincipals[0].reason has 1001 characters; allowed: at most 1000 (a watchlist row must stay under Sentinel's 10 KB)",
            );
            expect(
                parseStackConfig(configWith({ "pimguard:exemptPrincipals": JSON.stringify([{ id: breakGlass, reason: "\u{1F510}".repeat(1000) }]) }))
                    .exemptPrincipals,
            ).to.have.length(1);
        });

        it("the same principal exempted twice", () => {
            const entry = { id: breakGlass, reason: "break-glass" };
            const [problem] = problemsOf(configWith({ "pimguard:exemptPrincipals": JSON.stringify([entry, entry]) }));
            expect(problem).to.contain("pimguard:exemptPrincipals[1].id").and.to.contain("twice");
        });

        it("an exemption list that is not a list", () => {
            const [problem] = problemsOf(configWith({ "pimguard:exemptPrincipals": JSON.stringify({ id: breakGlass, reason: "x" }) }));
            expect(problem).to.contain("pimguard:exemptPrincipals").and.to.contain("list of { id, reason }");
        });

        it("an unknown mode", () => {
            const [problem] = problemsOf(configWith({ "pimguard:mode": "remidiate" }));
            expect(problem).to.equal('pimguard:mode is "remidiate"; allowed: "remediate" or "reportOnly"');
        });

        for (const frequency of ["4", "20161", "7.5", "five"]) {
            it(`a rule frequency of ${frequency}, outside Sentinel's 5 minutes to 14 days`, () => {
                const [problem] = problemsOf(configWith({ "pimguard:ruleFrequencyMinutes": frequency }));
                expect(problem).to.contain("pimguard:ruleFrequencyMinutes").and.to.contain(frequency).and.to.contain("from 5 to 20160");
            });
        }

        it("an unknown detection kind", () => {
            const [problem] = problemsOf(configWith({ "pimguard:detection": "NRT" }));
            expect(problem).to.equal('pimguard:detection is "NRT"; allowed: "scheduled" or "nrt"');
        });

        it("a rule frequency with near-real-time detection, which runs every minute whatever is set", () => {
            const [problem] = problemsOf(configWith({ "pimguard:detection": "nrt", "pimguard:ruleFrequencyMinutes": "15" }));
            expect(problem).to.contain('pimguard:ruleFrequencyMinutes is 15, but pimguard:detection is "nrt"');
            expect(problem).to.contain("leave pimguard:ruleFrequencyMinutes unset").and.to.contain('set pimguard:detection to "scheduled"');
            expect(() => guardPolicyFromArgs({ detection: "nrt", ruleFrequencyMinutes: 15 }, "PimGuardArgs")).to.throw(
                ConfigError,
                'PimGuardArgs.ruleFrequencyMinutes is 15, but PimGuardArgs.detection is "nrt"',
            );
        });

        it("near-real-time detection with the frequency Pulumi.yaml fills in for every stack is accepted", () => {
            expect(parseStackConfig(configWith({ "pimguard:detection": "nrt", "pimguard:ruleFrequencyMinutes": "5" })).detection).to.equal("nrt");
            expect(guardPolicyFromArgs({ detection: "nrt" }, "PimGuardArgs").detection).to.equal("nrt");
        });

        for (const key of ["revokeSessions", "closeIncidents", "streamAuditLogs"]) {
            it(`a non-boolean ${key}`, () => {
                const [problem] = problemsOf(configWith({ [`pimguard:${key}`]: "yes" }));
                expect(problem).to.equal(`pimguard:${key} is "yes"; allowed: true or false`);
            });
        }

        it("a webhook that is not https, without repeating the secret", () => {
            const [problem] = problemsOf(configWith({ "pimguard:notificationWebhookUrl": "http://hooks.example.com/token-123" }));
            expect(problem).to.contain("pimguard:notificationWebhookUrl").and.to.contain("https://");
            expect(problem).not.to.contain("token-123");
        });

        it("tags that are not a map of strings", () => {
            const [problem] = problemsOf(configWith({ "pimguard:tags": JSON.stringify({ owner: 42 }) }));
            expect(problem).to.contain("pimguard:tags.owner is 42").and.to.contain("string");
        });

        it("a misspelt key, which would otherwise silently fall back to a default", () => {
            const [problem] = problemsOf(configWith({ "pimguard:exemptPrincipal": "[]" }));
            expect(problem).to.contain("pimguard:exemptPrincipal is not a pimguard setting").and.to.contain("pimguard:exemptPrincipals");
        });

        it("several bad values are reported together", () => {
            const problems = problemsOf(configWith({ "pimguard:mode": "off", "pimguard:revokeSessions": "no" }));
            expect(problems).to.have.length(2);
        });

        it("keys of other namespaces (providers) are left alone", () => {
            expect(() => parseStackConfig(configWith({ "azure-native:location": "westeurope" }))).not.to.throw();
        });
    });
});

describe("one set of defaults", () => {
    /** The `default` cell of the README's configuration table for a key. */
    function readmeDefault(key: string): string {
        const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
        const row = readme.split("\n").find((line) => line.startsWith(`| \`pimguard:${key}\` |`));
        expect(row, `a README row for pimguard:${key}`).to.not.equal(undefined);
        return row!.split("|")[3]!.trim();
    }

    /** How the README writes a default: a scalar in backticks, a list as its count or "empty". */
    function written(value: unknown): RegExp {
        if (Array.isArray(value)) return value.length === 0 ? /^empty$/ : new RegExp(`\\(${value.length}\\)`);
        return new RegExp(`^\`${String(value)}\`$`);
    }

    for (const [key, value] of Object.entries(defaultPolicy)) {
        it(`the README states pimguard:${key}'s default as the code applies it`, () => {
            expect(readmeDefault(key)).to.match(written(value));
        });
    }

    it("the stack and an importing program fall back to the same policy", () => {
        const fromArgs = guardPolicyFromArgs({}, "PimGuardArgs");
        const fromStack = parseStackConfig(minimalConfig);
        expect(Object.fromEntries(Object.keys(fromArgs).map((key) => [key, fromStack[key as keyof typeof fromStack]]))).to.deep.equal(fromArgs);
        expect(fromArgs).to.deep.equal(defaultPolicy);
    });
});

describe("sweep and privileged-group settings", () => {
    const group = "5b6c7d8e-9f00-4a1b-8c2d-3e4f5a6b7c8d";

    it("default to an hourly sweep that removes at most three per run, and no privileged group", () => {
        expect(parseStackConfig(minimalConfig)).to.include({ sweepIntervalMinutes: 60, sweepMaxRemovals: 3 });
        expect(parseStackConfig(minimalConfig).privilegedGroups).to.deep.equal([]);
    });

    it("take a privileged group's roles by name or template id, as template ids", () => {
        const settings = parseStackConfig(
            configWith({
                "pimguard:privilegedGroups": JSON.stringify([
                    {
                        id: group.toUpperCase(),
                        roles: ["Global Administrator", "E8611AB8-C189-46E8-94E1-60213AB1F814"],
                        reason: "Tier-0 admins (PIM for Groups)",
                    },
                ]),
            }),
        );
        expect(settings.privilegedGroups).to.deep.equal([
            { id: group, roles: [globalAdministrator, "e8611ab8-c189-46e8-94e1-60213ab1f814"], reason: "Tier-0 admins (PIM for Groups)" },
        ]);
    });

    for (const [what, value, expected] of [
        [
            "a sweep every 5 minutes",
            { "pimguard:sweepIntervalMinutes": "5" },
            "pimguard:sweepIntervalMinutes is 5; allowed: 0 (no sweep) or a whole number of minutes from 15 to 1440",
        ],
        [
            "a brake of 0",
            { "pimguard:sweepMaxRemovals": "0" },
            "pimguard:sweepMaxRemovals is 0; allowed: a whole number from 1 to 50 (the most standing assignments one sweep may remove)",
        ],
        [
            "a group without a GUID",
            { "pimguard:privilegedGroups": JSON.stringify([{ id: "Tier0", roles: ["Global Administrator"], reason: "x" }]) },
            'pimguard:privilegedGroups[0].id is "Tier0"',
        ],
        [
            "a group without roles",
            { "pimguard:privilegedGroups": JSON.stringify([{ id: group, roles: [], reason: "x" }]) },
            "pimguard:privilegedGroups[0].roles is []",
        ],
        [
            "a group with an unknown role",
            { "pimguard:privilegedGroups": JSON.stringify([{ id: group, roles: ["Global Admin"], reason: "x" }]) },
            'unknown role name "Global Admin"',
        ],
        [
            "a group with a role nobody enforces",
            {
                "pimguard:privilegedRoles": JSON.stringify(["Global Administrator"]),
                "pimguard:privilegedGroups": JSON.stringify([{ id: group, roles: ["Exchange Administrator"], reason: "x" }]),
            },
            'pimguard:privilegedGroups[0].roles has "Exchange Administrator", which is not a watched role',
        ],
        [
            "a group without a reason",
            { "pimguard:privilegedGroups": JSON.stringify([{ id: group, roles: ["Global Administrator"] }]) },
            "pimguard:privilegedGroups[0].reason is missing",
        ],
        [
            "the same group twice",
            {
                "pimguard:privilegedGroups": JSON.stringify([
                    { id: group, roles: ["Global Administrator"], reason: "x" },
                    { id: group, roles: ["Security Administrator"], reason: "y" },
                ]),
            },
            "pimguard:privilegedGroups[1].id",
        ],
    ] as const) {
        it(`refuse ${what}, naming the key and what is allowed`, () => {
            expect(problemsOf(configWith(value)).join("\n")).to.contain(expected);
        });
    }

    it("refuse a group that is also an exempt principal: exempting it would hide anyone added to it", () => {
        const problems = problemsOf(
            configWith({
                "pimguard:exemptPrincipals": JSON.stringify([{ id: group, reason: "break-glass group" }]),
                "pimguard:privilegedGroups": JSON.stringify([{ id: group, roles: ["Global Administrator"], reason: "Tier-0" }]),
            }),
        );
        expect(problems).to.deep.equal([
            `pimguard:privilegedGroups[0].id "${group}" is also in pimguard:exemptPrincipals; a group is sanctioned through privilegedGroups only (an exemption would hide anyone added to it outside PIM)`,
        ]);
    });

    it("accept 0 to turn the sweep off", () => {
        expect(parseStackConfig(configWith({ "pimguard:sweepIntervalMinutes": "0" })).sweepIntervalMinutes).to.equal(0);
    });
});
