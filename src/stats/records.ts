import { readFile } from "node:fs/promises";
import { type ParsedStatsFile, parseStatsLines } from "../core/stats-record.js";

/** A stats.jsonl file; a file that does not exist holds no records. */
export async function readStatsFile(file: string): Promise<ParsedStatsFile> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { records: [], skipped: [] };
    throw error;
  }
  return parseStatsLines(text);
}
