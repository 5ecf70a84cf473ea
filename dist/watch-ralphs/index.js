#!/usr/bin/env node
import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 523:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  H: () => (/* binding */ watchRalphsMain)
});

// UNUSED EXPORTS: parseLogName

;// CONCATENATED MODULE: external "node:fs/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");
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
    throw new errors_UserError(`Invalid duration for "${key}": "${text}". Use ${DURATION_FORMS}.${durationHint(String(text))}`);
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

;// CONCATENATED MODULE: external "node:os"
const external_node_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");
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
/** A positive whole number given on the command line, or a UserError naming the argument. */
function parseIssueNumber(text, what) {
    const trimmed = (text ?? "").trim().replace(/^#/, "");
    if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1) {
        throw new UserError(`${what}: "${text ?? ""}" is not an issue number (use a number like 12 or #12).`);
    }
    return Number(trimmed);
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
/** `acme-widgets-12-2.log` → goal 12, attempt 2, repository part `acme-widgets`. */
function parseLogName(name) {
    const match = LOG_NAME.exec(name);
    if (!match?.[1])
        return null;
    return { repo: match[1], goal: Number(match[2]), attempt: Number(match[3]) };
}
async function watchRalphsMain(argv, io = processIo, env = process.env, signal) {
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
        const problems = [];
        let sinceSeconds = 3600;
        try {
            sinceSeconds = parseDuration(values.since, "--since");
        }
        catch (error) {
            problems.push(error.message);
        }
        const lines = Number(values.lines);
        if (!/^\d+$/.test(values.lines) || lines > 10_000) {
            problems.push(`--lines: "${values.lines}" is not a whole number from 0 to 10000.`);
        }
        const goals = (values.goal ?? []).map((text) => {
            const number = Number(text.replace(/^#/, ""));
            if (!Number.isSafeInteger(number) || number < 1) {
                problems.push(`--goal: "${text}" is not an issue number, like 12.`);
            }
            return number;
        });
        if (problems.length > 0)
            throw new errors_UserError(problems.join("\n"));
        const logDir = values["log-dir"] ? (0,external_node_path_namespaceObject.resolve)(values["log-dir"]) : runnerLocations(env).logDir;
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
                    if (Date.now() - info.mtimeMs > sinceSeconds * 1000)
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
                const timer = setTimeout(done, POLL_MS);
                signal?.addEventListener("abort", () => {
                    clearTimeout(timer);
                    done();
                });
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
process.exitCode = await (0,_cli_watch_ralphs_js__WEBPACK_IMPORTED_MODULE_0__/* .watchRalphsMain */ .H)(process.argv.slice(2), undefined, process.env, stop.signal);

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
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(585);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
