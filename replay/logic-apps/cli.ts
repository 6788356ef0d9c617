/**
 * `npm run --silent playbook:replay -- <incident.json> [options]`: replays the playbook
 * definition against one incident and prints one JSON report. Exit codes: 0 the replay ran
 * (the run's own outcome is the report's `status`), 2 bad arguments or input files, 1 the
 * replay cannot run the definition (an unimplemented action type or function, an invalid
 * definition, a call to an unknown host).
 */
import * as fs from "fs";
import * as path from "path";
import { isGuid, Mode, RemovalMethod, removalMethods } from "../../components/config";
import { DirectoryState, DirectoryStateError, parseDirectoryState } from "./directory-state";
import { findRoleByTemplateId } from "../../components/roles";
import { IncidentFormatError, replayIncident, ReplayOptions, ReplayReport, replaySweep, SweepReplayOptions, SweepReport } from "./replay";

const usage = `Usage: npm run --silent playbook:replay -- <incident.json> [options]
       npm run --silent playbook:replay -- --sweep [options]

Runs playbook/workflow.json (the definition that is deployed) against a Sentinel incident,
a fake Microsoft Graph directory and fake Sentinel / Key Vault services, and prints one JSON
report: status, graphCalls, comments, incidentUpdates, notifications, directory,
actionsExecuted, incident.

  <incident.json>                 the body Sentinel's incident trigger delivers
  --sweep                         run playbook/sweep.json once instead (no incident); the report
                                  lists every incident of the workspace with its comments
  --max-removals <n>              the sweep's brake, 1 to 50 (default 3)
  --directory <state.json>        the fake directory: { roleAssignments, groupMemberships,
                                  users, guests, servicePrincipals, groups, faults, pageSize }
                                  (default: empty)
  --mode remediate|reportOnly     default remediate
  --rule-id <ARM id>              one of this stack's analytics rules; repeatable (default:
                                  the incident's relatedAnalyticRuleIds)
  --watch <roleTemplateId>        a role the stack enforces; repeatable (default: the stack's
                                  default list, Microsoft's PRIVILEGED roles)
  --permissions <name>[,<name>]   the Graph application permissions the identity holds
                                  (default: exactly what the stack grants)
  --removal-method adminRemove|roleAssignmentDelete   default adminRemove
  --exempt <objectId>             exempt principal (the exemptPrincipalIds parameter); repeatable
  --privileged-group <groupId>:<roleTemplateId>[,<roleTemplateId>]
                                  a group allowed to hold those roles standing, whose members
                                  must come through PIM for Groups; repeatable
  --revoke-sessions true|false    default true
  --close-incidents true|false    default true
  --notify <webhook-url>          turn notifications on: the URL is stored as the Key Vault
                                  secret the playbook reads; it never appears in the report
  --trace                         add the run history (secured inputs/outputs hidden)
  --help                          this text

Exit codes: 0 the replay ran (see "status"), 2 bad arguments or input, 1 the definition
cannot be replayed (an unimplemented feature or an invalid definition).`;

/** Bad command-line arguments (exit code 2). */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** An input file that cannot be read or is not what it should be (exit code 2). */
export class InputFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "InputFileError";
    }
}

export interface ReplayArguments {
    readonly incidentFile: string;
    readonly directoryFile?: string;
    readonly mode: Mode;
    readonly analyticsRuleIds?: string[];
    readonly watchedRoleTemplateIds?: string[];
    readonly permissions?: string[];
    readonly removalMethod?: RemovalMethod;
    readonly exemptPrincipalIds: string[];
    readonly privilegedGroups: { id: string; roles: string[] }[];
    readonly revokeSessions: boolean;
    readonly closeIncidents: boolean;
    readonly notificationWebhookUrl?: string;
    readonly trace: boolean;
    readonly help: boolean;
    /** Replay the sweep instead of the incident playbook. */
    readonly sweep: boolean;
    readonly maxRemovals?: number;
}

const valueOptions = [
    "--directory",
    "--mode",
    "--rule-id",
    "--watch",
    "--permissions",
    "--removal-method",
    "--exempt",
    "--privileged-group",
    "--revoke-sessions",
    "--close-incidents",
    "--notify",
    "--max-removals",
];

/** Parses the command line (`--name value` or `--name=value`). */
export function parseReplayArguments(args: readonly string[]): ReplayArguments {
    const positional: string[] = [];
    const values = new Map<string, string[]>();
    let trace = false;
    let help = false;
    let sweep = false;
    for (let index = 0; index < args.length; index += 1) {
        const arg = args[index]!;
        if (arg === "--help" || arg === "-h") help = true;
        else if (arg === "--trace") trace = true;
        else if (arg === "--sweep") sweep = true;
        else if (arg.startsWith("--")) {
            const [name, inline] = splitOption(arg);
            if (!valueOptions.includes(name)) throw new UsageError(`unknown option ${name}`);
            const value = inline ?? args[(index += 1)];
            if (value === undefined) throw new UsageError(`${name} needs a value`);
            values.set(name, [...(values.get(name) ?? []), value]);
        } else positional.push(arg);
    }
    if (help)
        return {
            incidentFile: "",
            mode: "remediate",
            exemptPrincipalIds: [],
            privilegedGroups: [],
            revokeSessions: true,
            closeIncidents: true,
            trace,
            help,
            sweep,
        };
    if (sweep && positional.length > 0) throw new UsageError(`--sweep takes no incident file, got ${positional.join(", ")}`);
    if (!sweep && positional.length !== 1) throw new UsageError(`expected one incident file, got ${positional.length === 0 ? "none" : positional.join(", ")}`);
    const maxRemovals = single(values, "--max-removals");
    if (maxRemovals !== undefined && !sweep) throw new UsageError("--max-removals is the sweep's brake: use it with --sweep");
    const notify = single(values, "--notify");
    const directoryFile = single(values, "--directory");
    const ruleIds = values.get("--rule-id");
    const watched = values.get("--watch");
    const permissions = single(values, "--permissions");
    const removalMethod = single(values, "--removal-method");
    return {
        incidentFile: positional[0] ?? "",
        sweep,
        ...(maxRemovals === undefined ? {} : { maxRemovals: maxRemovalsOf(maxRemovals) }),
        ...(directoryFile === undefined ? {} : { directoryFile }),
        mode: modeOf(single(values, "--mode")),
        ...(ruleIds === undefined ? {} : { analyticsRuleIds: ruleIds.map(checkRuleId) }),
        ...(watched === undefined ? {} : { watchedRoleTemplateIds: watched.map((id) => checkGuid("--watch", id)) }),
        ...(permissions === undefined ? {} : { permissions: permissionsOf(permissions) }),
        ...(removalMethod === undefined ? {} : { removalMethod: removalMethodOf(removalMethod) }),
        exemptPrincipalIds: (values.get("--exempt") ?? []).map(checkObjectId),
        privilegedGroups: (values.get("--privileged-group") ?? []).map(privilegedGroupOf),
        revokeSessions: flagOf(values, "--revoke-sessions"),
        closeIncidents: flagOf(values, "--close-incidents"),
        ...(notify === undefined ? {} : { notificationWebhookUrl: checkWebhookUrl(notify) }),
        trace,
        help,
    };
}

function splitOption(arg: string): [string, string | undefined] {
    const equals = arg.indexOf("=");
    return equals < 0 ? [arg, undefined] : [arg.slice(0, equals), arg.slice(equals + 1)];
}

function single(values: ReadonlyMap<string, string[]>, name: string): string | undefined {
    const given = values.get(name) ?? [];
    if (given.length > 1) throw new UsageError(`${name} is given more than once`);
    return given[0];
}

function modeOf(value: string | undefined): Mode {
    if (value === undefined || value === "remediate" || value === "reportOnly") return value ?? "remediate";
    throw new UsageError(`--mode must be remediate or reportOnly, not ${JSON.stringify(value)}`);
}

function flagOf(values: ReadonlyMap<string, string[]>, name: string): boolean {
    const value = single(values, name);
    if (value === undefined || value === "true") return true;
    if (value === "false") return false;
    throw new UsageError(`${name} must be true or false, not ${JSON.stringify(value)}`);
}

function checkObjectId(value: string): string {
    return checkGuid("--exempt", value, "an object id (a GUID)");
}

function checkGuid(option: string, value: string, what = "a role template id (a GUID)"): string {
    if (!isGuid(value)) throw new UsageError(`${option} needs ${what}, not ${JSON.stringify(value)}`);
    return value;
}

function maxRemovalsOf(value: string): number {
    const count = Number(value);
    if (!/^\d+$/.test(value) || count < 1 || count > 50)
        throw new UsageError(`--max-removals must be a whole number from 1 to 50, not ${JSON.stringify(value)}`);
    return count;
}

function privilegedGroupOf(value: string): { id: string; roles: string[] } {
    const [id, roles, ...rest] = value.split(":");
    if (id === undefined || roles === undefined || rest.length > 0) {
        throw new UsageError(`--privileged-group needs <groupId>:<roleTemplateId>[,<roleTemplateId>], not ${JSON.stringify(value)}`);
    }
    return {
        id: checkGuid("--privileged-group", id, "a group object id (a GUID)"),
        roles: roles.split(",").map((role) => checkGuid("--privileged-group", role)),
    };
}

function checkRuleId(value: string): string {
    if (!/\/providers\/Microsoft\.SecurityInsights\/alertRules\/[^/]+$/i.test(value)) {
        throw new UsageError(
            `--rule-id needs an analytics rule's ARM id (.../providers/Microsoft.SecurityInsights/alertRules/<id>), not ${JSON.stringify(value)}`,
        );
    }
    return value;
}

function permissionsOf(value: string): string[] {
    const names = value.split(",").map((name) => name.trim());
    if (names.some((name) => !/^[A-Za-z]+(\.[A-Za-z]+)+$/.test(name))) {
        throw new UsageError(
            `--permissions needs Graph permission names separated by commas (e.g. RoleAssignmentSchedule.Read.Directory), not ${JSON.stringify(value)}`,
        );
    }
    return names;
}

function removalMethodOf(value: string): RemovalMethod {
    if (!(removalMethods as readonly string[]).includes(value))
        throw new UsageError(`--removal-method must be ${removalMethods.join(" or ")}, not ${JSON.stringify(value)}`);
    return value as RemovalMethod;
}

function checkWebhookUrl(value: string): string {
    let url: URL | undefined;
    try {
        url = new URL(value);
    } catch {
        url = undefined;
    }
    if (url?.protocol !== "https:") throw new UsageError("--notify needs an https URL");
    return value;
}

/** Reads and parses a JSON input file; any failure is an InputFileError naming the file. */
function readJsonFile(file: string, baseDirectory: string): unknown {
    const fullPath = path.resolve(baseDirectory, file);
    let text: string;
    try {
        text = fs.readFileSync(fullPath, "utf8");
    } catch (error) {
        throw new InputFileError(`cannot read ${file}: ${(error as Error).message}`);
    }
    try {
        return JSON.parse(text) as unknown;
    } catch (error) {
        throw new InputFileError(`${file} is not valid JSON: ${(error as Error).message}`);
    }
}

function readDirectory(file: string, baseDirectory: string): DirectoryState {
    try {
        return parseDirectoryState(readJsonFile(file, baseDirectory));
    } catch (error) {
        if (error instanceof DirectoryStateError) throw new InputFileError(`${file}: ${error.message}`);
        throw error;
    }
}

/** Runs the command; returns the exit code. `baseDirectory` resolves relative file names; `replay` is replaceable for tests. */
export function runReplayCommand(
    args: readonly string[],
    baseDirectory: string,
    out: (text: string) => void,
    err: (text: string) => void,
    replay: (options: ReplayOptions) => ReplayReport = replayIncident,
    sweep: (options: SweepReplayOptions) => SweepReport = replaySweep,
): number {
    try {
        const parsed = parseReplayArguments(args);
        if (parsed.help) {
            out(usage);
            return 0;
        }
        if (parsed.sweep) {
            out(JSON.stringify(sweep(sweepOptions(parsed, baseDirectory)), null, 2));
            return 0;
        }
        const options: ReplayOptions = {
            incident: readJsonFile(parsed.incidentFile, baseDirectory),
            ...(parsed.directoryFile === undefined ? {} : { directory: readDirectory(parsed.directoryFile, baseDirectory) }),
            mode: parsed.mode,
            ...(parsed.analyticsRuleIds === undefined ? {} : { analyticsRuleIds: parsed.analyticsRuleIds }),
            ...(parsed.watchedRoleTemplateIds === undefined ? {} : { watchedRoleTemplateIds: parsed.watchedRoleTemplateIds }),
            ...(parsed.permissions === undefined ? {} : { permissions: parsed.permissions }),
            ...(parsed.removalMethod === undefined ? {} : { removalMethod: parsed.removalMethod }),
            exemptPrincipalIds: parsed.exemptPrincipalIds,
            privilegedGroups: parsed.privilegedGroups,
            revokeSessions: parsed.revokeSessions,
            closeIncidents: parsed.closeIncidents,
            ...(parsed.notificationWebhookUrl === undefined ? {} : { notificationWebhookUrl: parsed.notificationWebhookUrl }),
            trace: parsed.trace,
        };
        out(JSON.stringify(replay(options), null, 2));
        return 0;
    } catch (error) {
        const inputProblem = error instanceof UsageError || error instanceof InputFileError || error instanceof IncidentFormatError;
        err(`playbook:replay: ${(error as Error).message}${error instanceof UsageError ? "\n(--help lists the options)" : ""}`);
        return inputProblem ? 2 : 1;
    }
}

/** The sweep's options from the same arguments; the roles are given by id, named as the stack names them. */
function sweepOptions(parsed: ReplayArguments, baseDirectory: string): SweepReplayOptions {
    const watched = parsed.watchedRoleTemplateIds?.map((id) => ({ templateId: id, name: findRoleByTemplateId(id)?.name ?? id }));
    return {
        ...(parsed.directoryFile === undefined ? {} : { directory: readDirectory(parsed.directoryFile, baseDirectory) }),
        mode: parsed.mode,
        ...(watched === undefined ? {} : { watchedRoles: watched }),
        ...(parsed.permissions === undefined ? {} : { permissions: parsed.permissions }),
        ...(parsed.removalMethod === undefined ? {} : { removalMethod: parsed.removalMethod }),
        ...(parsed.maxRemovals === undefined ? {} : { maxRemovals: parsed.maxRemovals }),
        exemptPrincipalIds: parsed.exemptPrincipalIds,
        privilegedGroups: parsed.privilegedGroups,
        revokeSessions: parsed.revokeSessions,
        closeIncidents: parsed.closeIncidents,
        trace: parsed.trace,
    };
}

if (require.main === module) {
    // npm runs scripts from the package root; INIT_CWD is where the command was typed.
    const baseDirectory = process.env.INIT_CWD ?? process.cwd();
    process.exitCode = runReplayCommand(
        process.argv.slice(2),
        baseDirectory,
        (text) => process.stdout.write(`${text}\n`),
        (text) => process.stderr.write(`${text}\n`),
    );
}
