import { Effect } from "effect"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"

/**
 * The daemon the reliability tests SIGKILL and restart is `packages/cli/src/main.ts` — the same
 * program `bin/foreman.mjs` runs — bundled with esbuild (the bundler tsx itself uses), once per
 * version of the sources. Under tsx every start loads hundreds of modules through its loader
 * hooks (≈10 s on a busy 2-core box); the bundle starts in about a second, which is what makes
 * ten kill/restart cycles fit in CI. better-sqlite3 stays external: it is a native addon, loaded from its installed path.
 */

interface ResolveResult {
  readonly path: string
  readonly external: boolean
}

interface PluginBuild {
  readonly onResolve: (options: { readonly filter: RegExp }, callback: () => ResolveResult) => void
}

interface BuildResult {
  readonly errors: ReadonlyArray<unknown>
}

interface Esbuild {
  readonly build: (options: {
    readonly entryPoints: ReadonlyArray<string>
    readonly bundle: true
    readonly platform: "node"
    readonly format: "esm"
    readonly target: string
    readonly outfile: string
    readonly logLevel: "error"
    readonly banner: { readonly js: string }
    readonly plugins: ReadonlyArray<{ readonly name: string; readonly setup: (build: PluginBuild) => void }>
  }) => Promise<BuildResult>
}

const isEsbuild = (value: unknown): value is Esbuild =>
  typeof value === "object" && value !== null && "build" in value && typeof value.build === "function"

const repoRoot = join(import.meta.dirname, "..", "..", "..", "..", "..")
const entry = join(repoRoot, "packages", "cli", "src", "main.ts")
const cacheDir = join(tmpdir(), "foreman-reliability-bundles")

/** Every source file the daemon is built from, and the lockfile: what the bundle depends on. */
const sourceHash = () => {
  const hash = createHash("sha256")
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (/\.(ts|mts|js|mjs|json)$/.test(name)) hash.update(path).update(readFileSync(path))
    }
  }
  for (const pkg of readdirSync(join(repoRoot, "packages")).sort()) {
    const src = join(repoRoot, "packages", pkg, "src")
    if (existsSync(src)) walk(src)
  }
  hash.update(readFileSync(join(repoRoot, "pnpm-lock.yaml")))
  return hash.digest("hex").slice(0, 16)
}

const build = async (): Promise<string> => {
  mkdirSync(cacheDir, { recursive: true })
  const outfile = join(cacheDir, `foreman-${sourceHash()}.mjs`)
  if (existsSync(outfile)) return outfile
  const require = createRequire(import.meta.url)
  // esbuild is tsx's own dependency (tsx runs the CLI), so it is always installed next to it.
  const esbuildPath = require.resolve("esbuild", { paths: [dirname(require.resolve("tsx/package.json"))] })
  const loaded: unknown = require(esbuildPath)
  if (!isEsbuild(loaded)) throw new Error(`${esbuildPath} does not look like esbuild`)
  const sqliteDriver = dirname(require.resolve("@effect/sql-sqlite-node/package.json"))
  const betterSqlite = require.resolve("better-sqlite3", { paths: [sqliteDriver] })
  // Built beside the target and renamed into place, so a test file running in parallel never
  // starts a half-written bundle.
  const partial = `${outfile}.${process.pid}.partial.mjs`
  const result = await loaded.build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: partial,
    logLevel: "error",
    // CommonJS dependencies inside an ESM bundle still call require().
    banner: { js: `import { createRequire as __foremanRequire } from "node:module"; const require = __foremanRequire(import.meta.url);` },
    plugins: [{
      name: "native-sqlite",
      setup: (b) => b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: betterSqlite, external: true }))
    }]
  })
  if (result.errors.length > 0) throw new Error(`bundling the daemon failed: ${JSON.stringify(result.errors)}`)
  renameSync(partial, outfile)
  // Bundles of older sources are of no further use.
  for (const name of readdirSync(cacheDir)) {
    const path = join(cacheDir, name)
    if (path !== outfile && Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { force: true })
  }
  return outfile
}

let bundled: Promise<string> | undefined

/**
 * Path of the bundled CLI: built on first use, cached in the OS temp dir under a hash of the
 * sources, so test files and runs share it until the code changes.
 */
export const daemonBundle: Effect.Effect<string> = Effect.promise(() => {
  bundled ??= build()
  return bundled
})
