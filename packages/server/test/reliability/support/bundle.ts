import { Effect } from "effect"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { sourceDigest } from "../../../../cli/bin/sourceDigest.mjs"
import { bundleDaemon } from "../../../../cli/build/DaemonBundle.js"

/**
 * The daemon the reliability tests SIGKILL and restart is `packages/cli/src/main.ts` bundled the
 * way `pnpm build` bundles it (ADR-0021), once per version of the sources, into the OS temp dir:
 * under tsx every start takes ≈10 s on a busy 2-core box, the bundle about a second, which is what
 * makes ten kill/restart cycles fit in CI. A temp dir has no node_modules, so better-sqlite3 is
 * loaded from its installed path.
 */
const cliRoot = join(import.meta.dirname, "..", "..", "..", "..", "cli")
const repoRoot = join(cliRoot, "..", "..")
const cacheDir = join(tmpdir(), "foreman-reliability-bundles")

const build = Effect.gen(function*() {
  mkdirSync(cacheDir, { recursive: true })
  const lock = createHash("sha256").update(readFileSync(join(repoRoot, "pnpm-lock.yaml"))).digest("hex")
  const key = `${sourceDigest(cliRoot).slice(0, 12)}-${lock.slice(0, 8)}`
  const outfile = join(cacheDir, `foreman-${key}.mjs`)
  if (existsSync(outfile)) return outfile
  const require = createRequire(join(cliRoot, "package.json"))
  const sqliteDriver = dirname(require.resolve("@effect/sql-sqlite-node/package.json"))
  const sqlite = require.resolve("better-sqlite3", { paths: [sqliteDriver] })
  // Built beside the target and renamed into place, so a test file running in parallel never
  // starts a half-written bundle.
  const partial = `${outfile}.${process.pid}.partial.mjs`
  yield* bundleDaemon(partial, { sqlite })
  renameSync(partial, outfile)
  // Bundles of older sources are of no further use.
  for (const name of readdirSync(cacheDir)) {
    const path = join(cacheDir, name)
    if (path !== outfile && Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { force: true })
  }
  return outfile
})

/** Path of the bundled CLI: built on first use, shared by the test files of a run. */
export const daemonBundle: Effect.Effect<string> = Effect.cached(Effect.orDie(build)).pipe(Effect.runSync)
