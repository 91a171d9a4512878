import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { parseGoDurationNanos } from "@foreman/domain"
import { keepAliveProblem } from "../../src/ollama/KeepAlive.js"

// Go's time.ParseDuration, answer for answer, since Ollama's 400 carries its message.
describe("parseGoDurationNanos", () => {
  it("reads what time.ParseDuration reads", () => {
    for (const [text, nanos] of [
      ["0", 0], ["+0", 0], ["-0s", -0], ["1h30m", 5400e9], [".5s", 0.5e9], ["1.s", 1e9], ["1.5µs", 1500], ["2μs", 2000], ["-1s", -1e9], ["300ms", 300e6]
    ] as const) {
      expect([text, parseGoDurationNanos(text)]).toEqual([text, Either.right(nanos)])
    }
  })

  it("refuses what it refuses, in its words", () => {
    for (const [text, message] of [
      ["", `time: invalid duration ""`],
      ["-", `time: invalid duration "-"`],
      [".s", `time: invalid duration ".s"`],
      ["abc", `time: invalid duration "abc"`],
      ["5", `time: missing unit in duration "5"`],
      ["5x", `time: unknown unit "x" in duration "5x"`],
      ["1e3s", `time: unknown unit "e" in duration "1e3s"`],
      ["5é", `time: unknown unit "\\xc3\\xa9" in duration "5\\xc3\\xa9"`],
      [" 5m", `time: invalid duration " 5m"`],
      ["9999999999h", `time: invalid duration "9999999999h"`]
    ] as const) {
      expect([text, parseGoDurationNanos(text)]).toEqual([text, Either.left(message)])
    }
  })
})

describe("keepAliveProblem", () => {
  it("numbers and null decode; other JSON types are Go's unsupported types", () => {
    for (const value of [undefined, null, 0, -1, 300, "5m", "-1"]) {
      expect([value, keepAliveProblem(value)]).toEqual([value, value === "-1" ? `time: missing unit in duration "-1"` : undefined])
    }
    expect(keepAliveProblem(true)).toBe("Unsupported type: 'bool'")
    expect(keepAliveProblem([])).toBe("Unsupported type: '[]interface {}'")
    expect(keepAliveProblem({})).toBe("Unsupported type: 'map[string]interface {}'")
  })
})
