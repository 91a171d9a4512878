import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { tempDir } from "../../server/test/support/tempDir.js"
import { sourceDigest } from "../bin/sourceDigest.mjs"

const write = (path: string, contents: string) => {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, contents)
}

const manifest = (name: string, version: string, dependencies: Record<string, string> = {}) =>
  JSON.stringify({ name, version, dependencies })

// bin/foreman.mjs runs dist/foreman.mjs only while this digest matches the one it was built with.
describe("the bundle's source digest", () => {
  it.scoped("changes with a source or a dependency's installed version, not with where things are", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      // A workspace as pnpm lays it out: the server package symlinked into the CLI, dependencies
      // hoisted to the root's node_modules.
      const cli = join(root, "workspace", "packages", "cli")
      const server = join(root, "workspace", "packages", "server")
      write(join(cli, "package.json"), manifest("@foreman/cli", "0.1.0", { effect: "^3", "@foreman/server": "workspace:*" }))
      write(join(cli, "src", "main.ts"), "export const a = 1\n")
      write(join(server, "package.json"), manifest("@foreman/server", "0.1.0", { "@effect/sql": "^0.49" }))
      write(join(server, "src", "Store.ts"), "export const b = 1\n")
      mkdirSync(join(cli, "node_modules", "@foreman"), { recursive: true })
      symlinkSync(server, join(cli, "node_modules", "@foreman", "server"))
      const effect = join(root, "workspace", "node_modules", "effect", "package.json")
      const sql = join(root, "workspace", "node_modules", "@effect", "sql", "package.json")
      write(effect, manifest("effect", "3.22.4"))
      write(sql, manifest("@effect/sql", "0.49.0"))

      const built = sourceDigest(cli)
      // Rewritten with the same contents: still the same bundle.
      write(join(cli, "src", "main.ts"), "export const a = 1\n")
      expect(sourceDigest(cli)).toBe(built)

      write(effect, manifest("effect", "3.22.5"))
      expect(sourceDigest(cli)).not.toBe(built)
      write(effect, manifest("effect", "3.22.4"))
      // A workspace package's own dependency counts too.
      write(sql, manifest("@effect/sql", "0.49.1"))
      expect(sourceDigest(cli)).not.toBe(built)
      write(sql, manifest("@effect/sql", "0.49.0"))
      write(join(server, "src", "Store.ts"), "export const b = 2\n")
      expect(sourceDigest(cli)).not.toBe(built)
      write(join(server, "src", "Store.ts"), "export const b = 1\n")
      expect(sourceDigest(cli)).toBe(built)

      // The same sources and versions deployed elsewhere, copied, with their own node_modules.
      const deployed = join(root, "deployed")
      write(join(deployed, "package.json"), manifest("@foreman/cli", "0.1.0", { effect: "^3", "@foreman/server": "workspace:*" }))
      write(join(deployed, "src", "main.ts"), "export const a = 1\n")
      const copied = join(deployed, "node_modules", "@foreman", "server")
      write(join(copied, "package.json"), manifest("@foreman/server", "0.1.0", { "@effect/sql": "^0.49" }))
      write(join(copied, "src", "Store.ts"), "export const b = 1\n")
      write(join(deployed, "node_modules", "effect", "package.json"), manifest("effect", "3.22.4"))
      write(join(deployed, "node_modules", "@effect", "sql", "package.json"), manifest("@effect/sql", "0.49.0"))
      expect(sourceDigest(deployed)).toBe(built)
    }))
})
