#!/usr/bin/env node
import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 523:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  Hz: () => (/* binding */ watchRalphsMain)
});

// UNUSED EXPORTS: parseLogName, systemWatchClock

// NAMESPACE OBJECT: ./src/core/setting-values.ts
var setting_values_namespaceObject = {};
__nccwpck_require__.r(setting_values_namespaceObject);
__nccwpck_require__.d(setting_values_namespaceObject, {
  bx: () => (ValueProblem),
  Pp: () => (argvTemplate),
  gd: () => (budget),
  p0: () => (duration),
  q3: () => (httpUrl),
  gK: () => (isOff),
  p_: () => (list),
  NB: () => (logins),
  ge: () => (model),
  yL: () => (oneOf),
  pQ: () => (optionalDuration),
  b7: () => (optionalWholeNumber),
  Zd: () => (reasoning),
  pJ: () => (runCost),
  WU: () => (show),
  rD: () => (wholeNumber)
});

;// CONCATENATED MODULE: external "node:fs/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");
;// CONCATENATED MODULE: external "node:os"
const external_node_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");
;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
;// CONCATENATED MODULE: ./src/core/errors.ts
/** An error whose message is written for the person running the tool: it says what was wrong and what is accepted. */
class errors_UserError extends Error {
    constructor(message) {
        super(message);
        this.name = "UserError";
    }
}
/** A goal issue body that cannot be used; `problems` lists every problem found, not just the first. */
class GoalBodyError extends errors_UserError {
    problems;
    constructor(problems) {
        super(`The goal body has ${describeCount(problems.length)}:\n${problems.map((p) => `- ${p}`).join("\n")}`);
        this.name = "GoalBodyError";
        this.problems = [...problems];
    }
}
function describeCount(count) {
    return count === 1 ? "1 problem" : `${count} problems`;
}
/** What went wrong, as one line of text: an Error's message, or anything else as a string. */
function messageOf(error) {
    return error instanceof Error ? error.message : String(error);
}
/** The thrown value as an Error, for code that passes failures on as values. */
function asError(error) {
    return error instanceof Error ? error : new Error(String(error));
}

;// CONCATENATED MODULE: ./src/core/duration.ts

/** Durations as people write them in settings: `90m`, `4h`, `1h30m`, `2h15m30s`. */
const UNIT_SECONDS = { h: 3600, m: 60, s: 1 };
const UNIT_ORDER = ["h", "m", "s"];
const PART = /(\d+)([a-z]+)/gy;
const DURATION_FORMS = "hours, minutes and seconds like 90m, 4h or 1h30m";
/** Parses a duration into whole seconds; throws a UserError naming `key` otherwise. */
function parseDuration(text, key = "duration") {
    const seconds = tryParseDuration(text);
    if (seconds !== null)
        return seconds;
    throw new UserError(`Invalid duration for "${key}": "${text}". Use ${DURATION_FORMS}.${durationHint(String(text))}`);
}
/** A hint for common mistakes (a bare number, zero), starting with a space; "" when none applies. */
function durationHint(text) {
    const compact = text.trim();
    if (/^[0hms]+$/i.test(compact) && /\d/.test(compact))
        return " It must be longer than zero.";
    if (/^\d+$/.test(compact))
        return ` Add a unit, like ${compact}m.`;
    return "";
}
/** Like parseDuration, but returns null instead of throwing. */
function tryParseDuration(text) {
    if (typeof text !== "string")
        return null;
    // Spaces are allowed between parts ("1h 30m"), never inside one ("1 30m" is not 130m).
    const trimmed = text
        .trim()
        .replace(/([a-z])\s+(?=\d)/gi, "$1")
        .toLowerCase();
    if (trimmed === "")
        return null;
    let total = 0;
    let lastUnit = -1;
    let consumed = 0;
    for (const match of trimmed.matchAll(PART)) {
        const unitIndex = UNIT_ORDER.indexOf(match[2]);
        // Units must be known, appear once each, and go from largest to smallest.
        if (unitIndex <= lastUnit)
            return null;
        lastUnit = unitIndex;
        total += Number(match[1]) * UNIT_SECONDS[UNIT_ORDER[unitIndex]];
        consumed += match[0].length;
    }
    if (consumed !== trimmed.length || total <= 0 || !Number.isSafeInteger(total))
        return null;
    return total;
}
/** `1h30m`, `45s`, `4h`; zero is `0s`. */
function formatDuration(seconds) {
    const whole = Math.max(0, Math.round(seconds));
    const h = Math.floor(whole / 3600);
    const m = Math.floor((whole % 3600) / 60);
    const s = whole % 60;
    const text = `${h > 0 ? `${h}h` : ""}${m > 0 ? `${m}m` : ""}${s > 0 ? `${s}s` : ""}`;
    return text === "" ? "0s" : text;
}

;// CONCATENATED MODULE: ./src/core/agent-options.ts
/** Values that choose how the agent runs; shared by goal bodies (per-goal overrides) and settings. */
const REASONING_LEVELS = ["low", "med", "high"];
/** What a user may write; "medium" is read as "med". */
const REASONING_INPUTS = (/* unused pure expression or super */ null && (["low", "med", "medium", "high"]));
function parseReasoning(text) {
    const value = text.trim().toLowerCase();
    if (value === "medium")
        return "med";
    return REASONING_LEVELS.includes(value) ? value : null;
}
const MODEL_MAX_LENGTH = 100;
// Model names are passed to the agent as one argument: keep them to one plain token.
const MODEL_PATTERN = /^[A-Za-z0-9._:/-]+$/;
function isValidModel(text) {
    return text.length <= MODEL_MAX_LENGTH && MODEL_PATTERN.test(text);
}
const MODEL_RULE = `a name of letters, digits and . _ : / - (at most ${MODEL_MAX_LENGTH} characters), like opus or sonnet`;

;// CONCATENATED MODULE: ./src/core/argv.ts

/**
 * Agent commands are argv templates: split into words like a shell would, but with no expansion
 * at all ($VAR, ~, globs and backticks stay literal), then filled in per argument. Issue text only
 * ever becomes the value of one argument, so it can never inject a command.
 */
const ARGV_PLACEHOLDERS = [
    "goal_file",
    "model",
    "reasoning",
    "duration",
    "goal",
    "attempt",
    "repository",
];
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_-]*)\}/g;
/** Splits a command line into words. Supports '…', "…" (with \" and \\) and backslash escapes. */
function splitArgv(text) {
    const words = [];
    let word = "";
    let inWord = false;
    let quote = null;
    let quoteStart = 0;
    for (let i = 0; i < text.length; i++) {
        const char = text[i];
        if (quote === "'") {
            if (char === "'")
                quote = null;
            else
                word += char;
            continue;
        }
        if (quote === '"') {
            const next = text[i + 1];
            if (char === "\\" && (next === '"' || next === "\\")) {
                word += next;
                i++;
            }
            else if (char === '"')
                quote = null;
            else
                word += char;
            continue;
        }
        if (char === "'" || char === '"') {
            quote = char;
            quoteStart = i;
            inWord = true;
        }
        else if (char === "\\") {
            const next = text[i + 1];
            if (next === undefined) {
                throw new errors_UserError(`The command "${text}" ends with a lone backslash: remove it, or write \\\\ for a literal backslash.`);
            }
            i++;
            // Backslash-newline joins lines, as in a shell.
            if (next !== "\n") {
                word += next;
                inWord = true;
            }
        }
        else if (/\s/.test(char)) {
            if (inWord)
                words.push(word);
            word = "";
            inWord = false;
        }
        else {
            word += char;
            inWord = true;
        }
    }
    if (quote !== null) {
        throw new errors_UserError(`The command "${text}" has an unclosed ${quote} quote (at character ${quoteStart + 1}): close it, or escape it with a backslash.`);
    }
    if (inWord)
        words.push(word);
    return words;
}
/** Placeholder names used in a template that are not known, in order of first use. */
function unknownPlaceholders(template) {
    const known = new Set(ARGV_PLACEHOLDERS);
    const unknown = template.flatMap((arg) => [...arg.matchAll(PLACEHOLDER)].map((m) => m[1] ?? "").filter((name) => !known.has(name)));
    return [...new Set(unknown)];
}
/** Fills placeholders in each argument. Values are inserted once, never re-read as placeholders. */
function renderArgv(template, values) {
    return template.map((arg) => arg.replace(PLACEHOLDER, (whole, name) => {
        const value = Object.hasOwn(values, name) ? values[name] : undefined;
        if (value === undefined) {
            throw new UserError(`The agent command uses ${whole}, which has no value here. Known placeholders: ${ARGV_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}.`);
        }
        return value;
    }));
}

;// CONCATENATED MODULE: ./src/core/run-figures.ts
/**
 * What one run may report about itself (design §6): the agent writes its cost, tokens and
 * iterations, and the agent is not trusted. A figure outside its range makes the whole report
 * invalid, whether it comes from the agent's stats file (src/agent/stats.ts) or back from a
 * run-result marker (src/core/stats-record.ts): its cost is then unknown, and an unknown cost counts
 * against the budget by an estimate (src/core/budget.ts). A missing or null figure is unknown,
 * not invalid.
 */
/** Most cost one run may report, in USD. More is taken as a broken or forged report. */
const MAX_RUN_COST_USD = 10_000;
/** Most tokens of one kind (input, output, cache read, cache created) one run may report. */
const MAX_RUN_TOKENS = 100_000_000_000;
/** Most iterations one run may report. */
const MAX_RUN_ITERATIONS = 1_000_000;
/** The token kinds of a report's `tokens` object. */
const TOKEN_KINDS = (/* unused pure expression or super */ null && (["input", "output", "cache_read", "cache_create"]));
const COST = { max: MAX_RUN_COST_USD, whole: false, unit: "USD" };
const TOKENS = { max: MAX_RUN_TOKENS, whole: true, unit: "tokens" };
const ITERATIONS = { max: MAX_RUN_ITERATIONS, whole: true, unit: "iterations" };
/** `a number from 0 to 10,000 (USD), or null for unknown`. */
function accepted(rule) {
    const max = rule.max.toLocaleString("en-US");
    return `${rule.whole ? "a whole number" : "a number"} from 0 to ${max} (${rule.unit}), or null for unknown`;
}
/** How a bad value reads in a warning: numbers as JavaScript writes them (NaN, -1), others as JSON, cut short. */
function showFigure(value) {
    let text;
    if (typeof value === "number")
        text = String(value);
    else {
        try {
            text = JSON.stringify(value) ?? String(value);
        }
        catch {
            text = String(value);
        }
    }
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
/** Why `value` is not a figure under `rule`, or null when it is one (or is missing or null). */
function figureProblem(field, value, rule) {
    if (value === undefined || value === null)
        return null;
    const ok = typeof value === "number" &&
        Number.isFinite(value) &&
        value >= 0 &&
        value <= rule.max &&
        (!rule.whole || Number.isInteger(value));
    return ok ? null : `${field} is ${showFigure(value)}; accepted: ${accepted(rule)}`;
}
/**
 * Every reason the run's own figures in `report` (an agent's stats line, or a stats record) are
 * invalid: `cost_usd`, `iterations` and each of `tokens`, one line per field naming it, its
 * value and what is accepted. Empty when they are valid.
 */
function runFigureProblems(report) {
    const problems = [];
    const add = (problem) => {
        if (problem !== null)
            problems.push(problem);
    };
    add(figureProblem("cost_usd", report.cost_usd, COST));
    add(figureProblem("iterations", report.iterations, ITERATIONS));
    const tokens = report.tokens;
    if (typeof tokens === "object" && tokens !== null && !Array.isArray(tokens)) {
        for (const kind of TOKEN_KINDS) {
            add(figureProblem(`tokens.${kind}`, tokens[kind], TOKENS));
        }
    }
    else if (tokens !== undefined && tokens !== null) {
        problems.push(`tokens is ${showFigure(tokens)}; accepted: an object of ${TOKEN_KINDS.join(", ")} counts, or null for unknown`);
    }
    return problems;
}
/** Whether `value` is a cost one run may report: a finite number from 0 to MAX_RUN_COST_USD. */
function isRunCost(value) {
    return figureProblem("cost_usd", value, COST) === null && typeof value === "number";
}

;// CONCATENATED MODULE: ./src/core/setting-values.ts





/**
 * Readers for single setting values. Values come as strings from action inputs and CLI flags,
 * or as numbers, strings, booleans and arrays from YAML: each reader accepts all of them.
 * A reader returns the value, or throws a ValueProblem whose text follows `key: `.
 */
class ValueProblem extends Error {
}
/** How a bad value is quoted in messages: strings in quotes, anything else as JSON. */
function show(value) {
    if (typeof value === "string")
        return JSON.stringify(value);
    try {
        return JSON.stringify(value) ?? String(value);
    }
    catch {
        return String(value);
    }
}
function setting_values_text(value) {
    if (typeof value === "string")
        return value.trim();
    if (typeof value === "number" && Number.isFinite(value))
        return String(value);
    return null;
}
/** "off", "none", "0", false and "" switch an optional setting off. */
function isOff(value) {
    if (value === false || value === 0 || value === null)
        return true;
    return (typeof value === "string" &&
        ["", "off", "none", "0", "false"].includes(value.trim().toLowerCase()));
}
function wholeNumber(value, min, max) {
    const t = setting_values_text(value);
    if (t === null || !/^\d+$/.test(t) || Number(t) < min || Number(t) > max) {
        throw new ValueProblem(`${show(value)} is not a whole number from ${min} to ${max}`);
    }
    return Number(t);
}
function oneOf(value, allowed) {
    const t = setting_values_text(value)?.toLowerCase();
    if (t === undefined || !allowed.includes(t)) {
        throw new ValueProblem(`${show(value)} is not one of ${allowed.join(", ")}`);
    }
    return t;
}
function model(value) {
    const t = setting_values_text(value);
    if (t === null || !isValidModel(t))
        throw new ValueProblem(`${show(value)} is not a model name; use ${MODEL_RULE}`);
    return t;
}
function reasoning(value) {
    const level = typeof value === "string" ? parseReasoning(value) : null;
    if (level === null)
        throw new ValueProblem(`${show(value)} is not one of ${REASONING_LEVELS.join(", ")}`);
    return level;
}
function duration(value) {
    const seconds = typeof value === "string" ? tryParseDuration(value) : null;
    if (seconds === null) {
        throw new ValueProblem(`${show(value)} is not a duration; use ${DURATION_FORMS}.${durationHint(String(value))}`);
    }
    return seconds;
}
/** A duration, or null when switched off. */
function optionalDuration(value) {
    return isOff(value) ? null : duration(value);
}
function optionalWholeNumber(value, min, max) {
    if (isOff(value))
        return null;
    try {
        return wholeNumber(value, min, max);
    }
    catch {
        throw new ValueProblem(`${show(value)} is not a whole number from ${min} to ${max}, or off`);
    }
}
/** A list from a YAML array or a comma- or newline-separated string; blank entries dropped. */
function list(value) {
    if (value === null || value === false || (typeof value === "string" && value.trim() === ""))
        return [];
    const items = Array.isArray(value)
        ? value
        : typeof value === "string"
            ? value.split(/[,\n]/)
            : null;
    if (items === null)
        throw new ValueProblem(`${show(value)} is not a list; use a YAML list or a comma-separated text`);
    return items
        .map((item) => {
        if (typeof item !== "string" && typeof item !== "number") {
            throw new ValueProblem(`${show(item)} is not a text entry`);
        }
        return String(item).trim();
    })
        .filter((item) => item !== "");
}
// A GitHub login: letters, digits and hyphens (not first); bots end in "[bot]".
const LOGIN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,38}(\[bot\])?$/;
function logins(value) {
    const names = list(value).map((name) => name.replace(/^@/, ""));
    const bad = names.filter((name) => !LOGIN.test(name));
    if (bad.length > 0) {
        throw new ValueProblem(`${bad.map((name) => show(name)).join(", ")} ${bad.length === 1 ? "is not a GitHub login" : "are not GitHub logins"}; use names like octocat or @octocat, separated by commas`);
    }
    return [...new Set(names)];
}
function argvTemplate(value) {
    let argv;
    if (Array.isArray(value) && value.every((arg) => typeof arg === "string")) {
        argv = value;
    }
    else if (typeof value === "string") {
        try {
            argv = splitArgv(value);
        }
        catch (error) {
            if (error instanceof errors_UserError)
                throw new ValueProblem(error.message.replace(/^The command /, ""));
            throw error;
        }
    }
    else {
        throw new ValueProblem(`${show(value)} is not a command; use a command line like ralph --goal={goal_file}`);
    }
    if (argv.length === 0 || argv[0] === "")
        throw new ValueProblem(`${show(value)} names no program to run`);
    const unknown = unknownPlaceholders(argv);
    if (unknown.length > 0) {
        throw new ValueProblem(`${unknown.map((name) => `{${name}}`).join(", ")} ${unknown.length === 1 ? "is not a known placeholder" : "are not known placeholders"}; use ${ARGV_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}`);
    }
    return argv;
}
function httpUrl(value) {
    if (isOff(value))
        return null;
    const t = setting_values_text(value);
    let url = null;
    try {
        url = t === null ? null : new URL(t);
    }
    catch {
        url = null;
    }
    if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
        throw new ValueProblem(`${show(value)} is not an http(s) URL; use one like https://ntfy.sh/my-topic, or off`);
    }
    return t;
}
const BUDGET = /^(\d+(?:\.\d{1,2})?)\s*usd\s*\/\s*day$/i;
function budget(value) {
    if (isOff(value))
        return null;
    const match = typeof value === "string" ? BUDGET.exec(value.trim()) : null;
    const amount = Number(match?.[1]);
    if (match === null || !(amount > 0)) {
        throw new ValueProblem(`${show(value)} — use an amount per day like 50usd/day or 12.5usd/day, or off`);
    }
    return { amountUsd: amount, period: "day" };
}
const RUN_COST = /^(\d+(?:\.\d{1,2})?)\s*usd$/i;
/** An amount for one run, like 5usd or 2.5usd: more than 0, at most MAX_RUN_COST_USD. */
function runCost(value) {
    const match = typeof value === "string" ? RUN_COST.exec(value.trim()) : null;
    const amount = Number(match?.[1]);
    if (match === null || !(amount > 0) || amount > MAX_RUN_COST_USD) {
        throw new ValueProblem(`${show(value)} — use an amount for one run like 5usd or 2.5usd, more than 0 and at most ${MAX_RUN_COST_USD}usd`);
    }
    return amount;
}

;// CONCATENATED MODULE: ./src/core/input-values.ts


const { /* show */ "WU": input_values_show } = setting_values_namespaceObject;
const value = (value) => ({ ok: true, value });
const problem = (problem) => ({ ok: false, problem });
/** A setting reader's answer as a Read, so both kinds of reader share one message. */
function fromSetting(read) {
    try {
        return value(read());
    }
    catch (error) {
        if (error instanceof ValueProblem)
            return problem(error.message);
        throw error;
    }
}
const input_values_duration = (text) => fromSetting(() => duration(text));
const input_values_wholeNumber = (text, min, max) => fromSetting(() => wholeNumber(text, min, max));
/** `12` or `#12`, as an issue is named on GitHub. */
function input_values_issueNumber(text) {
    const number = positive(text.trim().replace(/^#/, ""));
    return number === null
        ? problem(`${input_values_show(text)} is not an issue number; use a number like 12 or #12`)
        : value(number);
}
/** An issue number, or null when the text is blank (Actions gives an unset input as ""). */
function optionalIssueNumber(text) {
    if (text.trim() === "")
        return value(null);
    const read = input_values_issueNumber(text);
    return read.ok ? read : problem(`${read.problem}, or leave it empty`);
}
/** A count from 1, like an attempt number. */
function positiveWholeNumber(text) {
    const number = positive(text.trim());
    return number === null
        ? problem(`${input_values_show(text)} is not a positive whole number, like 2`)
        : value(number);
}
function positive(digits) {
    const number = Number(digits);
    return /^\d+$/.test(digits) && number > 0 && Number.isSafeInteger(number) ? number : null;
}
/** true or false in any case; `fallback` when the text is blank. */
function trueOrFalse(text, fallback) {
    const word = text.trim().toLowerCase();
    if (word === "")
        return value(fallback);
    if (word === "true" || word === "false")
        return value(word === "true");
    return problem(`${input_values_show(text)} is not true or false`);
}
/** Names separated by commas, blanks or newlines (labels, variable names); none when blank. */
function nameList(text) {
    return text.split(/[\s,]+/).filter(Boolean);
}
/** A POSIX environment variable name: what the agent-env allow-list may hold. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The runner's own credentials: no allow-list may hand them to the agent (design §9). */
const RUNNER_SECRET = /^(GITHUB_TOKEN|GH_TOKEN|INPUT_\w*|ACTIONS_\w*)$/i;
/** The agent-env allow-list: exact variable names, none of them the runner's credentials. */
function agentEnvNames(text) {
    const names = nameList(text);
    const sentences = [];
    const bad = names.filter((name) => !ENV_NAME.test(name));
    if (bad.length > 0) {
        sentences.push(`${bad.map((name) => input_values_show(name)).join(", ")} ${bad.length === 1 ? "is not a variable name" : "are not variable names"}; list exact names (letters, digits, _), separated by commas`);
    }
    const secrets = names.filter((name) => ENV_NAME.test(name) && RUNNER_SECRET.test(name));
    if (secrets.length > 0) {
        sentences.push(`${secrets.join(", ")} ${secrets.length === 1 ? "is" : "are"} the runner's own credentials; the agent never gets them (it could be talked into using them). Give the agent a credential of its own under another name if it needs one`);
    }
    return sentences.length > 0 ? problem(sentences.join(". Also: ")) : value(names);
}
/**
 * A folder as an absolute path: `~` and `~/…` expanded (a quoted or `--flag=~/…` tilde reaches
 * us unexpanded), relative paths resolved when `base` allows them. Actions inputs allow none:
 * relative to the step's working directory, a folder would land inside the checkout.
 */
function folder(text, base) {
    const trimmed = text.trim();
    const expanded = trimmed.replace(/^~(?=$|\/)/, base.home);
    if (trimmed !== "" && (0,external_node_path_namespaceObject.isAbsolute)(expanded))
        return value((0,external_node_path_namespaceObject.resolve)(expanded));
    if (trimmed !== "" && base.relativeTo !== null)
        return value((0,external_node_path_namespaceObject.resolve)(base.relativeTo, expanded));
    const accepted = base.relativeTo === null
        ? "an absolute path or one starting with ~/"
        : "a folder; use an absolute path, one starting with ~/, or one relative to the current folder";
    return problem(`${input_values_show(text)} is not ${accepted}`);
}
/** A git branch name; null when the text is blank. Refuses what git never allows in one. */
function optionalBranchName(text) {
    const name = text.trim();
    if (name === "")
        return value(null);
    if (name.startsWith("-") || /[\s~^:?*[\\]|\.\.|@\{/.test(name)) {
        return problem(`${input_values_show(name)} is not a branch name`);
    }
    return value(name);
}

;// CONCATENATED MODULE: ./src/core/notifications.ts
/**
 * Notifications (pure): which events are sent, and how each one renders as ntfy's headers and
 * plain-text body or as a JSON body for other webhooks. Sending is src/notify/http-notifier.ts.
 */
const NOTIFY_FORMATS = ["ntfy", "json"];
/** Events sent only when `notify-on` lists them; the others are always sent. */
const OPTIONAL_NOTIFY_EVENTS = ["done"];
/** A reason or an error can be long (a log tail); a phone shows a few lines. */
const MAX_DETAIL_CHARS = 600;
function renderNotification(event) {
    switch (event.kind) {
        case "spot-check":
            return {
                kind: event.kind,
                title: `Spot-check: ${event.repository}#${event.number}`,
                body: lines(event.title, `Needs a human review: ${shorten(event.reasons)}`, event.prUrl ?? event.url),
                tags: ["eyes"],
                priority: 4,
                click: event.prUrl ?? event.url,
            };
        case "stuck":
            return {
                kind: event.kind,
                title: `Stuck: ${event.repository}#${event.number}`,
                body: lines(event.title, `Last failure: ${shorten(event.lastFailure)}`, event.url),
                tags: ["warning"],
                priority: 4,
                click: event.url,
            };
        case "done":
            return {
                kind: event.kind,
                title: `Done: ${event.repository}#${event.number}`,
                body: lines(event.title, event.prUrl ?? event.url),
                tags: ["white_check_mark"],
                priority: 2,
                click: event.prUrl ?? event.url,
            };
        case "budget":
            return {
                kind: event.kind,
                title: `Budget reached: ${event.repository}`,
                body: lines(shorten(event.message), event.url),
                tags: ["money_with_wings"],
                priority: 3,
                click: event.url,
            };
        case "cycle-failed":
            return {
                kind: event.kind,
                title: `Dispatch cycle failed: ${event.repository}`,
                body: lines(shorten(event.error), event.url),
                tags: ["rotating_light"],
                priority: 4,
                click: event.url,
            };
    }
}
/** Whether `event` is sent under the `notify-on` setting (the optional events it lists). */
function isNotified(event, on) {
    return !OPTIONAL_NOTIFY_EVENTS.includes(event.kind)
        ? true
        : on.includes(event.kind);
}
/**
 * ntfy: `Title`, `Tags`, `Priority`, `Click` headers and a plain-text body. Header values are
 * ASCII without control characters: anything else goes as an RFC 2047 encoded word, which
 * ntfy decodes (HTTP itself has no UTF-8 headers, and Node's fetch refuses them).
 */
function ntfyRequest(notification) {
    const headers = {
        "Content-Type": "text/plain; charset=utf-8",
        Title: headerValue(notification.title),
        Tags: notification.tags.map(headerValue).join(","),
        Priority: String(notification.priority),
    };
    const click = notification.click === null ? null : safeUrl(notification.click);
    if (click !== null)
        headers.Click = click;
    return { headers, body: notification.body };
}
/** Other webhooks: one JSON object with the same fields. */
function jsonRequest(notification) {
    return {
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
            event: notification.kind,
            title: notification.title,
            body: notification.body,
            tags: notification.tags,
            priority: notification.priority,
            click: notification.click,
        }),
    };
}
function requestFor(notification, format) {
    return format === "json" ? jsonRequest(notification) : ntfyRequest(notification);
}
/**
 * A header value that cannot split or break the request: control characters (CR and LF among
 * them) become spaces; non-ASCII text becomes one RFC 2047 `=?UTF-8?B?…?=` word.
 */
function headerValue(text) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
    const flat = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
    if (/^[\u0020-\u007e]*$/.test(flat))
        return flat;
    return `=?UTF-8?B?${Buffer.from(flat, "utf8").toString("base64")}?=`;
}
/** A link for the Click header: only an http(s) URL, as ASCII (URL encodes the rest). */
function safeUrl(text) {
    try {
        const url = new URL(text);
        return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    }
    catch {
        return null;
    }
}
function shorten(text) {
    const flat = text.trim();
    return flat.length > MAX_DETAIL_CHARS ? `${flat.slice(0, MAX_DETAIL_CHARS - 1)}…` : flat;
}
function lines(...parts) {
    return parts.filter((part) => part !== null && part !== "").join("\n");
}

;// CONCATENATED MODULE: ./src/core/states.ts

const states_GOAL_STATES = ["draft", "queued", "running", "done", "stuck", "spot-check"];
const STATE_LABEL_PREFIX = "goal:";
/** Plain issue label marking a story, which groups goals as sub-issues. */
const STORY_LABEL = "story";
/** Flag label: the goal always ends in goal:spot-check instead of auto-merging. */
const SPOT_CHECK_FLAG_LABEL = "spot-check";
function stateLabel(state) {
    return `${STATE_LABEL_PREFIX}${state}`;
}
function parseState(name) {
    if (!name.startsWith(STATE_LABEL_PREFIX))
        return null;
    const state = name.slice(STATE_LABEL_PREFIX.length);
    return states_GOAL_STATES.includes(state) ? state : null;
}
function isStateLabel(name) {
    return parseState(name) !== null;
}
const STATE_LABEL_LOOK = {
    draft: { color: "d4c5f9", description: "Goal: written, not ready to run" },
    queued: { color: "0e8a16", description: "Goal: ready to run, waits its turn" },
    running: { color: "fbca04", description: "Goal: claimed by a dispatcher; an agent works on it" },
    done: {
        color: "5319e7",
        description: "Goal: the agent succeeded; its PR is merged or set to auto-merge",
    },
    stuck: {
        color: "b60205",
        description: "Goal: failed on its last allowed attempt, or cannot run",
    },
    "spot-check": {
        color: "d93f0b",
        description: "Goal: a human must review the PR before it merges",
    },
};
const LABELS = [
    ...states_GOAL_STATES.map((state) => ({ name: stateLabel(state), ...STATE_LABEL_LOOK[state] })),
    { name: STORY_LABEL, color: "1d76db", description: "Story: groups goals as its sub-issues" },
    {
        name: SPOT_CHECK_FLAG_LABEL,
        color: "f9d0c4",
        description: "Goal flag: always stop in goal:spot-check for human review instead of auto-merging",
    },
];
/** Reads the goal state from an issue's labels; `conflicting` lists every state label when there is more than one. */
function stateFromLabels(labels) {
    const states = [...new Set(labels.map(parseState).filter((s) => s !== null))];
    if (states.length === 1)
        return { state: states[0] ?? null, conflicting: [] };
    return { state: null, conflicting: states.length > 1 ? states : [] };
}
/** The labels to set so that exactly one state label remains: other labels keep their order. */
function withState(labels, to) {
    return [...labels.filter((name) => !isStateLabel(name)), stateLabel(to)];
}
const ALLOWED_TRANSITIONS = {
    draft: ["queued"],
    queued: ["running", "draft", "stuck"],
    running: ["done", "stuck", "spot-check", "queued", "draft"],
    "spot-check": ["done", "queued", "stuck", "draft"],
    stuck: ["queued", "draft"],
    // A human re-opens a finished goal by queueing it again; the dispatcher re-queues one whose
    // pull request failed its checks (or makes it stuck when that was its last attempt), or whose
    // reviewer asked for changes (a review round), or hands it to a human once its review rounds
    // are used up.
    done: ["queued", "stuck", "draft", "spot-check"],
};
function canTransition(from, to) {
    return ALLOWED_TRANSITIONS[from].includes(to);
}
/** Throws unless `from` may become `to`. A goal without a state label (`null`) may become anything. */
function assertTransition(from, to) {
    if (from === null || canTransition(from, to))
        return;
    throw new UserError(`goal is ${from}; it cannot become ${to}. From ${from} a goal can become: ${ALLOWED_TRANSITIONS[from].join(", ")}.`);
}

;// CONCATENATED MODULE: ./src/core/markers.ts

/** Machine-readable facts the orchestrator leaves in its own issue comments (design §3). */
const MARKER_SCHEMA_VERSION = 1;
const MARKER_TAG = "goal-orchestrator";
const RUN_OUTCOMES = (/* unused pure expression or super */ null && (["success", "spot-check", "failure", "interrupted"]));
const FEEDBACK_SOURCES = (/* unused pure expression or super */ null && (["reject", "pr-closed", "ci-failed", "review"]));
/**
 * How much of the agent's output a failed run's result keeps (`logTail`): the agent keeps this
 * many last lines, the result at most this many characters of them, and the goal file of the
 * next attempt shows them.
 */
const LOG_TAIL_LINES = 30;
const LOG_TAIL_CHARS = 6000;
const REVIEW_REPLY_REASONS = (/* unused pure expression or super */ null && (["outsider", "no-text", "rounds-used"]));
/** The marker as one line: `<!-- goal-orchestrator:v1 {json} -->`. */
function markers_encodeMarker(marker) {
    const json = escapeForComment(JSON.stringify({ v: MARKER_SCHEMA_VERSION, ...marker }));
    return `<!-- ${MARKER_TAG}:v${MARKER_SCHEMA_VERSION} ${json} -->`;
}
// "--" inside a string would end the HTML comment early; "\u002d" is the same character to JSON.parse.
// Outside strings "-" only appears singly (as a sign or exponent), so it never forms "--".
// "<" and ">" are escaped too, so no text in a marker looks like HTML to anything that reads it.
const COMMENT_SAFE = { "-": "\\u002d", "<": "\\u003c", ">": "\\u003e" };
function escapeForComment(json) {
    let out = "";
    let inString = false;
    for (let i = 0; i < json.length; i++) {
        const char = json[i];
        if (inString && char === "\\") {
            out += char + (json[i + 1] ?? "");
            i++;
            continue;
        }
        if (char === '"')
            inString = !inString;
        out += inString ? (COMMENT_SAFE[char] ?? char) : char;
    }
    return out;
}
const MARKER_LINE = new RegExp(`^[ \\t]*<!--[ \\t]*${MARKER_TAG}:v(\\d{1,6})[ \\t]+(\\{.*\\})[ \\t]*-->[ \\t]*$`, "gm");
/**
 * Every well-formed marker in a text, in order. Never throws: malformed JSON, unknown kinds and
 * markers missing required fields are skipped. Markers from newer schema versions are kept when
 * their required fields parse; fields this version does not know are dropped.
 */
function decodeMarkers(text) {
    if (typeof text !== "string")
        return [];
    const markers = [];
    for (const match of text.matchAll(MARKER_LINE)) {
        const version = Number(match[1]);
        if (version < 1)
            continue;
        let value;
        try {
            value = JSON.parse(match[2] ?? "");
        }
        catch {
            continue;
        }
        const marker = toMarker(value);
        if (marker !== null)
            markers.push(marker);
    }
    return markers;
}
function toMarker(value) {
    if (!isObject(value))
        return null;
    switch (value.kind) {
        case "claim":
            return toClaim(value);
        case "run-result":
            return toRunResult(value);
        case "transition":
            return toTransition(value);
        case "feedback":
            return toFeedback(value);
        case "blocked":
            return toBlocked(value);
        case "review-reply":
            return toReviewReply(value);
        default:
            return null;
    }
}
function toClaim(v) {
    if (!isAttempt(v.attempt) || !isTime(v.claimedAt) || !isTime(v.leaseExpiresAt))
        return null;
    if (!isObject(v.claimedBy))
        return null;
    const by = v.claimedBy;
    const claimedBy = {};
    // Run ids are numbers in GitHub's API; keep them as text so they never lose precision.
    if (typeof by.runId === "string" || isWholeNumber(by.runId))
        claimedBy.runId = String(by.runId);
    if (typeof by.runUrl === "string")
        claimedBy.runUrl = by.runUrl;
    if (typeof by.host === "string")
        claimedBy.host = by.host;
    if (isWholeNumber(by.pid))
        claimedBy.pid = by.pid;
    const claim = {
        kind: "claim",
        attempt: v.attempt,
        claimedBy,
        claimedAt: v.claimedAt,
        leaseExpiresAt: v.leaseExpiresAt,
    };
    if (typeof v.claimId === "string")
        claim.claimId = v.claimId;
    if (typeof v.textFingerprint === "string")
        claim.textFingerprint = v.textFingerprint;
    if (typeof v.vouchedBy === "string")
        claim.vouchedBy = v.vouchedBy;
    if (typeof v.branch === "string")
        claim.branch = v.branch;
    return claim;
}
function toRunResult(v) {
    if (!isAttempt(v.attempt) || !isOneOf(v.outcome, RUN_OUTCOMES))
        return null;
    if (typeof v.reason !== "string" || typeof v.countsAsAttempt !== "boolean")
        return null;
    const marker = {
        kind: "run-result",
        attempt: v.attempt,
        outcome: v.outcome,
        reason: v.reason,
        countsAsAttempt: v.countsAsAttempt,
    };
    if (typeof v.prUrl === "string")
        marker.prUrl = v.prUrl;
    if (typeof v.logTail === "string")
        marker.logTail = v.logTail;
    if (isObject(v.stats))
        marker.stats = v.stats;
    if (isTime(v.at))
        marker.at = v.at;
    return marker;
}
function toTransition(v) {
    if (!isOneOf(v.to, GOAL_STATES) || typeof v.reason !== "string")
        return null;
    if (v.from !== null && !isOneOf(v.from, GOAL_STATES))
        return null;
    const marker = { kind: "transition", from: v.from, to: v.to, reason: v.reason };
    if (isAttempt(v.attempt))
        marker.attempt = v.attempt;
    if (isTime(v.at))
        marker.at = v.at;
    return marker;
}
function toFeedback(v) {
    if (!isAttempt(v.attempt) || !isOneOf(v.source, FEEDBACK_SOURCES))
        return null;
    if (typeof v.text !== "string")
        return null;
    const marker = {
        kind: "feedback",
        attempt: v.attempt,
        source: v.source,
        text: v.text,
    };
    if (isAttempt(v.round))
        marker.round = v.round;
    if (isAttempt(v.pullRequest))
        marker.pullRequest = v.pullRequest;
    if (Array.isArray(v.requests))
        marker.requests = strings(v.requests);
    return marker;
}
function toReviewReply(v) {
    if (!isOneOf(v.reason, REVIEW_REPLY_REASONS) || !Array.isArray(v.requests))
        return null;
    return { kind: "review-reply", reason: v.reason, requests: strings(v.requests) };
}
function strings(values) {
    return values.filter((value) => typeof value === "string");
}
function toBlocked(v) {
    if (!Array.isArray(v.by))
        return null;
    return { kind: "blocked", by: strings(v.by) };
}
function isObject(value) {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
function isWholeNumber(value) {
    return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
function isAttempt(value) {
    return isWholeNumber(value) && value >= 1;
}
function isTime(value) {
    return typeof value === "string" && !Number.isNaN(Date.parse(value));
}
function isOneOf(value, allowed) {
    return typeof value === "string" && allowed.includes(value);
}
/**
 * Markers from comments written by trusted authors (the orchestrator's own identities), oldest
 * first. Anyone can paste a marker into a comment, so markers from anyone else are ignored.
 * Each marker is dated by its comment's creation, or by its own `at` (a marker added by an
 * edit) held within the comment's life: never before its comment, never after its last edit,
 * so a writer's clock cannot move a marker outside what GitHub saw.
 */
function trustedMarkers(comments, trustedAuthors) {
    const trusted = new Set([...trustedAuthors].map((login) => login.toLowerCase()));
    const found = comments
        .filter((comment) => trusted.has(comment.author.toLowerCase()))
        .flatMap((comment) => decodeMarkers(comment.body).map((marker) => {
        const createdAt = markerTime(marker, comment);
        return { marker: { ...marker, createdAt }, time: Date.parse(createdAt) };
    }));
    // Array.prototype.sort is stable: markers of equal times keep the order of their comments and
    // within them, so a marker added by an edit sorts by its time, after those written before it.
    found.sort((a, b) => compareTimes(a.time, b.time));
    return found.map(({ marker }) => marker);
}
function markerTime(marker, comment) {
    const at = "at" in marker && marker.at !== undefined ? Date.parse(marker.at) : Number.NaN;
    const created = Date.parse(comment.createdAt);
    if (Number.isNaN(at) || Number.isNaN(created) || at <= created)
        return comment.createdAt;
    const updated = comment.updatedAt === undefined ? Number.NaN : Date.parse(comment.updatedAt);
    if (!Number.isNaN(updated) && at >= updated)
        return comment.updatedAt;
    return new Date(at).toISOString();
}
// Unparseable times sort last rather than breaking the order of the rest.
function compareTimes(a, b) {
    if (Number.isNaN(a))
        return Number.isNaN(b) ? 0 : 1;
    if (Number.isNaN(b))
        return -1;
    return a - b;
}

;// CONCATENATED MODULE: ./src/core/review-rounds.ts

const DEFAULT_MAX_REVIEW_ROUNDS = 3;
const REVISE_COMMAND = "/goal revise";
/**
 * The text of a `/goal revise` comment (what follows the command, trimmed; "" when nothing
 * does), or null when the comment is not one. The command must open the comment.
 */
function reviseText(body) {
    const match = /^\s*\/goal[ \t]+revise(?=\s|$)([\s\S]*)$/i.exec(body);
    return match ? (match[1] ?? "").trim() : null;
}
/** A review's feedback: its body, then every inline comment as `path:line` and its text. */
function reviewText(body, comments) {
    const parts = body.trim() ? [body.trim()] : [];
    for (const comment of comments) {
        const where = comment.line === null ? comment.path : `${comment.path}:${comment.line}`;
        parts.push(`- \`${where}\`: ${comment.body.trim().replace(/\n/g, "\n  ")}`);
    }
    return parts.join("\n\n");
}
function reviewFeedback(markers) {
    return markers.filter((m) => m.kind === "feedback" && m.round !== undefined);
}
/** How many review rounds the goal has had. */
function reviewRoundsUsed(markers) {
    return Math.max(0, ...reviewFeedback(markers).map((m) => m.round ?? 0));
}
/** Requests already taken in as feedback or answered on the pull request. */
function answeredRequests(markers) {
    const ids = new Set();
    for (const marker of markers) {
        if (marker.kind === "feedback" || marker.kind === "review-reply") {
            for (const id of marker.requests ?? [])
                ids.add(id);
        }
    }
    return ids;
}
/**
 * Where the latest review round began in the markers (its first feedback marker), or -1 when
 * the goal has had none. Attempts are counted from there.
 */
function reviewRoundStart(markers) {
    const latest = reviewRoundsUsed(markers);
    if (latest === 0)
        return -1;
    return markers.findIndex((m) => m.kind === "feedback" && m.round === latest);
}
/**
 * The review round the next run serves: the latest one, unless a run of it already delivered
 * (a success or spot-check result) or a later attempt started afresh (feedback outside any
 * round, such as a closed pull request or failed checks). Null when there is none.
 */
function openReviewRound(markers) {
    const start = reviewRoundStart(markers);
    if (start < 0)
        return null;
    const first = markers[start];
    const ended = markers
        .slice(start + 1)
        .some((m) => (m.kind === "run-result" && (m.outcome === "success" || m.outcome === "spot-check")) ||
        (m.kind === "feedback" && m.round === undefined));
    if (ended || first.pullRequest === undefined)
        return null;
    return { round: first.round, pullRequest: first.pullRequest };
}
/**
 * Most of a comment's 65,536 characters for one feedback marker as encoded (escaping can make
 * the JSON several times longer than the text), leaving room for the comment's headline.
 */
const FEEDBACK_MARKER_CHARS = 60_000;
/**
 * The requests' feedback as one or more markers, each fitting a comment: a long review (say,
 * 200 inline comments) is split between requests, or between inline comments within one, so
 * every word reaches the goal file. Only a single comment longer than a marker can hold is cut.
 */
function feedbackMarkers(base, requests) {
    const fits = (text) => encodeMarker({ kind: "feedback", ...base, text, requests: ids }).length <=
        FEEDBACK_MARKER_CHARS;
    const ids = requests.map((request) => request.id);
    const pieces = requests.flatMap((request) => {
        const heading = `From @${request.author} (${request.url}):`;
        return [heading, ...request.text.split(/\n\n(?=- `)/)];
    });
    const texts = [];
    let current = "";
    for (const piece of pieces) {
        const joined = current ? `${current}\n\n${piece}` : piece;
        if (fits(joined)) {
            current = joined;
            continue;
        }
        if (current)
            texts.push(current);
        current = fits(piece) ? piece : cutToFit(piece, fits);
    }
    if (current)
        texts.push(current);
    // The requests are named on the first marker, so they count as taken in once it is written.
    return texts.map((text, index) => ({
        kind: "feedback",
        ...base,
        text,
        ...(index === 0 ? { requests: ids } : {}),
    }));
}
function cutToFit(text, fits) {
    const note = "… (cut: too long for one comment)";
    let low = 0;
    let high = text.length;
    while (low < high) {
        const mid = Math.ceil((low + high) / 2);
        if (fits(text.slice(0, mid) + note))
            low = mid;
        else
            high = mid - 1;
    }
    return text.slice(0, low) + note;
}

;// CONCATENATED MODULE: ./src/core/settings.ts






/** External names, as used by action inputs, CLI flags and the settings file. */
const SETTING_KEYS = (/* unused pure expression or super */ null && ([
    "max",
    "model",
    "reasoning",
    "duration",
    "agent-command",
    "max-attempts",
    "max-review-rounds",
    "merge-method",
    "idle-timeout",
    "spot-check-paths",
    "spot-check-max-lines",
    "reviewers",
    "notify-url",
    "notify-format",
    "notify-on",
    "marker-authors",
    "budget",
    "unknown-run-cost",
]));
/** The settings one agent run uses: the runner action's inputs and the orchestrator's flags. */
const RUN_SETTING_KEYS = (/* unused pure expression or super */ null && ([
    "model",
    "reasoning",
    "duration",
    "agent-command",
    "max-attempts",
    "merge-method",
    "idle-timeout",
    "spot-check-paths",
    "spot-check-max-lines",
    "reviewers",
]));
/** The notification settings: inputs of both actions and flags of the orchestrator. */
const NOTIFY_SETTING_KEYS = (/* unused pure expression or super */ null && ([
    "notify-url",
    "notify-format",
    "notify-on",
]));
const SETTINGS_FILE = ".github/goal-orchestrator.yml";
/** The default `unknown-run-cost`: what a run of unknown cost counts when nothing estimates it. */
const DEFAULT_UNKNOWN_RUN_COST_USD = 5;
const MERGE_METHODS = ["squash", "merge", "rebase"];
const DEFAULT_AGENT_COMMAND = "ralph --goal={goal_file} --model={model} --reasoning={reasoning} --duration={duration}";
/**
 * Without a spot-check-paths setting, changes to workflows, to the settings file (it names the
 * agent command) and to files that decide reviewers, checkouts and submodules wait for a human:
 * merged unseen, they would change what the next run executes or who must approve.
 */
const DEFAULT_SPOT_CHECK_PATHS = Object.freeze([
    ".github/**",
    SETTINGS_FILE,
    "CODEOWNERS",
    ".gitattributes",
    ".gitmodules",
]);
/** A fresh copy of the defaults each time, so no caller can change another's lists. */
function defaultSettings() {
    return {
        max: 2,
        model: "sonnet",
        reasoning: "med",
        durationSeconds: 4 * 3600,
        agentCommand: splitArgv(DEFAULT_AGENT_COMMAND),
        maxAttempts: 3,
        maxReviewRounds: DEFAULT_MAX_REVIEW_ROUNDS,
        mergeMethod: "squash",
        idleTimeoutSeconds: null,
        spotCheckPaths: [...DEFAULT_SPOT_CHECK_PATHS],
        spotCheckMaxLines: null,
        reviewers: [],
        notifyUrl: null,
        notifyFormat: "ntfy",
        notifyOn: [],
        markerAuthors: [],
        budget: null,
        unknownRunCostUsd: DEFAULT_UNKNOWN_RUN_COST_USD,
    };
}
const DEFAULT_SETTINGS = deepFreeze(defaultSettings());
function deepFreeze(value) {
    for (const field of Object.values(value)) {
        if (typeof field === "object" && field !== null)
            Object.freeze(field);
    }
    return Object.freeze(value);
}
/** For each key: where its value goes and how a given value is read. */
const READERS = {
    max: { field: "max", read: (v) => wholeNumber(v, 1, 100) },
    model: { field: "model", read: model },
    reasoning: { field: "reasoning", read: reasoning },
    duration: { field: "durationSeconds", read: duration },
    "agent-command": { field: "agentCommand", read: argvTemplate },
    "max-attempts": { field: "maxAttempts", read: (v) => wholeNumber(v, 1, 20) },
    "max-review-rounds": { field: "maxReviewRounds", read: (v) => wholeNumber(v, 0, 20) },
    "merge-method": { field: "mergeMethod", read: (v) => oneOf(v, MERGE_METHODS) },
    "idle-timeout": { field: "idleTimeoutSeconds", read: optionalDuration },
    "spot-check-paths": { field: "spotCheckPaths", read: spotCheckPathList },
    "spot-check-max-lines": {
        field: "spotCheckMaxLines",
        read: (v) => optionalWholeNumber(v, 1, 1_000_000),
    },
    reviewers: { field: "reviewers", read: logins },
    "notify-url": { field: "notifyUrl", read: httpUrl },
    "notify-format": { field: "notifyFormat", read: (v) => oneOf(v, NOTIFY_FORMATS) },
    "notify-on": { field: "notifyOn", read: notifyOnList },
    "marker-authors": { field: "markerAuthors", read: logins },
    budget: { field: "budget", read: budget },
    "unknown-run-cost": { field: "unknownRunCostUsd", read: runCost },
};
/**
 * A list of globs, or `none` for no paths: an empty input means "not given" (Actions passes
 * unset inputs as ""), so without `none` an input could not turn the default list off.
 */
function spotCheckPathList(value) {
    if (typeof value === "string" && value.trim().toLowerCase() === "none")
        return [];
    try {
        return list(value);
    }
    catch (error) {
        if (!(error instanceof ValueProblem) || Array.isArray(value))
            throw error;
        throw new ValueProblem(`${error.message}, or none for no paths`);
    }
}
/** `done` (the one optional event), or off/none for the default events only. */
function notifyOnList(value) {
    if (isOff(value))
        return [];
    const names = list(value).map((name) => name.toLowerCase());
    const bad = names.filter((name) => !OPTIONAL_NOTIFY_EVENTS.includes(name));
    if (bad.length > 0) {
        throw new ValueProblem(`${bad.map((name) => show(name)).join(", ")} ${bad.length === 1 ? "is not" : "are not"} one of ${OPTIONAL_NOTIFY_EVENTS.join(", ")}, or off (spot-check, stuck, budget and failed cycles are always notified)`);
    }
    return [...new Set(names)];
}
/** Every problem found while reading settings; the message has one line per problem. */
class SettingsError extends errors_UserError {
    problems;
    constructor(problems) {
        super(problems.join("\n"));
        this.name = "SettingsError";
        this.problems = [...problems];
    }
}
/**
 * Explicit values win over the file, the file over the defaults. Keys in `explicit` that are not
 * settings are ignored (callers may pass all their inputs); unknown keys in the file are errors.
 */
function resolveSettings(layers) {
    const fileName = layers.fileName ?? SETTINGS_FILE;
    const problems = [];
    const file = layers.file ?? {};
    for (const key of Object.keys(file)) {
        if (!SETTING_KEYS.includes(key))
            problems.push(unknownKeyProblem(key, fileName));
    }
    const settings = defaultSettings();
    for (const key of SETTING_KEYS) {
        const explicit = layers.explicit[key];
        const fromExplicit = isGiven(explicit);
        // In the file an empty value is a choice ("idle-timeout:" means off); only absence means "not set".
        const fromFile = !fromExplicit && Object.hasOwn(file, key) && file[key] !== undefined;
        if (!fromExplicit && !fromFile)
            continue;
        const value = fromExplicit ? explicit : (file[key] ?? "");
        try {
            Object.assign(settings, { [READERS[key].field]: READERS[key].read(value) });
        }
        catch (error) {
            if (!(error instanceof read.ValueProblem))
                throw error;
            problems.push(`${key}: ${error.message}${fromExplicit ? "" : ` (in ${fileName})`}`);
        }
    }
    if (problems.length > 0)
        throw new SettingsError(problems);
    return settings;
}
function isGiven(value) {
    if (value === undefined || value === null)
        return false;
    return !(typeof value === "string" && value.trim() === "");
}
function unknownKeyProblem(key, fileName) {
    const suggestion = nearest(key, SETTING_KEYS, 2);
    const hint = suggestion === null ? "" : ` Did you mean "${suggestion}"?`;
    return `${key}: unknown setting in ${fileName}.${hint} Known settings: ${SETTING_KEYS.join(", ")}.`;
}
/**
 * The `marker-authors` setting alone, explicit value over the file: whose markers count must be
 * known before a goal store connects, and does not depend on the rest of the file being valid
 * (callers that use the other settings still resolve, and report, the whole file).
 */
function resolveMarkerAuthors(layers) {
    const pick = (values) => values && Object.hasOwn(values, "marker-authors")
        ? { "marker-authors": values["marker-authors"] }
        : {};
    return resolveSettings({
        ...layers,
        explicit: pick(layers.explicit),
        file: pick(layers.file),
    }).markerAuthors;
}

;// CONCATENATED MODULE: ./src/core/problems.ts


/**
 * The problems found while reading a tool's inputs or flags. Readers note every problem and
 * go on, so the one error at the end lists them all: fixing them one run at a time is slow.
 */
class Problems {
    /** Appended to directly by readers that take a list (readSandboxSettings, authInputs). */
    list = [];
    add(...problems) {
        this.list.push(...problems);
    }
    /** The value read, or `fallback` after noting `name: problem`. */
    take(name, read, fallback) {
        if (read.ok)
            return read.value;
        this.list.push(`${name}: ${read.problem}`);
        return fallback;
    }
    /**
     * What `read` returns, or null after noting what it refused: each problem of a
     * SettingsError, a UserError's message. Any other error is a bug and goes on up.
     */
    catch(read) {
        try {
            return read();
        }
        catch (error) {
            if (error instanceof SettingsError)
                this.list.push(...error.problems);
            else if (error instanceof errors_UserError)
                this.list.push(error.message);
            else
                throw error;
            return null;
        }
    }
    /** Whether any problem was noted. */
    get any() {
        return this.list.length > 0;
    }
    /** One UserError listing every problem, in the shape `message` gives. */
    error(message) {
        return new errors_UserError(message(this.list));
    }
}
/** The actions' shape: "Invalid input(s):", then a "- " line per problem. */
function invalidInputs(problems) {
    return `Invalid input${problems.length > 1 ? "s" : ""}:\n${problems.map((p) => `- ${p}`).join("\n")}`;
}

;// CONCATENATED MODULE: ./src/flows/run-stats.ts



const round = (value) => Math.round(value * 10) / 10;
function buildStatsRecord(input) {
    const wall = round((input.finishedAt.getTime() - input.startedAt.getTime()) / 1000);
    const agentSeconds = input.agentSeconds === null ? null : round(input.agentSeconds);
    const agent = input.agent;
    return {
        v: 1,
        repository: input.repository,
        goal: input.goal,
        story: input.story,
        attempt: input.attempt,
        outcome: input.outcome,
        reason: input.reason,
        started_at: input.startedAt.toISOString(),
        finished_at: input.finishedAt.toISOString(),
        wall_seconds: wall,
        agent_seconds: agentSeconds,
        overhead_seconds: agentSeconds === null ? null : round(Math.max(0, wall - agentSeconds)),
        agent_exit_code: input.agentExitCode,
        exit_reason: agent?.exit_reason ?? null,
        iterations: agent?.iterations ?? null,
        tokens: agent
            ? { ...agent.tokens }
            : { input: null, output: null, cache_read: null, cache_create: null },
        cost_usd: agent?.cost_usd ?? null,
        time_seconds: agent
            ? { ...agent.time_seconds }
            : { llm: null, tools: null, other: null, total: null },
        // What git measured; the agent's own count only when there is no diff to measure.
        lines_added: input.diff?.linesAdded ?? agent?.lines_added ?? null,
        lines_deleted: input.diff?.linesDeleted ?? agent?.lines_deleted ?? null,
        files_changed: input.diff?.filesChanged ?? null,
        model: input.model,
        reasoning: input.reasoning,
        pr_url: input.prUrl,
    };
}
/** A Markdown table of the figures a person looks at first. */
function statsTable(record) {
    const show = (value, unit = "") => value === null || value === undefined ? "unknown" : `${value}${unit}`;
    const tokens = record.tokens;
    const rows = [
        ["outcome", record.outcome],
        ["attempt", String(record.attempt)],
        ["model", `${record.model} (reasoning ${record.reasoning})`],
        ["wall time", show(record.wall_seconds, " s")],
        ["agent time", show(record.agent_seconds, " s")],
        ["agent exit", `${show(record.agent_exit_code)} (${show(record.exit_reason)})`],
        ["iterations", show(record.iterations)],
        [
            "tokens in / out",
            `${show(tokens.input)} / ${show(tokens.output)} (cache read ${show(tokens.cache_read)}, created ${show(tokens.cache_create)})`,
        ],
        ["cost", record.cost_usd === null ? "unknown" : `$${record.cost_usd.toFixed(2)}`],
        [
            "lines added / deleted",
            `${show(record.lines_added)} / ${show(record.lines_deleted)} in ${show(record.files_changed)} file(s)`,
        ],
    ];
    const cell = (text) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
    return ["| | |", "|---|---|", ...rows.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`)].join("\n");
}
/** `$XDG_STATE_HOME/goal-orchestrator/stats.jsonl` (default `~/.local/state/…`). */
function defaultStateDir(env) {
    const base = env.XDG_STATE_HOME || (0,external_node_path_namespaceObject.join)(env.HOME || (0,external_node_os_namespaceObject.homedir)(), ".local", "state");
    return (0,external_node_path_namespaceObject.join)(base, "goal-orchestrator");
}
async function appendStatsLine(file, record) {
    await mkdir(dirname(file), { recursive: true });
    await appendFile(file, `${JSON.stringify(record)}\n`);
}

;// CONCATENATED MODULE: ./src/flows/run-locations.ts



function runnerLocations(env) {
    const home = env.HOME || (0,external_node_os_namespaceObject.homedir)();
    const cacheHome = env.XDG_CACHE_HOME || (0,external_node_path_namespaceObject.join)(home, ".cache");
    const stateDir = defaultStateDir(env);
    return {
        workspaceRoot: (0,external_node_path_namespaceObject.join)(cacheHome, "goal-orchestrator", "workspaces"),
        logDir: (0,external_node_path_namespaceObject.join)(stateDir, "logs"),
        statsFile: (0,external_node_path_namespaceObject.join)(stateDir, "stats.jsonl"),
    };
}

;// CONCATENATED MODULE: external "node:util"
const external_node_util_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");
;// CONCATENATED MODULE: ./src/cli/args.ts


/** node:util parseArgs, with its errors turned into messages that show the usage. */
function parseCommandLine(config, usage) {
    try {
        return (0,external_node_util_namespaceObject.parseArgs)({ ...config, strict: true });
    }
    catch (error) {
        const message = messageOf(error);
        throw new errors_UserError(`${message}\n\n${usage}`);
    }
}

;// CONCATENATED MODULE: ./src/cli/io.ts


/** The most standard input a CLI reads: far more than any text GitHub accepts. */
const MAX_STDIN_BYTES = 4 * 1024 * 1024;
/**
 * Reads a stream to its end as UTF-8. Async iteration waits for a writer that starts late and
 * takes input of any size (a synchronous read of fd 0 fails with EAGAIN on a non-blocking pipe
 * and stops at 64 KB). Past `maxBytes` it stops reading with a UserError.
 */
async function readStream(stream, maxBytes = MAX_STDIN_BYTES) {
    const chunks = [];
    let size = 0;
    for await (const chunk of stream) {
        const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
        size += bytes.length;
        if (size > maxBytes) {
            throw new errors_UserError(`standard input: the body is too large (over ${maxBytes.toLocaleString("en-US")} bytes, the most read from standard input).`);
        }
        chunks.push(bytes);
    }
    return Buffer.concat(chunks).toString("utf8");
}
const processIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: () => readStream(process.stdin),
    isStdinTTY: Boolean(process.stdin.isTTY),
};
/**
 * Runs a CLI's main function: a UserError prints its message alone (it is written for the
 * user); anything else prints the stack, since it is our bug. Returns the exit code.
 */
async function runCli(name, main, io = processIo) {
    try {
        return await main();
    }
    catch (error) {
        if (error instanceof errors_UserError) {
            io.stderr(`${name}: ${error.message}\n`);
            return 2;
        }
        io.stderr(`${name}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        return 1;
    }
}
/** An issue number given on the command line (12 or #12), or a UserError naming the argument. */
function parseIssueNumber(text, what) {
    const read = issueNumber(text ?? "");
    if (!read.ok)
        throw new UserError(`${what}: ${read.problem}.`);
    return read.value;
}
/** Issue titles are anyone's text: no control characters (terminal escapes) reach the screen. */
function terminalSafe(text) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
    return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ");
}

;// CONCATENATED MODULE: ./src/cli/watch-ralphs.ts









const WATCH_RALPHS_USAGE = `Usage: watch-ralphs [--log-dir DIR] [--since 1h] [--lines 10] [--goal N]...

Follows every agent's log in one view, each line prefixed with its goal and attempt, as the
runner action and orchestrator write them (<log-dir>/<owner>-<repo>-<goal>-<attempt>.log).
New logs are picked up as agents start. Ctrl-C to stop.

Options:
  --log-dir DIR   the logs' folder (default ~/.local/state/goal-orchestrator/logs)
  --since D       only logs written to in the last D (1h; like 90m or 2h)
  --lines N       show the last N lines of each log first (10)
  --goal N        only this goal (repeat for several)`;
/** How often the folder and the logs are looked at. */
const POLL_MS = 250;
/** Most bytes read from one log per look, so a flood cannot hold the whole view. */
const READ_CHUNK = 256 * 1024;
/** A line longer than this is cut when shown (the log file keeps all of it). */
const MAX_LINE = 4000;
const LOG_NAME = /^(.+)-(\d+)-(\d+)\.log$/;
const systemWatchClock = {
    now: () => Date.now(),
    after: (ms, fire) => {
        const timer = setTimeout(fire, ms);
        return () => clearTimeout(timer);
    },
};
/** `acme-widgets-12-2.log` → goal 12, attempt 2, repository part `acme-widgets`. */
function parseLogName(name) {
    const match = LOG_NAME.exec(name);
    if (!match?.[1])
        return null;
    return { repo: match[1], goal: Number(match[2]), attempt: Number(match[3]) };
}
async function watchRalphsMain(argv, io = processIo, env = process.env, signal, clock = systemWatchClock) {
    return runCli("watch-ralphs", async () => {
        const { values } = parseCommandLine({
            args: argv,
            allowPositionals: false,
            options: {
                "log-dir": { type: "string" },
                since: { type: "string", default: "1h" },
                lines: { type: "string", default: "10" },
                goal: { type: "string", multiple: true },
                help: { type: "boolean", short: "h", default: false },
            },
        }, WATCH_RALPHS_USAGE);
        if (values.help) {
            io.stdout(`${WATCH_RALPHS_USAGE}\n`);
            return 0;
        }
        const problems = new Problems();
        const sinceSeconds = problems.take("--since", input_values_duration(values.since), 3600);
        const lines = problems.take("--lines", input_values_wholeNumber(values.lines, 0, 10_000), 10);
        const goals = (values.goal ?? []).map((text) => problems.take("--goal", input_values_issueNumber(text), 0));
        const logDir = values["log-dir"] === undefined
            ? runnerLocations(env).logDir
            : problems.take("--log-dir", folder(values["log-dir"], {
                home: env.HOME || (0,external_node_os_namespaceObject.homedir)(),
                relativeTo: process.cwd(),
            }), "");
        if (problems.any)
            throw problems.error((list) => list.join("\n"));
        const followed = new Map();
        let announcedEmpty = false;
        const look = async (first) => {
            let names;
            try {
                names = (await (0,promises_namespaceObject.readdir)(logDir)).filter((name) => name.endsWith(".log")).sort();
            }
            catch (error) {
                if (error.code !== "ENOENT")
                    throw error;
                names = [];
            }
            for (const name of names) {
                const parsed = parseLogName(name);
                if (!parsed || (goals.length > 0 && !goals.includes(parsed.goal)))
                    continue;
                const file = (0,external_node_path_namespaceObject.join)(logDir, name);
                let current = followed.get(name);
                if (!current) {
                    const info = await (0,promises_namespaceObject.stat)(file).catch(() => null);
                    if (!info)
                        continue;
                    // Old logs are history, not agents at work: only recent ones are followed.
                    if (clock.now() - info.mtimeMs > sinceSeconds * 1000)
                        continue;
                    current = {
                        label: `${parsed.repo}#${parsed.goal} a${parsed.attempt}`,
                        offset: first ? await tailOffset(file, info.size, lines) : 0,
                        partial: "",
                    };
                    followed.set(name, current);
                    io.stdout(`── ${current.label}: ${file}\n`);
                }
                await readNew(file, current, io);
            }
            if (first && followed.size === 0 && !announcedEmpty) {
                announcedEmpty = true;
                io.stdout(`No agent logs written to in the last ${formatDuration(sinceSeconds)} in ${logDir}; waiting for agents to start.\n`);
            }
        };
        await look(true);
        while (!signal?.aborted) {
            await new Promise((done) => {
                const onAbort = () => {
                    cancel();
                    done();
                };
                const cancel = clock.after(POLL_MS, () => {
                    signal?.removeEventListener("abort", onAbort);
                    done();
                });
                signal?.addEventListener("abort", onAbort, { once: true });
            });
            await look(false);
        }
        return 0;
    }, io);
}
/** Where to start so that the last `lines` lines of the file are shown. */
async function tailOffset(file, size, lines) {
    if (lines === 0)
        return size;
    const start = Math.max(0, size - READ_CHUNK);
    const handle = await (0,promises_namespaceObject.open)(file, "r");
    try {
        const buffer = Buffer.alloc(size - start);
        await handle.read(buffer, 0, buffer.length, start);
        let offset = buffer.length;
        // Skip the file's final newline, then walk back `lines` line breaks.
        let seen = buffer[offset - 1] === 0x0a ? -1 : 0;
        while (offset > 0) {
            if (buffer[offset - 1] === 0x0a) {
                seen++;
                if (seen === lines)
                    break;
            }
            offset--;
        }
        return start + offset;
    }
    finally {
        await handle.close();
    }
}
async function readNew(file, followed, io) {
    const handle = await (0,promises_namespaceObject.open)(file, "r").catch(() => null);
    if (!handle)
        return;
    try {
        const { size } = await handle.stat();
        if (size < followed.offset) {
            // Truncated or replaced: start again from its beginning.
            followed.offset = 0;
            followed.partial = "";
        }
        if (size === followed.offset)
            return;
        const buffer = Buffer.alloc(Math.min(READ_CHUNK, size - followed.offset));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, followed.offset);
        followed.offset += bytesRead;
        const text = followed.partial + buffer.subarray(0, bytesRead).toString("utf8");
        const parts = text.split("\n");
        followed.partial = (parts.pop() ?? "").slice(-MAX_LINE);
        if (parts.length === 0)
            return;
        io.stdout(parts
            .map((line) => `${followed.label} │ ${terminalSafe(line.replace(/\r$/, "")).slice(0, MAX_LINE)}\n`)
            .join(""));
    }
    finally {
        await handle.close();
    }
}


/***/ }),

/***/ 585:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _cli_watch_ralphs_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(523);

const stop = new AbortController();
process.once("SIGINT", () => stop.abort());
process.once("SIGTERM", () => stop.abort());
process.exitCode = await (0,_cli_watch_ralphs_js__WEBPACK_IMPORTED_MODULE_0__/* .watchRalphsMain */ .Hz)(process.argv.slice(2), undefined, process.env, stop.signal);

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId](module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(585);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
