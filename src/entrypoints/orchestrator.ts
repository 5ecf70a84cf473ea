#!/usr/bin/env node
import { orchestratorMain } from "../cli/orchestrator.js";

process.exitCode = await orchestratorMain(process.argv.slice(2));
