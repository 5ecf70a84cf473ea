import { dispatchAction } from "../actions/dispatch.js";

await dispatchAction();
