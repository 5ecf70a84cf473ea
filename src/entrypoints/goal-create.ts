#!/usr/bin/env node
import { goalCreateMain } from "../cli/goal-create.js";

process.exitCode = await goalCreateMain(process.argv.slice(2));
