import { Data } from "effect"

/** A command line that parsed but cannot be acted on (no prompt given, an unreadable file): exit 2. */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** A file (or stdin) the command was told to read cannot be read: exit 2, and --help would not help. */
export class UnreadableInput extends Data.TaggedError("UnreadableInput")<{ readonly source: string; readonly reason: string }> {
  override get message() {
    return `cannot read ${this.source}: ${this.reason}`
  }
}

/** `job --result` on a job that has no answer (yet): exit 1, like any other "no". */
export class NoAnswer extends Data.TaggedError("NoAnswer")<{ readonly message: string }> {}
