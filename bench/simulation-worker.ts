// One scenario of the simulation in a process of its own (bench/simulation.ts runs two at a
// time): prints its ScenarioResult as JSON on stdout, progress on stderr.
import { type Mode, simulate } from "./simulation-run.js";

const [median, mode] = process.argv.slice(2);
const result = await simulate(Number(median), mode as Mode);
process.stdout.write(JSON.stringify(result));
