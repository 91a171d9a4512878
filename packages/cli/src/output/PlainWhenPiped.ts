import { Console, Context, Effect } from "effect"

/**
 * The console a command's own handler prints to, as the process has it: an answer is the model's
 * text, escape codes and all, and is never rewritten.
 */
export class CommandConsole extends Context.Tag("foreman/cli/CommandConsole")<CommandConsole, Console.Console>() {}

// Colour and weight (SGR) sequences, which @effect/cli writes into its help and its usage errors
// whatever the stream: `foreman --help | less` showed them as `^[[0;1m`.
const sgr = /\u001b\[[0-9;]*m/g

const plainUnless = (stream: NodeJS.WriteStream) => (args: ReadonlyArray<unknown>): ReadonlyArray<unknown> =>
  stream.isTTY === true && process.env.NO_COLOR === undefined
    ? args
    : args.map((arg) => typeof arg === "string" ? arg.replace(sgr, "") : arg)

/** @effect/cli's own output without colour when it goes to a pipe or a file, or NO_COLOR is set. */
export const plainWhenPiped = (terminal: Console.Console): Console.Console => {
  const out = plainUnless(process.stdout)
  const err = plainUnless(process.stderr)
  return {
    ...terminal,
    log: (...args) => terminal.log(...out(args)),
    error: (...args) => terminal.error(...err(args))
  }
}

/** Runs a command's handler with the process's own console, not @effect/cli's plain one. */
export const withCommandConsole = <A, E, R>(handler: Effect.Effect<A, E, R>) =>
  Effect.flatMap(CommandConsole, (terminal) => Effect.withConsole(handler, terminal))
