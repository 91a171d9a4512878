import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { answerText, ForemanClient, JobCancelled, JobFailed } from "@foreman/client"
import type { JobView } from "@foreman/domain"
import { Clock, Console, Effect, Option } from "effect"
import { NoAnswer } from "../CliErrors.js"
import { jobIdArg, jsonOption } from "../options.js"
import { ago, bytes, duration, json } from "../output/format.js"
import { fields } from "../output/table.js"

const result = Options.boolean("result").pipe(
  Options.withDescription("Print only the answer text (exit 1 if the job has none: not done, failed or cancelled).")
)

const took = (job: JobView) =>
  job.finished_at === null
    ? ""
    : ` (took ${duration(Date.parse(job.finished_at) - Date.parse(job.started_at ?? job.created_at))})`

/** Human details: one field a line, then the answer after a blank line. */
const details = (job: JobView, now: number) => {
  const rows: Array<readonly [string, string]> = [
    ["ID", job.id],
    ["STATE", job.state],
    ["MODEL", job.model],
    ["ENDPOINT", `${job.endpoint} (${job.mode})`],
    ["ATTEMPT", `${job.attempt}/${job.max_attempts}`],
    ["CREATED", `${job.created_at} (${ago(job.created_at, now)})`]
  ]
  if (job.queue_position !== null) rows.push(["POSITION", `${job.queue_position} in the queue`])
  if (job.started_at !== null) rows.push(["STARTED", job.started_at])
  if (job.finished_at !== null) rows.push(["FINISHED", `${job.finished_at}${took(job)}`])
  if (job.error !== null) rows.push(["ERROR", job.error_status === null ? job.error : `${job.error} (HTTP ${job.error_status})`])
  if (job.state_webhook_url !== null) rows.push(["WEBHOOK", job.state_webhook_url])
  if (job.artifacts.length > 0) rows.push(["ARTIFACTS", job.artifacts.map((a) => `${a.name} (${bytes(a.size)})`).join(", ")])
  const answer = job.state === "done" ? answerText(job) : Option.none()
  return Option.match(answer, { onNone: () => fields(rows), onSome: (text) => `${fields(rows)}\n\n${text}` })
}

/** A failed or cancelled job is shown, then reported as the command's failure (exit 1). */
const outcome = (job: JobView) =>
  job.state === "failed"
    ? Effect.fail(new JobFailed({ job }))
    : job.state === "cancelled"
    ? Effect.fail(new JobCancelled({ job }))
    : Effect.void

/** The answer alone: its text, or with `--json` that text as one JSON string, as every `--json` prints a document. */
const answerOnly = (job: JobView, asJson: boolean) =>
  Effect.gen(function*() {
    yield* outcome(job)
    const answer = job.state === "done" ? answerText(job) : Option.none()
    if (Option.isNone(answer)) {
      return yield* new NoAnswer({ message: `job ${job.id} is ${job.state}: there is no answer yet` })
    }
    yield* Console.log(asJson ? JSON.stringify(answer.value) : answer.value)
  })

/** `foreman job <id>`: one job in full. */
export const jobCommand = Command.make("job", { id: jobIdArg, json: jsonOption, result }, (flags) =>
  Effect.gen(function*() {
    const client = yield* ForemanClient
    const job = yield* client.get(flags.id)
    if (flags.result) return yield* answerOnly(job, flags.json)
    yield* Console.log(flags.json ? json(job) : details(job, yield* Clock.currentTimeMillis))
    yield* outcome(job)
  })).pipe(
    Command.withDescription("Show one job: state, timing, error and answer. Exits 1 when the job failed or was cancelled.")
  )
