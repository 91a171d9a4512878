import { describe, expect, it } from "@effect/vitest"
import type { JobList, JobView } from "@foreman/domain"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { startForeman } from "../../server/test/support/foreman.js"
import { tempDir } from "../../server/test/support/tempDir.js"
import { type CliRun, foremanBin, foremanCli, foremanShell, parsed, show } from "./support/cli.js"

const ulid = /^[0-9A-HJKMNP-TV-Z]{26}$/

describe("foreman submit / jobs / job against a live daemon", () => {
  it.live("Ctrl-C (or SIGTERM) during --wait stops the waiting with exit 130 (143), not 0, and the job goes on", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { tokens: 200, tokenDelayMs: 20 } })
      for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
        const run = yield* Effect.async<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resume) => {
          const env = { ...process.env, FOREMAN_URL: foreman.url }
          const child = spawn(process.execPath, [foremanBin, "submit", "-m", "llama3.2:1b", "-p", "long", "--wait", "--json"], { env })
          let stdout = ""
          let stderr = ""
          child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
          // Interrupted once it is following a running job; once, as a second Ctrl-C would kill it.
          let interrupted = false
          child.stderr.on("data", (chunk: Buffer) => {
            stderr += chunk.toString()
            if (!interrupted && stderr.includes("working")) {
              interrupted = true
              child.kill(signal)
            }
          })
          child.once("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
          return Effect.sync(() => void child.kill("SIGKILL"))
        })
        expect([signal, run.code], show(run)).toEqual([signal, code])
        expect(run.stdout).toBe("")
        const id = /foreman job ([0-9A-Z]{26})/.exec(run.stderr)?.[1] ?? ""
        expect(id, show(run)).toMatch(ulid)
        // Stopping the wait left the job alone.
        const job = yield* foremanCli(["job", id, "--json"], { url: foreman.url }).pipe(
          Effect.map((r) => parsed<JobView>(r)),
          Effect.repeat({ until: (j) => j.state !== "working" && j.state !== "queued" && j.state !== "loading" })
        )
        expect(job.state).toBe("done")
      }
    }).pipe(Effect.scoped), 90_000)

  it.live("submit: --wait prints the answer, --json the job, plain the id; prompts from flags, files and stdin", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { tokenDelayMs: 5 } })
      const dir = yield* tempDir
      const messages = join(dir, "messages.json")
      // A tool round trip: the assistant turn holds only tool calls, with a null content, as Ollama allows.
      const conversation = [
        { role: "user", content: "what is 6 x 7?" },
        { role: "assistant", content: null, tool_calls: [{ function: { name: "multiply", arguments: { a: 6, b: 7 } } }] },
        { role: "tool", content: "42" },
        { role: "user", content: "from a file" }
      ]
      writeFileSync(messages, JSON.stringify(conversation))
      const cli = (args: ReadonlyArray<string>, stdin?: string) =>
        foremanCli(args, { url: foreman.url, ...(stdin === undefined ? {} : { stdin }) })

      const [waited, generated, queued, piped, fromFile] = yield* Effect.all([
        cli(["submit", "--model", "llama3.2:1b", "--prompt", "hello cli", "--wait"]),
        cli(["submit", "-m", "qwen3:8b", "--generate", "-p", "gen cli", "--system", "terse", "--wait", "--json"]),
        cli(["submit", "-m", "llama3.2:1b", "-p", "fire and forget"]),
        cli(["submit", "-m", "llama3.2:1b", "--wait"], "piped prompt\n"),
        cli(["submit", "-m", "llama3.2:1b", "--messages", messages, "--system", "be brief", "--wait", "--json"])
      ], { concurrency: "unbounded" })

      expect(waited.code, show(waited)).toBe(0)
      expect(waited.stdout).toBe("llama3.2:1b answers: hello cli\n")
      // Not a terminal: one plain progress line per state on stderr, ending with the terminal one.
      expect(waited.stderr.trim().split("\n").at(-1), show(waited)).toMatch(new RegExp(`^${ulid.source.slice(1, -1)} done \\d+\\.\\ds$`))

      expect(generated.code, show(generated)).toBe(0)
      const generateJob = parsed<JobView>(generated)
      expect(generateJob).toMatchObject({ state: "done", endpoint: "generate", model: "qwen3:8b" })
      expect(generateJob.result).toMatchObject({ response: "qwen3:8b answers: gen cli" })

      expect(queued.code, show(queued)).toBe(0)
      expect(queued.stdout.trim()).toMatch(ulid)

      expect(piped.code, show(piped)).toBe(0)
      expect(piped.stdout).toBe("llama3.2:1b answers: piped prompt\n")

      expect(fromFile.code, show(fromFile)).toBe(0)
      expect(parsed<JobView>(fromFile).result).toMatchObject({ message: { content: "llama3.2:1b answers: from a file" } })

      // What reached the target: the system prompt first for chat, the `system` field for generate.
      const bodies = (yield* foreman.sim.requests).map((r) => r.body)
      const chatBody = bodies.find((b) => b.includes("from a file")) ?? ""
      expect(JSON.parse(chatBody)).toMatchObject({
        model: "llama3.2:1b",
        stream: false,
        messages: [{ role: "system", content: "be brief" }, ...conversation]
      })
      expect(JSON.parse(bodies.find((b) => b.includes("gen cli")) ?? "")).toMatchObject({ prompt: "gen cli", system: "terse" })
    }).pipe(Effect.scoped), 180_000)

  it.live("jobs lists as a table or JSON with filters; job shows details, JSON, or only the answer", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const cli = (...args: ReadonlyArray<string>) => foremanCli(args, { url: foreman.url })
      const first = yield* cli("submit", "-m", "llama3.2:1b", "-p", "one", "--wait", "--json")
      const second = yield* cli("submit", "-m", "gemma3:4b", "-p", "two", "--wait", "--json")
      const [one, two] = [parsed<JobView>(first), parsed<JobView>(second)]

      const [human, all, filtered, limited, details, asJson, answer, answerJson] = yield* Effect.all([
        cli("jobs"),
        cli("jobs", "--json"),
        cli("jobs", "--state", "done", "--model", "gemma3:4b", "--json"),
        cli("jobs", "--limit", "1", "--json"),
        cli("job", one.id),
        cli("job", one.id, "--json"),
        cli("job", two.id, "--result"),
        cli("job", two.id, "--result", "--json")
      ], { concurrency: "unbounded" })

      expect(human.code, show(human)).toBe(0)
      const [header, ...rows] = human.stdout.trimEnd().split("\n")
      expect(header).toMatch(/^ID\s+STATE\s+MODEL\s+AGE\s+ATTEMPT$/)
      expect(rows).toHaveLength(2)
      expect(rows[0]).toMatch(new RegExp(`^${two.id}\\s+done\\s+gemma3:4b\\s+\\S+ ago\\s+1/3$`))
      // Aligned: every row's STATE column starts where the header's does.
      for (const row of rows) expect(row.indexOf("done")).toBe(header?.indexOf("STATE"))

      expect(parsed<JobList>(all).jobs.map((j) => j.id)).toEqual([two.id, one.id])
      expect(parsed<JobList>(filtered).jobs.map((j) => j.id)).toEqual([two.id])
      expect(parsed<JobList>(limited)).toMatchObject({ jobs: [{ id: two.id }], next_cursor: two.id })

      expect(details.code, show(details)).toBe(0)
      expect(details.stdout).toMatch(/^ID\s+\S+\nSTATE\s+done\nMODEL\s+llama3\.2:1b\n/)
      expect(details.stdout).toContain("ARTIFACTS")
      expect(details.stdout.trimEnd().endsWith("\n\nllama3.2:1b answers: one")).toBe(true)

      expect(parsed<JobView>(asJson)).toMatchObject({ id: one.id, state: "done", queue_position: null })
      expect(answer.code, show(answer)).toBe(0)
      expect(answer.stdout).toBe("gemma3:4b answers: two\n")
      // Every --json prints one JSON document: here the answer as a string.
      expect(JSON.parse(answerJson.stdout)).toBe("gemma3:4b answers: two")
    }).pipe(Effect.scoped), 180_000)

  it.live("jobs: the \"more:\" hint repeats the filters and limit given, and pasted into a shell gives the next page", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const cli = (...args: ReadonlyArray<string>) => foremanCli(args, { url: foreman.url })
      const submit = (model: string) => cli("submit", "-m", model, "-p", "page me", "--wait", "--json").pipe(Effect.map(parsed<JobView>))
      // One at a time, so newest first is this order reversed: C, F, B, L, A. F and L fail a filter each.
      const a = yield* submit("gemma3:4b")
      yield* submit("llama3.2:1b")
      const b = yield* submit("gemma3:4b")
      yield* foreman.sim.failNext(1, 500, "boom")
      expect((yield* submit("gemma3:4b")).state).toBe("failed")
      const c = yield* submit("gemma3:4b")

      /** The rows' ids and the hint a human run printed. */
      const page = (run: CliRun) => {
        expect(run.code, show(run)).toBe(0)
        const ids = run.stdout.trimEnd().split("\n").slice(1).map((row) => row.split(/\s+/)[0])
        const hint = /^more: (.*)$/m.exec(run.stderr)?.[1]
        return { ids, hint }
      }

      // The model as a user might type it (foreman trims it): a space the shell must be given quoted.
      const first = page(yield* cli("jobs", "--state", "done", "--model", "Gemma3:4b ", "-n", "1"))
      expect(first).toEqual({ ids: [c.id], hint: `foreman jobs --state done --model 'Gemma3:4b ' --limit 1 --cursor ${c.id}` })
      const second = page(yield* foremanShell(first.hint ?? "", { url: foreman.url }))
      expect(second).toEqual({ ids: [b.id], hint: `foreman jobs --state done --model 'Gemma3:4b ' --limit 1 --cursor ${b.id}` })
      const last = page(yield* foremanShell(second.hint ?? "", { url: foreman.url }))
      expect(last).toEqual({ ids: [a.id], hint: undefined })

      // The cursor is a job id, so case-insensitive as the daemon takes it; only the flags given are repeated.
      const lowerCased = page(yield* cli("jobs", "-n", "2", "--cursor", c.id.toLowerCase()))
      expect(lowerCased.ids[1]).toBe(b.id)
      expect(lowerCased.hint).toBe(`foreman jobs --limit 2 --cursor ${b.id}`)
    }).pipe(Effect.scoped), 180_000)

  it.live("ps, tags and health, human and --json", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const cli = (...args: ReadonlyArray<string>) => foremanCli(args, { url: foreman.url })
      yield* cli("submit", "-m", "llama3.2:1b", "-p", "load it", "--wait")
      const [ps, psJson, tags, tagsJson, health, healthJson] = yield* Effect.all([
        cli("ps"),
        cli("ps", "--json"),
        cli("tags"),
        cli("tags", "--json"),
        cli("health"),
        cli("health", "--json")
      ], { concurrency: "unbounded" })
      for (const run of [ps, psJson, tags, tagsJson, health, healthJson]) expect(run.code, show(run)).toBe(0)
      expect(ps.stdout).toMatch(/^NAME\s+SIZE\s+VRAM\s+CONTEXT\s+UNTIL\nllama3\.2:1b\s/)
      expect(parsed<{ models: ReadonlyArray<{ name: string }> }>(psJson).models.map((m) => m.name)).toEqual(["llama3.2:1b"])
      expect(tags.stdout).toMatch(/^NAME\s+SIZE\s+PARAMS\s+QUANT\s+MODIFIED\n/)
      expect(tags.stdout).toContain("qwen3:8b")
      expect(parsed<{ models: ReadonlyArray<{ name: string }> }>(tagsJson).models.map((m) => m.name)).toContain("gemma3:4b")
      expect(health.stdout).toMatch(/^STATUS\s+ok\n/)
      expect(health.stdout).toContain(foreman.sim.url)
      expect(parsed<{ status: string; degraded: boolean }>(healthJson)).toMatchObject({ status: "ok", degraded: false, target: foreman.sim.url })
    }).pipe(Effect.scoped), 180_000)
})
