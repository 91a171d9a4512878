import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { tempDir } from "../../server/test/support/tempDir.js"
import { bundleDaemon } from "../build/DaemonBundle.js"

// Packages the daemon never calls, which barrel imports (`from "@effect/platform-node"`) pulled in
// with every module the barrel re-exports: undici alone was 1.1 MB of the 5.4 MB bundle (ADR-0024).
const neverCalled = ["undici", "msgpackr", "yaml", "toml"]

describe("the daemon bundle", () => {
  it.scoped("leaves out what the daemon never calls, and its source stays one byte a character", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const outfile = join(dir, "foreman.mjs")
      const contents = yield* bundleDaemon(outfile)
      const pulledIn = contents.inputs.filter((input) => neverCalled.some((name) => input.includes(`/node_modules/${name}/`)))
      expect(pulledIn).toEqual([])
      expect(contents.inputs.some((input) => input.includes("/node_modules/effect/"))).toBe(true)
      // V8 stores a source with any character above U+00FF at two bytes each, for the daemon's life.
      const wide = [...readFileSync(outfile, "utf8")].filter((char) => (char.codePointAt(0) ?? 0) > 0xff)
      expect(wide).toEqual([])
      expect(contents.bytes).toBe(statSync(outfile).size)
    }), 120_000)
})
