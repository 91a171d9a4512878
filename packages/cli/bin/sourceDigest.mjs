// The digest of every source file the bundle is built from: the CLI's own and those of the
// workspace packages it imports (symlinked in development, copied by `pnpm deploy`). Contents,
// not mtimes, so a copy that touches every file does not make a good bundle look stale.
import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"

const walk = (hash, dir) => {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(hash, path)
    else hash.update(name).update(readFileSync(path))
  }
}

/** @param {string} cliRoot the directory holding bin/, src/ and dist/ */
export const sourceDigest = (cliRoot) => {
  const hash = createHash("sha256")
  walk(hash, join(cliRoot, "src"))
  const workspace = join(cliRoot, "node_modules", "@foreman")
  for (const name of existsSync(workspace) ? readdirSync(workspace).sort() : []) {
    const src = join(workspace, name, "src")
    if (existsSync(src)) walk(hash, src)
  }
  return hash.digest("hex")
}
