// Peak RSS while listing every one of 10,000 queued goals, in a fresh process so that earlier
// benchmarks' heap growth does not hide it. Run by bench/run.ts as
//   node --expose-gc --import tsx bench/memory.ts <queued> <running>
// and prints one line of JSON: { beforeBytes, peakBytes, heapBeforeBytes, heapAfterBytes, goals }.
import { ListingBench, peakRss } from "./listing.js";

const queued = Number(process.argv[2] ?? 10_000);
const running = Number(process.argv[3] ?? 50);

const bench = await ListingBench.start();
try {
  bench.seed("running", running);
  bench.seed("queued", queued);
  await bench.list("queued", 5); // load and compile the code paths before the baseline
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  gc();
  const heapBeforeBytes = process.memoryUsage().heapUsed;
  const { result, beforeBytes, peakBytes } = await peakRss((sample) =>
    bench.list("queued", Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, sample),
  );
  gc();
  const heapAfterBytes = process.memoryUsage().heapUsed;
  const line = { beforeBytes, peakBytes, heapBeforeBytes, heapAfterBytes, goals: result };
  process.stdout.write(`${JSON.stringify(line)}\n`);
} finally {
  await bench.close();
}
