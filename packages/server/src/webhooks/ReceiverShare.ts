import type { DueEvent } from "../store/WebhookOutbox.js"

/**
 * Hands out free delivery slots among receivers: each slot goes to the receiver with the fewest
 * deliveries in flight (counting those just handed out), the one read first among receivers with
 * as many (the dispatcher reads them in turn), oldest event first within a receiver, and no
 * receiver past `receiverSlots`. So a receiver that hangs or fails holds at most its share, and a
 * receiver with nothing in flight goes first, however long another's backlog.
 * `load` counts the deliveries in flight per receiver; it is updated for every event handed out.
 */
export const shareSlots = <E extends DueEvent>(
  candidates: ReadonlyArray<E>,
  free: number,
  receiverSlots: number,
  load: Map<string, number>
): ReadonlyArray<E> => {
  const queues = new Map<string, Array<E>>()
  for (const event of candidates) {
    const queue = queues.get(event.receiver)
    if (queue === undefined) queues.set(event.receiver, [event])
    else queue.push(event)
  }
  for (const queue of queues.values()) queue.sort((a, b) => a.eventId < b.eventId ? -1 : 1)
  const chosen: Array<E> = []
  while (chosen.length < free) {
    let best: { readonly queue: Array<E>; readonly receiver: string; readonly inFlight: number } | undefined
    for (const [receiver, queue] of queues) {
      const inFlight = load.get(receiver) ?? 0
      if (queue.length > 0 && inFlight < receiverSlots && (best === undefined || inFlight < best.inFlight)) {
        best = { queue, receiver, inFlight }
      }
    }
    const event = best?.queue.shift()
    if (best === undefined || event === undefined) break
    load.set(best.receiver, best.inFlight + 1)
    chosen.push(event)
  }
  return chosen
}
