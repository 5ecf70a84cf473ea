#!/usr/bin/env node
import { goalStatsMain } from "../cli/goal-stats.js";

process.exitCode = await goalStatsMain(process.argv.slice(2));
