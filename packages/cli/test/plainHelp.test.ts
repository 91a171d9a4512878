import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { startForeman } from "../../server/test/support/foreman.js"
import { foremanCli, show } from "./support/cli.js"

const escape = "\u001b["

// @effect/cli colours its help and usage errors whatever the stream; piped, they were full of `^[[0;1m`.
describe("help and usage errors are plain text when piped", () => {
  it.live("--help, a subcommand's --help and a usage error carry no escape codes", () =>
    Effect.gen(function*() {
      const runs = yield* Effect.all([
        foremanCli(["--help"]),
        foremanCli(["submit", "--help"]),
        foremanCli(["submit", "--model"]),
        foremanCli(["frobnicate"])
      ], { concurrency: "unbounded" })
      for (const run of runs) {
        expect(run.stdout + run.stderr, show(run)).not.toContain(escape)
        expect((run.stdout + run.stderr).trim(), show(run)).not.toBe("")
      }
      expect(runs[0]?.stdout).toContain("USAGE")
      expect(runs[2]?.stderr + (runs[2]?.stdout ?? "")).toContain("Expected a value following option: '--model'")
    }), 60_000)

  it.live("a command's own output is the model's text as it came, escape codes and all", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const prompt = `${escape}31mred${escape}0m`
      const run = yield* foremanCli(["submit", "-m", "llama3.2:1b", "-p", prompt, "--wait"], { url: foreman.url })
      expect(run.code, show(run)).toBe(0)
      // The sim answers "<model> answers: <prompt>".
      expect(run.stdout, show(run)).toContain(prompt)
    }).pipe(Effect.scoped), 60_000)
})
