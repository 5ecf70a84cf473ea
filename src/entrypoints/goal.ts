#!/usr/bin/env node
import { goalMain } from "../cli/goal.js";

process.exitCode = await goalMain(process.argv.slice(2));
