// `pnpm build`: writes dist/foreman.mjs and the digest of the sources it was built from;
// bin/foreman.mjs runs the bundle while the sources still have that digest.
import { FileSystem } from "@effect/platform"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { join } from "node:path"
import { sourceDigest } from "../bin/sourceDigest.mjs"
import { bundleDaemon } from "./DaemonBundle.js"

const cliRoot = join(import.meta.dirname, "..")
const outfile = join(cliRoot, "dist", "foreman.mjs")
// Written beside and renamed into place: a daemon starting meanwhile never loads half a bundle.
const partial = `${outfile}.${process.pid}.partial.mjs`

const program = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const started = performance.now()
  // The digest first: a source edited during the build leaves a bundle that is not run.
  const digest = sourceDigest(cliRoot)
  const contents = yield* bundleDaemon(partial)
  yield* fs.rename(partial, outfile)
  yield* fs.writeFileString(join(cliRoot, "dist", "foreman.sources"), digest)
  const size = `${(contents.bytes / 1_048_576).toFixed(1)} MB from ${contents.inputs.length} modules`
  yield* Console.log(`built ${outfile} (${size}) in ${Math.round(performance.now() - started)} ms`)
})

NodeRuntime.runMain(program.pipe(Effect.provide(NodeContext.layer)), { disablePrettyLogger: true })
