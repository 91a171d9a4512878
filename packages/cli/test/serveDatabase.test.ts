import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { chmodSync } from "node:fs"
import { join } from "node:path"
import { freePort } from "../../server/test/support/daemon.js"
import { tempDir } from "../../server/test/support/tempDir.js"
import { seedDatabase } from "../../server/test/store/seed.js"
import { foremanCli, show } from "./support/cli.js"

// Root may write any file whatever its mode, so as root the daemon runs as `nobody` on a root-owned
// 644 file (the reviewer's case); as anyone else a 444 file does it.
const nobody = { uid: 65534, gid: 65534 }
const asRoot = process.getuid?.() === 0

describe("foreman serve on a database it may not write", () => {
  // SQLite opens such a file read-only without a word, locks it and finds its migrations applied;
  // the first write (crash recovery) then failed as a defect, printed as a 10-line stack.
  it.live("refuses to start with one line naming the file and FOREMAN_DB_PATH, exit 1", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const dbPath = join(dir, "foreman.db")
      // A database an earlier daemon left: created and migrated.
      yield* seedDatabase(dbPath, Effect.void)
      chmodSync(dir, 0o777)
      chmodSync(dbPath, asRoot ? 0o644 : 0o444)
      const env = {
        FOREMAN_ADDR: `127.0.0.1:${yield* freePort}`,
        FOREMAN_OLLAMA_URL: `http://127.0.0.1:${yield* freePort}`,
        FOREMAN_DB_PATH: dbPath
      }
      const run = yield* foremanCli(["serve"], { env, ...(asRoot ? { user: nobody } : {}) })
      expect(run.code, show(run)).toBe(1)
      expect(run.stderr.trim().split("\n"), show(run)).toEqual([
        `foreman: cannot open the database ${dbPath}: it is not writable (check the owner and mode of the file and its directory); fix it or set FOREMAN_DB_PATH to another file`
      ])
    }).pipe(Effect.scoped), 120_000)
})
