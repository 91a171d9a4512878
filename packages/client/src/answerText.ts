import type { JobView } from "@foreman/domain"
import { Option, Schema } from "effect"

const ChatAnswer = Schema.Struct({ message: Schema.Struct({ content: Schema.String }) })
const GenerateAnswer = Schema.Struct({ response: Schema.String })
// /v1 jobs keep OpenAI's shape: chat completions and legacy completions.
const OpenAiAnswer = Schema.Struct({
  choices: Schema.NonEmptyArray(Schema.Union(Schema.Struct({ message: Schema.Struct({ content: Schema.String }) }), Schema.Struct({ text: Schema.String })))
})
const decodeAnswer = Schema.decodeUnknownOption(Schema.Union(ChatAnswer, GenerateAnswer, OpenAiAnswer))

/**
 * The text a finished job answered, from its result: native chat's `message.content`, generate's
 * `response`, or the first OpenAI choice's. Else the `completion` artifact when it is inline (an
 * artifact over 256 KiB is given by URL only; the result always comes whole).
 */
export const answerText = (job: Pick<JobView, "result" | "artifacts">): Option.Option<string> =>
  Option.orElse(
    Option.map(decodeAnswer(job.result), (answer) => {
      if ("message" in answer) return answer.message.content
      if ("response" in answer) return answer.response
      const choice = answer.choices[0]
      return "message" in choice ? choice.message.content : choice.text
    }),
    () =>
      Option.fromNullable(job.artifacts.find((a) => a.name === "completion" && a.encoding === "utf-8")?.data)
  )
