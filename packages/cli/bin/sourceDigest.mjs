// The digest of everything the bundle is built from: every source file of the CLI and of the
// workspace packages it imports (symlinked in development, copied by `pnpm deploy`), and the
// version each of those packages' dependencies resolves to, so an install that upgrades one makes
// the bundle stale too. Contents and versions, not mtimes or paths, so a deployed copy of a good
// bundle still matches.
import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs"
import { dirname, join } from "node:path"

const walk = (hash, dir) => {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(hash, path)
    else hash.update(name).update(readFileSync(path))
  }
}

const readJson = (path) => JSON.parse(readFileSync(path, "utf8"))

// Node's own lookup: the nearest node_modules above the package's real directory that has it.
const installedVersion = (realDir, name) => {
  for (let dir = realDir;; dir = dirname(dir)) {
    const manifest = join(dir, "node_modules", name, "package.json")
    if (existsSync(manifest)) return readJson(manifest).version ?? "?"
    if (dirname(dir) === dir) return "missing"
  }
}

const dependencies = (hash, packageDir) => {
  const names = Object.keys(readJson(join(packageDir, "package.json")).dependencies ?? {}).sort()
  const realDir = realpathSync(packageDir)
  for (const name of names) {
    if (!name.startsWith("@foreman/")) hash.update(`${name}@${installedVersion(realDir, name)}\n`)
  }
}

/** @param {string} cliRoot the directory holding bin/, src/ and dist/ */
export const sourceDigest = (cliRoot) => {
  const hash = createHash("sha256")
  walk(hash, join(cliRoot, "src"))
  dependencies(hash, cliRoot)
  const workspace = join(cliRoot, "node_modules", "@foreman")
  for (const name of existsSync(workspace) ? readdirSync(workspace).sort() : []) {
    const src = join(workspace, name, "src")
    if (existsSync(src)) walk(hash, src)
    if (existsSync(join(workspace, name, "package.json"))) dependencies(hash, join(workspace, name))
  }
  return hash.digest("hex")
}
