import { embeddingDims } from "../models/ModelCatalog.js"

// Deterministic unit vectors seeded by a hash of the text, so equal inputs
// embed equally and different inputs (almost surely) differ.

const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

const normalize = (vector: ReadonlyArray<number>): ReadonlyArray<number> => {
  const norm = Math.max(Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0)), 1e-12)
  return vector.map((v) => Math.round((v / norm) * 1e6) / 1e6)
}

/** The embedding of `text`; `dimensions` below the model's truncates and renormalizes like Ollama. */
export const embeddingOf = (text: string, dimensions?: number): ReadonlyArray<number> => {
  let state = fnv1a(text) || 1
  const raw = Array.from({ length: embeddingDims }, () => {
    // xorshift32
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return ((state >>> 0) / 0xffffffff) * 2 - 1
  })
  const full = normalize(raw)
  return dimensions !== undefined && dimensions > 0 && dimensions < embeddingDims
    ? normalize(full.slice(0, dimensions))
    : full
}
