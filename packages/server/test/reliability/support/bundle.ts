import { Effect } from "effect"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { sourceDigest } from "../../../../cli/bin/sourceDigest.mjs"
import { bundleDaemon } from "../../../../cli/build/DaemonBundle.js"

/**
 * The daemon the reliability tests SIGKILL and restart is `packages/cli/src/main.ts` bundled the
 * way `pnpm build` bundles it (ADR-0021), once per version of the sources and install: under tsx
 * every start takes ≈10 s on a busy 2-core box, the bundle about a second, which is what makes ten
 * kill/restart cycles fit in CI. better-sqlite3 is loaded from its absolute installed
 * path, so the cache lives in this checkout's node_modules and the key names that path: a bundle
 * shared through the OS temp dir once pointed CI at a deleted checkout's node_modules.
 */
const cliRoot = join(import.meta.dirname, "..", "..", "..", "..", "cli")
const repoRoot = join(cliRoot, "..", "..")
const cacheDir = join(repoRoot, "node_modules", ".cache", "foreman-reliability-bundles")

const build = Effect.gen(function*() {
  mkdirSync(cacheDir, { recursive: true })
  const require = createRequire(join(cliRoot, "package.json"))
  const sqliteDriver = dirname(require.resolve("@effect/sql-sqlite-node/package.json"))
  const sqlite = require.resolve("better-sqlite3", { paths: [sqliteDriver] })
  const installed = createHash("sha256").update(readFileSync(join(repoRoot, "pnpm-lock.yaml"))).update(sqlite).digest("hex")
  const key = `${sourceDigest(cliRoot).slice(0, 12)}-${installed.slice(0, 8)}`
  const outfile = join(cacheDir, `foreman-${key}.mjs`)
  if (existsSync(outfile)) return outfile
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
