import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { answerText, ForemanClient, type JobCancelled, type JobFailed } from "@foreman/client"
import { Console, Effect, Option } from "effect"
import { stoppedBySignal } from "../exitCode.js"
import { jsonOption } from "../options.js"
import { json } from "../output/format.js"
import { statusLine } from "../output/StatusLine.js"
import { submitPayload } from "../submitPayload.js"

const model = Options.text("model").pipe(
  Options.withAlias("m"),
  Options.withPseudoName("NAME"),
  Options.withDescription("The model to run, e.g. llama3.2:1b.")
)
const prompt = Options.text("prompt").pipe(
  Options.withAlias("p"),
  Options.withPseudoName("TEXT"),
  Options.withDescription("The user message (chat) or the prompt (--generate). Without it, stdin is read."),
  Options.optional
)
const messages = Options.text("messages").pipe(
  Options.withPseudoName("FILE"),
  Options.withDescription("A JSON file of chat messages ([{\"role\",\"content\"}, …] or {\"messages\": […]}); - for stdin."),
  Options.optional
)
const system = Options.text("system").pipe(Options.withPseudoName("TEXT"), Options.withDescription("A system prompt."), Options.optional)
const generate = Options.boolean("generate").pipe(Options.withDescription("Submit a generate job (/api/generate) instead of a chat."))
const webhook = Options.text("webhook").pipe(
  Options.withPseudoName("URL"),
  Options.withDescription("A URL to POST every state change of the job to (state_webhook_url)."),
  Options.optional
)
const wait = Options.boolean("wait").pipe(
  Options.withAlias("w"),
  Options.withDescription("Follow the job to its end, showing its state on stderr, then print the answer.")
)

/** With --json the job is printed even when it did not succeed, so a script sees why. */
const printFailedJob = (error: JobFailed | JobCancelled) => Effect.zipRight(Console.log(json(error.job)), Effect.fail(error))

/** `foreman submit`: queue a job; with --wait, follow it and print its answer. */
export const submitCommand = Command.make(
  "submit",
  { model, prompt, messages, system, generate, webhook, wait, json: jsonOption },
  (flags) =>
    Effect.gen(function*() {
      const client = yield* ForemanClient
      const payload = yield* submitPayload(flags)
      const id = yield* client.submit(payload)
      if (!flags.wait) {
        yield* flags.json ? Effect.flatMap(client.get(id), (job) => Console.log(json(job))) : Console.log(id)
        return
      }
      const job = yield* Effect.scoped(
        Effect.flatMap(statusLine(id), (status) => client.wait(id, { onProgress: status.update }))
      ).pipe(
        // Ctrl-C stops the waiting, not the job: say how to find it again.
        Effect.onInterrupt(() =>
          Console.error(`stopped waiting; the job goes on: foreman job ${id}`).pipe(
            // Not 0: a script reading stdout got no answer (or no --json document).
            Effect.zipRight(Effect.sync(() => {
              process.exitCode = stoppedBySignal()
            }))
          )
        ),
        Effect.catchTags({
          JobFailed: (error) => flags.json ? printFailedJob(error) : Effect.fail(error),
          JobCancelled: (error) => flags.json ? printFailedJob(error) : Effect.fail(error)
        })
      )
      yield* Console.log(flags.json ? json(job) : Option.getOrElse(answerText(job), () => ""))
    })
).pipe(
  Command.withDescription(
    "Queue a chat (or --generate) job. Prints the job id, or with --wait the answer once it is done."
  )
)
