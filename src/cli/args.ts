import { type ParseArgsConfig, parseArgs } from "node:util";
import { messageOf, UserError } from "../core/errors.js";

/** node:util parseArgs, with its errors turned into messages that show the usage. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T, usage: string) {
  try {
    return parseArgs({ ...config, strict: true });
  } catch (error) {
    const message = messageOf(error);
    throw new UserError(`${message}\n\n${usage}`);
  }
}
