// CI: the example against the simulated Ollama, both ways foreman embeds: the core alone, and the
// core with its HTTP server (then a @foreman/client talks to it over the wire as well). The config
// comes from a plain object here rather than the environment. Exits 1 if an answer is wrong.
import { HttpServer } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { answerText, ForemanClient } from "@foreman/client"
import { OllamaSim } from "@foreman/ollama-sim"
import { ForemanConfig, ForemanCoreLive, ForemanServerLive, JobAwaiter } from "@foreman/server"
import { Console, Data, Effect, Layer, Option } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { askForeman } from "./askForeman.js"

class WrongAnswer extends Data.TaggedError("WrongAnswer")<{ readonly expected: string; readonly actual: string }> {
  override get message() {
    return `expected "${this.expected}", got "${this.actual}"`
  }
}

const model = "llama3.2:1b"
// The sim answers deterministically: "<model> answers: <the last user message or prompt>".
const expected = {
  chat: `${model} answers: Why is the sky blue?`,
  haiku: `${model} answers: Write a haiku about queues.`
}

const check = (actual: string, wanted: string) =>
  actual === wanted ? Effect.void : Effect.fail(new WrongAnswer({ expected: wanted, actual }))

const checkAnswers = (answers: { readonly chat: string; readonly haiku: string }) =>
  Effect.zipRight(check(answers.chat, expected.chat), check(answers.haiku, expected.haiku))

const workDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "foreman-example-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const withHttp = Effect.gen(function*() {
  yield* checkAnswers(yield* askForeman(model))
  const address = (yield* HttpServer.HttpServer).address
  const url = address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : ""
  const { awaited, job } = yield* Effect.gen(function*() {
    const client = yield* ForemanClient
    const id = yield* client.submit({ model, messages: [{ role: "user", content: "over HTTP" }] })
    // A job that came in over HTTP is the same job in-process: await it by id (it is still queued)…
    const awaited = yield* Effect.flatMap(JobAwaiter, (foreman) => foreman.await(id))
    // …and a client over the wire sees the same end.
    return { awaited, job: yield* client.wait(id) }
  }).pipe(Effect.provide(ForemanClient.layer({ url })))
  yield* check(awaited.answer, `${model} answers: over HTTP`)
  yield* check(Option.getOrElse(answerText(job), () => ""), awaited.answer)
  yield* Console.log(`http     ${job.id}: ${awaited.answer} (submitted via ${url}, awaited in-process)`)
})

const program = Effect.gen(function*() {
  const sim = yield* OllamaSim.start({ loadDelayMs: 20, tokenDelayMs: 2 })
  const dir = yield* workDir
  const config = (db: string, extra: Record<string, string> = {}) =>
    ForemanConfig.fromRecord({ FOREMAN_OLLAMA_URL: sim.url, FOREMAN_DB_PATH: join(dir, db), ...extra })

  yield* Console.log("-- foreman core, no HTTP")
  yield* checkAnswers(yield* askForeman(model).pipe(Effect.provide(ForemanCoreLive.pipe(Layer.provide(config("core.db"))))))

  yield* Console.log("-- foreman core with its HTTP server")
  yield* withHttp.pipe(
    Effect.provide(ForemanServerLive.pipe(Layer.provide(config("server.db", { FOREMAN_ADDR: "127.0.0.1:0", FOREMAN_LOG_LEVEL: "warn" }))))
  )
  yield* Console.log("example ok")
})

program.pipe(Effect.scoped, NodeRuntime.runMain)
