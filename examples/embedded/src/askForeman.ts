import { JobAwaiter } from "@foreman/server"
import { Console, Effect } from "effect"

/**
 * The part of your program that wants answers. It only needs `JobAwaiter`: whether foreman runs
 * with or without its HTTP server, and how it is configured, is decided where the layers are built.
 */
export const askForeman = (model: string) =>
  Effect.gen(function*() {
    const foreman = yield* JobAwaiter
    // Both are queued at once; foreman's single worker runs them one after the other, and each
    // await returns when its job is done (or fails with JobFailed / JobCancelled).
    const [chat, haiku] = yield* Effect.all([
      foreman.submitAndAwait({ model, messages: [{ role: "user", content: "Why is the sky blue?" }] }),
      foreman.submitAndAwait({ model, endpoint: "generate", prompt: "Write a haiku about queues." })
    ], { concurrency: "unbounded" })
    yield* Console.log(`chat     ${chat.job.id}: ${chat.answer}`)
    yield* Console.log(`generate ${haiku.job.id}: ${haiku.answer}`)
    return { chat: chat.answer, haiku: haiku.answer }
  })
