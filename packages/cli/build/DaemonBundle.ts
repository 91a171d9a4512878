import { Data, Effect } from "effect"
import { build } from "esbuild"
import { join } from "node:path"

export class BundleFailed extends Data.TaggedError("BundleFailed")<{ readonly message: string }> {}

/** The CLI's entry point: what `bin/foreman.mjs` runs, from source or bundled. */
export const cliEntry = join(import.meta.dirname, "..", "src", "main.ts")

/**
 * Bundles the CLI (and with it the whole daemon) into one ES module. Under tsx every start loads
 * hundreds of modules through its loader hooks (≈10 s on a busy 2-core box); the bundle starts in
 * about a second and idles in less memory (ADR-0021). better-sqlite3 stays external: a native addon
 * loads from its installed path, `sqlite` when given (a bundle written outside the workspace),
 * else by name from the bundle's own node_modules.
 */
export const bundleDaemon = (outfile: string, options: { readonly sqlite?: string } = {}) =>
  Effect.tryPromise({
    try: () =>
      build({
        entryPoints: [cliEntry],
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        outfile,
        logLevel: "error",
        // CommonJS dependencies inside an ESM bundle still call require().
        banner: { js: `import { createRequire as __foremanRequire } from "node:module"; const require = __foremanRequire(import.meta.url);` },
        plugins: [{
          name: "native-sqlite",
          setup: (b) =>
            b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: options.sqlite ?? "better-sqlite3", external: true }))
        }]
      }),
    catch: (error) => new BundleFailed({ message: `bundling the daemon failed: ${String(error)}` })
  }).pipe(
    Effect.filterOrFail(
      (result) => result.errors.length === 0,
      (result) => new BundleFailed({ message: `bundling the daemon failed: ${JSON.stringify(result.errors)}` })
    ),
    Effect.asVoid,
    Effect.withSpan("DaemonBundle.bundle")
  )
