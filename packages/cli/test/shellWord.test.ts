import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { shellWord } from "../src/output/format.js"
import { foremanShell, show } from "./support/cli.js"

describe("shellWord", () => {
  it("leaves a plain word bare", () => {
    expect(shellWord("qwen3:8b")).toBe("qwen3:8b")
    expect(shellWord("registry.ollama.ai/library/llama3.2:1b")).toBe("registry.ollama.ai/library/llama3.2:1b")
  })

  it.live("is read back by a POSIX shell as the value, whatever it holds", () =>
    Effect.gen(function*() {
      const values = ["", "two words", "it's", "'", "$HOME", "`id`", "a\\b", "*", "~", "x;y", "tab\there", "new\nline", "ünïcode", "-n"]
      // printf, not echo: echo would read "-n" and backslashes itself.
      const run = yield* foremanShell(`printf '%s\\0' ${values.map(shellWord).join(" ")}`)
      expect(run.code, show(run)).toBe(0)
      expect(run.stdout.split("\0").slice(0, -1)).toEqual(values)
    }))
})
