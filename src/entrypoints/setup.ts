import { setupAction } from "../actions/setup.js";

await setupAction();
