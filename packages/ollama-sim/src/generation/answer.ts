// The sim's deterministic "model output": tests can predict every byte of it.

/** What a model answers: "<model> answers: <input>". */
export const answerText = (model: string, input: string): string => `${model} answers: ${input}`

/** Word pieces that keep their leading spaces, so joining them gives the text back. */
export const wordPieces = (text: string): ReadonlyArray<string> => text.split(/(?<=\S)(?=\s)/)

/** The chunks to emit: the pieces, or exactly `tokens` chunks cycling through them. */
export const chunkPlan = (pieces: ReadonlyArray<string>, tokens: number | undefined): ReadonlyArray<string> =>
  tokens === undefined ? pieces : Array.from({ length: tokens }, (_, i) => pieces[i % pieces.length] ?? "")

/** A rough token count: words. */
export const countWords = (text: string): number => text.split(/\s+/).filter((word) => word !== "").length
