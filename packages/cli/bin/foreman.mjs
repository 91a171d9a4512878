#!/usr/bin/env node
// Runs dist/foreman.mjs (`pnpm build`) when it was built from the sources as they are now, else
// the TypeScript sources through tsx: a change is never run stale, and a build starts fast.
import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { sourceDigest } from "./sourceDigest.mjs"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const bundle = join(root, "dist", "foreman.mjs")
const digestFile = join(root, "dist", "foreman.sources")

if (existsSync(bundle) && existsSync(digestFile) && readFileSync(digestFile, "utf8") === sourceDigest(root)) {
  await import(bundle)
} else {
  const { register } = await import("tsx/esm/api")
  register()
  await import("../src/main.ts")
}
