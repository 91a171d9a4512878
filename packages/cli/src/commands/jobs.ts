import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { ForemanClient } from "@foreman/client"
import { JobState } from "@foreman/domain"
import { Clock, Console, Effect, Option } from "effect"
import { jobIdOption, jsonOption } from "../options.js"
import { ago, json, shellWord } from "../output/format.js"
import { table } from "../output/table.js"

const state = Options.choice("state", JobState.literals).pipe(Options.withDescription("Only jobs in this state."), Options.optional)
const model = Options.text("model").pipe(
  Options.withAlias("m"),
  Options.withPseudoName("NAME"),
  Options.withDescription("Only jobs for this model."),
  Options.optional
)
// Optional rather than defaulted, so the "more:" hint repeats only what the user gave.
const limit = Options.integer("limit").pipe(
  Options.withAlias("n"),
  Options.withPseudoName("N"),
  Options.withDescription("How many jobs to show, newest first (1-500, default 20)."),
  Options.filterMap((n) => Option.liftPredicate(n, (value) => value >= 1 && value <= 500), "--limit must be from 1 to 500"),
  Options.optional
)
const cursor = jobIdOption("cursor").pipe(
  Options.withDescription("Continue after this job id (the next page)."),
  Options.optional
)

/** `--name value` if the user gave it, quoted for the shell the hint is pasted into. */
const given = (name: string, value: Option.Option<string | number>) =>
  Option.toArray(Option.map(value, (v) => `${name} ${shellWord(String(v))}`))

/** The command for the page after this one: the filters and limit the user gave, from `next`. */
const nextPage = (
  flags: { readonly state: Option.Option<string>; readonly model: Option.Option<string>; readonly limit: Option.Option<number> },
  next: string
) =>
  [
    "foreman jobs",
    ...given("--state", flags.state),
    ...given("--model", flags.model),
    ...given("--limit", flags.limit),
    `--cursor ${shellWord(next)}`
  ].join(" ")

/** `foreman jobs`: the newest jobs as a table. */
export const jobsCommand = Command.make("jobs", { state, model, limit, cursor, json: jsonOption }, (flags) =>
  Effect.gen(function*() {
    const client = yield* ForemanClient
    const page = yield* client.list({
      state: Option.getOrUndefined(flags.state),
      model: Option.getOrUndefined(flags.model),
      limit: Option.getOrElse(flags.limit, () => 20),
      cursor: Option.getOrUndefined(flags.cursor)
    })
    if (flags.json) return yield* Console.log(json(page))
    const now = yield* Clock.currentTimeMillis
    yield* Console.log(table(
      ["ID", "STATE", "MODEL", "AGE", "ATTEMPT"],
      page.jobs.map((job) => [job.id, job.state, job.model, ago(job.created_at, now), `${job.attempt}/${job.max_attempts}`])
    ))
    if (page.next_cursor !== null) yield* Console.error(`more: ${nextPage(flags, page.next_cursor)}`)
  })).pipe(Command.withDescription("List jobs, newest first."))
