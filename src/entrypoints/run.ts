import { runEntry } from "../actions/run.js";

await runEntry();
