// The harness's own dice. Every decision is drawn from the seed and the names of what it decides
// ("agent", goal, attempt), never from a shared stream: then a goal's agent does the same thing in
// a run whatever else changed before it (a retried request, one more goal claimed), and a seed
// replays the same storm.
import { seededRandom } from "../../tools/github-server/faults.js";

/** A number in [0, 1) fixed by the seed and the keys. */
export function roll(seed: number, ...keys: Array<string | number>): number {
  return seededRandom(fnv1a(`${seed}:${keys.join(":")}`))();
}

/** One of `weights`' keys, each as likely as its weight. */
export function pickWeighted<K extends string>(
  weights: Readonly<Record<K, number>>,
  seed: number,
  ...keys: Array<string | number>
): K {
  const entries = Object.entries(weights) as Array<[K, number]>;
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let left = roll(seed, ...keys) * total;
  for (const [key, weight] of entries) {
    left -= weight;
    if (left < 0) return key;
  }
  return (entries.at(-1) as [K, number])[0];
}

/** One item of a list, fixed by the seed and the keys. */
export function pick<T>(items: readonly T[], seed: number, ...keys: Array<string | number>): T {
  return items[Math.floor(roll(seed, ...keys) * items.length)] as T;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
