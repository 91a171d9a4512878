import { Data, Effect } from "effect"
import { build } from "esbuild"
import { join } from "node:path"

export class BundleFailed extends Data.TaggedError("BundleFailed")<{ readonly message: string }> {}

/** The CLI's entry point: what `bin/foreman.mjs` runs, from source or bundled. */
export const cliEntry = join(import.meta.dirname, "..", "src", "main.ts")

/** What went into a bundle: its size and the source files esbuild kept (paths as esbuild names them). */
export interface BundleContents {
  readonly bytes: number
  readonly inputs: ReadonlyArray<string>
}

/**
 * Bundles the CLI (and with it the whole daemon) into one ES module. Under tsx every start loads
 * hundreds of modules through its loader hooks (≈10 s on a busy 2-core box); the bundle starts in
 * about a second and idles in less memory (ADR-0021). better-sqlite3 stays external: a native addon
 * loads from its installed path, `sqlite` when given (a bundle written outside the workspace),
 * else by name from the bundle's own node_modules.
 *
 * Whitespace is minified, which also drops comments: V8 keeps the whole source in the heap, and
 * one character outside Latin-1 (a curly quote in a dependency's comment) stores all of it at two
 * bytes a character (ADR-0024).
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
        metafile: true,
        minifyWhitespace: true,
        legalComments: "none",
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
    Effect.map((result): BundleContents => {
      const outputs = Object.values(result.metafile.outputs)
      return {
        bytes: outputs.reduce((sum, output) => sum + output.bytes, 0),
        inputs: outputs.flatMap((output) => Object.keys(output.inputs).filter((input) => (output.inputs[input]?.bytesInOutput ?? 0) > 0))
      }
    }),
    Effect.withSpan("DaemonBundle.bundle")
  )
