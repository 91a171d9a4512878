import type { JobView } from "@foreman/domain"
import { Option, Schema } from "effect"

const ChatAnswer = Schema.Struct({ message: Schema.Struct({ content: Schema.String }) })
const GenerateAnswer = Schema.Struct({ response: Schema.String })
const decodeAnswer = Schema.decodeUnknownOption(Schema.Union(ChatAnswer, GenerateAnswer))

/**
 * The text a finished job answered: chat's `message.content`, generate's `response`, or else the
 * inline `completion` artifact (the same text, kept when the result is not shaped like Ollama's).
 */
export const answerText = (job: Pick<JobView, "result" | "artifacts">): Option.Option<string> =>
  Option.orElse(
    Option.map(decodeAnswer(job.result), (answer) => "message" in answer ? answer.message.content : answer.response),
    () =>
      Option.fromNullable(job.artifacts.find((a) => a.name === "completion" && a.encoding === "utf-8")?.data)
  )
