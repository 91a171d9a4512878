// Run as its own process (`node --expose-gc --import tsx heapChurn.ts`): caps the heap's growth as
// `foreman serve` does, then allocates objects that live long enough to be promoted and die there,
// as a burst of submits does, and prints the old space's peak beside what is live at the end.
import { Effect } from "effect"
import { getHeapSpaceStatistics } from "node:v8"
import { limitHeapGrowth } from "../../src/heapGrowth.js"

const collect = globalThis.gc
if (collect === undefined) {
  process.stderr.write("run with --expose-gc\n")
  process.exit(2)
}
const applied = Effect.runSync(limitHeapGrowth(process.execArgv))
const oldSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === "old_space")
const block = (n: number) => new Array<number>(128).fill(n)

const kept = Array.from({ length: 16_000 }, (_, i) => block(i))
// V8 sizes the old space's next limit at each full collection; start from one.
collect()
const ring = new Array<Array<number>>(16_000)
let peak = 0
for (let n = 0; n < 300_000; n++) {
  ring[n % ring.length] = block(n)
  if (n % 1000 === 0) peak = Math.max(peak, oldSpace()?.space_size ?? 0)
}
collect()
const live = oldSpace()?.space_used_size ?? 0
// Reading both arrays here keeps them live through the final collection.
process.stdout.write(JSON.stringify({ applied, peak, live, objects: kept.length + ring.length }) + "\n")
